//! The job store port: where ProwJobs live. Kubernetes in production (`prow-kube`), a directory
//! on disk in local mode (`prow-local`); both give the same semantics, which one contract test
//! checks: names are unique, every change bumps `metadata.resourceVersion`, and an update from a
//! stale copy is refused as a [`StoreError::Conflict`] instead of overwriting what it did not see.

use crate::{Failure, PortFuture};
use prow_api::ProwJob;
use std::collections::BTreeMap;
use std::pin::Pin;

pub type StoreFuture<'a, T> = PortFuture<'a, T, StoreError>;

/// The change feed: every change to matching jobs after the watch began, in order. It ends when
/// the backend closes it (the API server does after some minutes); watch again to go on.
pub type JobChanges =
    Pin<Box<dyn futures_core::Stream<Item = Result<JobChange, StoreError>> + Send>>;

/// One page of a listing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub jobs: Vec<ProwJob>,
    /// Where the next page starts; `None` after the last.
    pub continue_from: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JobChange {
    Added(ProwJob),
    Modified(ProwJob),
    /// The job as it was last stored.
    Deleted(ProwJob),
}

impl JobChange {
    pub fn job(&self) -> &ProwJob {
        match self {
            JobChange::Added(job) | JobChange::Modified(job) | JobChange::Deleted(job) => job,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("ProwJob {0:?} not found")]
    NotFound(String),
    #[error("ProwJob {0:?} already exists")]
    AlreadyExists(String),
    /// Someone else changed the job since it was read: read it again and redo the change.
    #[error("ProwJob {0:?} was changed by someone else; read it again")]
    Conflict(String),
    #[error("invalid label selector {0:?}")]
    InvalidSelector(String),
    #[error("the job store failed: {0}")]
    Backend(String),
}

impl Failure for StoreError {
    fn kind(&self) -> &'static str {
        match self {
            StoreError::NotFound(_) => "store_not_found",
            StoreError::AlreadyExists(_) => "store_already_exists",
            StoreError::Conflict(_) => "store_conflict",
            StoreError::InvalidSelector(_) => "store_invalid_selector",
            StoreError::Backend(_) => "store_backend",
        }
    }

    /// A conflict or a backend failure may pass; the rest are answers, not accidents.
    fn retryable(&self) -> bool {
        matches!(self, StoreError::Conflict(_) | StoreError::Backend(_))
    }
}

pub trait JobStore: Send + Sync {
    /// Creates the job (its `metadata.name` set); returns it as stored.
    fn create<'a>(&'a self, job: &'a ProwJob) -> StoreFuture<'a, ProwJob>;
    fn get<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ProwJob>;
    /// Jobs whose labels match an equality-based selector (`a=b,c!=d,e,!f`).
    fn list<'a>(&'a self, selector: &'a str) -> StoreFuture<'a, Vec<ProwJob>>;
    /// At most `limit` matching jobs after `continue_from` (the token of the previous page; `None`
    /// for the first), so a large store is read with bounded memory.
    fn list_page<'a>(
        &'a self,
        selector: &'a str,
        limit: usize,
        continue_from: Option<&'a str>,
    ) -> StoreFuture<'a, Page>;
    /// Replaces the job if `metadata.resourceVersion` is still the stored one.
    fn update<'a>(&'a self, job: &'a ProwJob) -> StoreFuture<'a, ProwJob>;
    fn delete<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()>;
    /// Changes to jobs matching `selector` from now on.
    fn watch<'a>(&'a self, selector: &'a str) -> StoreFuture<'a, JobChanges>;
}

/// One requirement of an equality-based label selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
}

/// Applies `change` to the stored job `name` and writes it back; when another writer changed the
/// job meanwhile (a [`StoreError::Conflict`]), reads it again and re-applies, up to `attempts`
/// writes. `change` returns `false` to leave the job as it is. `Ok(None)` when the job is gone or
/// `change` declined; the last conflict when every attempt conflicted.
pub async fn update_fresh(
    store: &dyn JobStore,
    name: &str,
    attempts: usize,
    mut change: impl FnMut(&mut ProwJob) -> bool + Send,
) -> Result<Option<ProwJob>, StoreError> {
    let mut conflict = StoreError::Conflict(name.to_string());
    for _ in 0..attempts.max(1) {
        let mut job = match store.get(name).await {
            Ok(job) => job,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(error) => return Err(error),
        };
        if !change(&mut job) {
            return Ok(None);
        }
        match store.update(&job).await {
            Ok(updated) => return Ok(Some(updated)),
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(error @ StoreError::Conflict(_)) => conflict = error,
            Err(error) => return Err(error),
        }
    }
    Err(conflict)
}

/// Parses `a=b,c==d,e!=f,g,!h` as Kubernetes reads equality-based selectors.
pub fn parse_selector(selector: &str) -> Result<Vec<Requirement>, StoreError> {
    let invalid = || StoreError::InvalidSelector(selector.to_string());
    let mut requirements = Vec::new();
    for part in selector.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let requirement = if let Some((key, value)) = part.split_once("!=") {
            Requirement::NotEquals(key.trim().into(), value.trim().into())
        } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::Equals(key.trim().into(), value.trim().into())
        } else if let Some(key) = part.strip_prefix('!') {
            Requirement::NotExists(key.trim().into())
        } else {
            Requirement::Exists(part.into())
        };
        let key = match &requirement {
            Requirement::Equals(k, _)
            | Requirement::NotEquals(k, _)
            | Requirement::Exists(k)
            | Requirement::NotExists(k) => k,
        };
        if key.is_empty() || key.contains(char::is_whitespace) || key.contains(['(', ')', ' ']) {
            return Err(invalid());
        }
        requirements.push(requirement);
    }
    Ok(requirements)
}

/// Whether labels satisfy every requirement.
pub fn selector_matches(requirements: &[Requirement], labels: &BTreeMap<String, String>) -> bool {
    requirements.iter().all(|r| match r {
        Requirement::Equals(k, v) => labels.get(k) == Some(v),
        Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
        Requirement::Exists(k) => labels.contains_key(k),
        Requirement::NotExists(k) => !labels.contains_key(k),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_as_kubernetes_matches_them() {
        let labels: BTreeMap<String, String> =
            [("prow.k8s.io/job", "unit"), ("prow.k8s.io/refs.pull", "1")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        for (selector, matches) in [
            ("", true),
            ("prow.k8s.io/job=unit", true),
            ("prow.k8s.io/job==unit", true),
            ("prow.k8s.io/job=lint", false),
            ("prow.k8s.io/job!=lint", true),
            ("prow.k8s.io/job=unit,prow.k8s.io/refs.pull=1", true),
            ("prow.k8s.io/job=unit,prow.k8s.io/refs.pull=2", false),
            ("prow.k8s.io/refs.pull", true),
            ("!prow.k8s.io/refs.pull", false),
            ("!created-by-tide", true),
            ("missing!=x", true),
        ] {
            let parsed = parse_selector(selector).unwrap();
            assert_eq!(selector_matches(&parsed, &labels), matches, "{selector}");
        }
        assert!(parse_selector("a b=c").is_err());
        assert!(parse_selector("=c").is_err());
    }
}
