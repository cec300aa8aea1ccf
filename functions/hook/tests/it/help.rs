//! `help` end to end: `/help` and `/good-first-issue` label an open issue and point at the
//! guidelines once; the removals take the labels and those comments away.

use crate::support::{Bench, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [help]\n";

#[tokio::test]
async fn anyone_asks_for_help_and_the_comments_go_with_the_labels() {
    let seeded = world(&["alice"]);
    let bench = Bench::start(seeded, PLUGINS).await;
    let issue = bench.world().open_issue("acme/widgets", "alice", "A bug");
    bench.settle().await;

    bench.comment(issue, "mallory", "/good-first-issue");
    bench.settle_delivering(2).await;
    assert_eq!(
        bench.labels("acme/widgets", issue),
        ["good first issue", "help wanted"]
    );
    let said = bench.bot_comments("acme/widgets", issue);
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(said[0].contains("This request has been marked as suitable for new contributors."));
    assert!(said[0].contains(
        "(https://git.k8s.io/community/contributors/guide/help-wanted.md#good-first-issue)"
    ));

    bench.comment(issue, "mallory", "/remove-help");
    bench.settle().await;
    assert!(bench.labels("acme/widgets", issue).is_empty());
    assert!(bench.bot_comments("acme/widgets", issue).is_empty());

    bench.comment(issue, "alice", "/help");
    bench.settle().await;
    assert_eq!(bench.labels("acme/widgets", issue), ["help wanted"]);
    assert!(
        bench.bot_comments("acme/widgets", issue)[0]
            .contains("This request has been marked as needing help from a contributor.")
    );
}
