//! The Pub/Sub port: a message published to a topic named in full
//! (`projects/<project>/topics/<topic>`), acknowledged once Pub/Sub has it.

use crate::{Failure, PortFuture};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The topic does not exist: a mistake in the job's labels or the deployment, which
    /// retrying does not mend.
    #[error("the Pub/Sub topic {topic} does not exist: {reason}")]
    TopicMissing { topic: String, reason: String },
    #[error("publishing to {topic} failed: {reason}")]
    Failed { topic: String, reason: String },
}

impl Failure for PublishError {
    fn kind(&self) -> &'static str {
        match self {
            PublishError::TopicMissing { .. } => "pubsub_topic_missing",
            PublishError::Failed { .. } => "pubsub_unavailable",
        }
    }

    fn retryable(&self) -> bool {
        matches!(self, PublishError::Failed { .. })
    }
}

/// The server-assigned message id.
pub type PublishFuture<'a> = PortFuture<'a, String, PublishError>;

/// Publishes one message and waits until Pub/Sub has it.
pub trait Publish: Send + Sync {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        data: Vec<u8>,
        attributes: BTreeMap<String, String>,
    ) -> PublishFuture<'a>;
}
