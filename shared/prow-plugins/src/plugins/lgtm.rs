//! `lgtm` (upstream `pkg/plugins/lgtm`): collaborators (or, under `owners.skip_collaborators`,
//! the OWNERS approvers and reviewers of the changed files) add the `lgtm` label with `/lgtm` or
//! an approving review and take it off with `/lgtm cancel`; a push takes it off again, unless the
//! code is the same (`store_tree_hash`, the tree hash kept in the bot's comment) or the author is
//! in the `trusted_team_for_sticky_lgtm`.

use super::{Builtin, Pattern, commented_issue, new_comment_on_open_pr, pattern};
use crate::help::{Commands, featured};
use crate::{Action, Dedupe, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::Event;
use prow_github::comment::format_response_raw;
use prow_github::events::{Comment, User};
use prow_github::vocabulary::{PullRequestAction, ReviewAction, ReviewState};
use prow_ports::github::{RepoRef, Sha};
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

impl Builtin for Lgtm {
    const NAME: &'static str = "lgtm";
    const EVENTS: &'static [EventKind] = &[
        EventKind::GenericComment,
        EventKind::PullRequest,
        EventKind::PullRequestReview,
    ];

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
        PluginHelp::new(
            "The lgtm plugin manages the application and removal of the 'lgtm' (Looks Good To Me) label which is typically used to gate merging.",
        )
        .with_config_per_repo(per_repo)
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        if let Some(comment) = new_comment_on_open_pr(input) {
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
                    pull: IssueRef::new(repo.org(), &repo.name, review.pull_request.number),
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
                let pull = IssueRef::new(event.repo.org(), &event.repo.name, event.number);
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
    facts.need([Fact::teams(&repo.org)])?;
    let Some(team) = facts.teams(&repo.org)?.iter().find(|t| t.name == team_name) else {
        tracing::warn!(team = %team_name, org = %repo.org, "the configured trusted_team_for_sticky_lgtm was not found");
        return Ok(false);
    };
    facts.need([Fact::team_members(&repo.org, &team.slug)])?;
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
            refused: None,
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
            refused: None,
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
                facts.need([Fact::commit_tree(repo, &head)])?;
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
            facts.need([Fact::commit_tree(repo, head)])?;
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
mod tests;
