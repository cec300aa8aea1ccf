//! `wip` end to end: a `WIP` title or a draft puts `do-not-merge/work-in-progress` on the pull
//! request, a plain title on a ready pull request takes it off, and redeliveries write nothing.

use crate::support::{Bench, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [wip]\n";
const WIP: &str = "do-not-merge/work-in-progress";

#[tokio::test]
async fn the_label_follows_the_title_and_the_draft_state_once_per_change() {
    let bench = Bench::start(world(&["alice"]), PLUGINS).await;
    let pull = bench.world().open_pull_request(
        "acme/widgets",
        "outsider",
        "feature",
        "[WIP] Add a widget",
        &[("w.go", "package w")],
    );
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), [WIP]);
    assert_eq!(bench.label_writes(), 1, "the redelivery finds the label");

    bench.forget_calls();
    bench
        .world()
        .retitle_pull_request("acme/widgets", pull, "Add a widget");
    bench.settle_delivering(2).await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    assert_eq!(bench.label_writes(), 1, "removed once");

    bench.forget_calls();
    bench
        .world()
        .set_pull_request_draft("acme/widgets", pull, true);
    bench.settle().await;
    assert_eq!(bench.labels("acme/widgets", pull), [WIP]);

    // A push changes neither the title nor the draft state: wip does not look.
    bench.forget_calls();
    bench
        .world()
        .push_to_pull_request("acme/widgets", pull, "More", &[("x.go", "package w")]);
    bench.settle().await;
    assert_eq!(
        bench.count_calls(|c| c.uri.contains("/labels")),
        0,
        "synchronize is not wip's"
    );

    bench
        .world()
        .set_pull_request_draft("acme/widgets", pull, false);
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    assert!(bench.bot_comments("acme/widgets", pull).is_empty());
}
