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

/// What a job's workload (its pod, local process or PipelineRun) is doing, as the executor saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunObservation {
    pub phase: RunPhase,
    pub created: Timestamp,
    /// When it started running (none while unscheduled).
    pub started: Option<Timestamp>,
    /// It is being deleted.
    pub deleting: bool,
    /// Why it stopped, when the cluster stopped it.
    pub unexpected_stop: Option<StopCause>,
    /// Everything in it finished successfully (every container exited 0).
    pub all_containers_succeeded: bool,
    /// The build id it was started with (its `prow.k8s.io/build-id` label).
    pub build_id: String,
    /// What the workload says of its state, for the job's description (a PipelineRun's
    /// condition message); none for pods, whose descriptions are Prow's own.
    pub detail: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

/// Why the cluster stopped a workload that had not finished.
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

/// What a job runs as (a pod, a local run, a PipelineRun) as garbage collection sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    pub name: String,
    /// The ProwJob it belongs to (its `prow.k8s.io/id` label, else its name).
    pub job: String,
    /// Where it lives in its cluster (empty for local runs).
    pub namespace: String,
    /// The build cluster alias (empty for local runs).
    pub cluster: String,
    /// The agent whose executor runs it (`kubernetes`, `tekton-pipeline`, ...).
    pub agent: String,
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

/// Where jobs run: pods or PipelineRuns in a build cluster, or local processes. A job's
/// workload is found by the job alone; what it is depends on the executor.
pub trait Executor: Send + Sync {
    /// Whether the job is held back rather than started (local mode's limits); none by default.
    fn hold(&self, job: &ProwJob) -> Option<Hold> {
        let _ = job;
        None
    }
    /// The job's workload, if there is one.
    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<RunObservation>>;
    /// Starts the job's workload (an existing one is kept).
    fn start<'a>(&'a self, job: &'a ProwJob, build_id: &'a str) -> ExecutorFuture<'a, ()>;
    /// Stops the job's workload (a pod is removed, a PipelineRun cancelled; a missing one is
    /// fine).
    fn stop<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, ()>;
    /// Every job workload there is (sinker's view).
    fn workloads(&self) -> ExecutorFuture<'_, Vec<Workload>>;
    /// Removes a workload [`Executor::workloads`] listed (a missing one is fine).
    fn remove<'a>(&'a self, workload: &'a Workload) -> ExecutorFuture<'a, ()>;
    /// What the job's test container has printed so far (upstream deck's `/log`), at most its
    /// last `tail_bytes`; `None` when it has none, or this executor keeps no logs.
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

/// Executors by agent: each job runs on the executor its `agent` names (`kubernetes` when it
/// names none), so the controller and sinker need not know which kinds there are.
#[derive(Clone, Default)]
pub struct ByAgent {
    executors: std::collections::BTreeMap<String, std::sync::Arc<dyn Executor>>,
}

impl ByAgent {
    /// With `executor` running the jobs of `agent`.
    pub fn with(mut self, agent: &str, executor: std::sync::Arc<dyn Executor>) -> ByAgent {
        self.executors.insert(agent.to_string(), executor);
        self
    }

    fn agent_of(agent: &str) -> &str {
        if agent.is_empty() {
            prow_api::KUBERNETES_AGENT
        } else {
            agent
        }
    }

    fn for_job(&self, job: &ProwJob) -> Result<&dyn Executor, ExecutorError> {
        let agent = Self::agent_of(&job.spec.agent);
        self.executors
            .get(agent)
            .map(|e| e.as_ref())
            .ok_or_else(|| {
                ExecutorError::terminal(job, format!("no executor runs agent {agent:?} here"))
            })
    }
}

impl Executor for ByAgent {
    fn hold(&self, job: &ProwJob) -> Option<Hold> {
        self.for_job(job).ok()?.hold(job)
    }

    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<RunObservation>> {
        match self.for_job(job) {
            Ok(executor) => executor.observe(job),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn start<'a>(&'a self, job: &'a ProwJob, build_id: &'a str) -> ExecutorFuture<'a, ()> {
        match self.for_job(job) {
            Ok(executor) => executor.start(job, build_id),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn stop<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, ()> {
        match self.for_job(job) {
            Ok(executor) => executor.stop(job),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn workloads(&self) -> ExecutorFuture<'_, Vec<Workload>> {
        Box::pin(async move {
            let mut all = Vec::new();
            for executor in self.executors.values() {
                all.extend(executor.workloads().await?);
            }
            Ok(all)
        })
    }

    fn remove<'a>(&'a self, workload: &'a Workload) -> ExecutorFuture<'a, ()> {
        match self.executors.get(Self::agent_of(&workload.agent)) {
            Some(executor) => executor.remove(workload),
            None => Box::pin(async { Ok(()) }),
        }
    }

    fn log<'a>(
        &'a self,
        job: &'a ProwJob,
        tail_bytes: usize,
    ) -> ExecutorFuture<'a, Option<String>> {
        match self.for_job(job) {
            Ok(executor) => executor.log(job, tail_bytes),
            Err(_) => Box::pin(async { Ok(None) }),
        }
    }
}
