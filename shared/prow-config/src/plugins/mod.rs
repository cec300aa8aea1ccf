//! `plugins.yaml`: which plugins run for which org or repo, the external plugins hook forwards
//! events to, and each plugin's own section (upstream `plugins.Configuration`).
//!
//! The sections of the plugins this project has are typed ([`sections`]); the other plugins'
//! sections are accepted by their upstream names and kept as written.

mod config_updater;
mod sections;

pub use config_updater::{ClusterGroup, ConfigMapSpec, ConfigUpdater, glob_matches};
pub use sections::*;

use crate::prow_config::Opaque;
use crate::yaml::nullable;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct PluginsConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub plugins: BTreeMap<String, OrgPlugins>,
    #[serde(default, deserialize_with = "nullable")]
    pub external_plugins: BTreeMap<String, Vec<ExternalPlugin>>,
    #[serde(default, deserialize_with = "nullable")]
    pub triggers: Vec<Trigger>,

    #[serde(default, deserialize_with = "nullable")]
    pub owners: Owners,
    #[serde(default, deserialize_with = "nullable")]
    pub approve: Vec<Approve>,
    #[serde(default)]
    pub blockades: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub blunderbuss: Blunderbuss,
    #[serde(default)]
    pub rifle: Opaque,
    #[serde(default)]
    pub bugzilla: Opaque,
    #[serde(default)]
    pub branch_cleaner: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub cat: Cat,
    #[serde(default)]
    pub cherry_pick_approved: Opaque,
    #[serde(default)]
    pub cherry_pick_unapproved: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub config_updater: ConfigUpdater,
    #[serde(default)]
    pub dco: Opaque,
    #[serde(default)]
    pub golint: Opaque,
    #[serde(default)]
    pub goose: Opaque,
    #[serde(default)]
    pub heart: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub label: Label,
    #[serde(default, deserialize_with = "nullable")]
    pub lgtm: Vec<Lgtm>,
    #[serde(default)]
    pub jira: Opaque,
    #[serde(default)]
    pub milestone_applier: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub release_note: ReleaseNote,
    #[serde(default, deserialize_with = "nullable")]
    pub repo_milestone: BTreeMap<String, Milestone>,
    #[serde(default)]
    pub project_config: Opaque,
    #[serde(default)]
    pub project_manager: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub require_matching_label: Vec<RequireMatchingLabel>,
    #[serde(default, deserialize_with = "nullable")]
    pub retitle: Retitle,
    #[serde(default)]
    pub slack: Opaque,
    #[serde(default)]
    pub sigmention: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub size: Size,
    #[serde(default, deserialize_with = "nullable")]
    pub welcome: Vec<Welcome>,
    #[serde(default, deserialize_with = "nullable")]
    pub r#override: Override,
    #[serde(default, deserialize_with = "nullable")]
    pub help: Help,
    #[serde(default)]
    pub invalid_commit_msg: Opaque,
}

/// Every plugin name upstream Prow's hook knows (the 52 it imports from `pkg/plugins`), and needs-rebase (an
/// external plugin upstream, built in here): a name outside this list is a typo, and upstream
/// refuses it (`unknown plugin: <name>`).
pub const UPSTREAM_PLUGINS: &[&str] = &[
    "approve",
    "assign",
    "blockade",
    "blunderbuss",
    "branchcleaner",
    "bugzilla",
    "buildifier",
    "cat",
    "cherry-pick-approved",
    "cherry-pick-unapproved",
    "cla",
    "config-updater",
    "dco",
    "dog",
    "golint",
    "goose",
    "heart",
    "help",
    "hold",
    "invalidcommitmsg",
    "issue-management",
    "jira",
    "label",
    "lgtm",
    "lifecycle",
    "merge-method-comment",
    "mergecommitblocker",
    "milestone",
    "milestoneapplier",
    "milestonestatus",
    "needs-rebase",
    "override",
    "owners-label",
    "pony",
    "project",
    "project-manager",
    "release-note",
    "require-matching-label",
    "retitle",
    "rifle",
    "shrug",
    "sigmention",
    "size",
    "skip",
    "slackevents",
    "stage",
    "testfreeze",
    "trick-or-treat",
    "trigger",
    "verify-owners",
    "welcome",
    "wip",
    "yuks",
];

/// The plugins this project builds (`shared/prow-plugins`' registry; a test there keeps the
/// two equal). One of [`UPSTREAM_PLUGINS`] enabled but not listed here does nothing, and
/// `checkconfig` warns of it.
pub const BUILT_HERE: &[&str] = &[
    "approve",
    "assign",
    "blunderbuss",
    "cat",
    "config-updater",
    "help",
    "hold",
    "label",
    "lgtm",
    "lifecycle",
    "milestone",
    "milestonestatus",
    "needs-rebase",
    "override",
    "release-note",
    "require-matching-label",
    "retitle",
    "size",
    "skip",
    "trigger",
    "verify-owners",
    "welcome",
    "wip",
];

/// The plugins enabled for an org or repo. Upstream reads both the current form
/// (`{plugins: [...], excluded_repos: [...]}`) and the older bare list of names.
#[derive(Clone, Debug, Default)]
pub struct OrgPlugins {
    pub plugins: Vec<String>,
    pub excluded_repos: Vec<String>,
    /// Written as the bare list (where a name's line is found).
    pub bare_list: bool,
}

impl<'de> Deserialize<'de> for OrgPlugins {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Names(Vec<String>),
            Full {
                #[serde(default, deserialize_with = "nullable")]
                plugins: Vec<String>,
                #[serde(default, deserialize_with = "nullable")]
                excluded_repos: Vec<String>,
            },
        }
        Ok(match Option::<Form>::deserialize(deserializer)? {
            None => OrgPlugins::default(),
            Some(Form::Names(plugins)) => OrgPlugins {
                plugins,
                excluded_repos: Vec::new(),
                bare_list: true,
            },
            Some(Form::Full {
                plugins,
                excluded_repos,
            }) => OrgPlugins {
                plugins,
                excluded_repos,
                bare_list: false,
            },
        })
    }
}

/// An HTTP endpoint hook forwards events to; `endpoint` defaults to `http://<name>`, and no
/// `events` means every event.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ExternalPlugin {
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub endpoint: String,
    #[serde(default, deserialize_with = "nullable")]
    pub events: Vec<String>,
}

impl ExternalPlugin {
    pub fn endpoint(&self) -> String {
        if self.endpoint.is_empty() {
            format!("http://{}", self.name)
        } else {
            self.endpoint.clone()
        }
    }
}

/// The trigger plugin's settings for some orgs or repos: who is trusted to start tests.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Trigger {
    #[serde(default, deserialize_with = "nullable")]
    pub repos: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub trusted_apps: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub trusted_org: String,
    #[serde(default, deserialize_with = "nullable")]
    pub join_org_url: String,
    #[serde(default)]
    pub only_org_members: bool,
    #[serde(default)]
    pub ignore_ok_to_test: bool,
    #[serde(default)]
    pub trigger_github_workflows: bool,
    #[serde(default)]
    pub org_invite: Opaque,
}

impl PluginsConfig {
    /// The plugins enabled for `org/repo`: the org's (unless the repo is excluded) and the repo's.
    pub fn enabled_plugins(&self, org: &str, repo: &str) -> Vec<&str> {
        let full_name = format!("{org}/{repo}");
        let mut enabled: Vec<&str> = Vec::new();
        if let Some(org_plugins) = self.plugins.get(org)
            && !org_plugins.excluded_repos.iter().any(|r| r == repo)
        {
            enabled.extend(org_plugins.plugins.iter().map(String::as_str));
        }
        if let Some(repo_plugins) = self.plugins.get(&full_name) {
            enabled.extend(repo_plugins.plugins.iter().map(String::as_str));
        }
        enabled.sort_unstable();
        enabled.dedup();
        enabled
    }

    /// The trigger settings for `org/repo`: the repo's entry if there is one, else the org's.
    pub fn trigger_for(&self, org: &str, repo: &str) -> Trigger {
        let full_name = format!("{org}/{repo}");
        let by_repo = self.triggers.iter().find(|t| t.repos.contains(&full_name));
        let by_org = || {
            self.triggers
                .iter()
                .find(|t| t.repos.iter().any(|r| r == org))
        };
        let mut trigger = by_repo.or_else(by_org).cloned().unwrap_or_default();
        if !trigger.trusted_org.is_empty() && trigger.join_org_url.is_empty() {
            trigger.join_org_url =
                format!("https://github.com/orgs/{}/people", trigger.trusted_org);
        }
        trigger
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> PluginsConfig {
        crate::yaml::parse::<PluginsConfig>(text).unwrap().0
    }

    #[test]
    fn org_plugins_apply_to_repos_unless_excluded_and_repo_plugins_add() {
        let c = config(
            "plugins:\n  k8s:\n    plugins: [trigger, lgtm]\n    excluded_repos: [private]\n  k8s/infra:\n    plugins: [size]\n  other: [cat]\n",
        );
        assert_eq!(
            c.enabled_plugins("k8s", "infra"),
            ["lgtm", "size", "trigger"]
        );
        assert_eq!(c.enabled_plugins("k8s", "private"), Vec::<&str>::new());
        assert_eq!(c.enabled_plugins("other", "x"), ["cat"]);
    }

    #[test]
    fn repo_trigger_settings_win_over_org() {
        let c = config(
            "triggers:\n- repos: [k8s]\n  only_org_members: true\n- repos: [k8s/infra]\n  trusted_apps: [bot]\n",
        );
        assert!(c.trigger_for("k8s", "kubernetes").only_org_members);
        let infra = c.trigger_for("k8s", "infra");
        assert!(!infra.only_org_members);
        assert_eq!(infra.trusted_apps, ["bot"]);
        assert!(c.trigger_for("elsewhere", "x").repos.is_empty());
    }
}
