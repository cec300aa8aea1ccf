//! `hold` end to end: anyone's `/hold` puts the PR on hold and `/hold cancel` takes it off, each
//! change made once however often the webhook is delivered.

use crate::support::{Bench, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [hold]\n";

#[tokio::test]
async fn anyone_holds_and_unholds_and_redeliveries_change_nothing_twice() {
    let mut seeded = world(&["alice"]);
    let pull = seeded.open_pull_request(
        "acme/widgets",
        "alice",
        "feature",
        "Add a widget",
        &[("w.go", "package w")],
    );
    let bench = Bench::start(seeded, PLUGINS).await;

    bench
        .world()
        .comment("acme/widgets", pull, "outsider", "Not yet.\n/hold");
    bench.forget_calls();
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), ["do-not-merge/hold"]);
    let label_writes = bench
        .writes()
        .iter()
        .filter(|c| c.uri.ends_with("/labels"))
        .count();
    assert_eq!(
        label_writes, 1,
        "the redelivery finds the label and adds nothing"
    );

    bench
        .world()
        .comment("acme/widgets", pull, "alice", "/hold cancel");
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    assert!(
        bench.bot_comments("acme/widgets", pull).is_empty(),
        "hold says nothing"
    );
}
