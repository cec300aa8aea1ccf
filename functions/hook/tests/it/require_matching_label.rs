//! `require-matching-label` end to end: issues and PRs without a `kind/` label get `needs-kind`
//! and the rule's comment, which go once a kind arrives and come back when it goes; anyone may
//! `/check-required-labels`; redeliveries change nothing twice.

use crate::support::{Bench, REPO, open_widget_pr, world};

const PLUGINS: &str = r#"
plugins:
  acme:
    plugins: [require-matching-label]
require_matching_label:
- org: acme
  issues: true
  prs: true
  regexp: "^kind/"
  missing_label: needs-kind
  missing_comment: "Please add a kind label."
"#;

#[tokio::test]
async fn the_missing_label_comes_and_goes_with_a_kind() {
    let bench = Bench::start(world(&["member"]), PLUGINS).await;
    let issue = bench.world().open_issue(REPO, "alice", "A bug");
    let pull = open_widget_pr(&mut bench.world());
    bench.forget_calls();
    bench.settle_delivering(2).await;
    for number in [issue, pull] {
        assert_eq!(bench.labels(REPO, number), ["needs-kind"]);
        let comments = bench.bot_comments(REPO, number);
        assert_eq!(comments.len(), 1, "{comments:?}");
        assert!(comments[0].starts_with("Please add a kind label.\n\n<details>"));
    }
    assert_eq!(bench.label_writes(), 2, "once each: {:?}", bench.writes());

    for number in [issue, pull] {
        bench.world().label_as(REPO, number, "kind/bug", "member");
    }
    bench.forget_calls();
    bench.settle_delivering(2).await;
    for number in [issue, pull] {
        assert_eq!(bench.labels(REPO, number), ["kind/bug"]);
        assert!(bench.bot_comments(REPO, number).is_empty());
    }
    assert_eq!(bench.label_writes(), 2, "removed once each");

    bench.world().unlabel_as(REPO, issue, "kind/bug", "member");
    bench.settle().await;
    assert_eq!(bench.labels(REPO, issue), ["needs-kind"]);
    assert_eq!(bench.bot_comments(REPO, issue).len(), 1);
}

#[tokio::test]
async fn anyone_checks_the_required_labels_again() {
    for who in ["outsider", "alice", "member"] {
        let mut seeded = world(&["member"]);
        let issue = seeded.open_issue(REPO, "alice", "A bug");
        let pull = open_widget_pr(&mut seeded);
        // Seeded without the plugin having seen them open.
        let bench = Bench::start(seeded, PLUGINS).await;
        for number in [issue, pull] {
            bench.comment(number, who, "/check-required-labels");
        }
        bench.settle_delivering(2).await;
        for number in [issue, pull] {
            assert_eq!(bench.labels(REPO, number), ["needs-kind"], "{who}");
            assert_eq!(bench.bot_comments(REPO, number).len(), 1, "{who}");
        }
    }
}
