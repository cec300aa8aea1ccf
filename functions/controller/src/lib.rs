//! The `controller` function (upstream: plank in prow-controller-manager). Woken by CloudEvents:
//! Knative ApiServerSource events for ProwJobs and Pods (Resource or Reference mode) name the job
//! to reconcile; a PingSource resync reconciles every job not yet finished. Each reconciliation is
//! [`prow_plank::reconcile`] over the job store and executor; the answer is 2xx only once it is
//! done, so a failure is redelivered.
//!
//! Boundary: this crate translates events to job names and wires adapters; decisions are
//! `prow-plank`'s.

mod metrics;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use k8s_openapi::jiff::Timestamp;
use metrics::ControllerMetrics;
use prow_api::downward::{JobSpec, StoragePaths, content_type, files};
use prow_api::{ProwJob, ProwJobState};
use prow_plank::reconcile::{ReconcileError, reconcile_until_settled};
use prow_plank::url::JobUrls;
use prow_plank::{Capacity, PlankSettings};
use prow_ports::Failure;
use prow_ports::artifacts::ArtifactStore;
use prow_ports::clock::Clock;
use prow_ports::events::{CloudEvent, EventError, ProwEvent, Wake};
use prow_ports::executor::Executor;
use prow_ports::store::{JobStore, StoreError};
use prow_runtime::cloudevents::ReceivedEvent;
use prow_runtime::locks::KeyedLocks;
use prow_runtime::{ConfigHandle, FunctionContext, Outcome};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone)]
pub struct Controller(Arc<Inner>);

struct Inner {
    store: Arc<dyn JobStore>,
    executor: Arc<dyn Executor>,
    /// Where a finished decorated job's `prowjob.json` goes (upstream: crier's blob reporter).
    artifacts: Option<Arc<dyn ArtifactStore>>,
    config: ConfigHandle,
    clock: Arc<dyn Clock>,
    metrics: ControllerMetrics,
    build_ids: BuildIds,
    /// One reconciliation per job at a time: concurrent events for a job (its ProwJob and its
    /// pod changing together) must not both start or revive its pod.
    jobs: KeyedLocks,
}

/// Build ids as upstream's snowflake-style ids: milliseconds since 2026-01-01, then a sequence,
/// so they sort by start time and never repeat within a process.
struct BuildIds {
    last: AtomicU64,
}

impl BuildIds {
    fn next(&self, now: Timestamp) -> String {
        const EPOCH_MS: i64 = 1_767_225_600_000;
        let millis = u64::try_from(now.as_millisecond() - EPOCH_MS).unwrap_or_default();
        let candidate = millis << 12;
        let id = self
            .last
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
                Some(candidate.max(last + 1))
            })
            .map_or(candidate, |last| candidate.max(last + 1));
        id.to_string()
    }
}

/// Which job an event is about.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    Job(String),
    Resync,
    Ignore(String),
}

/// Reads ApiServerSource and PingSource events.
pub fn target(event: &CloudEvent) -> Result<Target, EventError> {
    let object = match event.wake()? {
        Wake::Ping => return Ok(Target::Resync),
        Wake::Other(event_type) => return Ok(Target::Ignore(format!("event type {event_type}"))),
        Wake::Object(object) => object,
    };
    let name = object.name.as_str();
    match object.kind.as_str() {
        "ProwJob" if !name.is_empty() => Ok(Target::Job(name.to_string())),
        // A job's pod (or PipelineRun) is named after it; its `prow.k8s.io/id` label says so
        // explicitly.
        kind @ ("Pod" | "PipelineRun") => {
            let job = object.label("prow.k8s.io/id").unwrap_or(name);
            if job.is_empty() {
                return Err(EventError::Invalid(format!(
                    "a {kind} event without a name"
                )));
            }
            if object.action == "delete"
                || object.label("created-by-prow") == Some("true")
                || object.object["metadata"].is_null()
            {
                Ok(Target::Job(job.to_string()))
            } else {
                Ok(Target::Ignore(format!(
                    "{} {name} is not a job's",
                    kind.to_lowercase()
                )))
            }
        }
        kind => Ok(Target::Ignore(format!("{kind} {name}"))),
    }
}

/// What the controller is built from besides its configuration.
pub struct ControllerOptions {
    pub store: Arc<dyn JobStore>,
    pub executor: Arc<dyn Executor>,
    /// Where each finished decorated job's `prowjob.json` goes (the bucket of the jobs'
    /// `gcs_configuration`); none uploads nothing.
    pub artifacts: Option<Arc<dyn ArtifactStore>>,
    pub clock: Arc<dyn Clock>,
}

impl ControllerOptions {
    /// Jobs from `store` run by `executor`, nothing uploaded, on the machine's clock.
    pub fn new(store: Arc<dyn JobStore>, executor: Arc<dyn Executor>) -> ControllerOptions {
        ControllerOptions {
            store,
            executor,
            artifacts: None,
            clock: prow_ports::clock::SystemClock::shared(),
        }
    }
}

/// Why a job could not be reconciled now.
#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Reconcile(#[from] ReconcileError),
    #[error("{failed} of the jobs could not be reconciled; the first: {first}")]
    Resync {
        failed: usize,
        first: Box<ControllerError>,
    },
}

impl Failure for ControllerError {
    fn kind(&self) -> &'static str {
        match self {
            ControllerError::Store(error) => error.kind(),
            ControllerError::Reconcile(ReconcileError::Store(error)) => error.kind(),
            ControllerError::Reconcile(ReconcileError::Executor(error)) => error.kind(),
            ControllerError::Resync { first, .. } => first.kind(),
        }
    }

    fn retryable(&self) -> bool {
        match self {
            ControllerError::Store(error) => error.retryable(),
            ControllerError::Reconcile(ReconcileError::Store(error)) => error.retryable(),
            ControllerError::Reconcile(ReconcileError::Executor(error)) => error.retryable(),
            ControllerError::Resync { .. } => true,
        }
    }
}

impl Controller {
    pub fn new(
        options: ControllerOptions,
        config: ConfigHandle,
        metrics: &prow_runtime::Metrics,
    ) -> Controller {
        Controller(Arc::new(Inner {
            store: options.store,
            executor: options.executor,
            artifacts: options.artifacts,
            config,
            clock: options.clock,
            metrics: ControllerMetrics::register(metrics),
            build_ids: BuildIds {
                last: AtomicU64::new(0),
            },
            jobs: KeyedLocks::default(),
        }))
    }

    pub fn router(self) -> Router {
        Router::new().route("/", post(receive)).with_state(self)
    }

    fn limits(&self) -> PlankSettings {
        let config = self.0.config.current();
        let plank = &config.prow.plank;
        let defaults = PlankSettings::default();
        PlankSettings {
            pod_pending_timeout: plank
                .pod_pending_timeout
                .map_or(defaults.pod_pending_timeout, |d| d.as_std()),
            pod_running_timeout: plank
                .pod_running_timeout
                .map_or(defaults.pod_running_timeout, |d| d.as_std()),
            pod_unscheduled_timeout: plank
                .pod_unscheduled_timeout
                .map_or(defaults.pod_unscheduled_timeout, |d| d.as_std()),
            max_revivals: plank.max_revivals.unwrap_or(defaults.max_revivals),
            job_urls: JobUrls::from_config(plank),
        }
    }

    /// `plank.max_concurrency` across all jobs, the job's own `max_concurrency` across its runs,
    /// and `plank.job_queue_capacities` across the jobs of its `job_queue_name`: running
    /// (pending) jobs count against each.
    async fn capacity(&self, job: &ProwJob) -> Result<Capacity, StoreError> {
        if job.status.state != Some(ProwJobState::Triggered) {
            return Ok(Capacity::Available);
        }
        let config = self.0.config.current();
        let global = config.prow.plank.max_concurrency;
        let queue = (!job.spec.job_queue_name.is_empty())
            .then(|| {
                config
                    .prow
                    .plank
                    .job_queue_capacities
                    .get(&job.spec.job_queue_name)
            })
            .flatten()
            .copied()
            .filter(|c| *c >= 0);
        if global <= 0 && job.spec.max_concurrency <= 0 && queue.is_none() {
            return Ok(Capacity::Available);
        }
        let pending: Vec<ProwJob> = self
            .0
            .store
            .list("")
            .await?
            .into_iter()
            .filter(|j| j.status.state == Some(ProwJobState::Pending))
            .collect();
        let same_job = pending
            .iter()
            .filter(|j| j.spec.job == job.spec.job)
            .count();
        let same_queue = pending
            .iter()
            .filter(|j| j.spec.job_queue_name == job.spec.job_queue_name)
            .count();
        let full = (global > 0 && pending.len() as i64 >= global)
            || (job.spec.max_concurrency > 0 && same_job as i64 >= job.spec.max_concurrency)
            || queue.is_some_and(|capacity| same_queue as i64 >= capacity);
        Ok(if full {
            Capacity::Full
        } else {
            Capacity::Available
        })
    }

    /// Reconciles one job; a job that no longer exists is done.
    pub async fn reconcile_job(&self, name: &str) -> Result<(), ControllerError> {
        let _reconciling = self.0.jobs.lock(name).await;
        let job = match self.0.store.get(name).await {
            Ok(job) => job,
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let capacity = self.capacity(&job).await?;
        let now = self.0.clock.now();
        let before = job.status.state;
        let done = reconcile_until_settled(
            self.0.store.as_ref(),
            self.0.executor.as_ref(),
            name,
            now,
            &self.limits(),
            capacity,
            &self.0.build_ids.next(now),
        )
        .await?;
        let after = done.job.status.state;
        if !job.complete() && done.job.complete() {
            self.upload_prowjob(&done.job).await;
        }
        if before != after {
            self.0.metrics.transition(&done.job, after);
            tracing::info!(prowjob = name, job = %done.job.spec.job, from = ?before, to = ?after, "ProwJob state changed");
        }
        Ok(())
    }

    async fn upload_prowjob(&self, job: &ProwJob) {
        let (Some(store), Some(gcs)) = (
            self.0.artifacts.as_deref(),
            job.spec
                .decoration_config
                .as_ref()
                .and_then(|d| d.gcs_configuration.as_ref()),
        ) else {
            return;
        };
        let spec = JobSpec::for_job(job, &job.status.build_id);
        let key = StoragePaths::for_spec(gcs, &spec).run_file(files::PROWJOB);
        let body = serde_json::to_vec_pretty(job).unwrap_or_default();
        if let Err(error) = store.put(&key, body, content_type(files::PROWJOB)).await {
            tracing::warn!(prowjob = job.name(), %error, "uploading prowjob.json failed");
        }
    }

    /// Every job not yet finished, and the `prowjobs` gauge.
    pub async fn resync(&self) -> Result<(), ControllerError> {
        let jobs = self.0.store.list("").await?;
        self.0.metrics.count(&jobs);
        let mut errors = Vec::new();
        for job in jobs
            .iter()
            .filter(|j| !j.complete() || j.status.state == Some(ProwJobState::Aborted))
        {
            if let Err(error) = self.reconcile_job(job.name()).await {
                tracing::warn!(prowjob = job.name(), %error, "reconciling failed");
                errors.push(error);
            }
        }
        let failed = errors.len();
        match errors.into_iter().next() {
            None => Ok(()),
            Some(first) => Err(ControllerError::Resync {
                failed,
                first: Box::new(first),
            }),
        }
    }
}

async fn receive(
    State(controller): State<Controller>,
    ReceivedEvent(event): ReceivedEvent,
) -> Outcome {
    let result = match target(&event) {
        Ok(Target::Job(name)) => controller.reconcile_job(&name).await,
        Ok(Target::Resync) => controller.resync().await,
        Ok(Target::Ignore(what)) => return Outcome::done(format!("ignored: {what}")),
        Err(error) => return Outcome::refused(StatusCode::BAD_REQUEST, error.to_string()),
    };
    match result {
        Ok(()) => Outcome::done("reconciled"),
        Err(error) => Outcome::failed("reconciling", &error),
    }
}

/// The function as deployed: ProwJobs in `prowjob_namespace` of the cluster the function runs in
/// (or the current context of `$KUBECONFIG`); pods in `pod_namespace` of the build cluster each
/// job names, from `--kubeconfig` / `--kubeconfig-dir` (without them, the same cluster as the
/// ProwJobs, alias `default`). No API call is made until an event arrives.
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    let (store, clusters) = context.job_store_and_build_clusters()?;
    Ok(Controller::new(
        ControllerOptions {
            store,
            executor: clusters,
            artifacts: None,
            clock: context.clock.clone(),
        },
        context.config.clone(),
        &context.metrics,
    )
    .router())
}
