//! `tekton-pipeline` jobs end to end on the Kubernetes test environment with Tekton's real CRDs:
//! the controller picks the PipelineRun executor by the job's agent, the run carries Prow's
//! environment as parameters, its success and failure come back as the job's state (and so as
//! crier's status), and an abort cancels it. A driver in the harness moves the runs as Tekton's
//! controller would.

use controller::{Controller, ControllerOptions};
use kube::api::{Api, ApiResource, DynamicObject};
use prow_api::{ProwJob, ProwJobState};
use prow_ports::events::{CloudEvent, NewEvent};
use prow_ports::store::JobStore;
use prow_test_harness::KubeTestEnv;
use prow_test_harness::kube::{apply_crd, create_namespace};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn added(job: &ProwJob) -> CloudEvent {
    NewEvent {
        id: format!("e-{}", Instant::now().elapsed().as_nanos()),
        source: "https://kubernetes.default/apis".into(),
        event_type: "dev.knative.apiserver.resource.add".into(),
        data: serde_json::to_vec(job).unwrap(),
        ..NewEvent::default()
    }
    .build()
    .unwrap()
}

fn tekton_job(name: &str, outcome: &str) -> ProwJob {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"prow.k8s.io/job": "pull-app-tekton"}},
        "spec": {
            "type": "presubmit", "job": "pull-app-tekton", "agent": "tekton-pipeline",
            "context": "pull-app-tekton",
            "pipeline_run_spec": {
                "pipelineSpec": {"tasks": [{"name": "test", "taskRef": {"name": "run-tests"}}]},
                "params": [{"name": "PROW_TEST_OUTCOME", "value": outcome}],
            },
            "refs": {"org": "acme", "repo": "app", "base_ref": "main", "base_sha": "b".repeat(40),
                     "pulls": [{"number": 7, "author": "alice", "sha": "a".repeat(40)}]},
        },
        "status": {"state": "triggered", "startTime": "2026-12-06T00:00:00Z"}
    }))
    .unwrap()
}

fn pipeline_runs(client: kube::Client, namespace: &str) -> Api<DynamicObject> {
    let resource = ApiResource {
        group: "tekton.dev".into(),
        version: "v1".into(),
        api_version: "tekton.dev/v1".into(),
        kind: "PipelineRun".into(),
        plural: "pipelineruns".into(),
    };
    Api::namespaced_with(client, namespace, &resource)
}

#[tokio::test]
async fn a_tekton_job_runs_as_a_pipeline_run_reports_and_aborts() {
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let client = env.client().await.unwrap();
    if !prow_test_harness::tekton::install(&client).await.unwrap() {
        return;
    }
    let crd = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(crd.path(), prow_kube::prowjob_crd_yaml().unwrap()).unwrap();
    apply_crd(&client, crd.path()).await.unwrap();
    let jobs_ns = create_namespace(&client, "tekton-jobs").await.unwrap();
    let runs_ns = create_namespace(&client, "tekton-runs").await.unwrap();
    let _driver = prow_test_harness::tekton::PipelineRunDriver::start(
        client.clone(),
        &runs_ns,
        Duration::from_millis(500),
    );
    let store = Arc::new(prow_kube::KubeJobStore::new(client.clone(), &jobs_ns));
    let executor = Arc::new(
        prow_kube::clusters::BuildClusters::of_clients(
            [("default".to_string(), client.clone())].into(),
            &runs_ns,
        )
        .by_agent(&runs_ns),
    );
    let executor_for_sinker = executor.clone();
    let controller = Controller::new(
        ControllerOptions::new(store.clone(), executor),
        prow_runtime::ConfigHandle::new(prow_config::Config::default()),
        &prow_runtime::Metrics::new("controller"),
    )
    .router();
    let reconcile = |job: ProwJob| {
        let controller = controller.clone();
        async move {
            let (status, body) =
                prow_test_harness::events::post_event_to(&controller, "/", &added(&job))
                    .await
                    .unwrap();
            assert_eq!(status, 200, "{body}");
        }
    };
    let until = |name: &'static str, wanted: ProwJobState| {
        let store = store.clone();
        let reconcile = &reconcile;
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let job = store.get(name).await.unwrap();
                if job.status.state == Some(wanted) {
                    return job;
                }
                assert!(
                    Instant::now() < deadline,
                    "{name} stuck at {:?}: {}",
                    job.status.state,
                    job.status.description
                );
                reconcile(job).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };

    store
        .create(&tekton_job("tekton-passes", "success"))
        .await
        .unwrap();
    let pending = until("tekton-passes", ProwJobState::Pending).await;
    let run = pipeline_runs(client.clone(), &runs_ns)
        .get("tekton-passes")
        .await
        .unwrap();
    let run = serde_json::to_value(&run).unwrap();
    assert_eq!(run["metadata"]["labels"]["created-by-prow"], "true");
    assert_eq!(
        run["metadata"]["labels"]["prow.k8s.io/build-id"],
        pending.status.build_id.as_str()
    );
    let params: Vec<(String, String)> = run["spec"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (name, value) in [
        ("PROW_JOB_ID", "tekton-passes"),
        ("PULL_NUMBER", "7"),
        ("REPO_OWNER", "acme"),
    ] {
        assert!(
            params.contains(&(name.to_string(), value.to_string())),
            "{name} in {params:?}"
        );
    }
    assert!(
        params
            .iter()
            .any(|(n, v)| n == "JOB_SPEC" && v.contains("pull-app-tekton"))
    );
    let passed = until("tekton-passes", ProwJobState::Success).await;
    assert!(
        passed
            .status
            .description
            .starts_with("Tasks Completed: 1 (Failed: 0"),
        "{}",
        passed.status.description
    );
    assert_eq!(
        prow_crier::github::commit_status(&passed)
            .unwrap()
            .status
            .state,
        "success"
    );

    store
        .create(&tekton_job("tekton-fails", "failure"))
        .await
        .unwrap();
    let failed = until("tekton-fails", ProwJobState::Failure).await;
    assert_eq!(
        prow_crier::github::commit_status(&failed)
            .unwrap()
            .status
            .state,
        "failure"
    );

    store
        .create(&tekton_job("tekton-aborted", "success"))
        .await
        .unwrap();
    let mut running = until("tekton-aborted", ProwJobState::Pending).await;
    running.status.state = Some(ProwJobState::Aborted);
    let aborted = store.update(&running).await.unwrap();
    reconcile(aborted).await;
    let run = pipeline_runs(client.clone(), &runs_ns)
        .get("tekton-aborted")
        .await
        .unwrap();
    let run = serde_json::to_value(&run).unwrap();
    assert_eq!(
        run["spec"]["status"], "CancelledRunFinally",
        "an abort cancels the run"
    );
    let job = store.get("tekton-aborted").await.unwrap();
    assert_eq!(job.status.state, Some(ProwJobState::Aborted));
    assert!(job.status.completion_time.is_some());

    // Sinker removes finished jobs' PipelineRuns once their time to live is over.
    let config = prow_config::load_sources(
        &prow_config::Sources {
            config: prow_config::Source::new("config.yaml", "sinker:\n  terminated_pod_ttl: 1s\n"),
            job_files: Vec::new(),
            plugins: None,
        },
        prow_config::LoadOptions::default(),
    )
    .unwrap()
    .config;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sinker = sinker::Sinker::new(
        store.clone(),
        executor_for_sinker,
        prow_runtime::ConfigHandle::new(config),
        prow_ports::clock::SystemClock::shared(),
        &prow_runtime::Metrics::new("sinker"),
    );
    let swept = sinker.sweep().await.unwrap();
    assert!(swept.errors.is_empty(), "{:?}", swept.errors);
    let left = pipeline_runs(client, &runs_ns)
        .list(&Default::default())
        .await
        .unwrap();
    assert_eq!(left.items.len(), 0, "every finished job's run is collected");
}
