//! The Slack port's adapter ([`prow_ports::slack::SlackPoster`]): `chat.postMessage` on Slack's
//! Web API, with a bot token per Slack workspace (host; `*` is the default workspace). Tokens are
//! never logged.

use prow_ports::slack::{SlackError, SlackFuture, SlackPoster};
use std::collections::BTreeMap;

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
