//! `override` end to end: only a repo admin's `/override` turns a failed context green (with the
//! base branch's SHA in its description), others are told who may; `/override-cancel` puts it
//! back; redeliveries change nothing twice.

use crate::support::{Bench, head_sha, open_widget_pr, world};
use github_standin::Permission;

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [override]\n";

fn unit_status(bench: &Bench, head: &str) -> (String, String) {
    bench
        .world()
        .combined_statuses("acme/widgets", head)
        .into_iter()
        .find(|s| s.context == "unit")
        .map(|s| (s.state, s.description))
        .unwrap_or_default()
}

#[tokio::test]
async fn admins_override_and_cancel_others_are_told_who_may() {
    let mut seeded = world(&["alice", "mike"]);
    seeded.add_collaborator("acme/widgets", "ada", Permission::Admin);
    seeded.add_collaborator("acme/widgets", "wes", Permission::Write);
    let pull = open_widget_pr(&mut seeded);
    let head = head_sha(&seeded, pull);
    let base = seeded.repo("acme/widgets").unwrap().branches["main"].clone();
    seeded.add_status("acme/widgets", &head, "unit", "failure");
    let bench = Bench::start(seeded, PLUGINS).await;

    for who in ["alice", "mike", "wes", "olly"] {
        bench.comment(pull, who, "/override unit");
        bench.settle().await;
        assert_eq!(unit_status(&bench, &head).0, "failure", "{who}");
        let told = bench.bot_comments_starting(
            "acme/widgets",
            pull,
            &format!("@{who}: {who} unauthorized: /override is restricted to Repo administrators."),
        );
        assert_eq!(told.len(), 1, "{who}");
    }

    bench.forget_calls();
    bench.comment(pull, "ada", "/override unit");
    bench.settle_delivering(2).await;
    let (state, description) = unit_status(&bench, &head);
    assert_eq!(state, "success");
    assert!(
        description.starts_with("Overridden by ada"),
        "{description}"
    );
    assert!(
        description.ends_with(&format!(" BaseSHA:{base}")),
        "{description}"
    );
    let statuses = bench.count_writes(|c| c.uri.contains("/statuses/"));
    let comments = bench.count_writes(|c| c.method == "POST" && c.uri.ends_with("/comments"));
    assert_eq!((statuses, comments), (1, 1), "{:#?}", bench.writes());

    bench.comment(pull, "ada", "/override-cancel");
    bench.settle_delivering(2).await;
    assert_eq!(
        unit_status(&bench, &head),
        (
            "failure".to_string(),
            "Override cancelled by ada".to_string()
        )
    );
    let cancelled = bench.bot_comments_starting(
        "acme/widgets",
        pull,
        "@ada: Cancelled overrides on behalf of ada: unit",
    );
    assert_eq!(cancelled.len(), 1);
}
