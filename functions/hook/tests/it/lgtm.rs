//! `lgtm` end to end: who may `/lgtm` (collaborators; under `skip_collaborators` the OWNERS
//! reviewers and approvers), the author's cancel, a push taking the label off, and redeliveries
//! changing nothing twice.

use crate::support::{Bench, open_widget_pr, world_with_owners};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [lgtm]\n";
const OWNERS: &str = "approvers:\n- carol\nreviewers:\n- dave\n";

/// alice authors the PR; carol (approver) and dave (reviewer) are in OWNERS and collaborators;
/// mike is an org member only; olly is nobody.
fn seeded() -> (github_standin::World, u64) {
    let mut seeded = world_with_owners(&["alice", "mike"], OWNERS, &["alice", "carol", "dave"]);
    let pull = open_widget_pr(&mut seeded);
    (seeded, pull)
}

#[tokio::test]
async fn collaborators_lgtm_others_are_told_and_redeliveries_change_nothing_twice() {
    let (seeded, pull) = seeded();
    let bench = Bench::start(seeded, PLUGINS).await;
    bench.settle().await;

    for (who, reply) in [
        ("alice", "you cannot LGTM your own PR."),
        ("mike", "changing LGTM is restricted to collaborators"),
        ("olly", "changing LGTM is restricted to collaborators"),
    ] {
        bench.comment(pull, who, "/lgtm");
        bench.settle_delivering(2).await;
        assert!(bench.labels("acme/widgets", pull).is_empty(), "{who}");
        let replies =
            bench.bot_comments_starting("acme/widgets", pull, &format!("@{who}: {reply}"));
        assert_eq!(replies.len(), 1, "{who} is told once: {replies:?}");
    }

    bench.forget_calls();
    bench.comment(pull, "dave", "/lgtm");
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), ["lgtm"]);
    assert_eq!(bench.label_writes(), 1, "the redelivery finds the label");
    assert_eq!(bench.issue(pull).assignees, ["dave"]);

    // The author may take it off; an approver's own /lgtm works as well.
    bench.comment(pull, "alice", "/lgtm cancel");
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    bench.comment(pull, "carol", "/lgtm");
    bench.settle().await;
    assert_eq!(bench.labels("acme/widgets", pull), ["lgtm"]);
}

#[tokio::test]
async fn a_push_takes_the_label_off_once() {
    let (seeded, pull) = seeded();
    let bench = Bench::start(seeded, PLUGINS).await;
    bench.comment(pull, "dave", "/lgtm");
    bench.settle().await;
    assert_eq!(bench.labels("acme/widgets", pull), ["lgtm"]);

    bench
        .world()
        .push_to_pull_request("acme/widgets", pull, "more", &[("w.go", "package w // 2")]);
    bench.settle_delivering(2).await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    let notices = bench
        .bot_comments("acme/widgets", pull)
        .into_iter()
        .filter(|c| c == "New changes are detected. LGTM label has been removed.")
        .count();
    assert_eq!(notices, 1);
}

#[tokio::test]
async fn with_tree_hashes_a_push_of_the_same_code_keeps_the_label() {
    let plugins = "plugins:\n  acme:\n    plugins: [lgtm]\nlgtm:\n- repos: [acme/widgets]\n  store_tree_hash: true\n";
    let (seeded, pull) = seeded();
    let bench = Bench::start(seeded, plugins).await;
    bench.comment(pull, "dave", "/lgtm");
    bench.settle().await;
    let stored = bench.bot_comments_starting(
        "acme/widgets",
        pull,
        "LGTM label has been added.  <details>Git tree hash: ",
    );
    assert_eq!(stored.len(), 1, "{stored:?}");

    // The same content again: the same tree.
    bench
        .world()
        .push_to_pull_request("acme/widgets", pull, "rebase", &[("w.go", "package w")]);
    bench.settle().await;
    assert_eq!(bench.labels("acme/widgets", pull), ["lgtm"]);

    bench
        .world()
        .push_to_pull_request("acme/widgets", pull, "change", &[("w.go", "package v")]);
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
}

#[tokio::test]
async fn with_skip_collaborators_the_owners_reviewers_and_approvers_may() {
    let plugins = "plugins:\n  acme:\n    plugins: [lgtm]\nowners:\n  skip_collaborators: [acme]\n";
    let mut seeded = world_with_owners(&["alice", "mike"], OWNERS, &[]);
    let pull = open_widget_pr(&mut seeded);
    let bench = Bench::start(seeded, plugins).await;
    bench.comment(pull, "mike", "/lgtm");
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    assert!(bench.bot_comments("acme/widgets", pull)[0].starts_with(
        "@mike: adding LGTM is restricted to approvers and reviewers in OWNERS files."
    ));
    bench.comment(pull, "dave", "/lgtm");
    bench.settle().await;
    assert_eq!(bench.labels("acme/widgets", pull), ["lgtm"]);
}
