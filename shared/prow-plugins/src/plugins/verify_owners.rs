//! `verify-owners` (upstream `pkg/plugins/verify-owners`): the OWNERS and OWNERS_ALIASES files a
//! pull request changes are read at its head; one that does not parse, sets a banned label, or
//! (at the root) names no approver gets a review comment on its line and the PR the
//! `do-not-merge/invalid-owners-file` label; people it adds who are not trusted (as trigger
//! trusts: org members, collaborators, trusted apps, the trusted org) are listed in a comment.
//! All valid again takes the label off.
//!
//! Upstream reads the files from a clone with the PR merged into its base; here they are read at
//! the PR's head commit.

use super::lgtm::{prune_bot_comments, scope_parts};
use super::{
    Builtin, Pattern, commented_issue, new_comment_on_open_pr, pattern, pull_request_event,
};
use crate::help::{Commands, command};
use crate::owners::parse::{self, Aliases, OwnersFile};
use crate::owners::{Filenames, dir, dir_denylist};
use crate::{Action, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_config::{Config, Trigger};
use prow_github::comment::format_response_raw;
use prow_github::events::PullRequest;
use prow_github::vocabulary::PullRequestAction;
use prow_ports::github::{NewReview, NewReviewComment, PullRequestChange, RepoRef};
use std::collections::{BTreeMap, BTreeSet};

/// The label tide refuses to merge.
pub const INVALID_OWNERS_LABEL: &str = "do-not-merge/invalid-owners-file";

static VERIFY_OWNERS: Pattern = Pattern::new(|| pattern(r"(?mi)^/verify-owners(?-u:\s)*$"));
static LINE: Pattern = Pattern::new(|| pattern(r"line ([0-9]+)"));
static HUNK: Pattern =
    Pattern::new(|| pattern(r"^@@ -([0-9]+),?([0-9]+)? \+([0-9]+),?([0-9]+)? @@.*"));

/// Upstream checks at most this many people's trust per run (more would spend the token).
const MAX_TRUST_CHECKS: usize = 50;

/// Upstream `untrustedResponseFormat`.
fn untrusted_header(owners_filename: &str, join_org_url: &str, org: &str) -> String {
    format!(
        "The OWNERS file contains untrusted users, which makes it INVALID. The following users are mentioned in {owners_filename} file(s) but are untrusted for the following reasons. One way to make the user trusted is to add them as [members]({join_org_url}) of the {org} org. You can then trigger verification by writing `/verify-owners` in a comment."
    )
}

const INVALID_ALIASES: &str = "The content of OWNERS_ALIASES is invalid.";
// Upstream's text, typo included.
const EMPTY_ALIASES: &str = "There are empty aliases in OWNER_ALIASES, cleanup is advised.";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    VerifyOwners,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::VerifyOwners];

    fn help(self) -> crate::Command {
        match self {
            Command::VerifyOwners => command(
                "/verify-owners",
                INVALID_OWNERS_LABEL,
                "Anyone",
                &["/verify-owners"],
            ),
        }
    }
}

pub struct VerifyOwners;

impl Builtin for VerifyOwners {
    const NAME: &'static str = "verify-owners";
    const EVENTS: &'static [EventKind] = &[EventKind::PullRequest, EventKind::GenericComment];

    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp {
        let describe = |names: &Filenames| {
            format!(
                "{} and {} files are validated. The verify-owners plugin will complain if {} files contain any of the following banned labels: {}.",
                names.owners,
                names.owners_aliases,
                names.owners,
                config.plugins.owners.labels_denylist().join(", ")
            )
        };
        let default = Filenames::for_repo(config, &RepoRef::new("", ""));
        let mut per_repo = BTreeMap::from([("default".to_string(), describe(&default))]);
        for scope in enabled_repos {
            let (org, repo) = scope_parts(scope);
            let names = Filenames::for_repo(config, &RepoRef::new(org, repo));
            if names != default {
                per_repo.insert(scope.clone(), describe(&names));
            }
        }
        PluginHelp::new(format!(
            "The verify-owners plugin validates OWNERS and OWNERS_ALIASES files (by default) and ensures that they always contain collaborators of the org, if they are modified in a PR. On validation failure it automatically adds the '{INVALID_OWNERS_LABEL}' label to the PR, and a review comment on the incriminating file(s). Per-repo configuration for filenames is possible."
        ))
        .with_config_per_repo(per_repo)
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        if let Some(comment) = new_comment_on_open_pr(input)
            && VERIFY_OWNERS.is_match(&comment.body)
        {
            let pull = commented_issue(comment);
            facts.need([Fact::PullRequest(pull.clone())])?;
            return handle(input.config, facts, &pull, facts.pull_request(&pull)?);
        }
        let Some(event) = pull_request_event(
            input,
            &[
                PullRequestAction::Opened,
                PullRequestAction::Reopened,
                PullRequestAction::Synchronize,
            ],
        ) else {
            return Ok(Vec::new());
        };
        let pull = IssueRef::new(event.repo.org(), &event.repo.name, event.number);
        handle(input.config, facts, &pull, &event.pull_request)
    }
}

/// Upstream golint's `AddedLines`: line of the new file to its position in the patch.
fn added_lines(patch: &str) -> Option<BTreeMap<usize, usize>> {
    let mut result = BTreeMap::new();
    if patch.is_empty() {
        return Some(result);
    }
    let lines: Vec<&str> = patch.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == "\\ No newline at end of file" {
            i += 1;
            continue;
        }
        let hunk = HUNK.captures(lines[i])?;
        let number = |n: usize, default: usize| {
            hunk.get(n)
                .map_or(Some(default), |m| m.as_str().parse().ok())
        };
        let old_len = number(2, 1)?;
        let new_line = number(3, 0)?;
        let new_len = number(4, 1)?;
        let (mut old_add, mut new_add) = (0, 0);
        while old_add < old_len || new_add < new_len {
            i += 1;
            match lines.get(i)?.as_bytes().first()? {
                b' ' => {
                    old_add += 1;
                    new_add += 1;
                }
                b'-' => old_add += 1,
                b'+' => {
                    result.insert(new_line + new_add, i);
                    new_add += 1;
                }
                _ => return None,
            }
        }
        i += 1;
    }
    Some(result)
}

/// What is wrong with an OWNERS file (upstream `parseOwnersFile`), at which patch position; or
/// the people it names (reviewers, then approvers, as written).
fn check_owners_file(
    text: &str,
    change: &PullRequestChange,
    banned: &[String],
    owners_filename: &str,
) -> Result<Vec<String>, (u64, String)> {
    let (reviewers, approvers, labels) = match parse::parse_owners(text) {
        Ok(OwnersFile::Simple(simple)) => (
            simple.config.reviewers,
            simple.config.approvers,
            simple.config.labels,
        ),
        Ok(OwnersFile::Full(full)) => {
            let (mut reviewers, mut approvers, mut labels) = (Vec::new(), Vec::new(), Vec::new());
            for config in full.filters.into_values() {
                reviewers.extend(config.reviewers);
                approvers.extend(config.approvers);
                labels.extend(config.labels);
            }
            (reviewers, approvers, labels)
        }
        Err(error) => {
            let position = LINE
                .captures(&error.message)
                .and_then(|c| c[1].parse::<usize>().ok())
                .and_then(|line| added_lines(&change.patch)?.get(&line).copied())
                .and_then(|p| u64::try_from(p).ok())
                .unwrap_or(1);
            return Err((position, format!("Cannot parse file: {error}.")));
        }
    };
    let labels: BTreeSet<&String> = labels.iter().collect();
    let banned_here: Vec<&str> = banned
        .iter()
        .filter(|b| labels.contains(b))
        .map(String::as_str)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !banned_here.is_empty() {
        return Err((
            1,
            format!("File contains banned labels: [{}].", banned_here.join(" ")),
        ));
    }
    if dir(&change.filename) == "." && approvers.is_empty() {
        return Err((
            1,
            format!("No approvers defined in this root directory {owners_filename} file."),
        ));
    }
    Ok(reviewers.into_iter().chain(approvers).collect())
}

/// Someone a changed file names, with the file and its patch.
struct Named<'a> {
    login: String,
    file: &'a str,
    patch: &'a str,
}

/// Upstream's test that a person was added by the patch (the login put into the regex as it is).
fn added_by_patch(login: &str, patch: &str) -> bool {
    regex::Regex::new(&format!(r"\+(?-u:\s)*-(?-u:\s)*(?-u:\b){login}(?-u:\b)"))
        .is_ok_and(|re| re.is_match(patch))
}

/// Upstream trigger's `TrustedUser` with its reason: `None` when trusted.
fn untrusted_reason(
    facts: &Facts,
    settings: &Trigger,
    login: &str,
    repo: &RepoRef,
) -> Result<Option<String>, NeedFacts> {
    if facts.is_bot(login)? || facts.is_member(&repo.org, login)? {
        return Ok(None);
    }
    if !settings.only_org_members && facts.is_collaborator(repo, login)? {
        return Ok(None);
    }
    if login
        .strip_suffix("[bot]")
        .is_some_and(|app| settings.trusted_apps.iter().any(|a| a == app))
    {
        return Ok(None);
    }
    let mut reason = String::from("User is not a member of the org. ");
    if !settings.only_org_members {
        reason.push_str("User is not a collaborator. ");
    }
    if !settings.trusted_org.is_empty() && settings.trusted_org != repo.org {
        if facts.is_member(&settings.trusted_org, login)? {
            return Ok(None);
        }
        reason.push_str("User is not a member of the trusted secondary org. ");
    }
    reason.push_str("Satisfy at least one of these conditions to make the user trusted.");
    Ok(Some(reason))
}

/// The people whose trust upstream checks, in its order and within its cap.
fn to_check(named: &[Named<'_>]) -> Vec<String> {
    let mut checked: Vec<String> = Vec::new();
    for n in named {
        if checked.len() > MAX_TRUST_CHECKS {
            break;
        }
        if added_by_patch(&n.login, n.patch) && !checked.contains(&n.login) {
            checked.push(n.login.clone());
        }
    }
    checked
}

/// Asks, a step at a time for everyone together, what upstream asks one person at a time.
fn gather_trust(
    facts: &Facts,
    settings: &Trigger,
    people: &[String],
    repo: &RepoRef,
) -> Result<(), NeedFacts> {
    let member = |org: &str, login: &str| Fact::org_member(org, login);
    let mut needed = vec![Fact::BotLogin];
    needed.extend(people.iter().map(|p| member(&repo.org, p)));
    facts.need(needed)?;
    let mut rest = Vec::new();
    for p in people {
        if !facts.is_bot(p)? && !facts.is_member(&repo.org, p)? {
            rest.push(p);
        }
    }
    if !settings.only_org_members {
        facts.need(rest.iter().map(|p| Fact::collaborator(repo, p)))?;
        let mut not_collaborators = Vec::new();
        for p in rest {
            if !facts.is_collaborator(repo, p)? {
                not_collaborators.push(p);
            }
        }
        rest = not_collaborators;
    }
    if !settings.trusted_org.is_empty() && settings.trusted_org != repo.org {
        facts.need(rest.iter().map(|p| member(&settings.trusted_org, p)))?;
    }
    Ok(())
}

/// Untrusted people: reason and the files beyond the first (upstream records the first file of
/// each nowhere; kept, as it is what upstream lists).
type Untrusted = BTreeMap<String, (String, Vec<String>)>;

fn find_untrusted(
    facts: &Facts,
    settings: &Trigger,
    named: &[Named<'_>],
    repo: &RepoRef,
) -> Result<Untrusted, NeedFacts> {
    let people = to_check(named);
    gather_trust(facts, settings, &people, repo)?;
    let mut untrusted = Untrusted::new();
    let mut trusted = BTreeSet::new();
    for n in named {
        if untrusted.len() + trusted.len() > MAX_TRUST_CHECKS || !added_by_patch(&n.login, n.patch)
        {
            continue;
        }
        if let Some((_, files)) = untrusted.get_mut(&n.login) {
            if !files.iter().any(|f| f == n.file) {
                files.push(n.file.to_string());
            }
            continue;
        }
        if trusted.contains(&n.login) {
            continue;
        }
        match untrusted_reason(facts, settings, &n.login, repo)? {
            None => {
                trusted.insert(n.login.clone());
            }
            Some(reason) => {
                untrusted.insert(n.login.clone(), (reason, Vec::new()));
            }
        }
    }
    Ok(untrusted)
}

/// Upstream `handle`.
fn handle(
    config: &Config,
    facts: &Facts,
    pull: &IssueRef,
    pr: &PullRequest,
) -> Result<Vec<Action>, NeedFacts> {
    let repo = &pull.repo;
    let names = Filenames::for_repo(config, repo);
    facts.need([Fact::ChangedFiles(pull.clone()), Fact::Labels(pull.clone())])?;
    let changes = facts.changed_files(pull)?;
    let modified: Vec<&PullRequestChange> = changes
        .iter()
        .filter(|c| {
            c.filename.rsplit('/').next() == Some(names.owners.as_str()) && c.status != "removed"
        })
        .collect();
    let aliases_change = changes.iter().find(|c| c.filename == names.owners_aliases);
    let has_label = facts.has_label(pull, INVALID_OWNERS_LABEL)?;
    if modified.is_empty() && aliases_change.is_none() && !has_label {
        return Ok(Vec::new());
    }

    let head = &pr.head.sha;
    let at_head = |path: &str| Fact::file(repo, head, path);
    let denylist = dir_denylist(config, &repo.org, &repo.name);
    // Upstream skips files in denied directories as valid.
    let checked: Vec<&PullRequestChange> = modified
        .into_iter()
        .filter(|c| !denylist.iter().any(|re| re.is_match(dir(&c.filename))))
        .collect();
    let mut needed: Vec<Fact> = checked.iter().map(|c| at_head(&c.filename)).collect();
    needed.push(at_head(&names.owners_aliases));
    facts.need(needed)?;

    let mut actions = Vec::new();
    let add_label = |actions: &mut Vec<Action>| {
        if !has_label && !actions.iter().any(|a| matches!(a, Action::AddLabel { .. })) {
            actions.push(Action::add_label(pull, INVALID_OWNERS_LABEL));
        }
    };
    let aliases: Aliases = match facts.file(repo, head, &names.owners_aliases)? {
        Some(text) => match parse::parse_aliases(text) {
            (aliases, None) => aliases,
            (_, Some(_)) => {
                add_label(&mut actions);
                actions.push(Action::comment(pull, INVALID_ALIASES));
                return Ok(actions);
            }
        },
        None => Aliases::new(),
    };
    // Upstream compares the full name, so only `org/repo` entries skip the trust check.
    let skip_trust = config
        .plugins
        .owners
        .skip_collaborators
        .contains(&repo.full_name());
    let mut named = Vec::new();
    if let Some(change) = aliases_change
        && !skip_trust
    {
        let everyone: BTreeSet<&String> = aliases.values().flatten().collect();
        named.extend(everyone.into_iter().map(|login| Named {
            login: login.clone(),
            file: &names.owners_aliases,
            patch: &change.patch,
        }));
    }
    if aliases.values().any(BTreeSet::is_empty) {
        actions.push(Action::comment(pull, EMPTY_ALIASES));
    }

    let banned = config.plugins.owners.labels_denylist();
    let mut wrong: BTreeMap<&str, (u64, String)> = BTreeMap::new();
    for change in &checked {
        let text = facts
            .file(repo, head, &change.filename)?
            .unwrap_or_default();
        match check_owners_file(text, change, &banned, &names.owners) {
            Err(problem) => {
                wrong.insert(&change.filename, problem);
            }
            Ok(owners) if !skip_trust => {
                // An alias is no person to trust.
                named.extend(owners.into_iter().filter(|o| !aliases.contains_key(o)).map(
                    |login| Named {
                        login,
                        file: &change.filename,
                        patch: &change.patch,
                    },
                ));
            }
            Ok(_) => {}
        }
    }
    let settings = config.plugins.trigger_for(&repo.org, &repo.name);
    let untrusted = find_untrusted(facts, &settings, &named, repo)?;

    if !wrong.is_empty() {
        add_label(&mut actions);
        let plural = if wrong.len() == 1 { "" } else { "s" };
        let response = format!("{} invalid {} file{plural}", wrong.len(), names.owners);
        let review = NewReview {
            commit_id: head.clone(),
            body: format_response_raw(&pr.body, &pr.html_url, &pr.user.login, &response),
            event: "COMMENT".into(),
            comments: wrong
                .iter()
                .map(|(path, (position, body))| NewReviewComment {
                    path: path.to_string(),
                    position: *position,
                    body: body.clone(),
                })
                .collect(),
        };
        // A redelivery finds its review of this commit and does not review again.
        facts.need([Fact::BotLogin, Fact::Reviews(pull.clone())])?;
        let mut reviewed = false;
        for r in facts.reviews(pull)? {
            if r.commit_id == review.commit_id
                && r.body == review.body
                && facts.is_bot(&r.user.login)?
            {
                reviewed = true;
            }
        }
        if !reviewed {
            actions.push(Action::CreateReview {
                on: pull.clone(),
                review,
            });
        }
    }

    let join_org_url = if settings.join_org_url.is_empty() {
        format!("https://github.com/orgs/{}/people", repo.org)
    } else {
        settings.join_org_url.clone()
    };
    let header = untrusted_header(&names.owners, &join_org_url, &repo.org);
    if !untrusted.is_empty() {
        add_label(&mut actions);
        let mut lines = vec![header.clone()];
        for (login, (reason, files)) in &untrusted {
            lines.push(format!("- {login}"));
            lines.push(format!("  - {reason}"));
            lines.extend(files.iter().map(|f| format!("  - {f}")));
        }
        let body = lines.join("\n");
        // The bot's older lists go; the same list is not posted again.
        actions.extend(prune_bot_comments(facts, pull, |c| {
            c.body.contains(&header) && c.body != body
        })?);
        actions.push(Action::comment(pull, body));
    }
    if wrong.is_empty() && untrusted.is_empty() {
        // Upstream removes it even when absent; only a label that is there is removed here.
        if has_label {
            actions.push(Action::remove_label(pull, INVALID_OWNERS_LABEL));
        }
        actions.extend(prune_bot_comments(facts, pull, |c| {
            c.body.contains(&header)
        })?);
    }
    Ok(actions)
}

#[cfg(test)]
mod tests;
