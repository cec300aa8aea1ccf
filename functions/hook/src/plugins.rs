//! The plugin framework: plugins register here, are enabled per org or repo by `plugins.yaml`
//! (`plugins:`), receive the events they subscribe to (the GitHub event names, or
//! [`GENERIC_COMMENT`] for the comment view of comment-like events), and describe themselves for
//! `GET /plugin-help` in upstream's `pluginhelp` JSON.
//!
//! In production each plugin is its own route, `POST /plugins/{name}`, behind its own Knative
//! Trigger: the broker retries a plugin that answers 5xx without re-running the others.

use crate::Hook;
use crate::metrics::PluginResult;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use prow_config::Config;
use prow_github::{Event, GenericCommentEvent, payload_origin};
use prow_ports::events::{AttributesReader, CloudEvent, ProwEvent, SIGNATURE_EXTENSION};
use prow_ports::github::GitHubClient;
use prow_runtime::Outcome;
use prow_runtime::cloudevents::ReceivedEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Subscribe to this to receive the comment view of issue/PR bodies, issue comments, reviews and
/// review comments (upstream's `GenericCommentHandler`).
pub const GENERIC_COMMENT: &str = "generic_comment";

pub type PluginError = Box<dyn std::error::Error + Send + Sync>;
pub type PluginFuture<'a> = Pin<Box<dyn Future<Output = Result<(), PluginError>> + Send + 'a>>;

/// What a plugin is given for one event.
pub struct PluginEvent<'a> {
    pub event: &'a Event,
    /// The webhook's delivery id.
    pub guid: &'a str,
    /// The comment view, for comment-like events that changed text.
    pub comment: Option<&'a GenericCommentEvent>,
    pub config: &'a Config,
    /// GitHub, tagged with this event in the budget ledger; `None` when hook runs without
    /// GitHub credentials (a plugin that needs GitHub then fails with an error).
    pub github: Option<&'a dyn GitHubClient>,
}

pub trait Plugin: Send + Sync {
    /// The name `plugins.yaml` enables it by.
    fn name(&self) -> &'static str;
    /// GitHub event names it handles, and/or [`GENERIC_COMMENT`].
    fn events(&self) -> &'static [&'static str];
    /// Its help, for the repos it is enabled in.
    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp;
    /// Handles one event. An error makes the delivery fail, so it is retried.
    fn handle<'a>(&'a self, event: PluginEvent<'a>) -> PluginFuture<'a>;
}

/// Upstream's `pluginhelp.PluginHelp`, field names as upstream's JSON has them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PluginHelp {
    pub description: String,
    #[serde(deserialize_with = "null_as_empty")]
    pub config: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub snippet: String,
    #[serde(deserialize_with = "null_as_empty")]
    pub events: Vec<String>,
    #[serde(deserialize_with = "null_as_empty")]
    pub commands: Vec<Command>,
}

/// Go encodes nil maps and slices as `null`.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Upstream's `pluginhelp.Command`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Command {
    pub usage: String,
    pub featured: bool,
    pub description: String,
    #[serde(deserialize_with = "null_as_empty")]
    pub examples: Vec<String>,
    pub who_can_use: String,
}

/// Upstream's `pluginhelp.Help`, served at `GET /plugin-help`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Help {
    pub all_repos: Vec<String>,
    pub repo_plugins: BTreeMap<String, Vec<String>>,
    pub repo_external_plugins: BTreeMap<String, Vec<String>>,
    pub plugin_help: BTreeMap<String, PluginHelp>,
    pub external_plugin_help: BTreeMap<String, PluginHelp>,
}

/// The plugins this hook runs.
#[derive(Clone, Default)]
pub struct PluginRegistry {
    plugins: Vec<Arc<dyn Plugin>>,
}

impl PluginRegistry {
    /// The plugins compiled into hook. (The chat-ops plugins themselves arrive with their issue.)
    pub fn builtin() -> PluginRegistry {
        PluginRegistry::default()
    }

    /// Adds a plugin; a later one with the same name replaces the earlier.
    pub fn with(mut self, plugin: Arc<dyn Plugin>) -> PluginRegistry {
        self.plugins.retain(|p| p.name() != plugin.name());
        self.plugins.push(plugin);
        self
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Plugin>> {
        self.plugins.iter().find(|p| p.name() == name)
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.plugins.iter().map(|p| p.name()).collect()
    }
}

/// Whether `plugin` should see `event` in the repository it is from.
fn applies(plugin: &dyn Plugin, config: &Config, event: &Event, has_comment: bool) -> bool {
    let Some(repo) = event.repo() else {
        return false;
    };
    let wants = plugin
        .events()
        .iter()
        .any(|e| *e == event.name() || (*e == GENERIC_COMMENT && has_comment));
    wants
        && config
            .plugins
            .enabled_plugins(repo.org(), &repo.name)
            .contains(&plugin.name())
}

/// A GitHub delivery that came back from the broker, checked as hook checked the webhook: it
/// must carry a GitHub signature that the HMAC secret confirms, so nothing but what GitHub sent
/// can run a plugin.
pub(crate) struct Verified {
    /// The delivery id.
    pub id: String,
    /// GitHub's `X-Hub-Signature-256`.
    pub signature: String,
    /// The payload as GitHub signed it.
    pub payload: Bytes,
    pub event: Event,
}

impl Verified {
    /// The delivery a CloudEvent carries, if its signature holds.
    pub(crate) fn check(hook: &Hook, cloud_event: &CloudEvent) -> Result<Verified, Outcome> {
        let bad = |message: String| Outcome::refused(StatusCode::BAD_REQUEST, message);
        let name = cloud_event
            .github_event()
            .ok_or_else(|| bad(format!("{} is not a GitHub event", cloud_event.ty())))?;
        let payload = Bytes::from(cloud_event.payload().into_owned());
        let signature = cloud_event.extension_text(SIGNATURE_EXTENSION);
        hook.secret()
            .verify(&payload, signature.as_deref(), payload_origin)
            .map_err(|rejection| Outcome::refused(StatusCode::FORBIDDEN, rejection.to_string()))?;
        let event = Event::parse(name, &payload).map_err(|e| bad(e.to_string()))?;
        Ok(Verified {
            id: cloud_event.id().to_string(),
            signature: signature.unwrap_or_default(),
            payload,
            event,
        })
    }
}

impl Hook {
    /// Runs one plugin on one event; `Ok(false)` when it does not apply.
    async fn run_one(&self, plugin: &dyn Plugin, verified: &Verified) -> Result<bool, PluginError> {
        let config = self.0.config.current();
        let comment = GenericCommentEvent::from_event(&verified.event, &verified.id);
        if !applies(plugin, &config, &verified.event, comment.is_some()) {
            return Ok(false);
        }
        let github = self
            .0
            .github
            .as_ref()
            .map(|g| g.for_event(verified.event.name()));
        let result = plugin
            .handle(PluginEvent {
                event: &verified.event,
                guid: &verified.id,
                comment: comment.as_ref(),
                config: &config,
                github: github.as_deref(),
            })
            .await;
        self.0
            .metrics
            .plugin_runs
            .get_or_create(&PluginResult {
                plugin: plugin.name().to_string(),
                result: if result.is_ok() { "success" } else { "error" }.to_string(),
            })
            .inc();
        result.map(|()| true)
    }

    /// Local mode: every plugin and external plugin, after GitHub has its answer.
    pub(crate) async fn dispatch_in_process(&self, verified: Verified) {
        for plugin in &self.0.plugins.plugins {
            if let Err(error) = self.run_one(plugin.as_ref(), &verified).await {
                tracing::error!(plugin = plugin.name(), event_guid = %verified.id, error = %error, "plugin failed");
            }
        }
        let config = self.0.config.current();
        for external in crate::external::matching(&config, &verified.event, None) {
            if let Err(error) = self.forward_one(&external, &verified).await {
                tracing::error!(external_plugin = %external.name, event_guid = %verified.id, error = %error, "forwarding failed");
            }
        }
    }
}

/// `POST /plugins/{name}`: runs one plugin on a CloudEvent from the broker. 2xx when done or not
/// applicable; 5xx when the plugin failed, so the broker retries it.
pub(crate) async fn run_plugin(
    State(hook): State<Hook>,
    Path(name): Path<String>,
    ReceivedEvent(cloud_event): ReceivedEvent,
) -> Outcome {
    let Some(plugin) = hook.0.plugins.get(&name).cloned() else {
        return Outcome::refused(StatusCode::NOT_FOUND, format!("no plugin named {name:?}"));
    };
    let verified = match Verified::check(&hook, &cloud_event) {
        Ok(verified) => verified,
        Err(refusal) => return refusal,
    };
    match hook.run_one(plugin.as_ref(), &verified).await {
        Ok(true) => Outcome::done(format!("{name} handled the event")),
        Ok(false) => Outcome::done(format!("{name} does not apply")),
        Err(error) => Outcome::retry("plugin_failed", format!("{name}: {error}")),
    }
}

/// `GET /plugin-help`: what is enabled where, and what each plugin does.
pub(crate) async fn help(State(hook): State<Hook>) -> Json<Help> {
    let config = hook.0.config.current();
    let mut help = Help::default();
    let mut repos_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (scope, enabled) in &config.plugins.plugins {
        help.repo_plugins
            .insert(scope.clone(), enabled.plugins.clone());
        for plugin in &enabled.plugins {
            repos_of
                .entry(plugin.as_str())
                .or_default()
                .push(scope.clone());
        }
        if scope.contains('/') {
            help.all_repos.push(scope.clone());
        }
    }
    help.repo_plugins.insert(
        String::new(),
        hook.0
            .plugins
            .names()
            .iter()
            .map(|n| n.to_string())
            .collect(),
    );
    for plugin in &hook.0.plugins.plugins {
        let repos = repos_of.get(plugin.name()).cloned().unwrap_or_default();
        help.plugin_help
            .insert(plugin.name().to_string(), plugin.help(&config, &repos));
    }
    for (scope, externals) in &config.plugins.external_plugins {
        help.repo_external_plugins.insert(
            scope.clone(),
            externals.iter().map(|e| e.name.clone()).collect(),
        );
    }
    help.external_plugin_help = crate::external::fetch_help(&hook, &config).await;
    help.all_repos.sort();
    help.all_repos.dedup();
    Json(help)
}
