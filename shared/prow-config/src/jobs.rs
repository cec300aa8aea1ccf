//! Job configuration: presubmits, postsubmits, periodics and presets, with upstream's YAML keys.
//!
//! In YAML a job is one flat mapping; upstream's Go types embed `JobBase`, `UtilityConfig`,
//! `Brancher`, `RegexpChangeMatcher` and `Reporter` inline. Here each job is read into a flat raw
//! struct (so unknown keys are still caught, which `#[serde(flatten)]` would defeat) and moved into
//! the same nested shape upstream's code works with.

use crate::diagnostics::YamlPath;
use crate::regexes::LazyRegex;
use crate::yaml::nullable;
use k8s_openapi::api::core::v1::{EnvVar, PodSpec, Toleration, Volume, VolumeMount};
use prow_api::{
    DecorationConfig, JenkinsSpec, ProwJobDefault, Refs, ReporterConfig, RerunAuthConfig, StringMap,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Where a job was defined: its file and its path in that file's document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobSource {
    pub file: Arc<str>,
    pub path: YamlPath,
}

/// What every kind of job has (upstream `JobBase` with its inline `UtilityConfig`).
#[derive(Clone, Debug, Default)]
pub struct JobBase {
    pub name: String,
    pub labels: StringMap,
    pub annotations: StringMap,
    pub max_concurrency: i64,
    /// Defaulted to `kubernetes`.
    pub agent: String,
    /// Build cluster alias; defaulted to `default`.
    pub cluster: String,
    /// Defaulted to `pod_namespace`.
    pub namespace: Option<String>,
    pub error_on_eviction: bool,
    pub spec: Option<PodSpec>,
    /// Tekton specs are accepted so upstream configs load; this project does not run them.
    pub pipeline_run_spec: Option<serde_json::Value>,
    pub tekton_pipeline_run_spec: Option<serde_json::Value>,
    pub reporter_config: Option<ReporterConfig>,
    pub rerun_auth_config: Option<RerunAuthConfig>,
    pub hidden: bool,
    pub prowjob_defaults: Option<ProwJobDefault>,
    pub job_queue_name: String,
    pub utility: UtilityConfig,
    pub source: JobSource,
}

/// Decoration and cloning settings (upstream `UtilityConfig`).
#[derive(Clone, Debug, Default)]
pub struct UtilityConfig {
    /// `None` until defaulted from `decorate_all_jobs`.
    pub decorate: Option<bool>,
    pub path_alias: String,
    pub clone_uri: String,
    pub skip_submodules: bool,
    pub clone_depth: i64,
    pub skip_fetch_head: bool,
    pub extra_refs: Vec<Refs>,
    /// After defaulting, jobs with no settings of their own share their repo's default.
    pub decoration_config: Option<Arc<DecorationConfig>>,
}

/// Which branches a job runs against: `branches` and `skip_branches` are regexes, joined with `|`
/// and matched unanchored, as upstream does.
#[derive(Clone, Debug, Default)]
pub struct Brancher {
    pub branches: Vec<String>,
    pub skip_branches: Vec<String>,
    pub(crate) branches_re: LazyRegex,
    pub(crate) skip_branches_re: LazyRegex,
}

impl Brancher {
    pub fn new(branches: Vec<String>, skip_branches: Vec<String>) -> Self {
        Brancher {
            branches_re: LazyRegex::new(branches.join("|")),
            skip_branches_re: LazyRegex::new(skip_branches.join("|")),
            branches,
            skip_branches,
        }
    }

    pub fn runs_against_all_branches(&self) -> bool {
        self.branches.is_empty() && self.skip_branches.is_empty()
    }

    /// Whether the job runs against `branch`; `skip_branches` wins over `branches`.
    pub fn should_run(&self, branch: &str) -> bool {
        if self.runs_against_all_branches() {
            return true;
        }
        if !self.skip_branches.is_empty() && self.skip_branches_re.is_match(branch) {
            return false;
        }
        self.branches.is_empty() || self.branches_re.is_match(branch)
    }

    /// Whether two jobs could run for the same branch (upstream `Brancher.Intersects`): literal
    /// branch lists intersect by name; a list against skip regexes is tested branch by branch.
    pub fn intersects(&self, other: &Brancher) -> bool {
        if self.runs_against_all_branches() || other.runs_against_all_branches() {
            return true;
        }
        if !self.branches.is_empty() {
            if !other.branches.is_empty() {
                return self.branches.iter().any(|b| other.branches.contains(b));
            }
            return self.branches.iter().any(|b| other.should_run(b));
        }
        if other.branches.is_empty() {
            // Both only skip branches: some branch is run by both.
            return true;
        }
        other.intersects(self)
    }
}

/// Which file changes make a job run (`run_if_changed`) or not (`skip_if_only_changed`).
#[derive(Clone, Debug, Default)]
pub struct RegexpChangeMatcher {
    pub run_if_changed: String,
    pub skip_if_only_changed: String,
    pub(crate) run_if_changed_re: LazyRegex,
    pub(crate) skip_if_only_changed_re: LazyRegex,
}

impl RegexpChangeMatcher {
    pub fn new(run_if_changed: String, skip_if_only_changed: String) -> Self {
        RegexpChangeMatcher {
            run_if_changed_re: LazyRegex::new(run_if_changed.clone()),
            skip_if_only_changed_re: LazyRegex::new(skip_if_only_changed.clone()),
            run_if_changed,
            skip_if_only_changed,
        }
    }

    /// Whether the job's running depends on the changed files at all.
    pub fn could_run_conditionally(&self) -> bool {
        !self.run_if_changed.is_empty() || !self.skip_if_only_changed.is_empty()
    }

    /// Upstream `RunsAgainstChanges`: some file matches `run_if_changed`, or some file does not
    /// match `skip_if_only_changed`.
    pub fn runs_against_changes<S: AsRef<str>>(&self, changes: &[S]) -> bool {
        if !self.run_if_changed.is_empty() {
            return changes
                .iter()
                .any(|c| self.run_if_changed_re.is_match(c.as_ref()));
        }
        if !self.skip_if_only_changed.is_empty() {
            return changes
                .iter()
                .any(|c| !self.skip_if_only_changed_re.is_match(c.as_ref()));
        }
        false
    }
}

/// Status reporting (`context`, `skip_report`); `context` defaults to the job name.
#[derive(Clone, Debug, Default)]
pub struct Reporter {
    pub context: String,
    pub skip_report: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Presubmit {
    pub base: JobBase,
    pub always_run: bool,
    pub optional: bool,
    /// Defaulted to upstream's `(?m)^/test( | .* )<name>,?($|\s.*)`.
    pub trigger: String,
    /// Defaulted to `/test <name>`.
    pub rerun_command: String,
    pub run_before_merge: bool,
    pub jenkins_spec: Option<JenkinsSpec>,
    pub brancher: Brancher,
    pub changes: RegexpChangeMatcher,
    pub reporter: Reporter,
    pub(crate) trigger_re: LazyRegex,
}

impl Presubmit {
    pub fn name(&self) -> &str {
        &self.base.name
    }

    /// Whether a comment asks for this job (upstream `TriggerMatches`).
    pub fn trigger_matches(&self, body: &str) -> bool {
        self.trigger_re.is_match(body)
    }

    /// Runs only when asked for: neither always nor on matching changes.
    pub fn needs_explicit_trigger(&self) -> bool {
        !self.always_run && !self.changes.could_run_conditionally()
    }

    /// Whether a failure blocks merging: reported and not optional.
    pub fn context_required(&self) -> bool {
        !self.optional && !self.reporter.skip_report
    }
}

#[derive(Clone, Debug, Default)]
pub struct Postsubmit {
    pub base: JobBase,
    /// Tri-state as upstream: unset with no change matcher means "run on every push".
    pub always_run: Option<bool>,
    pub jenkins_spec: Option<JenkinsSpec>,
    pub brancher: Brancher,
    pub changes: RegexpChangeMatcher,
    pub reporter: Reporter,
}

impl Postsubmit {
    pub fn name(&self) -> &str {
        &self.base.name
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Retry {
    #[serde(default)]
    pub run_all: bool,
    #[serde(default)]
    pub attempts: i64,
    #[serde(default)]
    pub interval: String,
}

#[derive(Clone, Debug, Default)]
pub struct Periodic {
    pub base: JobBase,
    pub cron: String,
    pub interval: String,
    pub minimum_interval: String,
    pub tags: Vec<String>,
    pub retry: Option<Retry>,
}

impl Periodic {
    pub fn name(&self) -> &str {
        &self.base.name
    }
}

/// Environment, volumes and tolerations added to every job whose labels include all of the
/// preset's labels (a preset with no labels applies to every job).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Preset {
    #[serde(default, deserialize_with = "nullable")]
    pub labels: StringMap,
    #[serde(default, deserialize_with = "nullable")]
    pub env: Vec<EnvVar>,
    #[serde(default, deserialize_with = "nullable")]
    pub volumes: Vec<Volume>,
    #[serde(default, rename = "volumeMounts", deserialize_with = "nullable")]
    pub volume_mounts: Vec<VolumeMount>,
    #[serde(default, deserialize_with = "nullable")]
    pub tolerations: Vec<Toleration>,
    #[serde(skip)]
    pub source: JobSource,
}

impl Preset {
    /// Whether every label of the preset is on the job (a preset with no labels applies to all).
    pub(crate) fn applies_to(&self, labels: &StringMap) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
    }
}

/// A Go struct upstream embeds in its job types, as far as sigs.k8s.io/yaml's conversion sees
/// it: the keys it has whose value is text or a list of text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct GoStruct {
    pub(crate) text_keys: &'static [&'static str],
}

/// Upstream `JobBase` (its `UtilityConfig` keys lead into that struct instead).
const JOB_BASE: GoStruct = GoStruct {
    text_keys: &[
        "name",
        "agent",
        "cluster",
        "namespace",
        "source_path",
        "job_queue_name",
    ],
};
const BRANCHER: GoStruct = GoStruct {
    text_keys: &["branches", "skip_branches"],
};
const CHANGE_MATCHER: GoStruct = GoStruct {
    text_keys: &["run_if_changed", "skip_if_only_changed"],
};
const REPORTER: GoStruct = GoStruct {
    text_keys: &["context"],
};

/// Where sigs.k8s.io/yaml's conversion goes from key `key` of a job kind (by the name of the
/// struct it is read into here): `None` when upstream declares the key on the job kind itself,
/// or the embedded struct (`JobBase`, `Brancher`, ...) that declares it. The converter turns a
/// number or boolean into text only by following declared fields; at an embedded struct's key
/// it takes the embedded struct itself as the value's type (see `yaml::de`).
pub(crate) fn upstream_embedding(struct_name: &str, key: &str) -> Option<&'static GoStruct> {
    let triggered = matches!(struct_name, "RawPresubmit" | "RawPostsubmit");
    if !triggered && struct_name != "RawPeriodic" {
        return None;
    }
    match key {
        "always_run" | "optional" | "trigger" | "rerun_command" | "run_before_merge"
        | "jenkins_spec"
            if triggered =>
        {
            None
        }
        "cron" | "interval" | "minimum_interval" | "tags" | "retry" if !triggered => None,
        "branches" | "skip_branches" if triggered => Some(&BRANCHER),
        "run_if_changed" | "skip_if_only_changed" if triggered => Some(&CHANGE_MATCHER),
        "context" | "skip_report" if triggered => Some(&REPORTER),
        _ => Some(&JOB_BASE),
    }
}

/// Declares the flat struct a job kind is read into, with every `JobBase` and `UtilityConfig`
/// key plus the kind's own, and `take_base` to move the shared part out.
macro_rules! raw_job {
    ($raw:ident { $($extra:tt)* }) => {
        /// Also the form a job is stored in a prepared configuration (see `prepared`): upstream's
        /// keys, every default written out.
        #[derive(Default, Deserialize, Serialize)]
        pub(crate) struct $raw {
            name: String,
            #[serde(default, deserialize_with = "nullable")]
            labels: StringMap,
            #[serde(default, deserialize_with = "nullable")]
            annotations: StringMap,
            #[serde(default)]
            max_concurrency: i64,
            #[serde(default, deserialize_with = "nullable")]
            agent: String,
            #[serde(default, deserialize_with = "nullable")]
            cluster: String,
            #[serde(default)]
            namespace: Option<String>,
            #[serde(default)]
            error_on_eviction: bool,
            #[serde(default)]
            spec: Option<PodSpec>,
            #[serde(default)]
            pipeline_run_spec: Option<serde_json::Value>,
            #[serde(default)]
            tekton_pipeline_run_spec: Option<serde_json::Value>,
            #[serde(default)]
            reporter_config: Option<ReporterConfig>,
            #[serde(default)]
            rerun_auth_config: Option<RerunAuthConfig>,
            #[serde(default)]
            hidden: bool,
            #[serde(default)]
            prowjob_defaults: Option<ProwJobDefault>,
            #[serde(default, deserialize_with = "nullable")]
            job_queue_name: String,
            #[serde(default)]
            decorate: Option<bool>,
            #[serde(default, deserialize_with = "nullable")]
            path_alias: String,
            #[serde(default, deserialize_with = "nullable")]
            clone_uri: String,
            #[serde(default)]
            skip_submodules: bool,
            #[serde(default)]
            clone_depth: i64,
            #[serde(default)]
            skip_fetch_head: bool,
            #[serde(default, deserialize_with = "nullable")]
            extra_refs: Vec<Refs>,
            #[serde(default)]
            decoration_config: Option<DecorationConfig>,
            $($extra)*
        }

        impl $raw {
            fn take_base(&mut self) -> JobBase {
                JobBase {
                    name: std::mem::take(&mut self.name),
                    labels: std::mem::take(&mut self.labels),
                    annotations: std::mem::take(&mut self.annotations),
                    max_concurrency: self.max_concurrency,
                    agent: std::mem::take(&mut self.agent),
                    cluster: std::mem::take(&mut self.cluster),
                    namespace: self.namespace.take(),
                    error_on_eviction: self.error_on_eviction,
                    spec: self.spec.take(),
                    pipeline_run_spec: self.pipeline_run_spec.take(),
                    tekton_pipeline_run_spec: self.tekton_pipeline_run_spec.take(),
                    reporter_config: self.reporter_config.take(),
                    rerun_auth_config: self.rerun_auth_config.take(),
                    hidden: self.hidden,
                    prowjob_defaults: self.prowjob_defaults.take(),
                    job_queue_name: std::mem::take(&mut self.job_queue_name),
                    utility: UtilityConfig {
                        decorate: self.decorate,
                        path_alias: std::mem::take(&mut self.path_alias),
                        clone_uri: std::mem::take(&mut self.clone_uri),
                        skip_submodules: self.skip_submodules,
                        clone_depth: self.clone_depth,
                        skip_fetch_head: self.skip_fetch_head,
                        extra_refs: std::mem::take(&mut self.extra_refs),
                        decoration_config: self.decoration_config.take().map(Arc::new),
                    },
                    source: JobSource::default(),
                }
            }

            /// The inverse of `take_base`, for writing a job out.
            fn set_base(&mut self, base: &JobBase) {
                let utility = &base.utility;
                self.name = base.name.clone();
                self.labels = base.labels.clone();
                self.annotations = base.annotations.clone();
                self.max_concurrency = base.max_concurrency;
                self.agent = base.agent.clone();
                self.cluster = base.cluster.clone();
                self.namespace = base.namespace.clone();
                self.error_on_eviction = base.error_on_eviction;
                self.spec = base.spec.clone();
                self.pipeline_run_spec = base.pipeline_run_spec.clone();
                self.tekton_pipeline_run_spec = base.tekton_pipeline_run_spec.clone();
                self.reporter_config = base.reporter_config.clone();
                self.rerun_auth_config = base.rerun_auth_config.clone();
                self.hidden = base.hidden;
                self.prowjob_defaults = base.prowjob_defaults.clone();
                self.job_queue_name = base.job_queue_name.clone();
                self.decorate = utility.decorate;
                self.path_alias = utility.path_alias.clone();
                self.clone_uri = utility.clone_uri.clone();
                self.skip_submodules = utility.skip_submodules;
                self.clone_depth = utility.clone_depth;
                self.skip_fetch_head = utility.skip_fetch_head;
                self.extra_refs = utility.extra_refs.clone();
                self.decoration_config = utility.decoration_config.as_deref().cloned();
            }
        }
    };
}

/// A job kind that GitHub events trigger: branch filters, change matchers and a reporter too.
macro_rules! raw_triggered_job {
    ($raw:ident { $($extra:tt)* }) => {
        raw_job!($raw {
            $($extra)*
            #[serde(default, deserialize_with = "nullable")]
            branches: Vec<String>,
            #[serde(default, deserialize_with = "nullable")]
            skip_branches: Vec<String>,
            #[serde(default, deserialize_with = "nullable")]
            run_if_changed: String,
            #[serde(default, deserialize_with = "nullable")]
            skip_if_only_changed: String,
            #[serde(default, deserialize_with = "nullable")]
            context: String,
            #[serde(default)]
            skip_report: bool,
        });

        impl $raw {
            fn take_triggering(&mut self) -> (Brancher, RegexpChangeMatcher, Reporter) {
                (
                    Brancher::new(
                        std::mem::take(&mut self.branches),
                        std::mem::take(&mut self.skip_branches),
                    ),
                    RegexpChangeMatcher::new(
                        std::mem::take(&mut self.run_if_changed),
                        std::mem::take(&mut self.skip_if_only_changed),
                    ),
                    Reporter {
                        context: std::mem::take(&mut self.context),
                        skip_report: self.skip_report,
                    },
                )
            }

            /// The inverse of `take_triggering`.
            fn set_triggering(
                &mut self,
                brancher: &Brancher,
                changes: &RegexpChangeMatcher,
                reporter: &Reporter,
            ) {
                self.branches = brancher.branches.clone();
                self.skip_branches = brancher.skip_branches.clone();
                self.run_if_changed = changes.run_if_changed.clone();
                self.skip_if_only_changed = changes.skip_if_only_changed.clone();
                self.context = reporter.context.clone();
                self.skip_report = reporter.skip_report;
            }
        }
    };
}

raw_triggered_job!(RawPresubmit {
    #[serde(default)]
    always_run: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default, deserialize_with = "nullable")]
    trigger: String,
    #[serde(default, deserialize_with = "nullable")]
    rerun_command: String,
    #[serde(default)]
    run_before_merge: bool,
    #[serde(default)]
    jenkins_spec: Option<JenkinsSpec>,
});

raw_triggered_job!(RawPostsubmit {
    #[serde(default)]
    always_run: Option<bool>,
    #[serde(default)]
    jenkins_spec: Option<JenkinsSpec>,
});

raw_job!(RawPeriodic {
    #[serde(default, deserialize_with = "nullable")]
    cron: String,
    #[serde(default, deserialize_with = "nullable")]
    interval: String,
    #[serde(default, deserialize_with = "nullable")]
    minimum_interval: String,
    #[serde(default, deserialize_with = "nullable")]
    tags: Vec<String>,
    #[serde(default)]
    retry: Option<Retry>,
});

impl<'de> Deserialize<'de> for Presubmit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut raw = RawPresubmit::deserialize(deserializer)?;
        let base = raw.take_base();
        let (brancher, changes, reporter) = raw.take_triggering();
        Ok(Presubmit {
            base,
            always_run: raw.always_run,
            optional: raw.optional,
            trigger_re: LazyRegex::new(raw.trigger.clone()),
            trigger: raw.trigger,
            rerun_command: raw.rerun_command,
            run_before_merge: raw.run_before_merge,
            jenkins_spec: raw.jenkins_spec,
            brancher,
            changes,
            reporter,
        })
    }
}

impl<'de> Deserialize<'de> for Postsubmit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut raw = RawPostsubmit::deserialize(deserializer)?;
        let base = raw.take_base();
        let (brancher, changes, reporter) = raw.take_triggering();
        Ok(Postsubmit {
            base,
            always_run: raw.always_run,
            jenkins_spec: raw.jenkins_spec,
            brancher,
            changes,
            reporter,
        })
    }
}

impl<'de> Deserialize<'de> for Periodic {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut raw = RawPeriodic::deserialize(deserializer)?;
        let base = raw.take_base();
        Ok(Periodic {
            base,
            cron: raw.cron,
            interval: raw.interval,
            minimum_interval: raw.minimum_interval,
            tags: raw.tags,
            retry: raw.retry,
        })
    }
}

impl Serialize for Presubmit {
    /// Upstream's flat keys, as [`Deserialize`] reads them back.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut raw = RawPresubmit {
            always_run: self.always_run,
            optional: self.optional,
            trigger: self.trigger.clone(),
            rerun_command: self.rerun_command.clone(),
            run_before_merge: self.run_before_merge,
            jenkins_spec: self.jenkins_spec.clone(),
            ..RawPresubmit::default()
        };
        raw.set_base(&self.base);
        raw.set_triggering(&self.brancher, &self.changes, &self.reporter);
        raw.serialize(serializer)
    }
}

impl Serialize for Postsubmit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut raw = RawPostsubmit {
            always_run: self.always_run,
            jenkins_spec: self.jenkins_spec.clone(),
            ..RawPostsubmit::default()
        };
        raw.set_base(&self.base);
        raw.set_triggering(&self.brancher, &self.changes, &self.reporter);
        raw.serialize(serializer)
    }
}

impl Serialize for Periodic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut raw = RawPeriodic {
            cron: self.cron.clone(),
            interval: self.interval.clone(),
            minimum_interval: self.minimum_interval.clone(),
            tags: self.tags.clone(),
            retry: self.retry.clone(),
            ..RawPeriodic::default()
        };
        raw.set_base(&self.base);
        raw.serialize(serializer)
    }
}

/// Upstream's default trigger regex for a presubmit: `/test <name>` anywhere in a comment, alone
/// or among other job names.
pub fn default_trigger_for(name: &str) -> String {
    format!(r"(?m)^/test( | .* ){name},?($|\s.*)")
}

/// Upstream's default rerun command: `/test <name>`.
pub fn default_rerun_command_for(name: &str) -> String {
    format!("/test {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brancher(branches: &[&str], skip: &[&str]) -> Brancher {
        Brancher::new(
            branches.iter().map(|s| s.to_string()).collect(),
            skip.iter().map(|s| s.to_string()).collect(),
        )
    }

    #[test]
    fn branch_matching_is_unanchored_and_skip_wins() {
        let cases = [
            (brancher(&[], &[]), "anything", true),
            (brancher(&["^master$"], &[]), "master", true),
            (brancher(&["^master$"], &[]), "release-1.30", false),
            (brancher(&["master"], &[]), "not-master-really", true),
            (brancher(&[], &["^release-"]), "release-1.30", false),
            (brancher(&[], &["^release-"]), "main", true),
            (
                brancher(&["main", "release-.*"], &["^release-1.2$"]),
                "release-1.29",
                true,
            ),
            (
                brancher(&["main", "release-.*"], &["^release-1.2$"]),
                "release-1.2",
                false,
            ),
            // Unanchored, as upstream: a skip of release-1.2 also skips release-1.29.
            (
                brancher(&["main", "release-.*"], &["release-1.2"]),
                "release-1.29",
                false,
            ),
        ];
        for (b, branch, expected) in cases {
            assert_eq!(b.should_run(branch), expected, "{b:?} on {branch}");
        }
    }

    #[test]
    fn intersection_follows_upstream() {
        let cases = [
            (brancher(&[], &[]), brancher(&["release-1.30"], &[]), true),
            (
                brancher(&["master"], &[]),
                brancher(&["release-1.30"], &[]),
                false,
            ),
            (
                brancher(&["master", "main"], &[]),
                brancher(&["main"], &[]),
                true,
            ),
            (
                brancher(&["release-1.30"], &[]),
                brancher(&[], &["release-1.30"]),
                false,
            ),
            (
                brancher(&["release-1.30"], &[]),
                brancher(&[], &["release-1.29"]),
                true,
            ),
            (
                brancher(&[], &["release-1.29"]),
                brancher(&["release-1.30"], &[]),
                true,
            ),
            (brancher(&[], &["a"]), brancher(&[], &["b"]), true),
        ];
        for (a, b, expected) in cases {
            assert_eq!(a.intersects(&b), expected, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn change_matching_as_upstream() {
        let run = RegexpChangeMatcher::new("^docs/".into(), String::new());
        assert!(run.runs_against_changes(&["docs/a.md", "main.go"]));
        assert!(!run.runs_against_changes(&["main.go"]));
        let skip = RegexpChangeMatcher::new(String::new(), r"\.md$".into());
        assert!(!skip.runs_against_changes(&["a.md", "docs/b.md"]));
        assert!(skip.runs_against_changes(&["a.md", "main.go"]));
        assert!(!RegexpChangeMatcher::default().could_run_conditionally());
    }

    #[test]
    fn default_trigger_matches_test_commands_for_the_job() {
        let job = Presubmit {
            trigger_re: LazyRegex::new(default_trigger_for("pull-unit")),
            ..Default::default()
        };
        for (comment, expected) in [
            ("/test pull-unit", true),
            ("/test pull-e2e pull-unit", true),
            ("lgtm\n/test pull-unit\nthanks", true),
            ("/test pull-unit-extra", false),
            ("please /test pull-unit", false),
        ] {
            assert_eq!(job.trigger_matches(comment), expected, "{comment:?}");
        }
    }
}
