//! `help` (upstream `pkg/plugins/help`): anyone marks an open issue as wanting help
//! (`/help`, the `help wanted` label) or as good for newcomers (`/good-first-issue`, both labels),
//! with a comment pointing at the guidelines; `/remove-help` and `/remove-good-first-issue` take
//! the labels off and delete those comments.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern};
use crate::help::{Commands, command};
use crate::{Action, EventKind, Fact, Facts, Input, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::comment::format_response_raw;

pub const HELP_LABEL: &str = "help wanted";
pub const GOOD_FIRST_ISSUE_LABEL: &str = "good first issue";

/// What the help comment says, to find it again when the label goes.
const HELP_MARK: &str = "This request has been marked as needing help from a contributor.";
const GOOD_FIRST_ISSUE_MARK: &str =
    "This request has been marked as suitable for new contributors.";

// Go's `\s` is ASCII whitespace (`-u`).
static HELP: Pattern = Pattern::new(|| pattern(r"(?mi-u)^/help\s*$"));
static REMOVE_HELP: Pattern = Pattern::new(|| pattern(r"(?mi-u)^/remove-help\s*$"));
static GOOD_FIRST_ISSUE: Pattern = Pattern::new(|| pattern(r"(?mi-u)^/good-first-issue\s*$"));
static REMOVE_GOOD_FIRST_ISSUE: Pattern =
    Pattern::new(|| pattern(r"(?mi-u)^/remove-good-first-issue\s*$"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    /// `/help`, `/good-first-issue` and their removals: upstream documents them as one.
    Help,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Help];

    fn help(self) -> crate::Command {
        match self {
            Command::Help => command(
                "/[remove-](help|good-first-issue)",
                &format!(
                    "Applies or removes the '{HELP_LABEL}' and '{GOOD_FIRST_ISSUE_LABEL}' labels to an issue."
                ),
                "Anyone can trigger this command on a PR.",
                &[
                    "/help",
                    "/remove-help",
                    "/good-first-issue",
                    "/remove-good-first-issue",
                ],
            ),
        }
    }
}

pub struct Help;

impl Builtin for Help {
    const NAME: &'static str = "help";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, _: &Config, _: &[String]) -> PluginHelp {
        PluginHelp::new(format!(
            "The help plugin provides commands that add or remove the '{HELP_LABEL}' and the '{GOOD_FIRST_ISSUE_LABEL}' labels from issues."
        ))
        .with_commands::<Command>()
    }

    /// Upstream `handle`: the first of remove-help, good-first-issue, help and
    /// remove-good-first-issue that would change something.
    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment(input).filter(|c| !c.is_pr && c.issue_state == "open")
        else {
            return Ok(Vec::new());
        };
        let body = comment.body.as_str();
        if ![
            &HELP,
            &REMOVE_HELP,
            &GOOD_FIRST_ISSUE,
            &REMOVE_GOOD_FIRST_ISSUE,
        ]
        .iter()
        .any(|command| command.is_match(body))
        {
            return Ok(Vec::new());
        }
        let issue = commented_issue(comment);
        facts.need([Fact::Labels(issue.clone())])?;
        let has_help = facts.has_label(&issue, HELP_LABEL)?;
        let has_good_first_issue = facts.has_label(&issue, GOOD_FIRST_ISSUE_LABEL)?;
        let guidelines = &input.config.plugins;
        let reply = |message: &str| {
            // Upstream quotes the command with a link to the issue, not the comment.
            Action::comment(
                &issue,
                format_response_raw(body, &comment.issue_html_url, &comment.user.login, message),
            )
        };
        // The bot's comments that say `mark`, to delete with the label.
        let prune = |mark: &str| -> Result<Vec<Action>, NeedFacts> {
            Ok(facts
                .bot_comments(&issue)?
                .into_iter()
                .filter(|c| c.body.contains(mark))
                .map(|c| Action::DeleteComment {
                    repo: issue.repo.clone(),
                    id: c.id,
                })
                .collect())
        };

        if has_help && REMOVE_HELP.is_match(body) {
            let mut actions = vec![Action::remove_label(&issue, HELP_LABEL)];
            actions.extend(prune(HELP_MARK)?);
            if has_good_first_issue {
                actions.push(Action::remove_label(&issue, GOOD_FIRST_ISSUE_LABEL));
                actions.extend(prune(GOOD_FIRST_ISSUE_MARK)?);
            }
            return Ok(actions);
        }
        if !has_good_first_issue && GOOD_FIRST_ISSUE.is_match(body) {
            let mut actions = vec![
                reply(&good_first_issue_message(guidelines)),
                Action::add_label(&issue, GOOD_FIRST_ISSUE_LABEL),
            ];
            if !has_help {
                actions.push(Action::add_label(&issue, HELP_LABEL));
            }
            return Ok(actions);
        }
        if !has_help && HELP.is_match(body) {
            return Ok(vec![
                reply(&help_message(guidelines)),
                Action::add_label(&issue, HELP_LABEL),
            ]);
        }
        if has_good_first_issue && REMOVE_GOOD_FIRST_ISSUE.is_match(body) {
            let mut actions = vec![Action::remove_label(&issue, GOOD_FIRST_ISSUE_LABEL)];
            actions.extend(prune(GOOD_FIRST_ISSUE_MARK)?);
            return Ok(actions);
        }
        Ok(Vec::new())
    }
}

/// Upstream `helpMsg`, with its indented first line.
fn help_message(plugins: &prow_config::PluginsConfig) -> String {
    guidelines_message(plugins, HELP_MARK, "", "`/remove-help`")
}

/// Upstream `goodFirstIssueMsg`.
fn good_first_issue_message(plugins: &prow_config::PluginsConfig) -> String {
    guidelines_message(
        plugins,
        GOOD_FIRST_ISSUE_MARK,
        "#good-first-issue",
        "`/remove-good-first-issue`",
    )
}

/// The message under `mark` pointing at the guidelines' `section` (`#…`, or `""` for all of
/// them), and saying which command (`remove`) takes the label off again.
fn guidelines_message(
    plugins: &prow_config::PluginsConfig,
    mark: &str,
    section: &str,
    remove: &str,
) -> String {
    let guidelines = &plugins.help;
    let url = guidelines.guidelines_url();
    if guidelines.help_guidelines_summary.is_empty() {
        format!(
            "\n\t{mark}\n\nPlease ensure the request meets the requirements listed [here]({url}{section}).\n\nIf this request no longer meets these requirements, the label can be removed\nby commenting with the {remove} command.\n"
        )
    } else {
        format!(
            "\n\t{mark}\n\n### Guidelines\n{}\n\nFor more details on the requirements of such an issue, please see [here]({url}{section}) and ensure that they are met.\n\nIf this request no longer meets these requirements, the label can be removed\nby commenting with the {remove} command.\n",
            guidelines.help_guidelines_summary
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Delivery;
    use crate::testing::{BOT, Given, PR, comment, labels, plan, plan_with, with_issue_state};

    fn on_issue(body: &str) -> Delivery {
        comment(&PR, "mallory", body, false, "alice")
    }

    fn outline(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .map(|action| match action {
                Action::Comment { body, .. } if body.contains(GOOD_FIRST_ISSUE_MARK) => {
                    "reply good-first-issue".to_string()
                }
                Action::Comment { body, .. } if body.contains(HELP_MARK) => {
                    "reply help".to_string()
                }
                Action::AddLabel { label, .. } => format!("+{label}"),
                Action::RemoveLabel { label, .. } => format!("-{label}"),
                Action::DeleteComment { id, .. } => format!("delete {id}"),
                other => format!("{other:?}"),
            })
            .collect()
    }

    /// The bot's help comment (1) and good-first-issue comment (2), and someone else's quoting
    /// the help text (3).
    fn commented(facts: Facts) -> Facts {
        let help = format!("@mallory: \n\t{HELP_MARK}\n...");
        let good_first_issue = format!("@mallory: \n\t{GOOD_FIRST_ISSUE_MARK}\n...");
        facts.bot().comments(
            &PR,
            &[
                (1, BOT, &help),
                (2, BOT, &good_first_issue),
                (3, "alice", &help),
            ],
        )
    }

    #[test]
    fn commands_set_and_take_off_the_labels_in_upstream_s_order() {
        let help = HELP_LABEL;
        let gfi = GOOD_FIRST_ISSUE_LABEL;
        for (body, on, expected) in [
            ("/help", &[][..], &["reply help", "+help wanted"][..]),
            ("/HELP \r\n", &[], &["reply help", "+help wanted"]),
            ("/help", &[help], &[]),
            (
                "/good-first-issue",
                &[],
                &[
                    "reply good-first-issue",
                    "+good first issue",
                    "+help wanted",
                ],
            ),
            (
                "/good-first-issue",
                &[help],
                &["reply good-first-issue", "+good first issue"],
            ),
            ("/good-first-issue", &[help, gfi], &[]),
            ("/remove-help", &[help], &["-help wanted", "delete 1"]),
            (
                "/remove-help",
                &[help, gfi],
                &["-help wanted", "delete 1", "-good first issue", "delete 2"],
            ),
            ("/remove-help", &[gfi], &[]),
            (
                "/remove-good-first-issue",
                &[help, gfi],
                &["-good first issue", "delete 2"],
            ),
            ("/remove-good-first-issue", &[help], &[]),
            // One change per comment, the first in upstream's order.
            (
                "/help\n/good-first-issue",
                &[],
                &[
                    "reply good-first-issue",
                    "+good first issue",
                    "+help wanted",
                ],
            ),
            (
                "/remove-help\n/help",
                &[help],
                &["-help wanted", "delete 1"],
            ),
            ("/help me", &[], &[]),
            ("please /help", &[], &[]),
        ] {
            let facts = commented(labels(&PR, on));
            let actions = plan(&Help, &on_issue(body), &facts)
                .unwrap_or_else(|need| panic!("{body:?} needs {need:?}"));
            assert_eq!(outline(&actions), expected, "{body:?} on {on:?}");
        }
    }

    #[test]
    fn pull_requests_and_closed_issues_are_left_alone_without_a_call() {
        let on_pr = comment(&PR, "mallory", "/help", true, "alice");
        assert_eq!(plan(&Help, &on_pr, &Facts::new()), Ok(vec![]));
        let closed = with_issue_state(on_issue("/help"), "closed");
        assert_eq!(plan(&Help, &closed, &Facts::new()), Ok(vec![]));
    }

    #[test]
    fn the_comments_read_as_upstream_s_with_and_without_a_summary() {
        let reply = |config: &Config, body: &str| match plan_with(
            &Help,
            &on_issue(body),
            &labels(&PR, &[]),
            config,
        )
        .as_deref()
        {
            Ok([Action::Comment { body, .. }, ..]) => body.clone(),
            other => panic!("{other:?}"),
        };
        let plain = Config::default();
        let summarised = crate::testing::plugins_config(
            "help:\n  help_guidelines_url: https://example.com/guide.md\n  help_guidelines_summary: |\n    - Low barrier to entry\n    - Clear task\n",
        );
        insta::assert_snapshot!(
            [
                reply(&plain, "/help"),
                reply(&plain, "/good-first-issue"),
                reply(&summarised, "/help"),
                reply(&summarised, "/good-first-issue"),
            ]
            .join("\n\n----\n\n")
        );
    }
}
