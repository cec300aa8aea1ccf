//! Validation, at least as strict as upstream's `checkconfig` for what this project runs. Every
//! problem is reported (not just the first), against the job and the key it concerns.

mod names;
mod pods;

use crate::JobConfig;
use crate::defaults::Batch;
use crate::diagnostics::{Diagnostic, DiagnosticKind, YamlPath};
use crate::jobs::{Brancher, JobBase, Periodic, Postsubmit, Presubmit};
use crate::plugins::PluginsConfig;
use crate::prow_config::ProwConfig;
use crate::regexes::check_syntax;
use crate::schedule::CronSchedule;
use names::{label_value, qualified_name, valid_job_name};
use pods::check_pod_spec;
use prow_api::{Duration, JENKINS_AGENT, KUBERNETES_AGENT, ProwJobType, TEKTON_AGENT};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What job checks share: the configuration and its job queues.
pub(crate) struct JobChecker<'a> {
    prow: &'a ProwConfig,
    queues: HashSet<&'a str>,
}

impl<'a> JobChecker<'a> {
    pub(crate) fn new(prow: &'a ProwConfig) -> Self {
        JobChecker {
            prow,
            queues: prow
                .plank
                .job_queue_capacities
                .keys()
                .map(String::as_str)
                .collect(),
        }
    }

    /// Checks one batch of defaulted jobs: each job, and the clashes within a repository.
    pub(crate) fn batch(&self, batch: Batch<'_>) -> Vec<Diagnostic> {
        let check = JobChecks {
            prow: self.prow,
            queues: &self.queues,
            valid_patterns: std::cell::RefCell::new(HashSet::new()),
        };
        let mut found = Vec::new();
        match batch {
            Batch::Presubmits(repo, presubmits) => {
                for job in presubmits {
                    check.base(&job.base, ProwJobType::Presubmit, repo, &mut found);
                    check.presubmit(job, &mut found);
                }
                same_branch_clashes(
                    presubmits
                        .iter()
                        .map(|j| (&j.base, &j.brancher, j.reporter.context.as_str())),
                    "presubmit",
                    repo,
                    &mut found,
                );
            }
            Batch::Postsubmits(repo, postsubmits) => {
                for job in postsubmits {
                    check.base(&job.base, ProwJobType::Postsubmit, repo, &mut found);
                    check.postsubmit(job, &mut found);
                }
                same_branch_clashes(
                    postsubmits
                        .iter()
                        .map(|j| (&j.base, &j.brancher, j.reporter.context.as_str())),
                    "postsubmit",
                    repo,
                    &mut found,
                );
            }
            Batch::Periodics(periodics) => {
                for job in periodics {
                    check.base(&job.base, ProwJobType::Periodic, "", &mut found);
                    check.periodic(job, &mut found);
                }
            }
        }
        found
    }
}

/// What spans the batches: periodic names, which must be unique, and the plugin configuration.
pub(crate) fn across_jobs(
    jobs: &JobConfig,
    plugins: &PluginsConfig,
    plugins_file: Option<&Arc<str>>,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut periodic_names = HashMap::new();
    for job in &jobs.periodics {
        if let Some(first) = periodic_names.insert(job.base.name.as_str(), &job.base.source) {
            found.push(problem(
                &job.base,
                None,
                DiagnosticKind::DuplicateJob,
                format!(
                    "duplicated periodic job {:?} (first defined in {})",
                    job.base.name, first.file
                ),
            ));
        }
    }
    if let Some(plugins_file) = plugins_file {
        validate_plugins(plugins, plugins_file, &mut found);
    }
    found
}

/// The Go templates of `plank` parse (upstream refuses to start otherwise).
pub(crate) fn templates(prow: &ProwConfig, config_file: &Arc<str>) -> Vec<Diagnostic> {
    let plank = &prow.plank;
    let mut templates = vec![
        (
            YamlPath::root().key("plank").key("job_url_template"),
            &plank.job_url_template,
        ),
        (
            YamlPath::root().key("plank").key("report_template"),
            &plank.report_template,
        ),
    ];
    for (key, template) in &plank.report_templates {
        templates.push((
            YamlPath::root()
                .key("plank")
                .key("report_templates")
                .key(key),
            template,
        ));
    }
    templates
        .into_iter()
        .filter(|(_, source)| !source.is_empty())
        .filter_map(|(path, source)| {
            let error = prow_template::Template::parse(source).err()?;
            Some(Diagnostic::error(
                DiagnosticKind::Invalid,
                config_file.clone(),
                path,
                format!("invalid template: {error}"),
            ))
        })
        .collect()
}

fn problem(job: &JobBase, key: Option<&str>, kind: DiagnosticKind, message: String) -> Diagnostic {
    let mut path = job.source.path.clone();
    if let Some(key) = key {
        path = path.key(key);
    }
    Diagnostic::error(kind, job.source.file.clone(), path, message).for_job(&job.name)
}

struct JobChecks<'a> {
    prow: &'a ProwConfig,
    queues: &'a HashSet<&'a str>,
    /// Patterns of this batch already found valid: a repository's jobs repeat their branch and
    /// file patterns, and checking a regex's syntax is most of checking a job.
    valid_patterns: std::cell::RefCell<HashSet<String>>,
}

impl JobChecks<'_> {
    /// Upstream `validateJobBase`, plus the extra-refs check `checkconfig` adds.
    fn base(&self, job: &JobBase, job_type: ProwJobType, repo: &str, found: &mut Vec<Diagnostic>) {
        let mut invalid = |key: Option<&str>, message: String| {
            found.push(problem(job, key, DiagnosticKind::Invalid, message));
        };
        if !valid_job_name(&job.name, job.agent == JENKINS_AGENT) {
            invalid(
                Some("name"),
                "name: must match regex \"^[A-Za-z0-9-._]+$\"".to_string(),
            );
        }
        if job.max_concurrency < 0 {
            invalid(
                Some("max_concurrency"),
                format!(
                    "max_concurrency: {} must be a non-negative number",
                    job.max_concurrency
                ),
            );
        }
        if let Err((key, message)) = check_agent(job, &self.prow.pod_namespace) {
            invalid(key, message);
        }
        if let Some(spec) = &job.spec {
            for message in check_pod_spec(job_type, spec, job.utility.decoration_config.is_some()) {
                invalid(Some("spec"), message);
            }
        }
        for (label, value) in &job.labels {
            if prow_api::labels::RESERVED_FOR_DECORATION.contains(&label.as_str()) {
                invalid(
                    Some("labels"),
                    format!("label {label} is reserved for decoration"),
                );
            } else if let Err(e) = qualified_name(label) {
                invalid(Some("labels"), format!("invalid label {label}: {e}"));
            } else if let Err(e) = label_value(value) {
                invalid(
                    Some("labels"),
                    format!("label {label} has invalid value {value}: {e}"),
                );
            }
        }
        for key in job.annotations.keys() {
            if let Err(e) = qualified_name(key) {
                invalid(
                    Some("annotations"),
                    format!("invalid annotation key {key:?}: {e}"),
                );
            }
        }
        if !job.job_queue_name.is_empty() && !self.queues.contains(job.job_queue_name.as_str()) {
            invalid(
                Some("job_queue_name"),
                format!(
                    "invalid job queue name {}: not in plank.job_queue_capacities",
                    job.job_queue_name
                ),
            );
        }
        if let Some(rerun) = &job.rerun_auth_config
            && let Err(message) = rerun.validate()
        {
            invalid(Some("rerun_auth_config"), message.to_string());
        }
        if let (Some(spec), Some(decoration)) = (&job.spec, &job.utility.decoration_config) {
            if let Err(message) = decoration.validate() {
                invalid(
                    Some("decoration_config"),
                    format!("invalid decoration config: {message}"),
                );
            }
            if spec.containers.iter().any(|c| {
                let mut args = c.command.iter().flatten().chain(c.args.iter().flatten());
                args.next().is_none_or(String::is_empty)
            }) {
                invalid(
                    Some("spec"),
                    "decorated job containers must specify command and/or args".to_string(),
                );
            }
        }
        let mut refs: HashMap<String, usize> = HashMap::new();
        if !repo.is_empty() {
            refs.insert(repo.to_string(), 1);
        }
        for extra in &job.utility.extra_refs {
            *refs.entry(extra.org_repo()).or_default() += 1;
        }
        let mut repeated: Vec<&String> = refs
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(r, _)| r)
            .collect();
        if !repeated.is_empty() {
            repeated.sort();
            invalid(
                Some("extra_refs"),
                format!(
                    "the following refs are specified more than once: {}",
                    repeated
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            );
        }
    }

    fn presubmit(&self, job: &Presubmit, found: &mut Vec<Diagnostic>) {
        let base = &job.base;
        let invalid =
            |key: &str, message: String| problem(base, Some(key), DiagnosticKind::Invalid, message);
        if job.always_run && !job.changes.run_if_changed.is_empty() {
            found.push(invalid("run_if_changed", "job is set to always run but also declares run_if_changed targets, which are mutually exclusive".to_string()));
        }
        if job.always_run && !job.changes.skip_if_only_changed.is_empty() {
            found.push(invalid("skip_if_only_changed", "job is set to always run but also declares skip_if_only_changed targets, which are mutually exclusive".to_string()));
        }
        if !job.changes.run_if_changed.is_empty() && !job.changes.skip_if_only_changed.is_empty() {
            found.push(invalid(
                "skip_if_only_changed",
                "job declares run_if_changed and skip_if_only_changed, which are mutually exclusive".to_string(),
            ));
        }
        if job.trigger.is_empty() != job.rerun_command.is_empty() {
            found.push(invalid(
                if job.trigger.is_empty() {
                    "rerun_command"
                } else {
                    "trigger"
                },
                "either both of trigger and rerun_command must be set, or neither".to_string(),
            ));
        } else if job.trigger != crate::jobs::default_trigger_for(&base.name) {
            // Default triggers are built from a valid name; only custom ones need checking.
            match check_syntax(&job.trigger) {
                Err(e) => found.push(problem(
                    base,
                    Some("trigger"),
                    DiagnosticKind::InvalidRegex,
                    format!("could not compile trigger regex: {e}"),
                )),
                Ok(()) if !job.trigger_matches(&job.rerun_command) => found.push(invalid(
                    "rerun_command",
                    format!(
                        "rerun command {:?} does not match trigger {:?}",
                        job.rerun_command, job.trigger
                    ),
                )),
                Ok(()) => {}
            }
        }
        self.brancher_and_changes(base, &job.brancher, &job.changes, found);
        if !job.reporter.skip_report && job.reporter.context.is_empty() {
            found.push(invalid(
                "context",
                "job is set to report but has no context configured".to_string(),
            ));
        }
        check_gerrit_label(base, job.reporter.skip_report, found);
    }

    fn postsubmit(&self, job: &Postsubmit, found: &mut Vec<Diagnostic>) {
        let base = &job.base;
        let invalid = |key: &str, message: &str| {
            problem(
                base,
                Some(key),
                DiagnosticKind::Invalid,
                message.to_string(),
            )
        };
        if job.always_run == Some(true) {
            if !job.changes.run_if_changed.is_empty() {
                found.push(invalid("run_if_changed", "job is set to always run but also declares run_if_changed targets, which are mutually exclusive"));
            }
            if !job.changes.skip_if_only_changed.is_empty() {
                found.push(invalid("skip_if_only_changed", "job is set to always run but also declares skip_if_only_changed targets, which are mutually exclusive"));
            }
        }
        if !job.changes.run_if_changed.is_empty() && !job.changes.skip_if_only_changed.is_empty() {
            found.push(invalid("skip_if_only_changed", "job declares run_if_changed and skip_if_only_changed, which are mutually exclusive"));
        }
        self.brancher_and_changes(base, &job.brancher, &job.changes, found);
        if !job.reporter.skip_report && job.reporter.context.is_empty() {
            found.push(invalid(
                "context",
                "job is set to report but has no context configured",
            ));
        }
        check_gerrit_label(base, job.reporter.skip_report, found);
    }

    fn periodic(&self, job: &Periodic, found: &mut Vec<Diagnostic>) {
        let base = &job.base;
        let set = [
            ("cron", &job.cron),
            ("interval", &job.interval),
            ("minimum_interval", &job.minimum_interval),
        ];
        let given: Vec<&str> = set
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, _)| *k)
            .collect();
        match given.as_slice() {
            [] => found.push(problem(
                base,
                None,
                DiagnosticKind::InvalidSchedule,
                "at least one of cron, interval, or minimum_interval must be set".to_string(),
            )),
            [_] => {}
            [_, second, ..] => found.push(problem(
                base,
                Some(second),
                DiagnosticKind::InvalidSchedule,
                "cron, interval, and minimum_interval are mutually exclusive".to_string(),
            )),
        }
        if !job.cron.is_empty()
            && let Err(e) = CronSchedule::parse(&job.cron)
        {
            found.push(problem(
                base,
                Some("cron"),
                DiagnosticKind::InvalidSchedule,
                e.to_string(),
            ));
        }
        for (key, value) in [
            ("interval", &job.interval),
            ("minimum_interval", &job.minimum_interval),
        ] {
            if !value.is_empty()
                && let Err(e) = value.parse::<Duration>()
            {
                found.push(problem(
                    base,
                    Some(key),
                    DiagnosticKind::InvalidSchedule,
                    format!("cannot parse duration: {e}"),
                ));
            }
        }
        if let Some(retry) = &job.retry
            && let Err(e) = retry.interval.parse::<Duration>()
        {
            found.push(problem(
                base,
                Some("retry"),
                DiagnosticKind::InvalidSchedule,
                format!("cannot parse retry interval: {e}"),
            ));
        }
    }
}

impl JobChecks<'_> {
    fn brancher_and_changes(
        &self,
        base: &JobBase,
        brancher: &Brancher,
        changes: &crate::jobs::RegexpChangeMatcher,
        found: &mut Vec<Diagnostic>,
    ) {
        for (key, pattern) in [
            ("branches", brancher.branches_re.pattern()),
            ("skip_branches", brancher.skip_branches_re.pattern()),
            ("run_if_changed", changes.run_if_changed_re.pattern()),
            (
                "skip_if_only_changed",
                changes.skip_if_only_changed_re.pattern(),
            ),
        ] {
            if pattern.is_empty() || self.valid_patterns.borrow().contains(pattern) {
                continue;
            }
            match check_syntax(pattern) {
                Ok(()) => {
                    self.valid_patterns.borrow_mut().insert(pattern.to_string());
                }
                Err(e) => found.push(problem(
                    base,
                    Some(key),
                    DiagnosticKind::InvalidRegex,
                    format!("could not compile {key} regex {pattern:?}: {e}"),
                )),
            }
        }
    }
}

fn check_gerrit_label(base: &JobBase, skip_report: bool, found: &mut Vec<Diagnostic>) {
    if skip_report
        && base
            .labels
            .get(prow_api::labels::GERRIT_REPORT_LABEL)
            .is_some_and(|v| !v.is_empty())
    {
        found.push(problem(
            base,
            Some("labels"),
            DiagnosticKind::Invalid,
            "gerrit report label set to non-empty string but job is configured to skip reporting"
                .to_string(),
        ));
    }
}

/// Two jobs of one repo with the same name, or reporting to the same context, that could run on
/// the same branch. Kubernetes reuses a name across release branches on purpose; that is fine.
fn same_branch_clashes<'a>(
    jobs: impl Iterator<Item = (&'a JobBase, &'a Brancher, &'a str)>,
    kind: &str,
    repo: &str,
    found: &mut Vec<Diagnostic>,
) {
    clashes(jobs, 0, kind, repo, found);
}

/// In-repo jobs (after the first `central` of `jobs`) that clash with one of the repository's
/// central jobs; clashes among the in-repo jobs are their own batch's.
pub(crate) fn clashes_with_central<'a>(
    jobs: impl Iterator<Item = (&'a JobBase, &'a Brancher, &'a str)>,
    central: usize,
    kind: &str,
    repo: &str,
    found: &mut Vec<Diagnostic>,
) {
    clashes(jobs, central, kind, repo, found);
}

/// Jobs that could run on a branch with an earlier job of the same name or context; with
/// `split` above zero, only later jobs (from `split` on) against earlier ones (before it).
fn clashes<'a>(
    jobs: impl Iterator<Item = (&'a JobBase, &'a Brancher, &'a str)>,
    split: usize,
    kind: &str,
    repo: &str,
    found: &mut Vec<Diagnostic>,
) {
    let jobs: Vec<_> = jobs.collect();
    let limit = |i: usize| if split == 0 { i } else { split.min(i) };
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_context: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (base, _, context)) in jobs.iter().enumerate() {
        by_name.entry(base.name.as_str()).or_default().push(i);
        by_context.entry(context).or_default().push(i);
    }
    for (i, (base, brancher, context)) in jobs.iter().enumerate().skip(split) {
        if let Some(&earlier) = by_name[base.name.as_str()]
            .iter()
            .take_while(|&&j| j < limit(i))
            .find(|&&j| jobs[j].1.intersects(brancher))
        {
            let first = &jobs[earlier].0.source;
            found.push(problem(
                base,
                None,
                DiagnosticKind::DuplicateJob,
                format!(
                    "duplicated {kind} job on {repo}: it could run on the same branch as the job defined in {}",
                    first.file
                ),
            ));
        }
        if let Some(&earlier) = by_context[context]
            .iter()
            .take_while(|&&j| j < limit(i))
            .find(|&&j| jobs[j].0.name != base.name && jobs[j].1.intersects(brancher))
        {
            found.push(problem(
                base,
                Some("context"),
                DiagnosticKind::DuplicateContext,
                format!(
                    "jobs {} and {} report to the same GitHub context {context:?}",
                    jobs[earlier].0.name, base.name
                ),
            ));
        }
    }
}

/// Upstream `validateAgent`.
fn check_agent(job: &JobBase, pod_namespace: &str) -> Result<(), (Option<&'static str>, String)> {
    let agent = job.agent.as_str();
    let has_pipeline = job.pipeline_run_spec.is_some() || job.tekton_pipeline_run_spec.is_some();
    if ![KUBERNETES_AGENT, JENKINS_AGENT, TEKTON_AGENT].contains(&agent) {
        // Upstream warns and accepts unknown agents.
        return Ok(());
    }
    let err = |key, message: String| Err((Some(key), message));
    if job.spec.is_some() && agent != KUBERNETES_AGENT {
        return err(
            "agent",
            format!("job specs require agent: {KUBERNETES_AGENT} (found {agent:?})"),
        );
    }
    if agent == KUBERNETES_AGENT && job.spec.is_none() {
        return err("spec", "kubernetes jobs require a spec".to_string());
    }
    if has_pipeline && agent != TEKTON_AGENT {
        return err(
            "agent",
            format!("job pipeline_run_spec require agent: {TEKTON_AGENT} (found {agent:?})"),
        );
    }
    if agent == TEKTON_AGENT && !has_pipeline {
        return err(
            "agent",
            format!("agent: {TEKTON_AGENT} jobs require a pipeline_run_spec"),
        );
    }
    if job.utility.decoration_config.is_some() && agent != KUBERNETES_AGENT {
        return err(
            "decorate",
            format!("decoration requires agent: {KUBERNETES_AGENT} (found {agent:?})"),
        );
    }
    if job.error_on_eviction && agent != KUBERNETES_AGENT {
        return err(
            "error_on_eviction",
            format!(
                "error_on_eviction only applies to agent: {KUBERNETES_AGENT} (found {agent:?})"
            ),
        );
    }
    if job.namespace.as_deref() != Some(pod_namespace) && agent != TEKTON_AGENT {
        return err(
            "namespace",
            format!("namespace customization requires agent: {TEKTON_AGENT} (found {agent:?})"),
        );
    }
    Ok(())
}

fn validate_plugins(plugins: &PluginsConfig, plugins_file: &Arc<str>, found: &mut Vec<Diagnostic>) {
    found.extend(plugins.config_updater.check(plugins_file));
    // Each upstream plugin not built here: where it is first enabled, and every scope.
    let mut not_built: std::collections::BTreeMap<&str, (YamlPath, Vec<&str>)> =
        std::collections::BTreeMap::new();
    let mut invalid = |path: YamlPath, message: String| {
        found.push(Diagnostic::error(
            DiagnosticKind::Invalid,
            plugins_file.clone(),
            path,
            message,
        ));
    };
    for (scope, enabled) in &plugins.plugins {
        let name_path = |i: usize| {
            let path = YamlPath::root().key("plugins").key(scope.as_str());
            if enabled.bare_list {
                path.index(i)
            } else {
                path.key("plugins").index(i)
            }
        };
        for (i, name) in enabled.plugins.iter().enumerate() {
            if !crate::plugins::UPSTREAM_PLUGINS.contains(&name.as_str()) {
                invalid(name_path(i), format!("unknown plugin: {name}"));
            } else if !crate::plugins::BUILT_HERE.contains(&name.as_str()) {
                not_built
                    .entry(name.as_str())
                    .or_insert_with(|| (name_path(i), Vec::new()))
                    .1
                    .push(scope.as_str());
            }
        }
        // Upstream: a plugin enabled for an org and again for one of its repos is a mistake.
        if let Some((org, repo)) = scope.split_once('/')
            && let Some(org_plugins) = plugins.plugins.get(org)
            && !org_plugins.excluded_repos.iter().any(|r| r == repo)
        {
            let dupes: Vec<&str> = enabled
                .plugins
                .iter()
                .filter(|name| org_plugins.plugins.contains(name))
                .map(String::as_str)
                .collect();
            if !dupes.is_empty() {
                invalid(
                    YamlPath::root().key("plugins").key(scope.as_str()),
                    format!("plugins {dupes:?} are duplicated for {repo} and {org}"),
                );
            }
        }
    }
    for (scope, external) in &plugins.external_plugins {
        for (i, plugin) in external.iter().enumerate() {
            if plugin.name.is_empty() {
                invalid(
                    YamlPath::root()
                        .key("external_plugins")
                        .key(scope.as_str())
                        .index(i),
                    "external plugin has no name".to_string(),
                );
            }
        }
    }
    let size = plugins.size;
    if size.s > size.m || size.m > size.l || size.l > size.xl || size.xl > size.xxl {
        invalid(
            YamlPath::root().key("size"),
            "invalid size plugin configuration - one of the smaller sizes is bigger than a larger one"
                .to_string(),
        );
    }
    if let Some(count) = plugins.blunderbuss.request_count
        && count < 1
    {
        invalid(
            YamlPath::root().key("blunderbuss").key("request_count"),
            format!("invalid request_count: {count} (needs to be positive)"),
        );
    }
    if let Some(wait) = &plugins.blunderbuss.wait_for_status
        && let Err(e) = check_syntax(wait.description())
    {
        invalid(
            YamlPath::root()
                .key("blunderbuss")
                .key("wait_for_status")
                .key("description"),
            format!("invalid description regex: {e}"),
        );
    }
    for (section, entries) in [
        (
            "approve",
            plugins.approve.iter().map(|a| &a.repos).collect::<Vec<_>>(),
        ),
        (
            "welcome",
            plugins.welcome.iter().map(|w| &w.repos).collect(),
        ),
    ] {
        let mut seen = HashSet::new();
        for (i, repos) in entries.into_iter().enumerate() {
            for (j, entry) in repos.iter().enumerate() {
                if !seen.insert(entry.as_str()) {
                    let what = if entry.contains('/') { "repo" } else { "org" };
                    invalid(
                        YamlPath::root().key(section).index(i).key("repos").index(j),
                        format!(
                            "The {what} {entry:?} is duplicated in the '{section}' plugin configuration."
                        ),
                    );
                }
            }
        }
    }
    for (i, rule) in plugins.require_matching_label.iter().enumerate() {
        let path = || YamlPath::root().key("require_matching_label").index(i);
        let problem = if rule.org.is_empty() {
            Some("must specify 'org'")
        } else if rule.repo.contains('/') {
            Some("'repo' may not contain '/'; specify the organization with 'org'")
        } else if rule.regexp.is_empty() {
            Some("must specify 'regexp'")
        } else if rule.missing_label.is_empty() {
            Some("must specify 'missing_label'")
        } else if !rule.prs && !rule.issues {
            Some("must specify 'prs: true' and/or 'issues: true'")
        } else if !rule.prs && !rule.branch.is_empty() {
            Some("branch cannot be specified without `prs: true'")
        } else {
            None
        };
        if let Some(problem) = problem {
            invalid(path(), problem.to_string());
            continue;
        }
        match regex::Regex::new(&rule.regexp) {
            Err(e) => invalid(path().key("regexp"), format!("invalid regexp: {e}")),
            Ok(re) if re.is_match(&rule.missing_label) => invalid(
                path(),
                "'regexp' must not match 'missing_label'".to_string(),
            ),
            Ok(_) => {}
        }
        if !rule.grace_period.is_empty() && rule.grace_period.parse::<Duration>().is_err() {
            invalid(
                path().key("grace_period"),
                format!("invalid grace_period {:?}", rule.grace_period),
            );
        }
    }
    found.extend(not_built.into_iter().map(|(name, (path, scopes))| Diagnostic {
        severity: crate::diagnostics::Severity::Warning,
        kind: DiagnosticKind::NotBuilt,
        file: plugins_file.clone(),
        location: None,
        path,
        job: None,
        message: format!(
            "plugin {name:?} is upstream's but not built into this Prow: it does nothing here \
             (enabled for {})",
            scopes.join(", ")
        ),
    }));
}
