//! Identifiers that cross crate boundaries, as types: a repository, an issue or pull request
//! number, a commit SHA. A function that takes a [`RepoRef`] and an [`IssueNumber`] cannot be
//! handed a pull request's number where a comment id was meant.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A repository: `org/name`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RepoRef {
    pub org: String,
    pub name: String,
}

impl RepoRef {
    pub fn new(org: impl Into<String>, name: impl Into<String>) -> RepoRef {
        RepoRef {
            org: org.into(),
            name: name.into(),
        }
    }

    /// Reads `org/name`.
    pub fn parse(full_name: &str) -> Option<RepoRef> {
        let (org, name) = full_name.split_once('/')?;
        (!org.is_empty() && !name.is_empty() && !name.contains('/'))
            .then(|| RepoRef::new(org, name))
    }

    /// `org/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.org, self.name)
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.org, self.name)
    }
}

/// An issue's or a pull request's number (every pull request is an issue).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct IssueNumber(pub u64);

impl fmt::Display for IssueNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A commit's SHA.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sha(pub String);

impl Sha {
    pub fn new(sha: impl Into<String>) -> Sha {
        Sha(sha.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
