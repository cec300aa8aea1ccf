//! What garbage collection removes (upstream's sinker), decided without I/O:
//!
//! - A finished ProwJob that started more than `max_prowjob_age` ago (default a week), reason
//!   `aged`; for periodics `aged-periodic`, and never the newest run of a periodic still in the
//!   configuration (horologium schedules from it).
//! - A job pod that started more than `max_pod_age` ago (`aged`, default a day), or whose job
//!   finished more than `terminated_pod_ttl` ago (`ttled`, default `max_pod_age`), but not while
//!   its job is unfinished (the controller would start it again); and a pod whose job is gone
//!   (`orphaned`), once it is more than 30 seconds old.

use k8s_openapi::jiff::Timestamp;
use prow_api::{ProwJob, ProwJobType};
use prow_horologium::LastRun;
use prow_ports::executor::Workload;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinkerSettings {
    pub max_prowjob_age: Duration,
    pub max_pod_age: Duration,
    pub terminated_pod_ttl: Duration,
    /// Build clusters whose pods are left alone.
    pub exclude_clusters: Vec<String>,
}

impl SinkerSettings {
    /// `sinker` from config.yaml with upstream's defaults.
    pub fn from_config(sinker: &prow_config::Sinker) -> SinkerSettings {
        let max_pod_age = sinker
            .max_pod_age
            .map_or(Duration::from_secs(24 * 3600), |d| d.as_std());
        SinkerSettings {
            max_prowjob_age: sinker
                .max_prowjob_age
                .map_or(Duration::from_secs(7 * 24 * 3600), |d| d.as_std()),
            max_pod_age,
            terminated_pod_ttl: sinker
                .terminated_pod_ttl
                .map_or(max_pod_age, |d| d.as_std()),
            exclude_clusters: sinker.exclude_clusters.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobReason {
    Aged,
    AgedPeriodic,
}

impl JobReason {
    pub fn as_str(self) -> &'static str {
        match self {
            JobReason::Aged => "aged",
            JobReason::AgedPeriodic => "aged-periodic",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PodReason {
    Aged,
    Ttled,
    Orphaned,
}

impl PodReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PodReason::Aged => "aged",
            PodReason::Ttled => "ttled",
            PodReason::Orphaned => "orphaned",
        }
    }
}

fn older_than(now: Timestamp, then: Timestamp, age: Duration) -> bool {
    let elapsed = now.as_millisecond().saturating_sub(then.as_millisecond());
    elapsed > i64::try_from(age.as_millis()).unwrap_or(i64::MAX)
}

/// Whether `job` goes. `latest` is the newest run of each periodic, `active` the periodics in
/// the configuration.
pub fn job_verdict(
    job: &ProwJob,
    now: Timestamp,
    settings: &SinkerSettings,
    latest: &HashMap<String, LastRun>,
    active: &HashSet<&str>,
) -> Option<JobReason> {
    let completed = job.complete();
    let started = job.status.start_time.as_ref()?.0;
    if !completed || !older_than(now, started, settings.max_prowjob_age) {
        return None;
    }
    if job.spec.job_type != ProwJobType::Periodic {
        return Some(JobReason::Aged);
    }
    let newest = latest
        .get(&job.spec.job)
        .is_some_and(|run| run.name == job.name());
    if newest && active.contains(job.spec.job.as_str()) {
        return None;
    }
    Some(JobReason::AgedPeriodic)
}

/// Whether `pod` goes; `job` is its ProwJob, `None` when there is none.
pub fn pod_verdict(
    pod: &Workload,
    job: Option<&ProwJob>,
    now: Timestamp,
    settings: &SinkerSettings,
) -> Option<PodReason> {
    let Some(job) = job else {
        // The store may lag behind a just-created pod's job: give it 30 seconds.
        return older_than(now, pod.created, Duration::from_secs(30))
            .then_some(PodReason::Orphaned);
    };
    if !job.complete() {
        return None;
    }
    if pod
        .started
        .is_some_and(|started| older_than(now, started, settings.max_pod_age))
    {
        return Some(PodReason::Aged);
    }
    let finished = job.status.completion_time.as_ref()?.0;
    older_than(now, finished, settings.terminated_pod_ttl).then_some(PodReason::Ttled)
}
