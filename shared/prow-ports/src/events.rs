//! CloudEvents between functions: the [`EventSink`] port (where a function hands events on), the
//! event type of the CloudEvents SDK, and Prow's vocabulary on top of it: GitHub events forwarded
//! by hook (`dev.prow.github.<X-GitHub-Event>`, with GitHub's signature in the `ghsignature`
//! extension so every consumer can check the payload against the webhook secret again), Knative's
//! ApiServerSource and PingSource events.

use crate::{Failure, PortFuture};
use cloudevents::event::ExtensionValue;
use cloudevents::{Data, EventBuilder, EventBuilderV10};
use std::borrow::Cow;

/// Reads a CloudEvent's attributes (`id()`, `ty()`, `source()`, ...).
pub use cloudevents::AttributesReader;
/// A CloudEvent, as the CloudEvents SDK models it.
pub use cloudevents::Event as CloudEvent;

/// The `type` prefix of GitHub events forwarded by hook: `dev.prow.github.<X-GitHub-Event>`.
pub const GITHUB_EVENT_TYPE_PREFIX: &str = "dev.prow.github.";
/// Extension carrying GitHub's `X-Hub-Signature-256` value.
pub const SIGNATURE_EXTENSION: &str = "ghsignature";
/// Extension carrying the payload's `action`, so Knative Triggers can filter on it.
pub const ACTION_EXTENSION: &str = "action";
/// Extension carrying a shared token, for events a local process sends to itself (`prow local`'s
/// bus) where no GitHub signature exists.
pub const TOKEN_EXTENSION: &str = "prowtoken";
/// The W3C trace context, carried as the `traceparent` HTTP header.
pub const TRACEPARENT_EXTENSION: &str = "traceparent";
/// The `type` of a Knative PingSource's events (the resync and cron pings).
pub const PING_EVENT_TYPE: &str = "dev.knative.sources.ping";

const APISERVER_RESOURCE_PREFIX: &str = "dev.knative.apiserver.resource.";
const APISERVER_REF_PREFIX: &str = "dev.knative.apiserver.ref.";

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The event could not be read or built; sending it again does not help.
    #[error("not a valid CloudEvent: {0}")]
    Invalid(String),
    #[error("the event sink {sink} refused the event: HTTP {status}")]
    Refused { sink: String, status: u16 },
    #[error("the event sink {sink} could not be reached: {reason}")]
    Unreachable { sink: String, reason: String },
}

impl Failure for EventError {
    fn kind(&self) -> &'static str {
        match self {
            EventError::Invalid(_) => "event_invalid",
            EventError::Refused { .. } => "event_sink_refused",
            EventError::Unreachable { .. } => "event_sink_unreachable",
        }
    }

    fn retryable(&self) -> bool {
        !matches!(self, EventError::Invalid(_))
    }
}

pub type SinkFuture<'a> = PortFuture<'a, (), EventError>;

/// Where a function hands events on. Returns once the receiver has accepted the event.
pub trait EventSink: Send + Sync {
    fn send<'a>(&'a self, event: &'a CloudEvent) -> SinkFuture<'a>;
}

/// What woke a function that Knative's sources wake.
#[derive(Clone, Debug, PartialEq)]
pub enum Wake {
    /// A PingSource's ping.
    Ping,
    /// An ApiServerSource event about an object.
    Object(ApiServerObject),
    /// Any other event; its type.
    Other(String),
}

/// Prow's reading of a CloudEvent.
pub trait ProwEvent {
    /// Why the event woke the function: a ping, an object's change, or something else.
    fn wake(&self) -> Result<Wake, EventError>;
    /// The extension attribute `name`, as text.
    fn extension_text(&self, name: &str) -> Option<String>;
    /// The GitHub event name (`issue_comment`), for events hook forwarded.
    fn github_event(&self) -> Option<&str>;
    /// The payload's bytes as they were received (a JSON payload built in memory is encoded).
    fn payload(&self) -> Cow<'_, [u8]>;
    /// The object of a Knative ApiServerSource event (Resource or Reference mode); `Ok(None)` for
    /// other events, an error when an ApiServerSource event's data is not JSON.
    fn apiserver_object(&self) -> Result<Option<ApiServerObject>, EventError>;
    /// Whether this is a PingSource's ping.
    fn is_ping(&self) -> bool;
}

impl ProwEvent for CloudEvent {
    fn wake(&self) -> Result<Wake, EventError> {
        if self.is_ping() {
            return Ok(Wake::Ping);
        }
        Ok(match self.apiserver_object()? {
            Some(object) => Wake::Object(object),
            None => Wake::Other(self.ty().to_string()),
        })
    }

    fn extension_text(&self, name: &str) -> Option<String> {
        self.extension(name).map(|value| match value {
            ExtensionValue::String(text) => text.clone(),
            other => other.to_string(),
        })
    }

    fn github_event(&self) -> Option<&str> {
        self.ty().strip_prefix(GITHUB_EVENT_TYPE_PREFIX)
    }

    fn payload(&self) -> Cow<'_, [u8]> {
        match self.data() {
            Some(Data::Binary(bytes)) => Cow::Borrowed(bytes.as_slice()),
            Some(Data::String(text)) => Cow::Borrowed(text.as_bytes()),
            Some(Data::Json(value)) => Cow::Owned(value.to_string().into_bytes()),
            None => Cow::Borrowed(&[]),
        }
    }

    fn apiserver_object(&self) -> Result<Option<ApiServerObject>, EventError> {
        let Some(action) = self
            .ty()
            .strip_prefix(APISERVER_RESOURCE_PREFIX)
            .or_else(|| self.ty().strip_prefix(APISERVER_REF_PREFIX))
        else {
            return Ok(None);
        };
        let object: serde_json::Value = serde_json::from_slice(&self.payload()).map_err(|e| {
            EventError::Invalid(format!("the {} event's data is not JSON: {e}", self.ty()))
        })?;
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

    fn is_ping(&self) -> bool {
        self.ty() == PING_EVENT_TYPE
    }
}

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

/// The attributes of a CloudEvent to build; `data` is the payload, byte for byte.
#[derive(Clone, Debug, Default)]
pub struct NewEvent {
    pub id: String,
    pub source: String,
    pub event_type: String,
    /// RFC 3339.
    pub time: Option<String>,
    pub subject: Option<String>,
    pub extensions: Vec<(String, String)>,
    /// JSON unless `content_type` says otherwise.
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

impl NewEvent {
    pub fn build(self) -> Result<CloudEvent, EventError> {
        let mut builder = EventBuilderV10::new()
            .id(self.id)
            .source(self.source)
            .ty(self.event_type);
        if let Some(time) = self.time {
            builder = builder.time(time.as_str());
        }
        if let Some(subject) = self.subject {
            builder = builder.subject(subject);
        }
        for (name, value) in self.extensions {
            builder = builder.extension(&name, value);
        }
        builder = builder.data(
            self.content_type
                .unwrap_or_else(|| "application/json".to_string()),
            Data::Binary(self.data),
        );
        builder
            .build()
            .map_err(|e| EventError::Invalid(e.to_string()))
    }
}

/// A Knative ApiServerSource event in Reference mode, for an object of `kind` named `name`.
pub fn object_event(
    kind: &str,
    api_version: &str,
    name: &str,
    namespace: &str,
    action: &str,
    id: String,
    time: String,
) -> Result<CloudEvent, EventError> {
    NewEvent {
        id,
        source: "prow-local".into(),
        event_type: format!("{APISERVER_REF_PREFIX}{action}"),
        time: Some(time),
        subject: Some(format!("/{namespace}/{name}")),
        data: serde_json::json!({"kind": kind, "apiVersion": api_version, "name": name, "namespace": namespace})
            .to_string()
            .into_bytes(),
        ..NewEvent::default()
    }
    .build()
}

/// A PingSource event.
pub fn ping_event(id: String, time: String) -> Result<CloudEvent, EventError> {
    NewEvent {
        id,
        source: "prow-local/ticker".into(),
        event_type: PING_EVENT_TYPE.into(),
        time: Some(time),
        data: b"{}".to_vec(),
        ..NewEvent::default()
    }
    .build()
}
