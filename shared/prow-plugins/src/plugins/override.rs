//! `override` (upstream `pkg/plugins/override`): repo admins (and, when configured, members of
//! `allowed_github_teams` or the root OWNERS approvers) force failed status contexts of a pull
//! request to success with `/override ctx...` (`/override-sticky` across retests) and put them
//! back with `/override-cancel`.
//!
//! Upstream also records a successful ProwJob for a context that belongs to a presubmit; hook
//! has no job store, so only the status is set here. Check runs (GitHub App installations)
//! are not overridden either.

use super::{Builtin, Pattern, commented_issue, new_comment_on_open_pr, pattern};
use crate::help::{Commands, command};
use crate::owners::parse::norm_login;
use crate::{Action, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::comment::{GenericCommentEvent, format_response_raw};
use prow_github::events::PullRequest;
use prow_ports::github::{Permission, RepoRef, Sha, Status};
use std::collections::BTreeSet;

static OVERRIDE: Pattern = Pattern::new(|| pattern(r"(?mi)^/override( ([^\r\n]+))?[\r\n]?$"));
static OVERRIDE_STICKY: Pattern =
    Pattern::new(|| pattern(r"(?mi)^/override-sticky( ([^\r\n]+))?[\r\n]?$"));
static OVERRIDE_CANCEL: Pattern =
    Pattern::new(|| pattern(r"(?mi)^/override-cancel( ([^\r\n]+))?[\r\n]?$"));

const OVERRIDDEN_BY: &str = "Overridden by";
/// Upstream's `config.SkipRetestSentinel`.
const SKIP_RETEST: &str = "[prow:skip-retest]";
const DESCRIPTION_MAX_LEN: usize = 140;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Override,
    OverrideSticky,
    OverrideCancel,
}

impl Command {
    fn help_with(self, who: &str) -> crate::Command {
        match self {
            Command::Override => command(
                "/override [context1] [context2]",
                "Forces github status contexts to green (multiple can be given). If the desired context has spaces, it must be quoted. Overrides expire when the base branch moves.",
                who,
                &[
                    "/override pull-repo-whatever",
                    "/override \"test / Unit Tests\"",
                    "/override ci/circleci",
                    "/override deleted-job other-job",
                ],
            ),
            Command::OverrideSticky => command(
                "/override-sticky [context1] [context2]",
                "Like /override, but the override persists across retests on the current HEAD SHA even when the base branch moves. Pushing a new commit clears them. Use /override-cancel to remove.",
                who,
                &[
                    "/override-sticky pull-repo-whatever",
                    "/override-sticky \"test / Unit Tests\"",
                ],
            ),
            Command::OverrideCancel => command(
                "/override-cancel [context]",
                "Removes overrides by setting the status back to failure. Works on both regular and sticky overrides. If a context is given, only that override is removed. If no context is given, all overrides on the PR are removed.",
                who,
                &["/override-cancel pull-repo-whatever", "/override-cancel"],
            ),
        }
    }
}

impl Commands for Command {
    const ALL: &'static [Command] = &[
        Command::Override,
        Command::OverrideSticky,
        Command::OverrideCancel,
    ];

    fn help(self) -> crate::Command {
        self.help_with("Repo administrators.")
    }
}

/// Upstream `whoCanUse`; `org` empty for the help (every team entry).
fn who_can_use(config: &Config, org: &str, repo: &str) -> String {
    let options = &config.plugins.r#override;
    let mut who = String::from("Repo administrators");
    if options.allow_top_level_owners {
        who.push_str(", approvers in top level OWNERS file");
    }
    if !options.allowed_github_teams.is_empty() {
        let full = format!("{org}/{repo}");
        let mut teams: Vec<String> = options
            .allowed_github_teams
            .iter()
            .filter(|(key, _)| full == "/" || **key == full || *key == org)
            .map(|(key, slugs)| format!("{key}: {}", slugs.join(" ")))
            .collect();
        teams.sort();
        who.push_str(", and the following github teams:");
        who.push_str(&teams.join(", "));
    }
    who.push('.');
    who
}

/// Upstream `parseOverrideInput`: words split on spaces outside double quotes, quotes dropped.
fn parse_contexts(input: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in input.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if !quoted && c == ' ' {
            if !current.is_empty() {
                fields.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        fields.push(current);
    }
    fields
        .iter()
        .map(|f| f.trim().trim_matches('"').to_string())
        .collect()
}

/// Upstream `ContextDescriptionWithBaseSha` (as crier's): ` BaseSHA:<sha>` at the right of 140
/// bytes, padded with U+2001 by upstream's count.
fn with_base_sha(human: &str, base_sha: &str) -> String {
    let mut suffix = String::new();
    if !base_sha.is_empty() {
        suffix = format!(" BaseSHA:{base_sha}");
        let mut padded = 0;
        while padded < DESCRIPTION_MAX_LEN.saturating_sub(human.len() + suffix.len()) {
            suffix.insert(0, '\u{2001}');
            padded += 1;
        }
    }
    let max = DESCRIPTION_MAX_LEN.saturating_sub(suffix.len());
    let shown = if human.len() <= max {
        human.to_string()
    } else {
        let half = max.saturating_sub(5) / 2;
        let mut head = half;
        while !human.is_char_boundary(head) {
            head -= 1;
        }
        let mut tail = human.len() - half;
        while !human.is_char_boundary(tail) {
            tail += 1;
        }
        format!("{} ... {}", &human[..head], &human[tail..])
    };
    shown + &suffix
}

/// Each match of `re`: its arguments, `None` for a command without any.
fn matches(re: &regex::Regex, body: &str) -> Vec<Option<String>> {
    re.captures_iter(body)
        .map(|c| c.get(2).map(|m| m.as_str().to_string()))
        .collect()
}

pub struct Override;

impl Builtin for Override {
    const NAME: &'static str = "override";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, config: &Config, _: &[String]) -> PluginHelp {
        let who = who_can_use(config, "", "");
        PluginHelp {
            commands: Command::ALL.iter().map(|c| c.help_with(&who)).collect(),
            ..PluginHelp::new(
                "The override plugin allows repo admins to force a github status context to pass",
            )
        }
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment_on_open_pr(input) else {
            return Ok(Vec::new());
        };
        let cancels = matches(&OVERRIDE_CANCEL, &comment.body);
        let stickies = matches(&OVERRIDE_STICKY, &comment.body);
        let overrides = matches(&OVERRIDE, &comment.body);
        if cancels.is_empty() && stickies.is_empty() && overrides.is_empty() {
            return Ok(Vec::new());
        }
        let ask = Ask {
            config: input.config,
            facts,
            comment,
            pull: commented_issue(comment),
        };
        // Upstream runs the three in this order; a reply ends each.
        let mut actions = Vec::new();
        if !cancels.is_empty() {
            actions.extend(ask.cancel(&cancels)?);
        }
        if !stickies.is_empty() {
            actions.extend(ask.force(&stickies, true)?);
        }
        if !overrides.is_empty() {
            actions.extend(ask.force(&overrides, false)?);
        }
        Ok(actions)
    }
}

/// One comment's asks.
struct Ask<'a> {
    config: &'a Config,
    facts: &'a Facts,
    comment: &'a GenericCommentEvent,
    pull: IssueRef,
}

impl Ask<'_> {
    fn user(&self) -> &str {
        &self.comment.user.login
    }

    fn reply(&self, text: &str) -> Action {
        Action::comment(
            &self.pull,
            format_response_raw(
                &self.comment.body,
                &self.comment.html_url,
                self.user(),
                text,
            ),
        )
    }

    fn pull_request(&self) -> Result<&PullRequest, NeedFacts> {
        self.facts.need([Fact::PullRequest(self.pull.clone())])?;
        self.facts.pull_request(&self.pull)
    }

    /// Upstream `isAuthorized`: an admin, a member of an allowed team, a root OWNERS approver.
    fn authorized(&self, pr: &PullRequest) -> Result<bool, NeedFacts> {
        let repo = &self.pull.repo;
        let user = self.user();
        self.facts.need([Fact::permission(repo, user)])?;
        if self.facts.permission(repo, user)? == Permission::Admin {
            return Ok(true);
        }
        let teams = &self.config.plugins.r#override.allowed_github_teams;
        if !teams.is_empty() {
            // The repo's teams, then the org's; membership compared exactly, as upstream.
            let slugs: Vec<&String> = [repo.full_name(), repo.org.clone()]
                .iter()
                .filter_map(|key| teams.get(key))
                .flatten()
                .collect();
            self.facts
                .need(slugs.iter().map(|slug| Fact::team_members(&repo.org, slug)))?;
            for slug in slugs {
                if self
                    .facts
                    .team_members(&repo.org, slug)?
                    .iter()
                    .any(|m| m == user)
                {
                    return Ok(true);
                }
            }
        }
        if self.config.plugins.r#override.allow_top_level_owners {
            let owners = crate::owners::repo_owners(
                self.config,
                self.facts,
                repo,
                &pr.base.git_ref,
                std::iter::empty::<&str>(),
            )?;
            return Ok(owners.top_level_approvers().contains(&norm_login(user)));
        }
        Ok(false)
    }

    fn statuses(&self, head: &Sha) -> Result<Vec<Status>, NeedFacts> {
        let fact = Fact::combined_status(&self.pull.repo, &head.0);
        self.facts.need([fact])?;
        Ok(self
            .facts
            .combined_status(&self.pull.repo, &head.0)?
            .statuses
            .clone())
    }

    /// `/override` and `/override-sticky` (upstream `handle`).
    fn force(&self, asks: &[Option<String>], sticky: bool) -> Result<Vec<Action>, NeedFacts> {
        let command = if sticky {
            "/override-sticky"
        } else {
            "/override"
        };
        let mut wanted = BTreeSet::new();
        for ask in asks {
            let Some(arguments) = ask else {
                return Ok(vec![self.reply(&format!(
                    "{command} requires failed status contexts to operate on, but none was given"
                ))]);
            };
            wanted.extend(parse_contexts(arguments));
        }
        let pr = self.pull_request()?;
        let repo = &self.pull.repo;
        if !self.authorized(pr)? {
            return Ok(vec![self.reply(&format!(
                "{} unauthorized: {command} is restricted to {}",
                self.user(),
                who_can_use(self.config, &repo.org, &repo.name)
            ))]);
        }
        let head = Sha::new(&pr.head.sha);
        let branch = &pr.base.git_ref;
        self.facts.need([
            Fact::combined_status(repo, &head.0),
            Fact::required_contexts(repo, branch),
        ])?;
        let mut statuses = self.statuses(&head)?;
        let presubmits = self.config.jobs.presubmits_for(&repo.full_name());
        let presubmit_for =
            |context: &str| presubmits.iter().find(|p| p.reporter.context == context);

        let mut contexts = BTreeSet::new();
        // Contexts this bot overrode already: a redelivery finds them done, not unknown.
        let mut overridden = BTreeSet::new();
        for status in &statuses {
            if status.state == "success" {
                if status.description.contains(OVERRIDDEN_BY) {
                    overridden.insert(status.context.clone());
                    if let Some(job) = presubmit_for(&status.context) {
                        overridden.insert(job.base.name.clone());
                    }
                }
                continue;
            }
            contexts.insert(status.context.clone());
            if let Some(job) = presubmit_for(&status.context) {
                contexts.insert(job.base.name.clone());
            }
        }
        for required in self.facts.required_contexts(repo, branch)? {
            if !contexts.contains(required) && !overridden.contains(required) {
                contexts.insert(required.clone());
                statuses.push(Status {
                    context: required.clone(),
                    ..Status::default()
                });
            }
        }
        let unknown: Vec<&String> = wanted
            .iter()
            .filter(|w| !contexts.contains(*w) && !overridden.contains(*w))
            .collect();
        if !unknown.is_empty() {
            let list = |items: Vec<&String>| {
                items
                    .iter()
                    .map(|i| format!(" - `{i}`"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            return Ok(vec![self.reply(&format!(
                "{command} requires failed status contexts, check run or a prowjob name to operate on.\nThe following unknown contexts/checkruns were given:\n{}\n\nOnly the following failed contexts/checkruns were expected:\n{}\n\nIf you are trying to override a checkrun that has a space in it, you must put a double quote on the context.\n",
                list(unknown),
                list(contexts.iter().collect())
            ))]);
        }
        self.facts.need([Fact::branch_head(repo, branch)])?;
        let base_sha = self.facts.branch_head(repo, branch)?;
        let user = self.user();
        let description = if sticky {
            format!("{OVERRIDDEN_BY} {user} {SKIP_RETEST}")
        } else {
            format!("{OVERRIDDEN_BY} {user}")
        };
        let mut actions = Vec::new();
        let mut done = BTreeSet::new();
        for status in statuses {
            let job = presubmit_for(&status.context);
            let asked = wanted.contains(&status.context)
                || job.is_some_and(|j| wanted.contains(&j.base.name));
            if status.state == "success" || !asked || done.contains(&status.context) {
                continue;
            }
            done.insert(status.context.clone());
            let description = with_base_sha(&description, &base_sha.0);
            actions.push(restated(repo, &head, status, "success", description));
        }
        if !done.is_empty() {
            let list: Vec<&str> = done.iter().map(String::as_str).collect();
            let mut message = format!("Overrode contexts on behalf of {user}: {}", list.join(", "));
            if sticky {
                message.push_str("\n\nThese overrides will persist across retests on the current HEAD SHA. Pushing a new commit will clear them. Use `/override-cancel` to remove them.");
            }
            actions.push(self.reply(&message));
        }
        Ok(actions)
    }

    /// `/override-cancel` (upstream `handleOverrideCancel`).
    fn cancel(&self, asks: &[Option<String>]) -> Result<Vec<Action>, NeedFacts> {
        let pr = self.pull_request()?;
        let repo = &self.pull.repo;
        let user = self.user();
        if !self.authorized(pr)? {
            return Ok(vec![self.reply(&format!(
                "{user} unauthorized: /override-cancel is restricted to {}",
                who_can_use(self.config, &repo.org, &repo.name)
            ))]);
        }
        let all = asks.iter().any(Option::is_none);
        let named: BTreeSet<String> = asks
            .iter()
            .flatten()
            .flat_map(|a| parse_contexts(a))
            .collect();
        let head = Sha::new(&pr.head.sha);
        let statuses = self.statuses(&head)?;
        let cancelled_by = format!("Override cancelled by {user}");
        let mut actions = Vec::new();
        let mut cancelled = BTreeSet::new();
        let mut cancelled_before = false;
        for status in statuses {
            let asked = all || named.contains(&status.context);
            if asked && status.description == cancelled_by && status.state == "failure" {
                cancelled_before = true;
            }
            if !asked || !status.description.contains(OVERRIDDEN_BY) {
                continue;
            }
            cancelled.insert(status.context.clone());
            actions.push(restated(
                repo,
                &head,
                status,
                "failure",
                cancelled_by.clone(),
            ));
        }
        if cancelled.is_empty() {
            // A redelivery finds the overrides it cancelled and says nothing again.
            if cancelled_before {
                return Ok(Vec::new());
            }
            return Ok(vec![self.reply("No overrides found to cancel")]);
        }
        let list: Vec<&str> = cancelled.iter().map(String::as_str).collect();
        actions.push(self.reply(&format!(
            "Cancelled overrides on behalf of {user}: {}",
            list.join(", ")
        )));
        Ok(actions)
    }
}

/// `status` set again on `head`, now in `state` and saying `description`.
fn restated(
    repo: &RepoRef,
    head: &Sha,
    status: Status,
    state: &str,
    description: String,
) -> Action {
    Action::SetStatus {
        repo: repo.clone(),
        sha: head.clone(),
        status: Status {
            state: state.to_string(),
            description,
            ..status
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Known;
    use crate::owners::tests::{load_config, plugins_config};
    use crate::testing::{Given, PR, comment, plan, plan_with};
    use prow_ports::github::CombinedStatus;

    const HEAD: &str = "headsha0000000000000000000000000000000000";
    const BASE: &str = "basehead000000000000000000000000000000000";

    fn statuses(list: &[(&str, &str, &str)]) -> Known {
        Known::Statuses(CombinedStatus {
            sha: HEAD.into(),
            state: "failure".into(),
            statuses: list
                .iter()
                .map(|(context, state, description)| Status {
                    context: context.to_string(),
                    state: state.to_string(),
                    description: description.to_string(),
                    target_url: format!("https://prow/{context}"),
                })
                .collect(),
        })
    }

    fn world(list: &[(&str, &str, &str)], required: &[&str]) -> Facts {
        Facts::new()
            .pull(&PR, "alice", |_| {})
            .permission(&PR.repo, "admin", Permission::Admin)
            .permission(&PR.repo, "writer", Permission::Write)
            .permission(&PR.repo, "root", Permission::Read)
            .fact(Fact::combined_status(&PR.repo, HEAD), statuses(list))
            .fact(
                Fact::required_contexts(&PR.repo, "main"),
                Known::Contexts(required.iter().map(|r| r.to_string()).collect()),
            )
            .fact(
                Fact::branch_head(&PR.repo, "main"),
                Known::Sha(Sha::new(BASE)),
            )
    }

    fn said(who: &str, body: &str) -> crate::Delivery {
        comment(&PR, who, body, true, "alice")
    }

    fn reply_text(actions: &[Action]) -> String {
        actions
            .iter()
            .find_map(|a| match a {
                Action::Comment { body, .. } => Some(body.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }

    fn set_statuses(actions: &[Action]) -> Vec<(String, String, String)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::SetStatus { status, .. } => Some((
                    status.context.clone(),
                    status.state.clone(),
                    status.description.clone(),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn admins_override_failed_contexts_and_others_are_told_who_may() {
        let facts = world(
            &[("unit", "failure", "broke"), ("lint", "success", "ok")],
            &[],
        );
        let actions = plan(&Override, &said("admin", "/override unit"), &facts).unwrap();
        let set = set_statuses(&actions);
        assert_eq!(set.len(), 1);
        assert_eq!(set[0].0, "unit");
        assert_eq!(set[0].1, "success");
        assert_eq!(set[0].2, with_base_sha("Overridden by admin", BASE));
        assert!(set[0].2.ends_with(&format!(" BaseSHA:{BASE}")));
        assert!(set[0].2.len() <= 140 + 2 * 3);
        insta::assert_snapshot!("override_done", reply_text(&actions));

        for who in ["writer", "root"] {
            let actions = plan(&Override, &said(who, "/override unit"), &facts).unwrap();
            assert!(set_statuses(&actions).is_empty());
            assert!(
                reply_text(&actions).starts_with(&format!(
                    "@{who}: {who} unauthorized: /override is restricted to Repo administrators."
                )),
                "{actions:?}"
            );
        }
    }

    #[test]
    fn allowed_teams_and_top_level_approvers_may_when_configured() {
        let config = plugins_config(
            "override:\n  allow_top_level_owners: true\n  allowed_github_teams:\n    kubernetes/test-infra: [release]\n    kubernetes: [leads]\n",
        );
        let facts = world(&[("unit", "failure", "")], &[])
            .team("kubernetes", "release", &["writer"])
            .team("kubernetes", "leads", &[])
            .file(&PR.repo, "main", "OWNERS", Some("approvers: [Root]\n"))
            .file(&PR.repo, "main", "OWNERS_ALIASES", None)
            .collaborators(&PR.repo, &["root"]);
        for who in ["writer", "root"] {
            let actions =
                plan_with(&Override, &said(who, "/override unit"), &facts, &config).unwrap();
            assert_eq!(set_statuses(&actions).len(), 1, "{who}: {actions:?}");
        }
        let outsider = facts.permission(&PR.repo, "olly", Permission::None);
        let actions = plan_with(
            &Override,
            &said("olly", "/override unit"),
            &outsider,
            &config,
        )
        .unwrap();
        insta::assert_snapshot!("override_unauthorized", reply_text(&actions));
    }

    #[test]
    fn unknown_contexts_are_listed_with_the_failed_ones() {
        let facts = world(
            &[("unit", "failure", ""), ("e2e", "pending", "")],
            &["tide-required"],
        );
        let actions = plan(&Override, &said("admin", "/override nope unit"), &facts).unwrap();
        assert!(set_statuses(&actions).is_empty());
        insta::assert_snapshot!("override_unknown", reply_text(&actions));
        // Pending and required-but-missing contexts may be overridden.
        let actions = plan(
            &Override,
            &said("admin", "/override e2e tide-required"),
            &facts,
        )
        .unwrap();
        let set = set_statuses(&actions);
        assert_eq!(
            set.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
            ["e2e", "tide-required"]
        );
    }

    #[test]
    fn a_presubmits_name_stands_for_its_context() {
        let config = load_config(
            "presubmits:\n  kubernetes/test-infra:\n  - name: pull-unit\n    context: ci/unit\n    always_run: true\n    spec:\n      containers:\n      - image: alpine\n",
            "",
        );
        let facts = world(&[("ci/unit", "failure", "")], &[]);
        let actions = plan_with(
            &Override,
            &said("admin", "/override pull-unit"),
            &facts,
            &config,
        )
        .unwrap();
        assert_eq!(set_statuses(&actions)[0].0, "ci/unit");
    }

    #[test]
    fn sticky_overrides_say_so_and_a_command_without_contexts_is_refused() {
        let facts = world(&[("unit", "failure", "")], &[]);
        let actions = plan(&Override, &said("admin", "/override-sticky unit"), &facts).unwrap();
        assert!(
            set_statuses(&actions)[0]
                .2
                .starts_with("Overridden by admin [prow:skip-retest]")
        );
        insta::assert_snapshot!("override_sticky_done", reply_text(&actions));
        let bare = plan(&Override, &said("admin", "/override"), &Facts::new()).unwrap();
        insta::assert_snapshot!("override_none_given", reply_text(&bare));
    }

    #[test]
    fn overrides_are_not_redone_and_a_redelivery_says_nothing_new() {
        let done = world(
            &[(
                "unit",
                "success",
                &with_base_sha("Overridden by admin", BASE),
            )],
            &[],
        );
        assert_eq!(
            plan(&Override, &said("admin", "/override unit"), &done),
            Ok(vec![])
        );
    }

    #[test]
    fn cancel_puts_overridden_contexts_back_to_failure() {
        let facts = world(
            &[
                ("unit", "success", "Overridden by admin"),
                ("lint", "success", "Overridden by admin [prow:skip-retest]"),
                ("e2e", "success", "Job succeeded."),
            ],
            &[],
        );
        let actions = plan(&Override, &said("admin", "/override-cancel"), &facts).unwrap();
        let set = set_statuses(&actions);
        assert_eq!(
            set,
            [
                (
                    "unit".into(),
                    "failure".into(),
                    "Override cancelled by admin".into()
                ),
                (
                    "lint".into(),
                    "failure".into(),
                    "Override cancelled by admin".into()
                ),
            ]
        );
        insta::assert_snapshot!("override_cancelled", reply_text(&actions));
        let one = plan(&Override, &said("admin", "/override-cancel lint"), &facts).unwrap();
        assert_eq!(set_statuses(&one).len(), 1);
        let none = world(&[("e2e", "success", "Job succeeded.")], &[]);
        let actions = plan(&Override, &said("admin", "/override-cancel"), &none).unwrap();
        assert!(reply_text(&actions).starts_with("@admin: No overrides found to cancel"));
        let again = world(&[("unit", "failure", "Override cancelled by admin")], &[]);
        assert_eq!(
            plan(&Override, &said("admin", "/override-cancel"), &again),
            Ok(vec![])
        );
    }

    #[test]
    fn arguments_split_on_spaces_outside_quotes() {
        assert_eq!(
            parse_contexts("\"test / Unit Tests\"  lint"),
            ["test / Unit Tests", "lint"]
        );
        let facts = world(&[("job", "failure", "")], &[]);
        let actions = plan(
            &Override,
            &said("admin", "/override job\r\nobnoxious flake"),
            &facts,
        )
        .unwrap();
        assert_eq!(set_statuses(&actions).len(), 1);
    }

    #[test]
    fn descriptions_fit_githubs_limit_as_upstreams_do() {
        assert_eq!(with_base_sha("x", ""), "x");
        let long = "y".repeat(200);
        let shown = with_base_sha(&long, BASE);
        assert!(shown.contains(" ... "));
        assert!(shown.ends_with(&format!(" BaseSHA:{BASE}")));
    }

    #[test]
    fn help_names_who_may_use_it() {
        let config = plugins_config(
            "override:\n  allow_top_level_owners: true\n  allowed_github_teams:\n    kubernetes: [leads, ops]\n    other/repo: [x]\n",
        );
        let help = Override.help(&config, &[]);
        assert_eq!(
            help.commands[0].who_can_use,
            "Repo administrators, approvers in top level OWNERS file, and the following github teams:kubernetes: leads ops, other/repo: x."
        );
        assert_eq!(help.commands.len(), 3);
    }
}
