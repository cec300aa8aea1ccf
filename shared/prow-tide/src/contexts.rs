//! Which status contexts a pull request needs green before tide merges it: upstream's
//! `TideContextPolicy`, from `tide.context_options` (global, then org, repo and branch, merged)
//! and the presubmits of the branch (required ones required, conditional ones required when
//! present, optional ones optional).

use prow_config::Presubmit;
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// One level of `context_options` (upstream `TideContextPolicy`, its YAML keys).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub struct ContextPolicyOptions {
    #[serde(default)]
    pub skip_unknown_contexts: Option<bool>,
    #[serde(default)]
    pub required_contexts: Vec<String>,
    #[serde(default)]
    pub required_if_present_contexts: Vec<String>,
    #[serde(default)]
    pub optional_contexts: Vec<String>,
    #[serde(default)]
    pub optional_regex_contexts: Vec<String>,
    #[serde(default)]
    pub from_branch_protection: Option<bool>,
    #[serde(default)]
    pub overwrite_pending_contexts: Option<bool>,
}

impl ContextPolicyOptions {
    /// Upstream `mergeTideContextPolicy`: lists unite, a flag set below wins.
    fn merged(&self, below: &ContextPolicyOptions) -> ContextPolicyOptions {
        let unite = |a: &[String], b: &[String]| -> Vec<String> {
            a.iter()
                .chain(b)
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        ContextPolicyOptions {
            skip_unknown_contexts: below.skip_unknown_contexts.or(self.skip_unknown_contexts),
            required_contexts: unite(&self.required_contexts, &below.required_contexts),
            required_if_present_contexts: unite(
                &self.required_if_present_contexts,
                &below.required_if_present_contexts,
            ),
            optional_contexts: unite(&self.optional_contexts, &below.optional_contexts),
            optional_regex_contexts: unite(
                &self.optional_regex_contexts,
                &below.optional_regex_contexts,
            ),
            from_branch_protection: below.from_branch_protection.or(self.from_branch_protection),
            overwrite_pending_contexts: below
                .overwrite_pending_contexts
                .or(self.overwrite_pending_contexts),
        }
    }
}

/// `tide.context_options`: the global policy with org, repo and branch overrides.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ContextOptions {
    #[serde(flatten)]
    pub policy: ContextPolicyOptions,
    #[serde(default)]
    pub orgs: BTreeMap<String, OrgContextOptions>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct OrgContextOptions {
    #[serde(flatten)]
    pub policy: ContextPolicyOptions,
    #[serde(default)]
    pub repos: BTreeMap<String, RepoContextOptions>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct RepoContextOptions {
    #[serde(flatten)]
    pub policy: ContextPolicyOptions,
    #[serde(default)]
    pub branches: BTreeMap<String, ContextPolicyOptions>,
}

/// `context_options` that do not read as upstream's.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ContextError {
    #[error("tide.context_options: {0}")]
    Options(String),
    #[error(
        "tide.context_options: optional-regex-contexts {pattern:?} is not a valid regex: {reason}"
    )]
    Regex { pattern: String, reason: String },
    #[error(
        "tide.context_options for {scope}: contexts {contexts:?} are both required and optional"
    )]
    Conflict {
        scope: String,
        contexts: Vec<String>,
    },
}

impl ContextOptions {
    /// Reads `tide.context_options` as written in `config.yaml` (absent is the default).
    pub fn from_config(value: Option<&serde_json::Value>) -> Result<ContextOptions, ContextError> {
        match value {
            None | Some(serde_json::Value::Null) => Ok(ContextOptions::default()),
            Some(value) => {
                unknown_keys(value, "", 0)?;
                ContextOptions::deserialize(value)
                    .map_err(|error| ContextError::Options(error.to_string()))
            }
        }
    }

    /// Upstream `ParseTideContextPolicyOptions`: the options for one branch.
    pub fn for_branch(&self, org: &str, repo: &str, branch: &str) -> ContextPolicyOptions {
        let mut policy = self.policy.clone();
        if let Some(org_options) = self.orgs.get(org) {
            policy = policy.merged(&org_options.policy);
            if let Some(repo_options) = org_options.repos.get(repo) {
                policy = policy.merged(&repo_options.policy);
                if let Some(branch_options) = repo_options.branches.get(branch) {
                    policy = policy.merged(branch_options);
                }
            }
        }
        policy
    }
}

/// The keys of one policy level.
const POLICY_KEYS: [&str; 7] = [
    "skip-unknown-contexts",
    "required-contexts",
    "required-if-present-contexts",
    "optional-contexts",
    "optional-regex-contexts",
    "from-branch-protection",
    "overwrite-pending-contexts",
];
/// The key under each level that holds the next: global, org, repo, branch.
const NESTED: [Option<&str>; 4] = [Some("orgs"), Some("repos"), Some("branches"), None];

/// The first key that is neither a policy key nor the level's nested map, named by its path
/// (serde's `flatten` cannot refuse unknown keys itself).
fn unknown_keys(value: &serde_json::Value, path: &str, level: usize) -> Result<(), ContextError> {
    let Some(map) = value.as_object() else {
        return Ok(()); // the deserializer names a wrong type
    };
    let nested = NESTED.get(level).copied().flatten();
    for (key, inner) in map {
        if Some(key.as_str()) == nested {
            for (name, below) in inner.as_object().into_iter().flatten() {
                unknown_keys(below, &format!("{path}{key}.{name}."), level + 1)?;
            }
        } else if !POLICY_KEYS.contains(&key.as_str()) {
            return Err(ContextError::Options(format!(
                "unknown field `{path}{key}`"
            )));
        }
    }
    Ok(())
}

/// What tide requires of a pull request's contexts on one branch (upstream's context checker).
#[derive(Clone, Debug, Default)]
pub struct ContextPolicy {
    pub required: BTreeSet<String>,
    pub required_if_present: BTreeSet<String>,
    pub optional: BTreeSet<String>,
    optional_regex: Vec<Regex>,
    pub skip_unknown: bool,
    pub overwrite_pending: bool,
}

/// Upstream `BranchRequirements`: each presubmit's context as required, required when present
/// (it runs on request or on matching changes) or optional.
fn add_jobs(
    branch: &str,
    presubmits: &[Presubmit],
    [required, if_present, optional]: [&mut BTreeSet<String>; 3],
) {
    for job in presubmits.iter().filter(|j| j.brancher.should_run(branch)) {
        let context = job.reporter.context.clone();
        if !job.context_required() {
            optional.insert(context);
        } else if job.needs_explicit_trigger() || job.changes.could_run_conditionally() {
            if_present.insert(context);
        } else {
            required.insert(context);
        }
    }
}

impl ContextPolicy {
    /// Upstream `GetTideContextPolicy`: the branch's options with the contexts of `presubmits`
    /// (those that could run on the branch), and, when the options take them from branch
    /// protection, the contexts `protected` lists.
    pub fn for_branch(
        options: &ContextOptions,
        org: &str,
        repo: &str,
        branch: &str,
        presubmits: &[Presubmit],
        protected: &[String],
    ) -> Result<ContextPolicy, ContextError> {
        let settings = options.for_branch(org, repo, branch);
        let mut required: BTreeSet<String> = settings.required_contexts.iter().cloned().collect();
        let mut required_if_present: BTreeSet<String> = settings
            .required_if_present_contexts
            .iter()
            .cloned()
            .collect();
        let mut optional: BTreeSet<String> = settings.optional_contexts.iter().cloned().collect();
        if settings.from_branch_protection == Some(true) {
            required.extend(protected.iter().cloned());
        }
        add_jobs(
            branch,
            presubmits,
            [&mut required, &mut required_if_present, &mut optional],
        );
        let both: Vec<String> = required
            .iter()
            .chain(&required_if_present)
            .filter(|c| optional.contains(*c))
            .cloned()
            .collect();
        if !both.is_empty() {
            return Err(ContextError::Conflict {
                scope: format!("{org}/{repo}@{branch}"),
                contexts: both,
            });
        }
        let optional_regex = settings
            .optional_regex_contexts
            .iter()
            .map(|pattern| {
                Regex::new(pattern).map_err(|error| ContextError::Regex {
                    pattern: pattern.clone(),
                    reason: error.to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(ContextPolicy {
            required,
            required_if_present,
            optional,
            optional_regex,
            skip_unknown: settings.skip_unknown_contexts == Some(true),
            overwrite_pending: settings.overwrite_pending_contexts == Some(true),
        })
    }

    /// This policy with the contexts of a pull request's own (in-repo) presubmits added, as
    /// upstream's `GetTideContextPolicy` adds them for the pull request's merge.
    pub fn with_presubmits(&self, branch: &str, presubmits: &[Presubmit]) -> ContextPolicy {
        let mut policy = self.clone();
        add_jobs(
            branch,
            presubmits,
            [
                &mut policy.required,
                &mut policy.required_if_present,
                &mut policy.optional,
            ],
        );
        policy
    }

    /// Upstream `IsOptional`: a context tide does not wait for.
    pub fn is_optional(&self, context: &str) -> bool {
        if self.optional.contains(context)
            || self.optional_regex.iter().any(|r| r.is_match(context))
        {
            return true;
        }
        if self.required.contains(context) || self.required_if_present.contains(context) {
            return false;
        }
        self.skip_unknown
    }

    /// Upstream `MissingRequiredContexts`: the required contexts not among `present`, sorted.
    pub fn missing_required<'a>(&self, present: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let present: BTreeSet<&str> = present.into_iter().collect();
        self.required
            .iter()
            .filter(|c| !present.contains(c.as_str()))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(json: &str) -> ContextOptions {
        ContextOptions::from_config(Some(&serde_json::from_str(json).unwrap())).unwrap()
    }

    fn presubmits(yaml_jobs: &str) -> Vec<Presubmit> {
        let config = prow_config::load_sources(
            &prow_config::Sources {
                config: prow_config::Source::new("config.yaml", ""),
                job_files: vec![prow_config::Source::new("jobs.yaml", yaml_jobs)],
                plugins: None,
            },
            prow_config::LoadOptions { strict: true },
        )
        .unwrap()
        .config;
        config
            .jobs
            .presubmits
            .get("k/a")
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn options_merge_from_global_to_branch() {
        let all = options(
            r#"{"required-contexts": ["cla"], "skip-unknown-contexts": false,
                "orgs": {"k": {"optional-contexts": ["coverage"],
                  "repos": {"a": {"skip-unknown-contexts": true,
                    "branches": {"release": {"required-contexts": ["release-notes"], "overwrite-pending-contexts": true}}}}}}}"#,
        );
        let release = all.for_branch("k", "a", "release");
        assert_eq!(release.required_contexts, ["cla", "release-notes"]);
        assert_eq!(release.optional_contexts, ["coverage"]);
        assert_eq!(release.skip_unknown_contexts, Some(true));
        assert_eq!(release.overwrite_pending_contexts, Some(true));
        let main = all.for_branch("k", "a", "main");
        assert_eq!(main.required_contexts, ["cla"]);
        assert_eq!(main.overwrite_pending_contexts, None);
        let other_org = all.for_branch("j", "a", "main");
        assert_eq!(other_org.skip_unknown_contexts, Some(false));
        assert!(other_org.optional_contexts.is_empty());
    }

    #[test]
    fn unknown_keys_and_bad_regexes_are_named() {
        let unknown =
            ContextOptions::from_config(Some(&serde_json::json!({"required_contexts": ["cla"]})));
        assert!(
            matches!(&unknown, Err(ContextError::Options(m)) if m.contains("required_contexts")),
            "{unknown:?}"
        );
        let bad = ContextPolicy::for_branch(
            &options(r#"{"optional-regex-contexts": ["(unclosed"]}"#),
            "k",
            "a",
            "main",
            &[],
            &[],
        );
        assert!(matches!(bad, Err(ContextError::Regex { .. })), "{bad:?}");
    }

    #[test]
    fn presubmits_decide_what_is_required_optional_or_required_when_present() {
        let jobs = presubmits(
            r#"presubmits:
  k/a:
  - name: unit
    always_run: true
    spec: {containers: [{image: x}]}
  - name: docs
    run_if_changed: '^docs/'
    spec: {containers: [{image: x}]}
  - name: manual
    spec: {containers: [{image: x}]}
  - name: lint
    always_run: true
    optional: true
    spec: {containers: [{image: x}]}
  - name: silent
    always_run: true
    skip_report: true
    spec: {containers: [{image: x}]}
  - name: old-branch
    always_run: true
    branches: [release-1.0]
    spec: {containers: [{image: x}]}
"#,
        );
        let policy = ContextPolicy::for_branch(
            &options(r#"{"optional-regex-contexts": ["^codecov/"]}"#),
            "k",
            "a",
            "main",
            &jobs,
            &[],
        )
        .unwrap();
        assert_eq!(policy.required, BTreeSet::from(["unit".to_string()]));
        assert_eq!(
            policy.required_if_present,
            BTreeSet::from(["docs".to_string(), "manual".to_string()])
        );
        assert_eq!(
            policy.optional,
            BTreeSet::from(["lint".to_string(), "silent".to_string()])
        );
        for (context, optional) in [
            ("unit", false),
            ("docs", false),
            ("lint", true),
            ("codecov/patch", true),
            ("external-ci", false),
        ] {
            assert_eq!(policy.is_optional(context), optional, "{context}");
        }
        assert_eq!(policy.missing_required(["docs", "lint"]), ["unit"]);
        assert!(policy.missing_required(["unit"]).is_empty());
    }

    #[test]
    fn skip_unknown_and_branch_protection_and_conflicts() {
        let skip = ContextPolicy::for_branch(
            &options(r#"{"skip-unknown-contexts": true, "from-branch-protection": true}"#),
            "k",
            "a",
            "main",
            &[],
            &["external-ci".to_string()],
        )
        .unwrap();
        assert!(skip.is_optional("anything"));
        assert!(!skip.is_optional("external-ci"));
        let conflict = ContextPolicy::for_branch(
            &options(r#"{"required-contexts": ["x"], "optional-contexts": ["x"]}"#),
            "k",
            "a",
            "main",
            &[],
            &[],
        );
        assert!(
            matches!(conflict, Err(ContextError::Conflict { .. })),
            "{conflict:?}"
        );
    }
}
