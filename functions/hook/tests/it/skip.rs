//! `skip` end to end: anyone's `/skip` turns the stale failed or pending statuses of optional
//! jobs into "Skipped" successes, leaves required jobs and jobs the same comment runs alone, and
//! a redelivery sets nothing twice.

use crate::support::{Bench, head_sha, open_widget_pr, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [skip]\n";

const CONFIG: &str = r#"
presubmits:
  acme/widgets:
  - name: unit
    always_run: true
    spec: {containers: [{image: alpine}]}
  - name: lint
    optional: true
    always_run: true
    spec: {containers: [{image: alpine}]}
  - name: e2e
    optional: true
    spec: {containers: [{image: alpine}]}
  - name: docs
    optional: true
    spec: {containers: [{image: alpine}]}
"#;

/// The bench with a PR whose `unit` (required) and `lint` fail, `e2e` is pending and `docs`
/// passed.
async fn bench() -> (Bench, u64, String) {
    let mut seeded = world(&["member"]);
    let pull = open_widget_pr(&mut seeded);
    let head = head_sha(&seeded, pull);
    for (context, state) in [
        ("unit", "failure"),
        ("lint", "failure"),
        ("e2e", "pending"),
        ("docs", "success"),
    ] {
        seeded.add_status("acme/widgets", &head, context, state);
    }
    (Bench::start_with(seeded, CONFIG, PLUGINS).await, pull, head)
}

/// Each context's latest (state, description) on `sha`.
fn statuses(bench: &Bench, sha: &str) -> Vec<(String, String, String)> {
    bench
        .world()
        .combined_statuses("acme/widgets", sha)
        .into_iter()
        .map(|s| (s.context, s.state, s.description))
        .collect()
}

fn status(context: &str, state: &str, description: &str) -> (String, String, String) {
    (context.into(), state.into(), description.into())
}

#[tokio::test]
async fn anyone_skips_the_stale_optional_jobs_once() {
    for who in ["outsider", "alice", "member"] {
        let (bench, pull, head) = bench().await;
        bench.comment(pull, who, "/skip");
        bench.forget_calls();
        bench.settle_delivering(2).await;
        assert_eq!(
            statuses(&bench, &head),
            [
                status("docs", "success", ""),
                status("e2e", "success", "Skipped"),
                status("lint", "success", "Skipped"),
                status("unit", "failure", ""),
            ],
            "{who}"
        );
        let status_writes = bench.count_writes(|c| c.uri.contains("/statuses/"));
        assert_eq!(
            status_writes, 2,
            "the redelivery finds nothing stale: {who}"
        );
        assert!(bench.bot_comments("acme/widgets", pull).is_empty());
    }
}

#[tokio::test]
async fn jobs_the_comment_runs_are_not_skipped_and_issues_are_left_alone() {
    let (bench, pull, head) = bench().await;
    bench.comment(pull, "member", "/skip\n/test e2e");
    bench.settle().await;
    assert_eq!(
        statuses(&bench, &head),
        [
            status("docs", "success", ""),
            status("e2e", "pending", ""),
            status("lint", "success", "Skipped"),
            status("unit", "failure", ""),
        ]
    );

    let issue = bench.world().open_issue("acme/widgets", "alice", "A bug");
    bench.comment(issue, "member", "/skip");
    bench.forget_calls();
    bench.settle().await;
    assert!(bench.writes().is_empty(), "{:?}", bench.writes());
}
