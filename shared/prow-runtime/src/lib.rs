//! The runtime every function shares: one axum [`Router`] served on `$PORT` (Knative) or under
//! `lambda_http` (AWS Lambda), `GET /healthz`, `GET /metrics` in Prometheus text, JSON logs with
//! `RUST_LOG`, OpenTelemetry trace export when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, graceful
//! shutdown on SIGTERM, and configuration reloaded from mounted files.
//!
//! Boundary: this crate knows HTTP serving and process concerns, not Prow's decisions. A function
//! gives it a name and a router built from a [`FunctionContext`]; everything else is here.

mod args;
pub mod cloudevents;
pub mod config_maps;
mod config_watch;
pub mod images;
pub mod locks;
pub mod outcome;
pub mod secret_file;
mod serve;
pub mod store_failure;
mod telemetry;

pub use args::{CommonArgs, HookArgs, ReporterArgs};
pub use config_watch::{ConfigHandle, ConfigWatcher, ReloadOutcome};
pub use outcome::Outcome;
pub use prow_metrics::{Metrics, UpstreamCounter};
pub use serve::{base_routes, serve_http, serve_until, trace_requests};
pub use telemetry::{TelemetryGuard, init_telemetry, init_telemetry_with_default};

use anyhow::Context;
use axum::Router;
use prow_ports::clock::{Clock, SystemClock};
use std::sync::Arc;
use std::time::Duration;

/// What a function's router is built from.
#[derive(Clone)]
pub struct FunctionContext {
    pub name: &'static str,
    pub args: CommonArgs,
    pub config: ConfigHandle,
    pub metrics: Arc<Metrics>,
    /// The time; every function reads it from here, never from the machine directly.
    pub clock: Arc<dyn Clock>,
}

impl FunctionContext {
    /// The GitHub client the function's flags describe, its calls counted as this function's;
    /// `None` without credentials.
    pub fn github(&self) -> anyhow::Result<Option<prow_github_octocrab::OctocrabGitHub>> {
        self.args
            .github(self.name, self.clock.clone(), &self.metrics)
    }

    /// ProwJobs in `prowjob_namespace` of the cluster the function runs in (or the current
    /// context of `$KUBECONFIG`).
    pub fn job_store(&self) -> anyhow::Result<Arc<prow_kube::KubeJobStore>> {
        let client = block_on_at_startup(kube::Client::try_default())?
            .context("connecting to the Kubernetes API")?;
        let namespace = self.config.current().prow.prowjob_namespace.clone();
        Ok(Arc::new(prow_kube::KubeJobStore::new(client, &namespace)))
    }

    /// config-updater's ConfigMaps in the function's own cluster (`default`) and the clusters of
    /// `--kubeconfig` / `--kubeconfig-dir`; `None` (with a warning) when no cluster is reachable,
    /// as when hook runs outside Kubernetes.
    pub fn config_maps(&self) -> Option<Arc<dyn prow_ports::config_maps::ConfigMaps>> {
        let sources = prow_kube::clusters::KubeconfigSources {
            kubeconfig: self.args.kubeconfig.clone(),
            kubeconfig_dir: self.args.kubeconfig_dir.clone(),
            kubeconfig_suffix: self.args.kubeconfig_suffix.clone(),
        };
        match block_on_at_startup(prow_kube::config_maps::ConfigMapWriter::connect(&sources)) {
            Ok(Ok(writer)) => Some(Arc::new(config_maps::DeployedConfigMaps {
                writer,
                paths: self.args.config_paths(),
            })),
            Ok(Err(error)) | Err(error) => {
                tracing::warn!(%error, "no Kubernetes API: config-updater cannot write ConfigMaps");
                None
            }
        }
    }

    /// Leases as Kubernetes Leases in `prowjob_namespace` of the cluster the function runs in.
    pub fn leases(&self) -> anyhow::Result<Arc<prow_kube::KubeLeases>> {
        let client = block_on_at_startup(kube::Client::try_default())?
            .context("connecting to the Kubernetes API")?;
        let namespace = self.config.current().prow.prowjob_namespace.clone();
        Ok(Arc::new(prow_kube::KubeLeases::new(client, &namespace)))
    }

    /// The job store, and the build cluster each job names, from `--kubeconfig` /
    /// `--kubeconfig-dir` (without them, the function's own cluster, alias `default`): pods in
    /// `pod_namespace` for `kubernetes` jobs, PipelineRuns for `tekton-pipeline` ones. No API
    /// call is made until one is needed.
    pub fn job_store_and_build_clusters(
        &self,
    ) -> anyhow::Result<(
        Arc<prow_kube::KubeJobStore>,
        Arc<prow_ports::executor::ByAgent>,
    )> {
        let config = self.config.current();
        let sources = prow_kube::clusters::KubeconfigSources {
            kubeconfig: self.args.kubeconfig.clone(),
            kubeconfig_dir: self.args.kubeconfig_dir.clone(),
            kubeconfig_suffix: self.args.kubeconfig_suffix.clone(),
        };
        let (client, clusters) = block_on_at_startup(prow_kube::clusters::connect(
            &sources,
            &config.prow.pod_namespace,
        ))??;
        let store = prow_kube::KubeJobStore::new(client, &config.prow.prowjob_namespace);
        Ok((
            Arc::new(store),
            Arc::new(clusters.by_agent(&config.prow.pod_namespace)),
        ))
    }
}

/// Runs `future` to completion while a function's `app` builds its router (which runs inside the
/// runtime, where blocking on it directly is not allowed): on a helper thread that waits for it.
/// For connecting clients at start-up.
pub fn block_on_at_startup<F>(future: F) -> anyhow::Result<F::Output>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    let runtime = tokio::runtime::Handle::current();
    std::thread::scope(|scope| scope.spawn(|| runtime.block_on(future)).join())
        .map_err(|_| anyhow::anyhow!("connecting at start-up panicked"))
}

/// How often mounted configuration is checked for changes. Kubernetes refreshes ConfigMap volumes
/// about once a minute, so a few seconds adds nothing noticeable.
pub const DEFAULT_RELOAD_INTERVAL: Duration = Duration::from_secs(5);

/// Runs a function: parses the common flags, starts logging and tracing, loads the configuration
/// (refusing to start on an invalid one), watches it, and serves `app`'s routes beside the base
/// routes until SIGTERM. `app` fails start-up when something the function needs (a secret file, a
/// flag) is missing or invalid.
pub fn run(
    name: &'static str,
    app: impl FnOnce(&FunctionContext) -> anyhow::Result<Router>,
) -> anyhow::Result<()> {
    run_loading(name, Reads::ALL, app)
}

/// Which configuration files a function reads besides `config.yaml`. A function reads only what
/// it uses: with thousands of jobs, the rest would be most of a cold start for nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reads {
    /// The job files (`--job-config-path`). Jobs in `config.yaml` itself are always read.
    pub job_files: bool,
    /// `plugins.yaml` (`--plugin-config`).
    pub plugins: bool,
}

impl Reads {
    /// hook, trigger and deck: the jobs and the plugin configuration.
    pub const ALL: Reads = Reads {
        job_files: true,
        plugins: true,
    };
    /// horologium, sinker and tide: jobs, but no plugins.
    pub const JOBS: Reads = Reads {
        job_files: true,
        plugins: false,
    };
    /// The controller and crier, which work from the ProwJob itself.
    pub const CONFIG_ONLY: Reads = Reads {
        job_files: false,
        plugins: false,
    };
}

/// [`run`], reading only the configuration files `reads` names.
pub fn run_loading(
    name: &'static str,
    reads: Reads,
    app: impl FnOnce(&FunctionContext) -> anyhow::Result<Router>,
) -> anyhow::Result<()> {
    use clap::Parser;
    let args = CommonArgs::parse();
    let mut paths = args.config_paths();
    if !reads.job_files {
        paths.job_config_path = None;
    }
    if !reads.plugins {
        paths.plugin_config = None;
    }
    // The OTLP exporter's blocking HTTP client must be built and shut down outside the async
    // runtime, so telemetry outlives it.
    let telemetry = init_telemetry(name)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(async move {
        let metrics = Arc::new(Metrics::new(name));
        let clock = SystemClock::shared();
        // The configuration loads while the function builds its clients (reading it waits).
        let (config, loading) = ConfigWatcher::load_in_background(
            paths,
            args.prepared_config.clone(),
            metrics.clone(),
            clock.clone(),
        );
        let config_path = args.config_path.clone();
        let context = FunctionContext {
            name,
            args,
            config,
            metrics: metrics.clone(),
            clock,
        };
        let built = app(&context);
        let watcher = loading
            .join()
            .map_err(|_| anyhow::anyhow!("loading the configuration panicked"))?
            .with_context(|| format!("loading configuration from {}", config_path.display()))?;
        let reload = tokio::spawn(watcher.watch(reload_interval()?));
        let router = trace_requests(built?.merge(base_routes(metrics.clone())), metrics);
        let served = serve(router).await;
        reload.abort();
        served
    });
    drop(runtime);
    drop(telemetry);
    result
}

/// `PROW_CONFIG_RELOAD_INTERVAL` (a duration such as `30s`), or [`DEFAULT_RELOAD_INTERVAL`].
pub fn reload_interval() -> anyhow::Result<Duration> {
    match std::env::var("PROW_CONFIG_RELOAD_INTERVAL") {
        Ok(text) => {
            let interval: prow_config::Duration = text
                .parse()
                .with_context(|| format!("PROW_CONFIG_RELOAD_INTERVAL={text:?}"))?;
            anyhow::ensure!(
                !interval.0.is_zero(),
                "PROW_CONFIG_RELOAD_INTERVAL must be positive"
            );
            Ok(interval.0)
        }
        Err(_) => Ok(DEFAULT_RELOAD_INTERVAL),
    }
}

/// Serves under Lambda when the Lambda runtime API is present, else on `$PORT`.
pub async fn serve(router: Router) -> anyhow::Result<()> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        tracing::info!("serving under AWS Lambda");
        return lambda_http::run(router)
            .await
            .map_err(|e| anyhow::anyhow!("lambda runtime: {e}"));
    }
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .with_context(|| format!("PORT={port:?} is not a port number"))?,
        Err(_) => 8080,
    };
    serve_http(router, std::net::SocketAddr::from(([0, 0, 0, 0], port))).await
}
