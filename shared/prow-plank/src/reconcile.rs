//! One reconciliation: read the job and its pod, [`plan`](crate::plan), act on the pod, write the
//! status. Generic over the job store and executor ports; the controller function runs it for the
//! job an event names.

use crate::{Capacity, Plan, PlankSettings, PodAction, PodObservation, plan};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use prow_api::store::{JobStore, StoreError};
use prow_api::{ProwJob, ProwJobState};
use std::future::Future;
use std::pin::Pin;

pub type ExecutorFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, ExecutorError>> + Send + 'a>>;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the executor failed for {job}: {reason}")]
pub struct ExecutorError {
    pub job: String,
    pub reason: String,
    /// Trying again cannot help (an unknown build cluster, a job without a pod spec): the job
    /// ends in `error` instead of being retried forever (upstream's `TerminalError`).
    pub terminal: bool,
}

impl ExecutorError {
    /// A failure that may pass (the cluster is unreachable, say): the event is redelivered.
    pub fn retryable(job: &ProwJob, reason: impl std::fmt::Display) -> ExecutorError {
        ExecutorError {
            job: job.name().to_string(),
            reason: reason.to_string(),
            terminal: false,
        }
    }

    pub fn terminal(job: &ProwJob, reason: impl std::fmt::Display) -> ExecutorError {
        ExecutorError {
            terminal: true,
            ..ExecutorError::retryable(job, reason)
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

/// Where jobs run: pods in a build cluster, or local processes.
pub trait Executor: Send + Sync {
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
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Executor(#[from] ExecutorError),
}

/// What a reconciliation did.
#[derive(Clone, Debug, PartialEq)]
pub struct Reconciled {
    pub job: ProwJob,
    pub pod: PodAction,
    pub status_written: bool,
    pub requeue_after: Option<std::time::Duration>,
}

/// Reconciles the job `name` once. A [`StoreError::Conflict`] means the job changed meanwhile;
/// [`reconcile_until_settled`] retries from a fresh read.
pub async fn reconcile(
    store: &dyn JobStore,
    executor: &dyn Executor,
    name: &str,
    now: Timestamp,
    limits: &PlankSettings,
    capacity: Capacity,
    new_build_id: &str,
) -> Result<Reconciled, ReconcileError> {
    let job = store.get(name).await?;
    let mut decided = match act(executor, &job, now, limits, capacity, new_build_id).await {
        // Nothing can be done about it for a job that is finished anyway.
        Err(error) if error.terminal && job.complete() => Plan::nothing(),
        Err(error) if error.terminal => {
            let mut status = job.status.clone();
            status.state = Some(ProwJobState::Error);
            status.description = format!("Terminal error: {}.", error.reason);
            status.completion_time = Some(Time(now));
            Plan {
                pod: PodAction::None,
                status: Some(status),
                requeue_after: None,
            }
        }
        other => other?,
    };
    if decided.status.as_ref() == Some(&job.status) {
        decided.status = None;
    }
    let (job, written) = match decided.status {
        Some(status) => {
            let mut updated = job;
            updated.status = status;
            (store.update(&updated).await?, true)
        }
        None => (job, false),
    };
    Ok(Reconciled {
        job,
        pod: decided.pod,
        status_written: written,
        requeue_after: decided.requeue_after,
    })
}

/// Plans and acts on the pod; the plan is returned once the pod action succeeded.
async fn act(
    executor: &dyn Executor,
    job: &ProwJob,
    now: Timestamp,
    limits: &PlankSettings,
    capacity: Capacity,
    new_build_id: &str,
) -> Result<Plan, ExecutorError> {
    let observed = executor.observe(job).await?;
    let decided = plan(job, observed.as_ref(), now, limits, capacity, new_build_id);
    match decided.pod {
        PodAction::Start => {
            let build_id = decided
                .status
                .as_ref()
                .map_or(new_build_id, |s| s.build_id.as_str());
            executor.start(job, build_id).await?;
        }
        PodAction::Delete => executor.stop(job).await?,
        PodAction::None => {}
    }
    Ok(decided)
}

/// [`reconcile`], retried from a fresh read while the status write conflicts (at most 5 times),
/// so a concurrent change is never overwritten and the reconciliation is not lost.
pub async fn reconcile_until_settled(
    store: &dyn JobStore,
    executor: &dyn Executor,
    name: &str,
    now: Timestamp,
    limits: &PlankSettings,
    capacity: Capacity,
    new_build_id: &str,
) -> Result<Reconciled, ReconcileError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match reconcile(store, executor, name, now, limits, capacity, new_build_id).await {
            Err(ReconcileError::Store(StoreError::Conflict(_))) if attempt < 5 => continue,
            other => return other,
        }
    }
}
