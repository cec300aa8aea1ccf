//! GitHub as Prow sees it, without I/O: webhook payload types ([`events`]), the parsed event
//! ([`Event`], by `X-GitHub-Event` name), the comment-like view command plugins read
//! ([`GenericCommentEvent`]), and webhook signature checking against upstream's HMAC secret
//! file ([`webhook`]), and the identifiers that cross crate boundaries ([`ids`]). Bytes in, typed
//! values or decisions out; the functions and adapters do the HTTP (the GitHub client port is
//! `prow_ports::github`).

pub mod budget;
pub mod comment;
pub mod events;
pub mod ids;
pub mod redelivery;
pub mod vocabulary;
pub mod webhook;

pub use comment::{GenericCommentAction, GenericCommentEvent};
use events::*;

/// A webhook payload, typed by its `X-GitHub-Event` name.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    PullRequest(Box<PullRequestEvent>),
    Issues(Box<IssueEvent>),
    IssueComment(Box<IssueCommentEvent>),
    PullRequestReview(Box<ReviewEvent>),
    PullRequestReviewComment(Box<ReviewCommentEvent>),
    Push(Box<PushEvent>),
    Status(Box<StatusEvent>),
    CheckRun(Box<CheckRunEvent>),
    CheckSuite(Box<CheckSuiteEvent>),
    Create(Box<RefEvent>),
    Delete(Box<RefEvent>),
    Ping(Box<PingEvent>),
    Installation(Box<InstallationEvent>),
    InstallationRepositories(Box<InstallationRepositoriesEvent>),
    Label(Box<LabelEvent>),
    /// An event Prow does not handle; the payload was valid JSON.
    Other {
        name: String,
    },
}

/// Why a payload could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the {event} payload is not valid: {source}")]
pub struct EventError {
    pub event: String,
    #[source]
    pub source: serde_json::Error,
}

/// Every event name Prow handles, as GitHub sends it in `X-GitHub-Event`.
pub const HANDLED_EVENTS: &[&str] = &[
    "pull_request",
    "issues",
    "issue_comment",
    "pull_request_review",
    "pull_request_review_comment",
    "push",
    "status",
    "check_run",
    "check_suite",
    "create",
    "delete",
    "ping",
    "installation",
    "installation_repositories",
    "label",
];

impl Event {
    /// Reads a payload. Unknown event names are accepted when the body is a JSON object.
    pub fn parse(name: &str, payload: &[u8]) -> Result<Event, EventError> {
        fn typed<T: serde::de::DeserializeOwned>(payload: &[u8]) -> serde_json::Result<Box<T>> {
            serde_json::from_slice(payload).map(Box::new)
        }
        let parsed = match name {
            "pull_request" => typed(payload).map(Event::PullRequest),
            "issues" => typed(payload).map(Event::Issues),
            "issue_comment" => typed(payload).map(Event::IssueComment),
            "pull_request_review" => typed(payload).map(Event::PullRequestReview),
            "pull_request_review_comment" => typed(payload).map(Event::PullRequestReviewComment),
            "push" => typed(payload).map(Event::Push),
            "status" => typed(payload).map(Event::Status),
            "check_run" => typed(payload).map(Event::CheckRun),
            "check_suite" => typed(payload).map(Event::CheckSuite),
            "create" => typed(payload).map(Event::Create),
            "delete" => typed(payload).map(Event::Delete),
            "ping" => typed(payload).map(Event::Ping),
            "installation" => typed(payload).map(Event::Installation),
            "installation_repositories" => typed(payload).map(Event::InstallationRepositories),
            "label" => typed(payload).map(Event::Label),
            other => serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(payload)
                .map(|_| Event::Other {
                    name: other.to_string(),
                }),
        };
        parsed.map_err(|source| EventError {
            event: name.to_string(),
            source,
        })
    }

    /// The `X-GitHub-Event` name.
    pub fn name(&self) -> &str {
        match self {
            Event::PullRequest(_) => "pull_request",
            Event::Issues(_) => "issues",
            Event::IssueComment(_) => "issue_comment",
            Event::PullRequestReview(_) => "pull_request_review",
            Event::PullRequestReviewComment(_) => "pull_request_review_comment",
            Event::Push(_) => "push",
            Event::Status(_) => "status",
            Event::CheckRun(_) => "check_run",
            Event::CheckSuite(_) => "check_suite",
            Event::Create(_) => "create",
            Event::Delete(_) => "delete",
            Event::Ping(_) => "ping",
            Event::Installation(_) => "installation",
            Event::InstallationRepositories(_) => "installation_repositories",
            Event::Label(_) => "label",
            Event::Other { name } => name,
        }
    }

    /// The `action` field, for events that have one.
    pub fn action(&self) -> Option<&str> {
        Some(match self {
            Event::PullRequest(e) => e.action.as_str(),
            Event::Issues(e) => e.action.as_str(),
            Event::IssueComment(e) => e.action.as_str(),
            Event::PullRequestReview(e) => e.action.as_str(),
            Event::PullRequestReviewComment(e) => e.action.as_str(),
            Event::CheckRun(e) => &e.action,
            Event::CheckSuite(e) => &e.action,
            Event::Installation(e) => &e.action,
            Event::InstallationRepositories(e) => &e.action,
            Event::Label(e) => &e.action,
            _ => return None,
        })
    }

    /// The repository the event is about; `None` for organization- or app-level events.
    pub fn repo(&self) -> Option<&Repo> {
        match self {
            Event::PullRequest(e) => Some(&e.repo),
            Event::Issues(e) => Some(&e.repo),
            Event::IssueComment(e) => Some(&e.repo),
            Event::PullRequestReview(e) => Some(&e.repo),
            Event::PullRequestReviewComment(e) => Some(&e.repo),
            Event::Push(e) => Some(&e.repo),
            Event::Status(e) => Some(&e.repo),
            Event::CheckRun(e) => Some(&e.repo),
            Event::CheckSuite(e) => Some(&e.repo),
            Event::Create(e) | Event::Delete(e) => Some(&e.repo),
            Event::Ping(e) => e.repo.as_ref(),
            Event::Label(e) => Some(&e.repo),
            Event::Installation(_) | Event::InstallationRepositories(_) | Event::Other { .. } => {
                None
            }
        }
    }
}

/// Where a payload comes from, read without typing the whole payload: `org/repo`, or the
/// organization's login for organization-level events. This is what picks the HMAC secret
/// (upstream reads `repository.full_name`, then `organization.login`).
pub fn payload_origin(payload: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        #[serde(default)]
        full_name: Option<String>,
        #[serde(default)]
        login: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Origin {
        #[serde(default)]
        repository: Option<Named>,
        #[serde(default)]
        organization: Option<Named>,
    }
    let origin: Origin = serde_json::from_slice(payload).ok()?;
    origin
        .repository
        .and_then(|r| r.full_name)
        .filter(|n| !n.is_empty())
        .or_else(|| origin.organization.and_then(|o| o.login))
        .filter(|n| !n.is_empty())
}
