//! `retitle` end to end: a trusted user renames a pull request; an outsider, and a title with a
//! closing keyword, are refused with upstream's replies.

use crate::support::{Bench, open_widget_pr, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [retitle]\n";

#[tokio::test]
async fn trusted_users_retitle_and_others_are_told_why_not() {
    let mut seeded = world(&["alice", "carol"]);
    let pull = open_widget_pr(&mut seeded);
    let bench = Bench::start(seeded, PLUGINS).await;

    bench.comment(pull, "mallory", "/retitle Mine now");
    bench.settle_delivering(2).await;
    assert_eq!(bench.issue(pull).title, "Add a widget");
    bench.comment(pull, "carol", "/retitle Fixes #3");
    bench.settle().await;
    assert_eq!(bench.issue(pull).title, "Add a widget");
    let replies = bench.bot_comments("acme/widgets", pull);
    assert_eq!(replies.len(), 2, "{replies:#?}");
    assert!(replies[0].starts_with("@mallory: Re-titling can only be requested by trusted users, like repository collaborators."));
    assert!(replies[1].starts_with("@carol: Titles may not contain [keywords]"));

    bench.comment(pull, "carol", "/retitle Add a faster widget");
    bench.settle_delivering(2).await;
    assert_eq!(bench.issue(pull).title, "Add a faster widget");
}
