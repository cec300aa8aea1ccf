//! From files to a [`Config`]: read `config.yaml`, every `.yaml`/`.yml` under the job-config
//! directory (skipping Kubernetes' `..data` volume internals and what `.prowignore` files exclude)
//! and `plugins.yaml`; parse each; merge jobs as upstream merges them; default; validate; and give
//! every problem its line and column.

use crate::diagnostics::{Diagnostic, DiagnosticKind, PathSegment, Severity, YamlPath};
use crate::jobs::{JobSource, Periodic, Postsubmit, Preset, Presubmit};
use crate::plugins::PluginsConfig;
use crate::prow_config::{Opaque, ProwConfig};
use crate::yaml::{self, nullable};
use crate::{Config, JobConfig, LoadError, LoadOptions, Loaded, defaults, validate};
use serde::Deserialize;
use sha2::Digest as _;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// The files upstream's flags name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigPaths {
    /// `--config-path`: `config.yaml`.
    pub config_path: PathBuf,
    /// `--job-config-path`: a directory of job files, or one file.
    pub job_config_path: Option<PathBuf>,
    /// `--plugin-config`: `plugins.yaml`.
    pub plugin_config: Option<PathBuf>,
}

/// One configuration file's name (as given) and text.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: Arc<str>,
    pub text: String,
    /// What the file was when read (see [`Fingerprint`]); `None` for text from memory.
    stamp: Option<FileStamp>,
    /// SHA-256 of `text`, once taken.
    digest: std::sync::OnceLock<[u8; 32]>,
}

impl Source {
    /// SHA-256 of the text, taken once.
    pub(crate) fn digest(&self) -> &[u8; 32] {
        self.digest
            .get_or_init(|| sha2::Sha256::digest(self.text.as_bytes()).into())
    }

    pub fn new(name: &str, text: impl Into<String>) -> Self {
        Source {
            name: Arc::from(name),
            text: text.into(),
            stamp: None,
            digest: std::sync::OnceLock::new(),
        }
    }
}

impl Sources {
    /// The files' [`Fingerprint`] as they were read: a later [`fingerprint`] of the same paths
    /// differs if any file changed since.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint(
            std::iter::once(&self.config)
                .chain(&self.job_files)
                .chain(&self.plugins)
                .map(|source| (PathBuf::from(&*source.name), source.stamp))
                .collect(),
        )
    }
}

/// All configuration text, before parsing.
#[derive(Clone, Debug)]
pub struct Sources {
    pub config: Source,
    pub job_files: Vec<Source>,
    pub plugins: Option<Source>,
}

/// The job keys of a job-config file (upstream `JobConfig`).
#[derive(Default, Deserialize)]
struct JobConfigFile {
    #[serde(default, deserialize_with = "nullable")]
    presets: Vec<Preset>,
    #[serde(default, deserialize_with = "nullable")]
    presubmits: BTreeMap<String, Vec<Presubmit>>,
    #[serde(default, deserialize_with = "nullable")]
    postsubmits: BTreeMap<String, Vec<Postsubmit>>,
    #[serde(default, deserialize_with = "nullable")]
    periodics: Vec<Periodic>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "accepted as upstream does; only config.yaml's value counts"
    )]
    decorate_all_jobs: bool,
    /// Input for job generators, skipped by Prow.
    #[serde(default)]
    #[expect(dead_code, reason = "accepted and skipped, as upstream does")]
    prow_ignored: Opaque,
}

/// Reads and loads the configuration the paths name.
pub fn load(paths: &ConfigPaths, options: LoadOptions) -> Result<Loaded, LoadError> {
    let sources = read_sources(paths).map_err(|diagnostics| LoadError { diagnostics })?;
    load_sources(&sources, options)
}

/// Reads every file the configuration is made of.
pub fn read_sources(paths: &ConfigPaths) -> Result<Sources, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let (config, plugins) = read_config_and_plugins(paths, &mut problems);
    let job_files = read_job_files(paths, Digests::Later, &mut problems);
    match config {
        Some(config) if problems.is_empty() => Ok(Sources {
            config,
            job_files,
            plugins,
        }),
        _ => Err(problems),
    }
}

/// `config.yaml` and, if configured, `plugins.yaml`.
pub(crate) fn read_config_and_plugins(
    paths: &ConfigPaths,
    problems: &mut Vec<Diagnostic>,
) -> (Option<Source>, Option<Source>) {
    let config = read_source(&paths.config_path, problems);
    let plugins = paths
        .plugin_config
        .as_ref()
        .and_then(|path| read_source(path, problems));
    (config, plugins)
}

/// Whether a file's SHA-256 is taken as it is read (for the prepared configuration's check,
/// while the text is in the cache) or only if asked for later.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digests {
    AtRead,
    Later,
}

/// Every job file under `--job-config-path`, read on all cores.
pub(crate) fn read_job_files(
    paths: &ConfigPaths,
    digests: Digests,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Source> {
    let mut job_files = Vec::new();
    if let Some(job_path) = &paths.job_config_path {
        match job_config_files(job_path) {
            Ok(files) => {
                let mut basenames = HashSet::new();
                let mut unique = Vec::with_capacity(files.len());
                for file in files {
                    // Upstream's config-updater keys ConfigMaps by basename, so they must be unique.
                    let basename = file.file_name().map(|n| n.to_string_lossy().into_owned());
                    if let Some(basename) = basename
                        && !basenames.insert(basename.clone())
                    {
                        problems.push(io_problem(
                            &file,
                            format!("duplicated basename is not allowed: {basename}"),
                        ));
                        continue;
                    }
                    unique.push(file);
                }
                let read = crate::parallel::map(unique, |file| {
                    let mut problems = Vec::new();
                    let source = read_source(&file, &mut problems);
                    if let Some(source) = &source
                        && digests == Digests::AtRead
                    {
                        source.digest();
                    }
                    (source, problems)
                });
                for (source, read_problems) in read {
                    job_files.extend(source);
                    problems.extend(read_problems);
                }
            }
            Err(error) => problems.push(io_problem(job_path, error.to_string())),
        }
    }
    job_files
}

fn read_source(path: &Path, problems: &mut Vec<Diagnostic>) -> Option<Source> {
    let read = || -> std::io::Result<(String, FileStamp)> {
        use std::io::Read;
        let mut file = std::fs::File::open(path)?;
        let stamp = FileStamp::of(&file.metadata()?);
        let mut bytes = Vec::with_capacity(usize::try_from(stamp.len).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        // Upstream's config-updater can store files gzip-compressed (`gzip: true`), and upstream
        // reads any file that starts with gzip's magic bytes as such, whatever its name.
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut text = Vec::new();
            flate2::read::MultiGzDecoder::new(bytes.as_slice())
                .read_to_end(&mut text)
                .map_err(|e| std::io::Error::new(e.kind(), format!("not valid gzip: {e}")))?;
            bytes = text;
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))?;
        Ok((text, stamp))
    };
    match read() {
        Ok((text, stamp)) => Some(Source {
            stamp: Some(stamp),
            ..Source::new(&path.to_string_lossy(), text)
        }),
        Err(e) => {
            problems.push(io_problem(path, format!("cannot read file: {e}")));
            None
        }
    }
}

fn io_problem(path: &Path, message: String) -> Diagnostic {
    Diagnostic::error(
        DiagnosticKind::Io,
        Arc::from(path.to_string_lossy().as_ref()),
        YamlPath::root(),
        message,
    )
}

/// A folder of job files that could not be read.
#[derive(Debug, thiserror::Error)]
enum WalkError {
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    #[error("cannot list {dir}: {source}")]
    List {
        dir: String,
        #[source]
        source: std::io::Error,
    },
}

/// The job files under `path`, in lexical order as upstream walks them.
fn job_config_files(path: &Path) -> Result<Vec<PathBuf>, WalkError> {
    let metadata = std::fs::metadata(path).map_err(WalkError::Read)?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    walk(path, &mut Vec::new(), &mut files)?;
    Ok(files)
}

fn walk(
    dir: &Path,
    ignores: &mut Vec<prowignore::IgnoreFile>,
    files: &mut Vec<PathBuf>,
) -> Result<(), WalkError> {
    let pushed = match std::fs::read_to_string(dir.join(".prowignore")) {
        Ok(text) => {
            ignores.push(prowignore::IgnoreFile::parse(dir, &text));
            true
        }
        Err(_) => false,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|source| WalkError::List {
            dir: dir.display().to_string(),
            source,
        })?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Kubernetes volumes keep their real files under `..data` and `..<timestamp>`.
        if name.starts_with("..") {
            continue;
        }
        let path = entry.path();
        // The directory entry knows its type; only a symlink (as in a ConfigMap volume) needs a
        // look at what it points to.
        let is_dir = match entry.file_type() {
            Ok(kind) if kind.is_symlink() => std::fs::metadata(&path).is_ok_and(|m| m.is_dir()),
            Ok(kind) => kind.is_dir(),
            Err(_) => false,
        };
        if ignores.iter().any(|ignore| ignore.excludes(&path, is_dir)) {
            continue;
        }
        if is_dir {
            walk(&path, ignores, files)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(path);
        }
    }
    if pushed {
        ignores.pop();
    }
    Ok(())
}

/// What identifies a configuration's content on disk, cheaply: every file's path, and the
/// device, inode, size and modification time of what it resolves to. A ConfigMap update writes
/// new files and swaps a symlink, which changes the inodes; an edit in place changes the time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprint(Vec<(PathBuf, Option<FileStamp>)>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    device: u64,
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl FileStamp {
    fn of(metadata: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            device: metadata.dev(),
            inode: metadata.ino(),
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }
}

/// The paths' files as they are now; see [`Sources::fingerprint`] for the files as loaded.
pub fn fingerprint(paths: &ConfigPaths) -> Fingerprint {
    let mut files = vec![paths.config_path.clone()];
    if let Some(job_path) = &paths.job_config_path {
        files.extend(job_config_files(job_path).unwrap_or_default());
    }
    files.extend(paths.plugin_config.clone());
    Fingerprint(
        files
            .into_iter()
            .map(|file| {
                let stamp = std::fs::metadata(&file).ok().map(|m| FileStamp::of(&m));
                (file, stamp)
            })
            .collect(),
    )
}

/// Parses, merges, defaults and validates configuration held in memory.
pub fn load_sources(sources: &Sources, options: LoadOptions) -> Result<Loaded, LoadError> {
    let unknown_severity = if options.strict {
        Severity::Error
    } else {
        Severity::Warning
    };
    let mut diagnostics = Vec::new();
    let report_unknown = |diagnostics: &mut Vec<Diagnostic>,
                          file: &Arc<str>,
                          paths: Vec<YamlPath>,
                          job_of: &dyn Fn(&YamlPath) -> Option<String>| {
        for path in paths {
            let key = path
                .0
                .last()
                .map(|segment| match segment {
                    PathSegment::Key(key) => key.clone(),
                    PathSegment::Index(index) => index.to_string(),
                })
                .unwrap_or_default();
            diagnostics.push(Diagnostic {
                severity: unknown_severity,
                kind: DiagnosticKind::UnknownField,
                file: file.clone(),
                location: None,
                job: job_of(&path),
                message: format!("unknown field {key:?} at {path}"),
                path,
            });
        }
    };

    let lenient = |diagnostics: &mut Vec<Diagnostic>,
                   file: &Arc<str>,
                   notes: Vec<yaml::Note>,
                   folded: Vec<yaml::de::FoldedKey>,
                   job_of: &dyn Fn(&YamlPath) -> Option<String>| {
        for note in notes {
            diagnostics.push(note_diagnostic(unknown_severity, file, note, job_of));
        }
        for yaml::de::FoldedKey {
            path,
            field,
            ignored_for,
        } in folded
        {
            let key = last_key(&path);
            let message = match ignored_for {
                Some(winner) => format!(
                    "key {key:?} is ignored: {winner:?} also sets {field:?}, and Prow keeps {winner:?}"
                ),
                None => format!(
                    "key {key:?} is read as {field:?}: Prow matches keys ignoring case, but other tools do not"
                ),
            };
            diagnostics.push(Diagnostic {
                severity: unknown_severity,
                kind: DiagnosticKind::KeyCase,
                file: file.clone(),
                location: None,
                job: job_of(&path),
                message,
                path,
            });
        }
    };

    let parsed = parse_all(sources);
    let mut prow: ProwConfig = ProwConfig::default();
    let mut jobs = JobConfig::default();
    match parsed.config {
        Ok(yaml::Parsed {
            value: mut parsed,
            unknown,
            notes,
            folded,
        }) => {
            let file = &sources.config.name;
            let mut file_jobs = JobConfigFile {
                presets: std::mem::take(&mut parsed.presets),
                presubmits: std::mem::take(&mut parsed.presubmits),
                postsubmits: std::mem::take(&mut parsed.postsubmits),
                periodics: std::mem::take(&mut parsed.periodics),
                ..JobConfigFile::default()
            };
            record_sources(&mut file_jobs, file);
            let job_of = |path: &YamlPath| job_name_at(&file_jobs, path);
            report_unknown(&mut diagnostics, file, unknown, &job_of);
            lenient(&mut diagnostics, file, notes, folded, &job_of);
            jobs.decorate_all_jobs = parsed.decorate_all_jobs;
            merge(&mut jobs, file_jobs);
            prow = parsed;
        }
        Err(error) => diagnostics.push(syntax_problem(&sources.config, error)),
    }

    for (source, parsed) in sources.job_files.iter().zip(parsed.job_files) {
        match parsed {
            Ok(yaml::Parsed {
                value: mut file_jobs,
                unknown,
                notes,
                folded,
            }) => {
                record_sources(&mut file_jobs, &source.name);
                let job_of = |path: &YamlPath| job_name_at(&file_jobs, path);
                report_unknown(&mut diagnostics, &source.name, unknown, &job_of);
                lenient(&mut diagnostics, &source.name, notes, folded, &job_of);
                merge(&mut jobs, file_jobs);
            }
            Err(error) => diagnostics.push(syntax_problem(source, error)),
        }
    }

    let mut plugins = PluginsConfig::default();
    if let (Some(source), Some(parsed)) = (&sources.plugins, parsed.plugins) {
        match parsed {
            Ok(yaml::Parsed {
                value,
                unknown,
                notes,
                folded,
            }) => {
                report_unknown(&mut diagnostics, &source.name, unknown, &|_| None);
                lenient(&mut diagnostics, &source.name, notes, folded, &|_| None);
                plugins = value;
            }
            Err(error) => diagnostics.push(syntax_problem(source, error)),
        }
    }

    diagnostics.extend(duplicate_presets(&jobs.presets));
    let decoration_defaults =
        defaults::components(&mut prow, &sources.config.name, &mut diagnostics);
    // Each batch of jobs is checked right after it is defaulted, while it is in the cache.
    let checker = validate::JobChecker::new(&prow);
    diagnostics.extend(defaults::jobs(
        &prow,
        &decoration_defaults,
        &mut jobs,
        |batch| checker.batch(batch),
    ));
    diagnostics.extend(validate::across_jobs(
        &jobs,
        &plugins,
        sources.plugins.as_ref().map(|p| &p.name),
    ));
    diagnostics.extend(validate::templates(&prow, &sources.config.name));
    diagnostics.extend(prow.branch_protection.check(&sources.config.name));
    diagnostics.extend(prow.gerrit.check(&sources.config.name));
    diagnostics.extend(crate::gerrit::unsupported(
        &prow,
        &plugins,
        &sources.config.name,
        sources.plugins.as_ref().map(|p| &p.name),
    ));
    locate_all(&mut diagnostics, sources);

    let config = Config {
        prow,
        jobs,
        plugins,
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        Err(LoadError { diagnostics })
    } else {
        Ok(Loaded {
            config,
            warnings: diagnostics,
            fingerprint: sources.fingerprint(),
        })
    }
}

/// Every file parsed, on all cores: files are independent until they are merged.
struct ParsedFiles {
    config: Result<yaml::Parsed<ProwConfig>, yaml::SyntaxError>,
    job_files: Vec<Result<yaml::Parsed<JobConfigFile>, yaml::SyntaxError>>,
    plugins: Option<Result<yaml::Parsed<PluginsConfig>, yaml::SyntaxError>>,
}

enum ParsedFile {
    Config(Box<Result<yaml::Parsed<ProwConfig>, yaml::SyntaxError>>),
    Jobs(Result<yaml::Parsed<JobConfigFile>, yaml::SyntaxError>),
    Plugins(Box<Result<yaml::Parsed<PluginsConfig>, yaml::SyntaxError>>),
}

fn parse_all(sources: &Sources) -> ParsedFiles {
    // Work items, largest first so no thread is left with a big file at the end: index 0 is
    // config.yaml, 1..=n the job files, n+1 plugins.yaml.
    let job_count = sources.job_files.len();
    let text_of = |item: usize| match item {
        0 => Some(&sources.config.text),
        i if i <= job_count => Some(&sources.job_files[i - 1].text),
        _ => sources.plugins.as_ref().map(|p| &p.text),
    };
    let mut items: Vec<usize> = (0..job_count + 2)
        .filter(|i| text_of(*i).is_some())
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(text_of(*i).map_or(0, String::len)));
    let mut results = crate::parallel::map(items, |item| {
        let text = text_of(item).map_or("", String::as_str);
        let parsed = match item {
            0 => ParsedFile::Config(Box::new(yaml::parse_file(text, false))),
            i if i <= job_count => ParsedFile::Jobs(yaml::parse_file(text, true)),
            _ => ParsedFile::Plugins(Box::new(yaml::parse_file(text, true))),
        };
        (item, parsed)
    });
    results.sort_by_key(|(item, _)| *item);
    let mut files = ParsedFiles {
        config: Ok(yaml::Parsed::empty()),
        job_files: Vec::with_capacity(job_count),
        plugins: None,
    };
    for (_, parsed) in results {
        match parsed {
            ParsedFile::Config(config) => files.config = *config,
            ParsedFile::Jobs(jobs) => files.job_files.push(jobs),
            ParsedFile::Plugins(plugins) => files.plugins = Some(*plugins),
        }
    }
    files
}

fn last_key(path: &YamlPath) -> String {
    path.0
        .last()
        .map(|segment| match segment {
            PathSegment::Key(key) => key.clone(),
            PathSegment::Index(index) => index.to_string(),
        })
        .unwrap_or_default()
}

fn note_diagnostic(
    severity: Severity,
    file: &Arc<str>,
    note: yaml::Note,
    job_of: &dyn Fn(&YamlPath) -> Option<String>,
) -> Diagnostic {
    match note {
        yaml::Note::RepeatedKey { path, first, again } => Diagnostic {
            severity,
            kind: DiagnosticKind::RepeatedKey,
            file: file.clone(),
            location: Some(again),
            job: job_of(&path),
            message: format!(
                "key {:?} is given twice (first at line {}); Prow uses this last value",
                last_key(&path),
                first.line
            ),
            path,
        },
        yaml::Note::IgnoredDocuments { at } => Diagnostic {
            severity,
            kind: DiagnosticKind::IgnoredContent,
            file: file.clone(),
            location: Some(at),
            job: None,
            message: "a second YAML document starts here; Prow reads only the first document of a file, so this and everything after it is ignored".to_string(),
            path: YamlPath::root(),
        },
    }
}

fn syntax_problem(source: &Source, error: yaml::SyntaxError) -> Diagnostic {
    let path = error.path.unwrap_or_default();
    let tree = (!path.0.is_empty())
        .then(|| yaml::LocationTree::parse(&source.text))
        .flatten();
    let job = tree.as_ref().and_then(|tree| job_name_in_tree(tree, &path));
    // Within a job, the path from the job down says enough; elsewhere the whole path.
    let shown = match job_path_len(&path) {
        Some(len) if job.is_some() => YamlPath(path.0[len..].to_vec()),
        _ => path.clone(),
    };
    Diagnostic {
        location: error.location,
        job,
        message: if shown.0.is_empty() {
            error.message
        } else {
            format!("{shown}: {}", error.message)
        },
        ..Diagnostic::error(
            DiagnosticKind::Syntax,
            source.name.clone(),
            path,
            String::new(),
        )
    }
}

/// The name of the job `path` points into, read from the document's tree.
fn job_name_in_tree(tree: &yaml::LocationTree, path: &YamlPath) -> Option<String> {
    let job = YamlPath(path.0[..job_path_len(path)?].to_vec());
    tree.text_at(&job.key("name")).map(str::to_string)
}

/// How many segments of `path` lead to the job it is in, if it is in one.
fn job_path_len(path: &YamlPath) -> Option<usize> {
    use PathSegment::{Index, Key};
    match path.0.as_slice() {
        [Key(kind), Key(_), Index(_), ..] if kind == "presubmits" || kind == "postsubmits" => {
            Some(3)
        }
        [Key(kind), Index(_), ..] if kind == "periodics" => Some(2),
        _ => None,
    }
}

fn record_sources(file_jobs: &mut JobConfigFile, file: &Arc<str>) {
    let at = |kind: &str| YamlPath::root().key(kind);
    for (i, preset) in file_jobs.presets.iter_mut().enumerate() {
        preset.source = JobSource {
            file: file.clone(),
            path: at("presets").index(i),
        };
    }
    for (repo, presubmits) in &mut file_jobs.presubmits {
        for (i, job) in presubmits.iter_mut().enumerate() {
            job.base.source = JobSource {
                file: file.clone(),
                path: at("presubmits").key(repo.as_str()).index(i),
            };
        }
    }
    for (repo, postsubmits) in &mut file_jobs.postsubmits {
        for (i, job) in postsubmits.iter_mut().enumerate() {
            job.base.source = JobSource {
                file: file.clone(),
                path: at("postsubmits").key(repo.as_str()).index(i),
            };
        }
    }
    for (i, job) in file_jobs.periodics.iter_mut().enumerate() {
        job.base.source = JobSource {
            file: file.clone(),
            path: at("periodics").index(i),
        };
    }
}

/// The name of the job a path points into, for messages about unknown keys.
fn job_name_at(file_jobs: &JobConfigFile, path: &YamlPath) -> Option<String> {
    use PathSegment::{Index, Key};
    match path.0.as_slice() {
        [Key(kind), Key(repo), Index(i), ..] if kind == "presubmits" => file_jobs
            .presubmits
            .get(repo)
            .and_then(|jobs| jobs.get(*i))
            .map(|job| job.base.name.clone()),
        [Key(kind), Key(repo), Index(i), ..] if kind == "postsubmits" => file_jobs
            .postsubmits
            .get(repo)
            .and_then(|jobs| jobs.get(*i))
            .map(|job| job.base.name.clone()),
        [Key(kind), Index(i), ..] if kind == "periodics" => {
            file_jobs.periodics.get(*i).map(|job| job.base.name.clone())
        }
        _ => None,
    }
}

/// Appends one file's jobs, as upstream's `mergeJobConfigs`.
fn merge(jobs: &mut JobConfig, file_jobs: JobConfigFile) {
    jobs.presets.extend(file_jobs.presets);
    for (repo, presubmits) in file_jobs.presubmits {
        jobs.presubmits.repo_mut(repo).extend(presubmits);
    }
    for (repo, postsubmits) in file_jobs.postsubmits {
        jobs.postsubmits.repo_mut(repo).extend(postsubmits);
    }
    jobs.periodics.extend(file_jobs.periodics);
}

/// Upstream rejects two presets that select on the same `label: value` pair.
fn duplicate_presets(presets: &[Preset]) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    for preset in presets {
        for (label, value) in &preset.labels {
            let pair = format!("{label}:{value}");
            if !seen.insert(pair.clone()) {
                problems.push(Diagnostic::error(
                    DiagnosticKind::Invalid,
                    preset.source.file.clone(),
                    preset.source.path.clone(),
                    format!("duplicated preset 'label:value' pair: {pair}"),
                ));
            }
        }
    }
    problems
}

/// Gives each diagnostic its line and column, walking each file with problems once.
fn locate_all(diagnostics: &mut [Diagnostic], sources: &Sources) {
    let mut texts: HashMap<&str, &str> = HashMap::new();
    texts.insert(&sources.config.name, &sources.config.text);
    for source in sources.job_files.iter().chain(&sources.plugins) {
        texts.insert(&source.name, &source.text);
    }
    let mut trees: HashMap<Arc<str>, Option<yaml::LocationTree>> = HashMap::new();
    for diagnostic in diagnostics.iter_mut() {
        if diagnostic.location.is_some() {
            continue;
        }
        let tree = trees.entry(diagnostic.file.clone()).or_insert_with(|| {
            texts
                .get(diagnostic.file.as_ref())
                .and_then(|text| yaml::LocationTree::parse(text))
        });
        if let Some(tree) = tree {
            diagnostic.location = tree.locate(&diagnostic.path);
        }
    }
    let order: HashMap<&str, usize> = std::iter::once(&sources.config)
        .chain(&sources.job_files)
        .chain(&sources.plugins)
        .enumerate()
        .map(|(i, s)| (s.name.as_ref(), i))
        .collect();
    diagnostics.sort_by_key(|d| (order.get(d.file.as_ref()).copied(), d.location));
}

mod prowignore;
