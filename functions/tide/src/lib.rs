//! The `tide` function (upstream: tide). A cron ping (Knative PingSource) wakes it; it runs one
//! sync ([`prow_tide::sync::sync`]): the pull requests tide's queries admit, pool by pool, each
//! merged, tested in a batch, retested or left waiting as upstream's tide decides, and every
//! pull request's `tide` context set where it changed. It keeps nothing between pings; a lease
//! per pool keeps two overlapping syncs (a slow one and the next ping, or two instances) from
//! acting on the same pool.
//!
//! Boundary: this crate wires the ports and answers the ping; the decisions are `prow-tide`'s.

use anyhow::Context as _;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use prometheus_client::metrics::counter::Counter;
use prow_ports::artifacts::ArtifactStore;
use prow_ports::clock::Clock;
use prow_ports::github::GitHubClient;
use prow_ports::lease::Leases;
use prow_ports::store::JobStore;
use prow_runtime::{ConfigHandle, FunctionContext, Outcome};
use prow_tide::sync::{Ports, Report, SyncError, sync};
use std::sync::Arc;

/// What tide acts through.
pub struct TideOptions {
    pub github: Arc<dyn GitHubClient>,
    pub jobs: Arc<dyn JobStore>,
    pub leases: Arc<dyn Leases>,
    pub clock: Arc<dyn Clock>,
    /// Who this instance is, for the pools' leases.
    pub holder: String,
    /// The bucket the pools and their history are kept in for deck; none keeps nothing.
    pub records: Option<Arc<dyn ArtifactStore>>,
}

#[derive(Clone)]
pub struct Tide(Arc<Inner>);

struct Inner {
    options: TideOptions,
    config: ConfigHandle,
    merged: Counter,
    started: Counter,
}

impl Tide {
    pub fn new(
        options: TideOptions,
        config: ConfigHandle,
        metrics: &prow_runtime::Metrics,
    ) -> Tide {
        let merged = Counter::default();
        metrics.register("tide_merges", "Pull requests tide merged", merged.clone());
        let started = Counter::default();
        metrics.register(
            "tide_started_jobs",
            "ProwJobs tide started (serial retests and batches)",
            started.clone(),
        );
        Tide(Arc::new(Inner {
            options,
            config,
            merged,
            started,
        }))
    }

    /// `POST /` is the ping; `GET /` the pools and `GET /history` their history, in upstream's
    /// JSON (what deck serves as `/tide.js` and `/tide-history.js`).
    pub fn router(self) -> Router {
        Router::new()
            .route("/", post(ping).get(pools))
            .route("/history", get(history))
            .with_state(self)
    }

    /// One sync now.
    pub async fn sync(&self) -> Result<Report, SyncError> {
        let options = &self.0.options;
        let config = self.0.config.current();
        let ports = Ports {
            github: options.github.as_ref(),
            jobs: options.jobs.as_ref(),
            leases: options.leases.as_ref(),
            records: options.records.as_deref(),
        };
        let report = sync(&ports, &config, options.clock.now(), &options.holder).await?;
        self.0.merged.inc_by(report.merged.len() as u64);
        self.0.started.inc_by(report.started.len() as u64);
        Ok(report)
    }
}

async fn ping(State(tide): State<Tide>) -> Outcome {
    match tide.sync().await {
        Ok(report) => Outcome::done(format!(
            "{} pool(s) synced, {} held by another run; merged {:?}; started {} job(s); {} status(es) written",
            report.pools.len(),
            report.skipped.len(),
            report.merged,
            report.started.len(),
            report.statuses_written
        )),
        Err(error) => Outcome::failed("syncing", &error),
    }
}

const NO_BUCKET: &str = "tide keeps no pools here: no bucket is configured for them";

fn answer<T: serde::Serialize>(read: Result<T, prow_tide::record::RecordError>) -> Response {
    match read {
        Ok(value) => Json(value).into_response(),
        Err(error) => {
            tracing::error!(%error, "reading tide's records");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "tide's records cannot be read now",
            )
                .into_response()
        }
    }
}

async fn pools(State(tide): State<Tide>) -> Response {
    match tide.0.options.records.as_deref() {
        Some(bucket) => answer(prow_tide::record::pools(bucket).await),
        None => (StatusCode::NOT_FOUND, NO_BUCKET).into_response(),
    }
}

async fn history(State(tide): State<Tide>) -> Response {
    match tide.0.options.records.as_deref() {
        Some(bucket) => answer(prow_tide::record::history(bucket).await),
        None => (StatusCode::NOT_FOUND, NO_BUCKET).into_response(),
    }
}

/// The function as deployed: GitHub from its flags, ProwJobs in the cluster it runs in.
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    let github = context.github()?.ok_or_else(|| {
        anyhow::anyhow!("tide needs GitHub credentials (--github-token-path or --github-app-id)")
    })?;
    let holder = std::env::var("HOSTNAME").unwrap_or_else(|_| "tide".to_string());
    let args = &context.args.tide;
    let records: Option<Arc<dyn ArtifactStore>> = match &args.history_uri {
        None => None,
        Some(uri) => {
            let store = prow_runtime::block_on_at_startup(prow_artifacts::open_uri(
                uri,
                context.args.s3_credentials_file.as_deref(),
            ))?
            .with_context(|| format!("--history-uri {uri}"))?;
            Some(Arc::from(store))
        }
    };
    Ok(Tide::new(
        TideOptions {
            github: Arc::new(github),
            jobs: context.job_store()?,
            leases: context.leases()?,
            clock: context.clock.clone(),
            holder,
            records,
        },
        context.config.clone(),
        &context.metrics,
    )
    .router())
}
