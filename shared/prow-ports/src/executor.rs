//! The executor port: where jobs run (pods in a build cluster, or local processes), and what the
//! controller and sinker can see of a run.

use crate::{Failure, PortFuture};
use jiff::Timestamp;
use prow_api::ProwJob;

pub type ExecutorFuture<'a, T> = PortFuture<'a, T, ExecutorError>;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the executor failed for {job}: {reason}")]
pub struct ExecutorError {
    pub job: String,
    pub reason: String,
    /// Trying again cannot help (an unknown build cluster, a job without a pod spec): the job
    /// ends in `error` instead of being retried forever (upstream's `TerminalError`).
    pub terminal: bool,
    /// The job was not started but held back (see [`Hold`]): it stays triggered, saying why.
    pub held: Option<Hold>,
}

impl ExecutorError {
    /// A failure that may pass (the cluster is unreachable, say): the event is redelivered.
    pub fn retryable(job: &ProwJob, reason: impl std::fmt::Display) -> ExecutorError {
        ExecutorError {
            job: job.name().to_string(),
            reason: reason.to_string(),
            terminal: false,
            held: None,
        }
    }

    /// A start refused because the job is held back ([`Executor::hold`] said it could start,
    /// but another start took the last slot meanwhile).
    pub fn held(job: &ProwJob, hold: Hold) -> ExecutorError {
        ExecutorError {
            held: Some(hold.clone()),
            ..ExecutorError::retryable(job, hold.reason)
        }
    }

    pub fn terminal(job: &ProwJob, reason: impl std::fmt::Display) -> ExecutorError {
        ExecutorError {
            terminal: true,
            ..ExecutorError::retryable(job, reason)
        }
    }
}

impl Failure for ExecutorError {
    fn kind(&self) -> &'static str {
        if self.terminal {
            "executor_terminal"
        } else {
            "executor_unavailable"
        }
    }

    fn retryable(&self) -> bool {
        !self.terminal
    }
}

/// What a job's pod is doing, as the executor saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct PodObservation {
    pub phase: PodPhase,
    pub created: Timestamp,
    /// When the kubelet started it (none while unscheduled).
    pub started: Option<Timestamp>,
    /// It is being deleted.
    pub deleting: bool,
    /// Why it stopped, when the cluster stopped it.
    pub unexpected_stop: Option<StopCause>,
    /// Every container terminated with exit code 0.
    pub all_containers_succeeded: bool,
    /// The build id the pod was started with (its `prow.k8s.io/build-id` label).
    pub build_id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

/// Why the cluster stopped a pod that had not finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopCause {
    Evicted,
    OomKilled,
    NodeUnreachable,
}

impl StopCause {
    pub fn as_str(self) -> &'static str {
        match self {
            StopCause::Evicted => "evicted",
            StopCause::OomKilled => "oom",
            StopCause::NodeUnreachable => "unreachable",
        }
    }
}

/// A job's pod (or local run) as garbage collection sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct JobPod {
    pub name: String,
    /// The ProwJob it belongs to (its `prow.k8s.io/id` label, else its name).
    pub job: String,
    /// The build cluster alias (empty for local runs).
    pub cluster: String,
    pub created: Timestamp,
    pub started: Option<Timestamp>,
}

/// Why an executor does not start a job now, though the job is due to start: it stays
/// triggered, with `reason` as its state description, until the hold lifts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub reason: String,
    /// Look again after this long; `None` when only a change of settings lifts the hold.
    pub retry_after: Option<std::time::Duration>,
}

/// Where jobs run: pods in a build cluster, or local processes.
pub trait Executor: Send + Sync {
    /// Whether the job is held back rather than started (local mode's limits); none by default.
    fn hold(&self, job: &ProwJob) -> Option<Hold> {
        let _ = job;
        None
    }
    /// The job's pod, if there is one.
    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<PodObservation>>;
    /// Starts the job's pod (an existing one is kept).
    fn start<'a>(&'a self, job: &'a ProwJob, build_id: &'a str) -> ExecutorFuture<'a, ()>;
    /// Stops and removes the job's pod (a missing one is fine).
    fn stop<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, ()>;
    /// Every job pod there is (sinker's view).
    fn job_pods(&self) -> ExecutorFuture<'_, Vec<JobPod>>;
    /// Removes a pod [`Executor::job_pods`] listed (a missing one is fine).
    fn remove_pod<'a>(&'a self, pod: &'a JobPod) -> ExecutorFuture<'a, ()>;
    /// What the job's test container has printed so far (upstream deck's `/log`), at most its
    /// last `tail_bytes`; `None` when it has no pod, or this executor keeps no logs.
    fn log<'a>(
        &'a self,
        job: &'a ProwJob,
        tail_bytes: usize,
    ) -> ExecutorFuture<'a, Option<String>> {
        let _ = (job, tail_bytes);
        Box::pin(async { Ok(None) })
    }
}

/// The last `tail_bytes` of `text`, cut at a line start when one is near.
pub fn tail(text: &str, tail_bytes: usize) -> &str {
    if text.len() <= tail_bytes {
        return text;
    }
    let mut start = text.len() - tail_bytes;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let rest = &text[start..];
    match rest.find('\n') {
        Some(newline) if newline < 1024 => &rest[newline + 1..],
        _ => rest,
    }
}
