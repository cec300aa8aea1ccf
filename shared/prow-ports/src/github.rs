//! The GitHub client port: what plugins, trigger, crier and tide ask of GitHub. Adapters
//! implement it (octocrab over HTTP in `prow-github-octocrab`); tests use the GitHub stand-in
//! through the same adapter. Repositories, numbers and SHAs are typed ([`RepoRef`],
//! [`IssueNumber`], [`Sha`]).

use crate::{Failure, PortFuture};
use prow_github::events::{Comment, Issue, Label, PullRequest, Review, User};
pub use prow_github::ids::{IssueNumber, RepoRef, Sha};
use prow_github::vocabulary::IssueState;
use serde::{Deserialize, Serialize};

pub type GitHubFuture<'a, T> = PortFuture<'a, T, GitHubError>;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    /// GitHub answered with an error status; `message` is its `message` field.
    #[error("GitHub answered {status} for {method} {path}: {message}")]
    Api {
        method: String,
        path: String,
        status: u16,
        message: String,
        /// What the answer means, where Prow acts on it (read by the adapter from GitHub's
        /// answer, so callers never match on its text).
        problem: ApiProblem,
    },
    /// The rate limit is spent until `reset` (Unix seconds).
    #[error("GitHub's rate limit is exhausted until {reset} (Unix time) for {path}")]
    RateLimited { path: String, reset: u64 },
    /// Not sent: the budget governor kept the call back for a higher priority's share of the
    /// rate limit, or for a secondary limit, until `until` (Unix seconds).
    #[error("GitHub call {path} deferred until {until} (Unix time): {reason}")]
    Deferred {
        path: String,
        until: u64,
        reason: String,
    },
    #[error("GitHub could not be reached for {path}: {reason}")]
    Transport { path: String, reason: String },
    #[error("GitHub's answer for {path} could not be read: {reason}")]
    Decode { path: String, reason: String },
    #[error("GitHub authentication failed: {0}")]
    Auth(String),
}

/// Answers Prow treats specially.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApiProblem {
    #[default]
    Other,
    /// The commit has as many statuses for the context as GitHub keeps (1,000).
    StatusLimitReached,
    /// The commit does not exist (any more).
    CommitNotFound,
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

    pub fn problem(&self) -> ApiProblem {
        match self {
            GitHubError::Api { problem, .. } => *problem,
            _ => ApiProblem::Other,
        }
    }
}

impl Failure for GitHubError {
    fn kind(&self) -> &'static str {
        match self {
            GitHubError::Api { status, .. } if *status >= 500 => "github_server_error",
            GitHubError::Api { status: 404, .. } => "github_not_found",
            GitHubError::Api { status: 403, .. } => "github_forbidden",
            GitHubError::Api { .. } => "github_refused",
            GitHubError::RateLimited { .. } => "github_rate_limited",
            GitHubError::Deferred { .. } => "github_deferred",
            GitHubError::Transport { .. } => "github_unreachable",
            GitHubError::Decode { .. } => "github_unreadable",
            GitHubError::Auth(_) => "github_auth",
        }
    }

    /// GitHub's 5xx and 429, a spent rate limit, the network, a 403 (a secondary rate limit
    /// looks like one) and a failed token exchange may pass; other answers will not.
    fn retryable(&self) -> bool {
        match self {
            GitHubError::Transport { .. }
            | GitHubError::RateLimited { .. }
            | GitHubError::Deferred { .. } => true,
            GitHubError::Api { status, .. } => *status >= 500 || *status == 429 || *status == 403,
            GitHubError::Auth(_) => true,
            GitHubError::Decode { .. } => false,
        }
    }
}

/// A commit status to set (upstream `github.Status`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    #[serde(default, deserialize_with = "prow_github::events::nullable")]
    pub target_url: String,
    #[serde(default, deserialize_with = "prow_github::events::nullable")]
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
    #[serde(default, deserialize_with = "prow_github::events::nullable")]
    pub head_sha: String,
    #[serde(default, deserialize_with = "prow_github::events::nullable")]
    pub status: String,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default, deserialize_with = "prow_github::events::nullable")]
    pub external_id: String,
    #[serde(default, deserialize_with = "prow_github::events::nullable")]
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

/// What to change on an issue or pull request; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IssueEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `open` or `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<IssueState>,
    /// `closed` issues say why: `completed` or `not_planned`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    /// `Some(None)` clears the milestone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<Option<u64>>,
    /// The description (release-note's `/release-note-edit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A repository's milestone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Milestone {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub state: IssueState,
}

/// A GitHub client that counts its calls against the event that caused them (the budget
/// ledger's `event` label).
pub trait EventGitHub: Send + Sync {
    fn for_event(&self, event: &str) -> std::sync::Arc<dyn GitHubClient>;
}

/// Everything Prow's components ask of GitHub.
pub trait GitHubClient: Send + Sync {
    /// The account the client acts as (the bot).
    fn bot_user(&self) -> GitHubFuture<'_, User>;

    // Comments
    fn create_comment<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        body: &'a str,
    ) -> GitHubFuture<'a, Comment>;
    fn edit_comment<'a>(
        &'a self,
        repo: &'a RepoRef,
        id: u64,
        body: &'a str,
    ) -> GitHubFuture<'a, ()>;
    fn delete_comment<'a>(&'a self, repo: &'a RepoRef, id: u64) -> GitHubFuture<'a, ()>;
    fn list_issue_comments<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<Comment>>;

    // Labels, assignees, reviewers
    fn issue_labels<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<Label>>;
    fn repo_labels<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, Vec<Label>>;
    fn add_label<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        label: &'a str,
    ) -> GitHubFuture<'a, ()>;
    fn remove_label<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        label: &'a str,
    ) -> GitHubFuture<'a, ()>;
    /// Assigns `logins`; the logins GitHub did not assign (it drops, without an error, anyone
    /// who cannot be assigned in the repository, and anyone past ten assignees).
    fn assign<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        logins: &'a [String],
    ) -> GitHubFuture<'a, Vec<String>>;
    /// Whether `login` can be assigned to issues of the repository.
    fn can_be_assigned<'a>(&'a self, repo: &'a RepoRef, login: &'a str) -> GitHubFuture<'a, bool>;
    fn unassign<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        logins: &'a [String],
    ) -> GitHubFuture<'a, ()>;
    fn unrequest_review<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        logins: &'a [String],
    ) -> GitHubFuture<'a, ()>;
    /// Requests reviews from `logins` (users, or teams as `org/team-slug` of the repository's
    /// org); the logins GitHub refused (not collaborators, the author, a team of another org).
    /// One refused login does not keep the others from being asked.
    fn request_review<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        logins: &'a [String],
    ) -> GitHubFuture<'a, Vec<String>>;

    // Issues
    fn issue<'a>(&'a self, repo: &'a RepoRef, number: IssueNumber) -> GitHubFuture<'a, Issue>;
    fn edit_issue<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        edit: &'a IssueEdit,
    ) -> GitHubFuture<'a, ()>;
    fn milestones<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, Vec<Milestone>>;

    // Statuses and checks
    fn create_status<'a>(
        &'a self,
        repo: &'a RepoRef,
        sha: &'a Sha,
        status: &'a Status,
    ) -> GitHubFuture<'a, ()>;
    fn combined_status<'a>(
        &'a self,
        repo: &'a RepoRef,
        git_ref: &'a str,
    ) -> GitHubFuture<'a, CombinedStatus>;
    fn create_check_run<'a>(
        &'a self,
        repo: &'a RepoRef,
        run: &'a NewCheckRun,
    ) -> GitHubFuture<'a, u64>;
    /// Check runs on a commit (the first 100), optionally only those named `name`.
    fn check_runs<'a>(
        &'a self,
        repo: &'a RepoRef,
        git_ref: &'a str,
        name: Option<&'a str>,
    ) -> GitHubFuture<'a, Vec<CheckRun>>;
    fn update_check_run<'a>(
        &'a self,
        repo: &'a RepoRef,
        id: u64,
        run: &'a NewCheckRun,
    ) -> GitHubFuture<'a, ()>;

    // Pull requests
    fn pull_request<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, PullRequest>;
    fn pull_request_changes<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<PullRequestChange>>;
    /// Every review of the pull request, oldest first.
    fn reviews<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<Review>>;
    /// The tree of commit `sha` (two commits with the same content have the same tree).
    fn commit_tree<'a>(&'a self, repo: &'a RepoRef, sha: &'a Sha) -> GitHubFuture<'a, Sha>;
    /// Merges the pull request; the commit the base branch now points at (`None` in a dry run).
    fn merge<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        details: &'a MergeDetails,
    ) -> GitHubFuture<'a, Option<Sha>>;

    // People
    fn is_member<'a>(&'a self, org: &'a str, login: &'a str) -> GitHubFuture<'a, bool>;
    fn is_collaborator<'a>(&'a self, repo: &'a RepoRef, login: &'a str) -> GitHubFuture<'a, bool>;
    fn permission<'a>(&'a self, repo: &'a RepoRef, login: &'a str) -> GitHubFuture<'a, Permission>;
    fn team_members<'a>(&'a self, org: &'a str, team_slug: &'a str) -> GitHubFuture<'a, Vec<User>>;

    // Content and search
    fn file<'a>(
        &'a self,
        repo: &'a RepoRef,
        path: &'a str,
        git_ref: &'a str,
    ) -> GitHubFuture<'a, Vec<u8>>;
    /// Whether one search may span several orgs: true where every org is read with the same
    /// credentials (a token), false where each org has its own (a GitHub App's installations),
    /// so tide searches once per query, or once per query and org, as upstream does.
    /// The in-repo configuration files at commit `sha` (the YAML files under `.prow/`, or
    /// `.prow.yaml` when there are none), each path with its text; none when it has neither. A
    /// commit never changes: adapters read each file once per commit and keep the answer where
    /// every instance finds it.
    fn config_files<'a>(
        &'a self,
        repo: &'a RepoRef,
        sha: &'a Sha,
    ) -> GitHubFuture<'a, Vec<(String, String)>>;

    fn searches_span_orgs(&self) -> bool {
        false
    }
    /// A GraphQL query; returns the response's `data`, or an error for its `errors`.
    fn graphql<'a>(
        &'a self,
        org: &'a str,
        query: &'a str,
        variables: serde_json::Value,
    ) -> GitHubFuture<'a, serde_json::Value>;

    // For the OWNERS-based plugins (lgtm, approve, blunderbuss, verify-owners, override).
    /// Everyone with access to the repository (upstream `ListCollaborators`, affiliation all).
    fn collaborators<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, Vec<User>>;
    /// The review comments (on lines of the diff) of a pull request.
    fn review_comments<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<Comment>>;
    /// The issue's events (labeled, assigned, ...), oldest first.
    fn issue_events<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
    ) -> GitHubFuture<'a, Vec<IssueEvent>>;
    /// The org's teams.
    fn teams<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, Vec<Team>>;
    /// The commit a branch points at.
    fn branch_head<'a>(&'a self, repo: &'a RepoRef, branch: &'a str) -> GitHubFuture<'a, Sha>;
    /// The status contexts branch protection requires on `branch`; not found when the branch
    /// is not protected.
    fn required_contexts<'a>(
        &'a self,
        repo: &'a RepoRef,
        branch: &'a str,
    ) -> GitHubFuture<'a, Vec<String>>;
    /// Submits a review of a pull request, with comments on lines of its diff.
    fn create_review<'a>(
        &'a self,
        repo: &'a RepoRef,
        number: IssueNumber,
        review: &'a NewReview,
    ) -> GitHubFuture<'a, ()>;
}

// Types of the OWNERS-based plugins' port methods.

/// An org's team (upstream `github.Team`): plugins configured by team name need its slug.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Team {
    #[serde(default)]
    pub id: u64,
    #[serde(default, deserialize_with = "prow_github::events::nullable")]
    pub name: String,
    pub slug: String,
}

/// One event of an issue (upstream `github.ListedIssueEvent`), as far as plugins read it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct IssueEvent {
    /// `labeled`, `unlabeled`, `assigned`, ...
    #[serde(default, deserialize_with = "prow_github::events::nullable")]
    pub event: String,
    /// Who caused it; `None` for a deleted account.
    #[serde(default)]
    pub actor: Option<User>,
    /// `labeled` and `unlabeled`: the label.
    #[serde(default)]
    pub label: Option<Label>,
    #[serde(default, deserialize_with = "prow_github::events::nullable")]
    pub created_at: String,
}

/// A review to submit (upstream `github.DraftReview`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewReview {
    /// The commit reviewed; empty for the head.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub commit_id: String,
    pub body: String,
    /// `COMMENT`, `APPROVE` or `REQUEST_CHANGES`.
    pub event: String,
    pub comments: Vec<NewReviewComment>,
}

/// A comment on a line of the diff (`position` counts lines of the file's patch).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewReviewComment {
    pub path: String,
    pub position: u64,
    pub body: String,
}
