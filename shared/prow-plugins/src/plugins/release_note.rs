//! `release-note` (upstream `pkg/plugins/releasenote`): the release note of a pull request is
//! the ```` ```release-note ```` block of its description; the PR carries exactly one of the
//! release-note labels saying what the block holds (a note, `NONE`, a note with `action
//! required`) or that it is missing (`do-not-merge/release-note-label-needed`, which tide
//! refuses to merge). The author or an org member may say `/release-note-none` instead; an org
//! member may replace the block with `/release-note-edit`. Cherry picks whose parents all have a
//! note need none of their own off `master`.

use super::{Pattern, pattern};
use crate::help::{Commands, command, commands_help};
use crate::{Action, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, Plugin, PluginHelp};
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

impl Plugin for ReleaseNote {
    fn name(&self) -> &'static str {
        "release-note"
    }

    fn events(&self) -> &'static [EventKind] {
        &[EventKind::IssueComment, EventKind::PullRequest]
    }

    fn help(&self, config: &Config, _: &[String]) -> PluginHelp {
        let url = config.plugins.release_note.guidelines_url();
        let mut commands = commands_help::<Command>();
        // The help of a command cannot see the configuration; the link is the configured one.
        for command in &mut commands {
            command.description = command.description.replace(DEFAULT_GUIDELINES_URL, url);
        }
        PluginHelp {
            description: format!(
                "The releasenote plugin implements a release note process that uses a markdown 'release-note' code block to associate a release note with a pull request. Until the 'release-note' block in the pull request body is populated the PR will be assigned the '{RELEASE_NOTE_LABEL_NEEDED}' label.\n<br>There are three valid types of release notes that can replace this label:\n<ol><li>PRs with a normal release note in the 'release-note' block are given the label '{RELEASE_NOTE}'.</li>\n<li>PRs that have a release note of 'none' in the block are given the label '{RELEASE_NOTE_NONE}' to indicate that the PR does not warrant a release note.</li>\n<li>PRs that contain 'action required' in their 'release-note' block are given the label '{RELEASE_NOTE_ACTION_REQUIRED}' to indicate that the PR introduces potentially breaking changes that necessitate user action before upgrading to the release.</li></ol>\nTo use the plugin, in the pull request body text:\n\n```release-note\n<release note content>\n```"
            ),
            commands,
            ..PluginHelp::default()
        }
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
                actions.extend(clear_stale(
                    event,
                    &pull,
                    &labels,
                    &release_note_body,
                    facts,
                )?);
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
    actions.extend(clear_stale(
        event,
        &pull,
        &labels,
        &release_note_body,
        facts,
    )?);
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
mod tests {
    use super::*;
    use crate::testing::{
        BOT, Given, PR, comment, comment_on_pr, labels, plan, pull_request_event_with,
    };
    use serde_json::Value;

    #[test]
    fn the_note_and_its_label_are_read_from_the_description() {
        let none: BTreeSet<String> = BTreeSet::new();
        let with = |l: &str| BTreeSet::from([l.to_string()]);
        for (body, labels, note, label) in [
            (
                "**Release note**:  ```NONE```",
                none.clone(),
                "NONE",
                RELEASE_NOTE_NONE,
            ),
            (
                "**Release note**:\n\n ```\nNONE\n```",
                none.clone(),
                "NONE",
                RELEASE_NOTE_NONE,
            ),
            (
                "**Release note**:\n<!--  Steps to write your release note:\n...\n-->\n```NONE\n```",
                none.clone(),
                "NONE",
                RELEASE_NOTE_NONE,
            ),
            (
                "**Release note**: ```This is my feature. There is some action required for my feature.```",
                none.clone(),
                "This is my feature. There is some action required for my feature.",
                RELEASE_NOTE_ACTION_REQUIRED,
            ),
            (
                "```release-note\nsomething great.\n```",
                none.clone(),
                "something great.",
                RELEASE_NOTE,
            ),
            (
                "```release-note\n`\"NONE\"`\n```",
                none.clone(),
                "`\"NONE\"`",
                RELEASE_NOTE_NONE,
            ),
            (
                "```release-note\nno.\n```",
                none.clone(),
                "no.",
                RELEASE_NOTE_NONE,
            ),
            (
                "```release-note\nnone of that\n```",
                none.clone(),
                "none of that",
                RELEASE_NOTE,
            ),
            ("", with(RELEASE_NOTE_NONE), "", RELEASE_NOTE_NONE),
            ("", with(DEPRECATION_LABEL), "", RELEASE_NOTE_LABEL_NEEDED),
            (
                "```release-note\nNONE\n```",
                with(DEPRECATION_LABEL),
                "NONE",
                RELEASE_NOTE_LABEL_NEEDED,
            ),
            ("", none.clone(), "", RELEASE_NOTE_LABEL_NEEDED),
            (
                "```\nnot a note\n```",
                none.clone(),
                "",
                RELEASE_NOTE_LABEL_NEEDED,
            ),
        ] {
            assert_eq!(release_note(body), note, "{body:?}");
            assert_eq!(release_note_label(body, &labels), label, "{body:?}");
        }
    }

    fn opened(body: &str, base: &str) -> crate::Delivery {
        opened_as(body, base, "opened", false)
    }

    fn opened_as(body: &str, base: &str, action: &str, merged: bool) -> crate::Delivery {
        pull_request_event_with(&PR, action, "alice", "alice", |payload: &mut Value| {
            payload["pull_request"]["body"] = body.into();
            payload["pull_request"]["base"]["ref"] = base.into();
            payload["pull_request"]["merged"] = merged.into();
        })
    }

    fn needed_comment() -> Action {
        Action::comment(
            &PR,
            format_simple_response(&release_note_body(DEFAULT_GUIDELINES_URL)),
        )
    }

    #[test]
    fn a_pull_request_gets_the_label_its_description_asks_for() {
        let add = |l| Action::add_label(&PR, l);
        let remove = |l| Action::remove_label(&PR, l);
        let delete = |id| Action::DeleteComment {
            repo: PR.repo.clone(),
            id,
        };
        let notice = format_simple_response(&release_note_body(DEFAULT_GUIDELINES_URL));
        for (body, current, comments, expected) in [
            // No note: the notice, then the label.
            (
                "",
                vec![],
                vec![],
                vec![needed_comment(), add(RELEASE_NOTE_LABEL_NEEDED)],
            ),
            ("", vec![RELEASE_NOTE_LABEL_NEEDED], vec![], vec![]),
            // A `/release-note-none` comment stands in for the block.
            (
                "",
                vec![RELEASE_NOTE_LABEL_NEEDED],
                vec![(1, "alice", "/release-note-none")],
                vec![add(RELEASE_NOTE_NONE), remove(RELEASE_NOTE_LABEL_NEEDED)],
            ),
            // A note: its label replaces the others and the notice goes.
            (
                "```release-note\nA new widget.\n```",
                vec![RELEASE_NOTE_LABEL_NEEDED, "lgtm"],
                vec![(2, BOT, notice.as_str()), (3, "alice", notice.as_str())],
                vec![
                    add(RELEASE_NOTE),
                    remove(RELEASE_NOTE_LABEL_NEEDED),
                    delete(2),
                ],
            ),
            (
                "```release-note\nAction required: rename the flag.\n```",
                vec![RELEASE_NOTE],
                vec![],
                vec![add(RELEASE_NOTE_ACTION_REQUIRED), remove(RELEASE_NOTE)],
            ),
            (
                "```release-note\nNONE\n```",
                vec![RELEASE_NOTE_NONE],
                vec![],
                vec![],
            ),
            // A deprecation needs a real note.
            (
                "```release-note\nNONE\n```",
                vec![DEPRECATION_LABEL, RELEASE_NOTE_NONE],
                vec![],
                vec![
                    Action::comment(
                        &PR,
                        format_simple_response(&release_note_deprecation_body()),
                    ),
                    add(RELEASE_NOTE_LABEL_NEEDED),
                    remove(RELEASE_NOTE_NONE),
                ],
            ),
        ] {
            let facts = labels(&PR, &current).bot().comments(&PR, &comments);
            assert_eq!(
                plan(&ReleaseNote, &opened(body, "master"), &facts),
                Ok(expected),
                "{body:?} with {current:?}"
            );
        }
    }

    #[test]
    fn cherry_picks_of_noted_parents_need_no_note_of_their_own() {
        let parent = IssueRef::new("kubernetes", "test-infra", 3);
        let other = IssueRef::new("kubernetes", "test-infra", 4);
        let body = "Cherry pick of #3 on release-1.30.\nCherry pick of #4 on release-1.30.\n";
        let delivery = opened(body, "release-1.30");
        let facts = labels(&PR, &[RELEASE_NOTE_LABEL_NEEDED]);
        assert_eq!(
            plan(&ReleaseNote, &delivery, &facts),
            Err(NeedFacts(BTreeSet::from([
                Fact::Labels(parent.clone()),
                Fact::Labels(other.clone())
            ])))
        );
        let noted = facts
            .clone()
            .labelled(&parent, &[RELEASE_NOTE])
            .labelled(&other, &["Release-Note-Action-Required"])
            .bot()
            .comments(&PR, &[(9, BOT, &parent_release_note_body())]);
        assert_eq!(
            plan(&ReleaseNote, &delivery, &noted),
            Ok(vec![
                Action::remove_label(&PR, RELEASE_NOTE_LABEL_NEEDED),
                Action::DeleteComment {
                    repo: PR.repo.clone(),
                    id: 9
                },
            ])
        );
        let noteless = labels(&PR, &[])
            .labelled(&parent, &[])
            .labelled(&other, &["lgtm"])
            .comments(&PR, &[]);
        let parent_notice = format_response(
            "alice",
            &parent_release_note_body(),
            "The following parent PRs have neither the \"release-note\" nor the \"release-note-action-required\" labels: #3, #4.",
        );
        assert_eq!(
            plan(&ReleaseNote, &delivery, &noteless),
            Ok(vec![
                Action::comment(&PR, parent_notice.clone()),
                needed_comment(),
                Action::add_label(&PR, RELEASE_NOTE_LABEL_NEEDED),
            ])
        );
        insta::assert_snapshot!("release_note_parent_notice", parent_notice);
    }

    #[test]
    fn only_body_changes_and_its_own_labels_wake_it_and_merged_prs_are_left_alone() {
        let facts = labels(&PR, &[]).comments(&PR, &[]);
        for action in ["synchronize", "closed", "unlabeled", "labeled"] {
            let delivery = opened_as("", "master", action, false);
            assert_eq!(
                plan(&ReleaseNote, &delivery, &facts),
                Ok(vec![]),
                "{action}"
            );
        }
        let merged = opened_as("", "master", "edited", true);
        assert_eq!(plan(&ReleaseNote, &merged, &facts), Ok(vec![]));
        let own_label = pull_request_event_with(&PR, "labeled", "alice", "bot", |p| {
            p["label"] = serde_json::json!({"name": RELEASE_NOTE_NONE});
        });
        assert_eq!(
            plan(&ReleaseNote, &own_label, &facts),
            Ok(vec![
                needed_comment(),
                Action::add_label(&PR, RELEASE_NOTE_LABEL_NEEDED)
            ])
        );
        let ready = opened_as(
            "```release-note\nfine\n```",
            "main",
            "ready_for_review",
            false,
        );
        assert_eq!(
            plan(&ReleaseNote, &ready, &Facts::new()),
            Err(NeedFacts::one(Fact::Labels(PR.clone())))
        );
    }

    /// A comment by `who` on the PR opened by alice whose description is `description`.
    fn say(who: &str, body: &str, description: &str) -> crate::Delivery {
        let mut delivery = comment_on_pr(&PR, who, body);
        if let Event::IssueComment(event) = &mut delivery.event {
            event.issue.body = description.to_string();
        }
        delivery
    }

    fn reply(who: &str, body: &str, text: &str) -> Action {
        Action::comment(
            &PR,
            format_response_raw(
                body,
                "https://github.com/kubernetes/test-infra/pull/7#issuecomment-5000",
                who,
                text,
            ),
        )
    }

    #[test]
    fn release_note_none_is_for_the_author_and_org_members() {
        let none = "/release-note-none";
        let not_allowed = "you can only set the release note label to release-note-none if you are the PR author or an org member.";
        let add = Action::add_label(&PR, RELEASE_NOTE_NONE);
        let remove_needed = Action::remove_label(&PR, RELEASE_NOTE_LABEL_NEEDED);
        for (who, member, current, description, expected) in [
            (
                "alice",
                None,
                vec![RELEASE_NOTE_LABEL_NEEDED],
                "",
                vec![add.clone(), remove_needed.clone()],
            ),
            ("ALICE", None, vec![], "", vec![add.clone()]),
            (
                "member",
                Some(true),
                vec![RELEASE_NOTE_LABEL_NEEDED],
                "",
                vec![add.clone(), remove_needed.clone()],
            ),
            (
                "outsider",
                Some(false),
                vec![],
                "",
                vec![reply("outsider", none, not_allowed)],
            ),
            ("alice", None, vec![RELEASE_NOTE_NONE], "", vec![]),
            (
                "alice",
                None,
                vec![RELEASE_NOTE_LABEL_NEEDED],
                "```release-note\nA widget.\n```",
                vec![reply(
                    "alice",
                    none,
                    "you can only set the release note label to release-note-none if the release-note block in the PR body text is empty or \"none\".",
                )],
            ),
            (
                "alice",
                None,
                vec!["Kind/Deprecation"],
                "",
                vec![reply(
                    "alice",
                    none,
                    "you can not set the release note label to \"release-note-none\" because the PR has the label \"kind/deprecation\".",
                )],
            ),
        ] {
            let mut facts = labels(&PR, &current);
            if let Some(member) = member {
                facts = facts.member("kubernetes", who, member);
            }
            assert_eq!(
                plan(&ReleaseNote, &say(who, none, description), &facts),
                Ok(expected),
                "{who} with {current:?}"
            );
        }
        // Nothing is read before the membership of a non-author.
        assert_eq!(
            plan(&ReleaseNote, &say("bob", none, ""), &Facts::new()),
            Err(NeedFacts::one(Fact::OrgMember {
                org: "kubernetes".into(),
                login: "bob".into()
            }))
        );
    }

    #[test]
    fn the_deprecated_commands_answer_that_they_are() {
        for body in [
            "/release-note",
            "/release-note-action-required",
            "/release-note\n/release-note-none",
        ] {
            assert_eq!(
                plan(&ReleaseNote, &say("anyone", body, ""), &Facts::new()),
                Ok(vec![reply("anyone", body, &deprecated_commands_reply())]),
                "{body:?}"
            );
        }
        insta::assert_snapshot!(
            "release_note_deprecated_commands",
            format_response_raw(
                "/release-note",
                "https://github.com/o/r/pull/1#issuecomment-2",
                "alice",
                &deprecated_commands_reply()
            )
        );
    }

    #[test]
    fn issues_edits_and_other_comments_are_left_alone_without_a_call() {
        let on_issue = comment(&PR, "alice", "/release-note-none", false, "alice");
        assert_eq!(plan(&ReleaseNote, &on_issue, &Facts::new()), Ok(vec![]));
        let mut edited = say("alice", "/release-note-none", "");
        if let Event::IssueComment(event) = &mut edited.event {
            event.action = CommentAction::Edited;
        }
        assert_eq!(plan(&ReleaseNote, &edited, &Facts::new()), Ok(vec![]));
        for body in ["/release-note-nonex", "please /release-note-none", "thanks"] {
            assert_eq!(
                plan(&ReleaseNote, &say("alice", body, ""), &Facts::new()),
                Ok(vec![]),
                "{body:?}"
            );
        }
    }

    #[test]
    fn release_note_edit_replaces_the_block_for_org_members() {
        let edit = "/release-note-edit\r\n```release-note\r\nThe new note\r\n```\r\n";
        let description = "Top\r\n```release-note\r\nNONE\r\n```\r\nBelow\r\n";
        let with_body = |body: &str| {
            let body = body.to_string();
            Facts::new()
                .member("kubernetes", "member", true)
                .issue_fact(&PR, "alice", true, move |issue| issue.body = body)
        };
        assert_eq!(
            plan(
                &ReleaseNote,
                &say("member", edit, description),
                &with_body(description)
            ),
            Ok(vec![Action::EditBody {
                on: PR.clone(),
                body: "Top\r\n```release-note\r\nThe new note\r\n```\r\nBelow\r\n".into()
            }])
        );
        // Redelivered: the note is in place already.
        let done = "Top\r\n```release-note\r\nThe new note\r\n```\r\nBelow\r\n";
        assert_eq!(
            plan(
                &ReleaseNote,
                &say("member", edit, description),
                &with_body(done)
            ),
            Ok(vec![])
        );
        assert_eq!(
            plan(
                &ReleaseNote,
                &say("member", edit, "No block"),
                &with_body("No block")
            ),
            Ok(vec![reply(
                "member",
                edit,
                "/release-note-edit must be used with a single release note block."
            )])
        );
        let bare = "/release-note-edit";
        assert_eq!(
            plan(
                &ReleaseNote,
                &say("member", bare, description),
                &with_body(description)
            ),
            Ok(vec![reply(
                "member",
                bare,
                "/release-note-edit must be used with a release note block."
            )])
        );
        let outsider = Facts::new().member("kubernetes", "outsider", false);
        let refused = format_response_raw(
            edit,
            "https://github.com/kubernetes/test-infra/pull/7",
            "outsider",
            "You must be an org member to edit the release note.",
        );
        assert_eq!(
            plan(&ReleaseNote, &say("outsider", edit, description), &outsider),
            Ok(vec![Action::comment(&PR, refused.clone())])
        );
        insta::assert_snapshot!("release_note_edit_refused", refused);
        assert_eq!(
            plan(
                &ReleaseNote,
                &say("member", edit, description),
                &Facts::new()
            ),
            Err(NeedFacts::one(Fact::OrgMember {
                org: "kubernetes".into(),
                login: "member".into()
            }))
        );
    }

    #[test]
    fn the_notices_read_as_upstream_writes_them() {
        insta::assert_snapshot!(
            "release_note_needed_notice",
            format_simple_response(&release_note_body(DEFAULT_GUIDELINES_URL))
        );
        insta::assert_snapshot!(
            "release_note_deprecation_notice",
            format_simple_response(&release_note_deprecation_body())
        );
        insta::assert_snapshot!(
            "release_note_not_allowed_reply",
            format_response_raw(
                "/release-note-none",
                "https://github.com/o/r/pull/1#issuecomment-2",
                "bob",
                "you can only set the release note label to release-note-none if you are the PR author or an org member."
            )
        );
    }

    #[test]
    fn help_links_the_configured_guidelines() {
        let mut config = Config::default();
        config.plugins.release_note.guidelines_url = "https://example.com/notes".into();
        let help = ReleaseNote.help(&config, &[]);
        assert!(
            help.commands[0]
                .description
                .contains("<a href=\"https://example.com/notes\">")
        );
        insta::assert_snapshot!(
            "release_note_help",
            serde_json::to_string_pretty(&ReleaseNote.help(&Config::default(), &[]))
                .unwrap_or_default()
        );
    }
}
