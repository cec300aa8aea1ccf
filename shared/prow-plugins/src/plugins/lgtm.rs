//! `lgtm` (upstream `pkg/plugins/lgtm`): collaborators (or, under `owners.skip_collaborators`,
//! the OWNERS approvers and reviewers of the changed files) add the `lgtm` label with `/lgtm` or
//! an approving review and take it off with `/lgtm cancel`; a push takes it off again, unless the
//! code is the same (`store_tree_hash`, the tree hash kept in the bot's comment) or the author is
//! in the `trusted_team_for_sticky_lgtm`.

use super::{Pattern, commented_issue, new_comment, pattern};
use crate::help::{Commands, commands_help, featured};
use crate::{
    Action, Dedupe, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, Plugin, PluginHelp,
};
use prow_config::Config;
use prow_github::Event;
use prow_github::comment::format_response_raw;
use prow_github::events::{Comment, User};
use prow_github::vocabulary::{PullRequestAction, ReviewAction, ReviewState};
use prow_ports::github::{IssueNumber, RepoRef, Sha};
use std::collections::BTreeMap;

/// The label tide merges on.
pub const LGTM_LABEL: &str = "lgtm";

static LGTM: Pattern = Pattern::new(|| pattern(r"(?mi)^/lgtm(?: no-issue)?(?-u:\s)*$"));
static LGTM_CANCEL: Pattern =
    Pattern::new(|| pattern(r"(?mi)^/(remove-lgtm|lgtm cancel)(?-u:\s)*$"));
// Upstream builds it from the notification's format, `.` unescaped.
static TREE_HASH_NOTIFICATION: Pattern =
    Pattern::new(|| pattern(r"LGTM label has been added.  <details>Git tree hash: (.*)</details>"));

/// What the bot says after a push took the label off.
pub const REMOVED_ON_PUSH: &str = "New changes are detected. LGTM label has been removed.";

/// The comment that keeps the tree hash the label was added at.
fn tree_hash_notification(tree: &str) -> String {
    format!("LGTM label has been added.  <details>Git tree hash: {tree}</details>")
}

const CONFIG_REVIEW_ACTS_AS_LGTM: &str =
    r#"Reviews of "approve" or "request changes" act as adding or removing LGTM."#;
const CONFIG_STORE_TREE_HASH: &str = "Squashing commits does not remove LGTM.";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    /// `/lgtm`, `/lgtm cancel`, `/remove-lgtm` and reviews: upstream documents them as one.
    Lgtm,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Lgtm];

    fn help(self) -> crate::Command {
        match self {
            Command::Lgtm => featured(
                "/[remove-]lgtm [cancel] or GitHub Review action",
                "Adds or removes the 'lgtm' label which is typically used to gate merging.",
                "Collaborators on the repository. '/lgtm cancel' can be used additionally by the PR author.",
                &[
                    "/lgtm",
                    "/lgtm cancel",
                    "/remove-lgtm",
                    "<a href=\"https://help.github.com/articles/about-pull-request-reviews/\">'Approve' or 'Request Changes'</a>",
                ],
            ),
        }
    }
}

/// An org or `org/repo` scope as `(org, repo)` (`repo` empty for an org).
pub(crate) fn scope_parts(scope: &str) -> (&str, &str) {
    scope.split_once('/').unwrap_or((scope, ""))
}

/// Upstream's comment pruner: deletes the bot's comments on `issue` that `matches` says to.
pub(crate) fn prune_bot_comments(
    facts: &Facts,
    issue: &IssueRef,
    matches: impl Fn(&Comment) -> bool,
) -> Result<Vec<Action>, NeedFacts> {
    Ok(facts
        .bot_comments(issue)?
        .into_iter()
        .filter(|c| matches(c))
        .map(|c| Action::DeleteComment {
            repo: issue.repo.clone(),
            id: c.id,
        })
        .collect())
}

pub struct Lgtm;

impl Plugin for Lgtm {
    fn name(&self) -> &'static str {
        "lgtm"
    }

    fn events(&self) -> &'static [EventKind] {
        &[
            EventKind::GenericComment,
            EventKind::PullRequest,
            EventKind::PullRequestReview,
        ]
    }

    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp {
        let mut per_repo = BTreeMap::new();
        for scope in enabled_repos {
            let (org, repo) = scope_parts(scope);
            let options = config.plugins.lgtm_for(org, repo);
            let mut lines = vec!["The plugin has the following configuration:<ul>".to_string()];
            if options.review_acts_as_lgtm {
                lines.push(format!("<li>{CONFIG_REVIEW_ACTS_AS_LGTM}</li>"));
            }
            if options.store_tree_hash {
                lines.push(format!("<li>{CONFIG_STORE_TREE_HASH}</li>"));
            }
            if !options.sticky_lgtm_team.is_empty() {
                lines.push(format!(
                    "<li>Commits from \"{}\" do not remove LGTM.</li>",
                    options.sticky_lgtm_team
                ));
            }
            if lines.len() > 1 {
                lines.push("</ul>".to_string());
                per_repo.insert(scope.clone(), lines.join("\n"));
            }
        }
        PluginHelp {
            description: "The lgtm plugin manages the application and removal of the 'lgtm' (Looks Good To Me) label which is typically used to gate merging.".into(),
            config: per_repo,
            commands: commands_help::<Command>(),
            ..PluginHelp::default()
        }
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        if let Some(comment) = new_comment(input).filter(|c| c.is_pr && c.issue_state == "open") {
            let wants = if LGTM.is_match(&comment.body) {
                true
            } else if LGTM_CANCEL.is_match(&comment.body) {
                false
            } else {
                return self.plan_event(input, facts);
            };
            let request = Request {
                pull: commented_issue(comment),
                author: &comment.user.login,
                pr_author: &comment.issue_author.login,
                assignees: &comment.assignees,
                body: &comment.body,
                html_url: &comment.html_url,
            };
            return handle(input.config, facts, &request, wants);
        }
        self.plan_event(input, facts)
    }
}

impl Lgtm {
    fn plan_event(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(delivery) = input.delivery() else {
            return Ok(Vec::new());
        };
        match &delivery.event {
            Event::PullRequestReview(review) => {
                let repo = &review.repo;
                if !input
                    .config
                    .plugins
                    .lgtm_for(repo.org(), &repo.name)
                    .review_acts_as_lgtm
                    || review.action != ReviewAction::Submitted
                {
                    return Ok(Vec::new());
                }
                // GitHub App bots cannot be collaborators.
                let reviewer = &review.review.user;
                if reviewer.kind == "Bot" || facts.is_bot(&reviewer.login)? {
                    return Ok(Vec::new());
                }
                // The comment view of the review handles its text.
                let body = &review.review.body;
                if LGTM.is_match(body) || LGTM_CANCEL.is_match(body) {
                    return Ok(Vec::new());
                }
                let wants = match review.review.state {
                    ReviewState::Approved => true,
                    ReviewState::ChangesRequested => false,
                    _ => return Ok(Vec::new()),
                };
                let request = Request {
                    pull: IssueRef {
                        repo: RepoRef::new(repo.org(), &repo.name),
                        number: IssueNumber(review.pull_request.number),
                    },
                    author: &reviewer.login,
                    pr_author: &review.pull_request.user.login,
                    assignees: &review.pull_request.assignees,
                    body,
                    html_url: &review.review.html_url,
                };
                handle(input.config, facts, &request, wants)
            }
            Event::PullRequest(event)
                if event.action == PullRequestAction::Synchronize && !event.pull_request.merged =>
            {
                let pull = IssueRef {
                    repo: RepoRef::new(event.repo.org(), &event.repo.name),
                    number: IssueNumber(event.number),
                };
                on_push(
                    input.config,
                    facts,
                    &pull,
                    &event.pull_request.user.login,
                    &Sha::new(&event.pull_request.head.sha),
                    &event.pull_request.assignees,
                )
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// Who asks what of which pull request, and the text to quote in a reply.
struct Request<'a> {
    pull: IssueRef,
    author: &'a str,
    pr_author: &'a str,
    assignees: &'a [User],
    body: &'a str,
    html_url: &'a str,
}

impl Request<'_> {
    fn reply(&self, text: &str) -> Action {
        Action::comment(
            &self.pull,
            format_response_raw(self.body, self.html_url, self.author, text),
        )
    }
}

/// Upstream `stickyLgtm`: whether the PR's author is in the team (by name) whose commits keep
/// the label.
fn sticky(
    config: &Config,
    facts: &Facts,
    repo: &RepoRef,
    pr_author: &str,
) -> Result<bool, NeedFacts> {
    let team_name = config
        .plugins
        .lgtm_for(&repo.org, &repo.name)
        .sticky_lgtm_team;
    if team_name.is_empty() {
        return Ok(false);
    }
    facts.need([Fact::Teams {
        org: repo.org.clone(),
    }])?;
    let Some(team) = facts.teams(&repo.org)?.iter().find(|t| t.name == team_name) else {
        tracing::warn!(team = %team_name, org = %repo.org, "the configured trusted_team_for_sticky_lgtm was not found");
        return Ok(false);
    };
    facts.need([Fact::TeamMembers {
        org: repo.org.clone(),
        team: team.slug.clone(),
    }])?;
    Ok(facts
        .team_members(&repo.org, &team.slug)?
        .iter()
        .any(|member| member == pr_author))
}

fn logins(users: &[User]) -> Vec<String> {
    users.iter().map(|u| u.login.clone()).collect()
}

/// Upstream `removeLGTMAndRequestReview`: the label off and, with tree hashes, the assignees
/// asked to review again.
fn remove_label(pull: &IssueRef, assignees: &[User], store_tree_hash: bool) -> Vec<Action> {
    let mut actions = vec![Action::remove_label(pull, LGTM_LABEL)];
    // Upstream asks even for nobody, which GitHub refuses; asking nobody is left out here.
    if store_tree_hash && !assignees.is_empty() {
        actions.push(Action::RequestReview {
            on: pull.clone(),
            logins: logins(assignees),
        });
    }
    actions
}

/// Upstream `handle`: whether `request.author` may change the label, then the change.
fn handle(
    config: &Config,
    facts: &Facts,
    request: &Request<'_>,
    wants: bool,
) -> Result<Vec<Action>, NeedFacts> {
    let pull = &request.pull;
    let repo = &pull.repo;
    let is_author = request.author == request.pr_author;
    if is_author && wants {
        return Ok(vec![request.reply("you cannot LGTM your own PR.")]);
    }
    let is_assignee = request.assignees.iter().any(|a| a.login == request.author);
    let skip_collaborators = config
        .plugins
        .owners
        .skips_collaborators(&repo.org, &repo.name);
    // Upstream asks even when the answer does not matter (the author cancelling).
    let is_collaborator = facts.is_collaborator(repo, request.author)?;
    if !is_author && !skip_collaborators && !is_collaborator {
        return Ok(vec![
            request.reply("changing LGTM is restricted to collaborators"),
        ]);
    }
    let mut actions = Vec::new();
    if !is_author && !is_assignee && !skip_collaborators {
        // Assigning shows GitHub the commenter may be assigned (upstream logs a failure only).
        actions.push(Action::Assign {
            on: pull.clone(),
            logins: vec![request.author.to_string()],
        });
    } else if !is_author && skip_collaborators {
        facts.need([
            Fact::PullRequest(pull.clone()),
            Fact::ChangedFiles(pull.clone()),
        ])?;
        let base = &facts.pull_request(pull)?.base.git_ref;
        let files: Vec<&str> = facts
            .changed_files(pull)?
            .iter()
            .map(|c| c.filename.as_str())
            .collect();
        let owners = crate::owners::repo_owners(config, facts, repo, base, &files)?;
        let login = crate::owners::parse::norm_login(request.author);
        let allowed = files.iter().any(|file| {
            owners.approvers(file).contains(&login) || owners.reviewers(file).contains(&login)
        });
        if !allowed {
            return Ok(vec![request.reply(
                "adding LGTM is restricted to approvers and reviewers in OWNERS files.",
            )]);
        }
    }

    facts.need([Fact::Labels(pull.clone())])?;
    let has_lgtm = facts.has_label(pull, LGTM_LABEL)?;
    let options = config.plugins.lgtm_for(&repo.org, &repo.name);
    if has_lgtm && !wants {
        actions.extend(remove_label(
            pull,
            request.assignees,
            options.store_tree_hash,
        ));
        if options.store_tree_hash {
            actions.extend(prune_bot_comments(facts, pull, |c| {
                TREE_HASH_NOTIFICATION.is_match(&c.body)
            })?);
        }
    } else if !has_lgtm && wants {
        actions.push(Action::add_label(pull, LGTM_LABEL));
        if !sticky(config, facts, repo, request.pr_author)? {
            let mut needed = vec![Fact::BotLogin, Fact::Comments(pull.clone())];
            if options.store_tree_hash {
                needed.push(Fact::PullRequest(pull.clone()));
            }
            facts.need(needed)?;
            if options.store_tree_hash {
                let head = Sha::new(&facts.pull_request(pull)?.head.sha);
                facts.need([Fact::CommitTree {
                    repo: repo.clone(),
                    sha: head.clone(),
                }])?;
                let tree = facts.commit_tree(repo, &head)?;
                actions.push(Action::comment(pull, tree_hash_notification(&tree.0)));
            }
            actions.extend(prune_bot_comments(facts, pull, |c| {
                c.body.contains(REMOVED_ON_PUSH)
            })?);
        }
    }
    Ok(actions)
}

/// Upstream `handlePullRequest`: a push takes the label off unless the author's commits are
/// sticky or the code's tree is the one the label was added at.
fn on_push(
    config: &Config,
    facts: &Facts,
    pull: &IssueRef,
    pr_author: &str,
    head: &Sha,
    assignees: &[User],
) -> Result<Vec<Action>, NeedFacts> {
    let repo = &pull.repo;
    if sticky(config, facts, repo, pr_author)? {
        return Ok(Vec::new());
    }
    facts.need([Fact::Labels(pull.clone())])?;
    if !facts.has_label(pull, LGTM_LABEL)? {
        return Ok(Vec::new());
    }
    let options = config.plugins.lgtm_for(&repo.org, &repo.name);
    if options.store_tree_hash {
        // The newest unedited tree-hash comment of the bot.
        let stored = facts.bot_comments(pull)?.into_iter().rev().find_map(|c| {
            let captured = TREE_HASH_NOTIFICATION.captures(&c.body)?;
            (c.updated_at == c.created_at).then(|| captured[1].to_string())
        });
        if let Some(stored) = stored.filter(|s| !s.is_empty()) {
            facts.need([Fact::CommitTree {
                repo: repo.clone(),
                sha: head.clone(),
            }])?;
            if facts.commit_tree(repo, head)?.0 == stored {
                return Ok(Vec::new());
            }
        }
    }
    let mut actions = remove_label(pull, assignees, options.store_tree_hash);
    // A later push says it again (the label is gone by then, so a redelivery does not).
    actions.push(Action::Comment {
        on: pull.clone(),
        body: REMOVED_ON_PUSH.to_string(),
        dedupe: Dedupe::Never,
    });
    Ok(actions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Delivery;
    use crate::owners::tests::plugins_config;
    use crate::testing::{
        BOT, Given, PR, comment, comment_on_pr, plan, plan_with, pull_request_event_with,
        pull_request_json,
    };
    use prow_config::Config;
    use prow_github::events::User;
    use serde_json::json;

    const AUTHOR: &str = "alice";
    const COLLABORATOR: &str = "carol";
    const MEMBER: &str = "mike";
    const OUTSIDER: &str = "olly";
    const ASSIGNEE: &str = "ann";

    fn people() -> Facts {
        let repo = &PR.repo;
        Facts::new()
            .bot()
            .collaborator(repo, AUTHOR, true)
            .collaborator(repo, COLLABORATOR, true)
            .collaborator(repo, ASSIGNEE, true)
            .collaborator(repo, MEMBER, false)
            .collaborator(repo, OUTSIDER, false)
            .comments(&PR, &[])
    }

    fn with_label(has: bool) -> Facts {
        people().labelled(&PR, if has { &[LGTM_LABEL] } else { &[] })
    }

    /// A comment on PR by `who`, the PR assigned to [`ASSIGNEE`].
    fn said(who: &str, body: &str) -> Delivery {
        let mut delivery = comment(&PR, who, body, true, AUTHOR);
        if let Some(view) = delivery.comment.as_mut() {
            view.assignees = vec![User {
                login: ASSIGNEE.into(),
                ..User::default()
            }];
        }
        delivery
    }

    fn reply(who: &str, body: &str, text: &str) -> Action {
        let url = format!(
            "https://github.com/{}/pull/{}#issuecomment-5000",
            PR.repo, PR.number
        );
        Action::comment(&PR, format_response_raw(body, &url, who, text))
    }

    fn assign(who: &str) -> Action {
        Action::Assign {
            on: PR.clone(),
            logins: vec![who.to_string()],
        }
    }

    fn add() -> Action {
        Action::add_label(&PR, LGTM_LABEL)
    }

    fn remove() -> Action {
        Action::remove_label(&PR, LGTM_LABEL)
    }

    #[test]
    fn who_may_lgtm_and_cancel() {
        let restricted = "changing LGTM is restricted to collaborators";
        for (who, body, has_label, expected) in [
            (
                COLLABORATOR,
                "/lgtm",
                false,
                vec![assign(COLLABORATOR), add()],
            ),
            (COLLABORATOR, "/lgtm", true, vec![assign(COLLABORATOR)]),
            (ASSIGNEE, "/lgtm", false, vec![add()]),
            (
                AUTHOR,
                "/lgtm",
                false,
                vec![reply(AUTHOR, "/lgtm", "you cannot LGTM your own PR.")],
            ),
            (
                MEMBER,
                "/lgtm",
                false,
                vec![reply(MEMBER, "/lgtm", restricted)],
            ),
            (
                OUTSIDER,
                "/lgtm",
                false,
                vec![reply(OUTSIDER, "/lgtm", restricted)],
            ),
            (
                COLLABORATOR,
                "/lgtm cancel",
                true,
                vec![assign(COLLABORATOR), remove()],
            ),
            (
                COLLABORATOR,
                "/remove-lgtm",
                true,
                vec![assign(COLLABORATOR), remove()],
            ),
            (
                COLLABORATOR,
                "/lgtm cancel",
                false,
                vec![assign(COLLABORATOR)],
            ),
            // The author may take their PR's lgtm off.
            (AUTHOR, "/lgtm cancel", true, vec![remove()]),
            (
                OUTSIDER,
                "/lgtm cancel",
                true,
                vec![reply(OUTSIDER, "/lgtm cancel", restricted)],
            ),
        ] {
            assert_eq!(
                plan(&Lgtm, &said(who, body), &with_label(has_label)),
                Ok(expected),
                "{who}: {body:?}, labelled: {has_label}"
            );
        }
    }

    #[test]
    fn commands_match_as_upstreams_regexes() {
        for (body, expected) in [
            ("/LGTM", Some(true)),
            ("/lgtm ", Some(true)),
            ("/lgtm no-issue \r", Some(true)),
            ("/lgtm cancel \r", Some(false)),
            ("/remove-lgtm \r", Some(false)),
            ("/lgtm\n/lgtm cancel", Some(true)),
            ("looks good\n/lgtm\n", Some(true)),
            ("/lgtm please", None),
            ("/lgtmx", None),
            ("say /lgtm", None),
        ] {
            let actions = plan(&Lgtm, &said(ASSIGNEE, body), &with_label(false)).unwrap();
            let actions_with = plan(&Lgtm, &said(ASSIGNEE, body), &with_label(true)).unwrap();
            let got = if actions == vec![add()] {
                Some(true)
            } else if actions_with == vec![remove()] {
                Some(false)
            } else {
                assert!(actions.is_empty() && actions_with.is_empty(), "{body:?}");
                None
            };
            assert_eq!(got, expected, "{body:?}");
        }
    }

    #[test]
    fn the_collaborator_check_is_asked_first_then_the_labels() {
        let delivery = said(COLLABORATOR, "/lgtm");
        assert_eq!(
            plan(&Lgtm, &delivery, &Facts::new()),
            Err(NeedFacts::one(Fact::Collaborator {
                repo: PR.repo.clone(),
                login: COLLABORATOR.into()
            }))
        );
        let known = Facts::new().collaborator(&PR.repo, COLLABORATOR, true);
        assert_eq!(
            plan(&Lgtm, &delivery, &known),
            Err(NeedFacts::one(Fact::Labels(PR.clone())))
        );
    }

    #[test]
    fn closed_prs_issues_and_edits_are_left_alone() {
        let on_issue = comment(&PR, COLLABORATOR, "/lgtm", false, AUTHOR);
        assert_eq!(plan(&Lgtm, &on_issue, &Facts::new()), Ok(vec![]));
        let mut closed = said(COLLABORATOR, "/lgtm");
        if let Some(view) = closed.comment.as_mut() {
            view.issue_state = "closed".into();
        }
        assert_eq!(plan(&Lgtm, &closed, &Facts::new()), Ok(vec![]));
        let mut edited = said(COLLABORATOR, "/lgtm");
        if let Some(view) = edited.comment.as_mut() {
            view.action = prow_github::comment::GenericCommentAction::Edited;
        }
        assert_eq!(plan(&Lgtm, &edited, &Facts::new()), Ok(vec![]));
    }

    #[test]
    fn adding_prunes_the_bots_notices_of_pushes() {
        let facts = with_label(false).comments(
            &PR,
            &[
                (1, BOT, REMOVED_ON_PUSH),
                (2, COLLABORATOR, REMOVED_ON_PUSH),
                (3, BOT, "something else"),
            ],
        );
        assert_eq!(
            plan(&Lgtm, &said(ASSIGNEE, "/lgtm"), &facts),
            Ok(vec![
                add(),
                Action::DeleteComment {
                    repo: PR.repo.clone(),
                    id: 1
                }
            ])
        );
    }

    fn owners_only_config() -> Config {
        plugins_config("owners:\n  skip_collaborators: [kubernetes/test-infra]\n")
    }

    #[test]
    fn with_skip_collaborators_only_owners_reviewers_and_approvers_may() {
        let config = owners_only_config();
        let owners = with_label(false)
            .pull(&PR, AUTHOR, |_| {})
            .changed_files(&PR, &["pkg/a.go"])
            .file(&PR.repo, "main", "OWNERS", Some("approvers: [Root]\n"))
            .file(&PR.repo, "main", "pkg/OWNERS", Some("reviewers: [Rev]\n"))
            .file(&PR.repo, "main", "OWNERS_ALIASES", None)
            .collaborator(&PR.repo, "rev", false)
            .collaborator(&PR.repo, "root", false);
        for (who, expected) in [
            ("rev", vec![add()]),
            ("ROOT", vec![add()]),
            (
                COLLABORATOR,
                vec![reply(
                    COLLABORATOR,
                    "/lgtm",
                    "adding LGTM is restricted to approvers and reviewers in OWNERS files.",
                )],
            ),
        ] {
            let facts = owners.clone().collaborator(&PR.repo, "ROOT", false);
            assert_eq!(
                plan_with(&Lgtm, &said(who, "/lgtm"), &facts, &config),
                Ok(expected),
                "{who}"
            );
        }
        // The pull request and its files are asked for together, then the OWNERS files.
        let known = people().collaborator(&PR.repo, "rev", false);
        let asked = plan_with(&Lgtm, &said("rev", "/lgtm"), &known, &config).unwrap_err();
        assert_eq!(
            asked,
            NeedFacts(
                [
                    Fact::PullRequest(PR.clone()),
                    Fact::ChangedFiles(PR.clone())
                ]
                .into_iter()
                .collect()
            )
        );
    }

    fn tree_hash_config() -> Config {
        plugins_config("lgtm:\n- repos: [kubernetes/test-infra]\n  store_tree_hash: true\n")
    }

    const HEAD: &str = "headsha0000000000000000000000000000000000";

    #[test]
    fn with_tree_hashes_the_label_keeps_the_tree_in_the_bots_comment() {
        let config = tree_hash_config();
        let facts = with_label(false)
            .pull(&PR, AUTHOR, |_| {})
            .commit_tree(&PR.repo, HEAD, "tree1234");
        let actions = plan_with(&Lgtm, &said(ASSIGNEE, "/lgtm"), &facts, &config).unwrap();
        assert_eq!(
            actions,
            vec![
                add(),
                Action::comment(&PR, tree_hash_notification("tree1234"))
            ]
        );
        let Action::Comment { body, .. } = &actions[1] else {
            panic!("a comment");
        };
        insta::assert_snapshot!("lgtm_tree_hash_notification", body);

        let cancelled = with_label(true).comments(
            &PR,
            &[
                (9, BOT, &tree_hash_notification("tree1234")),
                (10, BOT, "other"),
            ],
        );
        assert_eq!(
            plan_with(&Lgtm, &said(ASSIGNEE, "/lgtm cancel"), &cancelled, &config),
            Ok(vec![
                remove(),
                Action::RequestReview {
                    on: PR.clone(),
                    logins: vec![ASSIGNEE.into()]
                },
                Action::DeleteComment {
                    repo: PR.repo.clone(),
                    id: 9
                }
            ])
        );
    }

    fn push() -> Delivery {
        pull_request_event_with(&PR, "synchronize", AUTHOR, AUTHOR, |payload| {
            payload["pull_request"]["assignees"] = json!([{"login": ASSIGNEE, "id": 2}]);
        })
    }

    fn removed_on_push() -> Action {
        Action::Comment {
            on: PR.clone(),
            body: REMOVED_ON_PUSH.into(),
            dedupe: Dedupe::Never,
        }
    }

    #[test]
    fn a_push_takes_the_label_off() {
        assert_eq!(
            plan(&Lgtm, &push(), &with_label(true)),
            Ok(vec![remove(), removed_on_push()])
        );
        assert_eq!(plan(&Lgtm, &push(), &with_label(false)), Ok(vec![]));
        let merged = pull_request_event_with(&PR, "synchronize", AUTHOR, AUTHOR, |p| {
            p["pull_request"]["merged"] = json!(true);
        });
        assert_eq!(plan(&Lgtm, &merged, &Facts::new()), Ok(vec![]));
        let opened = pull_request_event_with(&PR, "opened", AUTHOR, AUTHOR, |_| {});
        assert_eq!(plan(&Lgtm, &opened, &Facts::new()), Ok(vec![]));
    }

    #[test]
    fn a_push_keeps_the_label_when_the_tree_is_the_one_lgtmed() {
        let config = tree_hash_config();
        let at = "2026-01-01T00:00:00Z";
        let later = "2026-01-02T00:00:00Z";
        let stored = |comments: &[(u64, &str, &str, &str, &str)], tree: &str| {
            people()
                .labelled(&PR, &[LGTM_LABEL])
                .timed_comments(&PR, comments)
                .commit_tree(&PR.repo, HEAD, tree)
        };
        let note = tree_hash_notification("tree1");
        let older = tree_hash_notification("tree0");
        let removed = vec![
            remove(),
            Action::RequestReview {
                on: PR.clone(),
                logins: vec![ASSIGNEE.into()],
            },
            removed_on_push(),
        ];
        for (comments, tree, expected) in [
            (vec![(1, BOT, note.as_str(), at, at)], "tree1", vec![]),
            (
                vec![(1, BOT, note.as_str(), at, at)],
                "tree2",
                removed.clone(),
            ),
            // An edited notification is not trusted.
            (
                vec![(1, BOT, note.as_str(), at, later)],
                "tree1",
                removed.clone(),
            ),
            // Only the bot's count.
            (
                vec![(1, COLLABORATOR, note.as_str(), at, at)],
                "tree1",
                removed.clone(),
            ),
            // The newest counts.
            (
                vec![
                    (1, BOT, note.as_str(), at, at),
                    (2, BOT, older.as_str(), at, at),
                ],
                "tree1",
                removed.clone(),
            ),
            (vec![], "tree1", removed.clone()),
        ] {
            assert_eq!(
                plan_with(&Lgtm, &push(), &stored(&comments, tree), &config),
                Ok(expected),
                "{comments:?} at {tree}"
            );
        }
    }

    fn sticky_config() -> Config {
        plugins_config(
            "lgtm:\n- repos: [kubernetes]\n  store_tree_hash: true\n  trusted_team_for_sticky_lgtm: Trusted Folks\n",
        )
    }

    #[test]
    fn the_sticky_teams_pushes_keep_the_label_and_need_no_tree_hash() {
        let config = sticky_config();
        let teams = |members: &[&str]| {
            with_label(true)
                .teams(
                    "kubernetes",
                    &[("Other", "other"), ("Trusted Folks", "trusted-folks")],
                )
                .team("kubernetes", "trusted-folks", members)
        };
        assert_eq!(
            plan_with(&Lgtm, &push(), &teams(&[AUTHOR]), &config),
            Ok(vec![])
        );
        assert_eq!(
            plan_with(
                &Lgtm,
                &push(),
                &teams(&["someone"]).comments(&PR, &[]),
                &config
            ),
            Ok(vec![
                remove(),
                Action::RequestReview {
                    on: PR.clone(),
                    logins: vec![ASSIGNEE.into()]
                },
                removed_on_push()
            ])
        );
        // Adding for a sticky author stores no tree hash.
        let adding = teams(&[AUTHOR]).labelled(&PR, &[]);
        assert_eq!(
            plan_with(&Lgtm, &said(ASSIGNEE, "/lgtm"), &adding, &config),
            Ok(vec![add()])
        );
        // The teams are asked for before anything else on a push.
        assert_eq!(
            plan_with(&Lgtm, &push(), &Facts::new(), &config),
            Err(NeedFacts::one(Fact::Teams {
                org: "kubernetes".into()
            }))
        );
    }

    fn review_event(who: &str, kind: &str, state: &str, body: &str) -> Delivery {
        let payload = json!({
            "action": "submitted",
            "review": {
                "id": 7000, "user": {"login": who, "id": 3, "type": kind}, "body": body, "state": state,
                "html_url": format!("https://github.com/{}/pull/{}#pullrequestreview-7000", PR.repo, PR.number),
            },
            "pull_request": pull_request_json(&PR, AUTHOR, &[]),
            "repository": {"id": 1, "name": PR.repo.name, "full_name": PR.repo.full_name(), "owner": {"login": PR.repo.org, "id": 1}},
            "sender": {"login": who, "id": 3},
        });
        match prow_github::Event::parse("pull_request_review", payload.to_string().as_bytes()) {
            Ok(event) => Delivery::new("d-review", event),
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn reviews_act_as_lgtm_when_configured() {
        let config = plugins_config("lgtm:\n- repos: [kubernetes]\n  review_acts_as_lgtm: true\n");
        let review_url = format!(
            "https://github.com/{}/pull/{}#pullrequestreview-7000",
            PR.repo, PR.number
        );
        for (who, kind, state, body, has_label, expected) in [
            (
                COLLABORATOR,
                "User",
                "approved",
                "",
                false,
                vec![assign(COLLABORATOR), add()],
            ),
            (
                COLLABORATOR,
                "User",
                "changes_requested",
                "",
                true,
                vec![assign(COLLABORATOR), remove()],
            ),
            (COLLABORATOR, "User", "commented", "", false, vec![]),
            ("some-app[bot]", "Bot", "approved", "", false, vec![]),
            (BOT, "User", "approved", "", false, vec![]),
            (
                OUTSIDER,
                "User",
                "approved",
                "nice",
                false,
                vec![Action::comment(
                    &PR,
                    format_response_raw(
                        "nice",
                        &review_url,
                        OUTSIDER,
                        "changing LGTM is restricted to collaborators",
                    ),
                )],
            ),
        ] {
            let delivery = review_event(who, kind, state, body);
            assert_eq!(
                plan_with(&Lgtm, &delivery, &with_label(has_label), &config),
                Ok(expected),
                "{who} {state}"
            );
        }
        // Without the setting, a review changes nothing.
        let delivery = review_event(COLLABORATOR, "User", "approved", "");
        assert_eq!(plan(&Lgtm, &delivery, &Facts::new()), Ok(vec![]));
        // A `/lgtm` review body is the comment's business, once: the review's state is not read.
        let with_command = review_event(COLLABORATOR, "User", "changes_requested", "/lgtm");
        assert_eq!(
            plan_with(&Lgtm, &with_command, &with_label(false), &config),
            Ok(vec![assign(COLLABORATOR), add()])
        );
    }

    #[test]
    fn replies_read_as_upstreams() {
        for (name, who, body, facts) in [
            ("lgtm_own_pr", AUTHOR, "/lgtm", with_label(false)),
            (
                "lgtm_not_collaborator",
                OUTSIDER,
                "/lgtm\r\nthanks",
                with_label(false),
            ),
        ] {
            let actions = plan(&Lgtm, &comment_on_pr(&PR, who, body), &facts).unwrap();
            let [Action::Comment { body, .. }] = actions.as_slice() else {
                panic!("one reply: {actions:?}");
            };
            insta::assert_snapshot!(name, body);
        }
        let config = owners_only_config();
        let facts = with_label(false)
            .pull(&PR, AUTHOR, |_| {})
            .changed_files(&PR, &["a.go"])
            .file(&PR.repo, "main", "OWNERS", Some("approvers: [root]\n"))
            .file(&PR.repo, "main", "OWNERS_ALIASES", None);
        let actions = plan_with(
            &Lgtm,
            &comment_on_pr(&PR, OUTSIDER, "/lgtm"),
            &facts,
            &config,
        )
        .unwrap();
        let [Action::Comment { body, .. }] = actions.as_slice() else {
            panic!("one reply: {actions:?}");
        };
        insta::assert_snapshot!("lgtm_not_in_owners", body);
    }

    #[test]
    fn help_describes_the_repos_settings() {
        let config = sticky_config();
        let help = Lgtm.help(
            &config,
            &["kubernetes".to_string(), "other/repo".to_string()],
        );
        assert_eq!(
            help.config.get("kubernetes").map(String::as_str),
            Some(
                "The plugin has the following configuration:<ul>\n<li>Squashing commits does not remove LGTM.</li>\n<li>Commits from \"Trusted Folks\" do not remove LGTM.</li>\n</ul>"
            )
        );
        assert!(!help.config.contains_key("other/repo"));
        assert_eq!(help.commands.len(), 1);
        assert!(help.commands[0].featured);
    }
}
