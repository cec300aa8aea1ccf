//! `label` end to end: anyone sets the prefixed labels the repository has, only org members
//! accept triage, only a restricted label's users and teams set or take it off, taking the last
//! kind off asks for one, and a label named in `assign_on` assigns the restricted label's users;
//! each change and reply made once however often GitHub delivers the comment.

use crate::support::{Bench, REPO, world};
use github_standin::Permission;

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [label]\nlabel:\n  restricted_labels:\n    acme:\n    - label: cve\n      allowed_teams: [security-team]\n      allowed_users: [carol]\n      assign_on:\n      - label: security\n";

#[tokio::test]
async fn who_may_set_which_label_and_redeliveries_change_nothing_twice() {
    let mut seeded = world(&["alice"]);
    seeded.add_team("acme", "security-team", &["sam"]);
    seeded.add_collaborator(REPO, "carol", Permission::Write);
    for label in ["kind/bug", "triage/accepted", "needs-kind", "cve"] {
        seeded.add_label(REPO, label);
    }
    let issue = seeded.open_issue(REPO, "outsider", "A bug");
    let bench = Bench::start(seeded, PLUGINS).await;
    bench.settle().await;

    // Anyone: a prefixed label the repository has; one it lacks gets upstream's reply.
    bench.forget_calls();
    bench.comment(issue, "outsider", "/kind bug\n/area infra");
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels(REPO, issue), ["kind/bug"]);
    assert_eq!(
        bench.label_writes(),
        1,
        "the redelivery finds the label set"
    );

    // Who may accept triage: an org member, not an outsider.
    bench.comment(issue, "outsider", "/triage accepted");
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels(REPO, issue), ["kind/bug"]);
    bench.comment(issue, "alice", "/triage accepted");
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels(REPO, issue), ["kind/bug", "triage/accepted"]);

    // Who may set or take off a restricted label: its team and its users, not an org member.
    for (who, body, expected) in [
        ("alice", "/label cve", false),
        ("sam", "/label cve", true),
        ("outsider", "/remove-label cve", true),
        ("carol", "/remove-label cve", false),
        ("carol", "/label CVE", true),
    ] {
        bench.comment(issue, who, body);
        bench.settle_delivering(2).await;
        let has_cve = bench.labels(REPO, issue).contains(&"cve".to_string());
        assert_eq!(has_cve, expected, "{who}: {body}");
    }

    // The last kind taken off asks for one.
    bench.comment(issue, "outsider", "/remove-kind bug");
    bench.settle_delivering(2).await;
    assert_eq!(
        bench.labels(REPO, issue),
        ["cve", "needs-kind", "triage/accepted"]
    );

    let replies = bench.bot_comments(REPO, issue);
    assert_eq!(replies.len(), 4, "one per refusal: {replies:#?}");
    assert!(replies[0].starts_with(
        "@outsider: The label(s) `area/infra` cannot be applied, because the repository doesn't have them."
    ));
    assert!(replies[1].starts_with("@outsider: The label `triage/accepted` cannot be applied. Only GitHub organization members can add the label."));
    assert!(replies[2].starts_with("@alice: The label(s) `cve` cannot be applied or removed, because you are not in one of the allowed teams and are not an allowed user. Must be a member of one of these teams: security-team"));
    assert!(replies[3].starts_with("@outsider: The label(s) `cve` cannot be applied or removed"));
}

#[tokio::test]
async fn a_label_named_in_assign_on_assigns_the_restricted_labels_users_once() {
    let mut seeded = world(&["alice"]);
    seeded.add_collaborator(REPO, "carol", Permission::Write);
    let pull = seeded.open_pull_request(REPO, "alice", "feature", "Fix", &[("w.go", "package w")]);
    let bench = Bench::start(seeded, PLUGINS).await;
    bench.settle().await;

    bench.forget_calls();
    bench.world().label_as(REPO, pull, "security", "alice");
    bench.settle_delivering(2).await;
    assert_eq!(bench.issue(pull).assignees, ["carol"]);
    let assigns = bench.count_writes(|c| c.uri.ends_with("/assignees"));
    assert_eq!(assigns, 1, "the redelivery finds carol assigned");
}
