//! `assign` end to end: `/assign` and `/cc` through GitHub's own rules on who may be assigned or
//! asked for a review, the refused told once with upstream's text, and `/unassign`, `/uncc`.

use crate::support::{Bench, open_widget_pr, world};
use github_standin::Permission;

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [assign]\n";

#[tokio::test]
async fn people_are_assigned_and_asked_as_github_allows_and_the_refused_are_told_once() {
    let mut seeded = world(&["alice", "bob"]);
    seeded.add_collaborator("acme/widgets", "carol", Permission::Read);
    seeded.add_team("acme", "reviewers", &["bob"]);
    let pull = open_widget_pr(&mut seeded);
    let bench = Bench::start(seeded, PLUGINS).await;

    // An outsider may use the command; the people it names must be assignable.
    bench.comment(
        pull,
        "outsider",
        "/assign @bob carol mallory\n/cc @carol @acme/reviewers @alice @other/team",
    );
    bench.settle_delivering(2).await;
    let issue = bench.issue(pull);
    assert_eq!(issue.assignees, ["bob", "carol"]);
    assert_eq!(issue.requested_reviewers, ["carol"]);
    assert_eq!(issue.requested_teams, ["reviewers"]);
    let replies = bench.bot_comments("acme/widgets", pull);
    assert_eq!(
        replies.len(),
        2,
        "one reply each, not one per delivery: {replies:#?}"
    );
    assert!(
        replies[0].starts_with("@outsider: GitHub didn't allow me to assign the following users: mallory.\n\nNote that only [acme members](https://github.com/orgs/acme/people)"),
        "{}",
        replies[0]
    );
    assert!(
        replies[1].starts_with("@outsider: GitHub didn't allow me to request PR reviews from the following users: other/team, alice.\n\n"),
        "the other org's team is refused without asking, the author by GitHub: {}",
        replies[1]
    );

    // Someone who commented may be assigned (GitHub allows it), and `/assign` names the commenter.
    bench.comment(pull, "mallory", "/assign");
    bench.settle().await;
    assert_eq!(bench.issue(pull).assignees, ["bob", "carol", "mallory"]);

    bench.comment(pull, "bob", "/unassign\n/uncc @carol @acme/reviewers");
    bench.forget_calls();
    bench.settle().await;
    let issue = bench.issue(pull);
    assert_eq!(issue.assignees, ["carol", "mallory"]);
    assert!(issue.requested_reviewers.is_empty() && issue.requested_teams.is_empty());

    // Assigning who is assigned already asks GitHub nothing.
    bench.comment(pull, "alice", "/assign @carol");
    bench.forget_calls();
    bench.settle().await;
    assert!(bench.writes().is_empty(), "{:#?}", bench.writes());
}
