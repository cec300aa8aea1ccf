//! crier takes a CloudEvent only as a wake-up: it names a ProwJob, and crier reads that job from
//! the job store before reporting anything. Nothing authenticates the event itself (Knative's
//! ApiServerSource and PingSource sign nothing), so what an event *says* must never be reported:
//! a forged event claiming a job succeeded reports the job's real state, one about a job that
//! does not exist reports nothing, and neither changes the job.

use crate::support::{Bench, standin_with_pull};
use crier::ReportAs;
use prow_api::{ProwJob, ProwJobState};
use prow_ports::events::{CloudEvent, NewEvent};
use prow_ports::store::JobStore;
use prow_test_harness::events::post_event_to;
use prow_test_harness::standin_world::REPO;

/// A presubmit of PR `pull` at `head` in `state`, as trigger and the controller leave it.
fn job(name: &str, pull: u64, head: &str, base: &str, state: &str) -> ProwJob {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "prow.k8s.io/v1",
        "kind": "ProwJob",
        "metadata": {"name": name, "labels": {
            "prow.k8s.io/refs.org": "acme", "prow.k8s.io/refs.repo": "widgets",
            "prow.k8s.io/refs.pull": pull.to_string(), "prow.k8s.io/is-optional": "false"
        }},
        "spec": {
            "type": "presubmit", "job": "unit", "report": true, "context": "unit",
            "rerun_command": "/test unit",
            "refs": {"org": "acme", "repo": "widgets", "base_ref": "main", "base_sha": base,
                     "pulls": [{"number": pull, "author": "alice", "sha": head}]}
        },
        "status": {"state": state, "description": "Job triggered.",
                   "startTime": "2026-01-01T00:00:00Z",
                   "url": "https://prow.example.com/view/s3/logs/unit-1"}
    }))
    .unwrap()
}

/// An ApiServerSource event (Resource mode) carrying `object` as it claims the object is.
fn claimed(id: &str, action: &str, object: &serde_json::Value) -> CloudEvent {
    NewEvent {
        id: id.into(),
        source: "https://kubernetes.default.svc".into(),
        event_type: format!("dev.knative.apiserver.resource.{action}"),
        data: serde_json::to_vec(object).unwrap(),
        ..NewEvent::default()
    }
    .build()
    .unwrap()
}

#[tokio::test]
async fn a_forged_event_reports_the_stored_job_never_what_the_event_claims() {
    let (standin, pull, pr) = standin_with_pull("A change", ("w.go", "w")).await;
    let crier = Bench::reporting_to(&standin, ReportAs::Statuses, "prowjob_namespace: prow\n");
    let statuses = || -> Vec<(String, String, String)> {
        standin
            .world()
            .repo(REPO)
            .unwrap()
            .statuses
            .get(&pr.head_sha)
            .into_iter()
            .flatten()
            .map(|s| (s.context.clone(), s.state.clone(), s.target_url.clone()))
            .collect()
    };
    let comments = || standin.world().issue(REPO, pull).unwrap().comments.len();

    // The job as it really is: pending.
    let real = crier
        .store
        .create(&job("unit-1", pull, &pr.head_sha, &pr.base_sha, "pending"))
        .await
        .unwrap();

    // An event claiming it succeeded (at another URL, already reported as pending, so nothing
    // would be due): crier reports the stored state, pending, once.
    let mut success = serde_json::to_value(&real).unwrap();
    success["status"]["state"] = "success".into();
    success["status"]["description"] = "All good, merge it.".into();
    success["status"]["url"] = "https://evil.example/".into();
    success["status"]["prev_report_states"] = serde_json::json!({"github-reporter": "pending"});
    let (status, _) = post_event_to(&crier.router, "/", &claimed("f1", "update", &success))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        statuses(),
        [(
            "unit".to_string(),
            "pending".to_string(),
            "https://prow.example.com/view/s3/logs/unit-1".to_string()
        )]
    );

    // An event about a job that does not exist, failed, on the same PR: nothing is reported.
    let mut ghost =
        serde_json::to_value(job("ghost-1", pull, &pr.head_sha, &pr.base_sha, "failure")).unwrap();
    ghost["spec"]["context"] = "security-scan".into();
    for action in ["add", "update"] {
        let (status, _) = post_event_to(&crier.router, "/", &claimed(action, action, &ghost))
            .await
            .unwrap();
        assert_eq!(status, 200);
    }
    // The same claims in Reference mode, and as a resync ping that carries them.
    let reference = NewEvent {
        id: "f2".into(),
        source: "https://kubernetes.default.svc".into(),
        event_type: "dev.knative.apiserver.ref.update".into(),
        data: serde_json::to_vec(&serde_json::json!({
            "kind": "ProwJob", "name": "ghost-1", "namespace": "prow",
            "apiVersion": "prow.k8s.io/v1"
        }))
        .unwrap(),
        ..NewEvent::default()
    }
    .build()
    .unwrap();
    let ping = NewEvent {
        id: "f3".into(),
        source: "https://kubernetes.default.svc".into(),
        event_type: "dev.knative.sources.ping".into(),
        data: serde_json::to_vec(&ghost).unwrap(),
        ..NewEvent::default()
    }
    .build()
    .unwrap();
    for event in [reference, ping] {
        assert_eq!(
            post_event_to(&crier.router, "/", &event).await.unwrap().0,
            200
        );
    }
    assert_eq!(
        statuses().len(),
        1,
        "nothing new was reported: {:?}",
        statuses()
    );
    assert!(
        statuses()
            .iter()
            .all(|(context, state, _)| context == "unit" && state == "pending"),
        "{:?}",
        statuses()
    );
    assert_eq!(comments(), 0, "no failure comment for a job that never ran");

    // Neither event changed the job.
    let stored = crier.store.get("unit-1").await.unwrap();
    assert_eq!(stored.status.state, Some(ProwJobState::Pending));
    assert_eq!(
        stored.status.url,
        "https://prow.example.com/view/s3/logs/unit-1"
    );
    assert!(
        crier.store.get("ghost-1").await.is_err(),
        "no job was made up from an event"
    );

    // When the job really succeeds, that is reported: the refusals above are the store's doing.
    crier
        .set_state("unit-1", ProwJobState::Success, "Job succeeded.")
        .await;
    let (status, _) = post_event_to(&crier.router, "/", &claimed("r1", "update", &success))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let states: Vec<String> = statuses().into_iter().map(|(_, s, _)| s).collect();
    assert_eq!(states, ["pending", "success"]);
}
