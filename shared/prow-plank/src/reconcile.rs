//! One reconciliation: read the job and its pod, [`plan`](crate::plan), act on the pod, write the
//! status. Generic over the job store and executor ports; the controller function runs it for the
//! job an event names.

use crate::{Capacity, Plan, PlankSettings, PodAction, plan};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use prow_api::{ProwJob, ProwJobState};
use prow_ports::executor::{Executor, ExecutorError};
use prow_ports::store::{JobStore, StoreError};

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
    if decided.pod == PodAction::Start
        && let Some(hold) = executor.hold(job)
    {
        return Ok(held(job, hold));
    }
    match decided.pod {
        PodAction::Start => {
            let build_id = decided
                .status
                .as_ref()
                .map_or(new_build_id, |s| s.build_id.as_str());
            match executor.start(job, build_id).await {
                Err(ExecutorError {
                    held: Some(hold), ..
                }) => return Ok(held(job, hold)),
                other => other?,
            }
        }
        PodAction::Delete => executor.stop(job).await?,
        PodAction::None => {}
    }
    Ok(decided)
}

/// A job the executor holds back: not started, it stays as it is, saying why (the executor logs
/// it).
fn held(job: &ProwJob, hold: prow_ports::executor::Hold) -> Plan {
    let mut status = job.status.clone();
    status.description = hold.reason;
    Plan {
        pod: PodAction::None,
        status: Some(status),
        requeue_after: hold.retry_after,
    }
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
