//! External plugins as upstream: `plugins.yaml` `external_plugins` maps an org or `org/repo` to
//! HTTP endpoints and the events each wants (none listed: all). Each gets the original payload
//! with GitHub's headers (its signature included, so it can check the HMAC itself), with
//! upstream's retries on connection errors. Each is its own route,
//! `POST /external-plugins/{name}`, so the broker retries one that failed alone.

use crate::Hook;
use crate::metrics::PluginResult;
use crate::verified::Verified;
use axum::extract::{Path, State};
use prow_config::Config;
use prow_config::ExternalPlugin;
use prow_github::Event;
use prow_plugins::PluginHelp;
use prow_runtime::Outcome;
use prow_runtime::cloudevents::ReceivedEvent;
use std::collections::BTreeMap;
use std::time::Duration;

/// The external plugins configured for the event's org or repository that want this event,
/// optionally only those named `name`.
pub(crate) fn matching(config: &Config, event: &Event, name: Option<&str>) -> Vec<ExternalPlugin> {
    let Some(repo) = event.repo() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for scope in [repo.org(), repo.full_name.as_str()] {
        for plugin in config
            .plugins
            .external_plugins
            .get(scope)
            .into_iter()
            .flatten()
        {
            let wanted =
                plugin.events.is_empty() || plugin.events.iter().any(|e| e == event.name());
            if wanted && name.is_none_or(|n| n == plugin.name) {
                found.push(plugin.clone());
            }
        }
    }
    found
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ForwardError {
    #[error("{endpoint} could not be reached: {reason}")]
    Unreachable { endpoint: String, reason: String },
    #[error("{endpoint} answered {status}")]
    Refused { endpoint: String, status: u16 },
}

impl Hook {
    pub(crate) async fn forward_one(
        &self,
        plugin: &ExternalPlugin,
        verified: &Verified,
    ) -> Result<(), ForwardError> {
        let endpoint = plugin.endpoint();
        let event_name = verified.delivery.event.name();
        let signature = verified.signature.as_str();
        let mut backoff = Duration::from_millis(100);
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            let sent = self
                .0
                .http
                .post(&endpoint)
                .header("X-GitHub-Event", event_name)
                .header("X-GitHub-Delivery", &verified.delivery.id)
                .header("X-Hub-Signature-256", signature)
                .header("Content-Type", "application/json")
                .header("User-Agent", "ProwHook")
                .body(verified.payload.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => break Ok(()),
                Ok(response) => {
                    break Err(ForwardError::Refused {
                        endpoint: endpoint.clone(),
                        status: response.status().as_u16(),
                    });
                }
                Err(error) if attempt >= 5 => {
                    break Err(ForwardError::Unreachable {
                        endpoint: endpoint.clone(),
                        reason: error.to_string(),
                    });
                }
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
            }
        };
        self.0
            .metrics
            .external_plugin_forwards
            .get_or_create(&PluginResult {
                plugin: plugin.name.clone(),
                result: if result.is_ok() { "success" } else { "error" }.to_string(),
            })
            .inc();
        result
    }
}

/// `POST /external-plugins/{name}`.
pub(crate) async fn forward(
    State(hook): State<Hook>,
    Path(name): Path<String>,
    ReceivedEvent(cloud_event): ReceivedEvent,
) -> Outcome {
    let verified = match Verified::check(&hook, &cloud_event) {
        Ok(verified) => verified,
        Err(refusal) => return refusal,
    };
    let config = hook.0.config.current();
    let targets = matching(&config, &verified.delivery.event, Some(&name));
    if targets.is_empty() {
        return Outcome::done(format!("{name} does not take this event"));
    }
    for target in &targets {
        if let Err(error) = hook.forward_one(target, &verified).await {
            return Outcome::retry(
                "external_plugin_failed",
                format!("forwarding to {name} failed: {error}"),
            );
        }
    }
    Outcome::done(format!("forwarded to {name}"))
}

/// Each external plugin's help, from `<endpoint>/help` as upstream; those that do not answer
/// within 2 s are left out.
pub(crate) async fn fetch_help(hook: &Hook, config: &Config) -> BTreeMap<String, PluginHelp> {
    let mut seen = BTreeMap::new();
    for plugin in config.plugins.external_plugins.values().flatten() {
        seen.entry(plugin.name.clone())
            .or_insert_with(|| plugin.endpoint());
    }
    let asks = seen.into_iter().map(|(name, endpoint)| async move {
        let answer = hook
            .0
            .http
            .get(format!("{}/help", endpoint.trim_end_matches('/')))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .ok()?;
        let bytes = answer.error_for_status().ok()?.bytes().await.ok()?;
        Some((name, serde_json::from_slice::<PluginHelp>(&bytes).ok()?))
    });
    futures_util::future::join_all(asks)
        .await
        .into_iter()
        .flatten()
        .collect()
}
