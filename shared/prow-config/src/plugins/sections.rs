//! The plugins' own sections of `plugins.yaml`, with upstream's keys, defaults and per-repository
//! resolution (upstream `pkg/plugins/config.go`): lists of `repos:` entries resolve to the first
//! entry naming `org/repo`, else the first naming `org`; global sections apply everywhere.

use crate::yaml::nullable;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Who an entry of a per-repository list is for: orgs and `org/repo`s.
fn entry_for<'a, T>(
    entries: &'a [T],
    repos: impl Fn(&T) -> &[String],
    org: &str,
    repo: &str,
) -> Option<&'a T> {
    let full_name = format!("{org}/{repo}");
    entries
        .iter()
        .find(|e| repos(e).contains(&full_name))
        .or_else(|| entries.iter().find(|e| repos(e).iter().any(|r| r == org)))
}

/// `owners`: how OWNERS files are read and trusted.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Owners {
    /// Repos whose markdown files may carry OWNERS front matter.
    #[serde(default, deserialize_with = "nullable")]
    pub mdyamlrepos: Vec<String>,
    /// Repos (or orgs) where only OWNERS files, not collaborator status, grant lgtm and approve.
    #[serde(default, deserialize_with = "nullable")]
    pub skip_collaborators: Vec<String>,
    /// Labels an OWNERS file may not set; `None` (the key absent) means `approved` and `lgtm`.
    #[serde(default)]
    pub labels_denylist: Option<Vec<String>>,
    /// Other names for the OWNERS files, by `org` or `org/repo`.
    #[serde(default, deserialize_with = "nullable")]
    pub filenames: BTreeMap<String, OwnersFilenames>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct OwnersFilenames {
    #[serde(default, deserialize_with = "nullable")]
    pub owners: String,
    #[serde(default, deserialize_with = "nullable")]
    pub owners_aliases: String,
}

impl Owners {
    /// The OWNERS file names for `org/repo` (`OWNERS`, `OWNERS_ALIASES` unless configured).
    pub fn filenames_for(&self, org: &str, repo: &str) -> OwnersFilenames {
        self.filenames
            .get(&format!("{org}/{repo}"))
            .or_else(|| self.filenames.get(org))
            .cloned()
            .unwrap_or_else(|| OwnersFilenames {
                owners: "OWNERS".into(),
                owners_aliases: "OWNERS_ALIASES".into(),
            })
    }

    /// Whether only OWNERS files grant lgtm and approve in `org/repo`.
    pub fn skips_collaborators(&self, org: &str, repo: &str) -> bool {
        let full_name = format!("{org}/{repo}");
        self.skip_collaborators
            .iter()
            .any(|e| e == org || *e == full_name)
    }

    /// Whether markdown files of `org/repo` may carry OWNERS front matter.
    pub fn md_yaml(&self, org: &str, repo: &str) -> bool {
        let full_name = format!("{org}/{repo}");
        self.mdyamlrepos.iter().any(|e| e == org || *e == full_name)
    }

    /// The labels OWNERS files may not set.
    pub fn labels_denylist(&self) -> Vec<String> {
        self.labels_denylist
            .clone()
            .unwrap_or_else(|| vec!["approved".into(), "lgtm".into()])
    }
}

/// `approve` entries.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Approve {
    #[serde(default, deserialize_with = "nullable")]
    pub repos: Vec<String>,
    #[serde(default)]
    pub issue_required: bool,
    /// `None`: authors approve their own PRs implicitly.
    #[serde(default)]
    pub require_self_approval: Option<bool>,
    #[serde(default)]
    pub lgtm_acts_as_approve: bool,
    /// `None`: GitHub review states count.
    #[serde(default)]
    pub ignore_review_state: Option<bool>,
    #[serde(default, rename = "commandHelpLink", deserialize_with = "nullable")]
    pub command_help_link: String,
    #[serde(default, deserialize_with = "nullable")]
    pub pr_process_link: String,
}

impl Approve {
    /// Whether the author's own PR counts as approved by them.
    pub fn has_self_approval(&self) -> bool {
        !self.require_self_approval.unwrap_or(false)
    }

    /// Whether approving and changes-requested reviews count.
    pub fn consider_review_state(&self) -> bool {
        !self.ignore_review_state.unwrap_or(false)
    }
}

/// `lgtm` entries.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Lgtm {
    #[serde(default, deserialize_with = "nullable")]
    pub repos: Vec<String>,
    #[serde(default)]
    pub review_acts_as_lgtm: bool,
    #[serde(default)]
    pub store_tree_hash: bool,
    #[serde(
        default,
        rename = "trusted_team_for_sticky_lgtm",
        deserialize_with = "nullable"
    )]
    pub sticky_lgtm_team: String,
}

/// `blunderbuss`: review requests from OWNERS reviewers.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Blunderbuss {
    /// Reviewers to request; 2 when unset.
    #[serde(default)]
    pub request_count: Option<i64>,
    /// 0: no limit on `/auto-cc`.
    #[serde(default)]
    pub max_request_count: i64,
    #[serde(default)]
    pub exclude_approvers: bool,
    #[serde(default)]
    pub use_status_availability: bool,
    #[serde(default)]
    pub ignore_drafts: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub ignore_authors: Vec<String>,
    #[serde(default)]
    pub wait_for_status: Option<ContextMatch>,
}

impl Blunderbuss {
    pub fn request_count(&self) -> usize {
        self.request_count
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(2)
    }
}

/// A status context to wait for; unset fields take upstream's defaults.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ContextMatch {
    #[serde(default, deserialize_with = "nullable")]
    pub context: String,
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    #[serde(default, deserialize_with = "nullable")]
    pub state: String,
}

impl ContextMatch {
    pub fn context(&self) -> &str {
        if self.context.is_empty() {
            "tide"
        } else {
            &self.context
        }
    }

    pub fn state(&self) -> &str {
        if self.state.is_empty() {
            "pending"
        } else {
            &self.state
        }
    }

    /// A regex over the status description.
    pub fn description(&self) -> &str {
        if self.description.is_empty() {
            r"Not mergeable. (PullRequest is missing sufficient approving GitHub review\(s\)|Needs (lgtm|approved|approved, lgtm) labels?)\.?"
        } else {
            &self.description
        }
    }
}

/// `cat`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Cat {
    /// A file holding an API key for the picture API.
    #[serde(default, deserialize_with = "nullable")]
    pub key_path: String,
}

/// `label`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Label {
    /// More labels `/label` may set, beyond the prefixed ones.
    #[serde(default, deserialize_with = "nullable")]
    pub additional_labels: Vec<String>,
    /// Labels only some teams or users may set, by `*`, `org` or `org/repo`.
    #[serde(default, deserialize_with = "nullable")]
    pub restricted_labels: BTreeMap<String, Vec<RestrictedLabel>>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct RestrictedLabel {
    pub label: String,
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_teams: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_users: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub assign_on: Vec<AssignOnLabel>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct AssignOnLabel {
    pub label: String,
}

impl Label {
    /// The restricted labels for `org/repo`, by lower-cased label: the entries of `*`, `org` and
    /// `org/repo` merged (a more specific level adds teams, users and labels to assign on).
    pub fn restricted_labels_for(
        &self,
        org: &str,
        repo: &str,
    ) -> BTreeMap<String, RestrictedLabel> {
        let mut merged: BTreeMap<String, RestrictedLabel> = BTreeMap::new();
        for key in ["*".to_string(), org.to_string(), format!("{org}/{repo}")] {
            for entry in self.restricted_labels.get(&key).into_iter().flatten() {
                let into =
                    merged
                        .entry(entry.label.to_lowercase())
                        .or_insert_with(|| RestrictedLabel {
                            label: entry.label.clone(),
                            ..RestrictedLabel::default()
                        });
                for team in &entry.allowed_teams {
                    if !into.allowed_teams.contains(team) {
                        into.allowed_teams.push(team.clone());
                    }
                }
                for user in &entry.allowed_users {
                    if !into.allowed_users.contains(user) {
                        into.allowed_users.push(user.clone());
                    }
                }
                for label in &entry.assign_on {
                    if !into.assign_on.contains(label) {
                        into.assign_on.push(label.clone());
                    }
                }
                into.allowed_teams.sort();
                into.allowed_users.sort();
            }
        }
        merged
    }
}

/// `help`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Help {
    #[serde(default, deserialize_with = "nullable")]
    pub help_guidelines_url: String,
    #[serde(default, deserialize_with = "nullable")]
    pub help_guidelines_summary: String,
}

impl Help {
    pub fn guidelines_url(&self) -> &str {
        if self.help_guidelines_url.is_empty() {
            "https://git.k8s.io/community/contributors/guide/help-wanted.md"
        } else {
            &self.help_guidelines_url
        }
    }
}

/// `size`: the lower bound in lines changed of each size label (XS starts at 0).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Size {
    #[serde(default)]
    pub s: i64,
    #[serde(default)]
    pub m: i64,
    #[serde(default)]
    pub l: i64,
    #[serde(default)]
    pub xl: i64,
    #[serde(default)]
    pub xxl: i64,
}

impl Size {
    /// Each bound left 0 takes upstream's default (10, 30, 100, 500, 1000).
    pub fn or_defaults(self) -> Size {
        let pick = |value: i64, default: i64| if value == 0 { default } else { value };
        Size {
            s: pick(self.s, 10),
            m: pick(self.m, 30),
            l: pick(self.l, 100),
            xl: pick(self.xl, 500),
            xxl: pick(self.xxl, 1000),
        }
    }
}

/// `repo_milestone` values: who maintains the milestones of a repo (`""` for every repo).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Milestone {
    /// Deprecated: a team id.
    #[serde(default)]
    pub maintainers_id: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub maintainers_team: String,
    #[serde(default, deserialize_with = "nullable")]
    pub maintainers_friendly_name: String,
}

/// `require_matching_label` entries.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RequireMatchingLabel {
    #[serde(default, deserialize_with = "nullable")]
    pub org: String,
    #[serde(default, deserialize_with = "nullable")]
    pub repo: String,
    #[serde(default, deserialize_with = "nullable")]
    pub branch: String,
    #[serde(default)]
    pub prs: bool,
    #[serde(default)]
    pub issues: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub regexp: String,
    #[serde(default, deserialize_with = "nullable")]
    pub missing_label: String,
    #[serde(default, deserialize_with = "nullable")]
    pub missing_comment: String,
    /// A Go duration; `5s` when unset.
    #[serde(default, deserialize_with = "nullable")]
    pub grace_period: String,
}

/// `retitle`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Retitle {
    #[serde(default)]
    pub allow_closed_issues: bool,
}

/// `welcome` entries.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Welcome {
    #[serde(default, deserialize_with = "nullable")]
    pub repos: Vec<String>,
    /// A Go template over `{AuthorLogin, AuthorName, Org, Repo}`; upstream's default when empty.
    #[serde(default, deserialize_with = "nullable")]
    pub message_template: String,
    #[serde(default)]
    pub always_post: bool,
}

/// `override`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Override {
    #[serde(default)]
    pub allow_top_level_owners: bool,
    /// Teams whose members may `/override`, by `org` or `org/repo`.
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_github_teams: BTreeMap<String, Vec<String>>,
}

/// `release_note`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReleaseNote {
    #[serde(default, deserialize_with = "nullable")]
    pub guidelines_url: String,
}

impl ReleaseNote {
    pub fn guidelines_url(&self) -> &str {
        if self.guidelines_url.is_empty() {
            "https://git.k8s.io/community/contributors/guide/release-notes.md"
        } else {
            &self.guidelines_url
        }
    }
}

impl super::PluginsConfig {
    /// The `approve` entry for `org/repo` (the repo's, else the org's, else defaults), links
    /// defaulted as upstream.
    pub fn approve_for(&self, org: &str, repo: &str) -> Approve {
        let mut approve = entry_for(&self.approve, |a| &a.repos, org, repo)
            .cloned()
            .unwrap_or_default();
        if approve.command_help_link.is_empty() {
            approve.command_help_link = "https://go.k8s.io/bot-commands".into();
        }
        if approve.pr_process_link.is_empty() {
            approve.pr_process_link =
                "https://git.k8s.io/community/contributors/guide/owners.md#the-code-review-process"
                    .into();
        }
        approve
    }

    /// The `lgtm` entry for `org/repo`.
    pub fn lgtm_for(&self, org: &str, repo: &str) -> Lgtm {
        entry_for(&self.lgtm, |l| &l.repos, org, repo)
            .cloned()
            .unwrap_or_default()
    }

    /// The `welcome` entry for `org/repo`.
    pub fn welcome_for(&self, org: &str, repo: &str) -> Welcome {
        entry_for(&self.welcome, |w| &w.repos, org, repo)
            .cloned()
            .unwrap_or_default()
    }

    /// Who maintains the milestones of `org/repo` (its entry, else the `""` one).
    pub fn milestone_for(&self, org: &str, repo: &str) -> Option<Milestone> {
        self.repo_milestone
            .get(&format!("{org}/{repo}"))
            .or_else(|| self.repo_milestone.get(""))
            .cloned()
    }

    /// The teams whose members may `/override` in `org/repo`.
    pub fn override_teams_for(&self, org: &str, repo: &str) -> Vec<String> {
        let mut teams: Vec<String> = [org.to_string(), format!("{org}/{repo}")]
            .iter()
            .filter_map(|key| self.r#override.allowed_github_teams.get(key))
            .flatten()
            .cloned()
            .collect();
        teams.sort();
        teams.dedup();
        teams
    }
}

#[cfg(test)]
mod tests {
    use crate::PluginsConfig;

    fn config(text: &str) -> PluginsConfig {
        crate::yaml::parse::<PluginsConfig>(text).unwrap().0
    }

    #[test]
    fn list_sections_resolve_the_repo_entry_first_then_the_org() {
        let c = config(
            "approve:\n- repos: [k8s]\n  require_self_approval: true\n- repos: [k8s/infra]\n  lgtm_acts_as_approve: true\nlgtm:\n- repos: [k8s]\n  store_tree_hash: true\n",
        );
        assert!(!c.approve_for("k8s", "kubernetes").has_self_approval());
        let infra = c.approve_for("k8s", "infra");
        assert!(infra.lgtm_acts_as_approve && infra.has_self_approval());
        assert_eq!(infra.command_help_link, "https://go.k8s.io/bot-commands");
        assert!(c.lgtm_for("k8s", "x").store_tree_hash);
        assert!(!c.lgtm_for("other", "x").store_tree_hash);
    }

    #[test]
    fn restricted_labels_merge_across_levels() {
        let c = config(
            "label:\n  restricted_labels:\n    '*':\n    - label: cve\n      allowed_users: [zed]\n    k8s/k8s:\n    - label: CVE\n      allowed_teams: [src]\n      allowed_users: [amy]\n",
        );
        let merged = c.label.restricted_labels_for("k8s", "k8s");
        assert_eq!(merged["cve"].allowed_users, ["amy", "zed"]);
        assert_eq!(merged["cve"].allowed_teams, ["src"]);
        assert!(
            c.label.restricted_labels_for("k8s", "other")["cve"]
                .allowed_teams
                .is_empty()
        );
    }

    #[test]
    fn sizes_take_defaults_field_by_field() {
        let c = config("size:\n  s: 5\n  xxl: 2000\n");
        assert_eq!(
            c.size.or_defaults(),
            super::Size {
                s: 5,
                m: 30,
                l: 100,
                xl: 500,
                xxl: 2000
            }
        );
    }
}
