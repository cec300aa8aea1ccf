//! `approve` (upstream `pkg/plugins/approve`): the `approved` label and the
//! `[APPROVALNOTIFIER]` comment. A pull request is approved when the people who said `/approve`
//! (or approved in a review, or `/lgtm` with `lgtm_acts_as_approve`, or its author, unless
//! `require_self_approval`) are OWNERS approvers of every file it changes, with an associated
//! issue when `issue_required`; or when a human added the label.
//!
//! The notifier is kept in one comment: the bot's latest one is edited when the text changes
//! (upstream deletes every notifier and posts a new one), others are deleted, and one is posted
//! only when there is none.

pub mod approvers;

use super::lgtm::scope_parts;
use super::{Builtin, Pattern, commented_issue, new_comment, pattern};
use crate::help::{Commands, featured};
use crate::{Action, Dedupe, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use approvers::{Approvers, Links, Owners};
use prow_config::Config;
use prow_github::Event;
use prow_github::events::{Comment, PullRequest, Repo, Review, User};
use prow_github::vocabulary::{PullRequestAction, ReviewAction, ReviewState};
use prow_ports::github::RepoRef;
use std::collections::BTreeMap;

/// The label tide merges on.
pub const APPROVED_LABEL: &str = "approved";

// Go's `[^\s]` is ASCII: `(?-u:\S)` would be bytes, so the class is spelled out.
static COMMAND: Pattern = Pattern::new(|| pattern(r"(?m)^/([^\t\n\x0C\r ]+)[\t ]*([^\n\r]*)"));
static NOTIFICATION: Pattern =
    Pattern::new(|| pattern(r"(?is)^\[ApprovalNotifier\] *?([^\n]*)(?:\n\n(.*))?"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    /// `/approve`, `/approve no-issue`, `/approve cancel`, `/remove-approve`.
    Approve,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Approve];

    fn help(self) -> crate::Command {
        match self {
            Command::Approve => featured(
                "/[remove-]approve [no-issue|cancel]",
                "Approves a pull request",
                "Users listed as 'approvers' in appropriate OWNERS files.",
                &["/approve", "/approve no-issue", "/remove-approve"],
            ),
        }
    }
}

const DESCRIPTION: &str = "The approve plugin implements a pull request approval process that manages the 'approved' label and an approval notification comment. Approval is achieved when the set of users that have approved the PR is capable of approving every file changed by the PR. A user is able to approve a file if their username or an alias they belong to is listed in the 'approvers' section of an OWNERS file in the directory of the file or higher in the directory tree.
<br>
<br>Per-repo configuration may be used to require that PRs link to an associated issue before approval is granted. It may also be used to specify that the PR authors implicitly approve their own PRs.
<br>For more information see <a href=\"https://docs.prow.k8s.io/docs/components/plugins/approve/approvers/\">here</a>.";

/// A text's commands: (upper-case name, lower-case trimmed arguments), line by line.
fn commands(body: &str) -> impl Iterator<Item = (String, String)> + '_ {
    COMMAND
        .captures_iter(body)
        .map(|c| (c[1].to_uppercase(), c[2].trim().to_lowercase()))
}

/// Upstream `isApprovalCommand` (the author is not a bot).
fn is_approval_command(body: &str, lgtm_acts_as_approve: bool) -> bool {
    commands(body).any(|(name, _)| {
        name == "APPROVE" || name == "REMOVE-APPROVE" || (name == "LGTM" && lgtm_acts_as_approve)
    })
}

/// Upstream `isApprovalState` (the author is not a bot).
fn is_approval_state(state: &ReviewState, consider_review_state: bool) -> bool {
    consider_review_state
        && matches!(
            state,
            ReviewState::Approved | ReviewState::ChangesRequested | ReviewState::Dismissed
        )
}

pub struct Approve;

impl Builtin for Approve {
    const NAME: &'static str = "approve";
    const EVENTS: &'static [EventKind] = &[
        EventKind::GenericComment,
        EventKind::PullRequestReview,
        EventKind::PullRequest,
    ];

    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp {
        let do_not = |b: bool| if b { "" } else { "do not " };
        let will_not = |b: bool| if b { "will " } else { "will not " };
        let per_repo: BTreeMap<String, String> = enabled_repos
            .iter()
            .map(|scope| {
                let (org, repo) = scope_parts(scope);
                let options = config.plugins.approve_for(org, repo);
                let text = format!(
                    "Pull requests {}require an associated issue.<br>Pull request authors {}implicitly approve their own PRs.<br>The /lgtm [cancel] command(s) {}act as approval.<br>A GitHub approved or changes requested review {}act as approval or cancel respectively.",
                    do_not(options.issue_required),
                    do_not(options.has_self_approval()),
                    will_not(options.lgtm_acts_as_approve),
                    will_not(options.consider_review_state())
                );
                (scope.clone(), text)
            })
            .collect();
        PluginHelp::new(DESCRIPTION)
            .with_config_per_repo(per_repo)
            .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(delivery) = input.delivery() else {
            return Ok(Vec::new());
        };
        let config = input.config;
        if let Some(comment) = new_comment(input).filter(|c| c.is_pr && c.issue_state != "closed") {
            let options = config
                .plugins
                .approve_for(comment.repo.org(), &comment.repo.name);
            if !facts.is_bot(&comment.user.login)?
                && is_approval_command(&comment.body, options.lgtm_acts_as_approve)
            {
                let pull = commented_issue(comment);
                facts.need([Fact::PullRequest(pull.clone())])?;
                let base = facts.pull_request(&pull)?.base.git_ref.clone();
                let state = State {
                    pull,
                    branch: &base,
                    body: &comment.issue_body,
                    author: &comment.issue_author.login,
                    assignees: &comment.assignees,
                    html_url: &comment.issue_html_url,
                };
                return handle(config, facts, &state);
            }
        }
        match &delivery.event {
            Event::PullRequestReview(event) => {
                if !matches!(
                    event.action,
                    ReviewAction::Submitted | ReviewAction::Dismissed
                ) {
                    return Ok(Vec::new());
                }
                let reviewer = &event.review.user;
                let is_bot = facts.is_bot(&reviewer.login)? || reviewer.kind == "Bot";
                let options = config
                    .plugins
                    .approve_for(event.repo.org(), &event.repo.name);
                // The comment view handles a review whose text approves.
                if is_bot
                    || is_approval_command(&event.review.body, options.lgtm_acts_as_approve)
                    || !is_approval_state(&event.review.state, options.consider_review_state())
                {
                    return Ok(Vec::new());
                }
                let state =
                    State::of_event(&event.repo, event.pull_request.number, &event.pull_request);
                handle(config, facts, &state)
            }
            Event::PullRequest(event) => {
                let relevant = matches!(
                    event.action,
                    PullRequestAction::Opened
                        | PullRequestAction::Reopened
                        | PullRequestAction::Synchronize
                        | PullRequestAction::Labeled
                );
                if !relevant {
                    return Ok(Vec::new());
                }
                // Upstream asks who the bot is before looking at the label.
                let bot_sent = facts.is_bot(&event.sender.login)?;
                if event.action == PullRequestAction::Labeled
                    && (event.label.as_ref().map(|l| l.name.as_str()) != Some(APPROVED_LABEL)
                        || bot_sent
                        || event.pull_request.state.as_str() == "closed")
                {
                    return Ok(Vec::new());
                }
                let state = State::of_event(&event.repo, event.number, &event.pull_request);
                handle(config, facts, &state)
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// The pull request being decided (upstream `state`).
struct State<'a> {
    pull: IssueRef,
    branch: &'a str,
    /// The PR's description, where the associated issue is looked for.
    body: &'a str,
    author: &'a str,
    assignees: &'a [User],
    html_url: &'a str,
}

impl<'a> State<'a> {
    /// The state of `pr`, number `number` in `repo`, as an event carries it.
    fn of_event(repo: &Repo, number: u64, pr: &'a PullRequest) -> State<'a> {
        State {
            pull: IssueRef::new(repo.org(), &repo.name, number),
            branch: &pr.base.git_ref,
            body: &pr.body,
            author: &pr.user.login,
            assignees: &pr.assignees,
            html_url: &pr.html_url,
        }
    }
}

/// Upstream `findAssociatedIssue`: the first `#N` (or `org/x/issues/N` link) of the body.
fn associated_issue(body: &str, org: &str) -> u64 {
    // Upstream puts the org into the regex as it is.
    let Ok(regex) = regex::Regex::new(&format!(r"(?:{org}/[^/]+/issues/|#)([0-9]+)")) else {
        return 0;
    };
    regex
        .captures(body)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or(0)
}

/// A text that may approve: a comment, a review comment or a review.
struct Said<'a> {
    body: &'a str,
    author: &'a str,
    created_at: &'a str,
    html_url: &'a str,
    review_state: Option<&'a ReviewState>,
}

impl<'a> Said<'a> {
    fn comment(c: &'a Comment) -> Said<'a> {
        Said {
            body: &c.body,
            author: &c.user.login,
            created_at: &c.created_at,
            html_url: &c.html_url,
            review_state: None,
        }
    }

    fn review(r: &'a Review) -> Said<'a> {
        Said {
            body: &r.body,
            author: &r.user.login,
            created_at: &r.submitted_at,
            html_url: &r.html_url,
            review_state: Some(&r.state),
        }
    }
}

/// GitHub's times as instants (RFC 3339); one that does not read sorts first.
fn instant(text: &str) -> jiff::Timestamp {
    text.parse().unwrap_or(jiff::Timestamp::MIN)
}

/// Upstream `addApprovers`: each approving text in order; the last word of each person counts.
fn add_approvers(
    ap: &mut Approvers<'_, '_>,
    said: &[Said<'_>],
    pr_author: &str,
    consider_review_state: bool,
) {
    for s in said {
        if s.author.is_empty() {
            continue;
        }
        if consider_review_state {
            match s.review_state {
                Some(ReviewState::Approved) => ap.add_approver(s.author, s.html_url, false),
                Some(ReviewState::ChangesRequested) => ap.remove_approver(s.author),
                _ => {}
            }
        }
        for (name, args) in commands(s.body) {
            if name == "REMOVE-APPROVE" {
                ap.remove_approver(s.author);
                continue;
            }
            if name != "APPROVE" && name != "LGTM" {
                continue;
            }
            if args.contains("cancel") {
                ap.remove_approver(s.author);
                continue;
            }
            let no_issue = args == "no-issue";
            if s.author == pr_author {
                ap.add_author_self_approver(s.author, s.html_url, no_issue);
            }
            if name == "APPROVE" {
                ap.add_approver(s.author, s.html_url, no_issue);
            } else {
                ap.add_lgtmer(s.author, s.html_url, no_issue);
            }
        }
    }
}

/// `https://github.com/org/repo`: upstream sets the repository as the path of `github.link_url`.
fn repo_url(config: &Config, repo: &RepoRef) -> String {
    let link = config.prow.github.link_url.trim();
    let link = if link.is_empty() {
        "https://github.com"
    } else {
        link
    };
    let (scheme, rest) = link.split_once("://").unwrap_or(("https", link));
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    format!("{scheme}://{host}/{}/{}", repo.org, repo.name)
}

/// Upstream `handle`: who approved what, the notifier, the label.
fn handle(config: &Config, facts: &Facts, state: &State<'_>) -> Result<Vec<Action>, NeedFacts> {
    let pull = &state.pull;
    let repo = &pull.repo;
    let options = config.plugins.approve_for(&repo.org, &repo.name);
    facts.need([
        Fact::BotLogin,
        Fact::ChangedFiles(pull.clone()),
        Fact::Labels(pull.clone()),
        Fact::Comments(pull.clone()),
        Fact::ReviewComments(pull.clone()),
        Fact::Reviews(pull.clone()),
    ])?;
    let filenames: Vec<String> = facts
        .changed_files(pull)?
        .iter()
        .map(|c| c.filename.clone())
        .collect();
    let repo_owners = crate::owners::repo_owners(config, facts, repo, state.branch, &filenames)?;
    // Upstream compares the label's name exactly here.
    let has_approved_label = facts.labels(pull)?.contains(&APPROVED_LABEL);
    let issue_comments = facts.comments(pull)?;
    let review_comments = facts.review_comments(pull)?;
    let reviews = facts.reviews(pull)?;

    let owners = Owners::new(
        &filenames,
        &repo_owners,
        i64::try_from(pull.number.0).unwrap_or(0),
    );
    let mut ap = Approvers::new(&owners);
    ap.associated_issue = associated_issue(state.body, &repo.org);
    ap.require_issue = options.issue_required;
    if options.has_self_approval() {
        ap.add_author_self_approver(state.author, &format!("{}#", state.html_url), false);
    }

    // GitHub Apps that reviewed are bots too.
    let app_bots: Vec<&str> = reviews
        .iter()
        .filter(|r| r.user.kind == "Bot")
        .map(|r| r.user.login.as_str())
        .collect();
    let mut said: Vec<Said<'_>> = review_comments.iter().map(Said::comment).collect();
    said.extend(issue_comments.iter().map(Said::comment));
    said.extend(reviews.iter().map(Said::review));
    // Stable: texts of the same second keep that order.
    said.sort_by_key(|s| instant(s.created_at));
    let consider_review_state = options.consider_review_state();
    let mut approving = Vec::new();
    for s in said {
        if facts.is_bot(s.author)? || app_bots.contains(&s.author) {
            continue;
        }
        let state_counts = s
            .review_state
            .is_some_and(|r| is_approval_state(r, consider_review_state));
        if is_approval_command(s.body, options.lgtm_acts_as_approve) || state_counts {
            approving.push(s);
        }
    }
    add_approvers(&mut ap, &approving, state.author, consider_review_state);
    for assignee in state.assignees {
        ap.add_assignee(&assignee.login);
    }

    // Upstream asks whether a human added the label only when the answer matters.
    if has_approved_label && ap.needs_manual_approval_check() {
        facts.need([Fact::IssueEvents(pull.clone())])?;
        let last_added = facts.issue_events(pull)?.iter().rev().find(|e| {
            e.event == "labeled" && e.label.as_ref().is_some_and(|l| l.name == APPROVED_LABEL)
        });
        let actor = last_added
            .and_then(|e| e.actor.as_ref())
            .map_or("", |a| a.login.as_str());
        ap.manually_approved = !actor.is_empty() && !facts.is_bot(actor)?;
    }

    let base_url = repo_url(config, repo);
    let message = ap.message(&Links {
        base_url: &base_url,
        branch: state.branch,
        command_help: &options.command_help_link,
        pr_process: &options.pr_process_link,
        org: &repo.org,
        repo: &repo.name,
    });
    let mut notifications = Vec::new();
    for comment in issue_comments {
        if facts.is_bot(&comment.user.login)? && NOTIFICATION.is_match(&comment.body) {
            notifications.push(comment);
        }
    }
    let mut actions = notifier_actions(pull, &notifications, message);
    if !ap.is_approved() {
        if has_approved_label {
            actions.push(Action::remove_label(pull, APPROVED_LABEL));
        }
    } else if !has_approved_label {
        actions.push(Action::add_label(pull, APPROVED_LABEL));
    }
    Ok(actions)
}

/// The notifier kept in one comment: the latest edited if its text is not the message's
/// (upstream: contains it), the others deleted, one posted when there is none.
fn notifier_actions(pull: &IssueRef, notifications: &[&Comment], message: String) -> Vec<Action> {
    let Some((latest, older)) = notifications.split_last() else {
        return vec![Action::Comment {
            on: pull.clone(),
            body: message,
            dedupe: Dedupe::Marker(format!("[{}]", approvers::NOTIFICATION_NAME.to_uppercase())),
        }];
    };
    let mut actions: Vec<Action> = older
        .iter()
        .map(|c| Action::DeleteComment {
            repo: pull.repo.clone(),
            id: c.id,
        })
        .collect();
    if !latest.body.contains(&message) {
        actions.push(Action::EditComment {
            repo: pull.repo.clone(),
            id: latest.id,
            body: message,
        });
    }
    actions
}

#[cfg(test)]
mod tests;
