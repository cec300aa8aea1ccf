//! End-to-end tests live in `tests/`, load generators in `examples/`; this is what the load
//! generators share: `prow local` started in-process against a GitHub stand-in, and quantiles.

use prow::local::{LocalOptions, LocalSystem};
use prow_config::{LoadOptions, Source, Sources};
use prow_github_octocrab::OctocrabGitHub;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The plugin configuration most scenarios run with: trigger for every repository of `acme`.
pub const TRIGGER_FOR_ACME: &str =
    "triggers:\n- repos: [acme]\nplugins:\n  acme: {plugins: [trigger]}\n";

/// Prow's configuration from YAML texts, checked strictly: `config.yaml`, and `jobs.yaml` and
/// `plugins.yaml` when given.
pub fn load_config(
    config: &str,
    jobs: Option<&str>,
    plugins: Option<&str>,
) -> anyhow::Result<prow_config::Config> {
    let sources = Sources {
        config: Source::new("config.yaml", config),
        job_files: jobs
            .map(|jobs| Source::new("jobs.yaml", jobs))
            .into_iter()
            .collect(),
        plugins: plugins.map(|plugins| Source::new("plugins.yaml", plugins)),
    };
    Ok(prow_config::load_sources(&sources, LoadOptions { strict: true })?.config)
}

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
    let options = local_options(config, state, secret)?;
    let github = github_url
        .map(|url| OctocrabGitHub::with_token(url, "ghp_load", "prow-local", &options.metrics))
        .transpose()?;
    LocalSystem::start(LocalOptions {
        github,
        gerrit,
        ..options
    })
    .await
}

/// The options of a `prow local` on a free loopback port, with `config` and the webhook secret
/// `secret`, its state under `state`, on the system clock, uploading to `prow-artifacts`; with
/// neither GitHub nor Gerrit.
pub fn local_options(
    config: prow_config::Config,
    state: &Path,
    secret: &[u8],
) -> anyhow::Result<LocalOptions> {
    let hmac = state.join("hmac");
    std::fs::write(&hmac, secret)?;
    Ok(LocalOptions {
        state_dir: state.join("state"),
        address: ([127, 0, 0, 1], 0).into(),
        config: prow_runtime::ConfigHandle::new(config),
        hmac_secret_file: hmac,
        github: None,
        clock: Arc::new(prow_ports::clock::SystemClock),
        bucket: "prow-artifacts".into(),
        clone_source: None,
        tick_interval: None,
        metrics: Arc::new(prow_runtime::Metrics::new("prow-local")),
        deck_sign_in: None,
        config_files: None,
        // Whatever the jobs' images, all at once: these tests measure the functions.
        runs: prow::local::LocalRunPolicy::everything(usize::MAX),
        gerrit: None,
        recovery: None,
    })
}

/// The load generators' repository.
pub const LOAD_REPO: &str = "acme/widgets";

/// A world for load runs: [`LOAD_REPO`] in the org `acme` of `members`, and a rate limit that
/// never runs out (a load run, not a budget run).
pub fn load_world(members: &[&str]) -> github_standin::World {
    let mut world = github_standin::World::new("prow-bot");
    world.rate_limit = u64::MAX / 2;
    world.rate_limit_remaining = world.rate_limit;
    world.add_org("acme", members);
    world.add_repo(LOAD_REPO);
    world
}

/// The `n`th command-line argument as a count, or `default`.
pub fn count_argument(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
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
