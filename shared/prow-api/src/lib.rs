//! Types of upstream Prow's `prow.k8s.io/v1` API that configuration and ProwJobs share: the code
//! under test ([`Refs`]), pod decoration ([`DecorationConfig`]), reporting and rerun settings.
//!
//! Field names are upstream's JSON names exactly, so a ProwJob or a job config written for upstream
//! Prow reads and writes unchanged. This crate holds data and the small pure rules that belong to the
//! data (how a default decoration config fills in a job's, how durations are written); it does no I/O.

mod decoration;
pub mod downward;
mod duration;
pub mod pod_utilities;
pub mod prowjob;
pub mod status_description;

pub use decoration::{
    CensoringOptions, DecorationConfig, DecorationError, GcsConfiguration, GcsError,
    GitHubAppPrivateKeySecret, OauthTokenSecret, Resources, SchedulingOptions, UtilityImages,
};
pub use duration::{Duration, DurationParseError};
pub use prowjob::{ProwJob, ProwJobSpec, ProwJobStatus};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of job a ProwJob is: when it runs and what code it tests.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ProwJobType {
    Presubmit,
    Postsubmit,
    Periodic,
    Batch,
}

impl ProwJobType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProwJobType::Presubmit => "presubmit",
            ProwJobType::Postsubmit => "postsubmit",
            ProwJobType::Periodic => "periodic",
            ProwJobType::Batch => "batch",
        }
    }
}

/// Where a ProwJob is in its life.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ProwJobState {
    Scheduling,
    Triggered,
    Pending,
    Success,
    Failure,
    Aborted,
    Error,
}

impl ProwJobState {
    /// The state as the ProwJob resource spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProwJobState::Scheduling => "scheduling",
            ProwJobState::Triggered => "triggered",
            ProwJobState::Pending => "pending",
            ProwJobState::Success => "success",
            ProwJobState::Failure => "failure",
            ProwJobState::Aborted => "aborted",
            ProwJobState::Error => "error",
        }
    }
}

/// The component that runs a job. Only `kubernetes` is executed by this project; the others are
/// accepted in configuration so that upstream configs load.
pub const KUBERNETES_AGENT: &str = "kubernetes";
pub const JENKINS_AGENT: &str = "jenkins";
pub const TEKTON_AGENT: &str = "tekton-pipeline";

/// The build cluster alias used when a job names none.
pub const DEFAULT_CLUSTER_ALIAS: &str = "default";

/// One pull request in [`Refs::pulls`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Pull {
    pub number: u64,
    pub author: String,
    pub sha: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub r#ref: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub head_ref: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub link: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub commit_link: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub author_link: String,
}

/// The code a job tests: a repository, a base, and the pulls merged onto it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Refs {
    pub org: String,
    pub repo: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub repo_link: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub base_ref: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub base_sha: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub base_link: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pulls: Vec<Pull>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path_alias: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub workdir: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub auxiliary: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub clone_uri: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_submodules: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub clone_depth: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_fetch_head: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blobless_fetch: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sparse_checkout_files: Vec<String>,
}

impl Refs {
    /// `org/repo`, the key jobs are configured under.
    pub fn org_repo(&self) -> String {
        format!("{}/{}", self.org, self.repo)
    }
}

/// Per-job reporter settings (`reporter_config`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReporterConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<SlackReporterConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SlackReporterConfig {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_states_to_report: Option<Vec<ProwJobState>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub report_template: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<bool>,
}

/// A GitHub team named by org and slug.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GitHubTeamSlug {
    pub slug: String,
    pub org: String,
}

/// Who may rerun or abort a job from deck.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RerunAuthConfig {
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_anyone: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_team_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_team_slugs: Vec<GitHubTeamSlug>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_users: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_orgs: Vec<String>,
}

impl RerunAuthConfig {
    /// Upstream rejects `allow_anyone` together with an allow list: the list would mean nothing.
    pub fn validate(&self) -> Result<(), &'static str> {
        let has_allow_list = !self.github_users.is_empty()
            || !self.github_team_ids.is_empty()
            || !self.github_team_slugs.is_empty()
            || !self.github_orgs.is_empty();
        if self.allow_anyone && has_allow_list {
            return Err("allow anyone is set to true and permitted users or groups are specified");
        }
        Ok(())
    }
}

/// Defaults for ProwJob fields that are not part of the pod (`prowjob_defaults`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProwJobDefault {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resultstore_config: Option<ResultStoreConfig>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tenant_id: String,
}

impl ProwJobDefault {
    /// Fills what `self` leaves unset from `default`, as upstream's `ProwJobDefault.ApplyDefault`.
    pub fn apply_default(self, default: &ProwJobDefault) -> ProwJobDefault {
        ProwJobDefault {
            resultstore_config: self
                .resultstore_config
                .or_else(|| default.resultstore_config.clone()),
            tenant_id: if self.tenant_id.is_empty() {
                default.tenant_id.clone()
            } else {
                self.tenant_id
            },
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResultStoreConfig {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub project_id: String,
}

/// Jenkins-agent settings, accepted so upstream configs load.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JenkinsSpec {
    #[serde(default, skip_serializing_if = "is_false")]
    pub github_branch_source_job: bool,
}

/// Labels and annotations upstream Prow puts on ProwJobs and pods.
pub mod labels {
    pub const CREATED_BY_PROW: &str = "created-by-prow";
    pub const CREATED_BY_TIDE: &str = "created-by-tide";
    pub const PROW_JOB_TYPE: &str = "prow.k8s.io/type";
    pub const PROW_JOB: &str = "prow.k8s.io/job";
    pub const PROW_JOB_ID: &str = "prow.k8s.io/id";
    pub const PROW_BUILD_ID: &str = "prow.k8s.io/build-id";
    pub const CONTEXT: &str = "prow.k8s.io/context";
    pub const ORG: &str = "prow.k8s.io/refs.org";
    pub const REPO: &str = "prow.k8s.io/refs.repo";
    pub const PULL: &str = "prow.k8s.io/refs.pull";
    pub const BASE_REF: &str = "prow.k8s.io/refs.base_ref";
    pub const RETEST: &str = "prow.k8s.io/retest";
    pub const IS_OPTIONAL: &str = "prow.k8s.io/is-optional";
    pub const GERRIT_REPORT_LABEL: &str = "prow.k8s.io/gerrit-report-label";

    /// The longest label value Kubernetes takes.
    pub const MAX_VALUE_LENGTH: usize = 63;

    /// Whether Kubernetes takes `value` as a label value: at most 63 characters of letters,
    /// digits, `-`, `_` and `.`, beginning and ending with a letter or digit (or empty).
    pub fn is_valid_value(value: &str) -> bool {
        let bytes = value.as_bytes();
        bytes.len() <= MAX_VALUE_LENGTH
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && bytes.first().is_none_or(u8::is_ascii_alphanumeric)
            && bytes.last().is_none_or(u8::is_ascii_alphanumeric)
    }

    /// A job name or context cut to a label's length as upstream cuts it (the first 63
    /// characters, without trailing `.`, `_` or `-`); the annotation keeps it whole.
    pub fn truncate_value(value: &str) -> String {
        if value.len() <= MAX_VALUE_LENGTH {
            return value.to_string();
        }
        let mut end = MAX_VALUE_LENGTH;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        value[..end].trim_end_matches(['.', '_', '-']).to_string()
    }

    /// A label value as upstream writes it: the value when valid, else its last path element when
    /// that is (`release/1.7` gives `1.7`); `None` when neither is, and upstream leaves the
    /// label out.
    pub fn fit_value(value: &str) -> Option<String> {
        if is_valid_value(value) {
            return Some(value.to_string());
        }
        let trimmed = value.trim_end_matches('/');
        let base = match trimmed.rsplit_once('/') {
            Some((_, base)) => base,
            None if trimmed.is_empty() && !value.is_empty() => "/",
            None if trimmed.is_empty() => ".",
            None => trimmed,
        };
        is_valid_value(base).then(|| base.to_string())
    }

    /// A value made fit for a label (cut as [`truncate_value`] cuts, then [`fit_value`]), empty
    /// when nothing of it fits: for selectors that must match the labels ProwJobs carry.
    pub fn sanitize_value(value: &str) -> String {
        fit_value(&truncate_value(value)).unwrap_or_default()
    }

    /// Labels decoration sets on pods; jobs may not set them themselves (upstream `decorate.Labels`).
    pub const RESERVED_FOR_DECORATION: [&str; 3] = [PROW_JOB_TYPE, CREATED_BY_PROW, PROW_JOB_ID];
}

pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

pub(crate) fn is_zero(value: &i64) -> bool {
    *value == 0
}

/// A string-keyed map with a stable order, as job labels and annotations are kept.
pub type StringMap = BTreeMap<String, String>;
