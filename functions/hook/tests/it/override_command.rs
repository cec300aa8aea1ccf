//! `override` end to end: only a repo admin's `/override` turns a failed context green (with the
//! base branch's SHA in its description), others are told who may; `/override-cancel` puts it
//! back; redeliveries change nothing twice.

use crate::support::{Bench, world};
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
    let pull = seeded.open_pull_request(
        "acme/widgets",
        "alice",
        "feature",
        "Add a widget",
        &[("w.go", "package w")],
    );
    let head = seeded
        .issue("acme/widgets", pull)
        .unwrap()
        .pull
        .clone()
        .unwrap()
        .head_sha;
    let base = seeded.repo("acme/widgets").unwrap().branches["main"].clone();
    seeded.add_status("acme/widgets", &head, "unit", "failure");
    let bench = Bench::start(seeded, PLUGINS).await;

    for who in ["alice", "mike", "wes", "olly"] {
        bench
            .world()
            .comment("acme/widgets", pull, who, "/override unit");
        bench.settle().await;
        assert_eq!(unit_status(&bench, &head).0, "failure", "{who}");
        let told = bench
            .bot_comments("acme/widgets", pull)
            .into_iter()
            .filter(|c| {
                c.starts_with(&format!(
                    "@{who}: {who} unauthorized: /override is restricted to Repo administrators."
                ))
            })
            .count();
        assert_eq!(told, 1, "{who}");
    }

    bench.forget_calls();
    bench
        .world()
        .comment("acme/widgets", pull, "ada", "/override unit");
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
    let writes = bench.writes();
    let statuses = writes
        .iter()
        .filter(|c| c.uri.contains("/statuses/"))
        .count();
    let comments = writes
        .iter()
        .filter(|c| c.method == "POST" && c.uri.ends_with("/comments"))
        .count();
    assert_eq!((statuses, comments), (1, 1), "{writes:#?}");

    bench
        .world()
        .comment("acme/widgets", pull, "ada", "/override-cancel");
    bench.settle_delivering(2).await;
    assert_eq!(
        unit_status(&bench, &head),
        (
            "failure".to_string(),
            "Override cancelled by ada".to_string()
        )
    );
    let cancelled = bench
        .bot_comments("acme/widgets", pull)
        .into_iter()
        .filter(|c| c.starts_with("@ada: Cancelled overrides on behalf of ada: unit"))
        .count();
    assert_eq!(cancelled, 1);
}
