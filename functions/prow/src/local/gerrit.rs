//! The Gerrit adapter in `prow local`: each ping syncs every project of `gerrit:` (upstream's
//! `cmd/gerrit`, one tick), with the last-sync map kept in the local bucket so a restart picks
//! up where the last sync left off.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use prow_ports::artifacts::ArtifactStore;
use prow_ports::clock::Clock;
use prow_ports::gerrit::GerritClient;
use prow_ports::store::JobStore;
use prow_runtime::ConfigHandle;
use std::sync::Arc;

#[derive(Clone)]
struct Adapter {
    gerrit: Arc<dyn GerritClient>,
    jobs: Arc<dyn JobStore>,
    state: Arc<dyn ArtifactStore>,
    config: ConfigHandle,
    clock: Arc<dyn Clock>,
}

/// The route a ping wakes: one sync; 5xx when it failed, so it is tried again.
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
