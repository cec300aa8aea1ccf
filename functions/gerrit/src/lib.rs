//! The Gerrit adapter (upstream `cmd/gerrit`) as a function woken by a ping (a PingSource at
//! `gerrit.tick_interval`): each ping syncs every project of `gerrit:` once
//! ([`prow_gerrit::sync`]); where each project was left is kept in a bucket
//! (`--last-sync-fallback`), so the function holds nothing between pings and any instance may
//! take the next one. `prow local` runs the same router on its ticks.

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use prow_ports::artifacts::ArtifactStore;
use prow_ports::clock::Clock;
use prow_ports::gerrit::GerritClient;
use prow_ports::store::JobStore;
use prow_runtime::{ConfigHandle, FunctionContext};
use std::sync::Arc;

#[derive(Clone)]
struct Adapter {
    gerrit: Arc<dyn GerritClient>,
    jobs: Arc<dyn JobStore>,
    state: Arc<dyn ArtifactStore>,
    config: ConfigHandle,
    clock: Arc<dyn Clock>,
}

/// The route a ping wakes: one sync; 5xx when it failed, so the ping is delivered again.
pub fn router(
    gerrit: Arc<dyn GerritClient>,
    jobs: Arc<dyn JobStore>,
    state: Arc<dyn ArtifactStore>,
    config: ConfigHandle,
    clock: Arc<dyn Clock>,
) -> Router {
    Router::new().route("/", post(sync)).with_state(Adapter {
        gerrit,
        jobs,
        state,
        config,
        clock,
    })
}

async fn sync(State(adapter): State<Adapter>) -> (StatusCode, String) {
    let ports = prow_gerrit::sync::Ports {
        gerrit: adapter.gerrit.as_ref(),
        jobs: adapter.jobs.as_ref(),
        state: adapter.state.as_ref(),
    };
    let config = adapter.config.current();
    match prow_gerrit::sync::sync(&ports, &config, adapter.clock.now()).await {
        Ok(synced) => {
            if !synced.created.is_empty() {
                tracing::info!(changes = synced.changes, created = ?synced.created, "Gerrit sync");
            }
            (
                StatusCode::OK,
                format!("{} jobs created", synced.created.len()),
            )
        }
        Err(error) => {
            tracing::warn!(%error, "Gerrit sync failed");
            (StatusCode::SERVICE_UNAVAILABLE, error.to_string())
        }
    }
}

/// The function as deployed: Gerrit with `--cookiefile`'s credentials (anonymous without),
/// ProwJobs in `prowjob_namespace`, the last sync in `--last-sync-fallback`.
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    let args = &context.args;
    let uri = args
        .last_sync_fallback
        .as_deref()
        .context("--last-sync-fallback is required: where each project's last sync is kept")?;
    let state = prow_runtime::block_on_at_startup(prow_artifacts::open_uri(
        uri,
        args.s3_credentials_file.as_deref(),
    ))?
    .with_context(|| format!("--last-sync-fallback {uri}"))?;
    let gerrit = match &args.cookiefile {
        Some(path) => prow_gerrit_http::HttpGerrit::from_file(path)?,
        None => prow_gerrit_http::HttpGerrit::new(None)?,
    };
    Ok(router(
        Arc::new(gerrit),
        context.job_store()?,
        Arc::from(state),
        context.config.clone(),
        context.clock.clone(),
    ))
}
