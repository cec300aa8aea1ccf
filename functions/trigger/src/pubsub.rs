//! Jobs started from Pub/Sub (upstream's `sub` component): a push delivery carries a message
//! whose `prow.k8s.io/pubsub.EventType` attribute says which kind of job, and whose data names the
//! job and its refs, extra environment, labels and annotations. The ProwJob is named after the
//! message id and the job, so a redelivered message creates nothing new. A message that can
//! never succeed (malformed, unknown job) is acknowledged and sent to the dead-letter topic.

use base64::Engine;
use k8s_openapi::api::core::v1::EnvVar;
use k8s_openapi::jiff::Timestamp;
use prow_api::{ProwJob, Refs, StringMap};
use prow_config::Config;
use prow_ports::pubsub::{Publish, PublishError};
use prow_trigger::jobs;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const EVENT_TYPE_ATTRIBUTE: &str = "prow.k8s.io/pubsub.EventType";
pub const PERIODIC_EVENT: &str = "prow.k8s.io/pubsub.PeriodicProwJobEvent";
pub const PRESUBMIT_EVENT: &str = "prow.k8s.io/pubsub.PresubmitProwJobEvent";
pub const POSTSUBMIT_EVENT: &str = "prow.k8s.io/pubsub.PostsubmitProwJobEvent";

/// Pub/Sub's push envelope.
#[derive(Debug, Deserialize)]
pub struct PushEnvelope {
    pub message: PushMessage,
    #[serde(default)]
    pub subscription: String,
}

/// A pushed message. Pub/Sub writes the id and time twice, in camelCase and snake_case.
#[derive(Debug, Deserialize)]
#[serde(from = "RawPushMessage")]
pub struct PushMessage {
    pub data: String,
    pub attributes: BTreeMap<String, String>,
    pub message_id: String,
    pub publish_time: String,
}

#[derive(Deserialize)]
struct RawPushMessage {
    #[serde(default)]
    data: String,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default, rename = "messageId")]
    message_id_camel: String,
    #[serde(default)]
    message_id: String,
    #[serde(default, rename = "publishTime")]
    publish_time_camel: String,
    #[serde(default)]
    publish_time: String,
}

impl From<RawPushMessage> for PushMessage {
    fn from(raw: RawPushMessage) -> PushMessage {
        let either = |a: String, b: String| if a.is_empty() { b } else { a };
        PushMessage {
            data: raw.data,
            attributes: raw.attributes,
            message_id: either(raw.message_id_camel, raw.message_id),
            publish_time: either(raw.publish_time_camel, raw.publish_time),
        }
    }
}

/// Upstream's `ProwJobEvent`.
#[derive(Debug, Deserialize)]
pub struct ProwJobEvent {
    pub name: String,
    #[serde(default)]
    pub refs: Option<Refs>,
    #[serde(default)]
    pub envs: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: StringMap,
    #[serde(default)]
    pub annotations: StringMap,
}

/// Why a message can never start a job (it is acknowledged and dead-lettered).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("the message has no messageId")]
    NoMessageId,
    #[error("the message has no {EVENT_TYPE_ATTRIBUTE} attribute")]
    NoEventType,
    #[error("the message data is not base64: {0}")]
    NotBase64(String),
    #[error("the message data is not a ProwJobEvent: {0}")]
    NotProwJobEvent(String),
    #[error("no periodic job named {0:?}")]
    NoSuchPeriodic(String),
    #[error("a {0} message needs refs")]
    NoRefs(&'static str),
    #[error("a presubmit message's refs need a pull")]
    NoPull,
    #[error("no {kind} {name:?} for {repo} on {branch}")]
    NoSuchJob {
        kind: &'static str,
        name: String,
        repo: String,
        branch: String,
    },
    #[error("unsupported event type {0:?}")]
    UnsupportedEventType(String),
    #[error(
        "subscription {0:?} is not one of config.yaml's pubsub_triggers: it may not request jobs"
    )]
    UnknownSubscription(String),
    /// Upstream's words.
    #[error(
        "cluster {0} is not allowed. Can be fixed by defining this cluster under pubsub_triggers -> allowed_clusters"
    )]
    ClusterNotAllowed(String),
}

/// Whether the job a message from `subscription` asks for may be created: the subscription is
/// one of `pubsub_triggers`' and the job's cluster one of its `allowed_clusters` (upstream's
/// subscriber pulls only the subscriptions listed there, with the same cluster check).
pub fn check_allowed(
    config: &Config,
    subscription: &str,
    job: &ProwJob,
) -> Result<(), MessageError> {
    let trigger = config
        .prow
        .pubsub_triggers
        .iter()
        .find(|t| t.covers(subscription))
        .ok_or_else(|| MessageError::UnknownSubscription(subscription.to_string()))?;
    if trigger.allows_cluster(&job.spec.cluster) {
        Ok(())
    } else {
        Err(MessageError::ClusterNotAllowed(job.spec.cluster.clone()))
    }
}

/// The decoded message data.
pub fn decode(message: &PushMessage) -> Result<Vec<u8>, MessageError> {
    base64::engine::general_purpose::STANDARD
        .decode(message.data.as_bytes())
        .map_err(|e| MessageError::NotBase64(e.to_string()))
}

/// The ProwJob a message asks for (upstream's subscriber and gangway).
pub fn prowjob_for(
    config: &Config,
    message: &PushMessage,
    now: Timestamp,
) -> Result<ProwJob, MessageError> {
    if message.message_id.is_empty() {
        return Err(MessageError::NoMessageId);
    }
    let event_type = message
        .attributes
        .get(EVENT_TYPE_ATTRIBUTE)
        .ok_or(MessageError::NoEventType)?;
    let data = decode(message)?;
    let event: ProwJobEvent =
        serde_json::from_slice(&data).map_err(|e| MessageError::NotProwJobEvent(e.to_string()))?;
    let id = &message.message_id;
    let mut job = match event_type.as_str() {
        PERIODIC_EVENT => {
            let periodic = config
                .jobs
                .periodics
                .iter()
                .find(|p| p.name() == event.name)
                .ok_or_else(|| MessageError::NoSuchPeriodic(event.name.clone()))?;
            let mut job = jobs::periodic(periodic, id, now);
            // Upstream lets a periodic's message name refs to test (as extra refs' first).
            if let Some(refs) = event.refs.clone() {
                job.spec.extra_refs.insert(0, refs);
            }
            job
        }
        PRESUBMIT_EVENT => {
            let refs = event
                .refs
                .clone()
                .ok_or(MessageError::NoRefs("presubmit"))?;
            if refs.pulls.is_empty() {
                return Err(MessageError::NoPull);
            }
            let presubmit = config
                .jobs
                .presubmits
                .get(&refs.org_repo())
                .into_iter()
                .flatten()
                .find(|p| p.name() == event.name && p.brancher.should_run(&refs.base_ref))
                .ok_or_else(|| MessageError::NoSuchJob {
                    kind: "presubmit",
                    name: event.name.clone(),
                    repo: refs.org_repo(),
                    branch: refs.base_ref.clone(),
                })?;
            jobs::presubmit(presubmit, refs, id, &StringMap::new(), now)
        }
        POSTSUBMIT_EVENT => {
            let refs = event
                .refs
                .clone()
                .ok_or(MessageError::NoRefs("postsubmit"))?;
            let postsubmit = config
                .jobs
                .postsubmits
                .get(&refs.org_repo())
                .into_iter()
                .flatten()
                .find(|p| p.name() == event.name && p.brancher.should_run(&refs.base_ref))
                .ok_or_else(|| MessageError::NoSuchJob {
                    kind: "postsubmit",
                    name: event.name.clone(),
                    repo: refs.org_repo(),
                    branch: refs.base_ref.clone(),
                })?;
            jobs::postsubmit(postsubmit, refs, id, now)
        }
        other => return Err(MessageError::UnsupportedEventType(other.to_string())),
    };
    let labels = job.metadata.labels.get_or_insert_with(Default::default);
    for (key, value) in &event.labels {
        labels.insert(key.clone(), prow_api::labels::sanitize_value(value));
    }
    job.metadata
        .annotations
        .get_or_insert_with(Default::default)
        .extend(event.annotations.clone());
    if let Some(pod) = job.spec.pod_spec.as_mut() {
        for container in &mut pod.containers {
            let env = container.env.get_or_insert_with(Vec::new);
            for (name, value) in &event.envs {
                env.retain(|v| &v.name != name);
                env.push(EnvVar {
                    name: name.clone(),
                    value: Some(value.clone()),
                    value_from: None,
                });
            }
        }
    }
    Ok(job)
}

/// Where messages that can never succeed go: the original message with its attributes, plus
/// the reason and the subscription it came from.
#[derive(Clone)]
pub struct DeadLetter {
    /// `projects/<project>/topics/<topic>`.
    pub topic: String,
    pub publisher: Arc<dyn Publish>,
}

impl DeadLetter {
    pub fn new(topic: &str, publisher: Arc<dyn Publish>) -> DeadLetter {
        DeadLetter {
            topic: topic.to_string(),
            publisher,
        }
    }

    pub async fn publish(
        &self,
        data: Vec<u8>,
        attributes: BTreeMap<String, String>,
    ) -> Result<(), PublishError> {
        self.publisher
            .publish(&self.topic, data, attributes)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_subscriptions_may_request_jobs_and_only_on_allowed_clusters() {
        let config: Config = prow_test_harness::strict_config(
            "pubsub_triggers:\n- project: p\n  topics: [jobs]\n  allowed_clusters: [default, gpu]\n- project: q\n  topics: [any]\n  allowed_clusters: [\"*\"]\n",
            "",
            None,
        );
        let mut job: ProwJob = serde_json::from_value(serde_json::json!({
            "apiVersion": "prow.k8s.io/v1", "kind": "ProwJob",
            "metadata": {"name": "x"},
            "spec": {"type": "periodic", "job": "nightly", "cluster": "default"}
        }))
        .expect("a ProwJob");
        // (subscription, cluster) -> allowed, or the error's text
        for (subscription, cluster, expected) in [
            ("projects/p/subscriptions/jobs", "default", Ok(())),
            ("projects/p/subscriptions/jobs", "gpu", Ok(())),
            (
                "projects/p/subscriptions/jobs",
                "precious",
                Err("cluster precious is not allowed. Can be fixed by defining this cluster under pubsub_triggers -> allowed_clusters".to_string()),
            ),
            ("projects/q/subscriptions/any", "precious", Ok(())),
            (
                "projects/q/subscriptions/jobs",
                "default",
                Err("subscription \"projects/q/subscriptions/jobs\" is not one of config.yaml's pubsub_triggers: it may not request jobs".to_string()),
            ),
            (
                "jobs",
                "default",
                Err("subscription \"jobs\" is not one of config.yaml's pubsub_triggers: it may not request jobs".to_string()),
            ),
        ] {
            job.spec.cluster = cluster.to_string();
            assert_eq!(
                check_allowed(&config, subscription, &job).map_err(|e| e.to_string()),
                expected,
                "{subscription} on {cluster}"
            );
        }
    }
}
