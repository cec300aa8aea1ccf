//! Configuration loaded from mounted files and reloaded when they change. Kubernetes updates a
//! ConfigMap volume by swapping a symlink to new files, so the watcher compares each file's inode,
//! size and modification time ([`prow_config::Fingerprint`]) with those of the files as last
//! loaded, instead of relying on file events. A configuration that fails to load is rejected with
//! a log line and a metric, and the last good one stays in use.

use prow_config::{Config, ConfigPaths, Fingerprint, LoadError, LoadOptions, Loaded};
use prow_metrics::{JobTypeLabels, Metrics, ReloadLabels, ReloadResult};
use prow_ports::clock::Clock;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A cheap, shareable view of the configuration in use.
#[derive(Clone)]
pub struct ConfigHandle(Arc<RwLock<Arc<Config>>>);

impl ConfigHandle {
    pub fn new(config: Config) -> Self {
        ConfigHandle(Arc::new(RwLock::new(Arc::new(config))))
    }

    /// The configuration in use now. Hold it for one request or event, not longer, so reloads
    /// reach the next one.
    pub fn current(&self) -> Arc<Config> {
        match self.0.read() {
            Ok(config) => config.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, config: Config) {
        let config = Arc::new(config);
        match self.0.write() {
            Ok(mut current) => *current = config,
            Err(poisoned) => *poisoned.into_inner() = config,
        }
    }
}

/// What one check of the files found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReloadOutcome {
    Unchanged,
    Reloaded,
    /// The files changed but do not load; the previous configuration stays.
    Rejected {
        errors: usize,
    },
}

pub struct ConfigWatcher {
    paths: ConfigPaths,
    prepared: Option<PathBuf>,
    handle: ConfigHandle,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    fingerprint: Fingerprint,
}

impl ConfigWatcher {
    /// Loads the configuration once; an invalid one is an error, since there is nothing to keep.
    pub fn load(
        paths: ConfigPaths,
        metrics: Arc<Metrics>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        Self::load_prepared(paths, None, metrics, clock)
    }

    /// [`ConfigWatcher::load`], with jobs from the prepared configuration at `prepared` when it
    /// matches the files (and written there when it does not), at start and at every reload.
    pub fn load_prepared(
        paths: ConfigPaths,
        prepared: Option<PathBuf>,
        metrics: Arc<Metrics>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let loaded = load(&paths, prepared.as_deref())?;
        for warning in &loaded.warnings {
            tracing::warn!(diagnostic = %warning, "configuration warning");
        }
        record_success(&metrics, clock.as_ref(), &loaded.config);
        Ok(ConfigWatcher {
            paths,
            prepared,
            fingerprint: loaded.fingerprint,
            handle: ConfigHandle::new(loaded.config),
            metrics,
            clock,
        })
    }

    /// [`ConfigWatcher::load_prepared`] on a thread of its own, so that a function builds its
    /// clients while its configuration loads. The handle is returned at once; reading it waits
    /// until the configuration is in. Join the thread before serving: a configuration that does
    /// not load fails start-up.
    pub fn load_in_background(
        paths: ConfigPaths,
        prepared: Option<PathBuf>,
        metrics: Arc<Metrics>,
        clock: Arc<dyn Clock>,
    ) -> (ConfigHandle, std::thread::JoinHandle<anyhow::Result<Self>>) {
        let handle = ConfigHandle::new(Config::default());
        let (locked, wait_until_locked) = std::sync::mpsc::sync_channel(0);
        let shared = handle.clone();
        let loading = std::thread::spawn(move || {
            // Held until the configuration is in, so no reader sees the placeholder.
            let mut current = match shared.0.write() {
                Ok(current) => current,
                Err(poisoned) => poisoned.into_inner(),
            };
            let _ = locked.send(());
            let watcher = Self::load_prepared(paths, prepared, metrics, clock)?;
            *current = watcher.handle.current();
            drop(current);
            Ok(ConfigWatcher {
                handle: shared,
                ..watcher
            })
        });
        // Returns once the loading thread holds the lock (or has died).
        let _ = wait_until_locked.recv();
        (handle, loading)
    }

    pub fn handle(&self) -> ConfigHandle {
        self.handle.clone()
    }

    /// Reloads if any file changed since the last check.
    pub fn check(&mut self) -> ReloadOutcome {
        let fingerprint = prow_config::fingerprint(&self.paths);
        if fingerprint == self.fingerprint {
            return ReloadOutcome::Unchanged;
        }
        // A configuration that does not load is not read again until the files change again.
        self.fingerprint = fingerprint;
        match load(&self.paths, self.prepared.as_deref()) {
            Ok(loaded) => {
                let counts = loaded.config.jobs.counts();
                tracing::info!(
                    presubmits = counts.presubmits,
                    postsubmits = counts.postsubmits,
                    periodics = counts.periodics,
                    warnings = loaded.warnings.len(),
                    "configuration reloaded"
                );
                record_success(&self.metrics, self.clock.as_ref(), &loaded.config);
                // The files as read: a change made while loading is seen at the next check.
                self.fingerprint = loaded.fingerprint;
                self.metrics
                    .config_reloads
                    .get_or_create(&ReloadLabels {
                        result: ReloadResult::Success,
                    })
                    .inc();
                self.handle.replace(loaded.config);
                ReloadOutcome::Reloaded
            }
            Err(error) => {
                let errors = error.errors().count();
                let first = error
                    .errors()
                    .next()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                tracing::error!(errors, first_error = %first, "configuration rejected; keeping the previous one");
                self.metrics
                    .config_reloads
                    .get_or_create(&ReloadLabels {
                        result: ReloadResult::Failure,
                    })
                    .inc();
                ReloadOutcome::Rejected { errors }
            }
        }
    }

    /// Checks every `interval` until the task is dropped. Loading runs off the async threads.
    pub async fn watch(mut self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            match tokio::task::spawn_blocking(move || {
                let outcome = self.check();
                (self, outcome)
            })
            .await
            {
                Ok((watcher, _)) => self = watcher,
                Err(e) => {
                    tracing::error!(error = %e, "configuration watcher stopped");
                    return;
                }
            }
        }
    }
}

/// Loads the configuration, through the prepared file when one is configured (jobs in a
/// directory only: with no job files there is nothing to prepare).
fn load(paths: &ConfigPaths, prepared: Option<&Path>) -> Result<Loaded, LoadError> {
    let options = LoadOptions::default();
    match prepared {
        Some(prepared) if paths.job_config_path.is_some() => {
            let (loaded, used) = prow_config::load_prepared(paths, prepared, options)?;
            match &used {
                prow_config::PreparedUse::NotWritten { .. } => {
                    tracing::warn!(prepared = %prepared.display(), "{used}");
                }
                _ => tracing::info!(prepared = %prepared.display(), "{used}"),
            }
            Ok(loaded)
        }
        _ => prow_config::load(paths, options),
    }
}

fn record_success(metrics: &Metrics, clock: &dyn Clock, config: &Config) {
    let now = clock.now();
    metrics
        .config_last_reload_success
        .set(now.as_millisecond() as f64 / 1000.0);
    let counts = config.jobs.counts();
    for (job_type, count) in [
        ("presubmit", counts.presubmits),
        ("postsubmit", counts.postsubmits),
        ("periodic", counts.periodics),
    ] {
        metrics
            .configured_jobs
            .get_or_create(&JobTypeLabels {
                job_type: job_type.to_string(),
            })
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }
}
