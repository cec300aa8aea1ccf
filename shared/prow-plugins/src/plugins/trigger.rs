//! `trigger` (upstream `pkg/plugins/trigger`): which presubmits and postsubmits an event starts,
//! who is trusted to start them, and `/ok-to-test`.
//!
//! - Pull requests: `opened` by a trusted author runs what `/test all` runs (a draft gets
//!   upstream's draft notice instead); from anyone else the welcome comment and
//!   `needs-ok-to-test`. `reopened`, `ready_for_review` and a retargeted base run them again for a
//!   trusted PR; `synchronize` aborts the PR's unfinished presubmits first; `labeled` with `lgtm`
//!   on an untrusted PR or `ok-to-test` by a human runs them; `closed` and `converted_to_draft`
//!   abort. A PR GitHub reports unmergeable starts nothing.
//! - Comments (new, on an open PR, code blocks ignored): `/test <job>`, `/test all`, `/retest`,
//!   `/retest-required`, `/test-manual-required`, `/ok-to-test`, `/ok-to-test cancel`, and the
//!   help reply listing the jobs; an untrusted commenter on an untrusted PR gets upstream's
//!   refusal.
//! - Pushes start the postsubmits whose branches and `run_if_changed` match.
//!
//! The decisions of what runs are `prow-trigger`'s; this plan gathers the facts they need.

use super::{Builtin, commented_issue};
use crate::help::{Commands, command, featured};
use crate::trust::{trusted_pull_request, trusted_user};
use crate::{Action, Dedupe, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_api::{ProwJobState, ProwJobType, StringMap, labels};
use prow_config::{Config, Presubmit, Trigger as TriggerSettings};
use prow_github::Event;
use prow_github::comment::{GenericCommentAction, GenericCommentEvent};
use prow_github::events::{PullRequest, PullRequestEvent, PushEvent};
use prow_github::vocabulary::PullRequestAction;
use prow_ports::github::Sha;
use prow_trigger::commands::{
    self, DRAFT_COMMENT, LGTM_LABEL, NEEDS_OK_TO_TEST_LABEL, OK_TO_TEST_LABEL,
};
use prow_trigger::filter::{self, Contexts, Filter};
use prow_trigger::in_repo;
use prow_trigger::jobs;
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    OkToTest,
    OkToTestCancel,
    Test,
    TestAll,
    Retest,
    RetestRequired,
    TestManualRequired,
    TestHelp,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[
        Command::OkToTest,
        Command::OkToTestCancel,
        Command::Test,
        Command::TestAll,
        Command::Retest,
        Command::RetestRequired,
        Command::TestManualRequired,
        Command::TestHelp,
    ];

    fn help(self) -> crate::Command {
        match self {
            Command::OkToTest => featured(
                "/ok-to-test",
                "Marks a PR as 'trusted' and starts tests.",
                "Members of the trusted organization for the repo.",
                &["/ok-to-test"],
            ),
            Command::OkToTestCancel => command(
                "/ok-to-test cancel",
                "Removes the 'trusted' mark from a PR and stops tests from running automatically on new commits.",
                "Members of the trusted organization for the repo.",
                &["/ok-to-test cancel"],
            ),
            Command::Test => featured(
                "/test [<job name>|all]",
                "Manually starts a/all automatically triggered test job(s). Lists all possible job(s) when no jobs/an invalid job are specified.",
                "Anyone can trigger this command on a trusted PR.",
                &["/test all", "/test pull-bazel-test"],
            ),
            Command::TestAll => command(
                "/test all",
                "Starts every job that runs for the PR automatically.",
                "Anyone can trigger this command on a trusted PR.",
                &["/test all"],
            ),
            Command::Retest => featured(
                "/retest",
                "Rerun test jobs that have failed.",
                "Anyone can trigger this command on a trusted PR.",
                &["/retest"],
            ),
            Command::RetestRequired => command(
                "/retest-required",
                "Rerun non-optional test jobs that have failed.",
                "Anyone can trigger this command on a trusted PR.",
                &["/retest-required"],
            ),
            Command::TestManualRequired => command(
                "/test-manual-required",
                "Starts the required jobs that only run when asked for.",
                "Anyone can trigger this command on a trusted PR.",
                &["/test-manual-required"],
            ),
            Command::TestHelp => command(
                "/test ?",
                "Lists the jobs that can be run on the PR.",
                "Anyone can trigger this command on a trusted PR.",
                &["/test ?"],
            ),
        }
    }
}

pub struct Trigger;

impl Builtin for Trigger {
    const NAME: &'static str = "trigger";
    const EVENTS: &'static [EventKind] = &[
        EventKind::PullRequest,
        EventKind::Push,
        EventKind::IssueComment,
        EventKind::PullRequestReview,
        EventKind::PullRequestReviewComment,
    ];

    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp {
        let mut help = PluginHelp::new(
            "The trigger plugin starts tests in reaction to commands and pull request events. It is responsible for ensuring that test jobs are only run on trusted PRs. A PR is considered trusted if the author is a member of the 'trusted organization' for the repository or if such a member has left an '/ok-to-test' command on the PR.\n<br>Trigger starts jobs automatically when a new trusted PR is created or when an untrusted PR becomes trusted, but it can also be used to start jobs manually via the '/test' command.\n<br>The '/retest' command can be used to rerun jobs that have reported failure.",
        )
        .with_commands::<Command>();
        for repo in enabled_repos {
            let (org, name) = repo.split_once('/').unwrap_or((repo.as_str(), ""));
            let settings = config.plugins.trigger_for(org, name);
            let trusted = if settings.trusted_org.is_empty() {
                org.to_string()
            } else {
                settings.trusted_org.clone()
            };
            let mut text =
                format!("The trusted GitHub organization for this repository is \"{trusted}\".");
            if settings.only_org_members {
                text.push_str(
                    " Only members of the organization are trusted; collaborators are not.",
                );
            }
            help.config.insert(repo.clone(), text);
        }
        help
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(delivery) = input.delivery() else {
            return Ok(Vec::new());
        };
        let plan = Plan {
            input,
            facts,
            trigger_id: &delivery.id,
        };
        match &delivery.event {
            Event::PullRequest(event) => plan.pull_request(event),
            Event::Push(push) => plan.push(push),
            Event::IssueComment(_)
            | Event::PullRequestReview(_)
            | Event::PullRequestReviewComment(_) => match &delivery.comment {
                Some(comment) => plan.comment(comment),
                None => Ok(Vec::new()),
            },
            _ => Ok(Vec::new()),
        }
    }
}

/// One decision in the making.
struct Plan<'a> {
    input: &'a Input<'a>,
    facts: &'a Facts,
    /// What the ProwJobs' names are derived from: the delivery id, so a redelivery creates
    /// nothing new.
    trigger_id: &'a str,
}

impl Plan<'_> {
    fn config(&self) -> &Config {
        self.input.config
    }

    fn presubmits(&self, org: &str, repo: &str) -> &[Presubmit] {
        self.config()
            .jobs
            .presubmits
            .get(&format!("{org}/{repo}"))
            .map_or(&[], Vec::as_slice)
    }

    fn settings(&self, org: &str, repo: &str) -> TriggerSettings {
        self.config().plugins.trigger_for(org, repo)
    }

    /// A pull request event (upstream `handlePR`).
    fn pull_request(&self, event: &PullRequestEvent) -> Result<Vec<Action>, NeedFacts> {
        let pr = &event.pull_request;
        let (org, repo) = (event.repo.org(), event.repo.name.as_str());
        if self.presubmits(org, repo).is_empty()
            && !self.config().prow.in_repo_config.enabled_for(org, repo)
        {
            return Ok(Vec::new());
        }
        let settings = self.settings(org, repo);
        let pull = IssueRef::new(org, repo, pr.number);
        Ok(match &event.action {
            PullRequestAction::Opened => {
                if trusted_user(self.facts, &settings, &pr.user.login, &pull.repo)? {
                    if pr.draft {
                        return Ok(vec![comment_once(&pull, DRAFT_COMMENT, DRAFT_COMMENT)]);
                    }
                    self.run_all(pr, &pull)?
                } else {
                    self.welcome(&settings, event, &pull)?
                }
            }
            PullRequestAction::Reopened | PullRequestAction::ReadyForReview => {
                self.run_all_if_trusted(&settings, pr, &pull)?
            }
            PullRequestAction::Edited if base_changed(event) => {
                self.run_all_if_trusted(&settings, pr, &pull)?
            }
            PullRequestAction::Synchronize => {
                let mut actions = self.abort_running(&pull)?;
                actions.extend(self.run_all_if_trusted(&settings, pr, &pull)?);
                actions
            }
            PullRequestAction::Labeled => {
                // `lgtm` on an untrusted PR vouches for it as `/ok-to-test` would; so does
                // `ok-to-test` added by hand (the bot adds it itself when it already ran them).
                let vouched = match event.label.as_ref().map(|l| l.name.as_str()) {
                    Some(LGTM_LABEL) => {
                        !trusted_pull_request(self.facts, &settings, &pr.user.login, &pull)?
                    }
                    Some(OK_TO_TEST_LABEL) => !self.facts.is_bot(&event.sender.login)?,
                    _ => false,
                };
                if vouched {
                    self.run_all(pr, &pull)?
                } else {
                    Vec::new()
                }
            }
            PullRequestAction::Closed | PullRequestAction::ConvertedToDraft => {
                self.abort_running(&pull)?
            }
            _ => Vec::new(),
        })
    }

    /// The welcome comment for an untrusted author, and `needs-ok-to-test`.
    fn welcome(
        &self,
        settings: &TriggerSettings,
        event: &PullRequestEvent,
        pull: &IssueRef,
    ) -> Result<Vec<Action>, NeedFacts> {
        let author = &event.pull_request.user.login;
        let mut actions = Vec::new();
        if !settings.ignore_ok_to_test {
            self.facts.need([Fact::Labels(pull.clone())])?;
            if !self.facts.has_label(pull, OK_TO_TEST_LABEL)?
                && !self.facts.has_label(pull, NEEDS_OK_TO_TEST_LABEL)?
            {
                actions.push(Action::add_label(pull, NEEDS_OK_TO_TEST_LABEL));
            }
        }
        let body = commands::welcome(
            author,
            &pull.repo.org,
            &event.repo.full_name,
            &settings.trusted_org,
            &settings.join_org_url,
            settings.ignore_ok_to_test,
        );
        actions.push(comment_once(
            pull,
            &body,
            &format!("Hi @{author}. Thanks for your PR."),
        ));
        Ok(actions)
    }

    /// What `/test all` runs, unless the PR is a draft (upstream `buildAllButDrafts`).
    fn run_all(&self, pr: &PullRequest, pull: &IssueRef) -> Result<Vec<Action>, NeedFacts> {
        if pr.draft {
            return Ok(Vec::new());
        }
        let (presubmits, refusal) = self.pull_presubmits(pr, pull)?;
        let selected = self.select(&[Filter::TestAll], &presubmits, pr, pull)?;
        let mut actions: Vec<Action> = refusal.into_iter().collect();
        actions.extend(self.run_presubmits(pr, &selected, &StringMap::new()));
        Ok(actions)
    }

    /// The pull request's presubmits: the central ones and, where in-repo configuration is
    /// enabled, those of the files its merge would hold (read at the base branch's head and, for
    /// the files it changes, at its head). When those do not load, the reply saying where, and
    /// the central ones only.
    fn pull_presubmits(
        &self,
        pr: &PullRequest,
        pull: &IssueRef,
    ) -> Result<(Cow<'_, [Presubmit]>, Option<Action>), NeedFacts> {
        let (org, repo) = (pull.repo.org.as_str(), pull.repo.name.as_str());
        let central = self.presubmits(org, repo);
        if !self.config().prow.in_repo_config.enabled_for(org, repo) {
            return Ok((Cow::Borrowed(central), None));
        }
        self.facts.need([
            Fact::branch_head(&pull.repo, &pr.base.git_ref),
            Fact::ChangedFiles(pull.clone()),
        ])?;
        let base_sha = self
            .facts
            .branch_head(&pull.repo, &pr.base.git_ref)?
            .clone();
        let head_sha = Sha::new(pr.head.sha.clone());
        let touched = in_repo::touched_config_paths(
            self.facts
                .changed_files(pull)?
                .iter()
                .map(|c| (c.filename.as_str(), c.previous_filename.as_str())),
        );
        let mut needed = vec![Fact::config_files(&pull.repo, &base_sha)];
        if !touched.is_empty() {
            needed.push(Fact::config_files(&pull.repo, &head_sha));
        }
        self.facts.need(needed)?;
        let base = self.facts.config_files(&pull.repo, &base_sha)?;
        let head = if touched.is_empty() {
            &[]
        } else {
            self.facts.config_files(&pull.repo, &head_sha)?
        };
        let sources = in_repo::merged_config_files(base, head, &touched);
        if sources.is_empty() {
            return Ok((Cow::Borrowed(central), None));
        }
        match prow_config::load_in_repo(self.config(), &pull.repo.full_name(), &sources) {
            Ok(own) => {
                let mut all = central.to_vec();
                all.extend(own.presubmits);
                Ok((Cow::Owned(all), None))
            }
            Err(problems) => Ok((
                Cow::Borrowed(central),
                Some(Action::comment(pull, in_repo_refusal(&problems))),
            )),
        }
    }

    fn run_all_if_trusted(
        &self,
        settings: &TriggerSettings,
        pr: &PullRequest,
        pull: &IssueRef,
    ) -> Result<Vec<Action>, NeedFacts> {
        if !trusted_pull_request(self.facts, settings, &pr.user.login, pull)? {
            return Ok(Vec::new());
        }
        let mut actions = Vec::new();
        self.facts.need([Fact::Labels(pull.clone())])?;
        if self.facts.has_label(pull, NEEDS_OK_TO_TEST_LABEL)? {
            actions.push(Action::remove_label(pull, NEEDS_OK_TO_TEST_LABEL));
        }
        actions.extend(self.run_all(pr, pull)?);
        Ok(actions)
    }

    /// The selected presubmits, with the PR's changed files when a job needs them.
    fn select<'p>(
        &self,
        filters: &[Filter<'_>],
        presubmits: &'p [Presubmit],
        pr: &PullRequest,
        pull: &IssueRef,
    ) -> Result<Vec<&'p Presubmit>, NeedFacts> {
        let changes = self.changes(filters, presubmits, pr, pull)?;
        filter::select(filters, presubmits, &pr.base.git_ref, changes.as_deref())
            .map_err(|_| NeedFacts::one(Fact::ChangedFiles(pull.clone())))
    }

    /// The PR's changed files, asked for only when some job's `run_if_changed` needs them.
    fn changes(
        &self,
        filters: &[Filter<'_>],
        presubmits: &[Presubmit],
        pr: &PullRequest,
        pull: &IssueRef,
    ) -> Result<Option<Vec<String>>, NeedFacts> {
        if !filter::needs_changes(filters, presubmits, &pr.base.git_ref) {
            return Ok(None);
        }
        Ok(Some(
            self.facts
                .changed_files(pull)?
                .iter()
                .map(|c| c.filename.clone())
                .collect(),
        ))
    }

    /// The selected presubmits' ProwJobs (upstream `RunRequested`); none for a PR GitHub reports
    /// unmergeable.
    fn run_presubmits(
        &self,
        pr: &PullRequest,
        selected: &[&Presubmit],
        extra_labels: &StringMap,
    ) -> Vec<Action> {
        if pr.mergeable == Some(false) || selected.is_empty() {
            return Vec::new();
        }
        let refs = jobs::pull_refs(pr, &pr.base.sha);
        vec![Action::CreateJobs(
            selected
                .iter()
                .map(|job| {
                    jobs::presubmit(
                        job,
                        refs.clone(),
                        self.trigger_id,
                        extra_labels,
                        self.input.now,
                    )
                })
                .collect(),
        )]
    }

    /// Aborts the PR's unfinished presubmits, except those this very event created (a
    /// redelivered push must not abort the jobs its first delivery started).
    fn abort_running(&self, pull: &IssueRef) -> Result<Vec<Action>, NeedFacts> {
        let names: Vec<String> = self
            .facts
            .pull_jobs(pull)?
            .iter()
            .filter(|job| job.spec.job_type == ProwJobType::Presubmit)
            .filter(|job| !job.complete() && job.status.state != Some(ProwJobState::Aborted))
            .filter(|job| {
                job.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(jobs::EVENT_GUID_LABEL))
                    .is_none_or(|guid| guid != self.trigger_id)
            })
            .map(|job| job.name().to_string())
            .collect();
        Ok(if names.is_empty() {
            Vec::new()
        } else {
            vec![Action::AbortJobs {
                names,
                description: commands::ABORTED_DESCRIPTION.into(),
            }]
        })
    }

    /// A new comment on an open pull request (upstream `handleGenericComment`).
    fn comment(&self, comment: &GenericCommentEvent) -> Result<Vec<Action>, NeedFacts> {
        if comment.action != GenericCommentAction::Created
            || !comment.is_pr
            || comment.issue_state != "open"
        {
            return Ok(Vec::new());
        }
        let pull = commented_issue(comment);
        let (org, repo) = (pull.repo.org.as_str(), pull.repo.name.as_str());
        let presubmits = self.presubmits(org, repo);
        let text = commands::drop_code_blocks(&comment.body);
        // Decided before asking anything of GitHub: most comments are not trigger's.
        if !commands::concerns_trigger(&text, presubmits)
            || self.facts.is_bot(&comment.user.login)?
        {
            return Ok(Vec::new());
        }
        let settings = self.settings(org, repo);
        let reply = |response: &str| {
            commands::reply(
                &comment.body,
                &comment.html_url,
                &comment.user.login,
                response,
            )
        };
        let marker = format!("In response to [this]({})", comment.html_url);
        let commenter_trusted =
            trusted_user(self.facts, &settings, &comment.user.login, &pull.repo)?;
        if !commenter_trusted
            && !trusted_pull_request(self.facts, &settings, &comment.issue_author.login, &pull)?
        {
            let response = if settings.ignore_ok_to_test {
                commands::UNTRUSTED_IGNORING_OK_TO_TEST
            } else {
                commands::UNTRUSTED_COMMENT
            };
            return Ok(vec![comment_once(&pull, &reply(response), &marker)]);
        }
        self.facts.need([Fact::Labels(pull.clone())])?;
        let has = |name: &str| self.facts.has_label(&pull, name);
        let honor_ok_to_test = !settings.ignore_ok_to_test;
        let ok_to_test = honor_ok_to_test && commands::OK_TO_TEST.is_match(&text);
        let mut actions = Vec::new();
        if ok_to_test && !has(OK_TO_TEST_LABEL)? {
            actions.push(Action::add_label(&pull, OK_TO_TEST_LABEL));
        }
        if (ok_to_test || has(OK_TO_TEST_LABEL)?) && has(NEEDS_OK_TO_TEST_LABEL)? {
            actions.push(Action::remove_label(&pull, NEEDS_OK_TO_TEST_LABEL));
        }
        if honor_ok_to_test && commands::OK_TO_TEST_CANCEL.is_match(&text) {
            if !commenter_trusted {
                actions.push(comment_once(
                    &pull,
                    &reply(commands::ONLY_TRUSTED_CAN_REVOKE),
                    &marker,
                ));
                return Ok(actions);
            }
            if has(OK_TO_TEST_LABEL)? {
                actions.push(Action::remove_label(&pull, OK_TO_TEST_LABEL));
            }
            if !has(NEEDS_OK_TO_TEST_LABEL)? {
                actions.push(Action::add_label(&pull, NEEDS_OK_TO_TEST_LABEL));
            }
            return Ok(actions);
        }
        let pr = self.facts.pull_request(&pull)?;
        let (presubmits, refusal) = self.pull_presubmits(pr, &pull)?;
        let presubmits: &[Presubmit] = &presubmits;
        actions.extend(refusal);
        let contexts = if filter::needs_contexts(&text) {
            let combined = self.facts.combined_status(&pull.repo, &pr.head.sha)?;
            let mut contexts = Contexts::default();
            for status in &combined.statuses {
                if status.state == "failure" || status.state == "error" {
                    contexts.failed.insert(status.context.clone());
                }
                contexts.all.insert(status.context.clone());
            }
            contexts
        } else {
            Contexts::default()
        };
        let filters = filter::for_comment(&text, honor_ok_to_test, &contexts);
        let selected = self.select(&filters, presubmits, pr, &pull)?;
        if let Some(note) = commands::help_needed(&text, selected.len()) {
            let all_changes = self.changes(&[Filter::TestAll], presubmits, pr, &pull)?;
            let (test_all, optional, required) =
                filter::available(presubmits, &pr.base.git_ref, all_changes.as_deref())
                    .map_err(|_| NeedFacts::one(Fact::ChangedFiles(pull.clone())))?;
            let help = commands::help_message(
                org,
                repo,
                &pr.base.git_ref,
                note,
                &test_all,
                &optional,
                &required,
            );
            actions.push(comment_once(&pull, &reply(&help), &marker));
            return Ok(actions);
        }
        let mut extra_labels = StringMap::new();
        if commands::RETEST.is_match(&text) || commands::RETEST_REQUIRED.is_match(&text) {
            extra_labels.insert(labels::RETEST.into(), "true".into());
        }
        if commands::prunes_help(&text) {
            for old in self.facts.bot_comments(&pull)? {
                if commands::is_help_comment(&old.body) {
                    actions.push(Action::DeleteComment {
                        repo: pull.repo.clone(),
                        id: old.id,
                    });
                }
            }
        }
        actions.extend(self.run_presubmits(pr, &selected, &extra_labels));
        Ok(actions)
    }

    /// A push: the postsubmits it starts (upstream `handlePE`), with the pushed commit's
    /// in-repo ones where in-repo configuration is enabled (none when its files do not load).
    fn push(&self, push: &PushEvent) -> Result<Vec<Action>, NeedFacts> {
        let (org, repo) = (push.repo.org(), push.repo.name.as_str());
        let full = format!("{org}/{repo}");
        let central = self.config().jobs.postsubmits_for(&full);
        let postsubmits: Cow<'_, [prow_config::Postsubmit]> =
            if self.config().prow.in_repo_config.enabled_for(org, repo)
                && !push.deleted
                && !push.after.is_empty()
            {
                let repo_ref = prow_ports::github::RepoRef::new(org, repo);
                let sha = Sha::new(push.after.clone());
                let files = self.facts.config_files(&repo_ref, &sha)?;
                let sources = in_repo::merged_config_files(files, &[], &Default::default());
                match prow_config::load_in_repo(self.config(), &full, &sources) {
                    Ok(own) if !own.postsubmits.is_empty() => {
                        let mut all = central.to_vec();
                        all.extend(own.postsubmits);
                        Cow::Owned(all)
                    }
                    _ => Cow::Borrowed(central),
                }
            } else {
                Cow::Borrowed(central)
            };
        let selected = prow_trigger::postsubmits_for_push(push, &postsubmits);
        if selected.is_empty() {
            return Ok(Vec::new());
        }
        let refs = prow_api::Refs {
            org: org.to_string(),
            repo: repo.to_string(),
            repo_link: push.repo.html_url.clone(),
            base_ref: push.branch().to_string(),
            base_sha: push.after.clone(),
            base_link: push.compare.clone(),
            ..prow_api::Refs::default()
        };
        Ok(vec![Action::CreateJobs(
            selected
                .into_iter()
                .map(|job| jobs::postsubmit(job, refs.clone(), self.trigger_id, self.input.now))
                .collect(),
        )])
    }
}

/// Whether an `edited` event moved the PR to another base.
/// The reply to a pull request whose in-repo configuration does not load.
fn in_repo_refusal(problems: &[prow_config::Diagnostic]) -> String {
    let mut text = String::from(
        "The in-repo configuration (`.prow.yaml` or `.prow/`) this pull request would merge does not load, so none of its jobs run (the central ones do):\n",
    );
    for problem in problems {
        text.push_str(&format!("\n- `{problem}`"));
    }
    prow_github::comment::format_simple_response(&text)
}

fn base_changed(event: &PullRequestEvent) -> bool {
    event.changes.as_ref().is_some_and(|c| {
        c["base"]["ref"]["from"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
            || c["base"]["sha"]["from"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
    })
}

/// A comment not posted again when one of the bot's comments already contains `marker`.
fn comment_once(on: &IssueRef, body: &str, marker: &str) -> Action {
    Action::Comment {
        on: on.clone(),
        body: body.to_string(),
        dedupe: Dedupe::Marker(marker.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        BOT, Given, PR, comment_on_pr, plan_with, pull_request_event, pull_request_event_with,
    };

    const JOBS: &str = r#"
presubmits:
  kubernetes/test-infra:
  - name: unit
    always_run: true
    spec: {containers: [{image: alpine, command: ['true']}]}
  - name: docs
    run_if_changed: '^docs/'
    spec: {containers: [{image: alpine, command: ['true']}]}
  - name: e2e
    optional: true
    always_run: false
    spec: {containers: [{image: alpine, command: ['true']}]}
"#;

    fn config() -> Config {
        crate::testing::load_config(
            "",
            JOBS,
            "triggers:\n- repos: [kubernetes]\n  only_org_members: true\n",
        )
    }

    fn created(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::CreateJobs(jobs) => Some(jobs.iter().map(|j| j.spec.job.clone())),
                _ => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn a_members_new_pr_runs_what_test_all_runs_with_files_read_only_when_needed() {
        let config = config();
        let opened = pull_request_event(&PR, "opened", "alice", "alice");
        let facts = Facts::new().bot().member("kubernetes", "alice", true);
        assert_eq!(
            plan_with(&Trigger, &opened, &facts, &config),
            Err(NeedFacts::one(Fact::ChangedFiles(PR.clone()))),
            "docs' run_if_changed needs the files"
        );
        let facts = facts.changed_files(&PR, &["docs/a.md"]);
        let actions = plan_with(&Trigger, &opened, &facts, &config).unwrap();
        assert_eq!(created(&actions), ["unit", "docs"]);
    }

    fn in_repo_facts(base: &[(&str, &str)], head: &[(&str, &str)], touched: &[&str]) -> Facts {
        let files = |list: &[(&str, &str)]| {
            crate::Known::Files(
                list.iter()
                    .map(|(p, t)| (p.to_string(), t.to_string()))
                    .collect(),
            )
        };
        Facts::new()
            .bot()
            .member("kubernetes", "alice", true)
            .changed_files(&PR, touched)
            .with(
                Fact::branch_head(&PR.repo, "main"),
                crate::Known::Sha(Sha::new("basetip")),
            )
            .with(
                Fact::config_files(&PR.repo, &Sha::new("basetip")),
                files(base),
            )
            .with(
                Fact::config_files(
                    &PR.repo,
                    &Sha::new("headsha0000000000000000000000000000000000"),
                ),
                files(head),
            )
    }

    #[test]
    fn in_repo_jobs_run_for_the_pull_request_that_adds_them_and_a_broken_file_is_answered() {
        let config = crate::testing::load_config(
            "in_repo_config:\n  enabled: {kubernetes/test-infra: true}\n",
            JOBS,
            "triggers:\n- repos: [kubernetes]\n  only_org_members: true\n",
        );
        let opened = pull_request_event(&PR, "opened", "alice", "alice");
        let job = "presubmits:\n- name: in-repo\n  always_run: true\n  spec: {containers: [{image: alpine}]}\n";
        let facts = in_repo_facts(&[], &[(".prow.yaml", job)], &[".prow.yaml"]);
        let actions = plan_with(&Trigger, &opened, &facts, &config).unwrap();
        assert_eq!(created(&actions), ["unit", "in-repo"]);

        let untouched = in_repo_facts(&[], &[(".prow.yaml", job)], &["src/main.rs"]);
        let actions = plan_with(&Trigger, &opened, &untouched, &config).unwrap();
        assert_eq!(created(&actions), ["unit"], "the base has no in-repo jobs");

        let broken = "presubmits:\n- name: unit\n  always_run: true\n  spec: {containers: [{image: alpine}]}\n";
        let facts = in_repo_facts(&[], &[(".prow.yaml", broken)], &[".prow.yaml"]);
        let actions = plan_with(&Trigger, &opened, &facts, &config).unwrap();
        assert_eq!(created(&actions), ["unit"], "the central job only");
        let said: Vec<&str> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Comment { body, .. } => Some(body.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(said.len(), 1, "{actions:?}");
        assert!(
            said[0].contains("`.prow.yaml:2:3: error: job \"unit\": duplicated presubmit job"),
            "{}",
            said[0]
        );
    }

    #[test]
    fn an_outsiders_pr_is_welcomed_and_labelled_needs_ok_to_test() {
        let config = config();
        let opened = pull_request_event(&PR, "opened", "newcomer", "newcomer");
        let facts = Facts::new()
            .bot()
            .member("kubernetes", "newcomer", false)
            .labelled(&PR, &[]);
        let actions = plan_with(&Trigger, &opened, &facts, &config).unwrap();
        assert_eq!(actions[0], Action::add_label(&PR, NEEDS_OK_TO_TEST_LABEL));
        assert!(
            matches!(&actions[1], Action::Comment { dedupe: Dedupe::Marker(m), .. } if m == "Hi @newcomer. Thanks for your PR.")
        );
        assert_eq!(actions.len(), 2);
    }

    #[test]
    fn only_org_members_means_collaborators_are_not_asked() {
        let config = config();
        let opened = pull_request_event(&PR, "opened", "collab", "collab");
        let facts = Facts::new().bot().member("kubernetes", "collab", false);
        // No Collaborator fact is needed: the next question is the labels, for the welcome.
        assert_eq!(
            plan_with(&Trigger, &opened, &facts, &config),
            Err(NeedFacts::one(Fact::Labels(PR.clone())))
        );
    }

    #[test]
    fn a_push_to_a_pr_aborts_older_runs_first() {
        let config = config();
        let pushed = pull_request_event(&PR, "synchronize", "alice", "alice");
        let older: prow_api::ProwJob = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "old-unit", "labels": {"event-GUID": "earlier"}},
            "spec": {"type": "presubmit", "job": "unit"},
            "status": {"state": "pending"}
        }))
        .unwrap();
        let facts = Facts::new()
            .bot()
            .member("kubernetes", "alice", true)
            .labelled(&PR, &[])
            .fact(Fact::PullJobs(PR.clone()), crate::Known::Jobs(vec![older]))
            .changed_files(&PR, &[]);
        let actions = plan_with(&Trigger, &pushed, &facts, &config).unwrap();
        assert_eq!(
            actions[0],
            Action::AbortJobs {
                names: vec!["old-unit".into()],
                description: commands::ABORTED_DESCRIPTION.into()
            }
        );
        assert_eq!(created(&actions), ["unit"]);
    }

    #[test]
    fn an_untrusted_commenter_on_an_untrusted_pr_is_refused_once() {
        let config = config();
        let comment = comment_on_pr(&PR, "mallory", "/test all");
        let facts = Facts::new()
            .bot()
            .member("kubernetes", "mallory", false)
            .member("kubernetes", "alice", false)
            .labelled(&PR, &[]);
        let actions = plan_with(&Trigger, &comment, &facts, &config).unwrap();
        let [
            Action::Comment {
                body,
                dedupe: Dedupe::Marker(marker),
                ..
            },
        ] = actions.as_slice()
        else {
            panic!("{actions:?}");
        };
        assert!(
            body.starts_with("@mallory: Cannot trigger testing"),
            "{body}"
        );
        assert!(marker.starts_with("In response to [this]"));
    }

    #[test]
    fn the_bots_own_comments_and_other_text_are_ignored() {
        let config = config();
        let facts = Facts::new().bot();
        for comment in [
            comment_on_pr(&PR, BOT, "/test all"),
            comment_on_pr(&PR, "alice", "no command here"),
            comment_on_pr(&PR, "alice", "```\n/test all\n```"),
        ] {
            assert_eq!(plan_with(&Trigger, &comment, &facts, &config), Ok(vec![]));
        }
    }

    #[test]
    fn an_ok_to_test_label_set_by_the_bot_starts_nothing() {
        let config = config();
        let labeled = pull_request_event_with(&PR, "labeled", "alice", BOT, |p| {
            p["label"] = serde_json::json!({"name": "ok-to-test"});
        });
        assert_eq!(
            plan_with(&Trigger, &labeled, &Facts::new().bot(), &config),
            Ok(vec![])
        );
    }
}
