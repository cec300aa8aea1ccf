//! Running plugins: each enabled for a repository by `plugins.yaml` (`plugins:`) and subscribed to
//! the event's kind runs through `prow_plugins::run` with GitHub tagged by the event.
//!
//! In production each plugin is its own route, `POST /plugins/{name}`, behind its own Knative
//! Trigger: the broker retries a plugin that answers 5xx without re-running the others.

use crate::Hook;
use crate::metrics::{PluginAction, PluginResult};
use crate::verified::Verified;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use prow_plugins::registry::applies;
use prow_plugins::{EventKind, Occasion, Plugin, Ports, Ran, RunError};
use prow_ports::events::ProwEvent;
use prow_runtime::Outcome;
use prow_runtime::cloudevents::ReceivedEvent;

impl Hook {
    /// Runs one plugin on one delivery; `Ok(None)` when it does not apply.
    pub(crate) async fn run_one(
        &self,
        plugin: &dyn Plugin,
        verified: &Verified,
    ) -> Result<Option<Ran>, RunError> {
        let config = self.0.config.current();
        let delivery = &verified.delivery;
        if !applies(plugin, &config, delivery) {
            return Ok(None);
        }
        let ran = self
            .run_counted(
                plugin,
                Occasion::Delivery(delivery),
                &config,
                delivery.event.name(),
            )
            .await?;
        tracing::info!(
            plugin = plugin.name(),
            event_guid = %delivery.id,
            actions = ran.applied.performed.len(),
            deduplicated = ran.applied.deduplicated,
            rounds = ran.rounds,
            "plugin ran"
        );
        Ok(Some(ran))
    }

    /// Runs a plugin that sweeps on a PingSource's ping: the ping names no repository, so the
    /// plugin's plan decides from the configuration what it covers. Nothing the ping carries is
    /// read, so an unsigned ping can only start a sweep early.
    async fn run_ping(&self, plugin: &dyn Plugin) -> Outcome {
        let name = plugin.name();
        if !plugin.events().contains(&EventKind::Ping) {
            return Outcome::done(format!("{name} does not sweep"));
        }
        let config = self.0.config.current();
        match self
            .run_counted(plugin, Occasion::Ping, &config, "ping")
            .await
        {
            Ok(ran) => {
                tracing::info!(
                    plugin = name,
                    actions = ran.applied.performed.len(),
                    rounds = ran.rounds,
                    "plugin swept"
                );
                ran_outcome(name, &ran)
            }
            Err(error) => Outcome::failed(&format!("the {name} plugin"), &error),
        }
    }

    /// Runs `plugin` on `occasion` with GitHub tagged by `event` (the webhook's name, or `ping`),
    /// counting the run by its result and what it changed by kind.
    async fn run_counted(
        &self,
        plugin: &dyn Plugin,
        occasion: Occasion<'_>,
        config: &prow_config::Config,
        event: &str,
    ) -> Result<Ran, RunError> {
        let github = self.0.github.as_ref().map(|github| github.for_event(event));
        let ports = Ports {
            github: github.as_deref(),
            jobs: None,
            images: self.0.images.as_deref(),
            config_maps: self.0.config_maps.as_deref(),
            clock: self.0.clock.as_ref(),
        };
        let result = prow_plugins::run(plugin, occasion, config, &ports).await;
        let metrics = &self.0.metrics;
        metrics
            .plugin_runs
            .get_or_create(&PluginResult {
                plugin: plugin.name().to_string(),
                result: if result.is_ok() { "success" } else { "error" }.to_string(),
            })
            .inc();
        for kind in result.iter().flat_map(|ran| &ran.applied.performed) {
            metrics
                .plugin_actions
                .get_or_create(&PluginAction {
                    plugin: plugin.name().to_string(),
                    action: (*kind).to_string(),
                })
                .inc();
        }
        result
    }

    /// Local mode: every plugin and external plugin, after GitHub has its answer.
    pub(crate) async fn dispatch_in_process(&self, verified: Verified) {
        for plugin in self.0.plugins.iter() {
            if let Err(error) = self.run_one(plugin.as_ref(), &verified).await {
                tracing::error!(plugin = plugin.name(), event_guid = %verified.delivery.id, error = %error, "plugin failed");
            }
        }
        let config = self.0.config.current();
        for external in crate::external::matching(&config, &verified.delivery.event, None) {
            if let Err(error) = self.forward_one(&external, &verified).await {
                tracing::error!(external_plugin = %external.name, event_guid = %verified.delivery.id, error = %error, "forwarding failed");
            }
        }
    }
}

/// `POST /plugins/{name}`: runs one plugin on a CloudEvent from the broker. 2xx when done or not
/// applicable; 5xx when the plugin failed in a way that may pass, so the broker retries it.
pub(crate) async fn run_plugin(
    State(hook): State<Hook>,
    Path(name): Path<String>,
    ReceivedEvent(cloud_event): ReceivedEvent,
) -> Outcome {
    let Some(plugin) = hook.0.plugins.get(&name).cloned() else {
        return Outcome::refused(StatusCode::NOT_FOUND, format!("no plugin named {name:?}"));
    };
    if cloud_event.is_ping() {
        return hook.run_ping(plugin.as_ref()).await;
    }
    let verified = match Verified::check(&hook, &cloud_event) {
        Ok(verified) => verified,
        Err(refusal) => return refusal,
    };
    match hook.run_one(plugin.as_ref(), &verified).await {
        Ok(Some(ran)) => ran_outcome(&name, &ran),
        Ok(None) => Outcome::done(format!("{name} does not apply")),
        Err(error) => Outcome::failed(&format!("the {name} plugin"), &error),
    }
}

/// The answer for a plugin that ran: how much it did, and how much was done already.
fn ran_outcome(name: &str, ran: &Ran) -> Outcome {
    Outcome::done(format!(
        "{name}: {} action(s), {} already done",
        ran.applied.performed.len(),
        ran.applied.deduplicated
    ))
}
