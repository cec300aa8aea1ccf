//! `config.yaml`: the settings of every component (upstream `ProwConfig`), plus the job-config
//! keys upstream also allows in it.
//!
//! Sections this project implements are typed field by field. Sections of upstream components it
//! does not run (gangway, moonraker, scheduler, jenkins, tekton, spyglass
//! lenses, ...) are accepted as they are, so an upstream config loads unchanged; their contents are
//! kept as untyped values and not validated further.

use crate::jobs::{Periodic, Postsubmit, Preset, Presubmit};
use crate::yaml::nullable;
use prow_api::{
    DecorationConfig, Duration, ProwJobDefault, ProwJobType, RerunAuthConfig, SlackReporterConfig,
};
use serde::Deserialize;
use std::collections::BTreeMap;

/// An upstream section kept as it was written.
pub type Opaque = Option<serde_json::Value>;

/// The document in `--config-path`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProwConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub prowjob_namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    pub pod_namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    pub log_level: String,
    #[serde(default, deserialize_with = "nullable")]
    pub plank: Plank,
    #[serde(default, deserialize_with = "nullable")]
    pub sinker: Sinker,
    #[serde(default, deserialize_with = "nullable")]
    pub horologium: Horologium,
    #[serde(default, deserialize_with = "nullable")]
    pub tide: Tide,
    #[serde(default, deserialize_with = "nullable")]
    pub deck: Deck,
    #[serde(default, deserialize_with = "nullable")]
    pub github_reporter: GitHubReporter,
    #[serde(default, deserialize_with = "nullable")]
    pub slack_reporter_configs: BTreeMap<String, SlackReporter>,
    #[serde(default, deserialize_with = "nullable")]
    pub in_repo_config: InRepoConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub github: GitHubOptions,
    #[serde(default, deserialize_with = "nullable")]
    pub status_error_link: String,
    #[serde(default)]
    pub default_job_timeout: Option<Duration>,
    #[serde(default, deserialize_with = "nullable")]
    pub prowjob_default_entries: Vec<ProwJobDefaultEntry>,
    #[serde(default, deserialize_with = "nullable")]
    pub disabled_clusters: Vec<String>,
    /// `{project: [subscription, ...]}`, the subscriptions upstream's `sub` pulls from.
    #[serde(default, deserialize_with = "nullable")]
    pub pubsub_subscriptions: BTreeMap<String, Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub config_version_sha: String,

    #[serde(default, rename = "branch-protection", deserialize_with = "nullable")]
    pub branch_protection: crate::branch_protection::BranchProtection,
    #[serde(default, deserialize_with = "nullable")]
    pub gerrit: crate::gerrit::Gerrit,
    #[serde(default)]
    pub gangway: Opaque,
    #[serde(default)]
    pub moonraker: Opaque,
    #[serde(default)]
    pub scheduler: Opaque,
    #[serde(default)]
    pub jenkins_operators: Opaque,
    #[serde(default)]
    pub pipeline: Opaque,
    #[serde(default)]
    pub push_gateway: Opaque,
    #[serde(default)]
    pub owners_dir_denylist: Opaque,
    /// Which Pub/Sub subscriptions may start jobs, and on which clusters (upstream's `sub`).
    #[serde(default, deserialize_with = "nullable")]
    pub pubsub_triggers: Vec<PubSubTrigger>,
    #[serde(default)]
    pub managed_webhooks: Opaque,

    // Job configuration may also live in config.yaml.
    #[serde(default, deserialize_with = "nullable")]
    pub presets: Vec<Preset>,
    #[serde(default, deserialize_with = "nullable")]
    pub presubmits: BTreeMap<String, Vec<Presubmit>>,
    #[serde(default, deserialize_with = "nullable")]
    pub postsubmits: BTreeMap<String, Vec<Postsubmit>>,
    #[serde(default, deserialize_with = "nullable")]
    pub periodics: Vec<Periodic>,
    #[serde(default)]
    pub decorate_all_jobs: bool,
    #[serde(default)]
    pub prow_ignored: Opaque,
}

/// One project's subscriptions that may request jobs (upstream `PubSubTrigger`): `topics` are
/// the subscription ids; a requested job must run on one of `allowed_clusters` (`*` for any).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct PubSubTrigger {
    #[serde(default, deserialize_with = "nullable")]
    pub project: String,
    #[serde(default, deserialize_with = "nullable")]
    pub topics: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_clusters: Vec<String>,
    #[serde(default)]
    pub max_outstanding_messages: i64,
}

impl PubSubTrigger {
    /// Whether `subscription` (`projects/<project>/subscriptions/<id>`) is one of these.
    pub fn covers(&self, subscription: &str) -> bool {
        subscription
            .strip_prefix("projects/")
            .and_then(|rest| rest.split_once("/subscriptions/"))
            .is_some_and(|(project, id)| {
                project == self.project && self.topics.iter().any(|t| t == id)
            })
    }

    /// Whether a job on `cluster` may be requested through these subscriptions.
    pub fn allows_cluster(&self, cluster: &str) -> bool {
        self.allowed_clusters
            .iter()
            .any(|allowed| allowed == "*" || allowed == cluster)
    }
}

/// The controller's settings (upstream `plank`, which the controller function replaces).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Plank {
    #[serde(default, deserialize_with = "nullable")]
    pub job_url_template: String,
    #[serde(default, deserialize_with = "nullable")]
    pub report_template: String,
    #[serde(default, deserialize_with = "nullable")]
    pub report_templates: BTreeMap<String, String>,
    #[serde(default)]
    pub max_concurrency: i64,
    #[serde(default)]
    pub max_goroutines: i64,
    #[serde(default)]
    pub pod_pending_timeout: Option<Duration>,
    #[serde(default)]
    pub pod_running_timeout: Option<Duration>,
    #[serde(default)]
    pub pod_unscheduled_timeout: Option<Duration>,
    #[serde(default)]
    pub max_revivals: Option<i64>,
    /// The older map form of `default_decoration_config_entries` (`*`, org, org/repo keys).
    #[serde(default, deserialize_with = "nullable")]
    pub default_decoration_configs: BTreeMap<String, DecorationConfig>,
    #[serde(default, deserialize_with = "nullable")]
    pub default_decoration_config_entries: Vec<DefaultDecorationConfigEntry>,
    #[serde(default, deserialize_with = "nullable")]
    pub job_url_prefix_config: BTreeMap<String, String>,
    #[serde(default, rename = "jobURLPrefixDisableAppendStorageProvider")]
    pub job_url_prefix_disable_append_storage_provider: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub build_cluster_status_file: String,
    #[serde(default, deserialize_with = "nullable")]
    pub job_queue_capacities: BTreeMap<String, i64>,
}

impl Plank {
    pub const DEFAULT_POD_PENDING_TIMEOUT: Duration = Duration::from_secs(10 * 60);
    pub const DEFAULT_POD_RUNNING_TIMEOUT: Duration = Duration::from_secs(48 * 3600);
    pub const DEFAULT_POD_UNSCHEDULED_TIMEOUT: Duration = Duration::from_secs(5 * 60);
    pub const DEFAULT_MAX_REVIVALS: i64 = 3;
    pub const DEFAULT_MAX_GOROUTINES: i64 = 20;
}

/// A default decoration config for the jobs of a repo and/or cluster; `""` or `*` match all.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DefaultDecorationConfigEntry {
    #[serde(default, rename = "repo", deserialize_with = "nullable")]
    pub org_repo: String,
    #[serde(default, deserialize_with = "nullable")]
    pub cluster: String,
    #[serde(default)]
    pub config: Option<DecorationConfig>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProwJobDefaultEntry {
    #[serde(default, rename = "repo", deserialize_with = "nullable")]
    pub org_repo: String,
    #[serde(default, deserialize_with = "nullable")]
    pub cluster: String,
    #[serde(default)]
    pub config: Option<ProwJobDefault>,
}

/// Whether a default entry filtered by repo and cluster applies to a job (upstream `matches`):
/// an entry naming an org applies to all its repos.
pub(crate) fn entry_matches(
    entry_repo: &str,
    entry_cluster: &str,
    repo: &str,
    cluster: &str,
) -> bool {
    if !entry_cluster.is_empty() && entry_cluster != "*" && entry_cluster != cluster {
        return false;
    }
    if entry_repo.is_empty() || entry_repo == "*" || entry_repo == repo {
        return true;
    }
    let repo = repo
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    entry_repo == repo || repo.split('/').next() == Some(entry_repo)
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Sinker {
    #[serde(default)]
    pub resync_period: Option<Duration>,
    #[serde(default)]
    pub max_prowjob_age: Option<Duration>,
    #[serde(default)]
    pub max_pod_age: Option<Duration>,
    #[serde(default)]
    pub terminated_pod_ttl: Option<Duration>,
    #[serde(default, deserialize_with = "nullable")]
    pub exclude_clusters: Vec<String>,
}

impl Sinker {
    pub const DEFAULT_RESYNC_PERIOD: Duration = Duration::from_secs(3600);
    pub const DEFAULT_MAX_PROWJOB_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
    pub const DEFAULT_MAX_POD_AGE: Duration = Duration::from_secs(24 * 3600);
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Horologium {
    #[serde(default)]
    pub tick_interval: Option<Duration>,
}

/// Tide's settings. Queries and the scalar settings are typed; the merge method, commit template
/// and context policy maps are kept as written until tide lands.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Tide {
    #[serde(default)]
    pub sync_period: Option<Duration>,
    #[serde(default)]
    pub status_update_period: Option<Duration>,
    #[serde(default)]
    pub max_goroutines: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub queries: Vec<TideQuery>,
    #[serde(default)]
    pub merge_method: Opaque,
    #[serde(default)]
    pub merge_commit_template: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub target_url: String,
    #[serde(default, deserialize_with = "nullable")]
    pub target_urls: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    pub pr_status_base_url: String,
    #[serde(default, deserialize_with = "nullable")]
    pub pr_status_base_urls: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    pub blocker_label: String,
    #[serde(default, deserialize_with = "nullable")]
    pub squash_label: String,
    #[serde(default, deserialize_with = "nullable")]
    pub rebase_label: String,
    #[serde(default, deserialize_with = "nullable")]
    pub merge_label: String,
    #[serde(default)]
    pub context_options: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub batch_size_limit: BTreeMap<String, i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub prioritize_existing_batches: BTreeMap<String, bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub github_merge_blocks_policy: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    pub priority: Vec<TidePriority>,
    #[serde(default)]
    pub display_all_tide_queries_in_status: bool,
    #[serde(default)]
    pub gerrit: Opaque,
}

/// One tide query: which open PRs are in the merge pool.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TideQuery {
    #[serde(default, deserialize_with = "nullable")]
    pub orgs: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub repos: Vec<String>,
    #[serde(default, rename = "excludedRepos", deserialize_with = "nullable")]
    pub excluded_repos: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub author: String,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: Vec<String>,
    #[serde(default, rename = "missingLabels", deserialize_with = "nullable")]
    pub missing_labels: Vec<String>,
    #[serde(default, rename = "excludedBranches", deserialize_with = "nullable")]
    pub excluded_branches: Vec<String>,
    #[serde(default, rename = "includedBranches", deserialize_with = "nullable")]
    pub included_branches: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub milestone: String,
    #[serde(default, rename = "reviewApprovedRequired")]
    pub review_approved_required: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct TidePriority {
    #[serde(default, deserialize_with = "nullable")]
    pub labels: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Deck {
    #[serde(default)]
    pub spyglass: Opaque,
    #[serde(default)]
    pub tide_update_period: Option<Duration>,
    #[serde(default, deserialize_with = "nullable")]
    pub hidden_repos: Vec<String>,
    #[serde(default)]
    pub external_agent_logs: Opaque,
    #[serde(default)]
    pub branding: Opaque,
    #[serde(default, deserialize_with = "nullable")]
    pub google_analytics: String,
    #[serde(default, deserialize_with = "nullable")]
    pub rerun_auth_configs: BTreeMap<String, RerunAuthConfig>,
    #[serde(default, deserialize_with = "nullable")]
    pub default_rerun_auth_configs: Vec<DefaultRerunAuthConfigEntry>,
    #[serde(default)]
    pub skip_storage_path_validation: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub additional_allowed_buckets: Vec<String>,
}

impl Deck {
    /// Who may rerun or abort a job of `org_repo` on `cluster` by configuration (upstream
    /// `GetRerunAuthConfig`): the last `default_rerun_auth_configs` entry that matches, or of the
    /// older `rerun_auth_configs` map, the most specific key (`""`, `*`, then the org, then
    /// `org/repo`).
    pub fn rerun_auth_config(&self, org_repo: &str, cluster: &str) -> Option<&RerunAuthConfig> {
        if !self.default_rerun_auth_configs.is_empty() {
            return self
                .default_rerun_auth_configs
                .iter()
                .filter(|entry| entry_matches(&entry.org_repo, &entry.cluster, org_repo, cluster))
                .filter_map(|entry| entry.rerun_auth_configs.as_ref())
                .next_back();
        }
        let by_key = &self.rerun_auth_configs;
        let org = org_repo.split('/').next().unwrap_or_default();
        let named = |key: &str| (!key.is_empty()).then(|| by_key.get(key)).flatten();
        named(org_repo)
            .or_else(|| named(org))
            .or_else(|| by_key.get("*"))
            .or_else(|| by_key.get(""))
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct DefaultRerunAuthConfigEntry {
    #[serde(default, rename = "repo", deserialize_with = "nullable")]
    pub org_repo: String,
    #[serde(default, deserialize_with = "nullable")]
    pub cluster: String,
    #[serde(default)]
    pub rerun_auth_configs: Option<RerunAuthConfig>,
}

/// Which jobs crier reports to GitHub, and where it comments.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GitHubReporter {
    #[serde(default, deserialize_with = "nullable")]
    pub job_types_to_report: Vec<ProwJobType>,
    #[serde(default, deserialize_with = "nullable")]
    pub no_comment_repos: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub summary_comment_repos: Vec<String>,
}

/// A Slack reporter for `*`, an org or an org/repo.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SlackReporter {
    #[serde(default, deserialize_with = "nullable")]
    pub job_types_to_report: Vec<ProwJobType>,
    #[serde(default, deserialize_with = "nullable")]
    pub host: String,
    #[serde(default, deserialize_with = "nullable")]
    pub channel: String,
    #[serde(default)]
    pub job_states_to_report: Option<Vec<prow_api::ProwJobState>>,
    #[serde(default, deserialize_with = "nullable")]
    pub report_template: String,
    #[serde(default)]
    pub report: Option<bool>,
}

impl SlackReporter {
    pub fn as_reporter_config(&self) -> SlackReporterConfig {
        SlackReporterConfig {
            host: self.host.clone(),
            channel: self.channel.clone(),
            job_states_to_report: self.job_states_to_report.clone(),
            report_template: self.report_template.clone(),
            report: self.report,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct InRepoConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub enabled: BTreeMap<String, Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_clusters: BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct GitHubOptions {
    #[serde(default, deserialize_with = "nullable")]
    pub link_url: String,
}

#[cfg(test)]
mod tests {
    use super::{Deck, DefaultRerunAuthConfigEntry, RerunAuthConfig, entry_matches};

    #[test]
    fn default_entries_match_by_repo_org_and_cluster() {
        let cases = [
            ("", "", "kubernetes/test-infra", "default", true),
            ("*", "*", "kubernetes/test-infra", "build", true),
            ("kubernetes", "", "kubernetes/test-infra", "default", true),
            (
                "kubernetes/test-infra",
                "",
                "kubernetes/test-infra",
                "default",
                true,
            ),
            (
                "kubernetes/kubernetes",
                "",
                "kubernetes/test-infra",
                "default",
                false,
            ),
            (
                "kubernetes-sigs",
                "",
                "kubernetes/test-infra",
                "default",
                false,
            ),
            ("", "gpu", "kubernetes/test-infra", "default", false),
            ("", "gpu", "kubernetes/test-infra", "gpu", true),
            (
                "kubernetes",
                "",
                "https://kubernetes/test-infra",
                "default",
                true,
            ),
        ];
        for (entry_repo, entry_cluster, repo, cluster, expected) in cases {
            assert_eq!(
                entry_matches(entry_repo, entry_cluster, repo, cluster),
                expected,
                "{entry_repo:?}/{entry_cluster:?} for {repo} on {cluster}"
            );
        }
    }

    #[test]
    fn the_most_specific_rerun_auth_config_applies() {
        let users = |login: &str| RerunAuthConfig {
            github_users: vec![login.to_string()],
            ..RerunAuthConfig::default()
        };
        let mut map = Deck::default();
        for (key, login) in [
            ("*", "everyone"),
            ("org", "org-admin"),
            ("org/app", "app-admin"),
        ] {
            map.rerun_auth_configs.insert(key.to_string(), users(login));
        }
        let who = |deck: &Deck, repo: &str, cluster: &str| {
            deck.rerun_auth_config(repo, cluster)
                .map(|c| c.github_users[0].clone())
        };
        assert_eq!(
            who(&map, "org/app", "default").as_deref(),
            Some("app-admin")
        );
        assert_eq!(
            who(&map, "org/lib", "default").as_deref(),
            Some("org-admin")
        );
        assert_eq!(who(&map, "other/x", "default").as_deref(), Some("everyone"));
        assert_eq!(who(&map, "", "default").as_deref(), Some("everyone"));

        let entry = |repo: &str, cluster: &str, login: &str| DefaultRerunAuthConfigEntry {
            org_repo: repo.to_string(),
            cluster: cluster.to_string(),
            rerun_auth_configs: Some(users(login)),
        };
        let entries = Deck {
            default_rerun_auth_configs: vec![
                entry("*", "", "everyone"),
                entry("org", "", "org-admin"),
                entry("", "gpu", "gpu-admin"),
            ],
            ..Deck::default()
        };
        assert_eq!(
            who(&entries, "org/app", "default").as_deref(),
            Some("org-admin")
        );
        assert_eq!(
            who(&entries, "org/app", "gpu").as_deref(),
            Some("gpu-admin"),
            "the last match wins"
        );
        assert_eq!(
            who(&entries, "other/x", "default").as_deref(),
            Some("everyone")
        );
        assert_eq!(who(&Deck::default(), "org/app", "default"), None);
    }
}
