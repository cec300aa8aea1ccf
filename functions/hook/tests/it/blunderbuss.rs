//! `blunderbuss` end to end: a new PR gets reviews requested from its OWNERS reviewers (never
//! its author), once however often GitHub delivers; `/auto-cc` asks again when reviewers change.

use crate::support::{Bench, open_widget_pr, world_with_owners};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [blunderbuss]\n";

fn review_requests(bench: &Bench) -> usize {
    bench.count_writes(|c| c.uri.ends_with("/requested_reviewers"))
}

/// Who is asked for a review on `pull` now, by name.
fn requested(bench: &Bench, pull: u64) -> Vec<String> {
    let mut requested = bench.issue(pull).requested_reviewers;
    requested.sort();
    requested
}

#[tokio::test]
async fn a_new_pr_gets_its_owners_reviewers_once_and_auto_cc_asks_whoever_is_missing() {
    let seeded = world_with_owners(
        &["alice"],
        "approvers:\n- carol\nreviewers:\n- dave\n- erin\n- alice\n",
        &["alice", "carol", "dave", "erin"],
    );
    let bench = Bench::start(seeded, PLUGINS).await;
    let pull = open_widget_pr(&mut bench.world());
    bench.settle_delivering(2).await;
    assert_eq!(requested(&bench, pull), ["dave", "erin"]);
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
    bench.comment(pull, "olly", "/auto-cc");
    bench.settle().await;
    assert_eq!(requested(&bench, pull), ["dave", "erin"]);
    assert_eq!(review_requests(&bench), 1);
    assert!(
        bench.bot_comments("acme/widgets", pull).is_empty(),
        "blunderbuss says nothing"
    );
}
