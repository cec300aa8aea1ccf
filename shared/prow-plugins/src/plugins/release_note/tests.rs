//! The release_note plan, table by table.

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
        Err(NeedFacts::one(Fact::org_member("kubernetes", "bob")))
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
        Err(NeedFacts::one(Fact::org_member("kubernetes", "member")))
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
