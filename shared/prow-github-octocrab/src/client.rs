//! The port's methods, each one endpoint of [`crate::endpoints`].

use crate::OctocrabGitHub;
use crate::auth::Credentials;
use crate::endpoints::{self as ep, Endpoint};
use crate::segment;
use crate::transport::decode;
use prow_github::events::{Comment, Issue, Label, PullRequest, Review, User};
use prow_ports::github::{
    CheckRun, CombinedStatus, GitHubClient, GitHubError, GitHubFuture, IssueEdit, IssueNumber,
    MergeDetails, Milestone, NewCheckRun, Permission, PullRequestChange, RepoRef, Sha, Status,
};
use prow_ports::github::{IssueEvent, NewReview, Team};
use serde::de::DeserializeOwned;

/// A request body as JSON.
pub(crate) fn json<T: serde::Serialize>(
    route: &str,
    value: &T,
) -> Result<serde_json::Value, GitHubError> {
    serde_json::to_value(value).map_err(|e| GitHubError::Decode {
        path: route.to_string(),
        reason: e.to_string(),
    })
}

impl OctocrabGitHub {
    pub(crate) fn repo_path(endpoint: &Endpoint, repo: &RepoRef, values: &[&str]) -> String {
        let mut all = vec![repo.org.as_str(), repo.name.as_str()];
        all.extend_from_slice(values);
        endpoint.path(&all)
    }

    /// A change on a repository's endpoint whose answer is not needed.
    pub(crate) fn change<'a>(
        &'a self,
        endpoint: &'static Endpoint,
        repo: &'a RepoRef,
        values: Vec<String>,
        body: Option<serde_json::Value>,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let path = Self::repo_path(endpoint, repo, &values);
            self.write(endpoint, &path, &repo.org, body).await.map(drop)
        })
    }

    /// A read of one object on a repository's endpoint.
    pub(crate) fn read_one<'a, T: DeserializeOwned + Send + 'a>(
        &'a self,
        endpoint: &'static Endpoint,
        repo: &'a RepoRef,
        values: Vec<String>,
    ) -> GitHubFuture<'a, T> {
        Box::pin(async move {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let path = Self::repo_path(endpoint, repo, &values);
            self.get(endpoint, &path, &repo.org).await
        })
    }

    /// Every item of a list on a repository's endpoint.
    pub(crate) fn read_all<'a, T: DeserializeOwned + Send + 'a>(
        &'a self,
        endpoint: &'static Endpoint,
        repo: &'a RepoRef,
        values: Vec<String>,
    ) -> GitHubFuture<'a, Vec<T>> {
        Box::pin(async move {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            let path = Self::repo_path(endpoint, repo, &values);
            self.list(endpoint, &path, &repo.org).await
        })
    }
}

impl GitHubClient for OctocrabGitHub {
    fn config_files<'a>(
        &'a self,
        repo: &'a RepoRef,
        sha: &'a Sha,
    ) -> GitHubFuture<'a, Vec<(String, String)>> {
        Box::pin(self.read_config_files(repo, sha))
    }

    fn searches_span_orgs(&self) -> bool {
        matches!(self.inner.credentials, Credentials::Token(_))
    }

    fn bot_user(&self) -> GitHubFuture<'_, User> {
        Box::pin(async move {
            let caller = match &self.inner.credentials {
                Credentials::Token(token) => crate::cache::Caller::token(token),
                // An app acts as `<slug>[bot]`.
                Credentials::App(app) => {
                    let jwt = self.app_authorization(app)?;
                    let url = format!("{}{}", self.inner.endpoint, ep::APP.route);
                    let (body, _) = self.read_url(&ep::APP, &url, &jwt).await?;
                    let slug: serde_json::Value = decode(ep::APP.route, &body)?;
                    let login = format!("{}[bot]", slug["slug"].as_str().unwrap_or_default());
                    return Ok(User {
                        login,
                        kind: "Bot".into(),
                        ..User::default()
                    });
                }
            };
            self.inner
                .bot
                .get_or_try_init(|| async {
                    let url = format!("{}{}", self.inner.endpoint, ep::USER.route);
                    let (body, _) = self.read_url(&ep::USER, &url, &caller).await?;
                    decode::<User>(ep::USER.route, &body)
                })
                .await
                .cloned()
        })
    }

    fn create_comment<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        body: &'a str,
    ) -> GitHubFuture<'a, Comment> {
        Box::pin(async move {
            let endpoint = &ep::CREATE_COMMENT;
            let path = Self::repo_path(endpoint, repo, &[&number.to_string()]);
            let sent = self
                .write(
                    endpoint,
                    &path,
                    &repo.org,
                    Some(serde_json::json!({"body": body})),
                )
                .await?;
            match sent {
                Some(answer) => decode(endpoint.route, &answer),
                None => Ok(Comment {
                    body: body.to_string(),
                    ..Comment::default()
                }),
            }
        })
    }

    fn edit_comment<'a>(
        &'a self,
        repo: &'a RepoRef,
        id: u64,
        body: &'a str,
    ) -> GitHubFuture<'a, ()> {
        let body = serde_json::json!({"body": body});
        self.change(&ep::EDIT_COMMENT, repo, vec![id.to_string()], Some(body))
    }

    fn delete_comment<'a>(&'a self, repo: &'a RepoRef, id: u64) -> GitHubFuture<'a, ()> {
        self.change(&ep::DELETE_COMMENT, repo, vec![id.to_string()], None)
    }

    fn list_issue_comments<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<Comment>> {
        self.read_all(&ep::LIST_COMMENTS, repo, vec![number.to_string()])
    }

    fn issue_labels<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<Label>> {
        self.read_all(&ep::ISSUE_LABELS, repo, vec![number.to_string()])
    }

    fn repo_labels<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, Vec<Label>> {
        self.read_all(&ep::REPO_LABELS, repo, vec![])
    }

    fn add_label<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        label: &'a str,
    ) -> GitHubFuture<'a, ()> {
        let body = serde_json::json!({"labels": [label]});
        self.change(&ep::ADD_LABELS, repo, vec![number.to_string()], Some(body))
    }

    fn remove_label<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        label: &'a str,
    ) -> GitHubFuture<'a, ()> {
        let values = vec![number.to_string(), segment(label)];
        self.change(&ep::REMOVE_LABEL, repo, values, None)
    }

    fn assign<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        logins: &'a [String],
    ) -> GitHubFuture<'a, Vec<String>> {
        Box::pin(async move {
            let number = number.to_string();
            let path = Self::repo_path(&ep::ADD_ASSIGNEES, repo, &[number.as_str()]);
            let body = serde_json::json!({"assignees": logins});
            let Some(answer) = self
                .write(&ep::ADD_ASSIGNEES, &path, &repo.org, Some(body))
                .await?
            else {
                return Ok(Vec::new()); // a dry run assigns everyone it would have asked for
            };
            let issue: Issue = decode(ep::ADD_ASSIGNEES.route, &answer)?;
            Ok(not_assigned(logins, &issue.assignees))
        })
    }

    fn can_be_assigned<'a>(&'a self, repo: &'a RepoRef, login: &'a str) -> GitHubFuture<'a, bool> {
        Box::pin(async move {
            let path = Self::repo_path(&ep::ASSIGNEE, repo, &[login]);
            self.exists(&ep::ASSIGNEE, &path, &repo.org).await
        })
    }

    fn unassign<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        logins: &'a [String],
    ) -> GitHubFuture<'a, ()> {
        let body = serde_json::json!({"assignees": logins});
        self.change(
            &ep::REMOVE_ASSIGNEES,
            repo,
            vec![number.to_string()],
            Some(body),
        )
    }

    fn unrequest_review<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        logins: &'a [String],
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let (body, _other_orgs) = reviewers_body(logins, &repo.org);
            if body.is_empty() {
                return Ok(());
            }
            self.change(
                &ep::UNREQUEST_REVIEWERS,
                repo,
                vec![number.to_string()],
                Some(body.into_json()),
            )
            .await
        })
    }

    fn issue<'a>(&'a self, repo: &'a RepoRef, number: IssueNumber) -> GitHubFuture<'a, Issue> {
        self.read_one(&ep::GET_ISSUE, repo, vec![number.to_string()])
    }

    fn edit_issue<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        edit: &'a IssueEdit,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let body = json(ep::EDIT_ISSUE.route, edit)?;
            self.change(&ep::EDIT_ISSUE, repo, vec![number.to_string()], Some(body))
                .await
        })
    }

    fn milestones<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, Vec<Milestone>> {
        Box::pin(async move {
            let path = format!("{}?state=all", Self::repo_path(&ep::MILESTONES, repo, &[]));
            self.list(&ep::MILESTONES, &path, &repo.org).await
        })
    }

    fn reviews<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<Review>> {
        self.read_all(&ep::REVIEWS, repo, vec![number.to_string()])
    }

    fn commit_tree<'a>(&'a self, repo: &'a RepoRef, sha: &'a Sha) -> GitHubFuture<'a, Sha> {
        Box::pin(async move {
            #[derive(serde::Deserialize)]
            struct Tree {
                sha: String,
            }
            #[derive(serde::Deserialize)]
            struct GitCommit {
                tree: Tree,
            }
            let commit: GitCommit = self
                .read_one(&ep::GIT_COMMIT, repo, vec![sha.to_string()])
                .await?;
            Ok(Sha::new(commit.tree.sha))
        })
    }

    fn request_review<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        logins: &'a [String],
    ) -> GitHubFuture<'a, Vec<String>> {
        Box::pin(async move {
            let (body, mut refused) = reviewers_body(logins, &repo.org);
            if body.is_empty() {
                return Ok(refused);
            }
            let values = vec![number.to_string()];
            let asked = body.logins();
            match self
                .change(
                    &ep::REQUEST_REVIEWERS,
                    repo,
                    values.clone(),
                    Some(body.into_json()),
                )
                .await
            {
                Ok(()) => return Ok(refused),
                Err(error) if error.status() == Some(422) && asked.len() > 1 => {}
                Err(error) if error.status() == Some(422) => {
                    refused.extend(asked);
                    return Ok(refused);
                }
                Err(error) => return Err(error),
            }
            // GitHub refuses the whole request for one login it will not ask; as upstream, each
            // is asked alone to learn which.
            for login in asked {
                let (alone, _) = reviewers_body(std::slice::from_ref(&login), &repo.org);
                match self
                    .change(
                        &ep::REQUEST_REVIEWERS,
                        repo,
                        values.clone(),
                        Some(alone.into_json()),
                    )
                    .await
                {
                    Ok(()) => {}
                    Err(error) if error.status() == Some(422) => refused.push(login),
                    Err(error) => return Err(error),
                }
            }
            Ok(refused)
        })
    }

    fn create_status<'a>(
        &'a self,
        repo: &'a RepoRef,
        sha: &'a Sha,
        status: &'a Status,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let body = json(ep::CREATE_STATUS.route, status)?;
            self.change(&ep::CREATE_STATUS, repo, vec![sha.to_string()], Some(body))
                .await
        })
    }

    fn combined_status<'a>(
        &'a self,
        repo: &'a RepoRef,
        git_ref: &'a str,
    ) -> GitHubFuture<'a, CombinedStatus> {
        self.read_one(&ep::COMBINED_STATUS, repo, vec![git_ref.to_string()])
    }

    fn create_check_run<'a>(
        &'a self,
        repo: &'a RepoRef,
        run: &'a NewCheckRun,
    ) -> GitHubFuture<'a, u64> {
        Box::pin(async move {
            let endpoint = &ep::CREATE_CHECK_RUN;
            let body = json(endpoint.route, run)?;
            let path = Self::repo_path(endpoint, repo, &[]);
            match self.write(endpoint, &path, &repo.org, Some(body)).await? {
                Some(answer) => {
                    let created: serde_json::Value = decode(endpoint.route, &answer)?;
                    Ok(created["id"].as_u64().unwrap_or_default())
                }
                None => Ok(0),
            }
        })
    }

    fn check_runs<'a>(
        &'a self,
        repo: &'a RepoRef,
        git_ref: &'a str,
        name: Option<&'a str>,
    ) -> GitHubFuture<'a, Vec<CheckRun>> {
        Box::pin(async move {
            #[derive(serde::Deserialize)]
            struct CheckRuns {
                check_runs: Vec<CheckRun>,
            }
            let mut path = Self::repo_path(&ep::LIST_CHECK_RUNS, repo, &[git_ref]);
            path.push_str("?per_page=100");
            if let Some(name) = name {
                path.push_str("&check_name=");
                path.push_str(&segment(name));
            }
            let runs: CheckRuns = self.get(&ep::LIST_CHECK_RUNS, &path, &repo.org).await?;
            Ok(runs.check_runs)
        })
    }

    fn update_check_run<'a>(
        &'a self,
        repo: &'a RepoRef,
        id: u64,
        run: &'a NewCheckRun,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let mut body = json(ep::UPDATE_CHECK_RUN.route, run)?;
            // The commit of a check run cannot change.
            if let Some(fields) = body.as_object_mut() {
                fields.remove("head_sha");
            }
            self.change(
                &ep::UPDATE_CHECK_RUN,
                repo,
                vec![id.to_string()],
                Some(body),
            )
            .await
        })
    }

    fn pull_request<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, PullRequest> {
        self.read_one(&ep::PULL_REQUEST, repo, vec![number.to_string()])
    }

    fn pull_request_changes<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<PullRequestChange>> {
        self.read_all(&ep::PULL_REQUEST_FILES, repo, vec![number.to_string()])
    }

    fn merge<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        details: &'a MergeDetails,
    ) -> GitHubFuture<'a, Option<Sha>> {
        Box::pin(async move {
            #[derive(serde::Deserialize)]
            struct Merged {
                sha: String,
            }
            let body = json(ep::MERGE.route, details)?;
            let number = number.to_string();
            let path = Self::repo_path(&ep::MERGE, repo, &[number.as_str()]);
            let Some(answer) = self.write(&ep::MERGE, &path, &repo.org, Some(body)).await? else {
                return Ok(None);
            };
            let merged: Merged = decode(ep::MERGE.route, &answer)?;
            Ok(Some(Sha::new(merged.sha)))
        })
    }

    fn is_member<'a>(&'a self, org: &'a str, login: &'a str) -> GitHubFuture<'a, bool> {
        Box::pin(async move {
            let path = ep::ORG_MEMBER.path(&[org, login]);
            self.exists(&ep::ORG_MEMBER, &path, org).await
        })
    }

    fn is_collaborator<'a>(&'a self, repo: &'a RepoRef, login: &'a str) -> GitHubFuture<'a, bool> {
        Box::pin(async move {
            let path = Self::repo_path(&ep::COLLABORATOR, repo, &[login]);
            self.exists(&ep::COLLABORATOR, &path, &repo.org).await
        })
    }

    fn permission<'a>(&'a self, repo: &'a RepoRef, login: &'a str) -> GitHubFuture<'a, Permission> {
        Box::pin(async move {
            let answer: serde_json::Value = self
                .read_one(&ep::PERMISSION, repo, vec![login.to_string()])
                .await?;
            Ok(Permission::from_github(
                answer["permission"].as_str().unwrap_or_default(),
            ))
        })
    }

    fn team_members<'a>(&'a self, org: &'a str, team_slug: &'a str) -> GitHubFuture<'a, Vec<User>> {
        Box::pin(async move {
            let path = ep::TEAM_MEMBERS.path(&[org, team_slug]);
            self.list(&ep::TEAM_MEMBERS, &path, org).await
        })
    }

    fn file<'a>(
        &'a self,
        repo: &'a RepoRef,
        path: &'a str,
        git_ref: &'a str,
    ) -> GitHubFuture<'a, Vec<u8>> {
        Box::pin(async move {
            use base64::Engine;
            let route = format!(
                "{}?ref={}",
                Self::repo_path(&ep::CONTENTS, repo, &[path]),
                segment(git_ref)
            );
            let answer: serde_json::Value = self.get(&ep::CONTENTS, &route, &repo.org).await?;
            let encoded: String = answer["content"]
                .as_str()
                .unwrap_or_default()
                .split_whitespace()
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| GitHubError::Decode {
                    path: route,
                    reason: e.to_string(),
                })
        })
    }

    fn graphql<'a>(
        &'a self,
        org: &'a str,
        query: &'a str,
        variables: serde_json::Value,
    ) -> GitHubFuture<'a, serde_json::Value> {
        Box::pin(async move {
            let endpoint = &ep::GRAPHQL;
            let body = serde_json::json!({"query": query, "variables": variables});
            let Some(answer) = self.post_read(endpoint, endpoint.route, org, &body).await? else {
                return Ok(serde_json::Value::Null);
            };
            let mut reply: serde_json::Value = decode(endpoint.route, &answer)?;
            if let Some(errors) = reply.get("errors").filter(|e| !e.is_null()) {
                return Err(GitHubError::Api {
                    method: "POST".into(),
                    path: endpoint.route.into(),
                    status: 200,
                    message: errors.to_string(),
                    problem: Default::default(),
                });
            }
            if let Some(cost) = reply["data"]["rateLimit"]["cost"].as_u64() {
                let labels = crate::ledger::ComponentLabels {
                    component: self.inner.component.clone(),
                };
                self.inner
                    .ledger
                    .graphql_points
                    .get_or_create(&labels)
                    .inc_by(cost);
            }
            Ok(reply["data"].take())
        })
    }

    // For the OWNERS-based plugins.
    fn collaborators<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, Vec<User>> {
        self.read_all(&ep::COLLABORATORS, repo, vec![])
    }

    fn review_comments<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<Comment>> {
        self.read_all(&ep::REVIEW_COMMENTS, repo, vec![number.to_string()])
    }

    fn issue_events<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<IssueEvent>> {
        self.read_all(&ep::ISSUE_EVENTS, repo, vec![number.to_string()])
    }

    fn teams<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, Vec<Team>> {
        Box::pin(async move {
            let path = ep::TEAMS.path(&[org]);
            self.list(&ep::TEAMS, &path, org).await
        })
    }

    fn branch_head<'a>(&'a self, repo: &'a RepoRef, branch: &'a str) -> GitHubFuture<'a, Sha> {
        Box::pin(async move {
            let answer: serde_json::Value = self
                .read_one(&ep::BRANCH_REF, repo, vec![segment(branch)])
                .await?;
            Ok(Sha::new(
                answer["object"]["sha"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ))
        })
    }

    fn required_contexts<'a>(
        &'a self,
        repo: &'a RepoRef,
        branch: &'a str,
    ) -> GitHubFuture<'a, Vec<String>> {
        Box::pin(async move {
            let answer: serde_json::Value = self
                .read_one(&ep::REQUIRED_STATUS_CHECKS, repo, vec![segment(branch)])
                .await?;
            Ok(answer["contexts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect())
        })
    }

    fn create_review<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        review: &'a NewReview,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let body = json(ep::CREATE_REVIEW.route, review)?;
            self.change(
                &ep::CREATE_REVIEW,
                repo,
                vec![number.to_string()],
                Some(body),
            )
            .await
        })
    }
}

/// The logins of `asked` that are not among `assignees` (GitHub logins compare without case).
fn not_assigned(asked: &[String], assignees: &[User]) -> Vec<String> {
    asked
        .iter()
        .filter(|login| {
            !assignees
                .iter()
                .any(|a| a.login.eq_ignore_ascii_case(login))
        })
        .cloned()
        .collect()
}

/// A review request's body: users as `reviewers`, `org/slug` as `team_reviewers`.
#[derive(Default)]
struct ReviewersBody {
    reviewers: Vec<String>,
    /// `(org/slug as asked, slug)`.
    teams: Vec<(String, String)>,
}

impl ReviewersBody {
    fn is_empty(&self) -> bool {
        self.reviewers.is_empty() && self.teams.is_empty()
    }

    /// The logins as they were asked for.
    fn logins(&self) -> Vec<String> {
        let teams = self.teams.iter().map(|(asked, _)| asked.clone());
        self.reviewers.iter().cloned().chain(teams).collect()
    }

    fn into_json(self) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        if !self.reviewers.is_empty() {
            body.insert("reviewers".into(), self.reviewers.into());
        }
        if !self.teams.is_empty() {
            let slugs: Vec<String> = self.teams.into_iter().map(|(_, slug)| slug).collect();
            body.insert("team_reviewers".into(), slugs.into());
        }
        serde_json::Value::Object(body)
    }
}

/// Splits `logins` into the body of a review request and the teams of other orgs than `org`,
/// which GitHub cannot be asked for (upstream `prepareReviewersBody`).
fn reviewers_body(logins: &[String], org: &str) -> (ReviewersBody, Vec<String>) {
    let mut body = ReviewersBody::default();
    let mut other_orgs = Vec::new();
    for login in logins {
        match login.split_once('/') {
            None => body.reviewers.push(login.clone()),
            Some((team_org, slug)) if team_org.eq_ignore_ascii_case(org) => {
                body.teams.push((login.clone(), slug.to_string()));
            }
            Some(_) => other_orgs.push(login.clone()),
        }
    }
    (body, other_orgs)
}
