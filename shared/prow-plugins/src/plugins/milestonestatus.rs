//! `milestonestatus` (upstream `pkg/plugins/milestonestatus`): members of the milestone
//! maintainers team (`repo_milestone`, as `milestone` reads it) put a `status/*` label on an
//! issue or pull request with `/status in-review` and the like.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern};
use crate::help::{Commands, command};
use crate::{Action, EventKind, Fact, Facts, Input, NeedFacts, PluginHelp};
use prow_config::Config;
use std::collections::BTreeMap;

// Case-sensitive; every line that says it counts.
static STATUS: Pattern = Pattern::new(|| pattern(r"(?m)^/status(?-u:\s)+(.+)$"));

/// Each `/status` value and its label.
pub const STATUSES: &[(&str, &str)] = &[
    ("approved-for-milestone", "status/approved-for-milestone"),
    ("in-progress", "status/in-progress"),
    ("in-review", "status/in-review"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Status,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Status];

    fn help(self) -> crate::Command {
        match self {
            Command::Status => command(
                "/status (approved-for-milestone|in-progress|in-review)",
                "Applies the 'status/' label to a PR.",
                "Members of the milestone maintainers GitHub team can use the '/status' command. This team is specified in the config by providing the GitHub team's ID.",
                &[
                    "/status approved-for-milestone",
                    "/status in-progress",
                    "/status in-review",
                ],
            ),
        }
    }
}

pub struct MilestoneStatus;

impl Builtin for MilestoneStatus {
    const NAME: &'static str = "milestonestatus";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp {
        let describe = |key: &str| {
            let team = config
                .plugins
                .repo_milestone
                .get(key)
                .map(|m| m.maintainers_team.clone())
                .unwrap_or_default();
            format!("The milestone maintainers team is the GitHub team {team:?}")
        };
        let mut configured: BTreeMap<String, String> = enabled_repos
            .iter()
            .filter(|repo| config.plugins.repo_milestone.contains_key(repo.as_str()))
            .map(|repo| (repo.clone(), describe(repo)))
            .collect();
        configured.insert(String::new(), describe(""));
        PluginHelp::new(
            "The milestonestatus plugin allows members of the milestone maintainers GitHub team to specify the 'status/*' label that should apply to a pull request.",
        )
        .with_config_per_repo(configured)
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment(input) else {
            return Ok(Vec::new());
        };
        let asked: Vec<&str> = STATUS
            .captures_iter(&comment.body)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str().trim())
            .collect();
        if asked.is_empty() {
            return Ok(Vec::new());
        }
        let issue = commented_issue(comment);
        let org = issue.repo.org.as_str();
        let maintainers = input
            .config
            .plugins
            .milestone_for(org, &issue.repo.name)
            .unwrap_or_default();
        // Upstream falls back to the deprecated team id, which the GitHub port does not read.
        let team = &maintainers.maintainers_team;
        if team.is_empty() {
            return Ok(Vec::new());
        }
        facts.need([Fact::team_members(org, team)])?;
        // Upstream lower-cases both logins here and strips no `@`.
        let login = comment.user.login.to_lowercase();
        let is_maintainer = facts
            .team_members(org, team)?
            .iter()
            .any(|member| member.to_lowercase() == login);
        if !is_maintainer {
            // Upstream posts this one without the reply wrapper.
            return Ok(vec![Action::comment(
                &issue,
                format!(
                    "You must be a member of the [{org}/{team}](https://github.com/orgs/{org}/teams/{team}/members) GitHub team to add status labels. If you believe you should be able to issue the /status command, please contact your {} and have them propose you as an additional delegate for this responsibility.",
                    maintainers.maintainers_friendly_name
                ),
            )]);
        }
        let wanted: Vec<&str> = asked
            .iter()
            .filter_map(|status| {
                STATUSES
                    .iter()
                    .find(|(name, _)| name == status)
                    .map(|(_, label)| *label)
            })
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        // Upstream adds each again; a label already there is not written twice here.
        facts.need([Fact::Labels(issue.clone())])?;
        let mut actions: Vec<Action> = Vec::new();
        for label in wanted {
            let planned = Action::add_label(&issue, label);
            if !facts.has_label(&issue, label)? && !actions.contains(&planned) {
                actions.push(planned);
            }
        }
        Ok(actions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IssueRef;
    use crate::testing::{
        Given, PR, REPO_MILESTONE_PLUGINS, comment_on, edited, plan_with, plugins_config,
    };

    fn add(labels: &[&str]) -> Vec<Action> {
        labels.iter().map(|l| Action::add_label(&PR, *l)).collect()
    }

    #[test]
    fn maintainers_add_each_valid_status_once() {
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        for is_pr in [true, false] {
            for (login, body, current, expected) in [
                (
                    "maura",
                    "/status in-review",
                    &[][..],
                    add(&["status/in-review"]),
                ),
                (
                    "Maura",
                    "/status in-progress",
                    &[],
                    add(&["status/in-progress"]),
                ),
                (
                    "maura",
                    "/status approved-for-milestone",
                    &[],
                    add(&["status/approved-for-milestone"]),
                ),
                (
                    "maura",
                    "/status in-review \r",
                    &[],
                    add(&["status/in-review"]),
                ),
                (
                    "maura",
                    "/status\nin-review",
                    &[],
                    add(&["status/in-review"]),
                ),
                (
                    "maura",
                    "/status in-review\n/status in-progress\n/status in-review",
                    &[],
                    add(&["status/in-review", "status/in-progress"]),
                ),
                // Existing status labels stay, as upstream.
                (
                    "maura",
                    "/status in-progress",
                    &["status/in-review"],
                    add(&["status/in-progress"]),
                ),
                ("maura", "/status in-review", &["status/in-review"], vec![]),
                ("maura", "/status in-valid", &[], vec![]),
                ("maura", "/status In-Review", &[], vec![]),
                ("maura", "/STATUS in-review", &[], vec![]),
                ("maura", "/status ", &[], vec![]),
                ("maura", "see /status in-review", &[], vec![]),
            ] {
                let facts = Facts::new()
                    .team("kubernetes", "milestone-maintainers", &["maura", "mike"])
                    .labelled(&PR, current);
                let delivery = comment_on(&PR, login, body, is_pr);
                assert_eq!(
                    plan_with(&MilestoneStatus, &delivery, &facts, &config),
                    Ok(expected),
                    "{login} {body:?} {current:?} pr: {is_pr}"
                );
            }
        }
    }

    #[test]
    fn others_are_refused_even_for_an_invalid_status() {
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        let facts = Facts::new().team("kubernetes", "milestone-maintainers", &["maura"]);
        for (login, body) in [
            ("outsider", "/status in-review"),
            ("alice", "/status approved-for-milestone"),
            ("outsider", "/status in-valid"),
            // No `@` stripping here, unlike `milestone`.
            ("@maura", "/status in-review"),
        ] {
            let planned = plan_with(
                &MilestoneStatus,
                &comment_on(&PR, login, body, true),
                &facts,
                &config,
            )
            .unwrap();
            let [Action::Comment { body, .. }] = &planned[..] else {
                panic!("{login} {planned:?}");
            };
            insta::assert_snapshot!("not_a_maintainer", body);
        }
        let other = IssueRef::new("kubernetes", "other", 3);
        let facts = Facts::new()
            .team("kubernetes", "leads", &["lee"])
            .labelled(&other, &[]);
        let refused = plan_with(
            &MilestoneStatus,
            &comment_on(&other, "maura", "/status in-review", true),
            &facts,
            &config,
        )
        .unwrap();
        let [Action::Comment { body, .. }] = &refused[..] else {
            panic!("{refused:?}");
        };
        insta::assert_snapshot!("not_a_maintainer_without_friendly_name", body);
        assert_eq!(
            plan_with(
                &MilestoneStatus,
                &comment_on(&other, "lee", "/status in-review", true),
                &facts,
                &config
            ),
            Ok(vec![Action::add_label(&other, "status/in-review")])
        );
    }

    #[test]
    fn the_team_is_asked_first_then_the_labels() {
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        let delivery = comment_on(&PR, "maura", "/status in-review", true);
        assert_eq!(
            plan_with(&MilestoneStatus, &delivery, &Facts::new(), &config),
            Err(NeedFacts::one(Fact::team_members(
                "kubernetes",
                "milestone-maintainers"
            )))
        );
        let member = Facts::new().team("kubernetes", "milestone-maintainers", &["maura"]);
        assert_eq!(
            plan_with(&MilestoneStatus, &delivery, &member, &config),
            Err(NeedFacts::one(Fact::Labels(PR.clone())))
        );
        // Nothing valid to add: no labels read.
        let invalid = comment_on(&PR, "maura", "/status done", true);
        assert_eq!(
            plan_with(&MilestoneStatus, &invalid, &member, &config),
            Ok(vec![])
        );
    }

    #[test]
    fn without_a_team_edits_and_other_text_nothing_is_asked() {
        let none = Facts::new();
        let delivery = comment_on(&PR, "maura", "/status in-review", true);
        assert_eq!(
            plan_with(&MilestoneStatus, &delivery, &none, &Config::default()),
            Ok(vec![])
        );
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        let edited = edited(delivery.clone());
        assert_eq!(
            plan_with(&MilestoneStatus, &edited, &none, &config),
            Ok(vec![])
        );
        let text = comment_on(&PR, "maura", "status in-review", true);
        assert_eq!(
            plan_with(&MilestoneStatus, &text, &none, &config),
            Ok(vec![])
        );
    }

    #[test]
    fn help_is_upstreams() {
        let config = plugins_config(REPO_MILESTONE_PLUGINS);
        let help = MilestoneStatus.help(
            &config,
            &["kubernetes/other".into(), "kubernetes/test-infra".into()],
        );
        insta::assert_debug_snapshot!(help);
    }
}
