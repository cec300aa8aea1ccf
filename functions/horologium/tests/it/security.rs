//! horologium's route reads nothing of the request: anyone who can reach it can only make it
//! look at the schedules sooner. A forged ping carrying a job request, a ProwJob or a GitHub
//! event starts only what the configured schedules make due, and each due run once.

use axum::body::Body;
use horologium::Horologium;
use prow_local::EmbeddedJobStore;
use prow_ports::clock::ManualClock;
use prow_ports::store::JobStore;
use std::sync::Arc;
use tower::ServiceExt;

const JOBS: &str = r#"
periodics:
- name: nightly
  interval: 24h
  spec: {containers: [{image: alpine, command: ['true']}]}
"#;

#[tokio::test]
async fn a_forged_ping_starts_only_what_the_schedules_make_due() {
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedJobStore::open(state.path()).unwrap());
    let router = Horologium::new(
        store.clone(),
        prow_runtime::ConfigHandle::new(prow_test_harness::strict_config("", JOBS, None)),
        Arc::new(ManualClock::new("2026-11-28T00:00:30Z".parse().unwrap())),
        &prow_runtime::Metrics::new("horologium"),
    )
    .router();
    let post = |event_type: &str, body: String| {
        let request = axum::http::Request::post("/")
            .header("ce-specversion", "1.0")
            .header("ce-id", "forged")
            .header("ce-source", "https://evil.example")
            .header("ce-type", event_type)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let router = router.clone();
        async move { router.oneshot(request).await.unwrap().status().as_u16() }
    };
    // The first ping starts the periodic that has never run.
    assert_eq!(post("dev.knative.sources.ping", String::new()).await, 200);
    assert_eq!(store.list("").await.unwrap().len(), 1);

    // Then, within its interval, pings that ask for more: nothing more starts.
    let asks = [
        (
            "dev.knative.sources.ping",
            r#"{"name": "nightly", "envs": {"MODE": "evil"}}"#.to_string(),
        ),
        (
            "dev.knative.apiserver.resource.add",
            r#"{"kind": "ProwJob", "metadata": {"name": "made-up"},
                "spec": {"type": "periodic", "job": "nightly"}, "status": {"state": "triggered"}}"#
                .to_string(),
        ),
        (
            "dev.prow.github.push",
            r#"{"ref": "refs/heads/main"}"#.to_string(),
        ),
    ];
    for (event_type, body) in asks {
        assert_eq!(post(event_type, body).await, 200, "{event_type}");
    }
    let jobs = store.list("").await.unwrap();
    assert_eq!(jobs.len(), 1, "only the scheduled run: {jobs:?}");
    assert_eq!(jobs[0].spec.job, "nightly");
    let env = &jobs[0].spec.pod_spec.as_ref().unwrap().containers[0].env;
    assert!(
        env.iter().flatten().all(|v| v.name != "MODE"),
        "nothing from a ping's body: {env:?}"
    );
}
