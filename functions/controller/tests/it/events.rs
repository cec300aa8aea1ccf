//! The controller woken by the events Knative delivers: ApiServerSource events for ProwJobs and
//! Pods (Resource and Reference mode) and a PingSource resync, against the real API server with
//! kwok running the pods.

use controller::{Controller, ControllerOptions, Target, target};
use prow_api::{ProwJob, ProwJobState};
use prow_ports::events::{CloudEvent, NewEvent};
use prow_ports::store::JobStore;
use prow_test_harness::KubeTestEnv;
use prow_test_harness::kube::{RUN_FOR_ANNOTATION, apply_crd, create_namespace};
use prow_test_harness::process::post_event_over_http;
use std::sync::Arc;
use std::time::Duration;

fn raw_event(event_type: &str, data: Vec<u8>) -> CloudEvent {
    NewEvent {
        id: format!(
            "e-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ),
        source: "https://kubernetes.default/apis".into(),
        event_type: event_type.into(),
        data,
        ..NewEvent::default()
    }
    .build()
    .unwrap()
}

fn event(event_type: &str, data: serde_json::Value) -> CloudEvent {
    raw_event(event_type, serde_json::to_vec(&data).unwrap())
}

#[test]
fn events_name_the_job_to_reconcile() {
    let cases = [
        (
            "dev.knative.apiserver.resource.add",
            serde_json::json!({"kind": "ProwJob", "metadata": {"name": "pj-1"}}),
            Target::Job("pj-1".into()),
        ),
        (
            "dev.knative.apiserver.ref.update",
            serde_json::json!({"kind": "ProwJob", "name": "pj-2", "namespace": "prow", "apiVersion": "prow.k8s.io/v1"}),
            Target::Job("pj-2".into()),
        ),
        (
            "dev.knative.apiserver.resource.update",
            serde_json::json!({"kind": "Pod", "metadata": {"name": "pj-3", "labels": {"created-by-prow": "true", "prow.k8s.io/id": "pj-3"}}}),
            Target::Job("pj-3".into()),
        ),
        (
            "dev.knative.apiserver.ref.delete",
            serde_json::json!({"kind": "Pod", "name": "pj-4", "namespace": "test-pods"}),
            Target::Job("pj-4".into()),
        ),
        (
            "dev.knative.apiserver.resource.update",
            serde_json::json!({"kind": "Pod", "metadata": {"name": "other", "labels": {"app": "x"}}}),
            Target::Ignore("pod other is not a job's".into()),
        ),
        (
            "dev.knative.apiserver.resource.update",
            serde_json::json!({"kind": "PipelineRun", "metadata": {"name": "pj-5", "labels": {"created-by-prow": "true", "prow.k8s.io/id": "pj-5"}}}),
            Target::Job("pj-5".into()),
        ),
        (
            "dev.knative.sources.ping",
            serde_json::json!({}),
            Target::Resync,
        ),
    ];
    for (event_type, data, expected) in cases {
        assert_eq!(
            target(&event(event_type, data)).unwrap(),
            expected,
            "{event_type}"
        );
    }
    let broken = raw_event("dev.knative.apiserver.resource.add", b"not json".to_vec());
    assert!(
        target(&broken)
            .unwrap_err()
            .to_string()
            .contains("not JSON")
    );
}

#[tokio::test]
async fn events_drive_a_job_from_triggered_to_success() {
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let client = env.client().await.unwrap();
    let crd = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(crd.path(), prow_kube::prowjob_crd_yaml().unwrap()).unwrap();
    apply_crd(&client, crd.path()).await.unwrap();
    let jobs_ns = create_namespace(&client, "controller-jobs").await.unwrap();
    let pods_ns = create_namespace(&client, "controller-pods").await.unwrap();
    let store = Arc::new(prow_kube::KubeJobStore::new(client.clone(), &jobs_ns));
    let executor = Arc::new(prow_kube::KubeExecutor::new(client, &pods_ns));
    let metrics = prow_runtime::Metrics::new("controller");
    let config = prow_runtime::ConfigHandle::new(prow_config::Config::default());
    let controller = Controller::new(
        ControllerOptions::new(store.clone(), executor),
        config,
        &metrics,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, controller.router()).await.unwrap() });
    let post = |event: CloudEvent| {
        let url = url.clone();
        async move { post_event_over_http(&url, &event).await.unwrap() }
    };

    let job: ProwJob = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "evented", "annotations": {RUN_FOR_ANNOTATION: "1s"}},
        "spec": {"type": "periodic", "job": "nightly", "agent": "kubernetes",
                 "pod_spec": {"containers": [{"image": "alpine", "command": ["true"]}]}},
        "status": {"state": "triggered", "startTime": "2026-11-28T00:00:00Z"}
    }))
    .unwrap();
    let created = store.create(&job).await.unwrap();
    // Resource mode: the event carries the object.
    let add = || {
        event(
            "dev.knative.apiserver.resource.add",
            serde_json::to_value(&created).unwrap(),
        )
    };
    let (status, text) = post(add()).await;
    assert_eq!((status, text.as_str()), (200, "reconciled"));
    let pending = store.get("evented").await.unwrap();
    assert_eq!(pending.status.state, Some(ProwJobState::Pending));
    // The same event again (a redelivery) changes nothing.
    post(add()).await;
    assert_eq!(
        store
            .get("evented")
            .await
            .unwrap()
            .metadata
            .resource_version,
        pending.metadata.resource_version
    );

    // Pod events (Reference mode), as the pod's updates arrive, until the job is done.
    let finished = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let pod_update = event(
                "dev.knative.apiserver.ref.update",
                serde_json::json!({"kind": "Pod", "name": "evented", "namespace": pods_ns, "apiVersion": "v1"}),
            );
            assert_eq!(post(pod_update).await.0, 200);
            let job = store.get("evented").await.unwrap();
            if job.complete() {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    })
    .await
    .expect("the job finishes");
    assert_eq!(finished.status.state, Some(ProwJobState::Success));
    assert_eq!(finished.status.build_id, pending.status.build_id);

    // A resync counts jobs by state.
    assert_eq!(
        post(event("dev.knative.sources.ping", serde_json::json!({})))
            .await
            .0,
        200
    );
    let exposed = metrics.encode();
    assert!(
        exposed.contains(
            "prowjob_state_transitions{job_name=\"nightly\",type=\"periodic\",state=\"success\""
        ),
        "{exposed}"
    );
    assert!(
        exposed.contains("prowjobs{job_name=\"nightly\",type=\"periodic\",state=\"success\""),
        "{exposed}"
    );

    // Not a CloudEvent: refused, nothing reconciled.
    let response = reqwest::Client::new()
        .post(&url)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
}
