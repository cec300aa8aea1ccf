//! `config-updater` (upstream `pkg/plugins/updateconfig`): when a pull request merges into the
//! default branch of a repository that enables it, the files it changed that `config_updater.maps`
//! names are written to their ConfigMaps (a removed file's key is deleted, a renamed file's old
//! key too), and the plugin comments with what it updated, in upstream's words.
//!
//! Unlike upstream, a change to Prow's own configuration is checked first: the ConfigMaps named
//! `config`, `plugins` and `job-config` (upstream's names, and this project's manifests') hold
//! `config.yaml`, `plugins.yaml` and the job files, and the configuration they would make (the
//! running one with the change laid over it) must load. If it does not, nothing is written and
//! the comment lists each problem at its file and line in the repository.

use super::{Builtin, pull_request_event};
use crate::{Action, EventKind, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_config::{Config, ConfigMapSpec, ConfigUpdater};
use prow_github::comment::format_response_raw;
use prow_github::vocabulary::PullRequestAction;
use prow_ports::config_maps::{ConfigMapTarget, ConfigMapUpdate, RunningConfig};
use prow_ports::github::PullRequestChange;
use std::collections::BTreeMap;

pub struct ConfigUpdaterPlugin;

/// The ConfigMaps that hold Prow's own configuration, and what each holds.
const CONFIG_MAP: &str = "config";
const PLUGINS_MAP: &str = "plugins";
const JOB_CONFIG_MAP: &str = "job-config";

/// One key to write or remove, and the repository file it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
struct KeyChange {
    key: String,
    /// `None` removes the key.
    file: Option<String>,
    gzip: bool,
}

impl Builtin for ConfigUpdaterPlugin {
    const NAME: &'static str = "config-updater";
    const EVENTS: &'static [EventKind] = &[EventKind::PullRequest];

    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp {
        let updater = &config.plugins.config_updater;
        let mut entries = BTreeMap::new();
        for repo in enabled_repos {
            let lines: Vec<String> = updater
                .maps_or_default()
                .iter()
                .map(|(pattern, spec)| {
                    let targets: Vec<String> = updater
                        .targets(spec, &config.prow.prowjob_namespace)
                        .into_iter()
                        .map(|(cluster, ns)| format!("{ns} in cluster {cluster}"))
                        .collect();
                    format!(
                        "Files matching {repo}/{pattern} are used to populate the {} ConfigMap in {}.",
                        map_names(spec),
                        targets.join(", ")
                    )
                })
                .collect();
            entries.insert(repo.clone(), lines.join("\n"));
        }
        PluginHelp::new(
            "The config-updater plugin automatically redeploys configuration and plugin configuration files when they change. The plugin watches for pull request merges that modify either of the config files and updates the cluster's configmap resources in response.",
        )
        .with_config_per_repo(entries)
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(event) = pull_request_event(input, &[PullRequestAction::Closed]) else {
            return Ok(Vec::new());
        };
        let pull = &event.pull_request;
        let default_branch = pull
            .base
            .repo
            .as_ref()
            .map_or(event.repo.default_branch.as_str(), |r| {
                r.default_branch.as_str()
            });
        if !pull.merged || pull.merge_commit_sha.is_empty() || pull.base.git_ref != default_branch {
            return Ok(Vec::new());
        }
        let issue = IssueRef::new(event.repo.org(), &event.repo.name, pull.number);
        let updater = &input.config.plugins.config_updater;
        let changes = facts.changed_files(&issue)?;
        let planned = key_changes(
            updater,
            changes,
            &issue.repo.org,
            &issue.repo.name,
            &input.config.prow.prowjob_namespace,
        );
        if planned.is_empty() {
            return Ok(Vec::new());
        }
        let sha = &pull.merge_commit_sha;
        facts.need(planned.values().flatten().filter_map(|c| {
            c.file
                .as_ref()
                .map(|path| crate::Fact::file(&issue.repo, sha, path))
        }))?;
        let mut contents: BTreeMap<&str, String> = BTreeMap::new();
        for change in planned.values().flatten() {
            if let Some(path) = &change.file {
                // A file listed as changed but gone at the merge commit is written empty, as
                // upstream would fail to read it; here it is simply absent.
                let text = facts.file(&issue.repo, sha, path)?.unwrap_or_default();
                contents.insert(path, text.to_string());
            }
        }
        let reply = |text: &str| {
            Action::comment(
                &issue,
                format_response_raw(&pull.body, &pull.html_url, &pull.user.login, text),
            )
        };
        if planned.keys().any(|t| is_prow_config(&t.name)) {
            let running = facts.running_config()?;
            if let Err(problems) = check(running, &planned, &contents) {
                return Ok(vec![reply(&refusal(&problems))]);
            }
        }
        let mut actions = Vec::new();
        for (target, changes) in &planned {
            let mut update = ConfigMapUpdate {
                version: sha.clone(),
                ..ConfigMapUpdate::default()
            };
            for change in changes {
                match &change.file {
                    None => update.remove.push(change.key.clone()),
                    Some(path) => {
                        let text = contents.get(path.as_str()).cloned().unwrap_or_default();
                        let bytes = if change.gzip {
                            gzip(text.as_bytes())
                        } else {
                            text.into_bytes()
                        };
                        update.set.insert(change.key.clone(), bytes);
                    }
                }
            }
            actions.push(Action::UpdateConfigMap {
                target: target.clone(),
                update,
            });
        }
        actions.push(reply(&updated_message(&planned)));
        Ok(actions)
    }
}

fn map_names(spec: &ConfigMapSpec) -> String {
    if spec.partitioned_names.is_empty() {
        spec.name.clone()
    } else {
        spec.partitioned_names.join(", ")
    }
}

fn is_prow_config(name: &str) -> bool {
    name == CONFIG_MAP || name == PLUGINS_MAP || name.starts_with(JOB_CONFIG_MAP)
}

/// Upstream `FilterChanges`: for each changed file the first map (in pattern order) whose
/// pattern matches it and whose access lists allow the repository, the keys to write or remove
/// in each of its ConfigMaps.
fn key_changes(
    updater: &ConfigUpdater,
    changes: &[PullRequestChange],
    org: &str,
    repo: &str,
    prowjob_namespace: &str,
) -> BTreeMap<ConfigMapTarget, Vec<KeyChange>> {
    let maps = updater.maps_or_default();
    let mut planned: BTreeMap<ConfigMapTarget, Vec<KeyChange>> = BTreeMap::new();
    for change in changes {
        let Some((_, spec)) = ConfigUpdater::map_for(&maps, &change.filename) else {
            continue;
        };
        if !ConfigUpdater::allows(spec, org, repo) {
            continue;
        }
        let gzip = spec.gzip.unwrap_or(updater.gzip);
        for (cluster, namespace) in updater.targets(spec, prowjob_namespace) {
            let target = |key: &str| ConfigMapTarget {
                cluster: cluster.clone(),
                namespace: namespace.clone(),
                name: ConfigUpdater::name_for(spec, key),
            };
            if spec.key.is_empty()
                && change.status == "renamed"
                && !change.previous_filename.is_empty()
            {
                let old = ConfigUpdater::key_for(spec, &change.previous_filename);
                planned.entry(target(&old)).or_default().push(KeyChange {
                    key: old,
                    file: None,
                    gzip,
                });
            }
            let key = ConfigUpdater::key_for(spec, &change.filename);
            let file = (change.status != "removed").then(|| change.filename.clone());
            planned
                .entry(target(&key))
                .or_default()
                .push(KeyChange { key, file, gzip });
        }
    }
    planned
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn basename(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The running configuration with the change laid over it must load; its problems otherwise,
/// named by repository path where they are in a changed file.
fn check(
    running: &RunningConfig,
    planned: &BTreeMap<ConfigMapTarget, Vec<KeyChange>>,
    contents: &BTreeMap<&str, String>,
) -> Result<(), Vec<String>> {
    let mut config = prow_config::Source::new(&running.config.0, running.config.1.clone());
    let mut plugins = running
        .plugins
        .as_ref()
        .map(|(name, text)| prow_config::Source::new(name, text.clone()));
    let mut job_files: BTreeMap<String, prow_config::Source> = running
        .job_files
        .iter()
        .map(|(name, text)| {
            (
                basename(name).to_string(),
                prow_config::Source::new(name, text.clone()),
            )
        })
        .collect();
    for (target, changes) in planned {
        for change in changes {
            let source = change.file.as_ref().map(|path| {
                prow_config::Source::new(
                    path,
                    contents.get(path.as_str()).cloned().unwrap_or_default(),
                )
            });
            match (target.name.as_str(), source) {
                (CONFIG_MAP, Some(source)) => config = source,
                (PLUGINS_MAP, source) => plugins = source,
                (name, Some(source)) if name.starts_with(JOB_CONFIG_MAP) => {
                    job_files.insert(change.key.clone(), source);
                }
                (name, None) if name.starts_with(JOB_CONFIG_MAP) => {
                    job_files.remove(&change.key);
                }
                _ => {}
            }
        }
    }
    let sources = prow_config::Sources {
        config,
        job_files: job_files.into_values().collect(),
        plugins,
    };
    match prow_config::load_sources(&sources, prow_config::LoadOptions::default()) {
        Ok(_) => Ok(()),
        Err(error) => Err(error.errors().map(ToString::to_string).collect()),
    }
}

fn refusal(problems: &[String]) -> String {
    let mut text = String::from(
        "The configuration in this merge does not load, so no ConfigMap was updated:\n",
    );
    for problem in problems {
        text.push_str(&format!("\n- `{problem}`"));
    }
    text.push_str("\n\nFix it in a new pull request; the running configuration is unchanged.");
    text
}

/// Upstream's comment: each ConfigMap with the keys it got and the files they came from.
fn updated_message(planned: &BTreeMap<ConfigMapTarget, Vec<KeyChange>>) -> String {
    let indent = if planned.len() == 1 { " " } else { "   " };
    let fragments: Vec<String> = planned
        .iter()
        .map(|(target, changes)| {
            let mut fragment = format!(
                "`{}` configmap in namespace `{}` at cluster `{}` using the following files:",
                target.name, target.namespace, target.cluster
            );
            for change in changes {
                fragment.push_str(&format!(
                    "\n{indent}- key `{}` using file `{}`",
                    change.key,
                    change.file.as_deref().unwrap_or_default()
                ));
            }
            fragment
        })
        .collect();
    if let [only] = fragments.as_slice() {
        return format!("Updated the {only}");
    }
    let mut message = format!("Updated the following {} configmaps:\n", fragments.len());
    for fragment in fragments {
        message.push_str(&format!(" * {fragment}\n"));
    }
    message
}

#[cfg(test)]
mod tests;
