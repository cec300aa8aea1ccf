//! sinker's route reads nothing of the request: anyone who can reach it can only make it sweep
//! sooner. A forged ping that claims a job is old, or asks for it to go, removes only what the
//! configured retention rules remove.

use jiff::{SignedDuration, Timestamp};
use prow_api::ProwJob;
use prow_local::{EmbeddedJobStore, LocalExecutor, LocalExecutorOptions};
use prow_ports::clock::ManualClock;
use prow_ports::store::JobStore;
use sinker::Sinker;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn finished(name: &str, ago: SignedDuration, now: Timestamp) -> ProwJob {
    let start = now - ago;
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"prow.k8s.io/type": "presubmit"}},
        "spec": {"type": "presubmit", "job": "unit", "agent": "kubernetes"},
        "status": {"state": "success", "startTime": start.to_string(),
            "completionTime": (start + SignedDuration::from_mins(5)).to_string()}
    }))
    .unwrap()
}

/// A POST of `body` to `/` as a CloudEvent of `event_type`, over HTTP/1.1: the status.
async fn post(address: std::net::SocketAddr, event_type: &str, body: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: sinker\r\nce-specversion: 1.0\r\nce-id: forged\r\nce-source: https://evil.example\r\nce-type: {event_type}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer[9..12].parse().unwrap()
}

#[tokio::test]
async fn a_forged_ping_removes_only_what_retention_removes() {
    let now: Timestamp = "2026-11-28T12:00:00Z".parse().unwrap();
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedJobStore::open(state.path().join("jobs")).unwrap());
    store
        .create(&finished("fresh", SignedDuration::from_hours(1), now))
        .await
        .unwrap();
    store
        .create(&finished("old", SignedDuration::from_hours(24 * 8), now))
        .await
        .unwrap();
    let router = Sinker::new(
        store.clone(),
        Arc::new(LocalExecutor::new(
            state.path().join("runs"),
            LocalExecutorOptions::default(),
        )),
        prow_runtime::ConfigHandle::new(
            prow_config::load_sources(
                &prow_config::Sources {
                    config: prow_config::Source::new("config.yaml", ""),
                    job_files: vec![],
                    plugins: None,
                },
                prow_config::LoadOptions { strict: true },
            )
            .unwrap()
            .config,
        ),
        Arc::new(ManualClock::new(now)),
        &prow_runtime::Metrics::new("sinker"),
    )
    .router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let mut claim =
        serde_json::to_value(finished("fresh", SignedDuration::from_hours(24 * 30), now)).unwrap();
    claim["metadata"]["deletionTimestamp"] = now.to_string().into();
    for (event_type, body) in [
        (
            "dev.knative.sources.ping",
            r#"{"delete": ["fresh"]}"#.to_string(),
        ),
        ("dev.knative.apiserver.resource.update", claim.to_string()),
    ] {
        assert_eq!(post(address, event_type, &body).await, 200, "{event_type}");
    }
    let left = crate::job_names(store.as_ref()).await;
    assert_eq!(
        left,
        ["fresh"],
        "the week-old job went, the fresh one stayed"
    );
}
