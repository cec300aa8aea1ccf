//! GitHub events, as upstream's trigger plugin handles them: pull requests opened, reopened,
//! pushed to, retargeted, labeled, marked ready or closed; comments with commands; pushes for
//! postsubmits. The facts (trust, labels, changed files, statuses) come through the GitHub port;
//! the decisions are `prow_trigger`'s.

use crate::{Trigger, TriggerError};
use prow_api::{ProwJob, ProwJobState, ProwJobType, StringMap, labels};
use prow_config::{Presubmit, Trigger as TriggerSettings};
use prow_github::comment::{GenericCommentAction, GenericCommentEvent};
use prow_github::events::{PullRequest, PullRequestEvent, PushEvent};
use prow_ports::github::{GitHubClient, IssueNumber, RepoRef};
use prow_trigger::commands::{
    self, DRAFT_COMMENT, LGTM_LABEL, NEEDS_OK_TO_TEST_LABEL, OK_TO_TEST_LABEL,
};
use prow_trigger::filter::{self, Contexts, Filter};
use prow_trigger::jobs;

/// What handling an event did, for the response and the logs.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Handled {
    pub created: Vec<String>,
    pub aborted: Vec<String>,
    pub note: String,
}

impl Handled {
    fn note(note: impl Into<String>) -> Handled {
        Handled {
            note: note.into(),
            ..Handled::default()
        }
    }
}

impl Trigger {
    fn github(&self) -> Result<&dyn GitHubClient, TriggerError> {
        self.0.github.as_deref().ok_or(TriggerError::NoGitHub)
    }

    fn presubmits(&self, org: &str, repo: &str) -> Vec<Presubmit> {
        self.0
            .config
            .current()
            .jobs
            .presubmits
            .get(&format!("{org}/{repo}"))
            .cloned()
            .unwrap_or_default()
    }

    fn settings(&self, org: &str, repo: &str) -> TriggerSettings {
        self.0.config.current().plugins.trigger_for(org, repo)
    }

    /// Upstream `TrustedUser`: the bot, a trusted app, an org member, a collaborator (unless
    /// `only_org_members`), or a member of `trusted_org`.
    async fn trusted_user(
        &self,
        settings: &TriggerSettings,
        user: &str,
        org: &str,
        repo: &str,
    ) -> Result<bool, TriggerError> {
        let github = self.github()?;
        let bot = github
            .bot_user()
            .await
            .map_err(TriggerError::github("reading the bot user"))?;
        if user.eq_ignore_ascii_case(&bot.login)
            || prow_trigger::trusted_app(user, &settings.trusted_apps)
        {
            return Ok(true);
        }
        if github
            .is_member(org, user)
            .await
            .map_err(TriggerError::github("checking org membership"))?
        {
            return Ok(true);
        }
        if !settings.only_org_members
            && github
                .is_collaborator(&RepoRef::new(org, repo), user)
                .await
                .map_err(TriggerError::github("checking collaborators"))?
        {
            return Ok(true);
        }
        if !settings.trusted_org.is_empty() && settings.trusted_org != org {
            return github
                .is_member(&settings.trusted_org, user)
                .await
                .map_err(TriggerError::github("checking trusted org membership"));
        }
        Ok(false)
    }

    async fn labels(
        &self,
        org: &str,
        repo: &str,
        number: u64,
    ) -> Result<Vec<String>, TriggerError> {
        Ok(self
            .github()?
            .issue_labels(&RepoRef::new(org, repo), IssueNumber(number))
            .await
            .map_err(TriggerError::github("reading labels"))?
            .into_iter()
            .map(|l| l.name)
            .collect())
    }

    /// Upstream `TrustedPullRequest`: a trusted author, or the `ok-to-test` label.
    async fn trusted_pull_request(
        &self,
        settings: &TriggerSettings,
        author: &str,
        org: &str,
        repo: &str,
        number: u64,
    ) -> Result<(bool, Vec<String>), TriggerError> {
        if self.trusted_user(settings, author, org, repo).await? {
            return Ok((true, Vec::new()));
        }
        if settings.ignore_ok_to_test {
            return Ok((false, Vec::new()));
        }
        let labels = self.labels(org, repo, number).await?;
        let trusted = labels.iter().any(|l| l == OK_TO_TEST_LABEL);
        Ok((trusted, labels))
    }

    /// Posts `body` unless the bot already posted a comment containing `marker` (a redelivered
    /// event says nothing twice).
    async fn comment_once(
        &self,
        org: &str,
        repo: &str,
        number: u64,
        body: &str,
        marker: &str,
    ) -> Result<(), TriggerError> {
        let github = self.github()?;
        let bot = github
            .bot_user()
            .await
            .map_err(TriggerError::github("reading the bot user"))?;
        let existing = github
            .list_issue_comments(&RepoRef::new(org, repo), IssueNumber(number))
            .await
            .map_err(TriggerError::github("listing comments"))?;
        if existing
            .iter()
            .any(|c| c.user.login.eq_ignore_ascii_case(&bot.login) && c.body.contains(marker))
        {
            return Ok(());
        }
        github
            .create_comment(&RepoRef::new(org, repo), IssueNumber(number), body)
            .await
            .map(drop)
            .map_err(TriggerError::github("commenting"))
    }

    /// The PR's changed files, when a job's `run_if_changed` needs them.
    async fn changes(
        &self,
        filters: &[Filter<'_>],
        presubmits: &[Presubmit],
        pr: &PullRequest,
        org: &str,
        repo: &str,
    ) -> Result<Option<Vec<String>>, TriggerError> {
        if !filter::needs_changes(filters, presubmits, &pr.base.git_ref) {
            return Ok(None);
        }
        let changes = self
            .github()?
            .pull_request_changes(&RepoRef::new(org, repo), IssueNumber(pr.number))
            .await
            .map_err(TriggerError::github("listing the PR's files"))?;
        Ok(Some(changes.into_iter().map(|c| c.filename).collect()))
    }

    /// Creates the selected presubmits' ProwJobs (upstream `RunRequested`).
    async fn run_presubmits(
        &self,
        pr: &PullRequest,
        selected: &[&Presubmit],
        trigger_id: &str,
        extra_labels: &StringMap,
    ) -> Result<Vec<String>, TriggerError> {
        if pr.mergeable == Some(false) {
            tracing::info!(pr = pr.number, "GitHub reports the PR unmergeable: no jobs");
            return Ok(Vec::new());
        }
        let refs = jobs::pull_refs(pr, &pr.base.sha);
        let now = self.0.clock.now();
        let prowjobs: Vec<ProwJob> = selected
            .iter()
            .map(|job| jobs::presubmit(job, refs.clone(), trigger_id, extra_labels, now))
            .collect();
        self.create(prowjobs).await
    }

    /// Every presubmit `/test all` runs, unless the PR is a draft (upstream `buildAllButDrafts`).
    async fn run_all(
        &self,
        pr: &PullRequest,
        presubmits: &[Presubmit],
        org: &str,
        repo: &str,
        trigger_id: &str,
    ) -> Result<Vec<String>, TriggerError> {
        if pr.draft {
            return Ok(Vec::new());
        }
        let filters = [Filter::TestAll];
        let changes = self.changes(&filters, presubmits, pr, org, repo).await?;
        let selected = filter::select(&filters, presubmits, &pr.base.git_ref, changes.as_deref())
            .map_err(|_| TriggerError::ChangesNeeded)?;
        self.run_presubmits(pr, &selected, trigger_id, &StringMap::new())
            .await
    }

    async fn run_all_if_trusted(
        &self,
        settings: &TriggerSettings,
        event: &PullRequestEvent,
        presubmits: &[Presubmit],
        trigger_id: &str,
    ) -> Result<Vec<String>, TriggerError> {
        let pr = &event.pull_request;
        let (org, repo) = (event.repo.org(), event.repo.name.as_str());
        let (trusted, labels) = self
            .trusted_pull_request(settings, &pr.user.login, org, repo, pr.number)
            .await?;
        if !trusted {
            return Ok(Vec::new());
        }
        let labels = if labels.is_empty() {
            self.labels(org, repo, pr.number).await?
        } else {
            labels
        };
        if labels.iter().any(|l| l == NEEDS_OK_TO_TEST_LABEL) {
            self.github()?
                .remove_label(
                    &RepoRef::new(org, repo),
                    IssueNumber(pr.number),
                    NEEDS_OK_TO_TEST_LABEL,
                )
                .await
                .map_err(TriggerError::github("removing needs-ok-to-test"))?;
        }
        self.run_all(pr, presubmits, org, repo, trigger_id).await
    }

    /// Aborts the PR's unfinished presubmits, except those this very event created (a
    /// redelivered push must not abort the jobs its first delivery started).
    async fn abort_running(
        &self,
        org: &str,
        repo: &str,
        number: u64,
        trigger_id: &str,
    ) -> Result<Vec<String>, TriggerError> {
        let selector = format!(
            "{}={},{}={},{}={number},{}={}",
            labels::ORG,
            prow_api::labels::sanitize_value(org),
            labels::REPO,
            prow_api::labels::sanitize_value(repo),
            labels::PULL,
            labels::PROW_JOB_TYPE,
            ProwJobType::Presubmit.as_str()
        );
        let running = self
            .0
            .store
            .list(&selector)
            .await
            .map_err(TriggerError::store("listing the PR's jobs"))?;
        let mut aborted = Vec::new();
        for job in running.into_iter().filter(|j| !j.complete()) {
            let own = job
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(jobs::EVENT_GUID_LABEL))
                .is_some_and(|guid| guid == trigger_id);
            if own {
                continue;
            }
            if self.abort(job.name()).await? {
                aborted.push(job.name().to_string());
            }
        }
        Ok(aborted)
    }

    /// Marks the job aborted. A write refused because another writer changed the job meanwhile
    /// (the controller moving it on, crier recording a report) is retried from a fresh read;
    /// `false` when the job finished or was aborted meanwhile (then, as upstream, it is left).
    async fn abort(&self, name: &str) -> Result<bool, TriggerError> {
        let aborted = prow_ports::store::update_fresh(self.0.store.as_ref(), name, 8, |job| {
            if job.complete() || job.status.state == Some(ProwJobState::Aborted) {
                return false;
            }
            job.status.state = Some(ProwJobState::Aborted);
            job.status.description = commands::ABORTED_DESCRIPTION.into();
            true
        })
        .await
        .map_err(TriggerError::store(format!("aborting {name}")))?;
        Ok(aborted.is_some())
    }

    /// A `pull_request` event (upstream `handlePR`).
    pub(crate) async fn pull_request(
        &self,
        event: &PullRequestEvent,
        trigger_id: &str,
    ) -> Result<Handled, TriggerError> {
        let pr = &event.pull_request;
        let (org, repo) = (event.repo.org().to_string(), event.repo.name.clone());
        let presubmits = self.presubmits(&org, &repo);
        if presubmits.is_empty() {
            return Ok(Handled::note("the repository has no presubmits"));
        }
        let settings = self.settings(&org, &repo);
        let mut handled = Handled::default();
        match event.action.as_str() {
            "opened" => {
                if self
                    .trusted_user(&settings, &pr.user.login, &org, &repo)
                    .await?
                {
                    if pr.draft {
                        self.comment_once(&org, &repo, pr.number, DRAFT_COMMENT, DRAFT_COMMENT)
                            .await?;
                        return Ok(Handled::note("draft PR: CI skipped"));
                    }
                    handled.created = self
                        .run_all(pr, &presubmits, &org, &repo, trigger_id)
                        .await?;
                } else {
                    self.welcome(&settings, event).await?;
                    handled.note = "untrusted author: asked for /ok-to-test".into();
                }
            }
            "reopened" | "ready_for_review" => {
                handled.created = self
                    .run_all_if_trusted(&settings, event, &presubmits, trigger_id)
                    .await?;
            }
            "edited" => {
                let base_changed = event.changes.as_ref().is_some_and(|c| {
                    c["base"]["ref"]["from"]
                        .as_str()
                        .is_some_and(|s| !s.is_empty())
                        || c["base"]["sha"]["from"]
                            .as_str()
                            .is_some_and(|s| !s.is_empty())
                });
                if base_changed {
                    handled.created = self
                        .run_all_if_trusted(&settings, event, &presubmits, trigger_id)
                        .await?;
                }
            }
            "synchronize" => {
                handled.aborted = self
                    .abort_running(&org, &repo, pr.number, trigger_id)
                    .await?;
                handled.created = self
                    .run_all_if_trusted(&settings, event, &presubmits, trigger_id)
                    .await?;
            }
            "labeled" => {
                let label = event.label.as_ref().map(|l| l.name.as_str());
                if label == Some(LGTM_LABEL) {
                    let (trusted, _) = self
                        .trusted_pull_request(&settings, &pr.user.login, &org, &repo, pr.number)
                        .await?;
                    if !trusted {
                        handled.created = self
                            .run_all(pr, &presubmits, &org, &repo, trigger_id)
                            .await?;
                    }
                } else if label == Some(OK_TO_TEST_LABEL) {
                    let bot = self
                        .github()?
                        .bot_user()
                        .await
                        .map_err(TriggerError::github("reading the bot user"))?;
                    if !event.sender.login.eq_ignore_ascii_case(&bot.login) {
                        handled.created = self
                            .run_all(pr, &presubmits, &org, &repo, trigger_id)
                            .await?;
                    }
                }
            }
            "closed" | "converted_to_draft" => {
                handled.aborted = self
                    .abort_running(&org, &repo, pr.number, trigger_id)
                    .await?;
            }
            _ => {}
        }
        Ok(handled)
    }

    async fn welcome(
        &self,
        settings: &TriggerSettings,
        event: &PullRequestEvent,
    ) -> Result<(), TriggerError> {
        let pr = &event.pull_request;
        let (org, repo) = (event.repo.org(), event.repo.name.as_str());
        let body = commands::welcome(
            &pr.user.login,
            org,
            &event.repo.full_name,
            &settings.trusted_org,
            &settings.join_org_url,
            settings.ignore_ok_to_test,
        );
        if !settings.ignore_ok_to_test {
            let labels = self.labels(org, repo, pr.number).await?;
            if !labels.iter().any(|l| l == OK_TO_TEST_LABEL)
                && !labels.iter().any(|l| l == NEEDS_OK_TO_TEST_LABEL)
            {
                self.github()?
                    .add_label(
                        &RepoRef::new(org, repo),
                        IssueNumber(pr.number),
                        NEEDS_OK_TO_TEST_LABEL,
                    )
                    .await
                    .map_err(TriggerError::github("adding needs-ok-to-test"))?;
            }
        }
        let marker = format!("Hi @{}. Thanks for your PR.", pr.user.login);
        self.comment_once(org, repo, pr.number, &body, &marker)
            .await
    }

    /// A new comment on a pull request (upstream `handleGenericComment`).
    pub(crate) async fn comment(
        &self,
        comment: &GenericCommentEvent,
        trigger_id: &str,
    ) -> Result<Handled, TriggerError> {
        if comment.action != GenericCommentAction::Created
            || !comment.is_pr
            || comment.issue_state != "open"
        {
            return Ok(Handled::note("not a new comment on an open PR"));
        }
        let (org, repo) = (comment.repo.org().to_string(), comment.repo.name.clone());
        let github = self.github()?;
        let bot = github
            .bot_user()
            .await
            .map_err(TriggerError::github("reading the bot user"))?;
        if comment.user.login.eq_ignore_ascii_case(&bot.login) {
            return Ok(Handled::note("the bot's own comment"));
        }
        let presubmits = self.presubmits(&org, &repo);
        let text = commands::drop_code_blocks(&comment.body);
        if !commands::concerns_trigger(&text, &presubmits) {
            return Ok(Handled::note("no trigger command"));
        }
        let settings = self.settings(&org, &repo);
        let number = comment.number;
        let reply = |response: &str| {
            commands::reply(
                &comment.body,
                &comment.html_url,
                &comment.user.login,
                response,
            )
        };
        let marker = format!("In response to [this]({})", comment.html_url);
        let commenter_trusted = self
            .trusted_user(&settings, &comment.user.login, &org, &repo)
            .await?;
        let mut labels = None;
        if !commenter_trusted {
            let (trusted, found) = self
                .trusted_pull_request(&settings, &comment.issue_author.login, &org, &repo, number)
                .await?;
            if !trusted {
                let response = if settings.ignore_ok_to_test {
                    commands::UNTRUSTED_IGNORING_OK_TO_TEST
                } else {
                    commands::UNTRUSTED_COMMENT
                };
                self.comment_once(&org, &repo, number, &reply(response), &marker)
                    .await?;
                return Ok(Handled::note("untrusted commenter on an untrusted PR"));
            }
            labels = Some(found);
        }
        let labels = match labels.filter(|l| !l.is_empty()) {
            Some(labels) => labels,
            None => self.labels(&org, &repo, number).await?,
        };
        let has = |name: &str| labels.iter().any(|l| l == name);
        let honor_ok_to_test = !settings.ignore_ok_to_test;
        let ok_to_test = honor_ok_to_test && commands::OK_TO_TEST.is_match(&text);
        if ok_to_test && !has(OK_TO_TEST_LABEL) {
            github
                .add_label(
                    &RepoRef::new(&org, &repo),
                    IssueNumber(number),
                    OK_TO_TEST_LABEL,
                )
                .await
                .map_err(TriggerError::github("adding ok-to-test"))?;
        }
        if (ok_to_test || has(OK_TO_TEST_LABEL)) && has(NEEDS_OK_TO_TEST_LABEL) {
            github
                .remove_label(
                    &RepoRef::new(&org, &repo),
                    IssueNumber(number),
                    NEEDS_OK_TO_TEST_LABEL,
                )
                .await
                .map_err(TriggerError::github("removing needs-ok-to-test"))?;
        }
        if honor_ok_to_test && commands::OK_TO_TEST_CANCEL.is_match(&text) {
            if !commenter_trusted {
                self.comment_once(
                    &org,
                    &repo,
                    number,
                    &reply(commands::ONLY_TRUSTED_CAN_REVOKE),
                    &marker,
                )
                .await?;
                return Ok(Handled::note(
                    "an untrusted user tried to revoke /ok-to-test",
                ));
            }
            if has(OK_TO_TEST_LABEL) {
                github
                    .remove_label(
                        &RepoRef::new(&org, &repo),
                        IssueNumber(number),
                        OK_TO_TEST_LABEL,
                    )
                    .await
                    .map_err(TriggerError::github("removing ok-to-test"))?;
            }
            if !has(NEEDS_OK_TO_TEST_LABEL) {
                github
                    .add_label(
                        &RepoRef::new(&org, &repo),
                        IssueNumber(number),
                        NEEDS_OK_TO_TEST_LABEL,
                    )
                    .await
                    .map_err(TriggerError::github("adding needs-ok-to-test"))?;
            }
            return Ok(Handled::note("/ok-to-test revoked"));
        }
        let pr = github
            .pull_request(&RepoRef::new(&org, &repo), IssueNumber(number))
            .await
            .map_err(TriggerError::github("reading the PR"))?;
        let contexts = if filter::needs_contexts(&text) {
            let combined = github
                .combined_status(&RepoRef::new(&org, &repo), &pr.head.sha)
                .await
                .map_err(TriggerError::github("reading the PR's statuses"))?;
            let mut contexts = Contexts::default();
            for status in combined.statuses {
                if status.state == "failure" || status.state == "error" {
                    contexts.failed.insert(status.context.clone());
                }
                contexts.all.insert(status.context);
            }
            contexts
        } else {
            Contexts::default()
        };
        let filters = filter::for_comment(&text, honor_ok_to_test, &contexts);
        let changes = self
            .changes(&filters, &presubmits, &pr, &org, &repo)
            .await?;
        let selected = filter::select(&filters, &presubmits, &pr.base.git_ref, changes.as_deref())
            .map_err(|_| TriggerError::ChangesNeeded)?;
        if let Some(note) = commands::help_needed(&text, selected.len()) {
            let all_changes = match changes {
                Some(changes) => Some(changes),
                None => {
                    self.changes(&[Filter::TestAll], &presubmits, &pr, &org, &repo)
                        .await?
                }
            };
            let (test_all, optional, required) =
                filter::available(&presubmits, &pr.base.git_ref, all_changes.as_deref())
                    .map_err(|_| TriggerError::ChangesNeeded)?;
            let help = commands::help_message(
                &org,
                &repo,
                &pr.base.git_ref,
                note,
                &test_all,
                &optional,
                &required,
            );
            self.comment_once(&org, &repo, number, &reply(&help), &marker)
                .await?;
            return Ok(Handled::note("answered with the available jobs"));
        }
        let mut extra_labels = StringMap::new();
        if commands::RETEST.is_match(&text) || commands::RETEST_REQUIRED.is_match(&text) {
            extra_labels.insert(labels::RETEST.into(), "true".into());
        }
        if commands::prunes_help(&text) {
            self.prune_help(&org, &repo, number).await?;
        }
        let created = self
            .run_presubmits(&pr, &selected, trigger_id, &extra_labels)
            .await?;
        Ok(Handled {
            created,
            ..Handled::default()
        })
    }

    /// Deletes trigger's earlier help replies on the PR.
    async fn prune_help(&self, org: &str, repo: &str, number: u64) -> Result<(), TriggerError> {
        let github = self.github()?;
        let bot = github
            .bot_user()
            .await
            .map_err(TriggerError::github("reading the bot user"))?;
        let comments = github
            .list_issue_comments(&RepoRef::new(org, repo), IssueNumber(number))
            .await
            .map_err(TriggerError::github("listing comments"))?;
        for comment in comments.iter().filter(|c| {
            c.user.login.eq_ignore_ascii_case(&bot.login) && commands::is_help_comment(&c.body)
        }) {
            github
                .delete_comment(&RepoRef::new(org, repo), comment.id)
                .await
                .map_err(TriggerError::github("deleting a help comment"))?;
        }
        Ok(())
    }

    /// A push: the postsubmits it starts (upstream `handlePE`).
    pub(crate) async fn push(
        &self,
        push: &PushEvent,
        trigger_id: &str,
    ) -> Result<Handled, TriggerError> {
        let (org, repo) = (push.repo.org().to_string(), push.repo.name.clone());
        let config = self.0.config.current();
        let Some(postsubmits) = config.jobs.postsubmits.get(&format!("{org}/{repo}")) else {
            return Ok(Handled::note("the repository has no postsubmits"));
        };
        let selected = prow_trigger::postsubmits_for_push(push, postsubmits);
        let refs = prow_api::Refs {
            org: org.clone(),
            repo: repo.clone(),
            repo_link: push.repo.html_url.clone(),
            base_ref: push.branch().to_string(),
            base_sha: push.after.clone(),
            base_link: push.compare.clone(),
            ..prow_api::Refs::default()
        };
        let now = self.0.clock.now();
        let prowjobs = selected
            .into_iter()
            .map(|job| jobs::postsubmit(job, refs.clone(), trigger_id, now))
            .collect();
        Ok(Handled {
            created: self.create(prowjobs).await?,
            ..Handled::default()
        })
    }
}
