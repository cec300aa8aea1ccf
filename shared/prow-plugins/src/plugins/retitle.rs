//! `retitle` (upstream `pkg/plugins/retitle`): trusted users (as trigger trusts them) rename an
//! issue or pull request with `/retitle <title>`, where GitHub's permissions would not let them;
//! a title that would close issues on merge (`fixes #12`) is refused.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern, reply};
use crate::help::{Commands, featured};
use crate::trust::trusted_user;
use crate::{Action, EventKind, Facts, Input, NeedFacts, PluginHelp};
use prow_config::Config;

// Go's `\s` is ASCII whitespace and spans lines: `/retitle` alone on a line takes the next.
static RETITLE: Pattern = Pattern::new(|| pattern(r"(?mi)^/retitle(?-u:\s)*(.*)$"));
/// Upstream `invalidcommitmsg.CloseIssueRegex`: GitHub's keywords that close an issue on merge.
static CLOSES_ISSUE: Pattern = Pattern::new(|| {
    pattern(
        r"(?-u)((?i)(clos(?:e[sd]?))|(fix(?:(es|ed)?))|(resolv(?:e[sd]?)))[\s:]+(\w+/\w+)?#(\d+)",
    )
});

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Retitle,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Retitle];

    fn help(self) -> crate::Command {
        match self {
            Command::Retitle => featured(
                "/retitle <title>",
                "Edits the pull request or issue title.",
                "Collaborators on the repository.",
                &["/retitle New Title"],
            ),
        }
    }
}

pub struct Retitle;

impl Builtin for Retitle {
    const NAME: &'static str = "retitle";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, config: &Config, _: &[String]) -> PluginHelp {
        let scope = if config.plugins.retitle.allow_closed_issues {
            "The retitle plugin also allows retitling closed/merged issues and PRs."
        } else {
            "The retitle plugin does not allow retitling closed/merged issues and PRs."
        };
        PluginHelp::new(
            "The retitle plugin allows users to re-title pull requests and issues where GitHub permissions don't allow them to.",
        )
        .with_config(scope.to_string())
        .with_snippet("retitle:\n  # AllowClosedIssues allows retitling closed/merged issues and PRs.\n  allow_closed_issues: true\n")
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment(input) else {
            return Ok(Vec::new());
        };
        if !input.config.plugins.retitle.allow_closed_issues && comment.issue_state != "open" {
            return Ok(Vec::new());
        }
        let Some(found) = RETITLE.captures(&comment.body) else {
            return Ok(Vec::new());
        };
        let issue = commented_issue(comment);
        let settings = input
            .config
            .plugins
            .trigger_for(&issue.repo.org, &issue.repo.name);
        if !trusted_user(facts, &settings, &comment.user.login, &issue.repo)? {
            return Ok(vec![reply(
                comment,
                "Re-titling can only be requested by trusted users, like repository collaborators.",
            )]);
        }
        let title = found.get(1).map_or("", |m| m.as_str()).trim();
        if title.is_empty() {
            return Ok(vec![reply(comment, "Titles may not be empty.")]);
        }
        if CLOSES_ISSUE.is_match(title) {
            return Ok(vec![reply(
                comment,
                "Titles may not contain [keywords](https://help.github.com/articles/closing-issues-using-keywords) which can automatically close issues.",
            )]);
        }
        if title == comment.issue_title {
            return Ok(Vec::new()); // a redelivery, or nothing to change
        }
        Ok(vec![Action::EditTitle {
            on: issue,
            title: title.to_string(),
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Delivery;
    use crate::testing::{
        BOT, Given, PR, comment, plan, plan_with, reply_message, with_issue_state,
    };

    fn said(login: &str, body: &str, state: &str) -> Delivery {
        with_issue_state(comment(&PR, login, body, true, "alice"), state)
    }

    /// carol is an org member, dave a collaborator, mallory neither.
    fn people() -> Facts {
        Facts::new()
            .bot()
            .member("kubernetes", "carol", true)
            .member("kubernetes", "dave", false)
            .collaborator(&PR.repo, "dave", true)
            .member("kubernetes", "mallory", false)
            .collaborator(&PR.repo, "mallory", false)
    }

    fn outline(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .map(|action| match action {
                Action::Comment { body, .. } => format!("reply {}", reply_message(body)),
                Action::EditTitle { title, .. } => format!("title {title}"),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn trusted_users_retitle_with_upstream_s_refusals() {
        for (login, body, expected) in [
            (
                "carol",
                "/retitle Make the widget faster",
                "title Make the widget faster",
            ),
            (
                "dave",
                "/RETITLE   Spaces around  \r\n",
                "title Spaces around",
            ),
            (
                "carol",
                "Good point.\n/retitle Better title\nthanks",
                "title Better title",
            ),
            (
                "carol",
                "/retitle\nOn the next line",
                "title On the next line",
            ),
            (
                "mallory",
                "/retitle Mine now",
                "reply Re-titling can only be requested by trusted users, like repository collaborators.",
            ),
            ("carol", "/retitle   ", "reply Titles may not be empty."),
            (
                "carol",
                "/retitle Fixes #12",
                "reply Titles may not contain [keywords](https://help.github.com/articles/closing-issues-using-keywords) which can automatically close issues.",
            ),
            (
                "carol",
                "/retitle Widget: closes: kubernetes/kubernetes#9",
                "reply Titles may not contain [keywords](https://help.github.com/articles/closing-issues-using-keywords) which can automatically close issues.",
            ),
            ("carol", "/retitle Fix the widget", ""),
            (
                "carol",
                "/retitle Fixing #12 later",
                "title Fixing #12 later",
            ),
            (BOT, "/retitle By the bot", "title By the bot"),
        ] {
            let actions = plan(&Retitle, &said(login, body, "open"), &people())
                .unwrap_or_else(|need| panic!("{body:?} needs {need:?}"));
            let expected: Vec<&str> = Some(expected)
                .filter(|e| !e.is_empty())
                .into_iter()
                .collect();
            assert_eq!(outline(&actions), expected, "{login} says {body:?}");
        }
    }

    #[test]
    fn closed_issues_only_when_the_config_allows() {
        let closed = said("carol", "/retitle Later", "closed");
        assert_eq!(plan(&Retitle, &closed, &Facts::new()), Ok(vec![]));
        let allowed = crate::testing::plugins_config("retitle:\n  allow_closed_issues: true\n");
        assert_eq!(
            plan_with(&Retitle, &closed, &people(), &allowed).map(|a| outline(&a)),
            Ok(vec!["title Later".to_string()])
        );
    }

    #[test]
    fn only_org_members_leaves_collaborators_out() {
        let config = crate::testing::plugins_config(
            "triggers:\n- repos: [kubernetes/test-infra]\n  only_org_members: true\n",
        );
        let actions = plan_with(
            &Retitle,
            &said("dave", "/retitle New", "open"),
            &people(),
            &config,
        );
        assert_eq!(
            actions.map(|a| outline(&a)),
            Ok(vec!["reply Re-titling can only be requested by trusted users, like repository collaborators.".to_string()])
        );
    }
}
