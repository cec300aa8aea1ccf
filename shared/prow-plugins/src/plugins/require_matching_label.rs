//! `require-matching-label` (upstream `pkg/plugins/require-matching-label`): each
//! `require_matching_label` rule gives issues and/or pull requests that have no label matching
//! its regexp the rule's `missing_label` (and its `missing_comment`), and takes them away once
//! such a label arrives. `/check-required-labels` checks again.
//!
//! Upstream waits the rules' `grace_period` after an issue or PR is opened or reopened (and on
//! the command) before reading the labels, so that labels other automation adds on opening are
//! there. A plan cannot wait: it reads the labels as they are when it runs (a broker delivery,
//! later than GitHub's), and a label added after that arrives as a `labeled` event, which takes
//! the missing label and its comment away again.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern};
use crate::help::{Commands, featured};
use crate::{Action, EventKind, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_config::{Config, RequireMatchingLabel};
use prow_github::Event;
use prow_github::comment::format_simple_response;
use prow_github::vocabulary::{IssueAction, PullRequestAction};
use regex::Regex;
use std::collections::BTreeSet;

static CHECK_REQUIRED_LABELS: Pattern =
    Pattern::new(|| pattern(r"(?mi)^/check-required-labels(?-u:\s)*$"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    CheckRequiredLabels,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::CheckRequiredLabels];

    fn help(self) -> crate::Command {
        match self {
            Command::CheckRequiredLabels => featured(
                "/check-required-labels",
                "Checks for required labels.",
                "Anyone",
                &["/check-required-labels"],
            ),
        }
    }
}

/// Upstream `RequireMatchingLabel.Describe`.
fn describe(rule: &RequireMatchingLabel) -> String {
    let mut text = format!("Applies the '{}' label ", rule.missing_label);
    text.push_str(if rule.missing_comment.is_empty() {
        "to "
    } else {
        "and comments on "
    });
    if rule.issues {
        text.push_str("Issues ");
        if rule.prs {
            text.push_str("and ");
        }
    }
    if rule.prs {
        if !rule.branch.is_empty() {
            text.push_str(&format!("'{}' branch ", rule.branch));
        }
        text.push_str("PRs ");
    }
    if rule.repo.is_empty() {
        text.push_str(&format!("in the '{}' GitHub org ", rule.org));
    } else {
        text.push_str(&format!("in the '{}/{}' GitHub repo ", rule.org, rule.repo));
    }
    text.push_str(&format!(
        "that have no labels matching the regular expression '{}'.",
        rule.regexp
    ));
    text
}

/// What woke the plugin: the issue or PR, its base branch (empty for an issue) and the label
/// added or removed (empty when it was opened, reopened or asked to check).
struct Occurrence {
    issue: IssueRef,
    branch: String,
    label: String,
}

pub struct RequireMatchingLabelPlugin;

impl Builtin for RequireMatchingLabelPlugin {
    const NAME: &'static str = "require-matching-label";
    const EVENTS: &'static [EventKind] = &[
        EventKind::Issues,
        EventKind::PullRequest,
        EventKind::GenericComment,
    ];

    fn help(&self, config: &Config, _: &[String]) -> PluginHelp {
        let descriptions: Vec<String> = config
            .plugins
            .require_matching_label
            .iter()
            .map(describe)
            .collect();
        PluginHelp::new(
            "The require-matching-label plugin is a configurable plugin that applies a label to issues and/or PRs that do not have any labels matching a regular expression. An example of this is applying a 'needs-sig' label to all issues that do not have a 'sig/*' label. This plugin can have multiple configurations to provide this kind of behavior for multiple different label sets. The configuration allows issue type, PR branch, and an optional explanation comment to be specified.",
        )
        .with_config(format!(
            "The plugin has the following configurations:\n<ul><li>{}</li></ul>",
            descriptions.join("</li><li>")
        ))
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(occurrence) = occurrence(input, facts)? else {
            return Ok(Vec::new());
        };
        let rules = matching_rules(input, &occurrence);
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let issue = &occurrence.issue;
        // The labels now even on label events (upstream reads those from the payload): a
        // redelivered event then changes nothing twice.
        let labels = facts.labels(issue)?;
        let mut actions = Vec::new();
        let mut pruned = BTreeSet::new();
        for (rule, re) in rules {
            let has_missing = labels.iter().any(|l| *l == rule.missing_label);
            let has_matching = labels.iter().any(|l| re.is_match(l));
            if has_matching && has_missing {
                actions.push(Action::remove_label(issue, &rule.missing_label));
                if !rule.missing_comment.is_empty() {
                    for comment in facts.bot_comments(issue)? {
                        if comment.body.contains(&rule.missing_comment) && pruned.insert(comment.id)
                        {
                            actions.push(Action::DeleteComment {
                                repo: issue.repo.clone(),
                                id: comment.id,
                            });
                        }
                    }
                }
            } else if !has_matching && !has_missing {
                actions.push(Action::add_label(issue, &rule.missing_label));
                if !rule.missing_comment.is_empty() {
                    actions.push(Action::comment(
                        issue,
                        format_simple_response(&rule.missing_comment),
                    ));
                }
            }
        }
        Ok(actions)
    }
}

/// The occurrence the delivery is, if it is one the plugin acts on.
fn occurrence(input: &Input<'_>, facts: &Facts) -> Result<Option<Occurrence>, NeedFacts> {
    let Some(delivery) = input.delivery() else {
        return Ok(None);
    };
    let label_of = |label: &Option<prow_github::events::Label>| {
        label.as_ref().map(|l| l.name.clone()).unwrap_or_default()
    };
    match &delivery.event {
        Event::Issues(event)
            if matches!(
                event.action,
                IssueAction::Opened
                    | IssueAction::Reopened
                    | IssueAction::Labeled
                    | IssueAction::Unlabeled
            ) =>
        {
            return Ok(Some(Occurrence {
                issue: IssueRef::new(event.repo.org(), &event.repo.name, event.issue.number),
                branch: String::new(),
                label: label_of(&event.label),
            }));
        }
        Event::PullRequest(event)
            if matches!(
                event.action,
                PullRequestAction::Opened
                    | PullRequestAction::Reopened
                    | PullRequestAction::Labeled
                    | PullRequestAction::Unlabeled
            ) =>
        {
            return Ok(Some(Occurrence {
                issue: IssueRef::new(
                    event.repo.org(),
                    &event.repo.name,
                    event.pull_request.number,
                ),
                branch: event.pull_request.base.git_ref.clone(),
                label: label_of(&event.label),
            }));
        }
        _ => {}
    }
    // `/check-required-labels`, on open issues and PRs alike.
    let Some(comment) = new_comment(input).filter(|c| c.issue_state == "open") else {
        return Ok(None);
    };
    if !CHECK_REQUIRED_LABELS.is_match(&comment.body) {
        return Ok(None);
    }
    let issue = commented_issue(comment);
    let branch = if comment.is_pr {
        facts.pull_request(&issue)?.base.git_ref.clone()
    } else {
        String::new()
    };
    Ok(Some(Occurrence {
        issue,
        branch,
        label: String::new(),
    }))
}

/// The rules that concern the occurrence (upstream `matchingConfigs`), with their regexps.
fn matching_rules<'c>(
    input: &Input<'c>,
    occurrence: &Occurrence,
) -> Vec<(&'c RequireMatchingLabel, Regex)> {
    let (org, repo) = (&occurrence.issue.repo.org, &occurrence.issue.repo.name);
    let branch = occurrence.branch.as_str();
    input
        .config
        .plugins
        .require_matching_label
        .iter()
        .filter(|rule| {
            if branch.is_empty() {
                rule.issues
            } else {
                rule.prs
            }
        })
        .filter(|rule| {
            rule.org == *org
                && (rule.repo.is_empty() || rule.repo == *repo)
                && (rule.branch.is_empty() || branch.is_empty() || rule.branch == branch)
        })
        // Validation has compiled every rule's regexp already.
        .filter_map(|rule| Regex::new(&rule.regexp).ok().map(|re| (rule, re)))
        .filter(|(_, re)| occurrence.label.is_empty() || re.is_match(&occurrence.label))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        BOT, Given, PR, comment, issue_json, labels, plan_with, pull_request_event_with,
        repository_json, webhook, with_issue_state,
    };
    use crate::{Delivery, Fact};
    use serde_json::json;

    const NEEDS_KIND: &str = "Please add a kind label.";

    /// Upstream's test rules: kinds for the org's issues and PRs (with a comment), sigs for the
    /// repo's issues, priorities for the org's `release` PRs.
    const RULES: &str = r#"
require_matching_label:
- org: kubernetes
  issues: true
  prs: true
  regexp: "^kind/"
  missing_label: needs-kind
  missing_comment: "Please add a kind label."
- org: kubernetes
  repo: test-infra
  issues: true
  regexp: "^sig/"
  missing_label: needs-sig
- org: kubernetes
  prs: true
  branch: release
  regexp: "^priority/"
  missing_label: needs-priority
  grace_period: 1m
"#;

    fn config() -> Config {
        crate::testing::plugins_config(RULES)
    }

    fn issue_event(action: &str, label: Option<&str>) -> Delivery {
        let mut payload = json!({
            "action": action,
            "issue": issue_json(&PR, "alice", false, &[]),
            "repository": repository_json(&PR.repo),
            "sender": {"login": "alice", "id": 1},
        });
        if let Some(label) = label {
            payload["label"] = json!({"name": label});
        }
        webhook("issues", payload)
    }

    fn pr_event(action: &str, branch: &str, label: Option<&str>) -> Delivery {
        pull_request_event_with(&PR, action, "alice", "alice", |payload| {
            payload["pull_request"]["base"]["ref"] = branch.into();
            if let Some(label) = label {
                payload["label"] = json!({"name": label});
            }
        })
    }

    fn add(label: &str) -> Action {
        Action::add_label(&PR, label)
    }

    fn remove(label: &str) -> Action {
        Action::remove_label(&PR, label)
    }

    fn kind_comment() -> Action {
        Action::comment(&PR, format_simple_response(NEEDS_KIND))
    }

    #[test]
    fn missing_labels_come_and_go_with_the_matching_labels() {
        let config = config();
        let delete = |id| Action::DeleteComment {
            repo: PR.repo.clone(),
            id,
        };
        let notice = format_simple_response(NEEDS_KIND);
        for (what, delivery, current, expected) in [
            (
                "a new issue without labels",
                issue_event("opened", None),
                vec![],
                vec![add("needs-kind"), kind_comment(), add("needs-sig")],
            ),
            (
                "a reopened issue with a kind",
                issue_event("reopened", None),
                vec!["kind/bug"],
                vec![add("needs-sig")],
            ),
            (
                "a kind arrives on an issue",
                issue_event("labeled", Some("kind/bug")),
                vec!["kind/bug", "needs-kind", "needs-sig"],
                vec![remove("needs-kind"), delete(2)],
            ),
            (
                "the kind goes from an issue",
                issue_event("unlabeled", Some("kind/bug")),
                vec!["needs-sig"],
                vec![add("needs-kind"), kind_comment()],
            ),
            (
                "an unrelated label changes",
                issue_event("labeled", Some("lgtm")),
                vec!["lgtm"],
                vec![],
            ),
            (
                "a new PR on main: the repo's sig rule is for issues",
                pr_event("opened", "main", None),
                vec![],
                vec![add("needs-kind"), kind_comment()],
            ),
            (
                "a new PR on release",
                pr_event("opened", "release", None),
                vec!["kind/bug"],
                vec![add("needs-priority")],
            ),
            (
                "a priority arrives on a release PR",
                pr_event("labeled", "release", Some("priority/high")),
                vec!["kind/bug", "priority/high", "needs-priority"],
                vec![remove("needs-priority")],
            ),
            (
                "a matching label beside the missing one: the missing one goes",
                pr_event("opened", "main", None),
                vec!["kind/bug", "needs-kind"],
                vec![remove("needs-kind"), delete(2)],
            ),
            (
                "synchronize is not an occasion",
                pr_event("synchronize", "main", None),
                vec![],
                vec![],
            ),
            (
                "closed issues are not either",
                issue_event("closed", None),
                vec![],
                vec![],
            ),
        ] {
            let facts = labels(&PR, &current).bot().comments(
                &PR,
                &[(1, "alice", notice.as_str()), (2, BOT, notice.as_str())],
            );
            assert_eq!(
                plan_with(&RequireMatchingLabelPlugin, &delivery, &facts, &config),
                Ok(expected),
                "{what}"
            );
        }
    }

    #[test]
    fn the_labels_are_read_once_a_rule_applies() {
        let config = config();
        assert_eq!(
            plan_with(
                &RequireMatchingLabelPlugin,
                &issue_event("opened", None),
                &Facts::new(),
                &config
            ),
            Err(NeedFacts::one(Fact::Labels(PR.clone())))
        );
        // No rule for this org: no call.
        let elsewhere = pull_request_event_with(
            &IssueRef::new("other", "repo", 7),
            "opened",
            "alice",
            "alice",
            |_| {},
        );
        assert_eq!(
            plan_with(
                &RequireMatchingLabelPlugin,
                &elsewhere,
                &Facts::new(),
                &config
            ),
            Ok(vec![])
        );
    }

    #[test]
    fn anyone_checks_again_on_open_issues_and_prs() {
        let config = config();
        let on_pr = comment(&PR, "anyone", "/check-required-labels", true, "alice");
        assert_eq!(
            plan_with(&RequireMatchingLabelPlugin, &on_pr, &Facts::new(), &config),
            Err(NeedFacts::one(Fact::PullRequest(PR.clone())))
        );
        let facts = labels(&PR, &["kind/bug"]).pull_request_fact(&PR, "alice", |pr| {
            pr.base.git_ref = "release".into();
        });
        assert_eq!(
            plan_with(&RequireMatchingLabelPlugin, &on_pr, &facts, &config),
            Ok(vec![add("needs-priority")])
        );
        let on_issue = comment(&PR, "anyone", "/CHECK-REQUIRED-LABELS ", false, "alice");
        assert_eq!(
            plan_with(
                &RequireMatchingLabelPlugin,
                &on_issue,
                &labels(&PR, &["kind/bug", "sig/testing"]),
                &config
            ),
            Ok(vec![])
        );
        let closed = with_issue_state(
            comment(&PR, "anyone", "/check-required-labels", false, "alice"),
            "closed",
        );
        for delivery in [
            closed,
            comment(&PR, "anyone", "/check-required-labels now", false, "alice"),
        ] {
            assert_eq!(
                plan_with(
                    &RequireMatchingLabelPlugin,
                    &delivery,
                    &Facts::new(),
                    &config
                ),
                Ok(vec![])
            );
        }
    }

    #[test]
    fn help_describes_each_rule() {
        insta::assert_snapshot!(
            "require_matching_label_help",
            serde_json::to_string_pretty(&RequireMatchingLabelPlugin.help(&config(), &[]))
                .unwrap_or_default()
        );
        insta::assert_snapshot!(
            "require_matching_label_comment",
            format_simple_response(NEEDS_KIND)
        );
    }
}
