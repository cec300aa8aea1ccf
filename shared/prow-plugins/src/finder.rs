//! Gathering facts: each [`Fact`] a plan asked for, read through the ports (GitHub's reads go
//! through the client's ETag cache, so a repeated read is a conditional request), all of one
//! round at once.

use crate::runner::Ports;
use crate::{Fact, Facts, Known};
use futures_util::future::join_all;
use prow_ports::Failure;
use prow_ports::github::GitHubError;
use prow_ports::images::ImageError;
use prow_ports::store::StoreError;

/// A fact that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error("reading {fact:?} from GitHub: {source}")]
    GitHub {
        fact: Box<Fact>,
        #[source]
        source: GitHubError,
    },
    #[error("reading {fact:?} from the job store: {source}")]
    Store {
        fact: Box<Fact>,
        #[source]
        source: StoreError,
    },
    #[error(transparent)]
    Images(#[from] ImageError),
    #[error("reading {fact:?}: {source}")]
    ConfigMaps {
        fact: Box<Fact>,
        #[source]
        source: prow_ports::config_maps::ConfigMapError,
    },
    /// The plugin needs a port this process does not have (no job store, no picture source).
    #[error("{0:?} cannot be known here: {1}")]
    Unavailable(Box<Fact>, &'static str),
}

impl Failure for GatherError {
    fn kind(&self) -> &'static str {
        match self {
            GatherError::GitHub { source, .. } => source.kind(),
            GatherError::Store { source, .. } => source.kind(),
            GatherError::Images(error) => error.kind(),
            GatherError::ConfigMaps { source, .. } => source.kind(),
            GatherError::Unavailable(..) => "port_unavailable",
        }
    }

    fn retryable(&self) -> bool {
        match self {
            GatherError::GitHub { source, .. } => source.retryable(),
            GatherError::Store { source, .. } => source.retryable(),
            GatherError::Images(error) => error.retryable(),
            GatherError::ConfigMaps { source, .. } => source.retryable(),
            GatherError::Unavailable(..) => false,
        }
    }
}

/// Reads every fact in `needed` and records the answers in `facts`.
pub async fn gather(
    needed: impl IntoIterator<Item = Fact>,
    facts: &mut Facts,
    ports: &Ports<'_>,
) -> Result<(), GatherError> {
    let reads = needed.into_iter().map(|fact| async move {
        let known = read(&fact, ports).await;
        (fact, known)
    });
    for (fact, known) in join_all(reads).await {
        facts.insert(fact, known?);
    }
    Ok(())
}

async fn read(fact: &Fact, ports: &Ports<'_>) -> Result<Known, GatherError> {
    let needs_github = !matches!(
        fact,
        Fact::PullJobs(_) | Fact::CatImage { .. } | Fact::RunningConfig
    );
    let github = match ports.github {
        Some(github) => github,
        None if needs_github => {
            return Err(GatherError::Unavailable(
                Box::new(fact.clone()),
                "no GitHub credentials are configured",
            ));
        }
        None => return read_elsewhere(fact, ports).await,
    };
    let failed = |source: GitHubError| GatherError::GitHub {
        fact: Box::new(fact.clone()),
        source,
    };
    Ok(match fact {
        Fact::BotLogin => Known::Text(github.bot_user().await.map_err(failed)?.login),
        Fact::OrgMember { org, login } => {
            Known::Bool(github.is_member(org, login).await.map_err(failed)?)
        }
        Fact::Collaborator { repo, login } => {
            Known::Bool(github.is_collaborator(repo, login).await.map_err(failed)?)
        }
        Fact::Permission { repo, login } => {
            Known::Permission(github.permission(repo, login).await.map_err(failed)?)
        }
        Fact::Assignable { repo, login } => {
            Known::Bool(github.can_be_assigned(repo, login).await.map_err(failed)?)
        }
        Fact::TeamMembers { org, team } => match github.team_members(org, team).await {
            Ok(members) => Known::Logins(members.into_iter().map(|m| m.login).collect()),
            // A team that does not exist has no members.
            Err(error) if error.is_not_found() => Known::Logins(Vec::new()),
            Err(error) => return Err(failed(error)),
        },
        Fact::Labels(issue) => Known::Labels(
            github
                .issue_labels(&issue.repo, issue.number)
                .await
                .map_err(failed)?,
        ),
        Fact::RepoLabels(repo) => Known::Labels(github.repo_labels(repo).await.map_err(failed)?),
        Fact::Comments(issue) => Known::Comments(
            github
                .list_issue_comments(&issue.repo, issue.number)
                .await
                .map_err(failed)?,
        ),
        Fact::Issue(issue) => Known::Issue(Box::new(
            github
                .issue(&issue.repo, issue.number)
                .await
                .map_err(failed)?,
        )),
        Fact::PullRequest(issue) => Known::PullRequest(Box::new(
            github
                .pull_request(&issue.repo, issue.number)
                .await
                .map_err(failed)?,
        )),
        Fact::ChangedFiles(issue) => Known::Changes(
            github
                .pull_request_changes(&issue.repo, issue.number)
                .await
                .map_err(failed)?,
        ),
        Fact::Reviews(issue) => Known::Reviews(
            github
                .reviews(&issue.repo, issue.number)
                .await
                .map_err(failed)?,
        ),
        Fact::File {
            repo,
            git_ref,
            path,
        } => match github.file(repo, path, git_ref).await {
            Ok(bytes) => Known::File(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(error) if error.is_not_found() => Known::File(None),
            Err(error) => return Err(failed(error)),
        },
        Fact::Milestones(repo) => Known::Milestones(github.milestones(repo).await.map_err(failed)?),
        Fact::ConfigFiles { repo, sha } => {
            Known::Files(github.config_files(repo, sha).await.map_err(failed)?)
        }
        Fact::CombinedStatus { repo, git_ref } => Known::Statuses(
            github
                .combined_status(repo, git_ref)
                .await
                .map_err(failed)?,
        ),
        Fact::CheckRuns { repo, git_ref } => Known::CheckRuns(
            github
                .check_runs(repo, git_ref, None)
                .await
                .map_err(failed)?,
        ),
        Fact::CommitTree { repo, sha } => {
            Known::Sha(github.commit_tree(repo, sha).await.map_err(failed)?)
        }
        Fact::GraphQl {
            org,
            query,
            variables,
        } => {
            let variables = serde_json::from_str(variables).unwrap_or_default();
            Known::Json(
                github
                    .graphql(org, query, variables)
                    .await
                    .map_err(failed)?,
            )
        }
        Fact::PullJobs(_) | Fact::CatImage { .. } | Fact::RunningConfig => {
            read_elsewhere(fact, ports).await?
        }
        // For the OWNERS-based plugins.
        Fact::Collaborators(repo) => Known::Logins(
            github
                .collaborators(repo)
                .await
                .map_err(failed)?
                .into_iter()
                .map(|u| u.login)
                .collect(),
        ),
        Fact::ReviewComments(pull) => Known::Comments(
            github
                .review_comments(&pull.repo, pull.number)
                .await
                .map_err(failed)?,
        ),
        Fact::IssueEvents(issue) => Known::IssueEvents(
            github
                .issue_events(&issue.repo, issue.number)
                .await
                .map_err(failed)?,
        ),
        Fact::Teams { org } => Known::Teams(github.teams(org).await.map_err(failed)?),
        Fact::BranchHead { repo, branch } => {
            Known::Sha(github.branch_head(repo, branch).await.map_err(failed)?)
        }
        Fact::RequiredContexts { repo, branch } => {
            match github.required_contexts(repo, branch).await {
                Ok(contexts) => Known::Contexts(contexts),
                // Upstream: a branch that is not protected requires nothing.
                Err(error) if error.is_not_found() => Known::Contexts(Vec::new()),
                Err(error) => return Err(failed(error)),
            }
        }
    })
}

/// The facts that come from ports other than GitHub.
async fn read_elsewhere(fact: &Fact, ports: &Ports<'_>) -> Result<Known, GatherError> {
    Ok(match fact {
        Fact::PullJobs(issue) => {
            let store = ports.jobs.ok_or_else(|| {
                GatherError::Unavailable(Box::new(fact.clone()), "no job store is configured")
            })?;
            let selector = format!(
                "{}={},{}={},{}={}",
                prow_api::labels::ORG,
                prow_api::labels::sanitize_value(&issue.repo.org),
                prow_api::labels::REPO,
                prow_api::labels::sanitize_value(&issue.repo.name),
                prow_api::labels::PULL,
                issue.number
            );
            Known::Jobs(
                store
                    .list(&selector)
                    .await
                    .map_err(|source| GatherError::Store {
                        fact: Box::new(fact.clone()),
                        source,
                    })?,
            )
        }
        Fact::CatImage { grumpy } => {
            // No picture is an answer too (empty): the cat plugin then says upstream's "appears
            // to be down". Upstream tries three times before it gives up.
            let Some(images) = ports.images else {
                return Ok(Known::Text(String::new()));
            };
            let query = if *grumpy { "grumpy" } else { "cat" };
            let mut url = String::new();
            for _ in 0..3 {
                match images.random(query).await {
                    Ok(found) if !found.is_empty() => {
                        url = found;
                        break;
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(error = %error, "no picture"),
                }
            }
            Known::Text(url)
        }
        Fact::RunningConfig => {
            let config_maps = ports.config_maps.ok_or_else(|| {
                GatherError::Unavailable(
                    Box::new(fact.clone()),
                    "no ConfigMap writer is configured",
                )
            })?;
            let running =
                config_maps
                    .running_config()
                    .await
                    .map_err(|source| GatherError::ConfigMaps {
                        fact: Box::new(fact.clone()),
                        source,
                    })?;
            Known::RunningConfig(Box::new(running))
        }
        other => {
            return Err(GatherError::Unavailable(
                Box::new(other.clone()),
                "not a fact of the job store or the picture source",
            ));
        }
    })
}
