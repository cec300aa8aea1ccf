//! One reconciliation: read the job and its pod, [`plan`](crate::plan), act on the pod, write the
//! status. Generic over the job store and executor ports; the controller function runs it for the
//! job an event names.

use crate::{Capacity, PlankSettings, PodAction, PodObservation, plan};
use k8s_openapi::jiff::Timestamp;
use prow_api::ProwJob;
use prow_api::store::{JobStore, StoreError};
use std::future::Future;
use std::pin::Pin;

pub type ExecutorFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, ExecutorError>> + Send + 'a>>;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the executor failed for {job}: {reason}")]
pub struct ExecutorError {
    pub job: String,
    pub reason: String,
}

/// Where jobs run: pods in a build cluster, or local processes.
pub trait Executor: Send + Sync {
    /// The job's pod, if there is one.
    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<PodObservation>>;
    /// Starts the job's pod (an existing one is kept).
    fn start<'a>(&'a self, job: &'a ProwJob, build_id: &'a str) -> ExecutorFuture<'a, ()>;
    /// Stops and removes the job's pod (a missing one is fine).
    fn stop<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, ()>;
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
    let observed = executor.observe(&job).await?;
    let decided = plan(&job, observed.as_ref(), now, limits, capacity, new_build_id);
    match decided.pod {
        PodAction::Start => {
            let build_id = decided
                .status
                .as_ref()
                .map_or(new_build_id, |s| s.build_id.as_str());
            executor.start(&job, build_id).await?;
        }
        PodAction::Delete => executor.stop(&job).await?,
        PodAction::None => {}
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
