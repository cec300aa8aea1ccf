//! `lifecycle` end to end: `/close` and `/reopen` for the author and collaborators (anyone for a
//! stale issue), `/lifecycle` labels for anyone, each said once however often it is delivered.

use crate::support::{Bench, open_widget_pr, world};
use github_standin::Permission;

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [lifecycle]\n";

#[tokio::test]
async fn close_reopen_and_lifecycle_labels_follow_upstream_s_rules() {
    let mut seeded = world(&["alice"]);
    seeded.add_collaborator("acme/widgets", "carol", Permission::Write);
    let bench = Bench::start(seeded, PLUGINS).await;
    let issue = bench.world().open_issue("acme/widgets", "alice", "A bug");
    bench.settle().await;

    // An outsider may not close an active issue.
    bench.comment(issue, "mallory", "/close");
    bench.settle_delivering(2).await;
    assert!(bench.issue(issue).open);
    let replies = bench.bot_comments("acme/widgets", issue);
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert!(replies[0].starts_with(
        "@mallory: You can't close an active issue/PR unless you authored it or you are a collaborator."
    ));

    // Anyone flags it; a stale issue anyone may close.
    bench.comment(issue, "mallory", "/lifecycle stale");
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", issue), ["lifecycle/stale"]);
    bench.comment(issue, "mallory", "/lifecycle rotten");
    bench.settle().await;
    assert_eq!(bench.labels("acme/widgets", issue), ["lifecycle/rotten"]);
    bench.comment(issue, "mallory", "/close not-planned");
    bench.settle_delivering(2).await;
    let closed = bench.issue(issue);
    assert!(!closed.open);
    assert_eq!(closed.state_reason.as_deref(), Some("not_planned"));
    let replies = bench.bot_comments("acme/widgets", issue);
    assert_eq!(replies.len(), 2, "{replies:#?}");
    assert!(replies[1].starts_with("@mallory: Closing this issue, marking it as \"Not Planned\"."));

    // Reopening is the author's or a collaborator's.
    bench.comment(issue, "mallory", "/reopen");
    bench.settle().await;
    assert!(!bench.issue(issue).open);
    bench.comment(issue, "carol", "/reopen\n/remove-lifecycle rotten");
    bench.settle().await;
    let reopened = bench.issue(issue);
    assert!(reopened.open);
    assert!(reopened.labels.is_empty());
    let replies = bench.bot_comments("acme/widgets", issue);
    assert!(
        replies[3].starts_with("@carol: Reopened this issue."),
        "{replies:#?}"
    );
}

#[tokio::test]
async fn pull_requests_close_but_never_freeze() {
    let seeded = world(&["alice"]);
    let bench = Bench::start(seeded, PLUGINS).await;
    let pull = open_widget_pr(&mut bench.world());
    bench.settle().await;
    bench.comment(pull, "alice", "/lifecycle frozen\n/close not-planned");
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
    assert!(bench.issue(pull).open);
    bench.comment(pull, "alice", "/close");
    bench.settle().await;
    assert!(!bench.issue(pull).open);
    let replies = bench.bot_comments("acme/widgets", pull);
    assert_eq!(replies.len(), 3, "{replies:#?}");
    assert!(replies[0].contains("PRs cannot be closed as Not Planned."));
    assert!(
        replies[1].contains("The `lifecycle/frozen` label cannot be applied to Pull Requests.")
    );
    assert!(replies[2].starts_with("@alice: Closed this PR."));
}
