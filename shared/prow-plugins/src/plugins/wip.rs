//! `wip` (upstream `pkg/plugins/wip`): a pull request whose title starts with `WIP` or that is a
//! draft carries `do-not-merge/work-in-progress`, so tide does not merge it; the label goes again
//! when the prefix goes or the pull request is ready for review.

use super::{Builtin, Pattern, base_pull, pattern, pull_request_event, set_label};
use crate::{Action, EventKind, Fact, Facts, Input, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::vocabulary::PullRequestAction;

/// The label tide refuses to merge.
pub const WIP_LABEL: &str = "do-not-merge/work-in-progress";

// Upstream `(?i)^\W?WIP\W`. Go's `\W` is any character but an ASCII word character, so `é` or
// an emoji before `WIP` still counts (`(?-u:\W)` would match bytes, which Rust refuses in text).
static TITLE: Pattern = Pattern::new(|| pattern(r"^[^0-9A-Za-z_]?(?i:WIP)[^0-9A-Za-z_]"));

pub struct Wip;

impl Builtin for Wip {
    const NAME: &'static str = "wip";
    const EVENTS: &'static [EventKind] = &[EventKind::PullRequest];

    fn help(&self, _: &Config, _: &[String]) -> PluginHelp {
        PluginHelp::new(format!(
            "The wip (Work In Progress) plugin applies the '{WIP_LABEL}' Label to pull requests whose title starts with 'WIP' or are in the 'draft' stage, and removes it from pull requests when they remove the title prefix or become ready for review. The '{WIP_LABEL}' Label is typically used to block a pull request from merging while it is still in progress."
        ))
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        // Upstream's list: `synchronize` changes neither the title nor the draft state.
        let Some(event) = pull_request_event(
            input,
            &[
                PullRequestAction::Opened,
                PullRequestAction::Reopened,
                PullRequestAction::Edited,
                PullRequestAction::ReadyForReview,
                PullRequestAction::ConvertedToDraft,
            ],
        ) else {
            return Ok(Vec::new());
        };
        let pull_request = &event.pull_request;
        let pull = base_pull(event);
        let needs_label = pull_request.draft || TITLE.is_match(&pull_request.title);
        facts.need([Fact::Labels(pull.clone())])?;
        // Upstream compares the name exactly here, unlike most plugins.
        let has_label = facts.labels(&pull)?.contains(&WIP_LABEL);
        Ok(set_label(&pull, WIP_LABEL, has_label, needs_label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{PR, comment_on_pr, labels, plan, pull_request_event_with};
    use serde_json::json;

    fn event(action: &str, title: &str, draft: bool) -> crate::Delivery {
        pull_request_event_with(&PR, action, "alice", "alice", |payload| {
            payload["pull_request"]["title"] = json!(title);
            payload["pull_request"]["draft"] = json!(draft);
        })
    }

    #[test]
    fn titles_match_as_upstreams_ascii_pattern() {
        for (title, matches) in [
            ("WIP dummy title", true),
            ("WIP: dummy title", true),
            ("[WIP] dummy title", true),
            ("(WIP) dummy title", true),
            ("<WIP> dummy title", true),
            ("wip dummy title", true),
            ("[wip] dummy title", true),
            ("(wip) dummy title", true),
            ("<wip> dummy title", true),
            ("WIP:", true),
            ("wip-x", true),
            (" WIP x", true),
            ("éWIP x", true),
            ("🚧WIP x", true),
            ("dummy title", false),
            ("Wipe out GCP project before reusing", false),
            ("WIP", false),
            ("WIPx", false),
            ("WIP_x", false),
            ("  WIP x", false),
            ("xWIP x", false),
        ] {
            assert_eq!(TITLE.is_match(title), matches, "{title:?}");
        }
    }

    #[test]
    fn the_label_follows_the_title_and_the_draft_state() {
        let add = vec![Action::add_label(&PR, WIP_LABEL)];
        let remove = vec![Action::remove_label(&PR, WIP_LABEL)];
        for (action, title, draft, current, expected) in [
            ("opened", "[WIP] widget", false, &[][..], add.clone()),
            ("opened", "widget", true, &[], add.clone()),
            ("opened", "widget", false, &[], vec![]),
            ("opened", "[WIP] widget", false, &[WIP_LABEL], vec![]),
            ("edited", "widget", false, &[WIP_LABEL], remove.clone()),
            ("edited", "WIP: widget", false, &["lgtm"], add.clone()),
            ("reopened", "WIP widget", false, &[], add.clone()),
            (
                "ready_for_review",
                "widget",
                false,
                &[WIP_LABEL],
                remove.clone(),
            ),
            (
                "ready_for_review",
                "WIP widget",
                false,
                &[WIP_LABEL],
                vec![],
            ),
            ("converted_to_draft", "widget", true, &[], add.clone()),
            // Exact names: another case is not the label, so it is added beside it.
            (
                "opened",
                "WIP widget",
                false,
                &["Do-Not-Merge/Work-In-Progress"],
                add.clone(),
            ),
            (
                "opened",
                "widget",
                false,
                &["Do-Not-Merge/Work-In-Progress"],
                vec![],
            ),
        ] {
            let facts = labels(&PR, current);
            assert_eq!(
                plan(&Wip, &event(action, title, draft), &facts),
                Ok(expected),
                "{action} {title:?} draft: {draft} labels: {current:?}"
            );
        }
    }

    #[test]
    fn other_actions_and_events_are_left_alone_without_a_call() {
        let facts = crate::Facts::new();
        for action in ["synchronize", "closed", "labeled", "assigned"] {
            assert_eq!(
                plan(&Wip, &event(action, "WIP widget", true), &facts),
                Ok(vec![]),
                "{action}"
            );
        }
        let comment = comment_on_pr(&PR, "alice", "WIP");
        assert_eq!(plan(&Wip, &comment, &facts), Ok(vec![]));
    }

    #[test]
    fn the_labels_are_asked_for_first() {
        assert_eq!(
            plan(
                &Wip,
                &event("opened", "widget", false),
                &crate::Facts::new()
            ),
            Err(NeedFacts::one(Fact::Labels(PR.clone())))
        );
    }

    #[test]
    fn help_is_upstreams() {
        let help = Wip.help(&Config::default(), &[]);
        insta::assert_snapshot!(help.description);
        assert!(help.commands.is_empty());
    }
}
