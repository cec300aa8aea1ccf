//! What a plan decides to change: comments, labels, assignees, reviewers, an issue's state,
//! title or milestone, commit statuses, and ProwJobs. [`crate::apply`] performs them in order.

use prow_api::ProwJob;
use prow_ports::config_maps::{ConfigMapTarget, ConfigMapUpdate};
use prow_ports::github::{IssueNumber, NewReview, RepoRef, Sha, Status};
use std::fmt;

/// An issue or pull request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IssueRef {
    pub repo: RepoRef,
    pub number: IssueNumber,
}

impl IssueRef {
    pub fn new(org: &str, repo: &str, number: u64) -> IssueRef {
        IssueRef {
            repo: RepoRef::new(org, repo),
            number: IssueNumber(number),
        }
    }
}

impl fmt::Display for IssueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.repo, self.number)
    }
}

/// When a comment would say again what the bot already said, it is not posted: a redelivered
/// webhook then posts nothing twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dedupe {
    /// Not posted if the bot has a comment with the same text on the issue.
    SameText,
    /// Not posted if one of the bot's comments on the issue contains this text.
    Marker(String),
    /// Always posted (the text differs each time anyway).
    Never,
}

/// The reply to post when GitHub refuses some of the people an action names (only GitHub knows
/// whom it will assign or ask for a review): `before`, their logins joined by `, `, `after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusalReply {
    pub before: String,
    pub after: String,
}

impl RefusalReply {
    /// Where the refused logins go in the text given to [`RefusalReply::around`].
    pub const PLACE: &'static str = "\u{1}refused\u{1}";

    /// The reply `text` with the logins in place of its first [`RefusalReply::PLACE`].
    pub fn around(text: &str) -> RefusalReply {
        match text.split_once(Self::PLACE) {
            Some((before, after)) => RefusalReply {
                before: before.to_string(),
                after: after.to_string(),
            },
            None => RefusalReply {
                before: text.to_string(),
                after: String::new(),
            },
        }
    }

    pub fn render(&self, refused: &[String]) -> String {
        format!("{}{}{}", self.before, refused.join(", "), self.after)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Comment {
        on: IssueRef,
        body: String,
        dedupe: Dedupe,
    },
    EditComment {
        repo: RepoRef,
        id: u64,
        body: String,
    },
    DeleteComment {
        repo: RepoRef,
        id: u64,
    },
    AddLabel {
        on: IssueRef,
        label: String,
    },
    RemoveLabel {
        on: IssueRef,
        label: String,
    },
    /// GitHub assigns whom it can; `refused` is the reply when it leaves some out.
    Assign {
        on: IssueRef,
        logins: Vec<String>,
        refused: Option<RefusalReply>,
    },
    Unassign {
        on: IssueRef,
        logins: Vec<String>,
    },
    /// Users, or teams as `org/slug`; `refused` is the reply when GitHub refuses some.
    RequestReview {
        on: IssueRef,
        logins: Vec<String>,
        refused: Option<RefusalReply>,
    },
    UnrequestReview {
        on: IssueRef,
        logins: Vec<String>,
    },
    Close {
        on: IssueRef,
        /// `completed` or `not_planned`; none leaves GitHub's default.
        reason: Option<String>,
    },
    Reopen {
        on: IssueRef,
    },
    EditTitle {
        on: IssueRef,
        title: String,
    },
    /// `None` clears the milestone.
    SetMilestone {
        on: IssueRef,
        milestone: Option<u64>,
    },
    SetStatus {
        repo: RepoRef,
        sha: Sha,
        status: Status,
    },
    /// Created in the job store; one that exists already (a redelivery) is fine.
    CreateJobs(Vec<ProwJob>),
    /// Marked `aborted` with `description` unless they finished meanwhile.
    AbortJobs {
        names: Vec<String>,
        description: String,
    },
    /// The issue's or pull request's description becomes `body`.
    EditBody {
        on: IssueRef,
        body: String,
    },
    /// A review of a pull request with comments on lines of its diff (verify-owners).
    CreateReview {
        on: IssueRef,
        review: NewReview,
    },
    /// Keys written to (and removed from) a ConfigMap (config-updater).
    UpdateConfigMap {
        target: ConfigMapTarget,
        update: ConfigMapUpdate,
    },
}

impl Action {
    /// A comment on `on`, not posted again when the bot already said the same.
    pub fn comment(on: &IssueRef, body: impl Into<String>) -> Action {
        Action::Comment {
            on: on.clone(),
            body: body.into(),
            dedupe: Dedupe::SameText,
        }
    }

    pub fn add_label(on: &IssueRef, label: impl Into<String>) -> Action {
        Action::AddLabel {
            on: on.clone(),
            label: label.into(),
        }
    }

    pub fn remove_label(on: &IssueRef, label: impl Into<String>) -> Action {
        Action::RemoveLabel {
            on: on.clone(),
            label: label.into(),
        }
    }

    /// The metric label of the action (`prow_plugin_actions_total{action}`).
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Comment { .. } => "comment",
            Action::EditComment { .. } => "edit_comment",
            Action::DeleteComment { .. } => "delete_comment",
            Action::AddLabel { .. } => "add_label",
            Action::RemoveLabel { .. } => "remove_label",
            Action::Assign { .. } => "assign",
            Action::Unassign { .. } => "unassign",
            Action::RequestReview { .. } => "request_review",
            Action::UnrequestReview { .. } => "unrequest_review",
            Action::Close { .. } => "close",
            Action::Reopen { .. } => "reopen",
            Action::EditTitle { .. } => "edit_title",
            Action::SetMilestone { .. } => "set_milestone",
            Action::SetStatus { .. } => "set_status",
            Action::CreateJobs(_) => "create_jobs",
            Action::AbortJobs { .. } => "abort_jobs",
            Action::EditBody { .. } => "edit_body",
            Action::CreateReview { .. } => "create_review",
            Action::UpdateConfigMap { .. } => "update_configmap",
        }
    }
}
