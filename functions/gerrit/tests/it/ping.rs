//! A ping syncs once: with no Gerrit projects it answers 200 and touches nothing; when Gerrit
//! cannot be reached it answers 5xx (so the PingSource delivers again) and keeps the last sync as
//! it was.

use crate::support::{gerrit_router, last_sync};
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

async fn ping(config_yaml: &str, state: &std::path::Path) -> (u16, String) {
    let (router, _, _) = gerrit_router(config_yaml, state);
    let response = router
        .oneshot(Request::post("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn without_projects_a_ping_does_nothing_and_unreachable_gerrit_is_retried() {
    let state = tempfile::tempdir().unwrap();
    assert_eq!(
        ping("", state.path()).await,
        (200, "0 jobs created".to_string())
    );
    let bucket = prow_artifacts::DirectoryArtifactStore::new(state.path().join("bucket"));
    assert!(last_sync(&bucket).await.is_none(), "nothing written");

    // A closed port: the first ping starts the project from now, the next one must query.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = format!(
        "gerrit:\n  org_repos_config:\n  - org: http://127.0.0.1:{port}\n    repos: [app]\n"
    );
    assert_eq!(
        ping(&config, state.path()).await.0,
        200,
        "the first sync starts from now"
    );
    let started = last_sync(&bucket).await.unwrap();
    let (status, body) = ping(&config, state.path()).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("could not be reached"), "{body}");
    assert_eq!(
        last_sync(&bucket).await.unwrap(),
        started,
        "the last sync stays where it was"
    );
}
