//! `gerrit:` in `config.yaml` (upstream `config.Gerrit`): the Gerrit hosts and projects the
//! Gerrit adapter polls, how often, and how many changes a query returns. Jobs of a Gerrit
//! project are keyed by its clone URL, `https://<host>/<project>`.

use crate::diagnostics::{Diagnostic, DiagnosticKind, YamlPath};
use crate::yaml::nullable;
use prow_api::Duration;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Gerrit {
    /// How often each project is polled (default a minute).
    #[serde(default)]
    pub tick_interval: Option<Duration>,
    /// Changes per query page (upstream's spelling; default 5).
    #[serde(default)]
    pub ratelimit: Option<u32>,
    /// Deck's address, for the link in the "Triggered" message.
    #[serde(default, deserialize_with = "nullable")]
    pub deck_url: String,
    /// Which change messages make the adapter look at a change again (empty: every message).
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_presubmit_trigger_re: String,
    #[serde(default, deserialize_with = "nullable")]
    pub org_repos_config: Vec<GerritOrgRepos>,
}

/// A Gerrit host (`org`, with its scheme) and the projects polled on it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct GerritOrgRepos {
    #[serde(default, deserialize_with = "nullable")]
    pub org: String,
    #[serde(default, deserialize_with = "nullable")]
    pub repos: Vec<String>,
    /// Never answer `/test ?` with the list of jobs.
    #[serde(default)]
    pub opt_out_help: bool,
    #[serde(default)]
    pub filters: Option<GerritQueryFilter>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct GerritQueryFilter {
    #[serde(default, deserialize_with = "nullable")]
    pub branches: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub excluded_branches: Vec<String>,
    /// Tide's: changes are in its pool unless they opt out.
    #[serde(default)]
    pub opt_in_by_default: bool,
}

impl Gerrit {
    pub const DEFAULT_TICK: Duration = Duration::from_secs(60);
    pub const DEFAULT_PAGE: u32 = 5;

    pub fn tick(&self) -> Duration {
        self.tick_interval.unwrap_or(Self::DEFAULT_TICK)
    }

    pub fn page_size(&self) -> u32 {
        self.ratelimit
            .filter(|n| *n > 0)
            .unwrap_or(Self::DEFAULT_PAGE)
    }

    /// Every polled project: host, project, filter.
    pub fn projects(&self) -> impl Iterator<Item = (&str, &str, Option<&GerritQueryFilter>)> {
        self.org_repos_config.iter().flat_map(|entry| {
            entry
                .repos
                .iter()
                .map(move |repo| (entry.org.as_str(), repo.as_str(), entry.filters.as_ref()))
        })
    }

    /// Whether `org` (a host) does not want the help reply.
    pub fn opts_out_of_help(&self, org: &str, repo: &str) -> bool {
        self.org_repos_config
            .iter()
            .any(|e| e.org == org && e.opt_out_help && e.repos.iter().any(|r| r == repo))
    }

    /// Upstream's checks, each at its key: hosts with a scheme, a deck URL, a regex that compiles.
    pub(crate) fn check(&self, file: &Arc<str>) -> Vec<Diagnostic> {
        let root = YamlPath::root().key("gerrit");
        let mut found = Vec::new();
        let mut at = |path: YamlPath, message: String| {
            found.push(Diagnostic::error(
                DiagnosticKind::Invalid,
                file.clone(),
                path,
                format!("gerrit: {message}"),
            ));
        };
        for (i, entry) in self.org_repos_config.iter().enumerate() {
            if !(entry.org.starts_with("https://") || entry.org.starts_with("http://")) {
                at(
                    root.clone().key("org_repos_config").index(i).key("org"),
                    format!(
                        "org {:?} must be the host's URL with its scheme (https://...)",
                        entry.org
                    ),
                );
            }
        }
        let is_url = |text: &str| text.starts_with("https://") || text.starts_with("http://");
        if !self.deck_url.is_empty() && !is_url(&self.deck_url) {
            at(
                root.clone().key("deck_url"),
                format!("deck_url {:?} is not a URL", self.deck_url),
            );
        }
        if let Err(error) = regex::Regex::new(&self.allowed_presubmit_trigger_re) {
            at(
                root.key("allowed_presubmit_trigger_re"),
                format!("allowed_presubmit_trigger_re does not compile: {error}"),
            );
        }
        found
    }
}

/// What upstream documents as GitHub-only, named where a Gerrit project (a key with a scheme)
/// asks for it: hook's plugins and tide's merges.
pub(crate) fn unsupported(
    prow: &crate::ProwConfig,
    plugins: &crate::PluginsConfig,
    config_file: &Arc<str>,
    plugins_file: Option<&Arc<str>>,
) -> Vec<Diagnostic> {
    let gerrit = |name: &str| name.contains("://");
    let mut found = Vec::new();
    for (i, query) in prow.tide.queries.iter().enumerate() {
        for (key, list) in [("orgs", &query.orgs), ("repos", &query.repos)] {
            for (j, name) in list.iter().enumerate() {
                if gerrit(name) {
                    found.push(Diagnostic::error(
                        DiagnosticKind::Invalid,
                        config_file.clone(),
                        YamlPath::root().key("tide").key("queries").index(i).key(key).index(j),
                        format!("tide does not merge Gerrit changes ({name}): it serves GitHub only, as upstream's"),
                    ));
                }
            }
        }
    }
    if let Some(file) = plugins_file {
        for scope in plugins.plugins.keys().filter(|s| gerrit(s)) {
            found.push(Diagnostic::error(
                DiagnosticKind::Invalid,
                file.clone(),
                YamlPath::root().key("plugins").key(scope.as_str()),
                format!("plugins do not run for Gerrit projects ({scope}): hook serves GitHub webhooks only, as upstream's"),
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_need_a_scheme_and_defaults_are_upstreams() {
        let (gerrit, unknown) = crate::yaml::parse::<Gerrit>(
            "org_repos_config:\n- org: gerrit.example.com\n  repos: [a]\n- org: https://ok.example.com\n  repos: [b, c/d]\nallowed_presubmit_trigger_re: '('\n",
        )
        .expect("parses");
        assert!(unknown.is_empty());
        assert_eq!(gerrit.tick(), Duration::from_secs(60));
        assert_eq!(gerrit.page_size(), 5);
        let projects: Vec<_> = gerrit
            .projects()
            .map(|(o, r, _)| format!("{o}/{r}"))
            .collect();
        assert_eq!(
            projects,
            [
                "gerrit.example.com/a",
                "https://ok.example.com/b",
                "https://ok.example.com/c/d"
            ]
        );
        let problems: Vec<String> = gerrit
            .check(&Arc::from("config.yaml"))
            .iter()
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("with its scheme"));
        assert!(problems[1].contains("does not compile"));
    }

    #[test]
    fn tide_and_plugins_are_refused_for_gerrit_projects_where_they_are_asked_for() {
        let sources = crate::Sources {
            config: crate::Source::new(
                "config.yaml",
                "tide:\n  queries:\n  - repos: [https://gerrit.example.com/app]\n",
            ),
            job_files: Vec::new(),
            plugins: Some(crate::Source::new(
                "plugins.yaml",
                "plugins:\n  https://gerrit.example.com/app: [lgtm]\n",
            )),
        };
        let error = crate::load_sources(&sources, crate::LoadOptions::default())
            .expect_err("GitHub-only features for a Gerrit project");
        let shown: Vec<String> = error.errors().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:#?}");
        assert!(
            shown[0].starts_with("config.yaml:3:13: error: tide does not merge Gerrit changes"),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with("plugins.yaml:2:3: error: plugins do not run for Gerrit projects"),
            "{shown:#?}"
        );
    }
}
