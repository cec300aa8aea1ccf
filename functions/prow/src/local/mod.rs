//! `prow local`: hook, trigger, controller, crier, horologium, sinker and tide in one process on the
//! embedded adapters: ProwJobs in an embedded store under the state directory, jobs as local
//! processes, artifacts through aws-sdk-s3 to an in-process S3-compatible server over a folder,
//! and the events Knative would carry (GitHub events from hook, ProwJob and run changes, pings)
//! carried by an in-process bus as the same CloudEvents, so the functions' own handlers run.
//!
//! One port serves every route: deck's pages at the root (`/`, `/view/s3/<bucket>/...`, `/tide`),
//! hook's `/hook`, `/healthz`, `/metrics`, and each function's routes under `/functions/<name>`
//! (`/functions/hook/plugin-help`, `/functions/trigger`, `/functions/controller`,
//! `/functions/crier`, `/functions/horologium`, `/functions/sinker`, `/functions/tide`).

pub mod bus;
pub mod config_maps;

use anyhow::Context;
use axum::Router;
use bus::{GitHubEventBus, Subscriber};
use futures_util::StreamExt;
use prow_artifacts::{S3ArtifactStore, S3Credentials};
use prow_github_octocrab::OctocrabGitHub;
use prow_local::{EmbeddedJobStore, LocalExecutor, LocalExecutorOptions, LocalS3Server};
pub use prow_local::{JobSelection, LOCAL_IMAGE, LocalRunPolicy};
use prow_podutils::clone::CloneSource;
use prow_ports::clock::{Clock, rfc3339};
use prow_ports::events::{CloudEvent, object_event, ping_event};
use prow_ports::github::{EventGitHub, GitHubClient};
use prow_ports::store::{JobChange, JobStore};
use prow_runtime::{ConfigHandle, Metrics};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Everything local mode runs on.
pub struct LocalOptions {
    /// Jobs (`jobs/`), runs (`runs/`) and artifacts (`artifacts/<bucket>/`) live here and survive
    /// a restart.
    pub state_dir: PathBuf,
    /// Where every route is served (port 0: any free port).
    pub address: SocketAddr,
    pub config: ConfigHandle,
    pub hmac_secret_file: PathBuf,
    /// GitHub (real, or the stand-in); without it, hook takes webhooks but nothing reaches GitHub.
    pub github: Option<OctocrabGitHub>,
    pub clock: Arc<dyn Clock>,
    /// The bucket decorated jobs upload to (whatever their `gcs_configuration` names).
    pub bucket: String,
    /// Where decorated jobs clone from; none runs them in an empty folder.
    pub clone_source: Option<CloneSource>,
    /// How often horologium, sinker and the resyncs are pinged; `None`: only by [`LocalSystem::tick`].
    pub tick_interval: Option<Duration>,
    pub metrics: Arc<Metrics>,
    /// The GitHub OAuth App deck signs people in with, to rerun and abort jobs; without it only
    /// jobs whose `rerun_auth_config` allows anyone can be rerun.
    pub deck_sign_in: Option<deck::OAuthSettings>,
    /// The configuration's files, for deck's `/config` and `/plugin-config`.
    pub config_files: Option<prow_config::ConfigPaths>,
    /// Which jobs run on this machine, and how many at once.
    pub runs: LocalRunPolicy,
    /// Gerrit hosts, for the projects `gerrit:` names (synced on each tick; reported on by crier).
    pub gerrit: Option<Arc<dyn prow_ports::gerrit::GerritClient>>,
    /// The webhook reconciler, pinged on each tick (`hook::recovery` builds it from the flags).
    /// Deliveries are recorded as handled in the bucket either way.
    pub recovery: Option<hook::Recovery>,
}

/// The running system.
pub struct LocalSystem {
    pub address: SocketAddr,
    pub store: Arc<EmbeddedJobStore>,
    /// The folder the S3 server serves: `<artifacts_root>/<bucket>/<key>`.
    pub artifacts_root: PathBuf,
    pub s3_endpoint: String,
    pings: Vec<Subscriber>,
    ping_ids: Arc<AtomicU64>,
    clock: Arc<dyn Clock>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _s3: LocalS3Server,
}

/// A random-enough secret for the in-process S3 server (it listens on loopback only).
fn local_secret(seed: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write(seed.as_bytes());
    format!("{seed}-{:016x}", hasher.finish())
}

impl LocalSystem {
    pub async fn start(options: LocalOptions) -> anyhow::Result<LocalSystem> {
        let state = &options.state_dir;
        std::fs::create_dir_all(state)
            .with_context(|| format!("creating the state directory {}", state.display()))?;
        let store = Arc::new(
            EmbeddedJobStore::open_with_clock(state.join("jobs"), options.clock.clone())
                .context("opening the job store")?,
        );

        let artifacts_root = state.join("artifacts");
        let (access_key, secret_key) = (local_secret("local"), local_secret("secret"));
        let s3 = LocalS3Server::serve(
            &artifacts_root,
            &[options.bucket.as_str()],
            ([127, 0, 0, 1], 0).into(),
            &access_key,
            &secret_key,
        )
        .await
        .context("starting the local S3 server")?;
        let s3_credentials = S3Credentials {
            endpoint: s3.endpoint(),
            s3_force_path_style: true,
            access_key,
            secret_key,
            ..S3Credentials::default()
        };
        let artifacts = Arc::new(S3ArtifactStore::new(&options.bucket, &s3_credentials).await);
        // Bound first: deck reads tide and hook at this address.
        let listener = tokio::net::TcpListener::bind(options.address)
            .await
            .with_context(|| format!("listening on {}", options.address))?;
        let address = listener.local_addr()?;
        let executor = Arc::new(LocalExecutor::new(
            state.join("runs"),
            LocalExecutorOptions {
                clone_source: options.clone_source.clone(),
                artifacts: Some(artifacts.clone()),
                clock: options.clock.clone(),
                policy: options.runs.clone(),
            },
        ));

        let metrics = &options.metrics;
        let config = options.config.clone();
        let github = options.github.map(Arc::new);
        let github_client = github.clone().map(|g| g as Arc<dyn GitHubClient>);

        let trigger = trigger::Trigger::new(
            trigger::TriggerOptions {
                store: store.clone(),
                github: github_client.clone(),
                push_auth: trigger::push_auth::PushAuth::Refuse,
                dead_letter: None,
                clock: options.clock.clone(),
                hmac_secret_file: options.hmac_secret_file.clone(),
            },
            config.clone(),
            metrics,
        )?
        .router();
        let controller = controller::Controller::new(
            controller::ControllerOptions {
                store: store.clone(),
                executor: executor.clone(),
                artifacts: Some(artifacts.clone()),
                clock: options.clock.clone(),
            },
            config.clone(),
            metrics,
        )
        .router();
        let crier = crier::Crier::new(
            crier::CrierOptions {
                store: store.clone(),
                github: github_client
                    .clone()
                    .map(|g| crier::GitHubReporter::new(g, crier::ReportAs::Statuses)),
                pubsub: None,
                slack: None,
                gerrit: options.gerrit.clone(),
                report_agent: None,
                clock: options.clock.clone(),
            },
            config.clone(),
            metrics,
        )
        .router();
        let periodics = options.runs.clone();
        let horologium = horologium::Horologium::new(
            store.clone(),
            config.clone(),
            options.clock.clone(),
            metrics,
        )
        .starting_only(Arc::new(move |job: &str| periodics.starts_periodic(job)))
        .router();
        held_periodics(&config.current(), &options.runs);
        let sinker = sinker::Sinker::new(
            store.clone(),
            executor.clone(),
            config.clone(),
            options.clock.clone(),
            metrics,
        )
        .router();

        // Tide merges through GitHub: without it there is nothing for tide to do.
        let tide = github_client.clone().map(|github| {
            tide::Tide::new(
                tide::TideOptions {
                    github,
                    jobs: store.clone(),
                    leases: Arc::new(prow_ports::lease::MemoryLeases::default()),
                    clock: options.clock.clone(),
                    holder: "prow-local".into(),
                    records: Some(
                        artifacts.clone() as Arc<dyn prow_ports::artifacts::ArtifactStore>
                    ),
                },
                config.clone(),
                metrics,
            )
            .router()
        });

        let plugins = hook::PluginRegistry::for_hook();
        let github_bus = Arc::new(GitHubEventBus::new(vec![Subscriber::new(
            "trigger",
            trigger.clone(),
        )]));
        let hook = hook::Hook::new(
            config.clone(),
            metrics,
            hook::HookOptions {
                hmac_secret_file: options.hmac_secret_file.clone(),
                github: github.map(|g| g as Arc<dyn EventGitHub>),
                handoff: hook::Handoff::Sink(github_bus.clone()),
                plugins: plugins.clone(),
                max_body_bytes: hook::DEFAULT_MAX_BODY_BYTES,
                dedupe_window: hook::DEFAULT_DEDUPE_WINDOW,
                clock: options.clock.clone(),
                images: Some(Arc::new(prow_runtime::images::CatApi::from_env())),
                config_maps: options.config_files.clone().map(|paths| {
                    Arc::new(config_maps::LocalConfigMaps {
                        paths,
                        state_dir: options.state_dir.clone(),
                    }) as Arc<dyn prow_ports::config_maps::ConfigMaps>
                }),
            },
        )?
        .with_recovery(
            hook::DeliveryRecords::new(
                artifacts.clone() as Arc<dyn prow_ports::artifacts::ArtifactStore>
            ),
            options.recovery,
        )?;
        // Hook's own plugins subscribe too, as they subscribe to the broker in a cluster.
        let hook_router = hook.router();
        for name in plugins.names() {
            let mut subscriber = Subscriber::new(name, hook_router.clone());
            subscriber.path = format!("/plugins/{name}");
            github_bus.subscribe(subscriber);
        }

        let deck = deck::Deck::new(
            deck::DeckOptions {
                jobs: store.clone(),
                buckets: Arc::new(prow_artifacts::S3Buckets::new(s3_credentials).await),
                sources: Arc::new(deck::HttpSources::new(
                    tide.is_some()
                        .then(|| format!("http://{address}/functions/tide")),
                    Some(format!("http://{address}/functions/hook")),
                )?),
                clock: options.clock.clone(),
                show_hidden: true,
                extra_buckets: vec![options.bucket.clone()],
                job_list_age: Duration::from_secs(1),
                github: github_client.clone(),
                sign_in: options.deck_sign_in.clone(),
                // Sessions last as long as the process: a new secret each start.
                cookie_secret: Some(deck::CookieSecret::new(
                    format!("{}{}", local_secret("deck"), local_secret("cookie")).as_bytes(),
                )?),
                rerun_creates_job: true,
                http: deck::http_client()?,
                executor: Some(executor.clone() as Arc<dyn prow_ports::executor::Executor>),
                config_files: options.config_files.clone(),
            },
            config.clone(),
        )
        .router();

        // Webhooks arrive at `/hook` as in a cluster; hook's other routes (`/plugin-help`) sit
        // beside the other functions', since deck has the root.
        let app = Router::new()
            .route_service(
                "/hook",
                hook_router.clone().into_service::<axum::body::Body>(),
            )
            .nest("/functions/hook", hook_router.clone())
            .merge(deck)
            .nest("/functions/trigger", trigger.clone())
            .nest("/functions/controller", controller.clone())
            .nest("/functions/crier", crier.clone())
            .nest("/functions/horologium", horologium.clone())
            .nest("/functions/sinker", sinker.clone())
            .nest("/functions/tide", tide.clone().unwrap_or_default())
            .merge(prow_runtime::base_routes(options.metrics.clone()));
        let app = prow_runtime::trace_requests(app, options.metrics.clone());

        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "serving stopped");
            }
        }));

        // ProwJob changes wake the controller and crier (an ApiServerSource in a cluster).
        let job_subscribers = vec![
            Subscriber::new("controller", controller.clone()),
            Subscriber::new("crier", crier.clone()),
        ];
        let namespace = config.current().prow.prowjob_namespace.clone();
        let mut changes = store.watch("").await.context("watching the job store")?;
        let event_ids = Arc::new(AtomicU64::new(0));
        {
            let namespace = namespace.clone();
            let event_ids = event_ids.clone();
            let clock = options.clock.clone();
            tasks.push(tokio::spawn(async move {
                while let Some(change) = changes.next().await {
                    let Ok(change) = change else { continue };
                    let action = match &change {
                        JobChange::Added(_) => "add",
                        JobChange::Modified(_) => "update",
                        JobChange::Deleted(_) => "delete",
                    };
                    let job = change.job();
                    let id = format!(
                        "prowjob-{}-{}",
                        job.name(),
                        event_ids.fetch_add(1, Ordering::Relaxed)
                    );
                    let Ok(event) = object_event(
                        "ProwJob",
                        prow_api::prowjob::API_VERSION,
                        job.name(),
                        &namespace,
                        action,
                        id,
                        rfc3339(clock.now()),
                    ) else {
                        continue;
                    };
                    for subscriber in &job_subscribers {
                        let subscriber = subscriber.clone();
                        let event = event.clone();
                        tokio::spawn(async move { subscriber.deliver(&event).await });
                    }
                }
            }));
        }
        // A run starting or ending wakes the controller (a Pod ApiServerSource in a cluster).
        {
            let mut runs = executor.changes();
            let controller = Subscriber::new("controller", controller.clone());
            let event_ids = event_ids.clone();
            let clock = options.clock.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let name = match runs.recv().await {
                        Ok(name) => name,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    };
                    let id = format!("run-{name}-{}", event_ids.fetch_add(1, Ordering::Relaxed));
                    let time = rfc3339(clock.now());
                    let Ok(event) =
                        object_event("Pod", "v1", &name, &namespace, "update", id.clone(), time)
                    else {
                        continue;
                    };
                    let controller = controller.clone();
                    let ping = ping_event(format!("{id}-resync"), rfc3339(clock.now()));
                    tokio::spawn(async move {
                        controller.deliver(&event).await;
                        // A run that ended frees a slot: jobs held for one get another look.
                        if let Ok(ping) = ping {
                            controller.deliver(&ping).await;
                        }
                    });
                }
            }));
        }

        let mut pings = vec![
            Subscriber::new("horologium", horologium),
            Subscriber::new("sinker", sinker),
            Subscriber::new("controller", controller),
            Subscriber::new("crier", crier),
        ];
        // Resyncs at start: the controller's and crier's, and the plugins' sweeps below.
        let resyncs_from = 2;
        // Plugins that sweep (needs-rebase) are pinged too (daily PingSources in a cluster).
        for plugin in plugins.iter() {
            if plugin.events().contains(&prow_plugins::EventKind::Ping) {
                let mut subscriber = Subscriber::new(plugin.name(), hook_router.clone());
                subscriber.path = format!("/plugins/{}", plugin.name());
                pings.push(subscriber);
            }
        }
        let resyncs_to = pings.len();
        if let Some(gerrit_client) = &options.gerrit {
            pings.push(Subscriber::new(
                "gerrit",
                ::gerrit::router(
                    gerrit_client.clone(),
                    store.clone(),
                    artifacts.clone() as Arc<dyn prow_ports::artifacts::ArtifactStore>,
                    config.clone(),
                    options.clock.clone(),
                ),
            ));
        }
        // Lost webhooks asked for again (a PingSource each minute in a cluster).
        let mut redeliver = Subscriber::new("hook-redeliver", hook_router.clone());
        redeliver.path = "/redeliver".into();
        pings.push(redeliver);
        // Tide last: a tick's merges then see the statuses the tick's crier resync reported.
        if let Some(tide) = tide {
            pings.push(Subscriber::new("tide", tide));
        }
        let ping_ids = Arc::new(AtomicU64::new(0));
        if let Some(interval) = options.tick_interval {
            let pings = pings.clone();
            let ids = ping_ids.clone();
            let clock = options.clock.clone();
            tasks.push(tokio::spawn(async move {
                let mut ticker = tokio::time::interval(interval);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticker.tick().await;
                    ping_all(&pings, &ids, clock.as_ref()).await;
                }
            }));
        }
        // Jobs left unfinished by an earlier run of this process are picked up now.
        ping_all(
            &pings[resyncs_from..resyncs_to],
            &ping_ids,
            options.clock.as_ref(),
        )
        .await;

        Ok(LocalSystem {
            address,
            store,
            artifacts_root,
            s3_endpoint: s3.endpoint(),
            pings,
            ping_ids,
            clock: options.clock,
            tasks,
            _s3: s3,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// One ping to horologium, sinker, the controller's and crier's resyncs, the plugins that
    /// sweep and tide, in turn (what the PingSources do in a cluster).
    pub async fn tick(&self) {
        ping_all(&self.pings, &self.ping_ids, self.clock.as_ref()).await;
    }
}

/// Says in the log how many periodics local mode will not start, and how to start them.
fn held_periodics(config: &prow_config::Config, runs: &LocalRunPolicy) {
    let held = config
        .jobs
        .periodics
        .iter()
        .filter(|p| !runs.starts_periodic(p.name()))
        .count();
    if held > 0 {
        tracing::info!(
            held,
            configured = config.jobs.periodics.len(),
            "periodics are not started in local mode unless asked: start them all with --periodics, or some with --jobs"
        );
    }
}

async fn ping_all(pings: &[Subscriber], ids: &AtomicU64, clock: &dyn Clock) {
    let id = format!("ping-{}", ids.fetch_add(1, Ordering::Relaxed));
    let Ok(event): Result<CloudEvent, _> = ping_event(id, rfc3339(clock.now())) else {
        return;
    };
    for subscriber in pings {
        subscriber.deliver(&event).await;
    }
}

impl Drop for LocalSystem {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
