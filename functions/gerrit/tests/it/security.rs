//! The Gerrit adapter's route reads nothing of the request: a POST carrying a made-up change or
//! ProwJob is only a ping, and with no Gerrit projects configured a ping does nothing.

use axum::body::Body;
use axum::http::Request;
use prow_ports::artifacts::ArtifactStore;
use prow_ports::store::JobStore;
use std::sync::Arc;
use tower::ServiceExt;

#[tokio::test]
async fn a_forged_ping_creates_nothing_it_carries() {
    let state = tempfile::tempdir().unwrap();
    let config = prow_config::load_sources(
        &prow_config::Sources {
            config: prow_config::Source::new("config.yaml", ""),
            job_files: Vec::new(),
            plugins: None,
        },
        prow_config::LoadOptions { strict: true },
    )
    .unwrap()
    .config;
    let jobs = Arc::new(prow_local::EmbeddedJobStore::open(state.path().join("jobs")).unwrap());
    let bucket = Arc::new(prow_artifacts::DirectoryArtifactStore::new(
        state.path().join("bucket"),
    ));
    let router = gerrit::router(
        Arc::new(prow_gerrit_http::HttpGerrit::new(None).unwrap()),
        jobs.clone(),
        bucket.clone(),
        prow_runtime::ConfigHandle::new(config),
        prow_ports::clock::SystemClock::shared(),
    );
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
    assert!(
        bucket
            .get(prow_gerrit::sync::LAST_SYNC_KEY)
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );
}
