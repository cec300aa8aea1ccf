//! The GitHub client port: what plugins, trigger, crier and tide ask of GitHub. Adapters
//! implement it (octocrab over HTTP in `prow-github-octocrab`); tests use the GitHub stand-in
//! through the same adapter. Methods take `org`, `repo` and numbers as GitHub names them.

use crate::events::{Comment, Label, PullRequest, User};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

pub type GitHubFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, GitHubError>> + Send + 'a>>;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    /// GitHub answered with an error status; `message` is its `message` field.
    #[error("GitHub answered {status} for {method} {path}: {message}")]
    Api {
        method: String,
        path: String,
        status: u16,
        message: String,
    },
    /// The rate limit is spent until `reset` (Unix seconds).
    #[error("GitHub's rate limit is exhausted until {reset} (Unix time) for {path}")]
    RateLimited { path: String, reset: u64 },
    #[error("GitHub could not be reached for {path}: {reason}")]
    Transport { path: String, reason: String },
    #[error("GitHub's answer for {path} could not be read: {reason}")]
    Decode { path: String, reason: String },
    #[error("GitHub authentication failed: {0}")]
    Auth(String),
}

impl GitHubError {
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

/// A commit status to set (upstream `github.Status`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    #[serde(default, deserialize_with = "crate::events::nullable")]
    pub target_url: String,
    #[serde(default, deserialize_with = "crate::events::nullable")]
    pub description: String,
    pub context: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct CombinedStatus {
    pub sha: String,
    pub state: String,
    #[serde(default)]
    pub statuses: Vec<Status>,
}

/// A file a pull request changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PullRequestChange {
    pub filename: String,
    /// `added`, `removed`, `modified`, `renamed`, ...
    pub status: String,
    #[serde(default)]
    pub additions: u64,
    #[serde(default)]
    pub deletions: u64,
    #[serde(default)]
    pub changes: u64,
    #[serde(default)]
    pub patch: String,
    #[serde(default)]
    pub previous_filename: String,
}

/// A check run to create (the optional reporter).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewCheckRun {
    pub name: String,
    pub head_sha: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub details_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<CheckRunOutput>,
}

/// A check run as GitHub lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct CheckRun {
    pub id: u64,
    pub name: String,
    #[serde(default, deserialize_with = "crate::events::nullable")]
    pub head_sha: String,
    #[serde(default, deserialize_with = "crate::events::nullable")]
    pub status: String,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default, deserialize_with = "crate::events::nullable")]
    pub external_id: String,
    #[serde(default, deserialize_with = "crate::events::nullable")]
    pub details_url: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckRunOutput {
    pub title: String,
    pub summary: String,
}

/// How tide merges (upstream `github.PullRequestMergeType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MergeMethod {
    #[default]
    Merge,
    Squash,
    Rebase,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MergeDetails {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub commit_title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub commit_message: String,
    /// The head SHA the merge is for; GitHub refuses (409) when the head moved.
    #[serde(rename = "sha", skip_serializing_if = "String::is_empty")]
    pub head_sha: String,
    pub merge_method: MergeMethod,
}

/// A repository permission level, most to least.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    None,
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl Permission {
    pub fn from_github(name: &str) -> Permission {
        match name {
            "admin" => Permission::Admin,
            "maintain" => Permission::Maintain,
            "write" | "push" => Permission::Write,
            "triage" => Permission::Triage,
            "read" | "pull" => Permission::Read,
            _ => Permission::None,
        }
    }
}

/// Everything Prow's components ask of GitHub.
pub trait GitHubClient: Send + Sync {
    /// The account the client acts as (the bot).
    fn bot_user(&self) -> GitHubFuture<'_, User>;

    // Comments
    fn create_comment<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        body: &'a str,
    ) -> GitHubFuture<'a, Comment>;
    fn edit_comment<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        id: u64,
        body: &'a str,
    ) -> GitHubFuture<'a, ()>;
    fn delete_comment<'a>(&'a self, org: &'a str, repo: &'a str, id: u64) -> GitHubFuture<'a, ()>;
    fn list_issue_comments<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
    ) -> GitHubFuture<'a, Vec<Comment>>;

    // Labels, assignees, reviewers
    fn issue_labels<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
    ) -> GitHubFuture<'a, Vec<Label>>;
    fn repo_labels<'a>(&'a self, org: &'a str, repo: &'a str) -> GitHubFuture<'a, Vec<Label>>;
    fn add_label<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        label: &'a str,
    ) -> GitHubFuture<'a, ()>;
    fn remove_label<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        label: &'a str,
    ) -> GitHubFuture<'a, ()>;
    fn assign<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        logins: &'a [String],
    ) -> GitHubFuture<'a, ()>;
    fn request_review<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        logins: &'a [String],
    ) -> GitHubFuture<'a, ()>;

    // Statuses and checks
    fn create_status<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        sha: &'a str,
        status: &'a Status,
    ) -> GitHubFuture<'a, ()>;
    fn combined_status<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        git_ref: &'a str,
    ) -> GitHubFuture<'a, CombinedStatus>;
    fn create_check_run<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        run: &'a NewCheckRun,
    ) -> GitHubFuture<'a, u64>;
    /// Check runs on a commit (the first 100), optionally only those named `name`.
    fn check_runs<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        git_ref: &'a str,
        name: Option<&'a str>,
    ) -> GitHubFuture<'a, Vec<CheckRun>>;
    fn update_check_run<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        id: u64,
        run: &'a NewCheckRun,
    ) -> GitHubFuture<'a, ()>;

    // Pull requests
    fn pull_request<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
    ) -> GitHubFuture<'a, PullRequest>;
    fn pull_request_changes<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
    ) -> GitHubFuture<'a, Vec<PullRequestChange>>;
    fn merge<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        details: &'a MergeDetails,
    ) -> GitHubFuture<'a, ()>;

    // People
    fn is_member<'a>(&'a self, org: &'a str, login: &'a str) -> GitHubFuture<'a, bool>;
    fn is_collaborator<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        login: &'a str,
    ) -> GitHubFuture<'a, bool>;
    fn permission<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        login: &'a str,
    ) -> GitHubFuture<'a, Permission>;
    fn team_members<'a>(&'a self, org: &'a str, team_slug: &'a str) -> GitHubFuture<'a, Vec<User>>;

    // Content and search
    fn file<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        path: &'a str,
        git_ref: &'a str,
    ) -> GitHubFuture<'a, Vec<u8>>;
    /// A GraphQL query; returns the response's `data`, or an error for its `errors`.
    fn graphql<'a>(
        &'a self,
        org: &'a str,
        query: &'a str,
        variables: serde_json::Value,
    ) -> GitHubFuture<'a, serde_json::Value>;
}
