//! The base routes over real HTTP on loopback, and graceful shutdown.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use axum::Router;
use axum::routing;
use prow_runtime::{Metrics, base_routes, serve_until, trace_requests};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// A plain HTTP/1.1 GET, so the test depends on no client library's behaviour.
fn get_blocking(address: SocketAddr, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

async fn get(address: SocketAddr, path: &'static str) -> (u16, String, String) {
    tokio::task::spawn_blocking(move || get_blocking(address, path))
        .await
        .expect("request")
}

async fn start(
    router: Router,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_until(listener, router, async {
        let _ = stopped.await;
    }));
    (address, stop, server)
}

#[tokio::test]
async fn healthz_and_metrics_are_served() {
    let metrics = Arc::new(Metrics::new("tide"));
    let (address, stop, server) =
        start(trace_requests(base_routes(metrics.clone()), metrics)).await;

    let (status, _, body) = get(address, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));

    let (status, head, body) = get(address, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        head.to_lowercase()
            .contains("content-type: application/openmetrics-text; version=1.0.0"),
        "{head}"
    );
    assert!(
        body.contains("prow_version{component=\"tide\",version=\""),
        "{body}"
    );
    assert!(
        body.contains("# TYPE prow_config_last_reload_success_timestamp_seconds gauge"),
        "{body}"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");

    let (status, _, _) = get(address, "/nothing-here").await;
    assert_eq!(status, 404);

    stop.send(()).expect("stop");
    server.await.expect("join").expect("served");
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish() {
    let slow = Router::new().route(
        "/slow",
        routing::get(|| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            "done"
        }),
    );
    let (address, stop, server) = start(slow).await;
    let request = tokio::spawn(get(address, "/slow"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).expect("stop");
    let (status, _, body) = request.await.expect("request");
    assert_eq!((status, body.as_str()), (200, "done"));
    server.await.expect("join").expect("served");
}
