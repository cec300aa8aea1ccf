//! `assign` (upstream `pkg/plugins/assign`): anyone assigns people to an issue or pull request
//! with `/assign [@user...]` and asks for reviews with `/cc [@user|@org/team...]`, the commenter
//! when no one is named; `/unassign` and `/uncc` undo them. GitHub decides who may be assigned
//! or asked, and those it refuses are told why.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern};
use crate::help::{Commands, featured};
use crate::{Action, EventKind, Facts, Input, NeedFacts, PluginHelp, RefusalReply};
use prow_config::Config;
use prow_github::comment::{GenericCommentEvent, format_response_raw};
use regex::Regex;
use std::collections::BTreeMap;

// Go's `\w` and `\s` are ASCII classes (`-u` here). As upstream, `/assign` takes no team
// (its class has no `/`), though its help shows one.
static ASSIGN: Pattern = Pattern::new(|| pattern(r"(?mi-u)^/(un)?assign(( @?[-\w]+?)*)\s*$"));
/// Upstream's `CCRegexp` (blunderbuss reads it too): team names have a `/`.
pub(crate) static CC: Pattern = Pattern::new(|| pattern(r"(?mi-u)^/(un)?cc(( +@?[-/\w]+?)*)\s*$"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Assign,
    Cc,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Assign, Command::Cc];

    fn help(self) -> crate::Command {
        match self {
            Command::Assign => featured(
                "/[un]assign [[@]<username>...|[@]<orgname/teamname>...]",
                "Assigns assignee(s) or team(s) to the PR",
                "Anyone can use the command, but the target user(s) must be an org member, a repo collaborator, or should have previously commented on the issue or PR.",
                &[
                    "/assign",
                    "/unassign",
                    "/assign @spongebob",
                    "/assign spongebob patrick",
                    "/assign @kubernetes/sig-foo-bar",
                ],
            ),
            Command::Cc => featured(
                "/[un]cc [[@]<username>...|[@]<orgname/teamname>...]",
                "Requests a review from the user(s) or team(s).",
                "Anyone can use the command, but the target user(s) must be a member of the org that owns the repository.",
                &[
                    "/cc",
                    "/uncc",
                    "/cc @spongebob",
                    "/cc spongebob patrick",
                    "/cc @kubernetes/sig-foo-bar",
                ],
            ),
        }
    }
}

pub struct Assign;

impl Builtin for Assign {
    const NAME: &'static str = "assign";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, _: &Config, _: &[String]) -> PluginHelp {
        PluginHelp::new(
            "The assign plugin assigns or requests reviews from users/teams. Specific users can be assigned with the command '/assign @user1' or have reviews requested of them with the command '/cc @user1'. If no users are specified, the commands default to targeting the user who created the command. Assignments and requested reviews can be removed in the same way that they are added by prefixing the commands with 'un'.",
        )
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, _facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment(input) else {
            return Ok(Vec::new());
        };
        let issue = commented_issue(comment);
        let org = comment.repo.org();
        let mut actions = Vec::new();

        let assigned = |login: &str| {
            comment
                .assignees
                .iter()
                .any(|a| a.login.eq_ignore_ascii_case(login))
        };
        let (mut add, mut remove) = targets(&ASSIGN, comment);
        // The comment's payload says who is assigned as it was written: asking again, or
        // taking off someone not there, would change nothing.
        add.retain(|login| !assigned(login));
        remove.retain(|login| assigned(login));
        if !remove.is_empty() {
            actions.push(Action::Unassign {
                on: issue.clone(),
                logins: remove,
            });
        }
        if !add.is_empty() {
            let message = format!(
                "GitHub didn't allow me to assign the following users: {}.\n\nNote that only [{org} members](https://github.com/orgs/{org}/people) with read permissions, repo collaborators and people who have commented on this issue/PR can be assigned. Additionally, issues/PRs can only have 10 assignees at the same time.\nFor more information please see [the contributor guide](https://git.k8s.io/community/contributors/guide/first-contribution.md#issue-assignment-in-github)",
                RefusalReply::PLACE
            );
            actions.push(Action::Assign {
                on: issue.clone(),
                logins: add,
                refused: Some(reply(comment, &message)),
            });
        }

        if comment.is_pr {
            let (add, remove) = targets(&CC, comment);
            if !remove.is_empty() {
                actions.push(Action::UnrequestReview {
                    on: issue.clone(),
                    logins: remove,
                });
            }
            if !add.is_empty() {
                let message = format!(
                    "GitHub didn't allow me to request PR reviews from the following users: {}.\n\nNote that only [{org} members](https://github.com/orgs/{org}/people) and repo collaborators can review this PR, and authors cannot review their own PRs.",
                    RefusalReply::PLACE
                );
                actions.push(Action::RequestReview {
                    on: issue,
                    logins: add,
                    refused: Some(reply(comment, &message)),
                });
            }
        }
        Ok(actions)
    }
}

/// The reply to the comment, with the refused logins in place.
fn reply(comment: &GenericCommentEvent, message: &str) -> RefusalReply {
    RefusalReply::around(&format_response_raw(
        &comment.body,
        &comment.html_url,
        &comment.user.login,
        message,
    ))
}

/// Upstream `handle`: who the command's lines add and who they remove (the commenter when a line
/// names nobody); a login named again takes its last line's side. Sorted, where upstream's order
/// is a Go map's.
fn targets(command: &Regex, comment: &GenericCommentEvent) -> (Vec<String>, Vec<String>) {
    let mut users: BTreeMap<String, bool> = BTreeMap::new();
    for found in command.captures_iter(&comment.body) {
        let add = found.get(1).is_none_or(|un| un.as_str().is_empty());
        let named = found.get(2).map_or("", |m| m.as_str());
        if named.is_empty() {
            users.insert(comment.user.login.clone(), add);
        } else {
            for login in parse_logins(named) {
                users.insert(login, add);
            }
        }
    }
    let (add, remove): (Vec<_>, Vec<_>) = users.into_iter().partition(|(_, add)| *add);
    let logins = |side: Vec<(String, bool)>| side.into_iter().map(|(login, _)| login).collect();
    (logins(add), logins(remove))
}

/// Upstream `parseLogins`: the space-separated names without their `@`.
fn parse_logins(text: &str) -> Vec<String> {
    text.split(' ')
        .map(|part| part.trim_matches(|c| c == '@' || c == ' '))
        .filter(|login| !login.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{PR, comment, comment_on_issue, comment_on_pr, edited, plan, users_named};

    fn assign(logins: &[&str]) -> Action {
        Action::Assign {
            on: PR.clone(),
            logins: logins.iter().map(|l| l.to_string()).collect(),
            refused: None,
        }
    }

    fn request(logins: &[&str]) -> Action {
        Action::RequestReview {
            on: PR.clone(),
            logins: logins.iter().map(|l| l.to_string()).collect(),
            refused: None,
        }
    }

    fn unassign(logins: &[&str]) -> Action {
        Action::Unassign {
            on: PR.clone(),
            logins: logins.iter().map(|l| l.to_string()).collect(),
        }
    }

    fn unrequest(logins: &[&str]) -> Action {
        Action::UnrequestReview {
            on: PR.clone(),
            logins: logins.iter().map(|l| l.to_string()).collect(),
        }
    }

    /// The plan without its refusal replies (tested on their own below).
    fn planned(delivery: &crate::Delivery) -> Vec<Action> {
        let Ok(actions) = plan(&Assign, delivery, &Facts::new()) else {
            panic!("assign needs no facts");
        };
        actions
            .into_iter()
            .map(|action| match action {
                Action::Assign { on, logins, .. } => Action::Assign {
                    on,
                    logins,
                    refused: None,
                },
                Action::RequestReview { on, logins, .. } => Action::RequestReview {
                    on,
                    logins,
                    refused: None,
                },
                other => other,
            })
            .collect()
    }

    #[test]
    fn commands_name_people_or_default_to_the_commenter() {
        for (body, expected) in [
            ("/assign", vec![assign(&["bob"])]),
            ("/ASSIGN", vec![assign(&["bob"])]),
            ("/assign @alice", vec![assign(&["alice"])]),
            ("/assign alice @carol", vec![assign(&["alice", "carol"])]),
            ("/assign @alice   ", vec![assign(&["alice"])]),
            ("/assign @alice\r\n", vec![assign(&["alice"])]),
            ("/assign @kubernetes/sig-testing", vec![]),
            ("/unassign", vec![]),
            ("/cc", vec![request(&["bob"])]),
            (
                "/cc @alice @kubernetes/sig-testing",
                vec![request(&["alice", "kubernetes/sig-testing"])],
            ),
            ("/uncc @alice", vec![unrequest(&["alice"])]),
            ("/cc  @alice", vec![request(&["alice"])]),
            (
                "/assign @alice\n/cc @carol",
                vec![assign(&["alice"]), request(&["carol"])],
            ),
            ("/assign @alice\n/unassign @alice", vec![]),
            ("/unassign @alice\n/assign @alice", vec![assign(&["alice"])]),
            ("please /assign @alice", vec![]),
            ("/assignee @alice", vec![]),
            ("/assign @al!ce", vec![]),
            ("/cc @a.b", vec![]),
        ] {
            let delivery = comment_on_pr(&PR, "bob", body);
            assert_eq!(planned(&delivery), expected, "{body:?}");
        }
    }

    #[test]
    fn the_payload_s_assignees_are_not_assigned_again_and_others_not_unassigned() {
        let mut delivery =
            comment_on_pr(&PR, "bob", "/assign @alice @carol\n/unassign @dave @erin");
        if let Some(comment) = delivery.comment.as_mut() {
            comment.assignees = users_named(&["carol", "Erin"]);
        }
        assert_eq!(
            planned(&delivery),
            vec![unassign(&["erin"]), assign(&["alice"])]
        );
    }

    #[test]
    fn reviews_are_requested_on_pull_requests_only() {
        let on_issue = comment_on_issue(&PR, "bob", "/cc @alice\n/assign");
        assert_eq!(planned(&on_issue), vec![assign(&["bob"])]);
    }

    #[test]
    fn edited_comments_are_left_alone() {
        let edited = edited(comment_on_pr(&PR, "bob", "/assign"));
        assert_eq!(planned(&edited), vec![]);
    }

    #[test]
    fn refusals_are_answered_with_upstream_s_texts() {
        let delivery = comment(&PR, "bob", "/assign @mallory\n/cc @mallory", true, "alice");
        let Ok(actions) = plan(&Assign, &delivery, &Facts::new()) else {
            panic!("assign needs no facts");
        };
        let refused = vec!["mallory".to_string(), "kubernetes/nobody".to_string()];
        let replies: Vec<String> = actions
            .iter()
            .filter_map(|action| match action {
                Action::Assign { refused: r, .. } | Action::RequestReview { refused: r, .. } => {
                    r.as_ref().map(|r| r.render(&refused))
                }
                _ => None,
            })
            .collect();
        insta::assert_snapshot!(replies.join("\n\n----\n\n"));
    }
}
