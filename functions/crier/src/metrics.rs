//! Upstream crier's metrics: `crier_reporting_results{reporter, result}` and
//! `crier_report_latency{reporter}` (seconds from the job's completion to its report).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prow_runtime::UpstreamCounter;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ResultLabels {
    pub reporter: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ReporterLabels {
    pub reporter: String,
}

type Latency = Family<ReporterLabels, Histogram, fn() -> Histogram>;

#[derive(Clone)]
pub(crate) struct CrierMetrics {
    results: Family<ResultLabels, UpstreamCounter>,
    latency: Latency,
}

fn latency_histogram() -> Histogram {
    // 1 s to about 2.3 hours.
    Histogram::new(exponential_buckets(1.0, 2.0, 14))
}

impl CrierMetrics {
    pub(crate) fn register(registry: &prow_runtime::Metrics) -> CrierMetrics {
        let metrics = CrierMetrics {
            results: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
        };
        registry.register(
            "crier_reporting_results",
            "Count of successful and failed reporting attempts by reporter.",
            metrics.results.clone(),
        );
        registry.register(
            "crier_report_latency",
            "Histogram of time spent reporting jobs, from completion to report.",
            metrics.latency.clone(),
        );
        metrics
    }

    pub(crate) fn result(&self, reporter: &str, succeeded: bool) {
        self.results
            .get_or_create(&ResultLabels {
                reporter: reporter.to_string(),
                result: if succeeded { "success" } else { "error" }.to_string(),
            })
            .inc();
    }

    pub(crate) fn latency(&self, reporter: &str, seconds: f64) {
        self.latency
            .get_or_create(&ReporterLabels {
                reporter: reporter.to_string(),
            })
            .observe(seconds);
    }
}
