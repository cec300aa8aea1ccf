//! The comment-like view of an event that command plugins read (upstream's
//! `GenericCommentEvent`): an issue or PR body when opened or edited, an issue comment, a review,
//! or a review comment, all as one shape.

use crate::Event;
use crate::events::{Repo, User};

/// Whether the text appeared, changed or went away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GenericCommentAction {
    Created,
    Edited,
    Deleted,
}

impl GenericCommentAction {
    /// As upstream: opened/created/submitted, edited, deleted/dismissed; other actions (closed,
    /// labeled, ...) do not change the text and give `None`.
    pub fn from_action(action: &str) -> Option<Self> {
        match action {
            "created" | "opened" | "submitted" => Some(Self::Created),
            "edited" => Some(Self::Edited),
            "deleted" | "dismissed" => Some(Self::Deleted),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GenericCommentEvent {
    /// The issue or PR's id (0 for reviews and review comments, as upstream).
    pub id: u64,
    pub node_id: String,
    /// Set for issue comments and review comments.
    pub comment_id: Option<u64>,
    pub is_pr: bool,
    pub action: GenericCommentAction,
    pub body: String,
    pub html_url: String,
    pub number: u64,
    pub repo: Repo,
    /// Who wrote the text.
    pub user: User,
    pub issue_author: User,
    pub assignees: Vec<User>,
    pub issue_state: String,
    pub issue_title: String,
    pub issue_body: String,
    pub issue_html_url: String,
    /// The webhook's delivery id.
    pub guid: String,
}

impl GenericCommentEvent {
    /// The comment view of an event, when it carries text that changed.
    pub fn from_event(event: &Event, guid: &str) -> Option<GenericCommentEvent> {
        let guid = guid.to_string();
        match event {
            Event::Issues(e) => {
                let issue = &e.issue;
                Some(GenericCommentEvent {
                    id: issue.id,
                    node_id: issue.node_id.clone(),
                    comment_id: None,
                    is_pr: issue.is_pull_request(),
                    action: only_text_actions(&e.action)?,
                    body: issue.body.clone(),
                    html_url: issue.html_url.clone(),
                    number: issue.number,
                    repo: e.repo.clone(),
                    user: issue.user.clone(),
                    issue_author: issue.user.clone(),
                    assignees: issue.assignees.clone(),
                    issue_state: issue.state.clone(),
                    issue_title: issue.title.clone(),
                    issue_body: issue.body.clone(),
                    issue_html_url: issue.html_url.clone(),
                    guid,
                })
            }
            Event::IssueComment(e) => {
                let issue = &e.issue;
                Some(GenericCommentEvent {
                    id: issue.id,
                    node_id: issue.node_id.clone(),
                    comment_id: Some(e.comment.id),
                    is_pr: issue.is_pull_request(),
                    action: GenericCommentAction::from_action(&e.action)?,
                    body: e.comment.body.clone(),
                    html_url: e.comment.html_url.clone(),
                    number: issue.number,
                    repo: e.repo.clone(),
                    user: e.comment.user.clone(),
                    issue_author: issue.user.clone(),
                    assignees: issue.assignees.clone(),
                    issue_state: issue.state.clone(),
                    issue_title: issue.title.clone(),
                    issue_body: issue.body.clone(),
                    issue_html_url: issue.html_url.clone(),
                    guid,
                })
            }
            Event::PullRequest(e) => {
                let pr = &e.pull_request;
                Some(GenericCommentEvent {
                    id: pr.id,
                    node_id: pr.node_id.clone(),
                    comment_id: None,
                    is_pr: true,
                    action: only_text_actions(&e.action)?,
                    body: pr.body.clone(),
                    html_url: pr.html_url.clone(),
                    number: pr.number,
                    repo: e.repo.clone(),
                    user: pr.user.clone(),
                    issue_author: pr.user.clone(),
                    assignees: pr.assignees.clone(),
                    issue_state: pr.state.clone(),
                    issue_title: pr.title.clone(),
                    issue_body: pr.body.clone(),
                    issue_html_url: pr.html_url.clone(),
                    guid,
                })
            }
            Event::PullRequestReview(e) => {
                let pr = &e.pull_request;
                Some(GenericCommentEvent {
                    id: 0,
                    node_id: e.review.node_id.clone(),
                    comment_id: None,
                    is_pr: true,
                    action: GenericCommentAction::from_action(&e.action)?,
                    body: e.review.body.clone(),
                    html_url: e.review.html_url.clone(),
                    number: pr.number,
                    repo: e.repo.clone(),
                    user: e.review.user.clone(),
                    issue_author: pr.user.clone(),
                    assignees: pr.assignees.clone(),
                    issue_state: pr.state.clone(),
                    issue_title: pr.title.clone(),
                    issue_body: pr.body.clone(),
                    issue_html_url: pr.html_url.clone(),
                    guid,
                })
            }
            Event::PullRequestReviewComment(e) => {
                let pr = &e.pull_request;
                Some(GenericCommentEvent {
                    id: 0,
                    node_id: e.comment.node_id.clone(),
                    comment_id: Some(e.comment.id),
                    is_pr: true,
                    action: GenericCommentAction::from_action(&e.action)?,
                    body: e.comment.body.clone(),
                    html_url: e.comment.html_url.clone(),
                    number: pr.number,
                    repo: e.repo.clone(),
                    user: e.comment.user.clone(),
                    issue_author: pr.user.clone(),
                    assignees: pr.assignees.clone(),
                    issue_state: pr.state.clone(),
                    issue_title: pr.title.clone(),
                    issue_body: pr.body.clone(),
                    issue_html_url: pr.html_url.clone(),
                    guid,
                })
            }
            _ => None,
        }
    }
}

/// Issues and PRs count as comments only when opened or edited (upstream's hook sends only
/// those; closing does not remove the text).
fn only_text_actions(action: &str) -> Option<GenericCommentAction> {
    match action {
        "opened" => Some(GenericCommentAction::Created),
        "edited" => Some(GenericCommentAction::Edited),
        _ => None,
    }
}
