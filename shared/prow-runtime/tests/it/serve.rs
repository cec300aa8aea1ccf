//! The base routes over real HTTP on loopback, and graceful shutdown.

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

#[tokio::test]
async fn event_routes_answer_as_knative_expects_and_are_counted() {
    use prow_runtime::Outcome;
    use prow_runtime::cloudevents::ReceivedEvent;
    let metrics = Arc::new(Metrics::new("controller"));
    // One route per outcome; each reads a CloudEvent first, as every event route does.
    let app = Router::new()
        .route(
            "/done",
            routing::post(|ReceivedEvent(_): ReceivedEvent| async { Outcome::done("reconciled") }),
        )
        .route(
            "/retry",
            routing::post(|ReceivedEvent(_): ReceivedEvent| async {
                Outcome::retry("github_rate_limited", "secret detail: token abc")
            }),
        )
        .route(
            "/give-up",
            routing::post(|ReceivedEvent(_): ReceivedEvent| async {
                Outcome::give_up("message_invalid", "no periodic job named \"x\"")
            }),
        );
    let (address, stop, server) = start(trace_requests(
        app.merge(base_routes(metrics.clone())),
        metrics,
    ))
    .await;
    let event = prow_ports::events::NewEvent {
        id: "1".into(),
        source: "https://kubernetes.default.svc".into(),
        event_type: "dev.knative.sources.ping".into(),
        data: b"{}".to_vec(),
        ..Default::default()
    }
    .build()
    .unwrap();
    let (headers, body) = prow_runtime::cloudevents::to_http(&event).unwrap();
    let client = reqwest::Client::new();
    let post = |path: &'static str, body: Vec<u8>, headers: axum::http::HeaderMap| {
        let client = client.clone();
        async move {
            let response = client
                .post(format!("http://{address}{path}"))
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    assert_eq!(
        post("/done", body.clone(), headers.clone()).await,
        (200, "reconciled".into())
    );
    let (status, text) = post("/retry", body.clone(), headers.clone()).await;
    assert_eq!(status, 500, "redelivered");
    assert!(
        !text.contains("secret"),
        "5xx detail stays in the log: {text}"
    );
    let (status, text) = post("/give-up", body.clone(), headers.clone()).await;
    assert_eq!(status, 200, "acknowledged: retrying cannot help");
    assert!(text.contains("no periodic job"), "{text}");
    let (status, text) = post("/done", b"{}".to_vec(), Default::default()).await;
    assert_eq!(status, 400, "not a CloudEvent: {text}");

    let (_, _, exposition) = get(address, "/metrics").await;
    for expected in [
        r#"prow_event_outcomes_total{route="/done",outcome="done",kind=""} 1"#,
        r#"prow_event_outcomes_total{route="/retry",outcome="retry",kind="github_rate_limited"} 1"#,
        r#"prow_event_outcomes_total{route="/give-up",outcome="give_up",kind="message_invalid"} 1"#,
        r#"prow_event_outcomes_total{route="/done",outcome="refused",kind="bad_request"} 1"#,
    ] {
        assert!(exposition.contains(expected), "{expected} in\n{exposition}");
    }
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
