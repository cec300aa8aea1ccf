//! What a running job is told about itself and where its results go (upstream
//! `pkg/pod-utils/downwardapi` and `pkg/pod-utils/gcs`): the [`JobSpec`] (`JOB_SPEC`), the
//! environment every job container gets ([`job_env`]), the `started.json` / `finished.json`
//! metadata ([`Started`], [`Finished`]) and the storage layout of a run ([`StoragePaths`]).
//!
//! Pure: the pod utilities and the executors do the I/O.

use crate::{DecorationConfig, GcsConfiguration, ProwJob, ProwJobType, Refs};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Upstream's `JobSpec`, the `JOB_SPEC` JSON a job reads (and the pod utilities' input).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    #[serde(rename = "type")]
    pub job_type: ProwJobType,
    pub job: String,
    #[serde(rename = "buildid")]
    pub build_id: String,
    #[serde(rename = "prowjobid")]
    pub prow_job_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refs: Option<Refs>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_refs: Vec<Refs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoration_config: Option<DecorationConfig>,
}

impl JobSpec {
    /// The spec of `job`'s run with `build_id`.
    pub fn for_job(job: &ProwJob, build_id: &str) -> JobSpec {
        JobSpec {
            job_type: job.spec.job_type,
            job: job.spec.job.clone(),
            build_id: build_id.to_string(),
            prow_job_id: job.name().to_string(),
            refs: job.spec.refs.clone(),
            extra_refs: job.spec.extra_refs.clone(),
            decoration_config: job.spec.decoration_config.clone(),
        }
    }

    /// The refs the job is about: `refs`, or else the first non-auxiliary extra ref.
    pub fn main_refs(&self) -> Option<&Refs> {
        self.refs
            .as_ref()
            .or_else(|| self.extra_refs.iter().find(|r| !r.auxiliary))
    }

    /// The revision tested: the PR head, else the base SHA, else the base branch.
    pub fn revision(&self) -> String {
        let Some(refs) = self.main_refs() else {
            return String::new();
        };
        if let Some(pull) = refs.pulls.first() {
            pull.sha.clone()
        } else if !refs.base_sha.is_empty() {
            refs.base_sha.clone()
        } else {
            refs.base_ref.clone()
        }
    }
}

/// `PULL_REFS`: `base_ref:base_sha,number:sha[:ref],...` (upstream `Refs.String`).
pub fn refs_string(refs: &Refs) -> String {
    let mut parts = vec![if refs.base_sha.is_empty() {
        refs.base_ref.clone()
    } else {
        format!("{}:{}", refs.base_ref, refs.base_sha)
    }];
    for pull in &refs.pulls {
        let mut part = format!("{}:{}", pull.number, pull.sha);
        if !pull.r#ref.is_empty() {
            part = format!("{part}:{}", pull.r#ref);
        }
        parts.push(part);
    }
    parts.join(",")
}

/// Where the code of `refs` is checked out, relative to `$GOPATH/src` (upstream
/// `clone.PathForRefs`): the `path_alias`, the `repo_link` without its scheme, or
/// `github.com/<org>/<repo>`.
pub fn source_path(refs: &Refs) -> String {
    if !refs.path_alias.is_empty() {
        refs.path_alias.clone()
    } else if !refs.repo_link.is_empty() {
        refs.repo_link
            .rsplit("://")
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        format!("github.com/{}/{}", refs.org, refs.repo)
    }
}

/// The environment every container of the job gets (upstream `downwardapi.EnvForSpec`).
pub fn job_env(spec: &JobSpec, agent: &str) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_string(), v);
    };
    set("CI", "true".into());
    set("JOB_NAME", spec.job.clone());
    set("BUILD_ID", spec.build_id.clone());
    set("PROW_JOB_ID", spec.prow_job_id.clone());
    set("JOB_TYPE", spec.job_type.as_str().into());
    if agent.is_empty() || agent == crate::KUBERNETES_AGENT {
        set("BUILD_NUMBER", spec.build_id.clone());
    }
    set("JOB_SPEC", serde_json::to_string(spec).unwrap_or_default());
    let Some(refs) = spec
        .refs
        .as_ref()
        .filter(|_| spec.job_type != ProwJobType::Periodic)
    else {
        return env;
    };
    set("REPO_OWNER", refs.org.clone());
    set("REPO_NAME", refs.repo.clone());
    let (mut host, mut base) = (
        "github.com".to_string(),
        format!("{}/{}", refs.org, refs.repo),
    );
    let source = if !refs.path_alias.is_empty() {
        Some(refs.path_alias.as_str())
    } else if !refs.repo_link.is_empty() {
        refs.repo_link.rsplit("://").next()
    } else {
        None
    };
    if let Some(source) = source {
        match source.split_once('/') {
            Some((h, b)) => (host, base) = (h.to_string(), b.to_string()),
            None => host = source.to_string(),
        }
    }
    set("SRC_HOST", host);
    set("SRC_BASE", base);
    set("PULL_BASE_REF", refs.base_ref.clone());
    set("PULL_BASE_SHA", refs.base_sha.clone());
    set("PULL_REFS", refs_string(refs));
    if spec.job_type == ProwJobType::Presubmit
        && let Some(pull) = refs.pulls.first()
    {
        set("PULL_NUMBER", pull.number.to_string());
        set("PULL_PULL_SHA", pull.sha.clone());
        set("PULL_HEAD_REF", pull.head_ref.clone());
        set("PULL_TITLE", pull.title.clone());
    }
    env
}

/// What clonerefs did for one set of refs (upstream `clone.Record`, `clone-records.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CloneRecord {
    pub refs: Refs,
    #[serde(default)]
    pub commands: Vec<CloneCommand>,
    #[serde(default)]
    pub failed: bool,
    /// The commit checked out after merging.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub final_sha: String,
    /// Nanoseconds, as Go's `time.Duration`.
    #[serde(default)]
    pub duration: i64,
}

/// One command clonerefs ran (upstream `clone.Command`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CloneCommand {
    pub command: String,
    pub output: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    #[serde(default)]
    pub duration: i64,
}

/// `started.json` (testgrid `metadata.Started`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Started {
    /// Unix seconds.
    pub timestamp: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pull: String,
    /// `org/repo` to its [`refs_string`], for `refs` and every extra ref.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub repos: BTreeMap<String, String>,
    #[serde(
        rename = "repo-version",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub repo_version: String,
    #[serde(
        rename = "repo-commit",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub repo_commit: String,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

impl Started {
    /// What initupload writes when the job starts at `timestamp`; the commit is the one clonerefs
    /// checked out for the main refs, when it cloned them.
    pub fn for_spec(spec: &JobSpec, clone_records: &[CloneRecord], timestamp: i64) -> Started {
        let cloned = spec.main_refs().and_then(|main| {
            clone_records
                .iter()
                .find(|r| &r.refs == main && !r.final_sha.is_empty())
                .map(|r| r.final_sha.clone())
        });
        let version = cloned.unwrap_or_else(|| spec.revision());
        let mut repos = BTreeMap::new();
        for refs in spec.refs.iter().chain(&spec.extra_refs) {
            repos.insert(refs.org_repo(), refs_string(refs));
        }
        Started {
            timestamp,
            node: String::new(),
            pull: spec
                .refs
                .as_ref()
                .and_then(|r| r.pulls.first())
                .map(|p| p.number.to_string())
                .unwrap_or_default(),
            repos,
            repo_version: version.clone(),
            repo_commit: version,
            metadata: serde_json::Map::new(),
        }
    }
}

/// How a run ended, as `finished.json` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RunResult {
    Success,
    Failure,
    Aborted,
}

/// `finished.json` (testgrid `metadata.Finished`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finished {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    pub passed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<RunResult>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    #[serde(
        rename = "job-version",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub job_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision: String,
}

impl Finished {
    /// What the sidecar writes when the test ends.
    pub fn new(spec: &JobSpec, result: RunResult, timestamp: i64) -> Finished {
        Finished {
            timestamp: Some(timestamp),
            passed: Some(result == RunResult::Success),
            result: Some(result),
            metadata: serde_json::Map::new(),
            job_version: String::new(),
            revision: spec.revision(),
        }
    }
}

/// Upstream's entrypoint exit codes that mean something besides the test's own.
pub mod exit_codes {
    /// The entrypoint could not run the test, or it timed out.
    pub const INTERNAL_ERROR: i32 = 127;
    /// The test was interrupted (aborted).
    pub const ABORTED: i32 = 130;
}

/// The names of the files of a run, as upstream writes them.
pub mod files {
    pub const STARTED: &str = "started.json";
    pub const FINISHED: &str = "finished.json";
    pub const BUILD_LOG: &str = "build-log.txt";
    pub const PROWJOB: &str = "prowjob.json";
    pub const CLONE_RECORDS: &str = "clone-records.json";
    pub const CLONE_LOG: &str = "clone-log.txt";
    pub const LATEST_BUILD: &str = "latest-build.txt";
    pub const ARTIFACTS_DIR: &str = "artifacts";
}

/// Where a run's files go in the bucket (upstream `gcsupload.PathsForJob` and `pkg/pod-utils/gcs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoragePaths {
    /// The run's folder: `logs/<job>/<build>` or `pr-logs/pull/<repo>/<pr>/<job>/<build>`.
    pub run: String,
    /// For presubmits, `pr-logs/directory/<job>/<build>.txt`, holding the run's full URL.
    pub alias: Option<String>,
    /// The `latest-build.txt` files that name the newest build.
    pub latest_build: Vec<String>,
}

/// The repository segment of a presubmit's path under `path_strategy`.
fn repo_segment(config: &GcsConfiguration, org: &str, repo: &str) -> String {
    let explicit = format!("{org}_{}", repo.replace('/', "_"));
    match config.path_strategy.as_str() {
        "legacy" if org == config.default_org && repo == config.default_repo => String::new(),
        "legacy" if org == config.default_org => repo.to_string(),
        "single" if org == config.default_org && repo == config.default_repo => String::new(),
        _ => explicit,
    }
}

/// Joins path segments as Go's `path.Join` does: empty segments vanish.
fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .flat_map(|p| p.split('/'))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// The content type upstream gives a file in a bucket, by its name.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("json") => "application/json",
        Some("txt" | "log") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The folder of a pull request's presubmit runs under `config`: `pr-logs/pull/<repo>/<pr>`
/// (deck's PR history lists it).
pub fn pull_folder(config: &GcsConfiguration, org: &str, repo: &str, pull: u64) -> String {
    join(&[
        &config.path_prefix,
        "pr-logs/pull",
        &repo_segment(config, org, repo),
        &pull.to_string(),
    ])
}

impl StoragePaths {
    /// The key of the file `name` in the run's folder.
    pub fn run_file(&self, name: &str) -> String {
        format!("{}/{name}", self.run)
    }

    /// The paths of `spec`'s run under `config` (its `path_prefix` and `path_strategy`).
    pub fn for_spec(config: &GcsConfiguration, spec: &JobSpec) -> StoragePaths {
        let prefix = config.path_prefix.as_str();
        let (job, build) = (spec.job.as_str(), spec.build_id.as_str());
        let pull = spec.refs.as_ref().and_then(|r| {
            r.pulls
                .first()
                .map(|p| (repo_segment(config, &r.org, &r.repo), p.number.to_string()))
        });
        match (spec.job_type, pull) {
            (ProwJobType::Presubmit, Some((segment, number))) => StoragePaths {
                run: join(&[prefix, "pr-logs/pull", &segment, &number, job, build]),
                alias: Some(join(&["pr-logs/directory", job, &format!("{build}.txt")])),
                latest_build: vec![
                    join(&["pr-logs/directory", job, files::LATEST_BUILD]),
                    join(&["pr-logs/pull", &segment, &number, job, files::LATEST_BUILD]),
                ],
            },
            (ProwJobType::Presubmit | ProwJobType::Batch, _) => StoragePaths {
                run: join(&[prefix, "pr-logs/pull/batch", job, build]),
                alias: None,
                latest_build: vec![join(&["pr-logs/directory", job, files::LATEST_BUILD])],
            },
            (ProwJobType::Periodic | ProwJobType::Postsubmit, _) => StoragePaths {
                run: join(&[prefix, "logs", job, build]),
                alias: None,
                latest_build: vec![join(&["logs", job, files::LATEST_BUILD])],
            },
        }
    }
}

/// A bucket as upstream names it: `s3://name`, `gs://name`, `file://path`, or a bare name (GCS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// `s3`, `gs` or `file`.
    pub provider: String,
    pub name: String,
}

impl Bucket {
    pub fn parse(bucket: &str) -> Bucket {
        match bucket.split_once("://") {
            Some((provider, name)) => Bucket {
                provider: provider.to_string(),
                name: name.trim_end_matches('/').to_string(),
            },
            None => Bucket {
                provider: "gs".into(),
                name: bucket.trim_end_matches('/').to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pull;

    fn spec(job_type: ProwJobType, org: &str, repo: &str, pull: Option<u64>) -> JobSpec {
        JobSpec {
            job_type,
            job: "pull-test".into(),
            build_id: "42".into(),
            prow_job_id: "abc".into(),
            refs: Some(Refs {
                org: org.into(),
                repo: repo.into(),
                base_ref: "main".into(),
                base_sha: "base".into(),
                pulls: pull
                    .map(|number| Pull {
                        number,
                        sha: "head".into(),
                        ..Pull::default()
                    })
                    .into_iter()
                    .collect(),
                ..Refs::default()
            }),
            extra_refs: vec![],
            decoration_config: None,
        }
    }

    fn gcs(strategy: &str) -> GcsConfiguration {
        GcsConfiguration {
            bucket: "s3://logs".into(),
            path_strategy: strategy.into(),
            default_org: "kubernetes".into(),
            default_repo: "kubernetes".into(),
            ..GcsConfiguration::default()
        }
    }

    #[test]
    fn presubmit_paths_follow_the_path_strategy() {
        let cases = [
            (
                "explicit",
                "kubernetes",
                "kubernetes",
                "kubernetes_kubernetes/",
            ),
            ("legacy", "kubernetes", "kubernetes", ""),
            ("legacy", "kubernetes", "test-infra", "test-infra/"),
            ("legacy", "kubernetes-sigs", "kind", "kubernetes-sigs_kind/"),
            ("single", "kubernetes", "kubernetes", ""),
            (
                "single",
                "kubernetes",
                "test-infra",
                "kubernetes_test-infra/",
            ),
        ];
        for (strategy, org, repo, segment) in cases {
            let paths = StoragePaths::for_spec(
                &gcs(strategy),
                &spec(ProwJobType::Presubmit, org, repo, Some(7)),
            );
            assert_eq!(
                paths.run,
                format!("pr-logs/pull/{segment}7/pull-test/42"),
                "{strategy} {org}/{repo}"
            );
            assert_eq!(
                paths.latest_build,
                vec![
                    "pr-logs/directory/pull-test/latest-build.txt".to_string(),
                    format!("pr-logs/pull/{segment}7/pull-test/latest-build.txt"),
                ]
            );
            assert_eq!(
                paths.alias.as_deref(),
                Some("pr-logs/directory/pull-test/42.txt")
            );
        }
    }

    #[test]
    fn other_types_log_under_logs_or_batch_with_the_prefix() {
        let mut config = gcs("explicit");
        config.path_prefix = "prefix".into();
        let periodic =
            StoragePaths::for_spec(&config, &spec(ProwJobType::Periodic, "o", "r", None));
        assert_eq!(periodic.run, "prefix/logs/pull-test/42");
        assert_eq!(
            periodic.latest_build,
            vec!["logs/pull-test/latest-build.txt"]
        );
        let batch = StoragePaths::for_spec(&config, &spec(ProwJobType::Batch, "o", "r", Some(1)));
        assert_eq!(batch.run, "prefix/pr-logs/pull/batch/pull-test/42");
        assert_eq!(batch.alias, None);
    }

    #[test]
    fn started_and_finished_carry_upstream_fields() {
        let spec = spec(ProwJobType::Presubmit, "o", "r", Some(7));
        let started = serde_json::to_value(Started::for_spec(&spec, &[], 1000)).unwrap();
        assert_eq!(
            started,
            serde_json::json!({"timestamp": 1000, "pull": "7", "repos": {"o/r": "main:base,7:head"},
                "repo-version": "head", "repo-commit": "head"})
        );
        let finished =
            serde_json::to_value(Finished::new(&spec, RunResult::Aborted, 2000)).unwrap();
        assert_eq!(
            finished,
            serde_json::json!({"timestamp": 2000, "passed": false, "result": "ABORTED", "revision": "head"})
        );
    }

    #[test]
    fn buckets_name_their_provider() {
        assert_eq!(Bucket::parse("s3://logs/").name, "logs");
        assert_eq!(Bucket::parse("s3://logs").provider, "s3");
        assert_eq!(Bucket::parse("kubernetes-ci-logs").provider, "gs");
    }
}
