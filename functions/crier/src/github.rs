//! The GitHub reporter: the job's commit status (or check run), then, for presubmits, the failure
//! comment on its pull request, edited under a per-PR lock so two jobs of one PR finishing together
//! do not both write a comment.

use crate::ReportError;
use prow_api::{ProwJob, ProwJobType, labels};
use prow_config::Config;
use prow_crier::github::{self as decide, CommentWrite};
use prow_ports::github::{ApiProblem, GitHubClient, GitHubError};
use prow_ports::store::JobStore;
use prow_runtime::locks::KeyedLocks;
use prow_runtime::store_failure::StoreFailure;
use std::str::FromStr;
use std::sync::Arc;

/// How results show on GitHub.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportAs {
    /// Commit statuses, as upstream (tide reads them).
    #[default]
    Statuses,
    /// Check runs (a GitHub App is needed to create them).
    CheckRuns,
    Both,
}

#[derive(Debug, thiserror::Error)]
#[error("--github-report-as {0:?}: expected statuses, check-runs or both")]
pub struct UnknownReportAs(String);

impl FromStr for ReportAs {
    type Err = UnknownReportAs;
    fn from_str(text: &str) -> Result<ReportAs, UnknownReportAs> {
        match text {
            "statuses" => Ok(ReportAs::Statuses),
            "check-runs" => Ok(ReportAs::CheckRuns),
            "both" => Ok(ReportAs::Both),
            other => Err(UnknownReportAs(other.to_string())),
        }
    }
}

pub struct GitHubReporter {
    client: Arc<dyn GitHubClient>,
    report_as: ReportAs,
    pulls: KeyedLocks,
}

/// Errors upstream treats as done: the status can never be set, so retrying is pointless.
fn status_error_is_final(error: &GitHubError) -> bool {
    matches!(
        error.problem(),
        ApiProblem::StatusLimitReached | ApiProblem::CommitNotFound
    ) || error.is_not_found()
}

impl GitHubReporter {
    pub fn new(client: Arc<dyn GitHubClient>, report_as: ReportAs) -> GitHubReporter {
        GitHubReporter {
            client,
            report_as,
            pulls: KeyedLocks::default(),
        }
    }

    /// Reports `job`'s state. `resuming`: a report of this state was begun before and may have
    /// reached GitHub (crier died before recording it), so the commit's status is read first and
    /// not set again when GitHub already shows it.
    pub async fn report(
        &self,
        job: &ProwJob,
        config: &Config,
        store: &dyn JobStore,
        resuming: bool,
    ) -> Result<(), ReportError> {
        if self.report_as != ReportAs::CheckRuns
            && let Some(status) = decide::commit_status(job)
            && !(resuming && self.shows(&status).await?)
        {
            let sent = self
                .client
                .create_status(&status.repo, &status.sha, &status.status)
                .await;
            match sent {
                Err(error) if status_error_is_final(&error) => {
                    tracing::info!(prowjob = job.name(), %error, "the status cannot be set; not retrying");
                }
                other => other.map_err(ReportError::github("setting the status"))?,
            }
        }
        if self.report_as != ReportAs::Statuses {
            self.report_check_run(job).await?;
        }
        if job.spec.job_type == ProwJobType::Presubmit {
            self.report_comment(job, config, store).await?;
        }
        Ok(())
    }

    /// Whether the commit's status for the context already is `status` (same state and
    /// description).
    async fn shows(&self, status: &decide::CommitStatus) -> Result<bool, ReportError> {
        let combined = self
            .client
            .combined_status(&status.repo, status.sha.as_str())
            .await
            .map_err(ReportError::github("reading the commit's status"))?;
        Ok(combined.statuses.iter().any(|shown| {
            shown.context == status.status.context
                && shown.state == status.status.state
                && shown.description == status.status.description
        }))
    }

    /// Updates the job's check run (same name, `external_id` = the ProwJob), or creates it.
    async fn report_check_run(&self, job: &ProwJob) -> Result<(), ReportError> {
        let Some((repo, run)) = decide::check_run(job) else {
            return Ok(());
        };
        let existing = self
            .client
            .check_runs(&repo, &run.head_sha, Some(&run.name))
            .await
            .map_err(ReportError::github("listing check runs"))?;
        match existing.iter().find(|r| r.external_id == run.external_id) {
            Some(found) => self
                .client
                .update_check_run(&repo, found.id, &run)
                .await
                .map_err(ReportError::github("updating the check run")),
            None => self
                .client
                .create_check_run(&repo, &run)
                .await
                .map(drop)
                .map_err(ReportError::github("creating the check run")),
        }
    }

    async fn report_comment(
        &self,
        job: &ProwJob,
        config: &Config,
        store: &dyn JobStore,
    ) -> Result<(), ReportError> {
        let settings = &config.prow.github_reporter;
        let Some(pull) = decide::comment_pull(job) else {
            return Ok(());
        };
        if decide::comments_disabled(job, settings) {
            return Ok(());
        }
        let key = format!("{}#{}", pull.repo, pull.number);
        let _locked = self.pulls.lock(&key).await;
        let must_create = decide::summary_comment(job, settings);
        let jobs = if must_create {
            let selector = format!(
                "{}={},{}={},{}={}",
                labels::ORG,
                prow_api::labels::sanitize_value(&pull.repo.org),
                labels::REPO,
                prow_api::labels::sanitize_value(&pull.repo.name),
                labels::PULL,
                pull.number
            );
            let of_pull = store
                .list(&selector)
                .await
                .map_err(StoreFailure::doing("listing the PR's jobs"))?;
            match decide::summary_jobs(&of_pull) {
                Some(jobs) => jobs,
                None => return Ok(()),
            }
        } else {
            vec![job.clone()]
        };
        let to_report: Vec<&ProwJob> = jobs
            .iter()
            .filter(|j| decide::reports(j, settings, None) && j.complete())
            .collect();
        if to_report.is_empty() {
            return Ok(());
        }
        let comments = self
            .client
            .list_issue_comments(&pull.repo, pull.number)
            .await
            .map_err(ReportError::github("listing comments"))?;
        let bot = self
            .client
            .bot_user()
            .await
            .map_err(ReportError::github("asking who the bot is"))?
            .login;
        let is_bot = |login: &str| {
            login == bot
                || login.strip_suffix("[bot]") == Some(bot.as_str())
                || bot.strip_suffix("[bot]") == Some(login)
        };
        let footer = match decide::render_footer(&config.prow.plank, to_report[0]) {
            Ok(footer) => footer,
            Err(error) => {
                tracing::warn!(prowjob = job.name(), %error, "the report template failed; commenting without it");
                None
            }
        };
        let changes = decide::comment_changes(
            &to_report,
            &pull,
            &is_bot,
            &comments,
            must_create,
            footer.as_deref(),
        );
        for id in changes.delete {
            match self.client.delete_comment(&pull.repo, id).await {
                Err(error) if error.is_not_found() => {}
                other => other.map_err(ReportError::github("deleting an old report"))?,
            }
        }
        match changes.write {
            Some(CommentWrite::Create(body)) => self
                .client
                .create_comment(&pull.repo, pull.number, &body)
                .await
                .map(drop)
                .map_err(ReportError::github("creating the report comment")),
            Some(CommentWrite::Edit { id, body }) => self
                .client
                .edit_comment(&pull.repo, id, &body)
                .await
                .map_err(ReportError::github("editing the report comment")),
            None => Ok(()),
        }
    }
}
