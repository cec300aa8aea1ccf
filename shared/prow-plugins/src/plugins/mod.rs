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

use crate::{Input, IssueRef};
use prow_github::comment::{GenericCommentAction, GenericCommentEvent};
use regex::Regex;
use std::sync::LazyLock;

/// A regex from a constant pattern (a typo fails every test of its plugin at once).
pub(crate) fn pattern(source: &str) -> Regex {
    match Regex::new(source) {
        Ok(regex) => regex,
        Err(error) => unreachable_pattern(source, &error),
    }
}

#[expect(
    clippy::panic,
    reason = "a constant pattern that does not compile is a bug"
)]
fn unreachable_pattern(source: &str, error: &regex::Error) -> ! {
    panic!("the pattern {source:?} does not compile: {error}")
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

/// The issue or pull request a comment is on.
pub(crate) fn commented_issue(comment: &GenericCommentEvent) -> IssueRef {
    IssueRef::new(comment.repo.org(), &comment.repo.name, comment.number)
}
