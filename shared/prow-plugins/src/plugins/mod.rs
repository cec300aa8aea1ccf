//! The plugins, one file each, by the name `plugins.yaml` enables them by.

pub mod approve;
pub mod assign;
pub mod blunderbuss;
pub mod cat;
pub mod config_updater;
pub mod help;
pub mod hold;
pub mod label;
pub mod lgtm;
pub mod lifecycle;
pub mod milestone;
pub mod milestonestatus;
pub mod needs_rebase;
pub mod r#override;
pub mod release_note;
pub mod require_matching_label;
pub mod retitle;
pub mod size;
pub mod skip;
pub mod trigger;
pub mod verify_owners;
pub mod welcome;
pub mod wip;

use crate::{Action, EventKind, Facts, Input, IssueRef, NeedFacts, Plugin, PluginHelp};
use prow_config::Config;
use prow_github::Event;
use prow_github::comment::{GenericCommentAction, GenericCommentEvent, format_response_raw};
use prow_github::events::PullRequestEvent;
use prow_github::vocabulary::PullRequestAction;
use regex::Regex;
use std::sync::LazyLock;

/// A plugin of this crate: its name and events are constants beside its help and plan, and it is
/// a [`Plugin`] by them. ([`Plugin`] itself cannot hold constants and still be a `dyn Plugin`.)
pub(crate) trait Builtin: Send + Sync {
    /// The name `plugins.yaml` enables it by (upstream's).
    const NAME: &'static str;
    /// The events it handles; [`EventKind::Ping`] for a periodic sweep.
    const EVENTS: &'static [EventKind];
    /// [`Plugin::help`].
    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp;
    /// [`Plugin::plan`].
    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts>;
}

impl<P: Builtin> Plugin for P {
    fn name(&self) -> &'static str {
        P::NAME
    }

    fn events(&self) -> &'static [EventKind] {
        P::EVENTS
    }

    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp {
        Builtin::help(self, config, enabled_repos)
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        Builtin::plan(self, input, facts)
    }
}

/// A regex from a constant pattern (a typo fails every test of its plugin at once).
pub(crate) fn pattern(source: &str) -> Regex {
    match Regex::new(source) {
        Ok(regex) => regex,
        Err(error) => crate::bug(format_args!(
            "the pattern {source:?} does not compile: {error}"
        )),
    }
}

/// A lazily compiled constant pattern.
pub(crate) type Pattern = LazyLock<Regex>;

/// The comment view of the delivery, for a newly created comment (what most commands act on).
pub(crate) fn new_comment<'a>(input: &'a Input<'_>) -> Option<&'a GenericCommentEvent> {
    input
        .delivery()
        .and_then(|d| d.comment.as_ref())
        .filter(|c| c.action == GenericCommentAction::Created)
}

/// [`new_comment`], on an open pull request.
pub(crate) fn new_comment_on_open_pr<'a>(input: &'a Input<'_>) -> Option<&'a GenericCommentEvent> {
    new_comment(input).filter(|c| c.is_pr && c.issue_state == "open")
}

/// The delivery's pull request event, when its action is one of `actions`.
pub(crate) fn pull_request_event<'a>(
    input: &'a Input<'_>,
    actions: &[PullRequestAction],
) -> Option<&'a PullRequestEvent> {
    match input.delivery().map(|d| &d.event) {
        Some(Event::PullRequest(event)) if actions.contains(&event.action) => Some(event),
        _ => None,
    }
}

/// The pull request of `event`, in its base repository (the event's when the payload names none).
pub(crate) fn base_pull(event: &PullRequestEvent) -> IssueRef {
    let base = event.pull_request.base.repo.as_ref().unwrap_or(&event.repo);
    IssueRef::new(base.org(), &base.name, event.pull_request.number)
}

/// The bot's answer to `comment`: `message`, addressed to its author and quoting the comment.
pub(crate) fn reply(comment: &GenericCommentEvent, message: &str) -> Action {
    Action::comment(
        &commented_issue(comment),
        format_response_raw(
            &comment.body,
            &comment.html_url,
            &comment.user.login,
            message,
        ),
    )
}

/// What gives `issue` the `label` exactly when it is `wanted`, given whether it `has` it now.
pub(crate) fn set_label(issue: &IssueRef, label: &str, has: bool, wanted: bool) -> Vec<Action> {
    match (has, wanted) {
        (false, true) => vec![Action::add_label(issue, label)],
        (true, false) => vec![Action::remove_label(issue, label)],
        _ => Vec::new(),
    }
}

/// The issue or pull request a comment is on.
pub(crate) fn commented_issue(comment: &GenericCommentEvent) -> IssueRef {
    IssueRef::new(comment.repo.org(), &comment.repo.name, comment.number)
}
