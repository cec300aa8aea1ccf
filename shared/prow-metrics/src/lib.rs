//! One Prometheus registry per process, served at `/metrics` by the runtime. Functions and
//! adapters register their own metrics (with upstream Prow's names) beside the runtime's.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Metric, Registry};
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum ReloadResult {
    Success,
    Failure,
}

impl EncodeLabelValue for ReloadResult {
    fn encode(
        &self,
        encoder: &mut prometheus_client::encoding::LabelValueEncoder,
    ) -> Result<(), std::fmt::Error> {
        use std::fmt::Write;
        encoder.write_str(match self {
            ReloadResult::Success => "success",
            ReloadResult::Failure => "failure",
        })
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReloadLabels {
    pub result: ReloadResult,
}

/// How an event route answered (`prow_event_outcomes_total`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventOutcomeLabels {
    pub route: String,
    /// `done`, `retry`, `give_up` or `refused`.
    pub outcome: String,
    /// The failure's kind (`github_rate_limited`, ...); empty when done.
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobTypeLabels {
    pub job_type: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    /// Configuration loads after start-up, by result.
    pub config_reloads: Family<ReloadLabels, Counter>,
    /// Unix time of the last configuration load that succeeded (start-up included).
    pub config_last_reload_success: Gauge<f64, AtomicU64>,
    /// Jobs in the configuration in use, by type.
    pub configured_jobs: Family<JobTypeLabels, Gauge>,
    /// Events handled, by route, outcome and failure kind.
    pub event_outcomes: Family<EventOutcomeLabels, Counter>,
}

impl Metrics {
    pub fn new(component: &str) -> Self {
        let mut registry = Registry::default();
        let config_reloads = Family::<ReloadLabels, Counter>::default();
        let config_last_reload_success = Gauge::<f64, AtomicU64>::default();
        let configured_jobs = Family::<JobTypeLabels, Gauge>::default();
        registry.register(
            "prow_config_reloads",
            "Configuration reloads after start-up, by result",
            config_reloads.clone(),
        );
        registry.register(
            "prow_config_last_reload_success_timestamp_seconds",
            "Unix time of the last configuration load that succeeded",
            config_last_reload_success.clone(),
        );
        registry.register(
            "prow_configured_jobs",
            "Jobs in the configuration in use, by type",
            configured_jobs.clone(),
        );
        let event_outcomes = Family::<EventOutcomeLabels, Counter>::default();
        registry.register(
            "prow_event_outcomes",
            "Events handled, by route, outcome (done, retry, give_up, refused) and failure kind",
            event_outcomes.clone(),
        );
        let info = Family::<Vec<(String, String)>, Gauge>::default();
        info.get_or_create(&vec![
            ("component".to_string(), component.to_string()),
            ("version".to_string(), env!("CARGO_PKG_VERSION").to_string()),
        ])
        .set(1);
        registry.register(
            "prow_version",
            "The running component and its version",
            info,
        );
        Metrics {
            registry: Mutex::new(registry),
            config_reloads,
            config_last_reload_success,
            configured_jobs,
            event_outcomes,
        }
    }

    /// Adds a function's own metric under its exact name, so upstream names such as
    /// `prow_webhook_counter` or `sinker_pods_removed` stay as they are.
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        if let Ok(mut registry) = self.registry.lock() {
            registry.register(name, help, metric);
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Ok(registry) = self.registry.lock() {
            // Writing to a String cannot fail.
            let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        }
        text
    }
}

/// A counter exposed under its exact name, without the `_total` suffix OpenMetrics gives
/// counters, for upstream metric names that dashboards query as they are (`prow_webhook_counter`,
/// `prow_webhook_response_codes`). Its type reads `unknown`; `rate()` works on it as on a counter.
#[derive(Clone, Debug, Default)]
pub struct UpstreamCounter(Counter);

impl UpstreamCounter {
    pub fn inc(&self) -> u64 {
        self.0.inc()
    }

    pub fn get(&self) -> u64 {
        self.0.get()
    }
}

impl prometheus_client::metrics::TypedMetric for UpstreamCounter {
    const TYPE: prometheus_client::metrics::MetricType =
        prometheus_client::metrics::MetricType::Unknown;
}

impl prometheus_client::encoding::EncodeMetric for UpstreamCounter {
    fn encode(
        &self,
        mut encoder: prometheus_client::encoding::MetricEncoder,
    ) -> Result<(), std::fmt::Error> {
        encoder.encode_gauge(&self.0.get())
    }

    fn metric_type(&self) -> prometheus_client::metrics::MetricType {
        prometheus_client::metrics::MetricType::Unknown
    }
}
