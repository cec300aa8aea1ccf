//! What deck reads from the other functions: tide's pools and history, hook's plugin help. Over
//! HTTP in a cluster and in local mode ([`HttpSources`]); a port, so a test can hand deck fixed
//! answers without a server.

use prow_plugins::help::Help;
use prow_ports::PortFuture;
use prow_tide::record::{PoolForDeck, Record};
use std::collections::BTreeMap;
use std::time::Duration;

/// Why another function's JSON could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// No address was given for it (`--tide-url`, `--hook-url`).
    #[error("{0} is not connected to this deck")]
    NotConnected(&'static str),
    #[error("reading {what} from {url}: {reason}")]
    Failed {
        what: &'static str,
        url: String,
        reason: String,
    },
}

impl prow_ports::Failure for SourceError {
    fn kind(&self) -> &'static str {
        match self {
            SourceError::NotConnected(_) => "source_not_connected",
            SourceError::Failed { .. } => "source_failed",
        }
    }

    fn retryable(&self) -> bool {
        matches!(self, SourceError::Failed { .. })
    }
}

pub trait Sources: Send + Sync {
    fn tide_pools(&self) -> PortFuture<'_, Vec<PoolForDeck>, SourceError>;
    fn tide_history(&self) -> PortFuture<'_, BTreeMap<String, Vec<Record>>, SourceError>;
    fn plugin_help(&self) -> PortFuture<'_, Help, SourceError>;
}

/// Tide at `tide_url` (`GET /`, `GET /history`) and hook at `hook_url` (`GET /plugin-help`).
pub struct HttpSources {
    http: reqwest::Client,
    tide_url: Option<String>,
    hook_url: Option<String>,
}

impl HttpSources {
    pub fn new(tide_url: Option<String>, hook_url: Option<String>) -> anyhow::Result<HttpSources> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(HttpSources {
            http,
            tide_url: tide_url.map(|u| u.trim_end_matches('/').to_string()),
            hook_url: hook_url.map(|u| u.trim_end_matches('/').to_string()),
        })
    }

    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        what: &'static str,
        base: Option<&str>,
        path: &str,
    ) -> Result<T, SourceError> {
        let base = base.ok_or(SourceError::NotConnected(what))?;
        let url = format!("{base}{path}");
        let failed = |reason: String| SourceError::Failed {
            what,
            url: url.clone(),
            reason,
        };
        let answer = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = answer.status();
        if !status.is_success() {
            let body = answer.text().await.unwrap_or_default();
            return Err(failed(format!("{status}: {}", body.trim())));
        }
        answer.json().await.map_err(|e| failed(e.to_string()))
    }
}

impl Sources for HttpSources {
    fn tide_pools(&self) -> PortFuture<'_, Vec<PoolForDeck>, SourceError> {
        // The base itself: nested under a prefix (local mode), `<prefix>/` is another route.
        Box::pin(self.read("tide", self.tide_url.as_deref(), ""))
    }

    fn tide_history(&self) -> PortFuture<'_, BTreeMap<String, Vec<Record>>, SourceError> {
        Box::pin(self.read("tide", self.tide_url.as_deref(), "/history"))
    }

    fn plugin_help(&self) -> PortFuture<'_, Help, SourceError> {
        Box::pin(self.read("hook", self.hook_url.as_deref(), "/plugin-help"))
    }
}
