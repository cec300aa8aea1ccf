//! End-to-end tests live in `tests/`, load generators in `examples/`; this is what the load
//! generators share: `prow local` started in-process against a GitHub stand-in, and quantiles.

use prow::local::{LocalOptions, LocalSystem};
use prow_github_octocrab::OctocrabGitHub;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// `prow local` in this process, on a free loopback port, with `config`, GitHub at
/// `github_url` (the bot's token) and the webhook secret `secret`; its state under `state`.
pub async fn start_local(
    github_url: &str,
    config: prow_config::Config,
    state: &Path,
    secret: &[u8],
) -> anyhow::Result<LocalSystem> {
    start_local_with(Some(github_url), None, config, state, secret).await
}

/// [`start_local`] with GitHub only when `github_url` is given, and Gerrit hosts through
/// `gerrit`.
pub async fn start_local_with(
    github_url: Option<&str>,
    gerrit: Option<Arc<dyn prow_ports::gerrit::GerritClient>>,
    config: prow_config::Config,
    state: &Path,
    secret: &[u8],
) -> anyhow::Result<LocalSystem> {
    let hmac = state.join("hmac");
    std::fs::write(&hmac, secret)?;
    let metrics = Arc::new(prow_runtime::Metrics::new("prow-local"));
    let github = github_url
        .map(|url| OctocrabGitHub::with_token(url, "ghp_load", "prow-local", &metrics))
        .transpose()?;
    LocalSystem::start(LocalOptions {
        state_dir: state.join("state"),
        address: ([127, 0, 0, 1], 0).into(),
        config: prow_runtime::ConfigHandle::new(config),
        hmac_secret_file: hmac,
        github,
        clock: Arc::new(prow_ports::clock::SystemClock),
        bucket: "prow-artifacts".into(),
        clone_source: None,
        tick_interval: None,
        metrics,
        deck_sign_in: None,
        config_files: None,
        // Whatever the jobs' images, all at once: these tests measure the functions.
        runs: prow::local::LocalRunPolicy::everything(usize::MAX),
        gerrit,
        recovery: None,
    })
    .await
}

/// The `q` quantile (0 to 1) of `sorted`, nearest rank; zero for none.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let last = sorted.len() - 1;
    let rank = (last as f64 * q.clamp(0.0, 1.0)).round() as usize;
    sorted[rank.min(last)]
}

/// A duration in milliseconds, for reports.
pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
