//! The local executor: a job's test container runs as a local process instead of a pod. Its
//! `command` and `args` run in a folder of their own (`<root>/<job>/`) with the job's environment,
//! the container's `env` values, the decoration timeout and grace period; decorated jobs get their
//! refs cloned and their logs uploaded like a decorated pod's ([`prow_podutils::run_decorated`]).
//! The container image is not used: the command runs on this machine.
//!
//! Each run's state is written to `<root>/<job>/run.json`, so after a restart a run that was
//! going when the process died is seen as stopped unexpectedly (like a pod on a lost node), and a
//! finished one keeps its result.

use crate::policy::LocalRunPolicy;
use k8s_openapi::jiff::Timestamp;
use prow_api::ProwJob;
use prow_api::downward::{JobSpec, RunResult, job_env};
use prow_podutils::clone::CloneSource;
use prow_podutils::entrypoint::{DEFAULT_GRACE_PERIOD, DEFAULT_TIMEOUT};
use prow_podutils::{DecoratedRun, run_decorated};
use prow_ports::artifacts::ArtifactStore;
use prow_ports::clock::Clock;
use prow_ports::executor::{Executor, ExecutorError, ExecutorFuture, Hold, Workload};
use prow_ports::executor::{RunObservation, RunPhase, StopCause};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};

/// What the executor needs besides the jobs.
#[derive(Clone)]
pub struct LocalExecutorOptions {
    /// Where decorated jobs clone from (none: decorated jobs run without cloning).
    pub clone_source: Option<CloneSource>,
    /// Where decorated jobs upload (their `gcs_configuration.bucket` names the bucket; the store
    /// must be that bucket's).
    pub artifacts: Option<Arc<dyn ArtifactStore>>,
    /// When runs start, and what `started.json` and `finished.json` record.
    pub clock: Arc<dyn Clock>,
    /// Which jobs run on this machine, and how many at once.
    pub policy: LocalRunPolicy,
}

/// A run as it is written to `run.json`.
impl Default for LocalExecutorOptions {
    /// No cloning, no uploads, the machine's clock, no limits.
    fn default() -> LocalExecutorOptions {
        LocalExecutorOptions {
            clone_source: None,
            artifacts: None,
            clock: prow_ports::clock::SystemClock::shared(),
            policy: LocalRunPolicy::everything(usize::MAX),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct RunRecord {
    build_id: String,
    created: Timestamp,
    started: Option<Timestamp>,
    /// `None` while running.
    result: Option<RunResult>,
    exit_code: Option<i32>,
}

struct Running {
    abort: watch::Sender<bool>,
    done: tokio::task::JoinHandle<()>,
}

pub struct LocalExecutor {
    root: PathBuf,
    options: LocalExecutorOptions,
    running: Mutex<HashMap<String, Running>>,
    starting: prow_runtime::locks::KeyedLocks,
    /// Taken from checking for a free slot to registering the run, so two starts of different
    /// jobs cannot both take the last slot.
    slots: tokio::sync::Mutex<()>,
    /// Names of jobs whose run changed (started or finished): local mode's pod events.
    changes: broadcast::Sender<String>,
    /// The jobs held back, with the reason last logged for each (logged once per reason).
    held: Mutex<HashMap<String, String>>,
}

fn write_record(dir: &Path, record: &RunRecord) -> std::io::Result<()> {
    let temporary = dir.join("run.json.tmp");
    std::fs::write(&temporary, serde_json::to_vec(record).unwrap_or_default())?;
    std::fs::rename(&temporary, dir.join("run.json"))
}

fn read_record(dir: &Path) -> Option<RunRecord> {
    let text = std::fs::read(dir.join("run.json")).ok()?;
    serde_json::from_slice(&text).ok()
}

impl LocalExecutor {
    pub fn new(root: impl Into<PathBuf>, options: LocalExecutorOptions) -> LocalExecutor {
        LocalExecutor {
            root: root.into(),
            options,
            running: Mutex::new(HashMap::new()),
            starting: prow_runtime::locks::KeyedLocks::default(),
            slots: tokio::sync::Mutex::new(()),
            changes: broadcast::channel(1024).0,
            held: Mutex::new(HashMap::new()),
        }
    }

    /// Runs going now.
    fn running_count(&self) -> usize {
        self.running
            .lock()
            .map(|r| r.values().filter(|run| !run.done.is_finished()).count())
            .unwrap_or(0)
    }

    /// Logs that `job` is held back, once for each reason.
    fn note_hold(&self, job: &ProwJob, reason: &str) {
        let first = self.held.lock().is_ok_and(|mut held| {
            held.insert(job.name().to_string(), reason.to_string())
                .as_deref()
                != Some(reason)
        });
        if first {
            tracing::info!(prowjob = job.name(), job = %job.spec.job, reason, "job held back");
        }
    }

    /// Job names, each time a run starts or ends.
    pub fn changes(&self) -> broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    fn run_dir(&self, job: &ProwJob) -> PathBuf {
        self.root.join(job.name())
    }

    fn is_running(&self, name: &str) -> bool {
        self.running
            .lock()
            .map(|r| r.get(name).is_some_and(|run| !run.done.is_finished()))
            .unwrap_or(false)
    }
}

/// Removes a run's folder. A process still writing into it (the leftover of a run being stopped)
/// can add a file between the listing and the removal; the removal is then tried again.
async fn remove_run_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut attempts = 0;
    loop {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::DirectoryNotEmpty && attempts < 5 => {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
}

impl Executor for LocalExecutor {
    fn hold(&self, job: &ProwJob) -> Option<Hold> {
        let policy = &self.options.policy;
        let image = job
            .spec
            .pod_spec
            .as_ref()
            .and_then(|p| p.containers.first())
            .and_then(|c| c.image.as_deref())
            .unwrap_or_default();
        let hold = match policy.image_hold(&job.spec.job, image) {
            Some(reason) => Hold {
                reason,
                retry_after: None,
            },
            None => Hold {
                reason: policy.capacity_hold(self.running_count())?,
                retry_after: Some(std::time::Duration::from_secs(2)),
            },
        };
        self.note_hold(job, &hold.reason);
        Some(hold)
    }

    fn log<'a>(
        &'a self,
        job: &'a ProwJob,
        tail_bytes: usize,
    ) -> ExecutorFuture<'a, Option<String>> {
        Box::pin(async move {
            let path = self.run_dir(job).join("logs").join("process-log.txt");
            match tokio::fs::read(&path).await {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    Ok(Some(
                        prow_ports::executor::tail(&text, tail_bytes).to_string(),
                    ))
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(ExecutorError::retryable(job, error)),
            }
        })
    }

    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<RunObservation>> {
        Box::pin(async move {
            let Some(record) = read_record(&self.run_dir(job)) else {
                return Ok(None);
            };
            let (phase, unexpected_stop) = match record.result {
                Some(RunResult::Success) => (RunPhase::Succeeded, None),
                Some(RunResult::Failure | RunResult::Aborted) => (RunPhase::Failed, None),
                None if self.is_running(job.name()) => (RunPhase::Running, None),
                // Running when an earlier process of ours died: what it left running is stopped,
                // and the run counts as lost (the controller revives the job).
                None => {
                    prow_podutils::entrypoint::stop_leftover(
                        &self.run_dir(job).join(prow_podutils::GROUP_FILE),
                    );
                    (RunPhase::Unknown, Some(StopCause::NodeUnreachable))
                }
            };
            Ok(Some(RunObservation {
                phase,
                created: record.created,
                started: record.started,
                deleting: false,
                unexpected_stop,
                all_containers_succeeded: record.result == Some(RunResult::Success),
                build_id: record.build_id,
                detail: None,
            }))
        })
    }

    fn start<'a>(&'a self, job: &'a ProwJob, build_id: &'a str) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            // Checking for a run and starting one is one step: two starts of a job at once
            // (two controllers' reconciliations) start one run.
            let _starting = self.starting.lock(job.name()).await;
            let dir = self.run_dir(job);
            if read_record(&dir).is_some() {
                return Ok(()); // started by an earlier attempt: keep it
            }
            // The controller asked `hold` first; two starts at once can still meet here, and
            // the one that finds no slot is held back like the others.
            let _slot = self.slots.lock().await;
            if let Some(reason) = self.options.policy.capacity_hold(self.running_count()) {
                self.note_hold(job, &reason);
                return Err(ExecutorError::held(
                    job,
                    Hold {
                        reason,
                        retry_after: Some(std::time::Duration::from_secs(2)),
                    },
                ));
            }
            let container = job
                .spec
                .pod_spec
                .as_ref()
                .and_then(|p| p.containers.first())
                .ok_or_else(|| {
                    ExecutorError::terminal(job, "the job has no pod_spec container to run")
                })?;
            let mut command = container.command.clone().unwrap_or_default();
            command.extend(container.args.clone().unwrap_or_default());
            if command.is_empty() {
                return Err(ExecutorError::terminal(
                    job,
                    "the job's container has no command or args to run locally",
                ));
            }
            let spec = JobSpec::for_job(job, build_id);
            let mut env: BTreeMap<String, String> = container
                .env
                .iter()
                .flatten()
                .filter_map(|v| v.value.clone().map(|value| (v.name.clone(), value)))
                .collect();
            env.extend(job_env(&spec, &job.spec.agent));
            let decoration = job.spec.decoration_config.clone();
            let now = self.options.clock.now();
            let record = RunRecord {
                build_id: build_id.to_string(),
                created: now,
                started: Some(now),
                result: None,
                exit_code: None,
            };
            // A stale folder from a run that never wrote its record is replaced.
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)
                .and_then(|()| write_record(&dir, &record))
                .map_err(|e| {
                    ExecutorError::retryable(job, format!("preparing {}: {e}", dir.display()))
                })?;
            let (abort, aborted) = watch::channel(false);
            let options = self.options.clone();
            let changes = self.changes.clone();
            let name = job.name().to_string();
            let done = tokio::spawn(async move {
                let gcs = decoration
                    .as_ref()
                    .and_then(|d| d.gcs_configuration.clone());
                let upload = options
                    .artifacts
                    .as_deref()
                    .zip(gcs.as_ref().filter(|g| !g.bucket.is_empty()));
                let clone = options.clone_source.clone().filter(|_| {
                    decoration
                        .as_ref()
                        .is_some_and(|d| d.skip_cloning != Some(true))
                });
                let report = run_decorated(
                    DecoratedRun {
                        spec: &spec,
                        command,
                        env,
                        root: dir.clone(),
                        timeout: decoration
                            .as_ref()
                            .and_then(|d| d.timeout)
                            .map_or(DEFAULT_TIMEOUT, |t| t.as_std()),
                        grace_period: decoration
                            .as_ref()
                            .and_then(|d| d.grace_period)
                            .map_or(DEFAULT_GRACE_PERIOD, |t| t.as_std()),
                        clone,
                        upload,
                        clock: options.clock.as_ref(),
                    },
                    aborted,
                )
                .await;
                for error in &report.upload_errors {
                    tracing::warn!(prowjob = %name, %error, "uploading the run's files failed");
                }
                let finished = RunRecord {
                    result: Some(report.result),
                    exit_code: Some(report.outcome.exit_code()),
                    ..record
                };
                if let Err(error) = write_record(&dir, &finished) {
                    tracing::error!(prowjob = %name, %error, "recording the run's result failed");
                }
                let _ = changes.send(name);
            });
            if let Ok(mut running) = self.running.lock() {
                running.insert(job.name().to_string(), Running { abort, done });
            }
            let _ = self.changes.send(job.name().to_string());
            Ok(())
        })
    }

    fn workloads(&self) -> ExecutorFuture<'_, Vec<Workload>> {
        Box::pin(async move {
            let mut runs = Vec::new();
            let Ok(entries) = std::fs::read_dir(&self.root) else {
                return Ok(runs);
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(record) = read_record(&entry.path()) {
                    runs.push(Workload {
                        job: name.clone(),
                        name,
                        namespace: String::new(),
                        cluster: String::new(),
                        agent: prow_api::KUBERNETES_AGENT.into(),
                        created: record.created,
                        started: record.started,
                    });
                }
            }
            Ok(runs)
        })
    }

    fn remove<'a>(&'a self, pod: &'a Workload) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            let run = self
                .running
                .lock()
                .ok()
                .and_then(|mut r| r.remove(&pod.name));
            if let Some(run) = run {
                let _ = run.abort.send(true);
                let _ = run.done.await;
            }
            match remove_run_dir(&self.root.join(&pod.name)).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(ExecutorError {
                    job: pod.job.clone(),
                    reason: format!("removing the run {}: {e}", pod.name),
                    terminal: false,
                    held: None,
                }),
            }
        })
    }

    fn stop<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            let run = self
                .running
                .lock()
                .ok()
                .and_then(|mut r| r.remove(job.name()));
            if let Some(run) = run {
                let _ = run.abort.send(true);
                // The entrypoint interrupts, waits out the grace period, and uploads.
                let _ = run.done.await;
            }
            let dir = self.run_dir(job);
            // Like a deleted pod: the run is gone, its uploads stay in the bucket.
            match remove_run_dir(&dir).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(ExecutorError::retryable(
                    job,
                    format!("removing {}: {e}", dir.display()),
                )),
            }
        })
    }
}
