//! Performing a plan's actions through the ports, in order. A comment the bot already made is not
//! made again ([`Dedupe`]), a label already gone is fine to remove, and a job that exists already
//! is fine to create, so applying the plan of a redelivered event changes nothing twice.

use crate::runner::Ports;
use crate::{Action, Dedupe, Facts, IssueRef, RefusalReply};
use prow_api::ProwJobState;
use prow_github::events::Comment;
use prow_github::vocabulary::IssueState;
use prow_ports::Failure;
use prow_ports::github::{GitHubClient, GitHubError, IssueEdit};
use prow_ports::store::StoreError;

/// What applying did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The kinds of the actions performed, in order.
    pub performed: Vec<&'static str>,
    /// Comments not posted because the bot had said the same already.
    pub deduplicated: usize,
    /// ProwJobs created now.
    pub created: Vec<String>,
    /// ProwJobs marked aborted now.
    pub aborted: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{action} on GitHub: {source}")]
    GitHub {
        action: &'static str,
        #[source]
        source: GitHubError,
    },
    #[error("{action} in the job store: {source}")]
    Store {
        action: &'static str,
        #[source]
        source: StoreError,
    },
    #[error("{0}: no job store is configured")]
    NoJobStore(&'static str),
    #[error("{action}: {source}")]
    ConfigMap {
        action: &'static str,
        #[source]
        source: prow_ports::config_maps::ConfigMapError,
    },
    #[error("{0}: no ConfigMap writer is configured")]
    NoConfigMaps(&'static str),
    #[error("{0}: no GitHub credentials are configured")]
    NoGitHub(&'static str),
}

impl Failure for ApplyError {
    fn kind(&self) -> &'static str {
        match self {
            ApplyError::GitHub { source, .. } => source.kind(),
            ApplyError::Store { source, .. } => source.kind(),
            ApplyError::ConfigMap { source, .. } => source.kind(),
            ApplyError::NoJobStore(_) | ApplyError::NoGitHub(_) | ApplyError::NoConfigMaps(_) => {
                "port_unavailable"
            }
        }
    }

    fn retryable(&self) -> bool {
        match self {
            ApplyError::GitHub { source, .. } => source.retryable(),
            ApplyError::Store { source, .. } => source.retryable(),
            ApplyError::ConfigMap { source, .. } => source.retryable(),
            ApplyError::NoJobStore(_) | ApplyError::NoGitHub(_) | ApplyError::NoConfigMaps(_) => {
                false
            }
        }
    }
}

/// Performs `actions` in order; stops at the first that fails (what was done stays done, and a
/// redelivery does the rest).
pub async fn apply(
    actions: &[Action],
    facts: &Facts,
    ports: &Ports<'_>,
) -> Result<Applied, ApplyError> {
    let mut applied = Applied::default();
    for action in actions {
        let kind = action.kind();
        if apply_to_jobs(action, ports, &mut applied).await? {
            applied.performed.push(kind);
            continue;
        }
        let github = ports.github.ok_or(ApplyError::NoGitHub(kind))?;
        let failed = |source: GitHubError| ApplyError::GitHub {
            action: kind,
            source,
        };
        match action {
            Action::Comment { on, body, dedupe } => {
                if said_already(on, body, dedupe, facts, github)
                    .await
                    .map_err(failed)?
                {
                    applied.deduplicated += 1;
                    continue;
                }
                github
                    .create_comment(&on.repo, on.number, body)
                    .await
                    .map_err(failed)?;
            }
            Action::EditComment { repo, id, body } => {
                github.edit_comment(repo, *id, body).await.map_err(failed)?;
            }
            Action::DeleteComment { repo, id } => match github.delete_comment(repo, *id).await {
                Err(error) if !error.is_not_found() => return Err(failed(error)),
                _ => {}
            },
            Action::AddLabel { on, label } => {
                github
                    .add_label(&on.repo, on.number, label)
                    .await
                    .map_err(failed)?;
            }
            Action::RemoveLabel { on, label } => {
                match github.remove_label(&on.repo, on.number, label).await {
                    // Already gone: what the plan wanted.
                    Err(error) if !error.is_not_found() => return Err(failed(error)),
                    _ => {}
                }
            }
            Action::Assign {
                on,
                logins,
                refused,
            } => {
                let left_out = github
                    .assign(&on.repo, on.number, logins)
                    .await
                    .map_err(failed)?;
                reply_to_refusal(on, &left_out, refused.as_ref(), facts, github, &mut applied)
                    .await
                    .map_err(failed)?;
            }
            Action::Unassign { on, logins } => {
                github
                    .unassign(&on.repo, on.number, logins)
                    .await
                    .map_err(failed)?;
            }
            Action::RequestReview {
                on,
                logins,
                refused,
            } => {
                let left_out = github
                    .request_review(&on.repo, on.number, logins)
                    .await
                    .map_err(failed)?;
                reply_to_refusal(on, &left_out, refused.as_ref(), facts, github, &mut applied)
                    .await
                    .map_err(failed)?;
            }
            Action::UnrequestReview { on, logins } => {
                github
                    .unrequest_review(&on.repo, on.number, logins)
                    .await
                    .map_err(failed)?;
            }
            Action::Close { on, .. }
            | Action::Reopen { on }
            | Action::EditTitle { on, .. }
            | Action::SetMilestone { on, .. }
            | Action::EditBody { on, .. } => {
                github
                    .edit_issue(&on.repo, on.number, &issue_edit(action))
                    .await
                    .map_err(failed)?;
            }
            Action::SetStatus { repo, sha, status } => {
                github
                    .create_status(repo, sha, status)
                    .await
                    .map_err(failed)?;
            }
            // Done by `apply_to_jobs`.
            Action::CreateJobs(_) | Action::AbortJobs { .. } | Action::UpdateConfigMap { .. } => {}
            Action::CreateReview { on, review } => {
                github
                    .create_review(&on.repo, on.number, review)
                    .await
                    .map_err(failed)?;
            }
        }
        applied.performed.push(kind);
    }
    Ok(applied)
}

/// The edit of its issue or pull request an editing action makes (close, reopen, title,
/// milestone, body); other actions edit nothing.
fn issue_edit(action: &Action) -> IssueEdit {
    match action {
        Action::Close { reason, .. } => IssueEdit {
            state: Some(IssueState::Closed),
            state_reason: reason.clone(),
            ..IssueEdit::default()
        },
        Action::Reopen { .. } => IssueEdit {
            state: Some(IssueState::Open),
            ..IssueEdit::default()
        },
        Action::EditTitle { title, .. } => IssueEdit {
            title: Some(title.clone()),
            ..IssueEdit::default()
        },
        Action::SetMilestone { milestone, .. } => IssueEdit {
            milestone: Some(*milestone),
            ..IssueEdit::default()
        },
        Action::EditBody { body, .. } => IssueEdit {
            body: Some(body.clone()),
            ..IssueEdit::default()
        },
        _ => IssueEdit::default(),
    }
}

/// Performs `action` if it is one on the job store; whether it was.
async fn apply_to_jobs(
    action: &Action,
    ports: &Ports<'_>,
    applied: &mut Applied,
) -> Result<bool, ApplyError> {
    let kind = action.kind();
    match action {
        Action::CreateJobs(jobs) => {
            let store = ports.jobs.ok_or(ApplyError::NoJobStore(kind))?;
            for job in jobs {
                match store.create(job).await {
                    Ok(_) => {
                        tracing::info!(prowjob = job.name(), job = %job.spec.job, "ProwJob created");
                        applied.created.push(job.name().to_string());
                    }
                    Err(StoreError::AlreadyExists(_)) => {}
                    Err(source) => {
                        return Err(ApplyError::Store {
                            action: kind,
                            source,
                        });
                    }
                }
            }
        }
        Action::AbortJobs { names, description } => {
            let store = ports.jobs.ok_or(ApplyError::NoJobStore(kind))?;
            for name in names {
                let aborted = prow_ports::store::update_fresh(store, name, 8, |job| {
                    if job.complete() || job.status.state == Some(ProwJobState::Aborted) {
                        return false;
                    }
                    job.status.state = Some(ProwJobState::Aborted);
                    job.status.description = description.clone();
                    true
                })
                .await
                .map_err(|source| ApplyError::Store {
                    action: kind,
                    source,
                })?;
                if let Some(job) = aborted {
                    tracing::info!(prowjob = job.name(), job = %job.spec.job, "ProwJob aborted");
                    applied.aborted.push(job.name().to_string());
                }
            }
        }
        Action::UpdateConfigMap { target, update } => {
            let config_maps = ports.config_maps.ok_or(ApplyError::NoConfigMaps(kind))?;
            config_maps
                .update(target, update)
                .await
                .map_err(|source| ApplyError::ConfigMap {
                    action: kind,
                    source,
                })?;
            tracing::info!(configmap = %target, keys = update.set.len(), removed = update.remove.len(), "ConfigMap updated");
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Tells the people GitHub refused, when the action has a reply for it (once: a redelivery that
/// is refused the same finds the reply made).
async fn reply_to_refusal(
    on: &IssueRef,
    refused: &[String],
    reply: Option<&RefusalReply>,
    facts: &Facts,
    github: &dyn GitHubClient,
    applied: &mut Applied,
) -> Result<(), GitHubError> {
    if refused.is_empty() {
        return Ok(());
    }
    tracing::info!(issue = %on, refused = ?refused, "GitHub refused some of the people asked for");
    let Some(reply) = reply else {
        return Ok(());
    };
    let body = reply.render(refused);
    if said_already(on, &body, &Dedupe::SameText, facts, github).await? {
        applied.deduplicated += 1;
        return Ok(());
    }
    github.create_comment(&on.repo, on.number, &body).await?;
    applied.performed.push("comment");
    Ok(())
}

/// Whether the bot already said `body` (or `dedupe`'s marker) on the issue.
async fn said_already(
    on: &IssueRef,
    body: &str,
    dedupe: &Dedupe,
    facts: &Facts,
    github: &dyn GitHubClient,
) -> Result<bool, GitHubError> {
    if *dedupe == Dedupe::Never {
        return Ok(false);
    }
    let bot = match facts.bot_login() {
        Ok(bot) => bot.to_string(),
        Err(_) => github.bot_user().await?.login,
    };
    let fetched: Vec<Comment>;
    let comments: &[Comment] = match facts.comments(on) {
        Ok(comments) => comments,
        Err(_) => {
            fetched = github.list_issue_comments(&on.repo, on.number).await?;
            &fetched
        }
    };
    let mine = comments.iter().filter(|c| {
        c.user.login.eq_ignore_ascii_case(&bot) || c.user.login == format!("{bot}[bot]")
    });
    Ok(match dedupe {
        Dedupe::SameText => mine.into_iter().any(|c| c.body == body),
        Dedupe::Marker(marker) => mine.into_iter().any(|c| c.body.contains(marker.as_str())),
        Dedupe::Never => false,
    })
}
