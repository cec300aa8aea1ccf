//! A GitHub delivery as plugins see it: the webhook parsed once into a typed event, with the
//! comment view of comment-like events beside it; and what kinds of event there are.

use prow_github::comment::GenericCommentEvent;
use prow_github::webhook::HmacSecret;
use prow_github::{Event, EventError, payload_origin};
use prow_ports::events::{
    ACTION_EXTENSION, AttributesReader, CloudEvent, EventError as CloudEventError,
    GITHUB_EVENT_TYPE_PREFIX, NewEvent, ProwEvent, SIGNATURE_EXTENSION, TRACEPARENT_EXTENSION,
};
use prow_ports::github::{IssueNumber, RepoRef};

/// The kinds of event a plugin can subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    PullRequest,
    Issues,
    IssueComment,
    PullRequestReview,
    PullRequestReviewComment,
    Push,
    Status,
    /// The comment view of issue and PR bodies, issue comments, reviews and review comments
    /// (upstream's `GenericCommentHandler`).
    GenericComment,
    /// A periodic ping (a PingSource), for sweeps.
    Ping,
}

impl EventKind {
    /// How upstream's plugin help names the event (`pluginhelp.PluginHelp.Events`).
    pub fn help_name(self) -> &'static str {
        match self {
            EventKind::PullRequest => "pull_request",
            EventKind::Issues => "issue",
            EventKind::IssueComment => "issue_comment",
            EventKind::PullRequestReview => "pull_request_review",
            EventKind::PullRequestReviewComment => "pull_request_review_comment",
            EventKind::Push => "push",
            EventKind::Status => "status",
            EventKind::GenericComment => "GenericCommentEvent (any event for user text)",
            EventKind::Ping => "periodic",
        }
    }

    /// The `X-GitHub-Event` names this kind covers.
    pub fn github_events(self) -> &'static [&'static str] {
        match self {
            EventKind::PullRequest => &["pull_request"],
            EventKind::Issues => &["issues"],
            EventKind::IssueComment => &["issue_comment"],
            EventKind::PullRequestReview => &["pull_request_review"],
            EventKind::PullRequestReviewComment => &["pull_request_review_comment"],
            EventKind::Push => &["push"],
            EventKind::Status => &["status"],
            EventKind::GenericComment => &[
                "issues",
                "pull_request",
                "issue_comment",
                "pull_request_review",
                "pull_request_review_comment",
            ],
            EventKind::Ping => &[],
        }
    }
}

/// What woke a plugin.
#[derive(Clone, Copy, Debug)]
pub enum Occasion<'a> {
    Delivery(&'a Delivery),
    Ping,
}

/// A GitHub webhook delivery, parsed once.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// `X-GitHub-Delivery`.
    pub id: String,
    pub event: Event,
    /// The comment view, for comment-like events whose text appeared or changed.
    pub comment: Option<GenericCommentEvent>,
}

/// Why a CloudEvent does not carry a delivery a plugin may act on.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("{0} is not a GitHub event")]
    NotGitHub(String),
    /// Nothing but what GitHub signed may run a plugin or create a job.
    #[error("the event is not signed by GitHub: {0}")]
    Unsigned(String),
    #[error(transparent)]
    Payload(#[from] EventError),
}

impl Delivery {
    pub fn new(id: impl Into<String>, event: Event) -> Delivery {
        let id = id.into();
        let comment = GenericCommentEvent::from_event(&event, &id);
        Delivery { id, event, comment }
    }

    /// A CloudEvent hook forwarded, once its GitHub signature is shown to hold under `secret`;
    /// only then is the payload read.
    pub fn from_cloud_event(
        cloud_event: &CloudEvent,
        secret: &HmacSecret,
    ) -> Result<Delivery, DeliveryError> {
        let name = cloud_event
            .github_event()
            .ok_or_else(|| DeliveryError::NotGitHub(cloud_event.ty().to_string()))?;
        let payload = cloud_event.payload();
        let signature = cloud_event.extension_text(SIGNATURE_EXTENSION);
        secret
            .verify(&payload, signature.as_deref(), payload_origin)
            .map_err(|rejection| DeliveryError::Unsigned(rejection.to_string()))?;
        let event = Event::parse(name, &payload)?;
        Ok(Delivery::new(cloud_event.id(), event))
    }

    /// The repository the event is about.
    pub fn repo(&self) -> Option<RepoRef> {
        self.event
            .repo()
            .map(|repo| RepoRef::new(repo.org(), repo.name.clone()))
    }

    /// The issue or pull request the event is about, if any.
    pub fn issue(&self) -> Option<crate::IssueRef> {
        let repo = self.repo()?;
        let number = match &self.event {
            Event::PullRequest(e) => e.number,
            Event::Issues(e) => e.issue.number,
            Event::IssueComment(e) => e.issue.number,
            Event::PullRequestReview(e) => e.pull_request.number,
            Event::PullRequestReviewComment(e) => e.pull_request.number,
            _ => return None,
        };
        Some(crate::IssueRef {
            repo,
            number: IssueNumber(number),
        })
    }

    /// Whether a plugin subscribed to `kinds` takes this delivery.
    pub fn wanted_by(&self, kinds: &[EventKind]) -> bool {
        kinds.iter().any(|kind| match kind {
            EventKind::GenericComment => self.comment.is_some(),
            EventKind::Ping => false,
            other => other.github_events().contains(&self.event.name()),
        })
    }
}

/// The CloudEvent for a verified webhook: id = delivery id, type = `dev.prow.github.<event>`,
/// source = the repository (or organization) URL, the payload unchanged, with the signature, the
/// action and the trace context as extensions. [`Delivery::from_cloud_event`] reads it back.
pub fn webhook_cloud_event(
    event: &Event,
    guid: &str,
    signature: &str,
    payload: &[u8],
    time: &str,
    traceparent: String,
) -> Result<CloudEvent, CloudEventError> {
    let origin = event
        .repo()
        .map(|r| r.full_name.clone())
        .or_else(|| payload_origin(payload))
        .unwrap_or_default();
    let source = if origin.is_empty() {
        "https://github.com".to_string()
    } else {
        format!("https://github.com/{origin}")
    };
    let mut extensions = vec![
        (SIGNATURE_EXTENSION.to_string(), signature.to_string()),
        (TRACEPARENT_EXTENSION.to_string(), traceparent),
    ];
    // Events Prow does not type (workflow_run, ...) have actions too.
    let action = event.action().map(str::to_string).or_else(|| {
        #[derive(serde::Deserialize)]
        struct Action {
            action: Option<String>,
        }
        serde_json::from_slice::<Action>(payload).ok()?.action
    });
    if let Some(action) = action.filter(|a| !a.is_empty()) {
        extensions.push((ACTION_EXTENSION.to_string(), action));
    }
    NewEvent {
        id: guid.to_string(),
        source,
        event_type: format!("{GITHUB_EVENT_TYPE_PREFIX}{}", event.name()),
        time: Some(time.to_string()),
        extensions,
        data: payload.to_vec(),
        ..NewEvent::default()
    }
    .build()
}
