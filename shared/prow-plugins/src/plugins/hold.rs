//! `hold` (upstream `pkg/plugins/hold`): anyone may put a pull request on hold, so tide does not
//! merge it, and take it off hold again, without withholding approval.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern, set_label};
use crate::help::{Commands, command};
use crate::{Action, EventKind, Fact, Facts, Input, NeedFacts, PluginHelp};
use prow_config::Config;

/// The label tide refuses to merge.
pub const HOLD_LABEL: &str = "do-not-merge/hold";

// Go's `\s` is ASCII whitespace; `(?-u:\s)` is Rust's spelling of it.
static HOLD: Pattern = Pattern::new(|| pattern(r"(?mi)^/hold((?-u:\s).*)?$"));
static CANCEL: Pattern =
    Pattern::new(|| pattern(r"(?mi)^/(remove-hold|hold(?-u:\s)+cancel|unhold)((?-u:\s).*)?$"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    /// `/hold`, `/hold cancel`, `/unhold`, `/remove-hold`: upstream documents them as one.
    Hold,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Hold];

    fn help(self) -> crate::Command {
        match self {
            Command::Hold => command(
                "/[remove-][un]hold [cancel]",
                &format!(
                    "Adds or removes the `{HOLD_LABEL}` Label which is used to indicate that the PR should not be automatically merged."
                ),
                &format!(
                    "Anyone can use the /hold command to add or remove the '{HOLD_LABEL}' Label."
                ),
                &["/hold", "/hold cancel", "/unhold", "/remove-hold"],
            ),
        }
    }
}

pub struct Hold;

impl Builtin for Hold {
    const NAME: &'static str = "hold";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, _: &Config, _: &[String]) -> PluginHelp {
        PluginHelp::new(format!(
            "The hold plugin allows anyone to add or remove the '{HOLD_LABEL}' Label from a pull request in order to temporarily prevent the PR from merging without withholding approval."
        ))
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment(input).filter(|c| c.is_pr) else {
            return Ok(Vec::new());
        };
        // Cancelling wins when a comment says both.
        let wants_hold = if CANCEL.is_match(&comment.body) {
            false
        } else if HOLD.is_match(&comment.body) {
            true
        } else {
            return Ok(Vec::new());
        };
        let pull = commented_issue(comment);
        facts.need([Fact::Labels(pull.clone())])?;
        let held = facts.has_label(&pull, HOLD_LABEL)?;
        Ok(set_label(&pull, HOLD_LABEL, held, wants_hold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{PR, comment_on_issue, comment_on_pr, edited, labels, plan};

    #[test]
    fn hold_and_its_cancels_set_the_label_only_when_it_changes() {
        let add = vec![Action::add_label(&PR, HOLD_LABEL)];
        let remove = vec![Action::remove_label(&PR, HOLD_LABEL)];
        for (body, has_hold, expected) in [
            ("/hold", false, add.clone()),
            ("/hold", true, vec![]),
            ("/HOLD", false, add.clone()),
            ("/hold for the release", false, add.clone()),
            ("please wait\n/hold\n", false, add.clone()),
            ("/hold cancel", true, remove.clone()),
            ("/hold   cancel", true, remove.clone()),
            ("/unhold", true, remove.clone()),
            ("/remove-hold", true, remove.clone()),
            ("/hold cancel", false, vec![]),
            ("/hold\n/hold cancel", true, remove.clone()),
            ("no command", true, vec![]),
            ("/holdx", false, vec![]),
            ("text /hold", false, vec![]),
        ] {
            let facts = labels(&PR, if has_hold { &[HOLD_LABEL] } else { &[] });
            let delivery = comment_on_pr(&PR, "anyone", body);
            assert_eq!(
                plan(&Hold, &delivery, &facts),
                Ok(expected),
                "{body:?}, held: {has_hold}"
            );
        }
    }

    #[test]
    fn issues_and_edited_comments_are_left_alone_without_a_call() {
        let facts = Facts::new();
        let on_issue = comment_on_issue(&PR, "anyone", "/hold");
        assert_eq!(plan(&Hold, &on_issue, &facts), Ok(vec![]));
        let edited = edited(comment_on_pr(&PR, "anyone", "/hold"));
        assert_eq!(plan(&Hold, &edited, &facts), Ok(vec![]));
    }

    #[test]
    fn the_labels_are_asked_for_first() {
        let delivery = comment_on_pr(&PR, "anyone", "/hold");
        assert_eq!(
            plan(&Hold, &delivery, &Facts::new()),
            Err(NeedFacts::one(Fact::Labels(PR.clone())))
        );
    }
}
