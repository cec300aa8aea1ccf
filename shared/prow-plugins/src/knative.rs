//! The broker subscriptions that route GitHub events to the plugins, generated from the registry
//! as the ProwJob CRD is generated from its type (`knative/plugin-triggers.yaml` is the committed
//! rendering; a test keeps it equal).
//!
//! One Knative Trigger per plugin, filtered on the CloudEvent types of the GitHub events it
//! handles (`dev.prow.github.<event>`, as one CESQL expression in Knative's `filters`:
//! `type IN ('…', '…')`): the broker retries a failing plugin alone, and an event a plugin never
//! reads never wakes it. CESQL rather than `any` of `exact` filters because Terraform's
//! `kubernetes_manifest` crashes planning a list of objects inside `filters` (kubernetes provider
//! v3.2), and the Terraform module applies these same objects. hook's plugins are served at
//! `/plugins/<name>` on the hook Service; trigger by its own Service at `/`. A plugin that sweeps (subscribed to
//! [`EventKind::Ping`]) gets a PingSource on its route.

use crate::registry::PluginRegistry;
use crate::{EventKind, Plugin};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Where the rendered objects live and what they point at.
#[derive(Clone, Debug)]
pub struct Deployment<'a> {
    pub namespace: &'a str,
    pub broker: &'a str,
}

impl Default for Deployment<'_> {
    fn default() -> Self {
        Deployment {
            namespace: "prow",
            broker: "prow",
        }
    }
}

/// How often a sweeping plugin is pinged: daily, upstream's default `--update-period` (24h) for
/// needs-rebase, the one plugin that sweeps.
pub const SWEEP_SCHEDULE: &str = "0 4 * * *";

/// The GitHub event types (`X-GitHub-Event`) `plugin` reads, each once, in a stable order.
pub fn github_events(plugin: &dyn Plugin) -> Vec<&'static str> {
    let events: BTreeSet<&'static str> = plugin
        .events()
        .iter()
        .flat_map(|kind| kind.github_events().iter().copied())
        .collect();
    events.into_iter().collect()
}

/// The service and path a plugin's events are delivered to.
fn subscriber(plugin: &dyn Plugin) -> (&'static str, String) {
    match plugin.name() {
        "trigger" => ("trigger", "/".to_string()),
        name => ("hook", format!("/plugins/{name}")),
    }
}

/// Every plugin's broker Triggers (and sweep PingSources), as YAML documents.
pub fn render(registry: &PluginRegistry, deployment: &Deployment<'_>) -> String {
    let mut plugins: Vec<_> = registry.iter().collect();
    plugins.sort_by_key(|p| p.name());
    let mut out = String::from(
        "# Generated from the plugin registry (shared/prow-plugins/src/knative.rs); do not edit.\n\
         # Regenerate: UPDATE_MANIFESTS=1 cargo test -p prow-plugins --test it knative\n\
         # One broker Trigger per plugin, filtered on the GitHub events it handles, so the broker\n\
         # retries a failing plugin alone and never wakes one for an event it does not read.\n",
    );
    for plugin in plugins {
        let (service, path) = subscriber(plugin.as_ref());
        let events = github_events(plugin.as_ref());
        if !events.is_empty() {
            let types: Vec<String> = events
                .iter()
                .map(|event| format!("'dev.prow.github.{event}'"))
                .collect();
            let _ = write!(
                out,
                "---\n\
                 apiVersion: eventing.knative.dev/v1\n\
                 kind: Trigger\n\
                 metadata:\n  name: {name}\n  namespace: {namespace}\n  \
                 labels: {{app.kubernetes.io/part-of: prow, prow.k8s.io/plugin: {plugin}}}\n\
                 spec:\n  broker: {broker}\n  \
                 filters:\n  - cesql: \"type IN ({types})\"\n  \
                 subscriber:\n    ref: {{apiVersion: serving.knative.dev/v1, kind: Service, name: {service}}}\n    \
                 uri: {path}\n  \
                 delivery: {{retry: 5, backoffPolicy: exponential, backoffDelay: PT1S}}\n",
                name = trigger_name(plugin.as_ref()),
                namespace = deployment.namespace,
                plugin = plugin.name(),
                broker = deployment.broker,
                types = types.join(", "),
            );
        }
        if plugin.events().contains(&EventKind::Ping) {
            let _ = write!(
                out,
                "---\n\
                 apiVersion: sources.knative.dev/v1\n\
                 kind: PingSource\n\
                 metadata:\n  name: {name}-sweep\n  namespace: {namespace}\n  \
                 labels: {{app.kubernetes.io/part-of: prow, prow.k8s.io/plugin: {plugin}}}\n\
                 spec:\n  schedule: \"{SWEEP_SCHEDULE}\"\n  \
                 sink:\n    ref: {{apiVersion: serving.knative.dev/v1, kind: Service, name: {service}}}\n    \
                 uri: {path}\n",
                name = trigger_name(plugin.as_ref()),
                namespace = deployment.namespace,
                plugin = plugin.name(),
            );
        }
    }
    out
}

/// The broker Trigger's name: the plugin's, under the function that runs it.
fn trigger_name(plugin: &dyn Plugin) -> String {
    match plugin.name() {
        "trigger" => "trigger".to_string(),
        name => format!("hook-{}", resource_name(name)),
    }
}

/// A plugin or event name as a Kubernetes object name (DNS-1123: lowercase, `-`).
fn resource_name(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}
