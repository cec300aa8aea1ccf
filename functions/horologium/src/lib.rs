//! The `horologium` function (upstream: horologium). A cron ping (Knative PingSource, every
//! minute) wakes it; it reads the newest run of each periodic, starts the ones that are due
//! ([`prow_horologium::due`]) and goes back to zero. Runs are named after the schedule slot they
//! fill, so duplicate pings, retries and concurrent instances start each run once.
//!
//! Boundary: this crate reads the job store and the clock and creates ProwJobs; the decisions are
//! `prow-horologium`'s.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use prometheus_client::metrics::counter::Counter;
use prow_ports::clock::Clock;
use prow_ports::store::{JobStore, StoreError};
use prow_runtime::{ConfigHandle, FunctionContext, Outcome};
use std::sync::Arc;

#[derive(Clone)]
pub struct Horologium(Arc<Inner>);

struct Inner {
    store: Arc<dyn JobStore>,
    config: ConfigHandle,
    clock: Arc<dyn Clock>,
    started: Counter,
    /// Which periodics start (all when `None`): local mode starts only those asked for.
    only: Option<PeriodicFilter>,
}

/// Says, by name, whether a periodic is started.
pub type PeriodicFilter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// What one sync did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Synced {
    /// ProwJobs created now.
    pub created: Vec<String>,
    /// Due runs another ping had already created.
    pub existing: usize,
}

impl Horologium {
    pub fn new(
        store: Arc<dyn JobStore>,
        config: ConfigHandle,
        clock: Arc<dyn Clock>,
        metrics: &prow_runtime::Metrics,
    ) -> Horologium {
        let started = Counter::default();
        metrics.register(
            "horologium_periodic_runs_started",
            "Periodic job runs horologium started",
            started.clone(),
        );
        Horologium(Arc::new(Inner {
            store,
            config,
            clock,
            started,
            only: None,
        }))
    }

    /// Starts only the periodics `filter` accepts (local mode's `--periodics` and `--jobs`).
    pub fn starting_only(self, filter: PeriodicFilter) -> Horologium {
        let inner = &self.0;
        Horologium(Arc::new(Inner {
            store: inner.store.clone(),
            config: inner.config.clone(),
            clock: inner.clock.clone(),
            started: inner.started.clone(),
            only: Some(filter),
        }))
    }

    pub fn router(self) -> Router {
        Router::new().route("/", post(ping)).with_state(self)
    }

    /// Starts every periodic that is due now.
    pub async fn sync(&self) -> Result<Synced, StoreError> {
        let now = self.0.clock.now();
        let config = self.0.config.current();
        let runs = self
            .0
            .store
            .list(&format!(
                "{}={}",
                prow_api::labels::PROW_JOB_TYPE,
                prow_api::ProwJobType::Periodic.as_str()
            ))
            .await?;
        let latest = prow_horologium::latest_runs(&runs);
        drop(runs);
        let only = self.0.only.as_ref();
        let schedules = prow_horologium::Schedules::new(
            config
                .jobs
                .periodics
                .iter()
                .filter(|periodic| only.is_none_or(|only| only(periodic.name()))),
        );
        let due = schedules.due(&latest, now);
        for problem in &schedules.unschedulable {
            tracing::error!(job = %problem.job, reason = %problem.reason, "periodic cannot be scheduled");
        }
        let mut synced = Synced::default();
        for run in due {
            let job = prow_trigger::jobs::periodic(run.periodic, &run.trigger_id(), now);
            match self.0.store.create(&job).await {
                Ok(_) => {
                    self.0.started.inc();
                    tracing::info!(job = %job.spec.job, prowjob = job.name(), slot = %run.slot, "periodic run started");
                    synced.created.push(job.name().to_string());
                }
                Err(StoreError::AlreadyExists(_)) => synced.existing += 1,
                Err(error) => return Err(error),
            }
        }
        Ok(synced)
    }
}

async fn ping(State(horologium): State<Horologium>) -> Outcome {
    match horologium.sync().await {
        Ok(synced) => Outcome::done(format!(
            "started {} periodic run(s); {} already started",
            synced.created.len(),
            synced.existing
        )),
        // Whatever the store said, the next ping tries again.
        Err(error) => Outcome::retry(prow_ports::Failure::kind(&error), error.to_string()),
    }
}

/// The function as deployed: ProwJobs in `prowjob_namespace` of the cluster it runs in.
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    Ok(Horologium::new(
        context.job_store()?,
        context.config.clone(),
        context.clock.clone(),
        &context.metrics,
    )
    .router())
}
