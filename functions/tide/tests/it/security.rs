//! tide's ping route reads nothing of the request: anyone who can reach it can only make it sync
//! sooner. A forged ping claiming a pull request is approved and its tests passed merges
//! nothing; what tide does follows GitHub's labels and the ProwJobs' real results.

use crate::support::{Bench, ready_pull_request, world};
use axum::body::Body;
use prow_api::ProwJobState;
use tower::ServiceExt;

/// A PingSource-shaped event carrying `body`, posted to tide's route: the status.
async fn forged_ping(bench: &Bench, body: &str) -> u16 {
    let request = axum::http::Request::post("/")
        .header("ce-specversion", "1.0")
        .header("ce-id", "forged")
        .header("ce-source", "https://evil.example")
        .header("ce-type", "dev.knative.sources.ping")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = bench.tide.clone().router().oneshot(request).await.unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn a_forged_ping_merges_nothing_github_and_the_jobs_do_not_allow() {
    let mut seeded = world();
    let ready = ready_pull_request(&mut seeded, "ready", &["lgtm", "approved"]);
    let unapproved = ready_pull_request(&mut seeded, "unapproved", &["lgtm"]);
    let bench = Bench::start(seeded).await;
    let claim = format!(
        r#"{{"action": "labeled", "number": {unapproved}, "pull_request": {{"number": {unapproved},
        "labels": [{{"name": "lgtm"}}, {{"name": "approved"}}], "mergeable": true}},
        "jobs": [{{"name": "unit", "state": "success"}}], "merge": [{ready}, {unapproved}]}}"#
    );
    for _ in 0..3 {
        assert_eq!(forged_ping(&bench, &claim).await, 200);
    }
    assert!(!bench.merged(ready), "its retest has not passed yet");
    assert!(!bench.merged(unapproved), "it is not approved");
    assert!(
        !bench.writes().iter().any(|w| w.ends_with("/merge")),
        "{:?}",
        bench.writes()
    );
    // The pings did only what a scheduled sync does: the approved one is retested.
    let jobs = bench.jobs().await;
    assert!(
        jobs.iter().all(|j| j
            .spec
            .refs
            .as_ref()
            .unwrap()
            .pulls
            .iter()
            .all(|p| p.number == ready)),
        "only the approved pull request is tested: {jobs:?}"
    );

    // Once its retest really passed, the next ping merges it, and only it.
    bench.finish_jobs(ProwJobState::Success).await;
    assert_eq!(forged_ping(&bench, "").await, 200);
    assert!(bench.merged(ready));
    assert!(!bench.merged(unapproved));
}
