//! Upstream plank's metrics: `prowjobs{job_name, type, state, ...}` (a gauge of jobs by state,
//! refreshed on resync) and `prowjob_state_transitions{job_name, type, state, ...}`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prow_api::{ProwJob, ProwJobState};
use prow_runtime::UpstreamCounter;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct JobLabels {
    pub job_name: String,
    pub r#type: String,
    pub state: String,
    pub org: String,
    pub repo: String,
    pub base_ref: String,
    pub cluster: String,
}

#[derive(Clone)]
pub(crate) struct ControllerMetrics {
    jobs: Family<JobLabels, Gauge>,
    transitions: Family<JobLabels, UpstreamCounter>,
}

fn state_name(state: Option<ProwJobState>) -> String {
    state
        .map(ProwJobState::as_str)
        .unwrap_or_default()
        .to_string()
}

fn labels(job: &ProwJob, state: Option<ProwJobState>) -> JobLabels {
    let refs = job.spec.refs.clone().unwrap_or_default();
    JobLabels {
        job_name: job.spec.job.clone(),
        r#type: job.spec.job_type.as_str().to_string(),
        state: state_name(state),
        org: refs.org,
        repo: refs.repo,
        base_ref: refs.base_ref,
        cluster: job.spec.cluster.clone(),
    }
}

impl ControllerMetrics {
    pub(crate) fn register(registry: &prow_runtime::Metrics) -> ControllerMetrics {
        let metrics = ControllerMetrics {
            jobs: Family::default(),
            transitions: Family::default(),
        };
        registry.register(
            "prowjobs",
            "Number of prowjobs in the system",
            metrics.jobs.clone(),
        );
        registry.register(
            "prowjob_state_transitions",
            "Number of prowjobs transitioning states",
            metrics.transitions.clone(),
        );
        metrics
    }

    pub(crate) fn transition(&self, job: &ProwJob, to: Option<ProwJobState>) {
        self.transitions.get_or_create(&labels(job, to)).inc();
    }

    pub(crate) fn count(&self, jobs: &[ProwJob]) {
        self.jobs.clear();
        let mut counts: BTreeMap<String, (JobLabels, i64)> = BTreeMap::new();
        for job in jobs {
            let labels = labels(job, job.status.state);
            counts.entry(format!("{labels:?}")).or_insert((labels, 0)).1 += 1;
        }
        for (labels, count) in counts.into_values() {
            self.jobs.get_or_create(&labels).set(count);
        }
    }
}
