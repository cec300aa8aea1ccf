//! Publishing to Pub/Sub: [`PubSubPublishers`], the google-cloud-pubsub adapter of the
//! [`Publish`] port (a message to a topic named in full, `projects/<project>/topics/<topic>`),
//! which keeps one publisher per topic. Against the emulator (`PUBSUB_EMULATOR_HOST`)
//! credentials are anonymous; otherwise Application Default Credentials are used.

use prow_ports::pubsub::{Publish, PublishError, PublishFuture};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// How long one publish may take (upstream crier's reporter allows 10 s).
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(10);

/// google-cloud-pubsub publishers, one per topic, made on first use.
pub struct PubSubPublishers {
    endpoint: Option<String>,
    publishers: tokio::sync::Mutex<HashMap<String, google_cloud_pubsub::client::Publisher>>,
}

impl PubSubPublishers {
    /// Publishers for `endpoint` (the emulator's `http://host:port`, with anonymous
    /// credentials), or for Google's endpoint with Application Default Credentials.
    pub fn new(endpoint: Option<String>) -> PubSubPublishers {
        PubSubPublishers {
            endpoint,
            publishers: tokio::sync::Mutex::default(),
        }
    }

    /// The emulator named by `PUBSUB_EMULATOR_HOST` (as Google's clients read it), else Google.
    pub fn from_env() -> PubSubPublishers {
        let endpoint = std::env::var("PUBSUB_EMULATOR_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .map(|host| format!("http://{host}"));
        PubSubPublishers::new(endpoint)
    }

    async fn publisher(
        &self,
        topic: &str,
    ) -> Result<google_cloud_pubsub::client::Publisher, PublishError> {
        let mut publishers = self.publishers.lock().await;
        if let Some(publisher) = publishers.get(topic) {
            return Ok(publisher.clone());
        }
        let mut builder = google_cloud_pubsub::client::Publisher::builder(topic.to_string());
        if let Some(endpoint) = &self.endpoint {
            builder = builder.with_endpoint(endpoint.clone()).with_credentials(
                google_cloud_auth::credentials::anonymous::Builder::new().build(),
            );
        }
        let publisher = builder.build().await.map_err(|e| PublishError::Failed {
            topic: topic.to_string(),
            reason: e.to_string(),
        })?;
        publishers.insert(topic.to_string(), publisher.clone());
        Ok(publisher)
    }
}

impl Publish for PubSubPublishers {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        data: Vec<u8>,
        attributes: BTreeMap<String, String>,
    ) -> PublishFuture<'a> {
        Box::pin(async move {
            let publisher = self.publisher(topic).await?;
            let message = google_cloud_pubsub::model::Message::new()
                .set_data(data)
                .set_attributes(attributes);
            let failed = |reason: String| {
                if reason.contains("NOT_FOUND") || reason.contains("NotFound") {
                    PublishError::TopicMissing {
                        topic: topic.to_string(),
                        reason,
                    }
                } else {
                    PublishError::Failed {
                        topic: topic.to_string(),
                        reason,
                    }
                }
            };
            match tokio::time::timeout(PUBLISH_TIMEOUT, publisher.publish(message)).await {
                Ok(Ok(id)) => Ok(id),
                Ok(Err(error)) => Err(failed(format!("{error:?}"))),
                Err(_) => Err(failed(format!(
                    "no answer within {} s",
                    PUBLISH_TIMEOUT.as_secs()
                ))),
            }
        })
    }
}
