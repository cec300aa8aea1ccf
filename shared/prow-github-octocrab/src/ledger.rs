//! The budget ledger: every GitHub call counted by component, event, endpoint, method and status;
//! answers served from the response cache (304s, which cost no quota) counted apart, with the
//! cache's lookups and the governor's waits and deferrals; the rate-limit headers of the last
//! answer kept as gauges.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct CallLabels {
    pub component: String,
    pub event: String,
    pub endpoint: String,
    pub method: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct CacheLabels {
    pub component: String,
    pub endpoint: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct LookupLabels {
    pub component: String,
    pub store: String,
    /// `hit` (a 304 served from the cache), `miss` (a full answer stored), `error` (the store
    /// failed; the read went without it).
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct HoldLabels {
    pub component: String,
    pub priority: String,
    /// `reserve`, `exhausted`, `secondary_limit`, `write_pace`.
    pub hold: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RateLabels {
    pub component: String,
    pub resource: String,
}

/// A component's label alone.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ComponentLabels {
    pub component: String,
}

#[derive(Clone, Default)]
pub(crate) struct Ledger {
    pub calls: Family<CallLabels, Counter>,
    /// GraphQL's cost in points, as its answers' `rateLimit.cost` says (queries that ask).
    pub graphql_points: Family<ComponentLabels, Counter>,
    pub cache_hits: Family<CacheLabels, Counter>,
    pub cache_lookups: Family<LookupLabels, Counter>,
    pub waits: Family<HoldLabels, Counter>,
    pub deferred: Family<HoldLabels, Counter>,
    pub rate_remaining: Family<RateLabels, Gauge>,
    pub rate_limit: Family<RateLabels, Gauge>,
    pub rate_reset: Family<RateLabels, Gauge>,
}

impl Ledger {
    pub(crate) fn register(metrics: &prow_metrics::Metrics) -> Ledger {
        let ledger = Ledger::default();
        metrics.register(
            "github_requests",
            "GitHub API calls by component, event, endpoint, method and status",
            ledger.calls.clone(),
        );
        metrics.register(
            "github_graphql_points",
            "GraphQL rate-limit points spent by component, from the answers' rateLimit.cost",
            ledger.graphql_points.clone(),
        );
        metrics.register(
            "github_conditional_hits",
            "GitHub reads answered 304 Not Modified from the ETag cache (no rate-limit cost)",
            ledger.cache_hits.clone(),
        );
        metrics.register(
            "github_cache_lookups",
            "GitHub response cache use by component, store and result (hit, miss, error)",
            ledger.cache_lookups.clone(),
        );
        metrics.register(
            "github_budget_waits",
            "GitHub calls that waited for budget, by component, priority and hold",
            ledger.waits.clone(),
        );
        metrics.register(
            "github_budget_deferred",
            "GitHub calls deferred for budget (not sent), by component, priority and hold",
            ledger.deferred.clone(),
        );
        metrics.register(
            "github_rate_limit_remaining",
            "Requests left in the current rate-limit window, from the last answer",
            ledger.rate_remaining.clone(),
        );
        metrics.register(
            "github_rate_limit_limit",
            "The rate-limit window's size, from the last answer",
            ledger.rate_limit.clone(),
        );
        metrics.register(
            "github_rate_limit_reset_timestamp_seconds",
            "When the rate-limit window resets (Unix time), from the last answer",
            ledger.rate_reset.clone(),
        );
        ledger
    }
}
