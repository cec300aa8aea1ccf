//! `release-note` end to end: a PR's description decides its release-note label, the notice of a
//! missing note goes once there is one, `/release-note-none` is for the author and org members,
//! `/release-note-edit` for org members; redeliveries change nothing twice.

use crate::support::{Bench, REPO, open_widget_pr, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [release-note]\n";
const NEEDED: &str = "do-not-merge/release-note-label-needed";

async fn bench() -> (Bench, u64) {
    let mut seeded = world(&["member"]);
    let pull = open_widget_pr(&mut seeded);
    (Bench::start(seeded, PLUGINS).await, pull)
}

#[tokio::test]
async fn the_description_decides_the_label_and_the_notice_goes_with_a_note() {
    let (bench, pull) = bench().await;
    bench
        .world()
        .edit_body(REPO, pull, "Adds a widget.", "alice");
    bench.forget_calls();
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels(REPO, pull), [NEEDED]);
    let notices = bench.bot_comments(REPO, pull);
    assert_eq!(notices.len(), 1, "posted once: {notices:?}");
    assert!(notices[0].starts_with("Adding the \"do-not-merge/release-note-label-needed\" label because no release-note block was detected"));
    assert_eq!(bench.label_writes(), 1, "{:?}", bench.writes());

    bench.world().edit_body(
        REPO,
        pull,
        "Adds a widget.\n```release-note\nA widget, at last.\n```\n",
        "alice",
    );
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels(REPO, pull), ["release-note"]);
    assert!(bench.bot_comments(REPO, pull).is_empty(), "the notice went");

    bench.world().edit_body(
        REPO,
        pull,
        "```release-note\nAction required: rename the flag.\n```",
        "alice",
    );
    bench.settle().await;
    assert_eq!(bench.labels(REPO, pull), ["release-note-action-required"]);
}

#[tokio::test]
async fn release_note_none_is_for_the_author_and_org_members() {
    for (who, allowed) in [("alice", true), ("member", true), ("outsider", false)] {
        let (bench, pull) = bench().await;
        bench.world().edit_body(REPO, pull, "", "alice");
        bench.settle().await;
        bench.comment(pull, who, "/release-note-none");
        bench.forget_calls();
        bench.settle_delivering(2).await;
        let replies = bench.bot_comments_starting(REPO, pull, "@");
        if allowed {
            assert_eq!(bench.labels(REPO, pull), ["release-note-none"], "{who}");
            assert!(replies.is_empty(), "{who}: {replies:?}");
            assert_eq!(bench.label_writes(), 2, "added and removed once: {who}");
        } else {
            assert_eq!(bench.labels(REPO, pull), [NEEDED], "{who}");
            assert_eq!(replies.len(), 1, "{who}: {replies:?}");
            assert!(replies[0].starts_with("@outsider: you can only set the release note label to release-note-none if you are the PR author or an org member."));
        }
    }
}

#[tokio::test]
async fn release_note_edit_is_for_org_members() {
    for (who, allowed) in [("member", true), ("alice", false), ("outsider", false)] {
        let (bench, pull) = bench().await;
        let before = "Top\r\n```release-note\r\nNONE\r\n```\r\nBelow\r\n";
        bench.world().edit_body(REPO, pull, before, "alice");
        bench.settle().await;
        assert_eq!(bench.labels(REPO, pull), ["release-note-none"]);
        bench.comment(
            pull,
            who,
            "/release-note-edit\r\n```release-note\r\nThe new note\r\n```",
        );
        bench.forget_calls();
        bench.settle_delivering(2).await;
        let body = bench.issue(pull).body;
        let edits = bench.count_writes(|c| c.uri.ends_with(&format!("/issues/{pull}")));
        if allowed {
            assert_eq!(
                body, "Top\r\n```release-note\r\nThe new note\r\n```\r\nBelow\r\n",
                "{who}"
            );
            assert_eq!(edits, 1, "edited once: {:?}", bench.writes());
        } else {
            assert_eq!(body, before, "{who}");
            assert_eq!(edits, 0, "{who}");
            let replies = bench.bot_comments(REPO, pull);
            assert_eq!(replies.len(), 1, "{who}: {replies:?}");
            assert!(replies[0].contains("You must be an org member to edit the release note."));
        }
    }
}
