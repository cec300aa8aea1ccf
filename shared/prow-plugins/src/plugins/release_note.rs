//! `release-note` (upstream `pkg/plugins/releasenote`): the release note of a pull request is
//! the ```` ```release-note ```` block of its description; the PR carries exactly one of the
//! release-note labels saying what the block holds (a note, `NONE`, a note with `action
//! required`) or that it is missing (`do-not-merge/release-note-label-needed`, which tide
//! refuses to merge). The author or an org member may say `/release-note-none` instead; an org
//! member may replace the block with `/release-note-edit`. Cherry picks whose parents all have a
//! note need none of their own off `master`.

use super::{Builtin, Pattern, pattern};
use crate::help::{Commands, command};
use crate::{Action, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::Event;
use prow_github::comment::{format_response, format_response_raw, format_simple_response};
use prow_github::events::{IssueCommentEvent, PullRequestEvent};
use prow_github::vocabulary::{CommentAction, PullRequestAction};
use std::collections::BTreeSet;

pub const RELEASE_NOTE: &str = "release-note";
pub const RELEASE_NOTE_NONE: &str = "release-note-none";
pub const RELEASE_NOTE_ACTION_REQUIRED: &str = "release-note-action-required";
pub const RELEASE_NOTE_LABEL_NEEDED: &str = "do-not-merge/release-note-label-needed";
pub const DEPRECATION_LABEL: &str = "kind/deprecation";

/// The release-note labels, in the order upstream removes them.
const ALL_RN_LABELS: [&str; 4] = [
    RELEASE_NOTE_NONE,
    RELEASE_NOTE_ACTION_REQUIRED,
    RELEASE_NOTE_LABEL_NEEDED,
    RELEASE_NOTE,
];

const ACTION_REQUIRED_NOTE: &str = "action required";

/// `release_note.guidelines_url`'s default, which the command help names unless configured.
const DEFAULT_GUIDELINES_URL: &str =
    "https://git.k8s.io/community/contributors/guide/release-notes.md";

static NOTE_MATCHER: Pattern = Pattern::new(|| {
    pattern(
        r"(?s)(?:Release note\*\*:(?-u:\s)*(?:<!--[^<>]*-->(?-u:\s)*)?```(?:release-note)?|```release-note)(.+?)```",
    )
});
static CHERRY_PICK: Pattern = Pattern::new(|| {
    pattern(r"Cherry pick of #([[:digit:]]+) on release-([[:digit:]]+\.[[:digit:]]+).")
});
// Go's `\W` is anything but an ASCII word character.
static NONE_NOTE: Pattern =
    Pattern::new(|| pattern(r"(?i)^[^0-9A-Za-z_]*(NONE|NO)[^0-9A-Za-z_]*$"));
static RELEASE_NOTE_COMMAND: Pattern = Pattern::new(|| pattern(r"(?mi)^/release-note(?-u:\s)*$"));
static RELEASE_NOTE_EDIT: Pattern = Pattern::new(|| pattern(r"(?mi)^/release-note-edit(?-u:\s)*$"));
static RELEASE_NOTE_NONE_COMMAND: Pattern =
    Pattern::new(|| pattern(r"(?mi)^/release-note-none(?-u:\s)*$"));
static RELEASE_NOTE_ACTION_REQUIRED_COMMAND: Pattern =
    Pattern::new(|| pattern(r"(?mi)^/release-note-action-required(?-u:\s)*$"));

/// What the bot says when a PR has no release-note block.
pub fn release_note_body(guidelines_url: &str) -> String {
    format!(
        "Adding the \"{RELEASE_NOTE_LABEL_NEEDED}\" label because no release-note block was detected, please follow our [release note process]({guidelines_url}) to remove it."
    )
}

fn parent_release_note_body() -> String {
    format!(
        "All 'parent' PRs of a cherry-pick PR must have one of the \"{RELEASE_NOTE}\" or \"{RELEASE_NOTE_ACTION_REQUIRED}\" labels, or this PR must follow the standard/parent release note labeling requirement."
    )
}

fn release_note_deprecation_body() -> String {
    format!(
        "Adding the \"{RELEASE_NOTE_LABEL_NEEDED}\" label and removing any existing \"{RELEASE_NOTE_NONE}\" label because there is a \"{DEPRECATION_LABEL}\" label on the PR."
    )
}

fn deprecated_commands_reply() -> String {
    format!(
        "the `/{RELEASE_NOTE}` and `/{RELEASE_NOTE_ACTION_REQUIRED}` commands have been deprecated.\nPlease edit the `release-note` block in the PR body text to include the release note. If the release note requires additional action include the string `action required` in the release note. For example:\n````\n```release-note\nSome release note with action required.\n```\n````"
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    ReleaseNoteNone,
    ReleaseNoteEdit,
}

impl Commands for Command {
    // `/release-note` and `/release-note-action-required` are deprecated and, as upstream, not
    // documented.
    const ALL: &'static [Command] = &[Command::ReleaseNoteNone, Command::ReleaseNoteEdit];

    fn help(self) -> crate::Command {
        match self {
            Command::ReleaseNoteNone => command(
                "/release-note-none",
                &format!(
                    "Adds the '{RELEASE_NOTE_NONE}' label to indicate that the PR does not warrant a release note. This is deprecated and ideally <a href=\"{DEFAULT_GUIDELINES_URL}\">the release note process</a> should be followed in the PR body instead."
                ),
                "PR Authors and Org Members.",
                &["/release-note-none"],
            ),
            Command::ReleaseNoteEdit => command(
                "/release-note-edit",
                "Replaces the release note block in the top level comment with the provided one.",
                "Org Members.",
                &["/release-note-edit\r\n```release-note\r\nThe new release note\r\n```"],
            ),
        }
    }
}

pub struct ReleaseNote;

impl Builtin for ReleaseNote {
    const NAME: &'static str = "release-note";
    const EVENTS: &'static [EventKind] = &[EventKind::IssueComment, EventKind::PullRequest];

    fn help(&self, config: &Config, _: &[String]) -> PluginHelp {
        let url = config.plugins.release_note.guidelines_url();
        let mut help = PluginHelp::new(format!(
            "The releasenote plugin implements a release note process that uses a markdown 'release-note' code block to associate a release note with a pull request. Until the 'release-note' block in the pull request body is populated the PR will be assigned the '{RELEASE_NOTE_LABEL_NEEDED}' label.\n<br>There are three valid types of release notes that can replace this label:\n<ol><li>PRs with a normal release note in the 'release-note' block are given the label '{RELEASE_NOTE}'.</li>\n<li>PRs that have a release note of 'none' in the block are given the label '{RELEASE_NOTE_NONE}' to indicate that the PR does not warrant a release note.</li>\n<li>PRs that contain 'action required' in their 'release-note' block are given the label '{RELEASE_NOTE_ACTION_REQUIRED}' to indicate that the PR introduces potentially breaking changes that necessitate user action before upgrading to the release.</li></ol>\nTo use the plugin, in the pull request body text:\n\n```release-note\n<release note content>\n```"
        ))
        .with_commands::<Command>();
        // The help of a command cannot see the configuration; the link is the configured one.
        for command in &mut help.commands {
            command.description = command.description.replace(DEFAULT_GUIDELINES_URL, url);
        }
        help
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        match input.delivery().map(|d| &d.event) {
            Some(Event::IssueComment(event)) => plan_comment(event, facts),
            Some(Event::PullRequest(event)) => plan_pull_request(event, input, facts),
            _ => Ok(Vec::new()),
        }
    }
}

/// The trimmed content of the first release-note block, `""` without one.
pub fn release_note(body: &str) -> String {
    NOTE_MATCHER
        .captures(body)
        .and_then(|c| c.get(1))
        .map_or_else(String::new, |m| m.as_str().trim().to_string())
}

/// The release-note label the description asks for, given the PR's labels (exact names).
pub fn release_note_label(body: &str, labels: &BTreeSet<String>) -> &'static str {
    let note = release_note(body).trim().to_lowercase();
    let none = NONE_NOTE.is_match(&note);
    let deprecated = labels.contains(DEPRECATION_LABEL);
    if note.is_empty() {
        if deprecated {
            RELEASE_NOTE_LABEL_NEEDED
        } else if labels.contains(RELEASE_NOTE_NONE) {
            RELEASE_NOTE_NONE
        } else {
            RELEASE_NOTE_LABEL_NEEDED
        }
    } else if none && deprecated {
        RELEASE_NOTE_LABEL_NEEDED
    } else if none {
        RELEASE_NOTE_NONE
    } else if note.contains(ACTION_REQUIRED_NOTE) {
        RELEASE_NOTE_ACTION_REQUIRED
    } else {
        RELEASE_NOTE
    }
}

/// Upstream `github.NormLogin`.
fn norm_login(login: &str) -> String {
    login.to_lowercase().trim_start_matches('@').to_string()
}

/// The label set as upstream's exact-name sets hold it.
fn label_set(facts: &Facts, issue: &IssueRef) -> Result<BTreeSet<String>, NeedFacts> {
    Ok(facts
        .labels(issue)?
        .into_iter()
        .map(str::to_string)
        .collect())
}

/// Removes every release-note label but `keep` that is in `labels`, in upstream's order.
fn remove_others(on: &IssueRef, keep: &str, labels: &mut BTreeSet<String>) -> Vec<Action> {
    ALL_RN_LABELS
        .iter()
        .filter(|l| **l != keep && labels.remove(**l))
        .map(|l| Action::remove_label(on, *l))
        .collect()
}

fn plan_comment(event: &IssueCommentEvent, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
    if !event.issue.is_pull_request() || event.action != CommentAction::Created {
        return Ok(Vec::new());
    }
    let pull = IssueRef::new(event.repo.org(), &event.repo.name, event.issue.number);
    let comment = &event.comment;
    let login = comment.user.login.as_str();
    let reply = |text: &str| {
        vec![Action::comment(
            &pull,
            format_response_raw(&comment.body, &comment.html_url, login, text),
        )]
    };
    if RELEASE_NOTE_EDIT.is_match(&comment.body) {
        return plan_edit(event, &pull, facts);
    }
    if RELEASE_NOTE_COMMAND.is_match(&comment.body)
        || (!RELEASE_NOTE_NONE_COMMAND.is_match(&comment.body)
            && RELEASE_NOTE_ACTION_REQUIRED_COMMAND.is_match(&comment.body))
    {
        return Ok(reply(&deprecated_commands_reply()));
    }
    if !RELEASE_NOTE_NONE_COMMAND.is_match(&comment.body) {
        return Ok(Vec::new());
    }
    // The author needs no membership check (upstream asks anyway; the answer cannot matter).
    let is_author = norm_login(&event.issue.user.login) == norm_login(login);
    if !is_author && !facts.is_member(&pull.repo.org, login)? {
        return Ok(reply(&format!(
            "you can only set the release note label to {RELEASE_NOTE_NONE} if you are the PR author or an org member."
        )));
    }
    // The labels now, not the event's: a redelivery then changes nothing twice.
    let mut labels = label_set(facts, &pull)?;
    let block = release_note_label(&event.issue.body, &labels);
    if block == RELEASE_NOTE || block == RELEASE_NOTE_ACTION_REQUIRED {
        return Ok(reply(&format!(
            "you can only set the release note label to {RELEASE_NOTE_NONE} if the release-note block in the PR body text is empty or \"none\"."
        )));
    }
    let has = |label: &str| labels.iter().any(|l| l.eq_ignore_ascii_case(label));
    if has(DEPRECATION_LABEL) {
        return Ok(reply(&format!(
            "you can not set the release note label to \"{RELEASE_NOTE_NONE}\" because the PR has the label \"{DEPRECATION_LABEL}\"."
        )));
    }
    let mut actions = Vec::new();
    if !has(RELEASE_NOTE_NONE) {
        actions.push(Action::add_label(&pull, RELEASE_NOTE_NONE));
    }
    actions.extend(remove_others(&pull, RELEASE_NOTE_NONE, &mut labels));
    Ok(actions)
}

/// `/release-note-edit`: the description's first release-note block gets the comment's note.
/// The labels follow from the `edited` event GitHub then sends.
fn plan_edit(
    event: &IssueCommentEvent,
    pull: &IssueRef,
    facts: &Facts,
) -> Result<Vec<Action>, NeedFacts> {
    let comment = &event.comment;
    let login = comment.user.login.as_str();
    if !facts.is_member(&pull.repo.org, login)? {
        // Upstream links the PR here, the comment below.
        return Ok(vec![Action::comment(
            pull,
            format_response_raw(
                &comment.body,
                &event.issue.html_url,
                login,
                "You must be an org member to edit the release note.",
            ),
        )]);
    }
    let reply = |text: &str| {
        vec![Action::comment(
            pull,
            format_response_raw(&comment.body, &comment.html_url, login, text),
        )]
    };
    let new_note = release_note(&comment.body);
    if new_note.is_empty() {
        return Ok(reply(
            "/release-note-edit must be used with a release note block.",
        ));
    }
    // The description now rather than the event's copy: an edit made meanwhile is kept, and a
    // redelivery finds the note in place and edits nothing.
    let body = &facts.issue(pull)?.body;
    let Some(old_note) = NOTE_MATCHER.captures(body).and_then(|c| c.get(1)) else {
        return Ok(reply(
            "/release-note-edit must be used with a single release note block.",
        ));
    };
    let edited = format!(
        "{}\r\n{}\r\n{}",
        &body[..old_note.start()],
        new_note.trim(),
        &body[old_note.end()..]
    );
    if edited == *body {
        return Ok(Vec::new());
    }
    Ok(vec![Action::EditBody {
        on: pull.clone(),
        body: edited,
    }])
}

fn plan_pull_request(
    event: &PullRequestEvent,
    input: &Input<'_>,
    facts: &Facts,
) -> Result<Vec<Action>, NeedFacts> {
    match &event.action {
        PullRequestAction::Opened
        | PullRequestAction::Edited
        | PullRequestAction::ReadyForReview => {}
        // Only its own labels: an unrelated label would repeat its comments.
        PullRequestAction::Labeled
            if event
                .label
                .as_ref()
                .is_some_and(|l| ALL_RN_LABELS.contains(&l.name.as_str())) => {}
        _ => return Ok(Vec::new()),
    }
    let pr = &event.pull_request;
    let pull = IssueRef::new(event.repo.org(), &event.repo.name, pr.number);
    let release_note_body = release_note_body(input.config.plugins.release_note.guidelines_url());
    let mut labels = label_set(facts, &pull)?;
    // The bot's notices that no longer apply, given the labels the PR ends with.
    let stale_notices =
        |labels: &BTreeSet<String>| clear_stale(event, &pull, labels, &release_note_body, facts);
    let mut want = release_note_label(&pr.body, &labels);
    let mut actions = Vec::new();
    if want == RELEASE_NOTE_LABEL_NEEDED {
        if pr.merged {
            return Ok(Vec::new());
        }
        match must_follow(event, &pull, facts)? {
            Process::Exempt => {
                if labels.contains(RELEASE_NOTE_LABEL_NEEDED) {
                    actions.push(Action::remove_label(&pull, RELEASE_NOTE_LABEL_NEEDED));
                }
                actions.extend(stale_notices(&labels)?);
                return Ok(actions);
            }
            Process::Follow { noteless_parents } => {
                if !noteless_parents.is_empty() && !labels.contains(RELEASE_NOTE_LABEL_NEEDED) {
                    actions.push(Action::comment(
                        &pull,
                        format_response(
                            &pr.user.login,
                            &parent_release_note_body(),
                            &format!(
                                "The following parent PRs have neither the \"{RELEASE_NOTE}\" nor the \"{RELEASE_NOTE_ACTION_REQUIRED}\" labels: {}.",
                                noteless_parents.join(", ")
                            ),
                        ),
                    ));
                }
            }
        }
        if labels.contains(DEPRECATION_LABEL) {
            if !labels.contains(RELEASE_NOTE_LABEL_NEEDED) {
                actions.push(Action::comment(
                    &pull,
                    format_simple_response(&release_note_deprecation_body()),
                ));
            }
        } else if facts
            .comments(&pull)?
            .iter()
            .any(|c| RELEASE_NOTE_NONE_COMMAND.is_match(&c.body))
        {
            want = RELEASE_NOTE_NONE;
        } else if !labels.contains(RELEASE_NOTE_LABEL_NEEDED) {
            actions.push(Action::comment(
                &pull,
                format_simple_response(&release_note_body),
            ));
        }
    }
    if labels.insert(want.to_string()) {
        actions.push(Action::add_label(&pull, want));
    }
    actions.extend(remove_others(&pull, want, &mut labels));
    actions.extend(stale_notices(&labels)?);
    Ok(actions)
}

/// Whether the PR must follow the release-note process (upstream
/// `prMustFollowRelNoteProcess`).
enum Process {
    /// A cherry pick off `master` whose parents all have a release note.
    Exempt,
    /// It must; the parents without a note (`#N`) when it is a cherry pick.
    Follow { noteless_parents: Vec<String> },
}

fn must_follow(
    event: &PullRequestEvent,
    pull: &IssueRef,
    facts: &Facts,
) -> Result<Process, NeedFacts> {
    let pr = &event.pull_request;
    let follow = Process::Follow {
        noteless_parents: Vec::new(),
    };
    if pr.base.git_ref == "master" {
        return Ok(follow);
    }
    let parents: Vec<u64> = pr
        .body
        .split('\n')
        .filter_map(|line| CHERRY_PICK.captures(line))
        .filter_map(|c| c.get(1).and_then(|n| n.as_str().parse().ok()))
        .collect();
    if parents.is_empty() {
        return Ok(follow);
    }
    let parent = |number: u64| IssueRef {
        repo: pull.repo.clone(),
        number: prow_ports::github::IssueNumber(number),
    };
    facts.need(parents.iter().map(|n| Fact::Labels(parent(*n))))?;
    let mut noteless_parents = Vec::new();
    for number in parents {
        let of_parent = parent(number);
        if !facts.has_label(&of_parent, RELEASE_NOTE)?
            && !facts.has_label(&of_parent, RELEASE_NOTE_ACTION_REQUIRED)?
        {
            noteless_parents.push(format!("#{number}"));
        }
    }
    Ok(if noteless_parents.is_empty() {
        Process::Exempt
    } else {
        Process::Follow { noteless_parents }
    })
}

/// Deletes the bot's release-note notices once they no longer apply (upstream
/// `clearStaleComments`).
fn clear_stale(
    event: &PullRequestEvent,
    pull: &IssueRef,
    labels: &BTreeSet<String>,
    release_note_body: &str,
    facts: &Facts,
) -> Result<Vec<Action>, NeedFacts> {
    let noted = [
        RELEASE_NOTE,
        RELEASE_NOTE_ACTION_REQUIRED,
        RELEASE_NOTE_NONE,
    ]
    .iter()
    .any(|l| labels.contains(*l));
    if matches!(must_follow(event, pull, facts)?, Process::Follow { .. }) && !noted {
        return Ok(Vec::new());
    }
    let parent_body = parent_release_note_body();
    Ok(facts
        .bot_comments(pull)?
        .into_iter()
        .filter(|c| c.body.contains(release_note_body) || c.body.contains(&parent_body))
        .map(|c| Action::DeleteComment {
            repo: pull.repo.clone(),
            id: c.id,
        })
        .collect())
}

#[cfg(test)]
mod tests;
