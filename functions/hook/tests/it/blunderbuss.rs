//! `blunderbuss` end to end: a new PR gets reviews requested from its OWNERS reviewers (never
//! its author), once however often GitHub delivers; `/auto-cc` asks again when reviewers change.

use crate::support::{Bench, world};
use github_standin::Permission;

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [blunderbuss]\n";

fn review_requests(bench: &Bench) -> usize {
    bench
        .writes()
        .iter()
        .filter(|c| c.uri.ends_with("/requested_reviewers"))
        .count()
}

#[tokio::test]
async fn a_new_pr_gets_its_owners_reviewers_once_and_auto_cc_asks_whoever_is_missing() {
    let mut seeded = world(&["alice"]);
    seeded.push(
        "acme/widgets",
        "main",
        "owners",
        &[(
            "OWNERS",
            "approvers:\n- carol\nreviewers:\n- dave\n- erin\n- alice\n",
        )],
    );
    for login in ["alice", "carol", "dave", "erin"] {
        seeded.add_collaborator("acme/widgets", login, Permission::Write);
    }
    let bench = Bench::start(seeded, PLUGINS).await;
    let pull = bench.world().open_pull_request(
        "acme/widgets",
        "alice",
        "feature",
        "Add a widget",
        &[("w.go", "package w")],
    );
    bench.settle_delivering(2).await;
    let mut requested = bench
        .world()
        .issue("acme/widgets", pull)
        .unwrap()
        .requested_reviewers
        .clone();
    requested.sort();
    assert_eq!(requested, ["dave", "erin"]);
    assert_eq!(
        review_requests(&bench),
        1,
        "the redelivery asks nobody again"
    );

    // dave reviews (and so is no longer requested); /auto-cc asks him again, from anyone.
    bench
        .world()
        .review("acme/widgets", pull, "dave", "COMMENTED", "looking");
    bench.settle().await;
    bench.forget_calls();
    bench
        .world()
        .comment("acme/widgets", pull, "olly", "/auto-cc");
    bench.settle().await;
    let mut requested = bench
        .world()
        .issue("acme/widgets", pull)
        .unwrap()
        .requested_reviewers
        .clone();
    requested.sort();
    assert_eq!(requested, ["dave", "erin"]);
    assert_eq!(review_requests(&bench), 1);
    assert!(
        bench.bot_comments("acme/widgets", pull).is_empty(),
        "blunderbuss says nothing"
    );
}
