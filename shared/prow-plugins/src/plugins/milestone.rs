//! `milestone` (upstream `pkg/plugins/milestone`): members of the repository's milestone
//! maintainers team (`repo_milestone`) set an issue's or pull request's milestone with
//! `/milestone v1.2`, or take it off with `/milestone clear`.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern, reply};
use crate::help::{Commands, command};
use crate::{Action, EventKind, Fact, Facts, Input, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::vocabulary::IssueState;
use std::collections::BTreeMap;

/// The argument that takes the milestone off.
pub const CLEAR: &str = "clear";

// Case-sensitive, as upstream; the argument is not trimmed further (`/milestone v1 x` asks for
// `v1 x`).
static MILESTONE: Pattern = Pattern::new(|| pattern(r"(?m)^/milestone(?-u:\s)+(.+?)(?-u:\s)*$"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Milestone,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Milestone];

    fn help(self) -> crate::Command {
        match self {
            Command::Milestone => command(
                "/milestone <version> or /milestone clear",
                "Updates the milestone for an issue or PR",
                "Members of the milestone maintainers GitHub team can use the '/milestone' command.",
                &["/milestone v1.10", "/milestone v1.9", "/milestone clear"],
            ),
        }
    }
}

pub struct Milestone;

impl Builtin for Milestone {
    const NAME: &'static str = "milestone";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp {
        let describe = |team: &prow_config::PluginsConfig, key: &str| {
            let entry = team.repo_milestone.get(key).cloned().unwrap_or_default();
            format!(
                "The milestone maintainers team is the GitHub team {:?} with ID: {}.",
                entry.maintainers_team, entry.maintainers_id
            )
        };
        let mut configured: BTreeMap<String, String> = enabled_repos
            .iter()
            .filter(|repo| config.plugins.repo_milestone.contains_key(repo.as_str()))
            .map(|repo| (repo.clone(), describe(&config.plugins, repo)))
            .collect();
        configured.insert(String::new(), describe(&config.plugins, ""));
        PluginHelp::new(
            "The milestone plugin allows members of a configurable GitHub team to set the milestone on an issue or pull request.",
        )
        .with_config_per_repo(configured)
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment(input) else {
            return Ok(Vec::new());
        };
        let Some(proposed) = MILESTONE.captures(&comment.body).and_then(|c| c.get(1)) else {
            return Ok(Vec::new());
        };
        let proposed = proposed.as_str();
        let issue = commented_issue(comment);
        let (org, repo) = (issue.repo.org.as_str(), issue.repo.name.as_str());
        let maintainers = input
            .config
            .plugins
            .milestone_for(org, repo)
            .unwrap_or_default();
        // Upstream falls back to the deprecated team id (`GET /teams/{id}/members`), which the
        // GitHub port does not read; without a team slug nothing is decided.
        if maintainers.maintainers_team.is_empty() {
            return Ok(Vec::new());
        }
        let team = Fact::team_members(org, &maintainers.maintainers_team);
        facts.need([team])?;
        let login = norm_login(&comment.user.login);
        let is_maintainer = facts
            .team_members(org, &maintainers.maintainers_team)?
            .iter()
            .any(|member| norm_login(member) == login);
        if !is_maintainer {
            let team = &maintainers.maintainers_team;
            return Ok(vec![reply(
                comment,
                &format!(
                    "You must be a member of the [{org}/{team}](https://github.com/orgs/{org}/teams/{team}/members) GitHub team to set the milestone. If you believe you should be able to issue the /milestone command, please contact your {} and have them propose you as an additional delegate for this responsibility.",
                    maintainers.maintainers_friendly_name
                ),
            )]);
        }
        // Upstream lists the milestones even to clear one.
        facts.need([Fact::Milestones(issue.repo.clone())])?;
        if proposed == CLEAR {
            return Ok(vec![Action::SetMilestone {
                on: issue,
                milestone: None,
            }]);
        }
        // Upstream lists the open milestones; a later one with the same title wins.
        let by_title: BTreeMap<&str, u64> = facts
            .milestones(&issue.repo)?
            .iter()
            .filter(|m| m.state == IssueState::Open)
            .map(|m| (m.title.as_str(), m.number))
            .collect();
        if let Some(number) = by_title.get(proposed) {
            return Ok(vec![Action::SetMilestone {
                on: issue.clone(),
                milestone: Some(*number),
            }]);
        }
        // Sorted as Go sorts the quoted titles.
        let mut titles: Vec<String> = by_title.keys().map(|t| format!("`{t}`")).collect();
        titles.sort();
        Ok(vec![reply(
            comment,
            &format!(
                "The provided milestone is not valid for this repository. Milestones in this repository: [{}]\n\nUse `/milestone {CLEAR}` to clear the milestone.",
                titles.join(", ")
            ),
        )])
    }
}

/// Upstream `github.NormLogin`.
fn norm_login(login: &str) -> String {
    login.trim_start_matches('@').to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IssueRef;
    use crate::testing::{
        Given, PR, REPO_MILESTONE_PLUGINS, comment_on, edited, plan_with, plugins_config,
    };

    fn world(on: &IssueRef, team: &str, members: &[&str]) -> Facts {
        Facts::new().team(&on.repo.org, team, members).milestones(
            &on.repo,
            &[
                (1, "v1.0", true),
                (2, "v1.1", true),
                (3, "v0.9", false),
                (4, "v1.0-beta!", true),
            ],
        )
    }

    fn set(on: &IssueRef, milestone: Option<u64>) -> Vec<Action> {
        vec![Action::SetMilestone {
            on: on.clone(),
            milestone,
        }]
    }

    fn body_of(actions: &[Action]) -> String {
        match actions {
            [Action::Comment { body, .. }] => body.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn maintainers_set_and_clear_milestones_on_issues_and_pull_requests() {
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        let team = "milestone-maintainers";
        for is_pr in [true, false] {
            for (login, body, expected) in [
                ("maura", "/milestone v1.0", set(&PR, Some(1))),
                ("Maura", "/milestone v1.1", set(&PR, Some(2))),
                ("@maura", "/milestone v1.1", set(&PR, Some(2))),
                ("maura", "/milestone clear", set(&PR, None)),
                ("maura", "/milestone v1.0-beta!", set(&PR, Some(4))),
                (
                    "maura",
                    "Foo\n/milestone v1.0\r\n/priority critical-urgent",
                    set(&PR, Some(1)),
                ),
                ("maura", "/milestone\nv1.1", set(&PR, Some(2))),
                (
                    "maura",
                    "/milestone v1.0\n/milestone v1.1",
                    set(&PR, Some(1)),
                ),
                ("maura", "/milestone v1.0 ", set(&PR, Some(1))),
                ("maura", "/milestone v1.0\t", set(&PR, Some(1))),
                ("maura", "/MILESTONE v1.0", vec![]),
                ("maura", "/milestone", vec![]),
                ("maura", "/milestonev1.0", vec![]),
                ("maura", "see /milestone v1.0", vec![]),
            ] {
                let facts = world(&PR, team, &["maura", "mike"]);
                let delivery = comment_on(&PR, login, body, is_pr);
                assert_eq!(
                    plan_with(&Milestone, &delivery, &facts, &config),
                    Ok(expected),
                    "{login} {body:?} pr: {is_pr}"
                );
            }
        }
    }

    #[test]
    fn a_milestone_that_is_not_an_open_one_is_refused_with_the_list() {
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        for (body, snapshot) in [
            ("/milestone v2.0", "invalid_milestone"),
            // Closed milestones are not listed, as upstream lists the open ones.
            ("/milestone v0.9", "invalid_closed_milestone"),
            (
                "/milestone v1.0 extra",
                "invalid_milestone_with_extra_words",
            ),
            ("/milestone  ", "invalid_milestone_blank"),
        ] {
            let facts = world(&PR, "milestone-maintainers", &["maura"]);
            let delivery = comment_on(&PR, "maura", body, true);
            let planned = plan_with(&Milestone, &delivery, &facts, &config).unwrap();
            assert!(
                matches!(planned[..], [Action::Comment { .. }]),
                "{planned:?}"
            );
            insta::assert_snapshot!(snapshot, body_of(&planned));
        }
    }

    #[test]
    fn others_are_refused_even_to_clear_and_the_repos_team_replaces_the_default() {
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        let facts = world(&PR, "milestone-maintainers", &["maura"]);
        for body in ["/milestone v1.0", "/milestone clear", "/milestone nope"] {
            let delivery = comment_on(&PR, "outsider", body, false);
            let planned = plan_with(&Milestone, &delivery, &facts, &config).unwrap();
            insta::assert_snapshot!(
                "not_a_maintainer",
                body_of(&planned).replace(body, "<body>")
            );
        }
        // kubernetes/other has its own team: a default-team member is refused there.
        let other = IssueRef::new("kubernetes", "other", 3);
        let facts = Facts::new()
            .team("kubernetes", "leads", &["lee"])
            .team("kubernetes", "milestone-maintainers", &["maura"])
            .milestones(&other.repo, &[(1, "v1.0", true)]);
        let refused = plan_with(
            &Milestone,
            &comment_on(&other, "maura", "/milestone v1.0", true),
            &facts,
            &config,
        )
        .unwrap();
        insta::assert_snapshot!("not_a_maintainer_without_friendly_name", body_of(&refused));
        assert_eq!(
            plan_with(
                &Milestone,
                &comment_on(&other, "lee", "/milestone v1.0", true),
                &facts,
                &config
            ),
            Ok(set(&other, Some(1)))
        );
    }

    #[test]
    fn the_team_is_asked_first_then_the_milestones_even_to_clear() {
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        let team = Fact::team_members("kubernetes", "milestone-maintainers");
        let delivery = comment_on(&PR, "maura", "/milestone clear", true);
        assert_eq!(
            plan_with(&Milestone, &delivery, &Facts::new(), &config),
            Err(NeedFacts::one(team))
        );
        let member = Facts::new().team("kubernetes", "milestone-maintainers", &["maura"]);
        assert_eq!(
            plan_with(&Milestone, &delivery, &member, &config),
            Err(NeedFacts::one(Fact::Milestones(PR.repo.clone())))
        );
        // A refusal needs no milestones.
        let outsider = comment_on(&PR, "outsider", "/milestone clear", true);
        assert!(plan_with(&Milestone, &outsider, &member, &config).is_ok());
    }

    #[test]
    fn without_a_team_edits_and_other_text_nothing_is_asked() {
        let none = Facts::new();
        assert_eq!(
            plan_with(
                &Milestone,
                &comment_on(&PR, "maura", "/milestone v1.0", true),
                &none,
                &Config::default()
            ),
            Ok(vec![])
        );
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        let edited = edited(comment_on(&PR, "maura", "/milestone v1.0", true));
        assert_eq!(plan_with(&Milestone, &edited, &none, &config), Ok(vec![]));
        assert_eq!(
            plan_with(
                &Milestone,
                &comment_on(&PR, "maura", "no command", true),
                &none,
                &config
            ),
            Ok(vec![])
        );
    }

    #[test]
    fn help_is_upstreams() {
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        let help = Milestone.help(
            &config,
            &["kubernetes/other".into(), "kubernetes/test-infra".into()],
        );
        insta::assert_debug_snapshot!(help);
    }
}
