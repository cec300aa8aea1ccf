//! The controller's decisions, as upstream's plank makes them, without I/O: given a ProwJob, what
//! its pod is doing (if it has one), the time and the limits, [`plan`] says what the job's status
//! becomes and what to do to the pod. [`pod::pod_for`] builds the pod a job runs in.
//!
//! Reconciling twice gives the same answer the second time: a plan only changes what is out of
//! date, and a pod that already exists is adopted, never created again.

pub mod decorate;
pub mod pipeline;
pub mod pod;
pub mod reconcile;
pub mod url;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use prow_api::{ProwJob, ProwJobState, ProwJobStatus};
use prow_ports::executor::{RunObservation, RunPhase, StopCause};
use std::time::Duration;

/// Upstream's `plank` settings: the timeouts (a job's `decoration_config` overrides them), the
/// revival limit and the job URL.
#[derive(Clone, Debug, PartialEq)]
pub struct PlankSettings {
    pub pod_pending_timeout: Duration,
    pub pod_running_timeout: Duration,
    pub pod_unscheduled_timeout: Duration,
    /// How often a pod the cluster stopped is started again before the job errors.
    pub max_revivals: i64,
    /// What `status.url` links to.
    pub job_urls: url::JobUrls,
}

impl Default for PlankSettings {
    /// Upstream's defaults: 10 minutes pending, 48 hours running, 5 minutes unscheduled, 3 revivals.
    fn default() -> Self {
        PlankSettings {
            pod_pending_timeout: Duration::from_secs(10 * 60),
            pod_running_timeout: Duration::from_secs(48 * 60 * 60),
            pod_unscheduled_timeout: Duration::from_secs(5 * 60),
            max_revivals: 3,
            job_urls: url::JobUrls::default(),
        }
    }
}

/// What to do to the pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodAction {
    None,
    /// Create the job's pod (with the plan's build id).
    Start,
    /// Delete the job's pod (it may already be gone).
    Delete,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub pod: PodAction,
    /// The status to write, when it changes.
    pub status: Option<ProwJobStatus>,
    /// Look again after this long (a timeout may fire then).
    pub requeue_after: Option<Duration>,
}

impl Plan {
    fn nothing() -> Plan {
        Plan {
            pod: PodAction::None,
            status: None,
            requeue_after: None,
        }
    }
}

/// Whether concurrency limits let a triggered job start now (computed by the caller from the
/// jobs it can see; upstream's `plank.max_concurrency`, per-job `max_concurrency`, job queues).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capacity {
    Available,
    Full,
}

/// Decides the next step for `job`. `new_build_id` is used when a pod is started.
pub fn plan(
    job: &ProwJob,
    pod: Option<&RunObservation>,
    now: Timestamp,
    limits: &PlankSettings,
    capacity: Capacity,
    new_build_id: &str,
) -> Plan {
    let limits = effective_limits(job, limits);
    match job.status.state {
        Some(ProwJobState::Triggered) | Some(ProwJobState::Scheduling) | None => {
            triggered(job, pod, now, capacity, new_build_id, &limits.job_urls)
        }
        Some(ProwJobState::Pending) => pending(job, pod, now, &limits, new_build_id),
        Some(ProwJobState::Aborted) => {
            let status = (!job.complete()).then(|| {
                let mut status = job.status.clone();
                status.completion_time = Some(Time(now));
                status
            });
            let pod = if pod.is_some() {
                PodAction::Delete
            } else {
                PodAction::None
            };
            Plan {
                pod,
                status,
                requeue_after: None,
            }
        }
        Some(ProwJobState::Success | ProwJobState::Failure | ProwJobState::Error) => {
            Plan::nothing()
        }
    }
}

fn effective_limits(job: &ProwJob, limits: &PlankSettings) -> PlankSettings {
    let mut effective = limits.clone();
    if let Some(decoration) = &job.spec.decoration_config {
        if let Some(t) = decoration.pod_pending_timeout {
            effective.pod_pending_timeout = t.as_std();
        }
        if let Some(t) = decoration.pod_running_timeout {
            effective.pod_running_timeout = t.as_std();
        }
        if let Some(t) = decoration.pod_unscheduled_timeout {
            effective.pod_unscheduled_timeout = t.as_std();
        }
    }
    effective
}

fn triggered(
    job: &ProwJob,
    pod: Option<&RunObservation>,
    now: Timestamp,
    capacity: Capacity,
    new_build_id: &str,
    urls: &url::JobUrls,
) -> Plan {
    // A pod from an earlier attempt whose status write was lost: adopt it, do not start another.
    let (action, build_id) = match pod {
        Some(existing) => (PodAction::None, existing.build_id.clone()),
        None if capacity == Capacity::Full => return Plan::nothing(),
        None => (PodAction::Start, new_build_id.to_string()),
    };
    let mut status = job.status.clone();
    status.state = Some(ProwJobState::Pending);
    status.pending_time = Some(Time(now));
    status.pod_name = job.name().to_string();
    status.build_id = build_id;
    status.description = "Job triggered.".into();
    status.url = job_url(job, urls, &status.build_id);
    Plan {
        pod: action,
        status: Some(status),
        requeue_after: None,
    }
}

/// The job's URL; a template that cannot render leaves it empty (the job still runs).
fn job_url(job: &ProwJob, urls: &url::JobUrls, build_id: &str) -> String {
    urls.url(job, build_id).unwrap_or_default()
}

fn since(now: Timestamp, then: Timestamp) -> Duration {
    let seconds = now
        .as_millisecond()
        .saturating_sub(then.as_millisecond())
        .max(0);
    Duration::from_millis(u64::try_from(seconds).unwrap_or_default())
}

fn pending(
    job: &ProwJob,
    pod: Option<&RunObservation>,
    now: Timestamp,
    limits: &PlankSettings,
    new_build_id: &str,
) -> Plan {
    let mut status = job.status.clone();
    let complete = |status: &mut ProwJobStatus, state: ProwJobState, description: &str| {
        status.state = Some(state);
        status.description = description.to_string();
        status.completion_time = Some(Time(now));
    };
    let Some(pod) = pod else {
        // The pod is gone (deleted by hand, or after an unexpected stop): start a new one.
        status.build_id = new_build_id.to_string();
        status.url = job_url(job, &limits.job_urls, new_build_id);
        status.pod_name = job.name().to_string();
        return Plan {
            pod: PodAction::Start,
            status: Some(status),
            requeue_after: None,
        };
    };
    let mut action = PodAction::None;
    let mut requeue_after = None;
    if let Some(cause) = pod.unexpected_stop {
        match cause {
            StopCause::OomKilled => complete(
                &mut status,
                ProwJobState::Error,
                "Job pod was OOM killed by the cluster.",
            ),
            StopCause::Evicted if job.spec.error_on_eviction => complete(
                &mut status,
                ProwJobState::Error,
                "Job pod was evicted by the cluster.",
            ),
            _ if status.pod_revival_count >= limits.max_revivals => {
                let description = format!(
                    "Job pod reached max revivals ({}) after being stopped unexpectedly ({})",
                    status.pod_revival_count,
                    cause.as_str()
                );
                complete(&mut status, ProwJobState::Error, &description)
            }
            _ => {
                // Delete it; the next reconcile finds no pod and starts a new one.
                status.pod_revival_count += 1;
                let pod = if pod.deleting {
                    PodAction::None
                } else {
                    PodAction::Delete
                };
                return Plan {
                    pod,
                    status: Some(status),
                    requeue_after: None,
                };
            }
        }
    } else {
        match pod.phase {
            // A PipelineRun says why in its condition; a pod's descriptions are Prow's own.
            RunPhase::Succeeded if pod.all_containers_succeeded => complete(
                &mut status,
                ProwJobState::Success,
                pod.detail.as_deref().unwrap_or("Job succeeded."),
            ),
            RunPhase::Succeeded => complete(
                &mut status,
                ProwJobState::Error,
                "Pod was in succeeded phase but some containers didn't finish",
            ),
            RunPhase::Failed => complete(
                &mut status,
                ProwJobState::Failure,
                pod.detail.as_deref().unwrap_or("Job failed."),
            ),
            RunPhase::Pending => match pod.started {
                None if since(now, pod.created) >= limits.pod_unscheduled_timeout => {
                    complete(&mut status, ProwJobState::Error, "Pod scheduling timeout.");
                    action = PodAction::Delete;
                }
                None => {
                    requeue_after = Some(limits.pod_unscheduled_timeout - since(now, pod.created));
                }
                Some(started) if since(now, started) >= limits.pod_pending_timeout => {
                    complete(&mut status, ProwJobState::Error, "Pod pending timeout.");
                    action = PodAction::Delete;
                }
                Some(started) => {
                    requeue_after = Some(limits.pod_pending_timeout - since(now, started));
                }
            },
            RunPhase::Running if !pod.deleting => match pod.started {
                Some(started) if since(now, started) >= limits.pod_running_timeout => {
                    complete(&mut status, ProwJobState::Aborted, "Pod running timeout.");
                    action = PodAction::Delete;
                }
                Some(started) => {
                    requeue_after = Some(limits.pod_running_timeout - since(now, started));
                }
                None => {}
            },
            RunPhase::Running | RunPhase::Unknown => {}
        }
    }
    if status.completion_time.is_none() && pod.deleting {
        complete(
            &mut status,
            ProwJobState::Error,
            "Pod got deleted unexpectedly",
        );
    }
    let changed = status != job.status;
    Plan {
        pod: action,
        status: changed.then_some(status),
        requeue_after: if changed { None } else { requeue_after },
    }
}
