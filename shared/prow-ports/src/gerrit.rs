//! The Gerrit port: what the Gerrit adapter and crier's Gerrit reporter ask of a Gerrit host
//! (changes updated since a time, a branch's head, the account the credentials act as, and a
//! review with votes). Adapters: `prow-gerrit` (Gerrit's REST API over HTTP).

use crate::{Failure, PortFuture};
use jiff::Timestamp;
use std::collections::BTreeMap;

pub type GerritFuture<'a, T> = PortFuture<'a, T, GerritError>;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GerritError {
    #[error("Gerrit {instance} answered {status} for {path}: {message}")]
    Api {
        instance: String,
        path: String,
        status: u16,
        message: String,
    },
    #[error("Gerrit {instance} could not be reached for {path}: {reason}")]
    Transport {
        instance: String,
        path: String,
        reason: String,
    },
    #[error("Gerrit {instance}'s answer for {path} could not be read: {reason}")]
    Decode {
        instance: String,
        path: String,
        reason: String,
    },
}

impl GerritError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, GerritError::Api { status: 404, .. })
    }
}

impl Failure for GerritError {
    fn kind(&self) -> &'static str {
        match self {
            GerritError::Api { .. } => "gerrit_api",
            GerritError::Transport { .. } => "gerrit_transport",
            GerritError::Decode { .. } => "gerrit_decode",
        }
    }

    fn retryable(&self) -> bool {
        match self {
            GerritError::Api { status, .. } => *status >= 500 || *status == 429,
            GerritError::Transport { .. } => true,
            GerritError::Decode { .. } => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeStatus {
    New,
    Merged,
    Abandoned,
}

/// A file a revision changes, with its old path when it was renamed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangedFile {
    pub path: String,
    pub old_path: Option<String>,
}

/// A change's current patch set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub sha: String,
    /// The patch set number.
    pub number: u64,
    /// `refs/changes/NN/<change>/<patch set>`.
    pub git_ref: String,
    pub created: Timestamp,
    pub author_name: String,
    pub author_email: String,
    pub files: Vec<ChangedFile>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeMessage {
    pub author_id: u64,
    pub author: String,
    pub date: Timestamp,
    pub text: String,
    /// The patch set it was written on.
    pub revision_number: u64,
}

/// A change as the adapter reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Gerrit's id (`<project>~<branch>~<Change-Id>`), as its API paths take it.
    pub id: String,
    pub project: String,
    pub branch: String,
    pub number: u64,
    pub status: ChangeStatus,
    pub updated: Timestamp,
    pub submitted: Option<Timestamp>,
    pub work_in_progress: bool,
    pub revision: Revision,
    pub messages: Vec<ChangeMessage>,
}

/// The account the credentials act as.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    pub id: u64,
    pub username: String,
}

/// Which branches a project's query covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BranchFilter {
    pub branches: Vec<String>,
    pub excluded_branches: Vec<String>,
}

pub trait GerritClient: Send + Sync {
    /// The changes of `project` on `instance` updated after `since`, newest first, read
    /// `page` at a time.
    fn changes_since<'a>(
        &'a self,
        instance: &'a str,
        project: &'a str,
        filter: &'a BranchFilter,
        page: u32,
        since: Timestamp,
    ) -> GerritFuture<'a, Vec<Change>>;
    /// The commit a branch points at.
    fn branch_head<'a>(
        &'a self,
        instance: &'a str,
        project: &'a str,
        branch: &'a str,
    ) -> GerritFuture<'a, String>;
    fn account<'a>(&'a self, instance: &'a str) -> GerritFuture<'a, Account>;
    /// A change's status now; `None` when it is gone.
    fn change_status<'a>(
        &'a self,
        instance: &'a str,
        change_id: &'a str,
    ) -> GerritFuture<'a, Option<ChangeStatus>>;
    /// Posts a review message on a revision, with votes (none: only the message).
    fn review<'a>(
        &'a self,
        instance: &'a str,
        change_id: &'a str,
        revision: &'a str,
        message: &'a str,
        votes: &'a BTreeMap<String, i32>,
    ) -> GerritFuture<'a, ()>;
}
