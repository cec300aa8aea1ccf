//! An HTTP proxy that injects faults on demand, for servers that cannot do it themselves (the S3
//! server): the next calls are answered with an error status (in S3's XML error shape) or passed
//! on late; every other call is passed on unchanged, `Host` included, so that signed requests
//! (SigV4) still verify at the server behind it.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// One injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answered with this status (500: `InternalError`, 503: `SlowDown`, others: `ServiceUnavailable`).
    Status(u16),
    /// Passed on, after this delay.
    Slow(Duration),
}

#[derive(Default)]
struct Faults {
    queue: VecDeque<Fault>,
    /// The status of every call answered, in order.
    answered: Vec<u16>,
}

#[derive(Clone)]
struct Proxy {
    upstream: Arc<str>,
    client: reqwest::Client,
    faults: Arc<Mutex<Faults>>,
}

/// A running proxy; dropping it stops it.
pub struct FaultProxy {
    address: SocketAddr,
    faults: Arc<Mutex<Faults>>,
    task: tokio::task::JoinHandle<()>,
}

fn lock(faults: &Mutex<Faults>) -> MutexGuard<'_, Faults> {
    match faults.lock() {
        Ok(faults) => faults,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl FaultProxy {
    /// Proxies `upstream` (`http://127.0.0.1:PORT`) on a free loopback port.
    pub async fn start(upstream: &str) -> anyhow::Result<FaultProxy> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let faults = Arc::new(Mutex::new(Faults::default()));
        let proxy = Proxy {
            upstream: Arc::from(upstream.trim_end_matches('/')),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            faults: faults.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(proxy);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FaultProxy {
            address,
            faults,
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The next `times` calls are answered with `status`.
    pub fn fail_next(&self, status: u16, times: usize) {
        lock(&self.faults)
            .queue
            .extend(std::iter::repeat_n(Fault::Status(status), times));
    }

    /// The next `times` calls are passed on after `delay`.
    pub fn slow_next(&self, delay: Duration, times: usize) {
        lock(&self.faults)
            .queue
            .extend(std::iter::repeat_n(Fault::Slow(delay), times));
    }

    /// The status of every call answered so far, in order.
    pub fn answered(&self) -> Vec<u16> {
        lock(&self.faults).answered.clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let fault = lock(&proxy.faults).queue.pop_front();
    let response = match fault {
        Some(Fault::Status(status)) => injected(status),
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            pass_on(&proxy, request).await
        }
        None => pass_on(&proxy, request).await,
    };
    lock(&proxy.faults)
        .answered
        .push(response.status().as_u16());
    response
}

/// S3's error answer for `status`.
fn injected(status: u16) -> Response {
    let code = match status {
        500 => "InternalError",
        503 => "SlowDown",
        _ => "ServiceUnavailable",
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected by the test</Message></Error>"
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/xml"));
    response
}

async fn pass_on(proxy: &Proxy, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return injected(400);
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let mut outgoing = proxy
        .client
        .request(parts.method, format!("{}{path}", proxy.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        outgoing = outgoing.header(name, value);
    }
    let Ok(answer) = outgoing.send().await else {
        return injected(502);
    };
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        response = response.header(name, value);
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    response
        .body(Body::from(bytes))
        .unwrap_or_else(|_| injected(502))
}
