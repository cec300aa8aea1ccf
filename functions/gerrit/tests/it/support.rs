//! What gerrit's tests share: its router on a job store and a bucket in a folder of the test's.

use prow_artifacts::DirectoryArtifactStore;
use prow_local::EmbeddedJobStore;
use prow_ports::artifacts::ArtifactStore;
use std::sync::Arc;

/// gerrit's router under the configuration `config_yaml` (loaded strictly), its jobs and its
/// bucket under `state`.
pub(crate) fn gerrit_router(
    config_yaml: &str,
    state: &std::path::Path,
) -> (
    axum::Router,
    Arc<EmbeddedJobStore>,
    Arc<DirectoryArtifactStore>,
) {
    let config = prow_config::load_sources(
        &prow_config::Sources {
            config: prow_config::Source::new("config.yaml", config_yaml),
            job_files: Vec::new(),
            plugins: None,
        },
        prow_config::LoadOptions { strict: true },
    )
    .unwrap()
    .config;
    let jobs = Arc::new(EmbeddedJobStore::open(state.join("jobs")).unwrap());
    let bucket = Arc::new(DirectoryArtifactStore::new(state.join("bucket")));
    let router = gerrit::router(
        Arc::new(prow_gerrit_http::HttpGerrit::new(None).unwrap()),
        jobs.clone(),
        bucket.clone(),
        prow_runtime::ConfigHandle::new(config),
        prow_ports::clock::SystemClock::shared(),
    );
    (router, jobs, bucket)
}

/// What the last sync left in `bucket`, if any.
pub(crate) async fn last_sync(bucket: &DirectoryArtifactStore) -> Option<Vec<u8>> {
    bucket.get(prow_gerrit::sync::LAST_SYNC_KEY).await.unwrap()
}
