//! The Slack port: a message posted to a channel of a Slack workspace (`host`; `*` is the default
//! workspace), as `chat.postMessage` does.

use crate::{Failure, PortFuture};

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

impl Failure for SlackError {
    fn kind(&self) -> &'static str {
        match self {
            SlackError::UnknownHost(_) => "slack_unknown_host",
            SlackError::Refused { .. } => "slack_refused",
            SlackError::Unavailable { .. } => "slack_unavailable",
        }
    }

    fn retryable(&self) -> bool {
        matches!(self, SlackError::Unavailable { .. })
    }
}

pub type SlackFuture<'a> = PortFuture<'a, (), SlackError>;

pub trait SlackPoster: Send + Sync {
    fn post<'a>(&'a self, host: &'a str, channel: &'a str, text: &'a str) -> SlackFuture<'a>;
}
