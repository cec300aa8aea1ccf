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
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use k8s_openapi::jiff::Timestamp;
use metrics::ControllerMetrics;
use prow_api::downward::JobSpec;
use prow_api::store::JobStore;
use prow_api::{ProwJob, ProwJobState};
use prow_plank::reconcile::{Executor, reconcile_until_settled};
use prow_plank::url::JobUrls;
use prow_plank::{Capacity, PlankSettings};
use prow_podutils::storage::{ArtifactStore, RunUpload};
use prow_runtime::cloudevents::{CloudEvent, PING_EVENT_TYPE};
use prow_runtime::locks::KeyedLocks;
use prow_runtime::{ConfigHandle, FunctionContext};
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
pub fn target(event: &CloudEvent) -> Result<Target, String> {
    if event.event_type == PING_EVENT_TYPE {
        return Ok(Target::Resync);
    }
    let Some(object) = event.apiserver_object()? else {
        return Ok(Target::Ignore(format!("event type {}", event.event_type)));
    };
    let name = object.name.as_str();
    match object.kind.as_str() {
        "ProwJob" if !name.is_empty() => Ok(Target::Job(name.to_string())),
        // A job's pod is named after it; its `prow.k8s.io/id` label says so explicitly.
        "Pod" => {
            let job = object.label("prow.k8s.io/id").unwrap_or(name);
            if job.is_empty() {
                return Err("a Pod event without a name".into());
            }
            if object.action == "delete"
                || object.label("created-by-prow") == Some("true")
                || object.object["metadata"].is_null()
            {
                Ok(Target::Job(job.to_string()))
            } else {
                Ok(Target::Ignore(format!("pod {name} is not a job's")))
            }
        }
        kind => Ok(Target::Ignore(format!("{kind} {name}"))),
    }
}

impl Controller {
    pub fn new(
        store: Arc<dyn JobStore>,
        executor: Arc<dyn Executor>,
        config: ConfigHandle,
        metrics: &prow_runtime::Metrics,
    ) -> Controller {
        Controller::with_artifacts(store, executor, None, config, metrics)
    }

    /// A controller that also uploads each finished decorated job's `prowjob.json` to
    /// `artifacts` (the bucket of the jobs' `gcs_configuration`).
    pub fn with_artifacts(
        store: Arc<dyn JobStore>,
        executor: Arc<dyn Executor>,
        artifacts: Option<Arc<dyn ArtifactStore>>,
        config: ConfigHandle,
        metrics: &prow_runtime::Metrics,
    ) -> Controller {
        Controller(Arc::new(Inner {
            store,
            executor,
            artifacts,
            config,
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
    async fn capacity(&self, job: &ProwJob) -> Result<Capacity, prow_api::store::StoreError> {
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
    pub async fn reconcile_job(&self, name: &str) -> Result<(), String> {
        let _reconciling = self.0.jobs.lock(name).await;
        let job = match self.0.store.get(name).await {
            Ok(job) => job,
            Err(prow_api::store::StoreError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e.to_string()),
        };
        let capacity = self.capacity(&job).await.map_err(|e| e.to_string())?;
        let now = Timestamp::now();
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
        .await
        .map_err(|e| e.to_string())?;
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
        if let Err(error) = RunUpload::new(store, gcs, &spec).prowjob(job).await {
            tracing::warn!(prowjob = job.name(), %error, "uploading prowjob.json failed");
        }
    }

    /// Every job not yet finished, and the `prowjobs` gauge.
    pub async fn resync(&self) -> Result<(), String> {
        let jobs = self.0.store.list("").await.map_err(|e| e.to_string())?;
        self.0.metrics.count(&jobs);
        let mut errors = Vec::new();
        for job in jobs
            .iter()
            .filter(|j| !j.complete() || j.status.state == Some(ProwJobState::Aborted))
        {
            if let Err(error) = self.reconcile_job(job.name()).await {
                errors.push(format!("{}: {error}", job.name()));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

async fn receive(
    State(controller): State<Controller>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let event = match CloudEvent::from_http(&headers, body) {
        Ok(event) => event,
        Err(error) => return (StatusCode::BAD_REQUEST, error.to_string()),
    };
    let result = match target(&event) {
        Ok(Target::Job(name)) => controller.reconcile_job(&name).await,
        Ok(Target::Resync) => controller.resync().await,
        Ok(Target::Ignore(what)) => return (StatusCode::OK, format!("ignored: {what}")),
        Err(error) => return (StatusCode::BAD_REQUEST, error),
    };
    match result {
        Ok(()) => (StatusCode::OK, "reconciled".into()),
        Err(error) => {
            tracing::error!(event_id = %event.id, error = %error, "reconcile failed; the event will be redelivered");
            (StatusCode::INTERNAL_SERVER_ERROR, "reconcile failed".into())
        }
    }
}

/// The function as deployed: ProwJobs in `prowjob_namespace` of the cluster the function runs in
/// (or the current context of `$KUBECONFIG`); pods in `pod_namespace` of the build cluster each
/// job names, from `--kubeconfig` / `--kubeconfig-dir` (without them, the same cluster as the
/// ProwJobs, alias `default`). No API call is made until an event arrives.
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    let config = context.config.current();
    let sources = prow_kube::clusters::KubeconfigSources {
        kubeconfig: context.args.kubeconfig.clone(),
        kubeconfig_dir: context.args.kubeconfig_dir.clone(),
        kubeconfig_suffix: context.args.kubeconfig_suffix.clone(),
    };
    let (client, executor) = prow_runtime::block_on_at_startup(prow_kube::clusters::connect(
        &sources,
        &config.prow.pod_namespace,
    ))??;
    let store = Arc::new(prow_kube::KubeJobStore::new(
        client,
        &config.prow.prowjob_namespace,
    ));
    Ok(Controller::new(
        store,
        Arc::new(executor),
        context.config.clone(),
        &context.metrics,
    )
    .router())
}
