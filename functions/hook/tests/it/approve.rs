//! `approve` end to end: only an OWNERS approver's `/approve` approves, the notifier stays one
//! comment kept up to date, `/approve cancel` takes the label off, and redeliveries change
//! nothing twice.

use crate::support::{Bench, open_widget_pr, world_with_owners};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [approve]\n";
const OWNERS: &str = "approvers:\n- carol\nreviewers:\n- dave\n";

fn notifiers(bench: &Bench, pull: u64) -> Vec<String> {
    bench.bot_comments_starting("acme/widgets", pull, "[APPROVALNOTIFIER]")
}

#[tokio::test]
async fn only_owners_approvers_approve_and_the_notifier_stays_one_comment() {
    let seeded = world_with_owners(&["alice", "mike"], OWNERS, &["alice", "carol", "dave"]);
    let bench = Bench::start(seeded, PLUGINS).await;
    // Opened once the bench runs, so the PR's opening reaches the plugin.
    let pull = open_widget_pr(&mut bench.world());
    bench.settle().await;
    let opened = notifiers(&bench, pull);
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert!(opened[0].starts_with("[APPROVALNOTIFIER] This PR is **NOT APPROVED**"));
    assert!(
        opened[0].contains("please assign [carol](https://github.com/carol) for approval"),
        "{}",
        opened[0]
    );

    for who in ["alice", "mike", "olly", "dave"] {
        bench.comment(pull, who, "/approve");
        bench.settle_delivering(2).await;
        assert!(bench.labels("acme/widgets", pull).is_empty(), "{who}");
        let now = notifiers(&bench, pull);
        assert_eq!(now.len(), 1, "{who}: {now:?}");
        assert!(now[0].starts_with("[APPROVALNOTIFIER] This PR is **NOT APPROVED**"));
        assert!(
            now[0].contains(&format!(">{who}</a>*")),
            "{who} is listed: {}",
            now[0]
        );
    }

    bench.forget_calls();
    bench.comment(pull, "carol", "/approve");
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), ["approved"]);
    let approved = notifiers(&bench, pull);
    assert_eq!(approved.len(), 1);
    assert!(approved[0].starts_with("[APPROVALNOTIFIER] This PR is **APPROVED**"));
    let label_adds = bench.count_writes(|c| c.uri.ends_with("/labels"));
    let edits = bench.count_writes(|c| c.uri.contains("/issues/comments/"));
    let posts = bench.count_writes(|c| c.method == "POST" && c.uri.ends_with("/comments"));
    assert_eq!(
        (label_adds, edits, posts),
        (1, 1, 0),
        "{:#?}",
        bench.writes()
    );

    bench.comment(pull, "carol", "/approve cancel");
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    let cancelled = notifiers(&bench, pull);
    assert_eq!(cancelled.len(), 1);
    assert!(cancelled[0].starts_with("[APPROVALNOTIFIER] This PR is **NOT APPROVED**"));
}

#[tokio::test]
async fn an_approving_review_by_an_approver_approves() {
    let mut seeded = world_with_owners(&["alice"], OWNERS, &["carol"]);
    let pull = open_widget_pr(&mut seeded);
    let bench = Bench::start(seeded, PLUGINS).await;
    bench.settle().await;
    bench
        .world()
        .review("acme/widgets", pull, "carol", "APPROVED", "");
    bench.settle().await;
    assert_eq!(bench.labels("acme/widgets", pull), ["approved"]);
    bench.world().review(
        "acme/widgets",
        pull,
        "carol",
        "CHANGES_REQUESTED",
        "not yet",
    );
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    assert_eq!(notifiers(&bench, pull).len(), 1);
}
