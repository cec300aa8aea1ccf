//! In-repo configuration (upstream `pkg/config/inrepoconfig.go`): presubmits and postsubmits a
//! repository keeps in `.prow.yaml`, or in the `*.yaml`/`*.yml` files under `.prow/` (which win
//! when there are any), enabled per org or repository by `in_repo_config`. They are defaulted as
//! central jobs are (central presets and the files' own, decoration defaults, cluster `default`)
//! and checked together with the repository's central jobs: a name or context that clashes with
//! one on a shared branch, or a cluster `in_repo_config.allowed_clusters` does not allow, fails
//! the whole in-repo configuration, with each problem at its file and line.
//!
//! Which files, at which commit, is for the caller (trigger and tide read them through GitHub's
//! contents API); this module turns their text into jobs.

use crate::diagnostics::{Diagnostic, DiagnosticKind, YamlPath};
use crate::jobs::{JobSource, Postsubmit, Preset, Presubmit};
use crate::loader::Source;
use crate::prow_config::{InRepoConfig, Opaque};
use crate::yaml::nullable;
use crate::{Config, JobConfig, defaults, validate, yaml};
use serde::Deserialize;

/// The file a repository keeps its jobs in, when it has no `.prow/` folder.
pub const PROW_YAML: &str = ".prow.yaml";
/// The folder whose YAML files hold a repository's jobs (preferred over [`PROW_YAML`]).
pub const PROW_DIR: &str = ".prow";

/// One in-repo file (upstream `ProwYAML`): job lists, not keyed by repository.
#[derive(Default, Deserialize)]
struct ProwYaml {
    #[serde(default, deserialize_with = "nullable")]
    presets: Vec<Preset>,
    #[serde(default, deserialize_with = "nullable")]
    presubmits: Vec<Presubmit>,
    #[serde(default, deserialize_with = "nullable")]
    postsubmits: Vec<Postsubmit>,
    #[serde(default)]
    #[expect(dead_code, reason = "accepted and skipped, as upstream does")]
    prow_ignored: Opaque,
}

/// A repository's own jobs, defaulted and checked.
#[derive(Clone, Debug, Default)]
pub struct InRepoJobs {
    pub presubmits: Vec<Presubmit>,
    pub postsubmits: Vec<Postsubmit>,
}

impl InRepoConfig {
    fn keys<'a>(org: &'a str, full: &'a str) -> [&'a str; 3] {
        [full, org, "*"]
    }

    /// Whether `org/repo` reads jobs from its files: the most specific of `org/repo`, `org`, `*`
    /// that is set decides; off when none is.
    pub fn enabled_for(&self, org: &str, repo: &str) -> bool {
        let full = format!("{org}/{repo}");
        Self::keys(org, &full)
            .iter()
            .find_map(|key| self.enabled.get(*key).copied().flatten())
            .unwrap_or(false)
    }

    /// Whether in-repo jobs of `org/repo` may run in `cluster`: any of the lists for `org/repo`,
    /// `org` and `*` names it (`*` is `[default]` unless set).
    pub fn allows_cluster(&self, cluster: &str, org: &str, repo: &str) -> bool {
        let full = format!("{org}/{repo}");
        let star_default = vec![prow_api::DEFAULT_CLUSTER_ALIAS.to_string()];
        Self::keys(org, &full).iter().any(|key| {
            let list = match self.allowed_clusters.get(*key) {
                Some(list) => list,
                None if *key == "*" => &star_default,
                None => return false,
            };
            list.iter().any(|c| c == cluster)
        })
    }
}

/// Whether a change to `path` can change a repository's in-repo jobs.
pub fn is_in_repo_config_path(path: &str) -> bool {
    path == PROW_YAML || path.starts_with(".prow/")
}

/// The files of a tree that hold its in-repo jobs: the YAML files under `.prow/` when there are
/// any (in path order), else `.prow.yaml` when it exists.
pub fn in_repo_files<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut dir: Vec<&str> = Vec::new();
    let mut file = None;
    for path in paths {
        if path == PROW_YAML {
            file = Some(path);
        } else if path.starts_with(".prow/") && (path.ends_with(".yaml") || path.ends_with(".yml"))
        {
            dir.push(path);
        }
    }
    if dir.is_empty() {
        return file.into_iter().collect();
    }
    dir.sort_unstable();
    dir
}

/// The jobs `files` (read at one commit, named by their repository paths) give `org_repo`, on top
/// of `config`; every problem, located, when they do not load.
pub fn load_in_repo(
    config: &Config,
    org_repo: &str,
    files: &[Source],
) -> Result<InRepoJobs, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut jobs = JobConfig {
        presets: config.jobs.presets.clone(),
        decorate_all_jobs: config.jobs.decorate_all_jobs,
        ..JobConfig::default()
    };
    for source in files {
        match yaml::parse_file::<ProwYaml>(&source.text, true) {
            Ok(parsed) => {
                let mut file = parsed.value;
                let at = |kind: &str, i: usize| JobSource {
                    file: source.name.clone(),
                    path: YamlPath::root().key(kind).index(i),
                };
                for (i, preset) in file.presets.iter_mut().enumerate() {
                    preset.source = at("presets", i);
                }
                for (i, job) in file.presubmits.iter_mut().enumerate() {
                    job.base.source = at("presubmits", i);
                }
                for (i, job) in file.postsubmits.iter_mut().enumerate() {
                    job.base.source = at("postsubmits", i);
                }
                jobs.presets.extend(file.presets);
                jobs.presubmits
                    .repo_mut(org_repo.to_string())
                    .extend(file.presubmits);
                jobs.postsubmits
                    .repo_mut(org_repo.to_string())
                    .extend(file.postsubmits);
            }
            Err(error) => problems.push(syntax_problem(source, error)),
        }
    }
    if problems.is_empty() {
        let mut prow = config.prow.clone();
        let entries = defaults::components(&mut prow, &config_name(files), &mut problems);
        let checker = validate::JobChecker::new(&prow);
        problems.extend(defaults::jobs(&prow, &entries, &mut jobs, |batch| {
            checker.batch(batch)
        }));
        let presubmits = jobs.presubmits.get(org_repo).cloned().unwrap_or_default();
        let postsubmits = jobs.postsubmits.get(org_repo).cloned().unwrap_or_default();
        let central_presubmits = config.jobs.presubmits_for(org_repo);
        let central_postsubmits = config.jobs.postsubmits_for(org_repo);
        // Only against the central jobs: clashes among the in-repo ones are their own batch's.
        let presubmit_keys: Vec<_> = central_presubmits
            .iter()
            .chain(&presubmits)
            .map(|j| (&j.base, &j.brancher, j.reporter.context.as_str()))
            .collect();
        let postsubmit_keys: Vec<_> = central_postsubmits
            .iter()
            .chain(&postsubmits)
            .map(|j| (&j.base, &j.brancher, j.reporter.context.as_str()))
            .collect();
        for (kind, keys, central) in [
            ("presubmit", presubmit_keys, central_presubmits.len()),
            ("postsubmit", postsubmit_keys, central_postsubmits.len()),
        ] {
            validate::clashes_with_central(
                keys.into_iter(),
                central,
                kind,
                org_repo,
                &mut problems,
            );
        }
        let (org, repo) = org_repo.split_once('/').unwrap_or((org_repo, ""));
        let bases = presubmits
            .iter()
            .map(|j| &j.base)
            .chain(postsubmits.iter().map(|j| &j.base));
        for base in bases {
            if !config
                .prow
                .in_repo_config
                .allows_cluster(&base.cluster, org, repo)
            {
                problems.push(
                    Diagnostic::error(
                        DiagnosticKind::Invalid,
                        base.source.file.clone(),
                        base.source.path.clone(),
                        format!(
                            "cluster {:?} is not allowed for repository {org_repo:?} (in_repo_config.allowed_clusters)",
                            base.cluster
                        ),
                    )
                    .for_job(&base.name),
                );
            }
        }
        if !problems.iter().any(Diagnostic::is_error) {
            return Ok(InRepoJobs {
                presubmits,
                postsubmits,
            });
        }
    }
    problems.retain(Diagnostic::is_error);
    for source in files {
        crate::document::locate(source, &mut problems);
    }
    Err(problems)
}

/// A value of the wrong shape, named by its key and job as the loader names them.
fn syntax_problem(source: &Source, error: yaml::SyntaxError) -> Diagnostic {
    use crate::diagnostics::PathSegment;
    let path = error.path.unwrap_or_default();
    let mut message = error.message;
    let mut job = None;
    if let [PathSegment::Key(kind), PathSegment::Index(i), rest @ ..] = path.0.as_slice() {
        let name_path = YamlPath::root().key(kind.as_str()).index(*i).key("name");
        job = yaml::LocationTree::parse(&source.text)
            .and_then(|tree| tree.text_at(&name_path).map(str::to_string));
        let keys: Vec<String> = rest
            .iter()
            .map(|segment| match segment {
                PathSegment::Key(key) => key.clone(),
                PathSegment::Index(index) => format!("[{index}]"),
            })
            .collect();
        if !keys.is_empty() {
            message = format!("{}: {message}", keys.join("."));
        }
    }
    let mut problem = Diagnostic::error(DiagnosticKind::Syntax, source.name.clone(), path, message);
    problem.location = error.location;
    problem.job = job;
    problem
}

fn config_name(files: &[Source]) -> std::sync::Arc<str> {
    files
        .first()
        .map_or_else(|| std::sync::Arc::from(PROW_YAML), |f| f.name.clone())
}

#[cfg(test)]
mod tests;
