//! The `sinker` function (upstream: sinker). A cron ping wakes it; it removes old finished
//! ProwJobs and old or orphaned job pods ([`prow_sinker`] decides which), reading the job store in
//! pages so memory stays bounded however many jobs there are, and goes back to zero. Removing is
//! idempotent: a second ping finds nothing more to do.
//!
//! Metrics have upstream's names: `sinker_prow_jobs_cleaned{reason}`,
//! `sinker_pods_removed{reason}`, `sinker_prow_jobs_existing`, `sinker_pods_existing`,
//! `sinker_loop_duration_seconds` (gauges set each run), and the error gauges.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prow_ports::clock::Clock;
use prow_ports::executor::Executor;
use prow_ports::store::{JobStore, StoreError};
use prow_runtime::{ConfigHandle, FunctionContext, Outcome};
use prow_sinker::{SinkerSettings, job_verdict, pod_verdict};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Jobs read per page.
pub const PAGE_SIZE: usize = 500;

type ReasonGauge = Family<Vec<(String, String)>, Gauge>;

#[derive(Clone)]
pub struct Sinker(Arc<Inner>);

struct Inner {
    store: Arc<dyn JobStore>,
    executor: Arc<dyn Executor>,
    config: ConfigHandle,
    clock: Arc<dyn Clock>,
    metrics: SinkerMetrics,
}

#[derive(Default)]
struct SinkerMetrics {
    jobs_cleaned: ReasonGauge,
    job_errors: ReasonGauge,
    pods_removed: ReasonGauge,
    pod_errors: ReasonGauge,
    jobs_existing: Gauge,
    pods_existing: Gauge,
    duration: Gauge<f64, std::sync::atomic::AtomicU64>,
}

/// What one run removed, by reason.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub jobs: BTreeMap<&'static str, usize>,
    pub pods: BTreeMap<&'static str, usize>,
    pub jobs_seen: usize,
    pub pods_seen: usize,
    pub errors: Vec<String>,
}

fn reason(value: &str) -> Vec<(String, String)> {
    vec![("reason".to_string(), value.to_string())]
}

impl Sinker {
    pub fn new(
        store: Arc<dyn JobStore>,
        executor: Arc<dyn Executor>,
        config: ConfigHandle,
        clock: Arc<dyn Clock>,
        registry: &prow_runtime::Metrics,
    ) -> Sinker {
        let metrics = SinkerMetrics::default();
        registry.register(
            "sinker_prow_jobs_cleaned",
            "ProwJobs removed in the last run, by reason",
            metrics.jobs_cleaned.clone(),
        );
        registry.register(
            "sinker_prow_jobs_cleaning_errors",
            "ProwJobs that could not be removed in the last run",
            metrics.job_errors.clone(),
        );
        registry.register(
            "sinker_pods_removed",
            "Job pods removed in the last run, by reason",
            metrics.pods_removed.clone(),
        );
        registry.register(
            "sinker_pod_removal_errors",
            "Job pods that could not be removed in the last run",
            metrics.pod_errors.clone(),
        );
        registry.register(
            "sinker_prow_jobs_existing",
            "ProwJobs seen in the last run",
            metrics.jobs_existing.clone(),
        );
        registry.register(
            "sinker_pods_existing",
            "Job pods seen in the last run",
            metrics.pods_existing.clone(),
        );
        registry.register(
            "sinker_loop_duration_seconds",
            "How long the last run took",
            metrics.duration.clone(),
        );
        Sinker(Arc::new(Inner {
            store,
            executor,
            config,
            clock,
            metrics,
        }))
    }

    pub fn router(self) -> Router {
        Router::new().route("/", post(ping)).with_state(self)
    }

    /// The newest run of each periodic, read a page at a time.
    async fn latest_periodics(
        &self,
    ) -> Result<HashMap<String, prow_horologium::LastRun>, StoreError> {
        let selector = format!(
            "{}={}",
            prow_api::labels::PROW_JOB_TYPE,
            prow_api::ProwJobType::Periodic.as_str()
        );
        let mut latest: HashMap<String, prow_horologium::LastRun> = HashMap::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .0
                .store
                .list_page(&selector, PAGE_SIZE, token.as_deref())
                .await?;
            let newest = prow_horologium::latest_runs(&page.jobs);
            for (job, run) in newest {
                let replace = latest
                    .get(&job)
                    .is_none_or(|seen| (seen.started_ms, &seen.name) < (run.started_ms, &run.name));
                if replace {
                    latest.insert(job, run);
                }
            }
            match page.continue_from {
                Some(next) => token = Some(next),
                None => return Ok(latest),
            }
        }
    }

    /// One garbage collection.
    pub async fn sweep(&self) -> Result<Swept, StoreError> {
        let began = std::time::Instant::now();
        let now = self.0.clock.now();
        let config = self.0.config.current();
        let settings = SinkerSettings::from_config(&config.prow.sinker);
        let active: HashSet<&str> = config.jobs.periodics.iter().map(|p| p.name()).collect();
        let latest = self.latest_periodics().await?;
        let mut swept = Swept::default();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .0
                .store
                .list_page("", PAGE_SIZE, token.as_deref())
                .await?;
            swept.jobs_seen += page.jobs.len();
            for job in &page.jobs {
                let Some(why) = job_verdict(job, now, &settings, &latest, &active) else {
                    continue;
                };
                match self.0.store.delete(job.name()).await {
                    Ok(()) | Err(StoreError::NotFound(_)) => {
                        tracing::info!(prowjob = job.name(), job = %job.spec.job, reason = why.as_str(), "ProwJob removed");
                        *swept.jobs.entry(why.as_str()).or_default() += 1;
                    }
                    Err(error) => swept.errors.push(format!("{}: {error}", job.name())),
                }
            }
            match page.continue_from {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        let job_errors = swept.errors.len();
        match self.0.executor.workloads().await {
            Ok(pods) => {
                swept.pods_seen = pods.len();
                for pod in pods
                    .iter()
                    .filter(|p| !settings.exclude_clusters.contains(&p.cluster))
                {
                    let job = match self.0.store.get(&pod.job).await {
                        Ok(job) => Some(job),
                        Err(StoreError::NotFound(_)) => None,
                        Err(error) => {
                            swept.errors.push(format!("reading {}: {error}", pod.job));
                            continue;
                        }
                    };
                    let Some(why) = pod_verdict(pod, job.as_ref(), now, &settings) else {
                        continue;
                    };
                    match self.0.executor.remove(pod).await {
                        Ok(()) => {
                            tracing::info!(pod = %pod.name, cluster = %pod.cluster, reason = why.as_str(), "job pod removed");
                            *swept.pods.entry(why.as_str()).or_default() += 1;
                        }
                        Err(error) => swept.errors.push(error.to_string()),
                    }
                }
            }
            Err(error) => swept.errors.push(error.to_string()),
        }
        let metrics = &self.0.metrics;
        for (why, count) in &swept.jobs {
            metrics
                .jobs_cleaned
                .get_or_create(&reason(why))
                .set(*count as i64);
        }
        for (why, count) in &swept.pods {
            metrics
                .pods_removed
                .get_or_create(&reason(why))
                .set(*count as i64);
        }
        metrics
            .job_errors
            .get_or_create(&reason("error"))
            .set(job_errors as i64);
        metrics
            .pod_errors
            .get_or_create(&reason("error"))
            .set((swept.errors.len() - job_errors) as i64);
        metrics.jobs_existing.set(swept.jobs_seen as i64);
        metrics.pods_existing.set(swept.pods_seen as i64);
        metrics.duration.set(began.elapsed().as_secs_f64());
        Ok(swept)
    }
}

async fn ping(State(sinker): State<Sinker>) -> Outcome {
    match sinker.sweep().await {
        Ok(swept) if swept.errors.is_empty() => Outcome::done(format!(
            "removed {:?} ProwJobs and {:?} pods",
            swept.jobs, swept.pods
        )),
        Ok(swept) => Outcome::retry(
            "removals_failed",
            format!(
                "{} removals failed; the next ping retries: {:?}",
                swept.errors.len(),
                swept.errors
            ),
        ),
        Err(error) => Outcome::retry(prow_ports::Failure::kind(&error), error.to_string()),
    }
}

/// The function as deployed: ProwJobs in `prowjob_namespace` here; pods in every build cluster
/// from `--kubeconfig` / `--kubeconfig-dir` (without them, this cluster).
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    let (store, clusters) = context.job_store_and_build_clusters()?;
    Ok(Sinker::new(
        store,
        clusters,
        context.config.clone(),
        context.clock.clone(),
        &context.metrics,
    )
    .router())
}
