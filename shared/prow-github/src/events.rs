//! GitHub webhook payloads for the events Prow handles, typed as far as Prow reads them. Unknown
//! fields are ignored and unknown events are kept by name ([`Event::Other`]), so GitHub adding
//! fields or event types never breaks intake. Fields GitHub sends as `null` read as empty.

use crate::vocabulary::{
    CommentAction, IssueAction, IssueState, PullRequestAction, ReviewAction, ReviewState,
};
use serde::{Deserialize, Deserializer, Serialize};

/// `null` reads as the type's default (GitHub sends `"body": null` for an empty PR description).
pub fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    #[serde(default, deserialize_with = "nullable")]
    pub login: String,
    #[serde(default)]
    pub id: u64,
    /// `User`, `Bot` or `Organization`.
    #[serde(default, rename = "type", deserialize_with = "nullable")]
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
    #[serde(default, deserialize_with = "nullable")]
    pub html_url: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repo {
    #[serde(default)]
    pub id: u64,
    pub owner: User,
    pub name: String,
    pub full_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub html_url: String,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub fork: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub default_branch: String,
}

impl Repo {
    /// The organization (or user) that owns the repository.
    pub fn org(&self) -> &str {
        self.full_name
            .split_once('/')
            .map_or(self.owner.login.as_str(), |(org, _)| org)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub color: String,
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
}

/// One side of a pull request: the head being proposed or the base it merges into.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestBranch {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub sha: String,
    #[serde(default, deserialize_with = "nullable")]
    pub label: String,
    /// `None` when the fork was deleted.
    #[serde(default)]
    pub repo: Option<Repo>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    #[serde(default)]
    pub id: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub node_id: String,
    pub number: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub html_url: String,
    pub user: User,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: Vec<Label>,
    #[serde(default, deserialize_with = "nullable")]
    pub title: String,
    #[serde(default, deserialize_with = "nullable")]
    pub body: String,
    #[serde(default)]
    pub state: IssueState,
    pub head: PullRequestBranch,
    pub base: PullRequestBranch,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub merged: bool,
    #[serde(default)]
    pub mergeable: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub merge_commit_sha: String,
    #[serde(default, deserialize_with = "nullable")]
    pub assignees: Vec<User>,
    #[serde(default, deserialize_with = "nullable")]
    pub requested_reviewers: Vec<User>,
    #[serde(default, deserialize_with = "nullable")]
    pub author_association: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    #[serde(default)]
    pub id: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub node_id: String,
    pub number: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub title: String,
    #[serde(default, deserialize_with = "nullable")]
    pub body: String,
    pub user: User,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: Vec<Label>,
    #[serde(default, deserialize_with = "nullable")]
    pub assignees: Vec<User>,
    #[serde(default)]
    pub state: IssueState,
    #[serde(default, deserialize_with = "nullable")]
    pub html_url: String,
    #[serde(default)]
    pub locked: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub author_association: String,
    /// Present (with links) when the issue is a pull request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<serde_json::Value>,
}

impl Issue {
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }
}

/// A comment on an issue or pull request conversation, or on a line of a pull request's diff.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub node_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub body: String,
    pub user: User,
    #[serde(default, deserialize_with = "nullable")]
    pub html_url: String,
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    #[serde(default, deserialize_with = "nullable")]
    pub updated_at: String,
    #[serde(default, deserialize_with = "nullable")]
    pub author_association: String,
    /// Review comments only: the file and commit they are on.
    #[serde(default, deserialize_with = "nullable")]
    pub path: String,
    #[serde(default, deserialize_with = "nullable")]
    pub commit_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub node_id: String,
    pub user: User,
    #[serde(default, deserialize_with = "nullable")]
    pub body: String,
    /// `approved`, `changes_requested`, `commented`, `dismissed` (lower case in webhooks).
    #[serde(default)]
    pub state: ReviewState,
    #[serde(default, deserialize_with = "nullable")]
    pub html_url: String,
    #[serde(default, deserialize_with = "nullable")]
    pub submitted_at: String,
    #[serde(default, deserialize_with = "nullable")]
    pub commit_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub author_association: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestEvent {
    pub action: PullRequestAction,
    pub number: u64,
    pub pull_request: PullRequest,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
    /// `labeled` / `unlabeled`: the label.
    #[serde(default)]
    pub label: Option<Label>,
    /// `edited`: what changed (for example `base.ref.from`).
    #[serde(default)]
    pub changes: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueEvent {
    pub action: IssueAction,
    pub issue: Issue,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
    #[serde(default)]
    pub label: Option<Label>,
    #[serde(default)]
    pub assignee: Option<User>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueCommentEvent {
    pub action: CommentAction,
    pub issue: Issue,
    pub comment: Comment,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEvent {
    pub action: ReviewAction,
    pub pull_request: PullRequest,
    pub review: Review,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCommentEvent {
    pub action: CommentAction,
    pub pull_request: PullRequest,
    pub comment: Comment,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitAuthor {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
    #[serde(default, deserialize_with = "nullable")]
    pub username: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushCommit {
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub message: String,
    #[serde(default, deserialize_with = "nullable")]
    pub added: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub removed: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub modified: Vec<String>,
    #[serde(default)]
    pub author: Option<CommitAuthor>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushEvent {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub before: String,
    pub after: String,
    #[serde(default)]
    pub created: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub forced: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub compare: String,
    #[serde(default, deserialize_with = "nullable")]
    pub commits: Vec<PushCommit>,
    #[serde(default)]
    pub head_commit: Option<PushCommit>,
    #[serde(default)]
    pub pusher: CommitAuthor,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
}

impl PushEvent {
    /// The branch or tag name without `refs/heads/` or `refs/tags/`.
    pub fn branch(&self) -> &str {
        self.git_ref
            .strip_prefix("refs/heads/")
            .or_else(|| self.git_ref.strip_prefix("refs/tags/"))
            .unwrap_or(&self.git_ref)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub sha: String,
    pub state: String,
    #[serde(default, deserialize_with = "nullable")]
    pub description: String,
    #[serde(default, deserialize_with = "nullable")]
    pub target_url: String,
    pub context: String,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
}

/// The pull requests a check run or suite belongs to (number and head/base SHAs only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckPullRequest {
    pub number: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSuite {
    pub id: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub head_branch: String,
    pub head_sha: String,
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    #[serde(default, deserialize_with = "nullable")]
    pub conclusion: String,
    #[serde(default, deserialize_with = "nullable")]
    pub pull_requests: Vec<CheckPullRequest>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRun {
    pub id: u64,
    pub name: String,
    pub head_sha: String,
    #[serde(default, deserialize_with = "nullable")]
    pub status: String,
    #[serde(default, deserialize_with = "nullable")]
    pub conclusion: String,
    #[serde(default, deserialize_with = "nullable")]
    pub external_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub details_url: String,
    #[serde(default, deserialize_with = "nullable")]
    pub html_url: String,
    #[serde(default)]
    pub check_suite: Option<CheckSuite>,
    #[serde(default, deserialize_with = "nullable")]
    pub pull_requests: Vec<CheckPullRequest>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRunEvent {
    pub action: String,
    pub check_run: CheckRun,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSuiteEvent {
    pub action: String,
    pub check_suite: CheckSuite,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
}

/// `create` and `delete`: a branch or tag appeared or went away.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefEvent {
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// `branch` or `tag`.
    pub ref_type: String,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingEvent {
    #[serde(default, deserialize_with = "nullable")]
    pub zen: String,
    #[serde(default)]
    pub hook_id: u64,
    #[serde(default, rename = "repository")]
    pub repo: Option<Repo>,
    #[serde(default)]
    pub organization: Option<User>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installation {
    pub id: u64,
    #[serde(default)]
    pub account: Option<User>,
    #[serde(default)]
    pub app_id: u64,
}

/// A repository as listed in installation events (no owner object).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationRepo {
    #[serde(default)]
    pub id: u64,
    pub name: String,
    pub full_name: String,
    #[serde(default)]
    pub private: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationEvent {
    pub action: String,
    pub installation: Installation,
    #[serde(default, deserialize_with = "nullable")]
    pub repositories: Vec<InstallationRepo>,
    pub sender: User,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallationRepositoriesEvent {
    pub action: String,
    pub installation: Installation,
    #[serde(default, deserialize_with = "nullable")]
    pub repositories_added: Vec<InstallationRepo>,
    #[serde(default, deserialize_with = "nullable")]
    pub repositories_removed: Vec<InstallationRepo>,
    pub sender: User,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelEvent {
    pub action: String,
    pub label: Label,
    #[serde(rename = "repository")]
    pub repo: Repo,
    pub sender: User,
}
