//! The `hook` function, GitHub's front door. `POST /hook` checks a webhook's headers, size and
//! HMAC signature (before reading a byte of the payload), drops deliveries it has already
//! handed on, and hands each new one on as a CloudEvent: to `$K_SINK` (a Knative broker, set by
//! a SinkBinding) when set, answering 2xx only once the sink has it; otherwise it dispatches to
//! its own plugins in-process (local mode). Plugins run when the event comes back from the broker
//! (`POST /plugins/{name}`, `POST /external-plugins/{name}`, one Knative Trigger each), so a slow
//! or failing plugin never delays GitHub's acknowledgement and is retried alone.
//! `GET /plugin-help` describes the plugins as upstream's hook does.
//!
//! Boundary: HTTP and the hand-off live here; what an event *is* and whether its signature
//! holds are `prow-github`'s; what a plugin does is the plugin's (`prow-plugins`).

mod deliveries;
mod external;
mod help;
mod intake;
mod metrics;
mod plugins;
mod redeliver;
mod verified;

pub use redeliver::{DeliveryRecords, RecordError, Recovery, RecoveryError, RecoveryReport};

pub use prow_plugins::PluginRegistry;

use anyhow::Context;
use axum::Router;
use axum::routing::{get, post};
use deliveries::Deliveries;
use metrics::HookMetrics;
use prow_github::redelivery::{HookRef, RecoveryPolicy};
use prow_github::webhook::HmacSecret;
use prow_ports::clock::Clock;
use prow_ports::config_maps::ConfigMaps;
use prow_ports::events::EventSink;
use prow_ports::github::EventGitHub;
use prow_ports::images::ImageSource;
use prow_runtime::cloudevents::HttpSink;
use prow_runtime::secret_file::SecretFile;
use prow_runtime::{ConfigHandle, FunctionContext};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub.
pub const DEFAULT_MAX_BODY_BYTES: usize = 25 * 1024 * 1024;
/// How long a delivery id is remembered, to drop redeliveries.
pub const DEFAULT_DEDUPE_WINDOW: Duration = Duration::from_secs(60 * 60);

/// Where verified events go.
#[derive(Clone)]
pub enum Handoff {
    /// A CloudEvent sink (`$K_SINK`); 2xx to GitHub only once it accepted the event.
    Sink(Arc<dyn EventSink>),
    /// Local mode: run this hook's plugins and external plugins in-process, after answering.
    InProcess,
}

pub struct HookOptions {
    pub hmac_secret_file: PathBuf,
    /// GitHub for the plugins; `None` runs without.
    pub github: Option<Arc<dyn EventGitHub>>,
    pub handoff: Handoff,
    pub plugins: PluginRegistry,
    pub max_body_bytes: usize,
    pub dedupe_window: Duration,
    /// The `time` of the CloudEvents hook sends, and the plugins' now.
    pub clock: Arc<dyn Clock>,
    /// Pictures for `/meow`; `None` answers that there are none.
    pub images: Option<Arc<dyn ImageSource>>,
    /// Where config-updater writes; `None` when there is nowhere (it then fails its events).
    pub config_maps: Option<Arc<dyn ConfigMaps>>,
}

impl HookOptions {
    /// Options with nothing more than the essentials: no GitHub, GitHub's body limit, an hour's
    /// dedupe window, the system clock, no pictures and nowhere to write ConfigMaps.
    pub fn new(
        hmac_secret_file: PathBuf,
        handoff: Handoff,
        plugins: PluginRegistry,
    ) -> HookOptions {
        HookOptions {
            hmac_secret_file,
            github: None,
            handoff,
            plugins,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            dedupe_window: DEFAULT_DEDUPE_WINDOW,
            clock: prow_ports::clock::SystemClock::shared(),
            images: None,
            config_maps: None,
        }
    }
}

/// The hook's shared state.
#[derive(Clone)]
pub struct Hook(Arc<HookInner>);

struct HookInner {
    config: ConfigHandle,
    secret: SecretFile,
    handoff: Handoff,
    plugins: PluginRegistry,
    github: Option<Arc<dyn EventGitHub>>,
    deliveries: Deliveries,
    metrics: HookMetrics,
    http: reqwest::Client,
    max_body_bytes: usize,
    clock: Arc<dyn Clock>,
    images: Option<Arc<dyn ImageSource>>,
    config_maps: Option<Arc<dyn ConfigMaps>>,
    /// Where handed-on deliveries are recorded (webhook recovery).
    records: Option<DeliveryRecords>,
    /// The reconciler's GitHub and hooks.
    recovery: Option<Recovery>,
    /// Held while a reconciler run goes on: when the last one started by a ping began.
    recovery_running: tokio::sync::Mutex<Option<jiff::Timestamp>>,
}

impl Hook {
    /// Reads the HMAC secret (start-up fails without a valid one) and registers the metrics.
    /// Nothing here reaches GitHub.
    pub fn new(
        config: ConfigHandle,
        metrics: &prow_runtime::Metrics,
        options: HookOptions,
    ) -> anyhow::Result<Hook> {
        let secret = SecretFile::open(options.hmac_secret_file)?;
        Ok(Hook(Arc::new(HookInner {
            config,
            secret,
            handoff: options.handoff,
            plugins: options.plugins,
            github: options.github,
            deliveries: Deliveries::new(options.dedupe_window),
            metrics: HookMetrics::register(metrics),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .context("building the HTTP client")?,
            max_body_bytes: options.max_body_bytes,
            clock: options.clock,
            images: options.images,
            config_maps: options.config_maps,
            records: None,
            recovery: None,
            recovery_running: tokio::sync::Mutex::new(None),
        })))
    }

    /// Records every delivery handed on in `records`, and with `recovery`, serves the reconciler
    /// (`POST /redeliver`). Called on a new hook, before it is shared.
    pub fn with_recovery(
        mut self,
        records: DeliveryRecords,
        recovery: Option<Recovery>,
    ) -> anyhow::Result<Hook> {
        let inner = Arc::get_mut(&mut self.0)
            .context("webhook recovery is set up before the hook is shared")?;
        inner.records = Some(records);
        inner.recovery = recovery;
        Ok(self)
    }

    /// Records that delivery `guid` was handed on; a record that cannot be written is logged (the
    /// reconciler may then redeliver it, which the receivers absorb).
    async fn record_handled(&self, guid: &str) {
        if let Some(records) = &self.0.records
            && let Err(error) = records.record_handled(guid, self.0.clock.now()).await
        {
            tracing::warn!(event_guid = guid, %error, "could not record a delivery as handled");
        }
    }

    fn secret(&self) -> Arc<HmacSecret> {
        self.0.secret.current()
    }

    /// The routes: `POST /hook`, `POST /plugins/{name}`, `POST /external-plugins/{name}`,
    /// `GET /plugin-help`, `POST /redeliver` (the webhook reconciler's ping).
    pub fn router(self) -> Router {
        Router::new()
            .route("/hook", post(intake::receive))
            .route("/plugins/{name}", post(plugins::run_plugin))
            .route("/external-plugins/{name}", post(external::forward))
            .route("/plugin-help", get(help::serve))
            .route("/redeliver", post(redeliver::serve))
            .with_state(self)
    }
}

/// The function as deployed: HMAC secret from `--hmac-secret-file`, events to `$K_SINK` when set,
/// the built-in plugins. `HOOK_MAX_BODY_BYTES` overrides the body limit.
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    let handoff = HttpSink::from_env().map_or(Handoff::InProcess, Handoff::Sink);
    let max_body_bytes = match std::env::var("HOOK_MAX_BODY_BYTES") {
        Ok(text) => text
            .parse()
            .with_context(|| format!("HOOK_MAX_BODY_BYTES={text:?} is not a number of bytes"))?,
        Err(_) => DEFAULT_MAX_BODY_BYTES,
    };
    if matches!(handoff, Handoff::InProcess) {
        tracing::info!("K_SINK is not set: plugins run in this process (local mode)");
    }
    // Credentials are read now and used on the first plugin call: hook starts without GitHub.
    let github = context
        .github()?
        .map(|client| Arc::new(client) as Arc<dyn EventGitHub>);
    if github.is_none() {
        tracing::warn!(
            "no GitHub credentials (--github-token-path or --github-app-id): plugins run without GitHub"
        );
    }
    let recovery_github = context.github()?;
    let hook = Hook::new(
        context.config.clone(),
        &context.metrics,
        HookOptions {
            hmac_secret_file: context.args.hmac_secret_file.clone(),
            github,
            handoff,
            plugins: PluginRegistry::for_hook(),
            max_body_bytes,
            dedupe_window: DEFAULT_DEDUPE_WINDOW,
            clock: context.clock.clone(),
            images: Some(Arc::new(prow_runtime::images::CatApi::from_env())),
            config_maps: context.config_maps(),
        },
    )?;
    let hook = match &context.args.hook.delivery_records {
        Some(uri) => {
            let store = prow_runtime::block_on_at_startup(prow_artifacts::open_uri(
                uri,
                context.args.s3_credentials_file.as_deref(),
            ))?
            .with_context(|| format!("--delivery-records {uri}"))?;
            let recovery = recovery(&context.args, recovery_github)?;
            hook.with_recovery(DeliveryRecords::new(Arc::from(store)), recovery)?
        }
        None => hook,
    };
    Ok(hook.router())
}

/// The reconciler the flags describe: `None` without GitHub credentials or hooks to read.
pub fn recovery(
    args: &prow_runtime::CommonArgs,
    github: Option<prow_github_octocrab::OctocrabGitHub>,
) -> anyhow::Result<Option<Recovery>> {
    let Some(github) = github else {
        tracing::warn!("no GitHub credentials: lost webhooks are not recovered");
        return Ok(None);
    };
    let mut hooks = args
        .hook
        .redeliver_hooks
        .iter()
        .map(|text| text.parse::<HookRef>().context("--redeliver-hook"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if hooks.is_empty() && args.github_app_id.is_some() {
        hooks.push(HookRef::App);
    }
    if hooks.is_empty() {
        tracing::warn!("no --redeliver-hook: lost webhooks are not recovered");
        return Ok(None);
    }
    let duration = |flag: &str, text: &str| {
        text.parse::<jiff::SignedDuration>()
            .with_context(|| format!("{flag} {text:?} is not a duration (like 6h or 90s)"))
    };
    Ok(Some(Recovery {
        deliveries: Arc::new(github),
        hooks,
        policy: RecoveryPolicy {
            lookback: duration("--redeliver-lookback", &args.hook.redeliver_lookback)?,
            settle: duration("--redeliver-settle", &args.hook.redeliver_settle)?,
            max_redeliveries: args.hook.redeliver_max,
        },
        min_interval: duration(
            "--redeliver-min-interval",
            &args.hook.redeliver_min_interval,
        )?
        .unsigned_abs(),
    }))
}
