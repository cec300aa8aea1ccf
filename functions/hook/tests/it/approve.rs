//! `approve` end to end: only an OWNERS approver's `/approve` approves, the notifier stays one
//! comment kept up to date, `/approve cancel` takes the label off, and redeliveries change
//! nothing twice.

use crate::support::{Bench, world};
use github_standin::Permission;

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [approve]\n";
const OWNERS: &str = "approvers:\n- carol\nreviewers:\n- dave\n";

fn notifiers(bench: &Bench, pull: u64) -> Vec<String> {
    bench
        .bot_comments("acme/widgets", pull)
        .into_iter()
        .filter(|c| c.starts_with("[APPROVALNOTIFIER]"))
        .collect()
}

#[tokio::test]
async fn only_owners_approvers_approve_and_the_notifier_stays_one_comment() {
    let mut seeded = world(&["alice", "mike"]);
    seeded.push("acme/widgets", "main", "owners", &[("OWNERS", OWNERS)]);
    for login in ["alice", "carol", "dave"] {
        seeded.add_collaborator("acme/widgets", login, Permission::Write);
    }
    let bench = Bench::start(seeded, PLUGINS).await;
    // Opened once the bench runs, so the PR's opening reaches the plugin.
    let pull = bench.world().open_pull_request(
        "acme/widgets",
        "alice",
        "feature",
        "Add a widget",
        &[("w.go", "package w")],
    );
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
        bench.world().comment("acme/widgets", pull, who, "/approve");
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
    bench
        .world()
        .comment("acme/widgets", pull, "carol", "/approve");
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), ["approved"]);
    let approved = notifiers(&bench, pull);
    assert_eq!(approved.len(), 1);
    assert!(approved[0].starts_with("[APPROVALNOTIFIER] This PR is **APPROVED**"));
    let writes = bench.writes();
    let label_adds = writes.iter().filter(|c| c.uri.ends_with("/labels")).count();
    let edits = writes
        .iter()
        .filter(|c| c.uri.contains("/issues/comments/"))
        .count();
    let posts = writes
        .iter()
        .filter(|c| c.method == "POST" && c.uri.ends_with("/comments"))
        .count();
    assert_eq!((label_adds, edits, posts), (1, 1, 0), "{writes:#?}");

    bench
        .world()
        .comment("acme/widgets", pull, "carol", "/approve cancel");
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    let cancelled = notifiers(&bench, pull);
    assert_eq!(cancelled.len(), 1);
    assert!(cancelled[0].starts_with("[APPROVALNOTIFIER] This PR is **NOT APPROVED**"));
}

#[tokio::test]
async fn an_approving_review_by_an_approver_approves() {
    let mut seeded = world(&["alice"]);
    seeded.push("acme/widgets", "main", "owners", &[("OWNERS", OWNERS)]);
    seeded.add_collaborator("acme/widgets", "carol", Permission::Write);
    let pull = seeded.open_pull_request(
        "acme/widgets",
        "alice",
        "feature",
        "Add a widget",
        &[("w.go", "package w")],
    );
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
