//! The Gerrit adapter's route reads nothing of the request: a POST carrying a made-up change or
//! ProwJob is only a ping, and with no Gerrit projects configured a ping does nothing.

use crate::support::{gerrit_router, last_sync};
use axum::body::Body;
use axum::http::Request;
use prow_ports::store::JobStore;
use tower::ServiceExt;

#[tokio::test]
async fn a_forged_ping_creates_nothing_it_carries() {
    let state = tempfile::tempdir().unwrap();
    let (router, jobs, bucket) = gerrit_router("", state.path());
    let claims = [
        r#"{"type": "patchset-created", "change": {"project": "app", "number": 1,
            "branch": "main"}, "patchSet": {"number": 1, "revision": "abc"}}"#,
        r#"{"kind": "ProwJob", "metadata": {"name": "made-up"},
            "spec": {"type": "presubmit", "job": "unit"}, "status": {"state": "triggered"}}"#,
    ];
    for claim in claims {
        let request = Request::post("/")
            .header("ce-specversion", "1.0")
            .header("ce-id", "forged")
            .header("ce-source", "https://evil.example")
            .header("ce-type", "dev.knative.sources.ping")
            .header("content-type", "application/json")
            .body(Body::from(claim))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    assert!(
        jobs.list("").await.unwrap().is_empty(),
        "no job was created"
    );
    assert!(last_sync(&bucket).await.is_none(), "nothing written");
}
