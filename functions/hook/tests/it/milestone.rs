//! `milestone` end to end: only the maintainers team sets or clears a milestone; others, and a
//! milestone that is not open, get upstream's replies, each said once however often GitHub
//! delivers the comment.

use crate::support::{Bench, open_widget_pr, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [milestone]\nrepo_milestone:\n  \"\":\n    maintainers_team: release-team\n    maintainers_friendly_name: release leads\n";

fn milestone_of(bench: &Bench, number: u64) -> Option<u64> {
    bench
        .world()
        .issue("acme/widgets", number)
        .and_then(|i| i.milestone)
}

#[tokio::test]
async fn only_the_maintainers_team_sets_and_clears_milestones() {
    let mut seeded = world(&["alice"]);
    seeded.add_team("acme", "release-team", &["maura"]);
    let v1 = seeded.add_milestone("acme/widgets", "v1.0");
    let v2 = seeded.add_milestone("acme/widgets", "v1.1");
    let bench = Bench::start(seeded, PLUGINS).await;
    let pull = open_widget_pr(&mut bench.world());
    let issue = bench.world().open_issue("acme/widgets", "alice", "A bug");
    bench.settle().await;

    // Who may: the team, on pull requests and issues alike.
    for (number, body, expected) in [
        (pull, "/milestone v1.0", Some(v1)),
        (issue, "/milestone v1.1", Some(v2)),
        (pull, "/milestone clear", None),
        (issue, "Triage:\n/milestone v1.0\r\n", Some(v1)),
    ] {
        bench.comment(number, "maura", body);
        bench.settle_delivering(2).await;
        assert_eq!(milestone_of(&bench, number), expected, "{body:?}");
    }

    // Who may not: an org member outside the team, an outsider, the issue's author.
    for login in ["alice", "outsider"] {
        bench.comment(issue, login, "/milestone v1.1");
        bench.settle_delivering(2).await;
        assert_eq!(milestone_of(&bench, issue), Some(v1), "{login}");
    }
    let refusals = bench.bot_comments("acme/widgets", issue);
    assert_eq!(
        refusals.len(),
        2,
        "one each, not one per delivery: {refusals:#?}"
    );
    assert!(refusals[0].starts_with("@alice: You must be a member of the [acme/release-team](https://github.com/orgs/acme/teams/release-team/members) GitHub team to set the milestone."));
    assert!(refusals[0].contains("please contact your release leads and have them"));

    bench.comment(pull, "maura", "/milestone v9");
    bench.settle_delivering(2).await;
    let replies = bench.bot_comments("acme/widgets", pull);
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert!(replies[0].starts_with("@maura: The provided milestone is not valid for this repository. Milestones in this repository: [`v1.0`, `v1.1`]\n\nUse `/milestone clear` to clear the milestone."));
}
