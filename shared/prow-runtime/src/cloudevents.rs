//! CloudEvents between functions, over HTTP as Knative delivers them: out in binary mode (the
//! payload is the body, attributes are `ce-*` headers) to `$K_SINK`, in from a broker or trigger
//! in binary or structured mode.
//!
//! GitHub events keep GitHub's signature as the `ghsignature` extension, so every consumer checks
//! the payload against the webhook secret again: a CloudEvent posted by anything other than hook
//! (which only forwards what GitHub signed) is refused.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The `type` prefix of GitHub events forwarded by hook: `dev.prow.github.<X-GitHub-Event>`.
pub const GITHUB_EVENT_TYPE_PREFIX: &str = "dev.prow.github.";
/// Extension carrying GitHub's `X-Hub-Signature-256` value.
pub const SIGNATURE_EXTENSION: &str = "ghsignature";
/// Extension carrying the payload's `action`, so Knative Triggers can filter on it.
pub const ACTION_EXTENSION: &str = "action";

/// The `type` of a Knative PingSource's events (the resync and cron pings).
pub const PING_EVENT_TYPE: &str = "dev.knative.sources.ping";

/// A Kubernetes object an ApiServerSource event is about.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiServerObject {
    /// `add`, `update` or `delete`.
    pub action: String,
    pub kind: String,
    pub name: String,
    /// The object in Resource mode; `{kind, name, namespace, apiVersion}` in Reference mode.
    pub object: serde_json::Value,
}

impl ApiServerObject {
    /// The object's label `key`, when the event carries labels (Resource mode).
    pub fn label(&self, key: &str) -> Option<&str> {
        self.object["metadata"]["labels"][key].as_str()
    }
}

impl CloudEvent {
    /// The object of a Knative ApiServerSource event (Resource or Reference mode); `Ok(None)` for
    /// other events, an error when an ApiServerSource event's data is not JSON.
    pub fn apiserver_object(&self) -> Result<Option<ApiServerObject>, String> {
        let Some(action) = self
            .event_type
            .strip_prefix("dev.knative.apiserver.resource.")
            .or_else(|| self.event_type.strip_prefix("dev.knative.apiserver.ref."))
        else {
            return Ok(None);
        };
        let object: serde_json::Value = serde_json::from_slice(&self.data)
            .map_err(|e| format!("the {} event's data is not JSON: {e}", self.event_type))?;
        let name = object["metadata"]["name"]
            .as_str()
            .or_else(|| object["name"].as_str())
            .unwrap_or_default()
            .to_string();
        Ok(Some(ApiServerObject {
            action: action.to_string(),
            kind: object["kind"].as_str().unwrap_or_default().to_string(),
            name,
            object,
        }))
    }
}

/// A CloudEvent with a JSON payload.
#[derive(Clone, Debug, PartialEq)]
pub struct CloudEvent {
    pub id: String,
    pub source: String,
    pub event_type: String,
    /// RFC 3339.
    pub time: Option<String>,
    pub subject: Option<String>,
    /// Extension attributes (lower-case names), `traceparent` among them.
    pub extensions: Vec<(String, String)>,
    /// The payload, byte for byte.
    pub data: Bytes,
}

impl CloudEvent {
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The GitHub event name, for events hook forwarded.
    pub fn github_event(&self) -> Option<&str> {
        self.event_type.strip_prefix(GITHUB_EVENT_TYPE_PREFIX)
    }

    /// The binary-mode headers for this event.
    pub fn binary_headers(&self) -> Result<HeaderMap, CloudEventError> {
        let mut headers = HeaderMap::new();
        let mut put = |name: &str, value: &str| -> Result<(), CloudEventError> {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| CloudEventError::Invalid(format!("attribute name {name:?}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| CloudEventError::Invalid(format!("value of {name}")))?;
            headers.insert(name, value);
            Ok(())
        };
        put("ce-specversion", "1.0")?;
        put("ce-id", &self.id)?;
        put("ce-source", &self.source)?;
        put("ce-type", &self.event_type)?;
        if let Some(time) = &self.time {
            put("ce-time", time)?;
        }
        if let Some(subject) = &self.subject {
            put("ce-subject", subject)?;
        }
        for (name, value) in &self.extensions {
            // W3C trace context travels in its own header, as Knative's components expect.
            if name == "traceparent" || name == "tracestate" {
                put(name, value)?;
            } else {
                put(&format!("ce-{name}"), value)?;
            }
        }
        put("content-type", "application/json")?;
        Ok(headers)
    }

    /// Reads an event delivered over HTTP, in binary or structured mode.
    pub fn from_http(headers: &HeaderMap, body: Bytes) -> Result<CloudEvent, CloudEventError> {
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if content_type.starts_with("application/cloudevents+json") {
            return Self::from_structured(headers, &body);
        }
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let required = |name: &str| {
            header(name)
                .map(str::to_string)
                .ok_or_else(|| CloudEventError::Missing(name.to_string()))
        };
        if header("ce-specversion") != Some("1.0") {
            return Err(CloudEventError::Missing("ce-specversion: 1.0".into()));
        }
        let mut extensions = Vec::new();
        for (name, value) in headers {
            let Ok(value) = value.to_str() else { continue };
            if let Some(attribute) = name.as_str().strip_prefix("ce-")
                && !matches!(
                    attribute,
                    "specversion" | "id" | "source" | "type" | "time" | "subject"
                )
            {
                extensions.push((attribute.to_string(), value.to_string()));
            }
            if matches!(name.as_str(), "traceparent" | "tracestate") {
                extensions.push((name.as_str().to_string(), value.to_string()));
            }
        }
        extensions.sort();
        Ok(CloudEvent {
            id: required("ce-id")?,
            source: required("ce-source")?,
            event_type: required("ce-type")?,
            time: header("ce-time").map(str::to_string),
            subject: header("ce-subject").map(str::to_string),
            extensions,
            data: body,
        })
    }

    fn from_structured(headers: &HeaderMap, body: &[u8]) -> Result<CloudEvent, CloudEventError> {
        use base64::Engine;
        let mut envelope: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
            .map_err(|e| CloudEventError::Invalid(format!("structured event: {e}")))?;
        let mut take = |name: &str| match envelope.remove(name) {
            Some(serde_json::Value::String(s)) => Some(s),
            _ => None,
        };
        if take("specversion").as_deref() != Some("1.0") {
            return Err(CloudEventError::Missing("specversion: 1.0".into()));
        }
        let id = take("id").ok_or_else(|| CloudEventError::Missing("id".into()))?;
        let source = take("source").ok_or_else(|| CloudEventError::Missing("source".into()))?;
        let event_type = take("type").ok_or_else(|| CloudEventError::Missing("type".into()))?;
        let time = take("time");
        let subject = take("subject");
        let _ = take("datacontenttype");
        let data = if let Some(encoded) = take("data_base64") {
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| CloudEventError::Invalid(format!("data_base64: {e}")))?
        } else {
            match envelope.remove("data") {
                Some(serde_json::Value::String(text)) => text.into_bytes(),
                Some(value) => serde_json::to_vec(&value)
                    .map_err(|e| CloudEventError::Invalid(format!("data: {e}")))?,
                None => Vec::new(),
            }
        };
        let mut extensions: Vec<(String, String)> = envelope
            .into_iter()
            .filter_map(|(name, value)| match value {
                serde_json::Value::String(s) => Some((name, s)),
                serde_json::Value::Null => None,
                other => Some((name, other.to_string())),
            })
            .collect();
        for name in ["traceparent", "tracestate"] {
            if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok())
                && !extensions.iter().any(|(n, _)| n == name)
            {
                extensions.push((name.to_string(), value.to_string()));
            }
        }
        extensions.sort();
        Ok(CloudEvent {
            id,
            source,
            event_type,
            time,
            subject,
            extensions,
            data: Bytes::from(data),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CloudEventError {
    #[error("not a CloudEvent: missing {0}")]
    Missing(String),
    #[error("not a valid CloudEvent: {0}")]
    Invalid(String),
    #[error("the event sink {sink} refused the event: {status}")]
    Refused { sink: String, status: u16 },
    #[error("the event sink {sink} could not be reached: {reason}")]
    Unreachable { sink: String, reason: String },
}

/// Where a function hands events on. Returns once the receiver has accepted the event.
pub trait EventSink: Send + Sync {
    fn send<'a>(
        &'a self,
        event: &'a CloudEvent,
    ) -> Pin<Box<dyn Future<Output = Result<(), CloudEventError>> + Send + 'a>>;
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
    fn send<'a>(
        &'a self,
        event: &'a CloudEvent,
    ) -> Pin<Box<dyn Future<Output = Result<(), CloudEventError>> + Send + 'a>> {
        Box::pin(async move {
            let response = self
                .client
                .post(&self.url)
                .headers(event.binary_headers()?)
                .body(event.data.clone())
                .send()
                .await
                .map_err(|e| CloudEventError::Unreachable {
                    sink: self.url.clone(),
                    reason: e.to_string(),
                })?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(CloudEventError::Refused {
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

/// Now, in RFC 3339 with seconds precision (the `time` attribute).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
