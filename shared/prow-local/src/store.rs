//! The embedded job store: one JSON file per ProwJob in a state directory, with the Kubernetes
//! store's semantics (unique names, a resourceVersion bumped on every change, stale updates
//! refused). Each write goes to a temporary file that is synced and then renamed over the old
//! one, so a kill at any moment leaves either the old or the new job, never a torn one.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use prow_api::ProwJob;
use prow_ports::clock::{Clock, SystemClock};
use prow_ports::store::{
    JobChange, JobChanges, JobStore, Page, StoreError, StoreFuture, parse_selector,
    selector_matches,
};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub struct EmbeddedJobStore {
    dir: PathBuf,
    state: Mutex<State>,
    /// The change feed; changes are sent under the state lock, so in the order they happened.
    changes: tokio::sync::broadcast::Sender<JobChange>,
    /// Stamps `metadata.creationTimestamp`.
    clock: Arc<dyn Clock>,
}

struct State {
    jobs: BTreeMap<String, ProwJob>,
    /// The last resourceVersion handed out.
    version: u64,
}

fn backend(context: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("{context}: {error}"))
}

impl EmbeddedJobStore {
    /// Opens (creating) the store in `dir` and reads every job in it. Leftover temporary files
    /// from an interrupted write are removed; the job they were replacing is intact.
    pub fn open(dir: impl Into<PathBuf>) -> Result<EmbeddedJobStore, StoreError> {
        EmbeddedJobStore::open_with_clock(dir, SystemClock::shared())
    }

    /// [`EmbeddedJobStore::open`], stamping creation times from `clock`.
    pub fn open_with_clock(
        dir: impl Into<PathBuf>,
        clock: Arc<dyn Clock>,
    ) -> Result<EmbeddedJobStore, StoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| backend(&format!("creating {}", dir.display()), e))?;
        let mut jobs = BTreeMap::new();
        let mut version = 0;
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| backend(&format!("reading {}", dir.display()), e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            match path.extension().and_then(|e| e.to_str()) {
                Some("json") => {
                    let text = std::fs::read(&path)
                        .map_err(|e| backend(&format!("reading {}", path.display()), e))?;
                    let job: ProwJob = serde_json::from_slice(&text)
                        .map_err(|e| backend(&format!("{} is not a ProwJob", path.display()), e))?;
                    version = version.max(resource_version(&job));
                    jobs.insert(job.name().to_string(), job);
                }
                Some("tmp") => {
                    let _ = std::fs::remove_file(&path);
                }
                _ => {}
            }
        }
        Ok(EmbeddedJobStore {
            dir,
            state: Mutex::new(State { jobs, version }),
            changes: tokio::sync::broadcast::channel(CHANGE_BUFFER).0,
            clock,
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    fn persist(&self, job: &ProwJob) -> Result<(), StoreError> {
        let path = self.path(job.name());
        let temporary = self.dir.join(format!("{}.json.tmp", job.name()));
        let bytes = serde_json::to_vec_pretty(job).map_err(|e| backend("encoding a ProwJob", e))?;
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&temporary)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&temporary, &path)?;
            sync_dir(&self.dir)
        };
        write().map_err(|e| backend(&format!("writing {}", path.display()), e))
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, StoreError> {
        self.state
            .lock()
            .map_err(|_| StoreError::Backend("the store's lock is poisoned".into()))
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn resource_version(job: &ProwJob) -> u64 {
    job.metadata
        .resource_version
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or_default()
}

/// Names become file names: only what Kubernetes allows in a name.
fn check_name(name: &str) -> Result<(), StoreError> {
    let valid = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !name.starts_with('.');
    if valid {
        Ok(())
    } else {
        Err(StoreError::Backend(format!(
            "{name:?} is not a valid ProwJob name"
        )))
    }
}

impl JobStore for EmbeddedJobStore {
    fn create<'a>(&'a self, job: &'a ProwJob) -> StoreFuture<'a, ProwJob> {
        Box::pin(async move {
            check_name(job.name())?;
            let mut state = self.lock()?;
            if state.jobs.contains_key(job.name()) {
                return Err(StoreError::AlreadyExists(job.name().to_string()));
            }
            let mut stored = job.clone();
            state.version += 1;
            stored.metadata.resource_version = Some(state.version.to_string());
            stored.metadata.uid = Some(format!("embedded-{}", state.version));
            stored.metadata.creation_timestamp = Some(Time(to_second(self.clock.now())));
            self.persist(&stored)?;
            state.jobs.insert(stored.name().to_string(), stored.clone());
            let _ = self.changes.send(JobChange::Added(stored.clone()));
            Ok(stored)
        })
    }

    fn get<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ProwJob> {
        Box::pin(async move {
            self.lock()?
                .jobs
                .get(name)
                .cloned()
                .ok_or_else(|| StoreError::NotFound(name.to_string()))
        })
    }

    fn list<'a>(&'a self, selector: &'a str) -> StoreFuture<'a, Vec<ProwJob>> {
        Box::pin(async move {
            let requirements = parse_selector(selector)?;
            let empty = BTreeMap::new();
            Ok(self
                .lock()?
                .jobs
                .values()
                .filter(|job| {
                    selector_matches(
                        &requirements,
                        job.metadata.labels.as_ref().unwrap_or(&empty),
                    )
                })
                .cloned()
                .collect())
        })
    }

    fn list_page<'a>(
        &'a self,
        selector: &'a str,
        limit: usize,
        continue_from: Option<&'a str>,
    ) -> StoreFuture<'a, Page> {
        Box::pin(async move {
            let requirements = parse_selector(selector)?;
            let empty = BTreeMap::new();
            let state = self.lock()?;
            let start = match continue_from {
                Some(after) => std::ops::Bound::Excluded(after.to_string()),
                None => std::ops::Bound::Unbounded,
            };
            let mut jobs = Vec::new();
            let mut last = None;
            for (name, job) in state.jobs.range((start, std::ops::Bound::Unbounded)) {
                if jobs.len() == limit.max(1) {
                    return Ok(Page {
                        jobs,
                        continue_from: last,
                    });
                }
                last = Some(name.clone());
                if selector_matches(
                    &requirements,
                    job.metadata.labels.as_ref().unwrap_or(&empty),
                ) {
                    jobs.push(job.clone());
                }
            }
            Ok(Page {
                jobs,
                continue_from: None,
            })
        })
    }

    fn update<'a>(&'a self, job: &'a ProwJob) -> StoreFuture<'a, ProwJob> {
        Box::pin(async move {
            let mut state = self.lock()?;
            let current = state
                .jobs
                .get(job.name())
                .ok_or_else(|| StoreError::NotFound(job.name().to_string()))?;
            if job.metadata.resource_version.is_none()
                || job.metadata.resource_version != current.metadata.resource_version
            {
                return Err(StoreError::Conflict(job.name().to_string()));
            }
            let mut stored = job.clone();
            // What the API server owns stays as it was.
            stored.metadata.uid = current.metadata.uid.clone();
            stored.metadata.creation_timestamp = current.metadata.creation_timestamp.clone();
            state.version += 1;
            stored.metadata.resource_version = Some(state.version.to_string());
            self.persist(&stored)?;
            state.jobs.insert(stored.name().to_string(), stored.clone());
            let _ = self.changes.send(JobChange::Modified(stored.clone()));
            Ok(stored)
        })
    }

    fn delete<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut state = self.lock()?;
            let Some(removed) = state.jobs.remove(name) else {
                return Err(StoreError::NotFound(name.to_string()));
            };
            let path = self.path(name);
            std::fs::remove_file(&path)
                .and_then(|()| sync_dir(&self.dir))
                .map_err(|e| backend(&format!("removing {}", path.display()), e))?;
            let _ = self.changes.send(JobChange::Deleted(removed));
            Ok(())
        })
    }

    fn watch<'a>(&'a self, selector: &'a str) -> StoreFuture<'a, JobChanges> {
        Box::pin(async move {
            let requirements = parse_selector(selector)?;
            let receiver = self.changes.subscribe();
            let changes = futures_util::stream::unfold(
                (receiver, requirements),
                |(mut receiver, requirements)| async move {
                    let empty = BTreeMap::new();
                    loop {
                        let item = match receiver.recv().await {
                            Ok(change) => {
                                let labels = change.job().metadata.labels.as_ref();
                                if !selector_matches(&requirements, labels.unwrap_or(&empty)) {
                                    continue;
                                }
                                Ok(change)
                            }
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                                Err(StoreError::Backend(format!(
                                    "the watch fell {missed} changes behind; list and watch again"
                                )))
                            }
                            Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                        };
                        return Some((item, (receiver, requirements)));
                    }
                },
            );
            Ok(Box::pin(changes) as JobChanges)
        })
    }
}

/// Changes a slow watcher may fall behind by before it is told to start over.
const CHANGE_BUFFER: usize = 4096;

/// To the second, as the API server keeps timestamps (and as they are written to disk).
fn to_second(at: k8s_openapi::jiff::Timestamp) -> k8s_openapi::jiff::Timestamp {
    k8s_openapi::jiff::Timestamp::from_second(at.as_second()).unwrap_or(at)
}
