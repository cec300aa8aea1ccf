//! A prepared configuration: the validated, defaulted jobs written to one file, so that a
//! function waking with thousands of jobs reads a small index instead of parsing megabytes of
//! YAML, and decodes one repository's jobs (or the periodics) only when it first needs them.
//!
//! The YAML files stay the source of truth. The prepared file records a SHA-256 digest of the
//! names and texts of `config.yaml` and every job file, and it is used only when that digest
//! matches the files read at start; otherwise the YAML is loaded as before and the file written again. Each stored
//! group carries its own digest too: a group that does not read back (a damaged disk, a file cut
//! short) is logged and taken from the YAML instead, so no job is ever silently missing.
//!
//! Layout: a first line `prow-prepared-config <format> <version>`, a second line with the JSON
//! index ([`Index`]), then the groups, each a JSON array of jobs in upstream's YAML keys with
//! every default written out.

use crate::diagnostics::YamlPath;
use crate::jobs::{JobBase, JobSource, Periodic, Postsubmit, Presubmit};
use crate::loader::{ConfigPaths, Sources};
use crate::{JobConfig, LoadError, LoadOptions, Loaded};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::ops::{Deref, DerefMut, Index as IndexOp};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

const MAGIC: &str = "prow-prepared-config";
/// Bumped whenever the layout or the meaning of a stored job changes.
const FORMAT: u32 = 1;
/// The longest index line read; Kubernetes' configuration needs about 100 KB.
const MAX_INDEX_BYTES: u64 = 64 << 20;

/// What became of the prepared file at a load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreparedUse {
    /// It matched the configuration files: jobs are decoded from it when first used.
    Read,
    /// It was missing or did not match (`reason`): the YAML was loaded and the file written.
    Written { reason: Unusable },
    /// As [`PreparedUse::Written`], but the file could not be written (`error`).
    NotWritten { reason: Unusable, error: String },
}

/// Why a prepared file was not used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("no prepared configuration yet")]
    Missing,
    #[error("cannot read {path}: {error}")]
    Unreadable { path: String, error: String },
    #[error("{path} was written by another version ({found:?}, this is {expected:?})")]
    OtherVersion {
        path: String,
        found: String,
        expected: String,
    },
    #[error("{path} has an unreadable index: {error}")]
    UnreadableIndex { path: String, error: String },
    #[error("the configuration files changed since it was written")]
    Changed,
}

impl fmt::Display for PreparedUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreparedUse::Read => write!(f, "read the prepared configuration"),
            PreparedUse::Written { reason } => {
                write!(
                    f,
                    "loaded the YAML ({reason}) and wrote the prepared configuration"
                )
            }
            PreparedUse::NotWritten { reason, error } => write!(
                f,
                "loaded the YAML ({reason}); could not write the prepared configuration: {error}"
            ),
        }
    }
}

/// Loads the configuration the paths name, taking its jobs from the prepared file at `prepared`
/// when that file matches the configuration files, and (re)writing it when it does not.
/// `config.yaml` and `plugins.yaml` are always read from their YAML.
pub fn load_prepared(
    paths: &ConfigPaths,
    prepared: &Path,
    options: LoadOptions,
) -> Result<(Loaded, PreparedUse), LoadError> {
    // config.yaml and plugins.yaml are read and parsed while the job files are read and checked
    // against the prepared file: on two cores that halves a cold start. Should the check fail,
    // the parse is redone with the jobs.
    let (head, job_files, mut problems) = std::thread::scope(|scope| {
        let head = scope.spawn(|| {
            let mut problems = Vec::new();
            let (config, plugins) = crate::loader::read_config_and_plugins(paths, &mut problems);
            let parsed = config
                .as_ref()
                .filter(|_| problems.is_empty())
                .map(|config| {
                    let without_job_files = Sources {
                        config: config.clone(),
                        job_files: Vec::new(),
                        plugins: plugins.clone(),
                    };
                    crate::load_sources(&without_job_files, options)
                });
            (config, plugins, parsed, problems)
        });
        let mut problems = Vec::new();
        let job_files =
            crate::loader::read_job_files(paths, crate::loader::Digests::AtRead, &mut problems);
        match head.join() {
            Ok(head) => (head, job_files, problems),
            Err(panicked) => std::panic::resume_unwind(panicked),
        }
    });
    let (config, plugins, without_jobs, head_problems) = head;
    problems.splice(0..0, head_problems);
    let (Some(config), Some(without_jobs), true) = (config, without_jobs, problems.is_empty())
    else {
        return Err(LoadError {
            diagnostics: problems,
        });
    };
    let sources = Sources {
        config,
        job_files,
        plugins,
    };
    let digest = sources_digest(&sources);
    let reason = match open(prepared, &digest, paths) {
        Ok(jobs) => {
            let mut loaded = without_jobs?;
            loaded.config.jobs = jobs;
            loaded.fingerprint = sources.fingerprint();
            return Ok((loaded, PreparedUse::Read));
        }
        Err(reason) => reason,
    };
    let loaded = crate::load_sources(&sources, options)?;
    let used = match write(prepared, &loaded.config.jobs, &digest) {
        Ok(()) => PreparedUse::Written { reason },
        Err(error) => PreparedUse::NotWritten {
            reason,
            error: error.to_string(),
        },
    };
    Ok((loaded, used))
}

/// Writes `jobs` as a prepared configuration for the files `sources` holds. The file is written
/// beside `path` and renamed over it, so a reader sees the old file or the new one, never part.
pub fn write_prepared(path: &Path, jobs: &JobConfig, sources: &Sources) -> std::io::Result<()> {
    write(path, jobs, &sources_digest(sources))
}

/// SHA-256 over the name and text SHA-256 of `config.yaml` and every job file, in the order they
/// are read, hashed on all cores. `plugins.yaml` is left out: jobs do not depend on it, and
/// functions that do not use plugins do not read it.
fn sources_digest(sources: &Sources) -> String {
    let files: Vec<&crate::loader::Source> = std::iter::once(&sources.config)
        .chain(&sources.job_files)
        .collect();
    let mut hasher = Sha256::new();
    for source in files {
        let text = source.digest();
        hasher.update((source.name.len() as u64).to_le_bytes());
        hasher.update(source.name.as_bytes());
        hasher.update(text);
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, b| {
            let _ = write!(text, "{b:02x}");
            text
        })
}

fn first_line() -> String {
    format!("{MAGIC} {FORMAT} {}", env!("CARGO_PKG_VERSION"))
}

/// The second line: where each group is, and what the prepared file was made from.
#[derive(Serialize, Deserialize)]
struct Index {
    /// [`sources_digest`] of the files the jobs were loaded from.
    sources: String,
    decorate_all_jobs: bool,
    /// The job files' names, which stored jobs refer to by position.
    files: Vec<String>,
    presubmits: BTreeMap<String, Span>,
    postsubmits: BTreeMap<String, Span>,
    periodics: Span,
}

/// One stored group: its bytes after the index, how many jobs, and its SHA-256.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Span {
    offset: u64,
    len: u64,
    jobs: usize,
    sha256: String,
}

/// A stored job, with where it was defined.
#[derive(Serialize)]
struct StoredJob<'a, T> {
    file: usize,
    path: &'a YamlPath,
    job: &'a T,
}

#[derive(Deserialize)]
struct ReadJob<T> {
    file: usize,
    path: YamlPath,
    job: T,
}

fn write(path: &Path, jobs: &JobConfig, digest: &str) -> std::io::Result<()> {
    let mut body = Body::default();
    let mut presubmits = BTreeMap::new();
    for (repo, group) in &jobs.presubmits {
        presubmits.insert(repo.clone(), body.store(group)?);
    }
    let mut postsubmits = BTreeMap::new();
    for (repo, group) in &jobs.postsubmits {
        postsubmits.insert(repo.clone(), body.store(group)?);
    }
    let periodics = body.store(&jobs.periodics)?;
    let index = Index {
        sources: digest.to_string(),
        decorate_all_jobs: jobs.decorate_all_jobs,
        files: body.files,
        presubmits,
        postsubmits,
        periodics,
    };

    let directory = path.parent().filter(|p| !p.as_os_str().is_empty());
    let directory = directory.unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "prepared".into(), |n| n.to_string_lossy().into_owned());
    // Unique even across pods sharing a volume (where every process may be pid 1).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temporary = directory.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let written = (|| {
        let mut out = std::io::BufWriter::new(File::create(&temporary)?);
        writeln!(out, "{}", first_line())?;
        serde_json::to_writer(&mut out, &index)?;
        out.write_all(b"\n")?;
        out.write_all(&body.bytes)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// The groups as they are written, and the job files they name.
#[derive(Default)]
struct Body {
    bytes: Vec<u8>,
    files: Vec<String>,
    file_numbers: HashMap<Arc<str>, usize>,
}

impl Body {
    fn store<T: PreparedJob>(&mut self, group: &[T]) -> std::io::Result<Span> {
        let offset = self.bytes.len();
        let mut stored = Vec::with_capacity(group.len());
        for job in group {
            let source = &job.base().source;
            let file = match self.file_numbers.get(&source.file) {
                Some(&n) => n,
                None => {
                    self.files.push(source.file.to_string());
                    self.file_numbers
                        .insert(source.file.clone(), self.files.len() - 1);
                    self.files.len() - 1
                }
            };
            stored.push(StoredJob {
                file,
                path: &source.path,
                job,
            });
        }
        serde_json::to_writer(&mut self.bytes, &stored)?;
        let bytes = &self.bytes[offset..];
        Ok(Span {
            offset: offset as u64,
            len: bytes.len() as u64,
            jobs: group.len(),
            sha256: hex(&Sha256::digest(bytes)),
        })
    }
}

/// Opens the prepared file if it was made from the files whose digest is `digest`; otherwise
/// says why not.
fn open(path: &Path, digest: &str, paths: &ConfigPaths) -> Result<JobConfig, Unusable> {
    let unreadable = |error: std::io::Error| Unusable::Unreadable {
        path: path.display().to_string(),
        error: error.to_string(),
    };
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Unusable::Missing,
        _ => unreadable(e),
    })?;
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    (&mut reader)
        .take(256)
        .read_line(&mut line)
        .map_err(unreadable)?;
    if line.trim_end() != first_line() {
        return Err(Unusable::OtherVersion {
            path: path.display().to_string(),
            found: line.trim_end().to_string(),
            expected: first_line(),
        });
    }
    let mut line = Vec::new();
    (&mut reader)
        .take(MAX_INDEX_BYTES)
        .read_until(b'\n', &mut line)
        .map_err(unreadable)?;
    let index: Index = serde_json::from_slice(&line).map_err(|e| Unusable::UnreadableIndex {
        path: path.display().to_string(),
        error: e.to_string(),
    })?;
    if index.sources != digest {
        return Err(Unusable::Changed);
    }
    let body_start = consumed(&mut reader).map_err(unreadable)?;
    let file = Arc::new(PreparedFile {
        handle: reader.into_inner(),
        path: path.to_path_buf(),
        body_start,
        files: index.files.iter().map(|f| Arc::from(f.as_str())).collect(),
        paths: paths.clone(),
        from_yaml: OnceLock::new(),
    });
    let stored = |span: Span, repo: &str| Stored {
        file: file.clone(),
        span,
        repo: repo.to_string(),
    };
    Ok(JobConfig {
        presets: Vec::new(),
        presubmits: stored_by_repo(index.presubmits, &stored),
        postsubmits: stored_by_repo(index.postsubmits, &stored),
        periodics: Lazy::stored(stored(index.periodics, "")),
        decorate_all_jobs: index.decorate_all_jobs,
    })
}

/// Each repository's group, to be decoded when first used.
fn stored_by_repo<T>(
    spans: BTreeMap<String, Span>,
    stored: &impl Fn(Span, &str) -> Stored,
) -> ByRepo<T> {
    ByRepo(
        spans
            .into_iter()
            .map(|(repo, span)| {
                let group = Lazy::stored(stored(span, &repo));
                (repo, group)
            })
            .collect(),
    )
}

/// How far a reader has consumed its file: the file's position less what is still buffered.
fn consumed(reader: &mut BufReader<File>) -> std::io::Result<u64> {
    use std::io::Seek;
    let buffered = reader.buffer().len() as u64;
    Ok(reader.get_mut().stream_position()? - buffered)
}

/// An open prepared file. The handle is kept, so a newer file renamed over it does not change
/// what this one reads.
struct PreparedFile {
    handle: File,
    path: PathBuf,
    body_start: u64,
    files: Vec<Arc<str>>,
    /// For the YAML fallback when a group does not read back.
    paths: ConfigPaths,
    from_yaml: OnceLock<Option<JobConfig>>,
}

impl fmt::Debug for PreparedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A group of jobs in a prepared file, not yet decoded.
#[derive(Clone, Debug)]
struct Stored {
    file: Arc<PreparedFile>,
    span: Span,
    /// `org/repo`, or empty for the periodics.
    repo: String,
}

impl Stored {
    fn decode<T: PreparedJob>(&self) -> Vec<T> {
        match self.try_decode() {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::error!(
                    prepared = %self.file.path.display(),
                    kind = T::KIND,
                    repo = %self.repo,
                    %error,
                    "prepared configuration unreadable; reading these jobs from the YAML"
                );
                self.read_from_yaml()
            }
        }
    }

    fn try_decode<T: PreparedJob>(&self) -> Result<Vec<T>, String> {
        let file = &self.file;
        let len = usize::try_from(self.span.len).map_err(|e| e.to_string())?;
        let mut bytes = vec![0; len];
        file.handle
            .read_exact_at(&mut bytes, file.body_start + self.span.offset)
            .map_err(|e| e.to_string())?;
        if hex(&Sha256::digest(&bytes)) != self.span.sha256 {
            return Err("its digest does not match".to_string());
        }
        let read: Vec<ReadJob<T>> = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        read.into_iter()
            .map(
                |ReadJob {
                     file: n,
                     path,
                     mut job,
                 }| {
                    let file = file.files.get(n).ok_or("a job names no known file")?;
                    job.base_mut().source = JobSource {
                        file: file.clone(),
                        path,
                    };
                    Ok(job)
                },
            )
            .collect()
    }

    fn read_from_yaml<T: PreparedJob>(&self) -> Vec<T> {
        let jobs = self.file.from_yaml.get_or_init(|| {
            match crate::load(&self.file.paths, LoadOptions::default()) {
                Ok(loaded) => Some(loaded.config.jobs),
                Err(error) => {
                    tracing::error!(%error, "configuration unreadable too; these jobs are left out");
                    None
                }
            }
        });
        jobs.as_ref()
            .map(|jobs| T::group(jobs, &self.repo).to_vec())
            .unwrap_or_default()
    }
}

/// The three job kinds, as stored in a prepared file. Public only in name: nothing outside this
/// crate can name it.
pub trait PreparedJob: Clone + Serialize + DeserializeOwned {
    const KIND: &'static str;
    fn base(&self) -> &JobBase;
    fn base_mut(&mut self) -> &mut JobBase;
    /// This kind's jobs of `repo` (ignored for periodics) in a loaded configuration.
    fn group<'a>(jobs: &'a JobConfig, repo: &str) -> &'a [Self];
}

/// Each kind's name and where its jobs are in a loaded configuration.
macro_rules! prepared_job {
    ($kind:ty, $name:literal, |$jobs:ident, $repo:ident| $group:expr) => {
        impl PreparedJob for $kind {
            const KIND: &'static str = $name;
            fn base(&self) -> &JobBase {
                &self.base
            }
            fn base_mut(&mut self) -> &mut JobBase {
                &mut self.base
            }
            fn group<'a>($jobs: &'a JobConfig, $repo: &str) -> &'a [Self] {
                $group
            }
        }
    };
}

prepared_job!(Presubmit, "presubmit", |jobs, repo| jobs
    .presubmits_for(repo));
prepared_job!(Postsubmit, "postsubmit", |jobs, repo| jobs
    .postsubmits_for(repo));
prepared_job!(Periodic, "periodic", |jobs, _repo| &jobs.periodics);

/// A list of jobs that may still be stored in a prepared file: it reads as a `Vec` and is
/// decoded, once, on first use. Jobs loaded from YAML are simply held.
#[derive(Clone)]
pub struct Lazy<T> {
    held: Vec<T>,
    stored: Option<Stored>,
    decoded: OnceLock<Vec<T>>,
}

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Lazy {
            held: Vec::new(),
            stored: None,
            decoded: OnceLock::new(),
        }
    }
}

impl<T> Lazy<T> {
    fn stored(stored: Stored) -> Self {
        Lazy {
            stored: Some(stored),
            ..Lazy::default()
        }
    }

    /// How many jobs, without decoding them.
    pub fn count(&self) -> usize {
        match &self.stored {
            Some(stored) => stored.span.jobs,
            None => self.held.len(),
        }
    }
}

impl<T> From<Vec<T>> for Lazy<T> {
    fn from(held: Vec<T>) -> Self {
        Lazy {
            held,
            ..Lazy::default()
        }
    }
}

impl<T: PreparedJob> Deref for Lazy<T> {
    type Target = Vec<T>;

    fn deref(&self) -> &Vec<T> {
        match &self.stored {
            Some(stored) => self.decoded.get_or_init(|| stored.decode()),
            None => &self.held,
        }
    }
}

impl<T: PreparedJob> DerefMut for Lazy<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        if let Some(stored) = self.stored.take() {
            self.held = self.decoded.take().unwrap_or_else(|| stored.decode());
        }
        &mut self.held
    }
}

impl<'a, T: PreparedJob> IntoIterator for &'a Lazy<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T> fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.stored {
            Some(stored) if self.decoded.get().is_none() => {
                write!(f, "<{} stored jobs>", stored.span.jobs)
            }
            _ => write!(f, "<{} jobs>", self.count()),
        }
    }
}

/// Jobs by `org/repo`, each repository's decoded on first use (see [`Lazy`]). Reads like the
/// `BTreeMap<String, Vec<T>>` it replaces.
#[derive(Clone, Debug)]
pub struct ByRepo<T>(BTreeMap<String, Lazy<T>>);

impl<T> Default for ByRepo<T> {
    fn default() -> Self {
        ByRepo(BTreeMap::new())
    }
}

type Entry<'a, T> = (&'a String, &'a Vec<T>);
type EntryMut<'a, T> = (&'a String, &'a mut Vec<T>);

impl<T: PreparedJob> ByRepo<T> {
    /// `org/repo`'s jobs, decoding them if they are stored.
    pub fn get(&self, repo: &str) -> Option<&Vec<T>> {
        self.0.get(repo).map(|jobs| &**jobs)
    }

    /// Every repository's jobs, decoding each as it is reached.
    pub fn iter(&self) -> impl Iterator<Item = Entry<'_, T>> {
        self.into_iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = EntryMut<'_, T>> {
        self.into_iter()
    }

    pub fn values(&self) -> impl Iterator<Item = &Vec<T>> {
        self.0.values().map(|jobs| &**jobs)
    }

    /// `org/repo`'s jobs to add to, created empty if it has none.
    pub fn repo_mut(&mut self, repo: String) -> &mut Vec<T> {
        self.0.entry(repo).or_default()
    }
}

impl<T> ByRepo<T> {
    /// The repositories with jobs of this kind, without decoding any.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    /// How many jobs in all, without decoding them.
    pub fn count(&self) -> usize {
        self.0.values().map(Lazy::count).sum()
    }
}

impl<T: PreparedJob> IndexOp<&str> for ByRepo<T> {
    type Output = Vec<T>;

    /// Panics when `repo` has no jobs, as a map's index does; for tests and examples.
    fn index(&self, repo: &str) -> &Vec<T> {
        &self.0[repo]
    }
}

impl<T> FromIterator<(String, Vec<T>)> for ByRepo<T> {
    fn from_iter<I: IntoIterator<Item = (String, Vec<T>)>>(iter: I) -> Self {
        ByRepo(
            iter.into_iter()
                .map(|(repo, jobs)| (repo, Lazy::from(jobs)))
                .collect(),
        )
    }
}

impl<'a, T: PreparedJob> IntoIterator for &'a ByRepo<T> {
    type Item = Entry<'a, T>;
    type IntoIter = std::iter::Map<
        std::collections::btree_map::Iter<'a, String, Lazy<T>>,
        fn((&'a String, &'a Lazy<T>)) -> Entry<'a, T>,
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(repo, jobs)| (repo, &**jobs))
    }
}

impl<'a, T: PreparedJob> IntoIterator for &'a mut ByRepo<T> {
    type Item = EntryMut<'a, T>;
    type IntoIter = std::iter::Map<
        std::collections::btree_map::IterMut<'a, String, Lazy<T>>,
        fn((&'a String, &'a mut Lazy<T>)) -> EntryMut<'a, T>,
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut().map(|(repo, jobs)| (repo, &mut **jobs))
    }
}
