//! hook served over real HTTP, for the tests at its two edges: a router on a free loopback port,
//! a CloudEvent sink and an external plugin that record what reaches them, and a client that posts
//! to `/hook` as GitHub does and CloudEvents back as the broker does.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use hook::{Handoff, Hook};
use prow_github::webhook::signature;
use prow_ports::events::{CloudEvent, EventSink};
use prow_runtime::Metrics;
use prow_runtime::cloudevents::{HttpSink, from_http};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Serves `router` on a free loopback port until the test ends; its address.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

/// A CloudEvent receiver: records each event after `delay_ms` (to hold a hand-off in flight), or
/// fails while `failing` is set.
#[derive(Clone, Default)]
pub struct Sink {
    events: Arc<Mutex<Vec<CloudEvent>>>,
    pub failing: Arc<AtomicBool>,
    pub delay_ms: Arc<AtomicU64>,
}

async fn receive_event(
    State(sink): State<Sink>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let delay = sink.delay_ms.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    if sink.failing.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let event = from_http(&headers, body).expect("a binary-mode CloudEvent");
    sink.events.lock().unwrap().push(event);
    StatusCode::ACCEPTED
}

/// What the external plugin received: (headers, body).
pub type Forwarded = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// An external plugin that records what is forwarded to it (at `/`) and describes itself (at
/// `/help`).
async fn external_plugin(forwarded: Forwarded) -> SocketAddr {
    serve(
        Router::new()
            .route(
                "/",
                post(
                    |State(f): State<Forwarded>, headers: HeaderMap, body: axum::body::Bytes| async move {
                        f.lock().unwrap().push((headers, body.to_vec()));
                        StatusCode::OK
                    },
                ),
            )
            .route(
                "/help",
                get(|| async {
                    axum::Json(serde_json::json!({"Description": "an external plugin", "Config": null, "Events": ["issue_comment"], "Commands": null}))
                }),
            )
            .with_state(forwarded),
    )
    .await
}

/// What a test builds its hook from: where the sink and the external plugin listen, the HMAC
/// secret's file, the list the test's plugins record into, and the metrics.
pub struct Wiring {
    pub sink: SocketAddr,
    pub external: SocketAddr,
    pub secret_file: PathBuf,
    pub recorded: Arc<Mutex<Vec<String>>>,
    pub metrics: Arc<Metrics>,
}

impl Wiring {
    /// Hands events on to the recording sink over HTTP, as to `$K_SINK`.
    pub fn sink_handoff(&self) -> Handoff {
        Handoff::Sink(
            Arc::new(HttpSink::new(format!("http://{}/", self.sink))) as Arc<dyn EventSink>
        )
    }
}

/// A hook served over HTTP with its recording sink and external plugin.
pub struct Served {
    pub address: SocketAddr,
    pub sink: Sink,
    pub forwarded: Forwarded,
    pub recorded: Arc<Mutex<Vec<String>>>,
    pub metrics: Arc<Metrics>,
    secret: &'static [u8],
    _secret_file: tempfile::NamedTempFile,
}

impl Served {
    /// Starts the sink and the external plugin, then serves the hook `build` makes from them,
    /// its HMAC secret being `secret`.
    pub async fn start(secret: &'static [u8], build: impl FnOnce(&Wiring) -> Hook) -> Served {
        let sink = Sink::default();
        let sink_address = serve(
            Router::new()
                .route("/", post(receive_event))
                .with_state(sink.clone()),
        )
        .await;
        let forwarded = Forwarded::default();
        let secret_file = crate::support::secret_file(secret);
        let wiring = Wiring {
            sink: sink_address,
            external: external_plugin(forwarded.clone()).await,
            secret_file: secret_file.path().to_path_buf(),
            recorded: Arc::default(),
            metrics: Arc::new(Metrics::new("hook")),
        };
        let hook = build(&wiring);
        Served {
            address: serve(hook.router()).await,
            sink,
            forwarded,
            recorded: wiring.recorded,
            metrics: wiring.metrics,
            secret,
            _secret_file: secret_file,
        }
    }

    /// hook's address as a URL, `http://…` without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every CloudEvent hook handed on so far.
    pub fn handed_on(&self) -> Vec<CloudEvent> {
        self.sink.events.lock().unwrap().clone()
    }

    /// Posts `body` to `/hook` with `headers`; the status and the answer's text.
    pub async fn post(&self, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        let mut request = reqwest::Client::new()
            .post(format!("{}/hook", self.url()))
            .body(body.to_vec());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// A delivery as GitHub sends it, with `signature` as its `X-Hub-Signature-256`.
    pub async fn deliver_signed(
        &self,
        event: &str,
        guid: &str,
        signature: &str,
        body: &[u8],
    ) -> (u16, String) {
        self.post(
            &[
                ("X-GitHub-Event", event),
                ("X-GitHub-Delivery", guid),
                ("X-Hub-Signature-256", signature),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .await
    }

    /// A delivery signed with the hook's secret.
    pub async fn deliver(&self, event: &str, guid: &str, body: &[u8]) -> (u16, String) {
        self.deliver_signed(event, guid, &signature(self.secret, body), body)
            .await
    }

    /// Posts a CloudEvent to `path`, as the broker does.
    pub async fn post_event(&self, path: &str, event: &CloudEvent) -> (u16, String) {
        prow_test_harness::process::post_event_over_http(&format!("{}{path}", self.url()), event)
            .await
            .unwrap()
    }
}
