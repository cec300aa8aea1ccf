//! Posting to Slack: the [`SlackPoster`] port and its Web API adapter (`chat.postMessage` with a
//! bot token per Slack host; `*` is the default host).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlackError {
    #[error("no Slack token for host {0:?} (--slack-token-file, --additional-slack-token-files)")]
    UnknownHost(String),
    /// Slack refused the message (`channel_not_found`, `not_in_channel`, ...): retrying does not
    /// help.
    #[error("Slack refused the message to {channel}: {reason}")]
    Refused { channel: String, reason: String },
    #[error("Slack could not be reached for {channel}: {reason}")]
    Unavailable { channel: String, reason: String },
}

impl SlackError {
    pub fn retryable(&self) -> bool {
        matches!(self, SlackError::Unavailable { .. })
    }
}

pub type SlackFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SlackError>> + Send + 'a>>;

pub trait SlackPoster: Send + Sync {
    fn post<'a>(&'a self, host: &'a str, channel: &'a str, text: &'a str) -> SlackFuture<'a>;
}

/// Slack's Web API.
pub struct SlackWebApi {
    endpoint: String,
    /// Host to token; never logged.
    tokens: BTreeMap<String, String>,
    http: reqwest::Client,
}

impl SlackWebApi {
    /// `endpoint` is `https://slack.com/api` (or a stand-in).
    pub fn new(endpoint: &str, tokens: BTreeMap<String, String>) -> SlackWebApi {
        SlackWebApi {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            tokens,
            http: reqwest::Client::new(),
        }
    }
}

impl SlackPoster for SlackWebApi {
    fn post<'a>(&'a self, host: &'a str, channel: &'a str, text: &'a str) -> SlackFuture<'a> {
        Box::pin(async move {
            let token = self
                .tokens
                .get(host)
                .ok_or_else(|| SlackError::UnknownHost(host.to_string()))?;
            let unavailable = |reason: String| SlackError::Unavailable {
                channel: channel.to_string(),
                reason,
            };
            let response = self
                .http
                .post(format!("{}/chat.postMessage", self.endpoint))
                .bearer_auth(token)
                .json(&serde_json::json!({
                    "channel": channel,
                    "text": text,
                    "username": "prow",
                    "icon_emoji": ":prow:",
                }))
                .send()
                .await
                .map_err(|e| unavailable(e.without_url().to_string()))?;
            let status = response.status();
            if status.is_server_error() || status.as_u16() == 429 {
                return Err(unavailable(format!("HTTP {status}")));
            }
            let answer: serde_json::Value = response
                .json()
                .await
                .map_err(|e| unavailable(format!("HTTP {status}, not JSON: {e}")))?;
            if answer["ok"].as_bool() == Some(true) {
                Ok(())
            } else {
                Err(SlackError::Refused {
                    channel: channel.to_string(),
                    reason: answer["error"].as_str().unwrap_or("unknown").to_string(),
                })
            }
        })
    }
}
