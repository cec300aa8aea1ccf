//! `hold` end to end: anyone's `/hold` puts the PR on hold and `/hold cancel` takes it off, each
//! change made once however often the webhook is delivered.

use crate::support::{Bench, open_widget_pr, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [hold]\n";

#[tokio::test]
async fn anyone_holds_and_unholds_and_redeliveries_change_nothing_twice() {
    let mut seeded = world(&["alice"]);
    let pull = open_widget_pr(&mut seeded);
    let bench = Bench::start(seeded, PLUGINS).await;

    bench.comment(pull, "outsider", "Not yet.\n/hold");
    bench.forget_calls();
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), ["do-not-merge/hold"]);
    let label_writes = bench.count_writes(|c| c.uri.ends_with("/labels"));
    assert_eq!(
        label_writes, 1,
        "the redelivery finds the label and adds nothing"
    );

    bench.comment(pull, "alice", "/hold cancel");
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    assert!(
        bench.bot_comments("acme/widgets", pull).is_empty(),
        "hold says nothing"
    );
}
