//! CloudEvents over HTTP, as Knative delivers them, through the CloudEvents SDK's HTTP binding: in
//! from a broker or trigger in binary or structured mode ([`ReceivedEvent`], an axum extractor that
//! reads the body under a limit), out in binary mode to `$K_SINK` ([`HttpSink`]). Prow's additions
//! are kept: the W3C trace context travels in its own `traceparent` header, as Knative's components
//! expect, and is an extension attribute of the event in memory.

use crate::outcome::Outcome;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use cloudevents::binding::http::{Builder, Serializer, to_event};
use cloudevents::message::BinaryDeserializer;
use prow_ports::events::{CloudEvent, EventError, EventSink, SinkFuture, TRACEPARENT_EXTENSION};
use std::sync::Arc;

/// GitHub caps webhook payloads at 25 MB; an event carrying one is not larger.
pub const MAX_EVENT_BYTES: usize = 25 * 1024 * 1024;

const TRACESTATE: &str = "tracestate";

/// Reads an event delivered over HTTP, in binary or structured mode.
pub fn from_http(headers: &HeaderMap, body: Bytes) -> Result<CloudEvent, EventError> {
    let mut event =
        to_event(headers, body.to_vec()).map_err(|e| EventError::Invalid(e.to_string()))?;
    for name in [TRACEPARENT_EXTENSION, TRACESTATE] {
        if event.extension(name).is_none()
            && let Some(value) = headers.get(name).and_then(|v| v.to_str().ok())
        {
            event.set_extension(name, value.to_string());
        }
    }
    Ok(event)
}

/// The binary-mode headers and body of `event`; its trace context goes in `traceparent` and
/// `tracestate` headers.
pub fn to_http(event: &CloudEvent) -> Result<(HeaderMap, Vec<u8>), EventError> {
    let mut event = event.clone();
    let mut trace = Vec::new();
    for name in [TRACEPARENT_EXTENSION, TRACESTATE] {
        if let Some(value) = event.remove_extension(name) {
            trace.push((name, value.to_string()));
        }
    }
    let (mut headers, body) =
        BinaryDeserializer::deserialize_binary(event, Serializer::new(HeadersAndBody::default()))
            .map_err(|e| EventError::Invalid(e.to_string()))?;
    for (name, value) in trace {
        let value = HeaderValue::from_str(&value)
            .map_err(|_| EventError::Invalid(format!("the {name} value is not a header value")))?;
        headers.insert(HeaderName::from_static(name), value);
    }
    Ok((headers, body))
}

/// Collects what the SDK's binary serializer writes.
#[derive(Default)]
struct HeadersAndBody {
    headers: HeaderMap,
}

impl Builder<(HeaderMap, Vec<u8>)> for HeadersAndBody {
    fn header(&mut self, key: &str, value: HeaderValue) {
        if let Ok(name) = HeaderName::from_bytes(key.as_bytes()) {
            self.headers.insert(name, value);
        }
    }

    fn body(&mut self, bytes: Vec<u8>) -> cloudevents::message::Result<(HeaderMap, Vec<u8>)> {
        Ok((std::mem::take(&mut self.headers), bytes))
    }

    fn finish(&mut self) -> cloudevents::message::Result<(HeaderMap, Vec<u8>)> {
        self.body(Vec::new())
    }
}

/// An axum extractor for a CloudEvent in the request, its body read up to [`MAX_EVENT_BYTES`]
/// (the SDK's own extractor reads without a limit). A request that is not a CloudEvent is refused
/// with 400 and the reason; one over the limit with 413.
pub struct ReceivedEvent(pub CloudEvent);

impl<S: Send + Sync> FromRequest<S> for ReceivedEvent {
    type Rejection = Outcome;

    async fn from_request(request: Request, _: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_EVENT_BYTES)
            .await
            .map_err(|_| {
                Outcome::refused(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the event is larger than {MAX_EVENT_BYTES} bytes"),
                )
            })?;
        from_http(&parts.headers, bytes)
            .map(ReceivedEvent)
            .map_err(|error| Outcome::refused(StatusCode::BAD_REQUEST, error.to_string()))
    }
}

/// Posts events in binary mode to a URL (`$K_SINK`, set by Knative's SinkBinding).
pub struct HttpSink {
    url: String,
    client: reqwest::Client,
}

impl HttpSink {
    pub fn new(url: impl Into<String>) -> Self {
        HttpSink {
            url: url.into(),
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
        }
    }

    /// `HttpSink` for `$K_SINK`, when it is set.
    pub fn from_env() -> Option<Arc<dyn EventSink>> {
        std::env::var("K_SINK")
            .ok()
            .filter(|url| !url.is_empty())
            .map(|url| Arc::new(HttpSink::new(url)) as Arc<dyn EventSink>)
    }
}

impl EventSink for HttpSink {
    fn send<'a>(&'a self, event: &'a CloudEvent) -> SinkFuture<'a> {
        Box::pin(async move {
            let (headers, body) = to_http(event)?;
            let response = self
                .client
                .post(&self.url)
                .headers(headers)
                .body(body)
                .send()
                .await
                .map_err(|e| EventError::Unreachable {
                    sink: self.url.clone(),
                    reason: e.without_url().to_string(),
                })?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(EventError::Refused {
                    sink: self.url.clone(),
                    status: response.status().as_u16(),
                })
            }
        })
    }
}

/// The W3C `traceparent` for an event sent now: the current span's when traces are exported,
/// otherwise one derived from `seed` (hook uses the delivery id, so a delivery's trace id is the
/// same everywhere it goes).
pub fn traceparent(seed: &str) -> String {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    if span_context.is_valid() {
        return format!(
            "00-{}-{}-{:02x}",
            span_context.trace_id(),
            span_context.span_id(),
            span_context.trace_flags().to_u8()
        );
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(seed.as_bytes());
    format!(
        "00-{}-{}-01",
        hex::encode(&digest[..16]),
        hex::encode(&digest[16..24])
    )
}
