//! `prow local`: flags as the functions take them, plus the state directory, and the demo.

use anyhow::Context;
use prow::local::{LocalOptions, LocalSystem};
use prow_ports::clock::SystemClock;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: prow_runtime::CommonArgs,
    /// Where jobs, runs and artifacts are kept; the same folder after a restart carries on.
    #[arg(long = "state-dir", default_value = ".prow-local")]
    state_dir: PathBuf,
    /// Where every function's routes are served (default 127.0.0.1:$PORT, or 127.0.0.1:8080).
    #[arg(long = "address")]
    address: Option<SocketAddr>,
    /// The bucket decorated jobs upload to, kept under <state-dir>/artifacts/.
    #[arg(long = "bucket", default_value = "prow-artifacts")]
    bucket: String,
    /// Where decorated jobs clone from (a URL or folder holding <org>/<repo>); default: GitHub's
    /// host for --github-endpoint's API (https://github.com), none for the demo.
    #[arg(long = "clone-base-url")]
    clone_base_url: Option<String>,
    /// How often horologium, sinker and the resyncs are pinged, in seconds.
    #[arg(long = "tick-seconds", default_value_t = 60)]
    tick_seconds: u64,
    /// Run the demo: a GitHub stand-in with an org, a repository and a pull request whose two
    /// jobs (one passes, one fails) run here; what happens is printed as it happens.
    #[arg(long = "demo")]
    demo: bool,
    /// With --demo: stop once the pull request's results are in.
    #[arg(long = "exit-when-done")]
    exit_when_done: bool,
    /// At most this many jobs run at once on this machine (default: one per core); the rest
    /// wait, saying so in their state description.
    #[arg(long = "max-local-runs")]
    max_local_runs: Option<usize>,
    /// Run a job's command on this machine whatever its container image; by default only jobs
    /// whose image is `local` run, the others are held back with the reason.
    #[arg(long = "run-any-image")]
    run_any_image: bool,
    /// Start periodics on their schedules; by default none starts unless --jobs selects it.
    #[arg(long = "periodics")]
    periodics: bool,
    /// Jobs to run whatever their image, and periodics to start: names or globs (`ci-*`),
    /// comma-separated or repeated.
    #[arg(long = "jobs")]
    jobs: Vec<String>,
}

/// The run limits the flags ask for.
fn run_policy(args: &Args) -> prow_local::LocalRunPolicy {
    let defaults = prow_local::LocalRunPolicy::default();
    prow_local::LocalRunPolicy {
        max_runs: args.max_local_runs.unwrap_or(defaults.max_runs).max(1),
        run_any_image: args.run_any_image,
        periodics: args.periodics,
        selected: prow_local::JobSelection::parse(&args.jobs),
    }
}

fn address(args: &Args) -> SocketAddr {
    args.address.unwrap_or_else(|| {
        let port = std::env::var("PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(8080);
        SocketAddr::from(([127, 0, 0, 1], port))
    })
}

pub fn run(args: Args) -> ExitCode {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // The demo prints its own story; logs only say what went wrong unless RUST_LOG asks for more.
    let level = if args.demo { "warn" } else { "info" };
    let telemetry = match prow_runtime::init_telemetry_with_default("prow-local", level) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("prow local: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
        .and_then(|runtime| {
            runtime.block_on(async {
                if args.demo {
                    let address = args.address;
                    prow::demo::run(args.state_dir.clone(), address, args.exit_when_done).await
                } else {
                    serve(&args).await
                }
            })
        });
    drop(telemetry);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("prow local: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: &Args) -> anyhow::Result<()> {
    let common = &args.common;
    let metrics = Arc::new(prow_runtime::Metrics::new("prow-local"));
    let clock = SystemClock::shared();
    // Edited configuration is picked up while running, as the functions pick it up.
    let watcher =
        prow_runtime::ConfigWatcher::load(common.config_paths(), metrics.clone(), clock.clone())
            .with_context(|| {
                format!(
                    "loading configuration from {}",
                    common.config_path.display()
                )
            })?;
    let config = watcher.handle();
    tokio::spawn(watcher.watch(prow_runtime::reload_interval()?));
    let github = common.github("prow-local", clock.clone(), &metrics)?;
    if github.is_none() {
        tracing::warn!(
            "no GitHub credentials (--github-token-path or --github-app-id): nothing is reported to GitHub"
        );
    }
    let clone_base = args.clone_base_url.clone().or_else(|| {
        (common.github_endpoint == "https://api.github.com")
            .then(|| "https://github.com".to_string())
    });
    let recovery = hook::recovery(common, github.clone())?;
    let system = LocalSystem::start(LocalOptions {
        state_dir: args.state_dir.clone(),
        address: address(args),
        config,
        hmac_secret_file: common.hmac_secret_file.clone(),
        github,
        clock,
        bucket: args.bucket.clone(),
        clone_source: clone_base.map(|base_url| prow_podutils::clone::CloneSource { base_url }),
        tick_interval: Some(Duration::from_secs(args.tick_seconds.max(1))),
        metrics,
        config_files: Some(common.config_paths()),
        runs: run_policy(args),
        gerrit: None,
        recovery,
        deck_sign_in: match &common.deck.github_oauth_config_file {
            Some(path) => Some(deck::OAuthSettings::from_file(
                path,
                &common.github_endpoint,
            )?),
            None => None,
        },
    })
    .await?;
    tracing::info!(url = %system.url(), state_dir = %args.state_dir.display(), "prow local is serving");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    Ok(())
}
