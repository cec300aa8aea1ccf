//! `lifecycle` (upstream `pkg/plugins/lifecycle`): `/close [not-planned]` and `/reopen` by the
//! author or a collaborator (anyone may close what is stale or rotten), and
//! `/[remove-]lifecycle active|frozen|stale|rotten` by anyone, one lifecycle label at a time.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern, reply};
use crate::help::{Commands, command};
use crate::{Action, EventKind, Fact, Facts, Input, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::comment::GenericCommentEvent;

pub const ACTIVE: &str = "lifecycle/active";
pub const FROZEN: &str = "lifecycle/frozen";
pub const STALE: &str = "lifecycle/stale";
pub const ROTTEN: &str = "lifecycle/rotten";
/// Every lifecycle label; an issue carries at most one.
const LIFECYCLE_LABELS: [&str; 4] = [ACTIVE, FROZEN, STALE, ROTTEN];

// Go's `\s` is ASCII whitespace (`-u`).
static LIFECYCLE: Pattern =
    Pattern::new(|| pattern(r"(?mi-u)^/(remove-)?lifecycle (active|frozen|stale|rotten)\s*$"));
static CLOSE: Pattern = Pattern::new(|| pattern(r"(?mi-u)^/close\s*$"));
static CLOSE_NOT_PLANNED: Pattern = Pattern::new(|| pattern(r"(?mi-u)^/close not-planned\s*$"));
static REOPEN: Pattern = Pattern::new(|| pattern(r"(?mi-u)^/reopen\s*$"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Close,
    Reopen,
    Lifecycle,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Close, Command::Reopen, Command::Lifecycle];

    fn help(self) -> crate::Command {
        match self {
            Command::Close => command(
                "/close [not-planned]",
                "Closes an issue or PR.",
                "Authors and collaborators on the repository can trigger this command.",
                &["/close", "/close not-planned"],
            ),
            Command::Reopen => command(
                "/reopen",
                "Reopens an issue or PR",
                "Authors and collaborators on the repository can trigger this command.",
                &["/reopen"],
            ),
            Command::Lifecycle => command(
                "/[remove-]lifecycle <frozen|stale|rotten>",
                "Flags an issue or PR as frozen/stale/rotten",
                "Anyone can trigger this command.",
                &["/lifecycle frozen", "/remove-lifecycle stale"],
            ),
        }
    }
}

pub struct Lifecycle;

impl Builtin for Lifecycle {
    const NAME: &'static str = "lifecycle";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, _: &Config, _: &[String]) -> PluginHelp {
        PluginHelp::new("Close, reopen, flag and/or unflag an issue or PR as frozen/stale/rotten")
            .with_commands::<Command>()
    }

    /// Upstream's order: reopen, close, then the labels, each deciding on its own.
    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment(input) else {
            return Ok(Vec::new());
        };
        let mut actions = reopen(comment, facts)?;
        actions.extend(close(comment, facts)?);
        actions.extend(flag(comment, facts)?);
        Ok(actions)
    }
}

/// Whether the commenter wrote the issue, and whether they are a collaborator (asked even of the
/// author, as upstream asks).
fn author_or_collaborator(
    comment: &GenericCommentEvent,
    facts: &Facts,
) -> Result<(bool, bool), NeedFacts> {
    let issue = commented_issue(comment);
    let is_author = comment.issue_author.login == comment.user.login;
    let is_collaborator = facts.is_collaborator(&issue.repo, &comment.user.login)?;
    Ok((is_author, is_collaborator))
}

/// Upstream `handleReopen`.
fn reopen(comment: &GenericCommentEvent, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
    if comment.issue_state != "closed" || !REOPEN.is_match(&comment.body) {
        return Ok(Vec::new());
    }
    let (is_author, is_collaborator) = author_or_collaborator(comment, facts)?;
    if !is_author && !is_collaborator {
        return Ok(vec![reply(
            comment,
            "You can't reopen an issue/PR unless you authored it or you are a collaborator.",
        )]);
    }
    let issue = commented_issue(comment);
    let done = if comment.is_pr {
        "Reopened this PR."
    } else {
        "Reopened this issue."
    };
    Ok(vec![Action::Reopen { on: issue }, reply(comment, done)])
}

/// Upstream `handleClose`.
fn close(comment: &GenericCommentEvent, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
    let not_planned = CLOSE_NOT_PLANNED.is_match(&comment.body);
    if comment.issue_state != "open" || !(CLOSE.is_match(&comment.body) || not_planned) {
        return Ok(Vec::new());
    }
    let issue = commented_issue(comment);
    facts.need([
        Fact::collaborator(&issue.repo, &comment.user.login),
        Fact::Labels(issue.clone()),
    ])?;
    let (is_author, is_collaborator) = author_or_collaborator(comment, facts)?;
    let active = !(facts.has_label(&issue, STALE)? || facts.has_label(&issue, ROTTEN)?);
    if !is_author && !is_collaborator && active {
        return Ok(vec![reply(
            comment,
            "You can't close an active issue/PR unless you authored it or you are a collaborator.",
        )]);
    }
    if comment.is_pr {
        if not_planned {
            return Ok(vec![reply(comment, "PRs cannot be closed as Not Planned.")]);
        }
        return Ok(vec![
            Action::Close {
                on: issue,
                reason: None,
            },
            reply(comment, "Closed this PR."),
        ]);
    }
    let (reason, done) = if not_planned {
        (
            "not_planned",
            "Closing this issue, marking it as \"Not Planned\".",
        )
    } else {
        ("completed", "Closing this issue.")
    };
    Ok(vec![
        Action::Close {
            on: issue,
            reason: Some(reason.to_string()),
        },
        reply(comment, done),
    ])
}

/// Upstream `handle`: each `/[remove-]lifecycle` line in turn, against the labels as the lines
/// before it left them.
fn flag(comment: &GenericCommentEvent, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
    let lines: Vec<(bool, String)> = LIFECYCLE
        .captures_iter(&comment.body)
        .map(|found| {
            let remove = found.get(1).is_some();
            let state = found.get(2).map_or("", |m| m.as_str()).to_lowercase();
            (remove, format!("lifecycle/{state}"))
        })
        .collect();
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let issue = commented_issue(comment);
    let mut labels: Vec<String> = if lines
        .iter()
        .all(|(remove, label)| comment.is_pr && !remove && label == FROZEN)
    {
        Vec::new() // only refusals: no labels to read
    } else {
        facts
            .labels(&issue)?
            .iter()
            .map(|l| l.to_string())
            .collect()
    };
    let mut actions = Vec::new();
    for (remove, label) in lines {
        if comment.is_pr && label == FROZEN && !remove {
            actions.push(reply(
                comment,
                &format!("The `{FROZEN}` label cannot be applied to Pull Requests."),
            ));
            continue;
        }
        let has =
            |labels: &[String], wanted: &str| labels.iter().any(|l| l.eq_ignore_ascii_case(wanted));
        if remove {
            if has(&labels, &label) {
                actions.push(Action::remove_label(&issue, &label));
                labels.retain(|l| !l.eq_ignore_ascii_case(&label));
            }
            continue;
        }
        if has(&labels, &label) {
            continue;
        }
        for other in LIFECYCLE_LABELS {
            if other != label && has(&labels, other) {
                actions.push(Action::remove_label(&issue, other));
                labels.retain(|l| !l.eq_ignore_ascii_case(other));
            }
        }
        actions.push(Action::add_label(&issue, &label));
        labels.push(label);
    }
    Ok(actions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Delivery;
    use crate::testing::{Given, PR, comment, labels, plan, reply_message, with_issue_state};

    /// A comment by `login` on the PR (or issue) `PR` written by alice, in `state`.
    fn said(login: &str, body: &str, is_pr: bool, state: &str) -> Delivery {
        with_issue_state(comment(&PR, login, body, is_pr, "alice"), state)
    }

    fn who(login: &str, is_collaborator: bool, on: &[&str]) -> Facts {
        labels(&PR, on).collaborator(&PR.repo, login, is_collaborator)
    }

    /// The plan as kinds, with each reply's message (its first line after the mention).
    fn outline(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .map(|action| match action {
                Action::Comment { body, .. } => format!("reply {}", reply_message(body)),
                Action::Close { reason, .. } => format!("close {reason:?}"),
                Action::AddLabel { label, .. } => format!("+{label}"),
                Action::RemoveLabel { label, .. } => format!("-{label}"),
                other => other.kind().to_string(),
            })
            .collect()
    }

    #[test]
    fn close_and_reopen_are_for_the_author_and_collaborators() {
        for (login, collaborator, body, is_pr, state, on, expected) in [
            (
                "alice",
                false,
                "/close",
                true,
                "open",
                &[][..],
                &["close None", "reply Closed this PR."][..],
            ),
            (
                "carol",
                true,
                "/close",
                true,
                "open",
                &[],
                &["close None", "reply Closed this PR."],
            ),
            (
                "mallory",
                false,
                "/close",
                true,
                "open",
                &[],
                &[
                    "reply You can't close an active issue/PR unless you authored it or you are a collaborator.",
                ],
            ),
            (
                "mallory",
                false,
                "/close",
                false,
                "open",
                &[STALE],
                &["close Some(\"completed\")", "reply Closing this issue."],
            ),
            (
                "mallory",
                false,
                "/close",
                false,
                "open",
                &[ROTTEN],
                &["close Some(\"completed\")", "reply Closing this issue."],
            ),
            (
                "mallory",
                false,
                "/close",
                false,
                "open",
                &[FROZEN],
                &[
                    "reply You can't close an active issue/PR unless you authored it or you are a collaborator.",
                ],
            ),
            (
                "carol",
                true,
                "/close not-planned",
                false,
                "open",
                &[],
                &[
                    "close Some(\"not_planned\")",
                    "reply Closing this issue, marking it as \"Not Planned\".",
                ],
            ),
            (
                "carol",
                true,
                "/close not-planned",
                true,
                "open",
                &[],
                &["reply PRs cannot be closed as Not Planned."],
            ),
            (
                "carol",
                true,
                "/CLOSE  \r\n",
                true,
                "open",
                &[],
                &["close None", "reply Closed this PR."],
            ),
            ("carol", true, "/close", true, "closed", &[], &[]),
            ("carol", true, "/close please", true, "open", &[], &[]),
            ("carol", true, "I will /close", true, "open", &[], &[]),
            (
                "alice",
                false,
                "/reopen",
                true,
                "closed",
                &[],
                &["reopen", "reply Reopened this PR."],
            ),
            (
                "carol",
                true,
                "/reopen",
                false,
                "closed",
                &[],
                &["reopen", "reply Reopened this issue."],
            ),
            (
                "mallory",
                false,
                "/reopen",
                false,
                "closed",
                &[STALE],
                &[
                    "reply You can't reopen an issue/PR unless you authored it or you are a collaborator.",
                ],
            ),
            ("carol", true, "/reopen", false, "open", &[], &[]),
        ] {
            let delivery = said(login, body, is_pr, state);
            let actions = plan(&Lifecycle, &delivery, &who(login, collaborator, on));
            let actions = actions.unwrap_or_else(|need| panic!("{body:?} needs {need:?}"));
            assert_eq!(
                outline(&actions),
                expected,
                "{login} says {body:?} on {state} {on:?}"
            );
        }
    }

    #[test]
    fn lifecycle_labels_replace_each_other_and_frozen_is_not_for_pull_requests() {
        for (body, is_pr, on, expected) in [
            (
                "/lifecycle stale",
                false,
                &[][..],
                &["+lifecycle/stale"][..],
            ),
            (
                "/lifecycle Rotten",
                false,
                &[STALE],
                &["-lifecycle/stale", "+lifecycle/rotten"],
            ),
            (
                "/lifecycle frozen",
                false,
                &[STALE, ROTTEN],
                &["-lifecycle/stale", "-lifecycle/rotten", "+lifecycle/frozen"],
            ),
            ("/lifecycle stale", false, &[STALE], &[]),
            (
                "/remove-lifecycle stale",
                false,
                &[STALE],
                &["-lifecycle/stale"],
            ),
            ("/remove-lifecycle stale", false, &[], &[]),
            (
                "/lifecycle active",
                true,
                &[ROTTEN],
                &["-lifecycle/rotten", "+lifecycle/active"],
            ),
            (
                "/lifecycle frozen",
                true,
                &[],
                &["reply The `lifecycle/frozen` label cannot be applied to Pull Requests."],
            ),
            (
                "/remove-lifecycle frozen",
                true,
                &[FROZEN],
                &["-lifecycle/frozen"],
            ),
            (
                "/lifecycle stale\n/lifecycle rotten",
                false,
                &[],
                &["+lifecycle/stale", "-lifecycle/stale", "+lifecycle/rotten"],
            ),
            (
                "/lifecycle stale\n/remove-lifecycle stale",
                false,
                &[],
                &["+lifecycle/stale", "-lifecycle/stale"],
            ),
            ("/lifecycle dead", false, &[], &[]),
            ("/lifecycle stale now", false, &[], &[]),
        ] {
            let delivery = said("mallory", body, is_pr, "open");
            let actions = plan(&Lifecycle, &delivery, &labels(&PR, on));
            let actions = actions.unwrap_or_else(|need| panic!("{body:?} needs {need:?}"));
            assert_eq!(outline(&actions), expected, "{body:?} on {on:?}");
        }
    }

    #[test]
    fn a_pull_request_only_refused_frozen_reads_no_labels() {
        let delivery = said("mallory", "/lifecycle frozen", true, "open");
        assert!(plan(&Lifecycle, &delivery, &Facts::new()).is_ok());
        let on_issue = said("mallory", "/lifecycle frozen", false, "open");
        assert_eq!(
            plan(&Lifecycle, &on_issue, &Facts::new()),
            Err(NeedFacts::one(Fact::Labels(PR.clone())))
        );
    }

    #[test]
    fn close_asks_for_the_commenter_and_the_labels_together() {
        let delivery = said("carol", "/close", true, "open");
        let Err(NeedFacts(needed)) = plan(&Lifecycle, &delivery, &Facts::new()) else {
            panic!("close needs facts");
        };
        assert_eq!(needed.len(), 2, "{needed:?}");
    }

    #[test]
    fn replies_read_as_upstream_s() {
        let delivery = said("mallory", "/close", true, "open");
        let Ok(actions) = plan(&Lifecycle, &delivery, &who("mallory", false, &[])) else {
            panic!("facts given");
        };
        let [Action::Comment { body, .. }] = actions.as_slice() else {
            panic!("{actions:?}");
        };
        insta::assert_snapshot!(body);
    }
}
