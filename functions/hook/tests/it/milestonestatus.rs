//! `milestonestatus` end to end: only the maintainers team adds `status/*` labels; anyone else
//! gets upstream's refusal; redeliveries write nothing twice.

use crate::support::{Bench, open_widget_pr, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [milestonestatus]\nrepo_milestone:\n  \"\":\n    maintainers_team: release-team\n    maintainers_friendly_name: release leads\n";

#[tokio::test]
async fn only_the_maintainers_team_adds_status_labels() {
    let mut seeded = world(&["alice"]);
    seeded.add_team("acme", "release-team", &["maura"]);
    let bench = Bench::start(seeded, PLUGINS).await;
    let pull = open_widget_pr(&mut bench.world());
    let issue = bench.world().open_issue("acme/widgets", "alice", "A bug");
    bench.settle().await;

    bench.forget_calls();
    bench.comment(pull, "maura", "/status in-review\n/status in-valid");
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), ["status/in-review"]);
    assert_eq!(bench.label_writes(), 1, "the redelivery finds the label");

    bench.comment(issue, "maura", "/status approved-for-milestone");
    bench.settle().await;
    assert_eq!(
        bench.labels("acme/widgets", issue),
        ["status/approved-for-milestone"]
    );

    for login in ["alice", "outsider"] {
        bench.comment(pull, login, "/status in-progress");
    }
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), ["status/in-review"]);
    // Upstream's refusal names no one, so it is said once on the issue.
    assert_eq!(
        bench.bot_comments("acme/widgets", pull),
        [
            "You must be a member of the [acme/release-team](https://github.com/orgs/acme/teams/release-team/members) GitHub team to add status labels. If you believe you should be able to issue the /status command, please contact your release leads and have them propose you as an additional delegate for this responsibility."
        ]
    );
}
