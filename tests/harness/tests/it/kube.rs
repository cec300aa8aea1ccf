//! The Kubernetes test environment is a real control plane: pods are scheduled onto kwok's fake
//! node and run to a final phase, and the ProwJob CRD behaves as the API server makes it behave
//! (schema pruning, label selectors, watches, optimistic concurrency).
//!
//! The CRD applied is upstream's (`../shared/corpus/crds`), the one a team switching to us already
//! has installed; our own rendering joins it when the ProwJob types land.

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ContainerStateTerminated, Pod};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::{WatchStreamExt, watcher};
use prow_test_harness::KubeTestEnv;
use prow_test_harness::kube::{
    OUTCOME_ANNOTATION, RUN_FOR_ANNOTATION, apply_crd, create_namespace,
};
use serde_json::{Value, json};
use std::sync::OnceLock;
use std::time::Duration;

fn env() -> Option<&'static KubeTestEnv> {
    let env = KubeTestEnv::shared().unwrap()?;
    static REPORTED: OnceLock<()> = OnceLock::new();
    REPORTED.get_or_init(|| {
        eprintln!(
            "kube test environment: binaries ready in {:?}, control plane up in {:?}",
            env.built_in, env.started_in
        )
    });
    Some(env)
}

fn pod(name: &str, annotations: Value) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "annotations": annotations, "labels": {"app": "kube-test"}},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "test", "image": "registry.invalid/test:v1", "command": ["make", "test"]}]
        }
    }))
    .unwrap()
}

/// The pod's phase (`Pending`, `Running`, `Succeeded`, `Failed`), once it has one.
fn phase(pod: &Pod) -> Option<&str> {
    pod.status.as_ref()?.phase.as_deref()
}

/// Waits until the pod reaches Succeeded or Failed, watching rather than polling.
async fn final_phase(pods: &Api<Pod>, name: &str) -> Pod {
    let stream = watcher(
        pods.clone(),
        watcher::Config::default().fields(&format!("metadata.name={name}")),
    );
    let mut applied = std::pin::pin!(stream.applied_objects());
    let wait = async {
        while let Some(pod) = applied.try_next().await.unwrap() {
            if matches!(phase(&pod), Some("Succeeded" | "Failed")) {
                return pod;
            }
        }
        panic!("the watch ended before {name} finished")
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap_or_else(|_| panic!("{name} did not finish within 60 s"))
}

/// How the pod's one container ended.
fn terminated(pod: &Pod) -> &ContainerStateTerminated {
    pod.status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0]
        .state
        .as_ref()
        .unwrap()
        .terminated
        .as_ref()
        .unwrap()
}

fn exit_code(pod: &Pod) -> i32 {
    terminated(pod).exit_code
}

/// Pods in a new namespace named after `test`, when the environment is there.
async fn pods_for(test: &str) -> Option<Api<Pod>> {
    let client = env()?.client().await.unwrap();
    let namespace = create_namespace(&client, test).await.unwrap();
    Some(Api::namespaced(client, &namespace))
}

#[tokio::test]
async fn a_pod_is_scheduled_onto_the_fake_node_and_succeeds() {
    let Some(pods) = pods_for("pod-succeeds").await else {
        return;
    };
    pods.create(&PostParams::default(), &pod("unit", json!({})))
        .await
        .unwrap();

    let done = final_phase(&pods, "unit").await;
    assert_eq!(
        done.spec.as_ref().unwrap().node_name.as_deref(),
        Some("kwok-node-0")
    );
    assert_eq!(phase(&done), Some("Succeeded"));
    assert_eq!(exit_code(&done), 0);
}

#[tokio::test]
async fn a_pod_marked_to_fail_ends_failed_after_its_run_time() {
    let Some(pods) = pods_for("pod-fails").await else {
        return;
    };
    let annotations = json!({OUTCOME_ANNOTATION: "fail", RUN_FOR_ANNOTATION: "2s"});
    let created = pods
        .create(&PostParams::default(), &pod("e2e", annotations))
        .await
        .unwrap();

    let done = final_phase(&pods, "e2e").await;
    assert_eq!(phase(&done), Some("Failed"));
    assert_eq!(exit_code(&done), 1);
    // It ran for about the time asked: start (Running) to finish is at least 2 s.
    let started = done.status.as_ref().unwrap().start_time.clone().unwrap().0;
    let finished = terminated(&done).finished_at.clone().unwrap().0;
    let created_at = created.metadata.creation_timestamp.unwrap().0;
    assert!(started >= created_at);
    assert!(
        finished.duration_since(started).as_secs_f64() >= 1.0,
        "ran from {started} to {finished}"
    );
}

#[tokio::test]
async fn a_deleted_running_pod_goes_away() {
    let Some(pods) = pods_for("pod-deleted").await else {
        return;
    };
    pods.create(
        &PostParams::default(),
        &pod("long", json!({RUN_FOR_ANNOTATION: "10m"})),
    )
    .await
    .unwrap();
    // Wait until it runs, then delete it as the controller aborts a job.
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let current = pods.get("long").await.unwrap();
            if phase(&current) == Some("Running") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the pod runs");
    pods.delete("long", &DeleteParams::default()).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), async {
        while pods.get_opt("long").await.unwrap().is_some() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("kwok removes a pod being deleted, as a kubelet would");
}

// ---- ProwJobs -------------------------------------------------------------------------------------

fn prowjob_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("prow.k8s.io", "v1", "ProwJob"),
        "prowjobs",
    )
}

/// Applies upstream's ProwJob CRD once per test binary (every test would race to apply it).
async fn prowjobs(client: &kube::Client, namespace: &str) -> Option<Api<DynamicObject>> {
    let corpus = prow_test_harness::corpus("crds")?;
    static APPLIED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    APPLIED
        .get_or_init(|| async {
            let path = corpus
                .join("crds/config/prow/cluster/prowjob-crd/prowjob_customresourcedefinition.yaml");
            let name = apply_crd(client, &path).await.unwrap();
            assert_eq!(name, "prowjobs.prow.k8s.io");
        })
        .await;
    Some(Api::namespaced_with(
        client.clone(),
        namespace,
        &prowjob_resource(),
    ))
}

fn prowjob(name: &str, labels: Value, spec: Value) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "prow.k8s.io/v1",
        "kind": "ProwJob",
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
        "status": {"state": "triggered", "startTime": "2026-11-28T00:00:00Z"}
    }))
    .unwrap()
}

/// The spec upstream builds for a periodic (`pjutil.PeriodicSpec`), from a job as configured. This
/// stands in for the ProwJob construction the trigger issue brings; what matters here is that
/// every field a real job carries survives the API server's schema.
fn periodic_spec(job: &prow_config::Periodic) -> Value {
    let base = &job.base;
    let mut spec = json!({
        "type": "periodic",
        "agent": base.agent,
        "cluster": base.cluster,
        "namespace": base.namespace,
        "job": base.name,
        "report": true,
        "pod_spec": base.spec,
        "decoration_config": base.utility.decoration_config.as_deref(),
        "reporter_config": base.reporter_config,
        "rerun_auth_config": base.rerun_auth_config,
        "prowjob_defaults": base.prowjob_defaults,
        "extra_refs": base.utility.extra_refs,
        "hidden": base.hidden,
        "max_concurrency": base.max_concurrency,
        "error_on_eviction": base.error_on_eviction,
        "job_queue_name": base.job_queue_name,
    });
    strip_empty(&mut spec);
    spec
}

/// Drops the spec's empty top-level fields (null, `false`, zero, empty string, array or object),
/// as Go's `omitempty` tags on upstream's `ProwJobSpec` do. Nested values are sent as serialized:
/// k8s-openapi writes a container's empty `name`, as Go does.
fn strip_empty(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, v| !is_empty(v));
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(true) => false,
    }
}

#[tokio::test]
async fn prowjobs_built_from_real_jobs_round_trip_through_the_crd_schema() {
    let Some(env) = env() else { return };
    let client = env.client().await.unwrap();
    let namespace = create_namespace(&client, "prowjob-roundtrip")
        .await
        .unwrap();
    let Some(api) = prowjobs(&client, &namespace).await else {
        return;
    };
    let corpus = prow_test_harness::corpus("crds").unwrap();
    let config = corpus.join("k8s-prow/config");
    let loaded = prow_config::load(
        &prow_config::ConfigPaths {
            config_path: config.join("prow/config.yaml"),
            job_config_path: Some(config.join("jobs")),
            plugin_config: None,
        },
        prow_config::LoadOptions::default(),
    )
    .unwrap();
    // Every 16th periodic: a spread over the corpus's files, clusters and decoration settings.
    let sample: Vec<_> = loaded.config.jobs.periodics.iter().step_by(16).collect();
    assert!(sample.len() > 50);
    let mut pruned = Vec::new();
    for (index, job) in sample.iter().enumerate() {
        let spec = periodic_spec(job);
        let name = format!("roundtrip-{index}");
        api.create(
            &PostParams::default(),
            &prowjob(&name, json!({}), spec.clone()),
        )
        .await
        .unwrap_or_else(|e| panic!("{} was refused: {e}", job.name()));
        let stored = api.get(&name).await.unwrap();
        let returned = &stored.data["spec"];
        if *returned != spec {
            pruned.push(job.name().to_string());
            eprintln!(
                "{}: sent {}\nreturned {}",
                job.name(),
                serde_json::to_string(&spec).unwrap(),
                serde_json::to_string(returned).unwrap()
            );
        }
    }
    assert!(pruned.is_empty(), "fields were pruned from {pruned:?}");
}

#[tokio::test]
async fn prowjobs_list_by_label_watch_patch_and_conflict() {
    let Some(env) = env() else { return };
    let client = env.client().await.unwrap();
    let namespace = create_namespace(&client, "prowjob-api").await.unwrap();
    let Some(api) = prowjobs(&client, &namespace).await else {
        return;
    };
    let spec = |job: &str| json!({"type": "presubmit", "job": job, "agent": "kubernetes"});
    let labels = |job: &str, pull: &str| json!({"prow.k8s.io/job": job, "prow.k8s.io/type": "presubmit", "prow.k8s.io/refs.pull": pull});

    // A watch opened before anything exists sees each job arrive and change.
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let watching = api.clone();
    tokio::spawn(async move {
        let mut ready = Some(ready_tx);
        let mut events = std::pin::pin!(watcher(watching, watcher::Config::default()));
        while let Some(event) = events.next().await {
            match event.unwrap() {
                watcher::Event::InitDone => {
                    if let Some(ready) = ready.take() {
                        ready.send(()).unwrap();
                    }
                }
                watcher::Event::Apply(object) | watcher::Event::InitApply(object) => {
                    let state = object.data["status"]["state"].as_str().unwrap_or_default();
                    let _ = seen_tx.send((object.metadata.name.unwrap(), state.to_string()));
                }
                _ => {}
            }
        }
    });
    ready_rx.await.unwrap();

    for (name, job, pull) in [("a", "unit", "1"), ("b", "unit", "2"), ("c", "lint", "1")] {
        api.create(
            &PostParams::default(),
            &prowjob(name, labels(job, pull), spec(job)),
        )
        .await
        .unwrap();
    }
    let again = api
        .create(
            &PostParams::default(),
            &prowjob("a", labels("unit", "1"), spec("unit")),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&again, kube::Error::Api(s) if s.code == 409),
        "creating an existing name conflicts: {again}"
    );

    let names = |list: kube::core::ObjectList<DynamicObject>| {
        let mut names: Vec<String> = list
            .items
            .into_iter()
            .filter_map(|o| o.metadata.name)
            .collect();
        names.sort();
        names
    };
    let unit = api
        .list(&ListParams::default().labels("prow.k8s.io/job=unit"))
        .await
        .unwrap();
    assert_eq!(names(unit), ["a", "b"]);
    let pull_one_unit = api
        .list(&ListParams::default().labels("prow.k8s.io/refs.pull=1,prow.k8s.io/job!=lint"))
        .await
        .unwrap();
    assert_eq!(names(pull_one_unit), ["a"]);

    // Status changes as the controller makes them (upstream's CRD has no status subresource).
    let pending = json!({"status": {"state": "pending", "pod_name": "a", "build_id": "1"}});
    let patched = api
        .patch("a", &PatchParams::default(), &Patch::Merge(&pending))
        .await
        .unwrap();
    assert_eq!(patched.data["status"]["state"], "pending");
    assert_eq!(patched.data["status"]["startTime"], "2026-11-28T00:00:00Z");

    // Optimistic concurrency: an update from a stale copy is refused, and the fresh copy wins.
    let stale = api.get("b").await.unwrap();
    let mut first = stale.clone();
    first.data["status"]["state"] = json!("pending");
    api.replace("b", &PostParams::default(), &first)
        .await
        .unwrap();
    let mut second = stale;
    second.data["status"]["state"] = json!("aborted");
    let conflict = api
        .replace("b", &PostParams::default(), &second)
        .await
        .unwrap_err();
    assert!(
        matches!(&conflict, kube::Error::Api(s) if s.code == 409),
        "a stale resourceVersion conflicts: {conflict}"
    );
    assert_eq!(
        api.get("b").await.unwrap().data["status"]["state"],
        "pending"
    );

    // A value outside the schema's enum is refused by the API server, not stored.
    let invalid = api
        .patch(
            "c",
            &PatchParams::default(),
            &Patch::Merge(&json!({"status": {"state": "exploded"}})),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&invalid, kube::Error::Api(s) if s.code == 422),
        "{invalid}"
    );

    // The watch saw three creations and the two status changes, in order per object.
    let mut seen = Vec::new();
    while seen.len() < 5 {
        let next = tokio::time::timeout(Duration::from_secs(20), seen_rx.recv())
            .await
            .expect("the watch delivers every change")
            .unwrap();
        seen.push(next);
    }
    let states_of = |name: &str| -> Vec<String> {
        seen.iter()
            .filter(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .collect()
    };
    assert_eq!(states_of("a"), ["triggered", "pending"]);
    assert_eq!(states_of("b"), ["triggered", "pending"]);
    assert_eq!(states_of("c"), ["triggered"]);
}
