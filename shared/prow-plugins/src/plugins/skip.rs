//! `skip` (upstream `pkg/plugins/skip`): anyone may clear the stale failed or pending statuses of
//! a pull request's optional jobs with `/skip`, so they no longer look like they block it. Jobs
//! the same comment asks trigger to run (`/skip` with `/test foo`) are left to run.

use super::{Builtin, Pattern, commented_issue, new_comment_on_open_pr, pattern};
use crate::help::{Commands, command};
use crate::{Action, EventKind, Fact, Facts, Input, NeedFacts, PluginHelp};
use prow_config::{Config, Presubmit};
use prow_ports::github::{Sha, Status};
use prow_trigger::filter::{self, Contexts};

static SKIP: Pattern = Pattern::new(|| pattern(r"(?mi)^/skip(?-u:\s)*$"));

/// The description of a skipped job's status.
pub const SKIPPED: &str = "Skipped";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Skip,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Skip];

    fn help(self) -> crate::Command {
        match self {
            Command::Skip => command(
                "/skip",
                "Cleans up GitHub stale commit statuses for non-blocking jobs on a PR.",
                "Anyone can trigger this command on a PR.",
                &["/skip"],
            ),
        }
    }
}

pub struct Skip;

impl Builtin for Skip {
    const NAME: &'static str = "skip";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, _: &Config, _: &[String]) -> PluginHelp {
        PluginHelp::new(
            "The skip plugin allows users to clean up GitHub stale commit statuses for non-blocking jobs on a PR.",
        )
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment_on_open_pr(input) else {
            return Ok(Vec::new());
        };
        if !SKIP.is_match(&comment.body) {
            return Ok(Vec::new());
        }
        let pull = commented_issue(comment);
        let pr = facts.pull_request(&pull)?;
        // In-repo presubmits (`.prow.yaml`) are not read here: only config.yaml's.
        let presubmits = input.config.jobs.presubmits_for(&pull.repo.full_name());
        let head = pr.head.sha.clone();
        let combined = facts.combined_status(&pull.repo, &head)?;
        if combined.state == "success" {
            return Ok(Vec::new());
        }
        let statuses = &combined.statuses;
        let contexts = Contexts {
            failed: statuses
                .iter()
                .filter(|s| s.state == "failure" || s.state == "error")
                .map(|s| s.context.clone())
                .collect(),
            all: statuses.iter().map(|s| s.context.clone()).collect(),
        };
        let honor_ok_to_test = !input
            .config
            .plugins
            .trigger_for(&pull.repo.org, &pull.repo.name)
            .ignore_ok_to_test;
        let filters = filter::for_comment(&comment.body, honor_ok_to_test, &contexts);
        // The changed files are read only when a job trigger would run depends on them, as
        // upstream's deferred changes provider reads them.
        let changes: Option<Vec<String>> = facts
            .changed_files(&pull)
            .ok()
            .map(|files| files.iter().map(|f| f.filename.clone()).collect());
        let triggered =
            match filter::select(&filters, presubmits, &pr.base.git_ref, changes.as_deref()) {
                Ok(selected) => selected,
                Err(filter::ChangesNeeded) => {
                    return Err(NeedFacts::one(Fact::ChangedFiles(pull.clone())));
                }
            };
        let trigger_runs = |job: &Presubmit| {
            triggered
                .iter()
                .any(|t| t.name() == job.name() && t.reporter.context == job.reporter.context)
        };
        let sha = Sha(head);
        Ok(presubmits
            .iter()
            .filter(|job| {
                let context = &job.reporter.context;
                let reported: Vec<&Status> =
                    statuses.iter().filter(|s| s.context == *context).collect();
                !reported.is_empty()
                    && !reported.iter().any(|s| s.state == "success")
                    && !trigger_runs(job)
                    && !job.context_required()
            })
            .map(|job| Action::SetStatus {
                repo: pull.repo.clone(),
                sha: sha.clone(),
                status: Status {
                    state: "success".to_string(),
                    target_url: String::new(),
                    description: SKIPPED.to_string(),
                    context: job.reporter.context.clone(),
                },
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Given, PR, comment, comment_on_pr, plan_with, with_issue_state};

    const HEAD: &str = "headsha0000000000000000000000000000000000";

    fn config(jobs: &str) -> Config {
        crate::testing::load_config("", jobs, "plugins:\n  kubernetes:\n    plugins: [skip]\n")
    }

    /// Upstream's test jobs: a required, a failing optional, a pending optional and a passing
    /// optional job, and an optional one that only runs on changes under `docs/`.
    const JOBS: &str = r#"
presubmits:
  kubernetes/test-infra:
  - name: required
    always_run: true
    spec: {containers: [{image: alpine}]}
  - name: failing
    optional: true
    always_run: true
    spec: {containers: [{image: alpine}]}
  - name: pending
    optional: true
    spec: {containers: [{image: alpine}]}
  - name: passing
    optional: true
    spec: {containers: [{image: alpine}]}
  - name: silent
    optional: true
    spec: {containers: [{image: alpine}]}
  - name: docs
    optional: true
    run_if_changed: "^docs/"
    spec: {containers: [{image: alpine}]}
"#;

    fn skipped(context: &str) -> Action {
        Action::SetStatus {
            repo: PR.repo.clone(),
            sha: Sha(HEAD.to_string()),
            status: Status {
                state: "success".into(),
                target_url: String::new(),
                description: SKIPPED.into(),
                context: context.into(),
            },
        }
    }

    fn world(combined: &str, statuses: &[(&str, &str)]) -> Facts {
        Facts::new()
            .pull_request_fact(&PR, "alice", |_| {})
            .combined_status(&PR.repo, HEAD, combined, statuses)
    }

    const REPORTED: &[(&str, &str)] = &[
        ("required", "failure"),
        ("failing", "failure"),
        ("pending", "pending"),
        ("passing", "success"),
        ("docs", "error"),
    ];

    #[test]
    fn optional_failed_and_pending_contexts_are_skipped_but_not_required_or_passing_ones() {
        let config = config(JOBS);
        for (body, who, expected) in [
            (
                "/skip",
                "outsider",
                vec![skipped("failing"), skipped("pending"), skipped("docs")],
            ),
            (
                "/SKIP  ",
                "alice",
                vec![skipped("failing"), skipped("pending"), skipped("docs")],
            ),
            (
                "/skip\n/test pending",
                "member",
                vec![skipped("failing"), skipped("docs")],
            ),
            // `/test all` runs the always_run jobs, so those are left to it.
            (
                "/skip\n/test all",
                "member",
                vec![skipped("pending"), skipped("docs")],
            ),
            ("/skip please", "alice", vec![]),
            ("not /skip", "alice", vec![]),
        ] {
            let facts = world("failure", REPORTED).changed_files(&PR, &["main.go"]);
            let delivery = comment_on_pr(&PR, who, body);
            assert_eq!(
                plan_with(&Skip, &delivery, &facts, &config),
                Ok(expected),
                "{body:?} by {who}"
            );
        }
    }

    #[test]
    fn a_retest_keeps_the_failed_jobs_trigger_reruns() {
        let config = config(JOBS);
        let facts = world("failure", REPORTED).changed_files(&PR, &["docs/a.md"]);
        let delivery = comment_on_pr(&PR, "alice", "/skip\n/retest");
        assert_eq!(
            plan_with(&Skip, &delivery, &facts, &config),
            Ok(vec![skipped("pending")])
        );
    }

    #[test]
    fn a_successful_combined_status_leaves_everything_alone() {
        let config = config(JOBS);
        let facts = world("success", &[("failing", "failure")]);
        let delivery = comment_on_pr(&PR, "alice", "/skip");
        assert_eq!(plan_with(&Skip, &delivery, &facts, &config), Ok(vec![]));
    }

    #[test]
    fn the_pull_request_then_its_status_then_changes_only_when_a_job_needs_them() {
        let config = config(JOBS);
        let delivery = comment_on_pr(&PR, "alice", "/skip\n/test docs");
        assert_eq!(
            plan_with(&Skip, &delivery, &Facts::new(), &config),
            Err(NeedFacts::one(Fact::PullRequest(PR.clone())))
        );
        let facts = Facts::new().pull_request_fact(&PR, "alice", |_| {});
        assert_eq!(
            plan_with(&Skip, &delivery, &facts, &config),
            Err(NeedFacts::one(Fact::combined_status(&PR.repo, HEAD)))
        );
        // `/test docs` forces docs, so no changes are needed for it; `/skip` alone needs none.
        let facts = world("failure", REPORTED);
        assert_eq!(
            plan_with(&Skip, &delivery, &facts, &config),
            Ok(vec![skipped("failing"), skipped("pending")])
        );
        let retest = comment_on_pr(&PR, "alice", "/skip\n/retest");
        assert_eq!(
            plan_with(&Skip, &retest, &facts, &config),
            Err(NeedFacts::one(Fact::ChangedFiles(PR.clone())))
        );
    }

    #[test]
    fn issues_and_closed_pull_requests_are_left_alone_without_a_call() {
        let config = config(JOBS);
        let on_issue = comment(&PR, "alice", "/skip", false, "alice");
        assert_eq!(
            plan_with(&Skip, &on_issue, &Facts::new(), &config),
            Ok(vec![])
        );
        let closed = with_issue_state(comment_on_pr(&PR, "alice", "/skip"), "closed");
        assert_eq!(
            plan_with(&Skip, &closed, &Facts::new(), &config),
            Ok(vec![])
        );
    }
}
