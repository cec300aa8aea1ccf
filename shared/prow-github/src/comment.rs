//! The comment-like view of an event that command plugins read (upstream's
//! `GenericCommentEvent`): an issue or PR body when opened or edited, an issue comment, a review,
//! or a review comment, all as one shape.

use crate::Event;
use crate::events::{Issue, PullRequest, Repo, User};

/// Upstream `AboutThisBotWithoutCommands`: the footer of the bot's replies.
pub const ABOUT_THIS_BOT_WITHOUT_COMMANDS: &str = "Instructions for interacting with me using PR comments are available [here](https://git.k8s.io/community/contributors/guide/pull-requests.md).  If you have questions or suggestions related to my behavior, please file an issue against the [kubernetes-sigs/prow](https://github.com/kubernetes-sigs/prow/issues/new?title=Prow%20issue:) repository.";

/// Upstream `AboutThisBot`: the footer with the link to the command list.
pub const ABOUT_THIS_BOT: &str = "Instructions for interacting with me using PR comments are available [here](https://git.k8s.io/community/contributors/guide/pull-requests.md).  If you have questions or suggestions related to my behavior, please file an issue against the [kubernetes-sigs/prow](https://github.com/kubernetes-sigs/prow/issues/new?title=Prow%20issue:) repository. I understand the commands that are listed [here](https://go.k8s.io/bot-commands).";

/// Upstream `FormatResponse`: a reply to `to`, with the reason folded away.
pub fn format_response(to: &str, message: &str, reason: &str) -> String {
    format!(
        "@{to}: {message}\n\n<details>\n\n{reason}\n\n{ABOUT_THIS_BOT_WITHOUT_COMMANDS}\n</details>"
    )
}

/// Upstream `FormatSimpleResponse`: a message that needs no explanation beside the footer.
pub fn format_simple_response(message: &str) -> String {
    format!("{message}\n\n<details>\n\n{ABOUT_THIS_BOT_WITHOUT_COMMANDS}\n</details>")
}

/// Upstream `FormatResponseRaw`: a reply quoting the text (each line behind `>`) it answers.
pub fn format_response_raw(body: &str, body_url: &str, login: &str, reply: &str) -> String {
    let quoted: Vec<String> = body.split('\n').map(|line| format!(">{line}")).collect();
    let reason = format!(
        "In response to [this]({body_url}):\n\n{}\n",
        quoted.join("\n")
    );
    format_response(login, reply, &reason)
}

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

/// The issue or pull request a comment-like text belongs to.
struct Thread<'a> {
    id: u64,
    node_id: &'a str,
    number: u64,
    is_pr: bool,
    html_url: &'a str,
    author: &'a User,
    assignees: &'a [User],
    state: &'a str,
    title: &'a str,
    body: &'a str,
}

impl<'a> Thread<'a> {
    fn of_issue(issue: &'a Issue) -> Thread<'a> {
        Thread {
            id: issue.id,
            node_id: &issue.node_id,
            number: issue.number,
            is_pr: issue.is_pull_request(),
            html_url: &issue.html_url,
            author: &issue.user,
            assignees: &issue.assignees,
            state: issue.state.as_str(),
            title: &issue.title,
            body: &issue.body,
        }
    }

    fn of_pull_request(pr: &'a PullRequest) -> Thread<'a> {
        Thread {
            id: pr.id,
            node_id: &pr.node_id,
            number: pr.number,
            is_pr: true,
            html_url: &pr.html_url,
            author: &pr.user,
            assignees: &pr.assignees,
            state: pr.state.as_str(),
            title: &pr.title,
            body: &pr.body,
        }
    }

    /// The thread's own body as a text (an issue or pull request opened or edited).
    fn own_text(&self, action: GenericCommentAction) -> Text<'a> {
        Text {
            action,
            comment_id: None,
            id: self.id,
            node_id: self.node_id,
            body: self.body,
            html_url: self.html_url,
            user: self.author,
        }
    }
}

/// The text itself: who wrote it, where it is, and what happened to it.
struct Text<'a> {
    action: GenericCommentAction,
    /// `None` for the thread's own body, `Some` for a comment on it.
    comment_id: Option<u64>,
    /// Upstream keeps the thread's id for bodies and issue comments, 0 for review texts.
    id: u64,
    node_id: &'a str,
    body: &'a str,
    html_url: &'a str,
    user: &'a User,
}

impl<'a> Text<'a> {
    /// A review's or review comment's text: (node id, body, URL, author); upstream gives it id 0.
    fn of_review(
        action: GenericCommentAction,
        comment_id: Option<u64>,
        (node_id, body, html_url, user): (&'a str, &'a str, &'a str, &'a User),
    ) -> Text<'a> {
        Text {
            action,
            comment_id,
            id: 0,
            node_id,
            body,
            html_url,
            user,
        }
    }
}

impl GenericCommentEvent {
    fn new(thread: Thread<'_>, text: Text<'_>, repo: &Repo, guid: &str) -> GenericCommentEvent {
        GenericCommentEvent {
            id: text.id,
            node_id: text.node_id.to_string(),
            comment_id: text.comment_id,
            is_pr: thread.is_pr,
            action: text.action,
            body: text.body.to_string(),
            html_url: text.html_url.to_string(),
            number: thread.number,
            repo: repo.clone(),
            user: text.user.clone(),
            issue_author: thread.author.clone(),
            assignees: thread.assignees.to_vec(),
            issue_state: thread.state.to_string(),
            issue_title: thread.title.to_string(),
            issue_body: thread.body.to_string(),
            issue_html_url: thread.html_url.to_string(),
            guid: guid.to_string(),
        }
    }

    /// The comment view of an event, when it carries text that changed.
    pub fn from_event(event: &Event, guid: &str) -> Option<GenericCommentEvent> {
        let (thread, text, repo) = match event {
            Event::Issues(e) => {
                let thread = Thread::of_issue(&e.issue);
                let text = thread.own_text(only_text_actions(e.action.as_str())?);
                (thread, text, &e.repo)
            }
            Event::PullRequest(e) => {
                let thread = Thread::of_pull_request(&e.pull_request);
                let text = thread.own_text(only_text_actions(e.action.as_str())?);
                (thread, text, &e.repo)
            }
            Event::IssueComment(e) => {
                let thread = Thread::of_issue(&e.issue);
                let text = Text {
                    action: GenericCommentAction::from_action(e.action.as_str())?,
                    comment_id: Some(e.comment.id),
                    id: thread.id,
                    node_id: thread.node_id,
                    body: &e.comment.body,
                    html_url: &e.comment.html_url,
                    user: &e.comment.user,
                };
                (thread, text, &e.repo)
            }
            Event::PullRequestReview(e) => {
                let review = &e.review;
                let text = Text::of_review(
                    GenericCommentAction::from_action(e.action.as_str())?,
                    None,
                    (
                        &review.node_id,
                        &review.body,
                        &review.html_url,
                        &review.user,
                    ),
                );
                (Thread::of_pull_request(&e.pull_request), text, &e.repo)
            }
            Event::PullRequestReviewComment(e) => {
                let comment = &e.comment;
                let text = Text::of_review(
                    GenericCommentAction::from_action(e.action.as_str())?,
                    Some(comment.id),
                    (
                        &comment.node_id,
                        &comment.body,
                        &comment.html_url,
                        &comment.user,
                    ),
                );
                (Thread::of_pull_request(&e.pull_request), text, &e.repo)
            }
            _ => return None,
        };
        Some(GenericCommentEvent::new(thread, text, repo, guid))
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
