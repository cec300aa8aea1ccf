//! hook's metrics: upstream's two under their exact names, and the detail behind them.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prow_runtime::UpstreamCounter;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct EventType {
    pub event_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ResponseCode {
    pub response_code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Reason {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct PluginResult {
    pub plugin: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct PluginAction {
    pub plugin: String,
    pub action: String,
}

#[derive(Clone)]
pub(crate) struct HookMetrics {
    /// Upstream `prow_webhook_counter{event_type}`: verified webhooks received.
    pub webhooks: Family<EventType, UpstreamCounter>,
    /// Upstream `prow_webhook_response_codes{response_code}`: every answer given on `/hook`.
    pub responses: Family<ResponseCode, UpstreamCounter>,
    /// Refused deliveries by reason.
    pub rejections: Family<Reason, Counter>,
    /// Redeliveries dropped.
    pub duplicates: Counter,
    /// Time to hand an event on (sink accepted it).
    pub handoff_seconds: Histogram,
    /// Plugin and external-plugin runs by outcome.
    pub plugin_runs: Family<PluginResult, Counter>,
    /// What plugins changed, by plugin and kind of action.
    pub plugin_actions: Family<PluginAction, Counter>,
    pub external_plugin_forwards: Family<PluginResult, Counter>,
    /// Deliveries the reconciler judged, by decision.
    pub recovery_decisions: Family<Decision, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Decision {
    pub decision: String,
}

impl HookMetrics {
    pub(crate) fn register(registry: &prow_runtime::Metrics) -> HookMetrics {
        let metrics = HookMetrics {
            webhooks: Family::default(),
            responses: Family::default(),
            rejections: Family::default(),
            duplicates: Counter::default(),
            handoff_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 16)),
            plugin_runs: Family::default(),
            plugin_actions: Family::default(),
            external_plugin_forwards: Family::default(),
            recovery_decisions: Family::default(),
        };
        registry.register(
            "prow_webhook_counter",
            "A counter of the webhooks made to prow.",
            metrics.webhooks.clone(),
        );
        registry.register(
            "prow_webhook_response_codes",
            "A counter of the different responses hook has responded to webhooks with.",
            metrics.responses.clone(),
        );
        registry.register(
            "hook_webhook_rejections",
            "Webhooks refused, by reason",
            metrics.rejections.clone(),
        );
        registry.register(
            "hook_duplicate_deliveries",
            "Redeliveries acknowledged and dropped",
            metrics.duplicates.clone(),
        );
        registry.register(
            "hook_handoff_duration_seconds",
            "Time for the event sink to accept an event",
            metrics.handoff_seconds.clone(),
        );
        registry.register(
            "hook_plugin_runs",
            "Plugin runs by plugin and result",
            metrics.plugin_runs.clone(),
        );
        registry.register(
            "hook_plugin_actions",
            "Changes plugins made, by plugin and kind of action",
            metrics.plugin_actions.clone(),
        );
        registry.register(
            "hook_external_plugin_forwards",
            "Events forwarded to external plugins, by plugin and result",
            metrics.external_plugin_forwards.clone(),
        );
        registry.register(
            "hook_webhook_recovery_decisions",
            "Webhook deliveries the reconciler judged, by decision (redelivered_failed, redelivered_unrecorded, handled, refused, given_up)",
            metrics.recovery_decisions.clone(),
        );
        metrics
    }

    pub(crate) fn reject(&self, reason: &str) {
        self.rejections
            .get_or_create(&Reason {
                reason: reason.to_string(),
            })
            .inc();
    }
}
