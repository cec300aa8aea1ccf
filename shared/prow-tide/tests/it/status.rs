//! The `tide` context each pull request in scope shows, with upstream's texts.

use crate::support::{F, JOBS, S, config, pool, pr};
use prow_config::TideQuery;
use prow_tide::pool::{Context, ContextState, MergeState};
use prow_tide::status::{Expected, MergeBlocksPolicy, StatusInput, expected};

fn query(json: &str) -> TideQuery {
    serde_json::from_str(json).unwrap()
}

fn show(state: &'static str, description: &str) -> Expected {
    Expected {
        state,
        description: description.to_string(),
    }
}

#[test]
fn why_a_pull_request_is_not_in_the_pool() {
    let config = config("", JOBS);
    let pool = pool(&config, vec![], vec![]);
    let main = query(
        r#"{"repos": ["k/a"], "labels": ["lgtm", "approved"], "missingLabels": ["do-not-merge/hold", "do-not-merge/work-in-progress"], "excludedBranches": ["old"]}"#,
    );
    let by_bot = query(r#"{"repos": ["k/a"], "author": "Bot", "labels": ["skip-review"]}"#);
    let milestone = query(r#"{"repos": ["k/a"], "labels": ["lgtm"], "milestone": "v1.2"}"#);
    let reviewed = query(r#"{"repos": ["k/a"], "reviewApprovedRequired": true}"#);
    let status = |pr: &prow_tide::PullRequest, queries: &[&TideQuery], blocks| {
        expected(
            pr,
            &StatusInput {
                blocks,
                ..StatusInput::new(queries, &pool.policy)
            },
        )
    };
    let green = [("unit", S)];
    let with = |labels: &[&str], change: &dyn Fn(&mut prow_tide::PullRequest)| {
        let mut p = pr(1, &green);
        p.labels = labels.iter().map(|l| l.to_string()).collect();
        change(&mut p);
        p
    };
    let permit = MergeBlocksPolicy::Permit;
    for (name, pr, queries, blocks, description) in [
        (
            "one label missing",
            with(&["lgtm"], &|_| {}),
            vec![&main],
            permit,
            "Not mergeable. Needs approved label.",
        ),
        (
            "two labels missing, sorted",
            with(&[], &|_| {}),
            vec![&main],
            permit,
            "Not mergeable. Needs approved, lgtm labels.",
        ),
        (
            "a forbidden label",
            with(&["lgtm", "approved", "do-not-merge/hold"], &|_| {}),
            vec![&main],
            permit,
            "Not mergeable. Should not have do-not-merge/hold label.",
        ),
        (
            "a forbidden branch first",
            with(&[], &|p| p.base_ref = "old".into()),
            vec![&main],
            permit,
            "Not mergeable. Merging to branch old is forbidden.",
        ),
        (
            "a failing job",
            with(&["lgtm", "approved"], &|p| {
                p.contexts[0].state = ContextState::Failure
            }),
            vec![&main],
            permit,
            "Not mergeable. Job unit has not succeeded.",
        ),
        (
            "the nearest query speaks",
            with(&["skip-review"], &|p| {
                p.author = "bot".into();
                p.contexts[0].state = ContextState::Failure;
            }),
            vec![&main, &by_bot],
            permit,
            "Not mergeable. Job unit has not succeeded.",
        ),
        (
            "the author",
            with(&["skip-review"], &|_| {}),
            vec![&by_bot],
            permit,
            "Not mergeable. Must be by author bot.",
        ),
        (
            "the milestone",
            with(&["lgtm"], &|_| {}),
            vec![&milestone],
            permit,
            "Not mergeable. Must be in milestone v1.2.",
        ),
        (
            "a GitHub review",
            with(&[], &|_| {}),
            vec![&reviewed],
            permit,
            "Not mergeable. PullRequest is missing sufficient approving GitHub review(s)",
        ),
        (
            "GitHub's block under block",
            with(&["lgtm", "approved"], &|p| {
                p.merge_state = MergeState::Blocked
            }),
            vec![&main],
            MergeBlocksPolicy::Block,
            "Not mergeable. Blocked by GitHub (branch rulesets or protection)",
        ),
    ] {
        let queries: Vec<&TideQuery> = queries;
        assert_eq!(
            status(&pr, &queries, blocks),
            show("pending", description),
            "{name}"
        );
    }
}

#[test]
fn in_the_pool_retesting_and_blocked() {
    let config = config("", JOBS);
    let pool = pool(&config, vec![], vec![]);
    let green = pr(1, &[("unit", S), ("lint", F)]);
    let input = |passing: &'static [String], blockers: &'static [u64], in_pool| StatusInput {
        in_pool,
        blockers,
        passing,
        ..StatusInput::new(&[], &pool.policy)
    };
    static UNIT: std::sync::LazyLock<Vec<String>> =
        std::sync::LazyLock::new(|| vec!["unit".into()]);
    let unit: &'static [String] = UNIT.as_slice();
    assert_eq!(
        expected(&green, &input(unit, &[], true)),
        show("success", "In merge pool.")
    );
    assert_eq!(
        expected(&green, &input(&[], &[], true)),
        show("pending", "Not mergeable. Retesting: unit")
    );
    let mut blocked = green.clone();
    blocked.merge_state = MergeState::Blocked;
    assert_eq!(
        expected(&blocked, &input(unit, &[], true)),
        show("success", "In merge pool (despite BLOCKED).")
    );
    assert_eq!(
        expected(&green, &input(&[], &[12, 40], false)),
        show(
            "error",
            "Not mergeable. Merging is blocked by issues 12, 40."
        )
    );
    let refused = StatusInput {
        not_allowed: Some("Merge type \"rebase\" disallowed by repo settings"),
        ..input(unit, &[], true)
    };
    assert_eq!(
        expected(&green, &refused),
        show(
            "error",
            "Not mergeable. Merge type \"rebase\" disallowed by repo settings"
        )
    );
}

#[test]
fn long_descriptions_fit_github_s_limit() {
    let jobs: String = (0..12)
        .map(|i| format!("  - name: pull-kubernetes-e2e-job-{i}\n    always_run: true\n    spec: {{containers: [{{image: x}}]}}\n"))
        .collect();
    let config = config("", &format!("presubmits:\n  k/a:\n{jobs}"));
    let pool = pool(&config, vec![], vec![]);
    let pr = pr(1, &[]);
    let status = expected(
        &pr,
        &StatusInput {
            in_pool: true,
            ..StatusInput::new(&[], &pool.policy)
        },
    );
    assert_eq!(status.description, "Not mergeable. Retesting 12 jobs.");

    let many: Vec<String> = (0..12)
        .map(|i| format!("needs-a-rather-long-label-{i}"))
        .collect();
    let labels = query(&serde_json::json!({"repos": ["k/a"], "labels": many}).to_string());
    let status = expected(&pr, &StatusInput::new(&[&labels], &pool.policy));
    assert_eq!(
        status.description, "Not mergeable. Needs needs-a-rather-long-label-0 label.",
        "one long label fills the room"
    );
    assert!(status.description.len() <= 140);
}

#[test]
fn every_query_when_asked_and_nothing_written_when_shown() {
    let config = config("", JOBS);
    let pool = pool(&config, vec![], vec![]);
    let lgtm = query(r#"{"repos": ["k/a"], "labels": ["lgtm"]}"#);
    let release = query(
        r#"{"repos": ["k/a"], "labels": ["cherry-pick-approved"], "includedBranches": ["release"]}"#,
    );
    let bot = query(r#"{"repos": ["k/a"], "author": "bot"}"#);
    let mut pr = pr(1, &[("unit", S)]);
    pr.labels.clear();
    let input = |queries| StatusInput {
        display_all_queries: true,
        ..StatusInput::new(queries, &pool.policy)
    };
    let all = [&lgtm, &release, &bot];
    assert_eq!(
        expected(&pr, &input(&all)).description,
        "Not mergeable. Needs lgtm label OR Must be by author bot."
    );
    let release_only = [&release];
    assert_eq!(
        expected(&pr, &input(&release_only)).description,
        "Not mergeable. No Tide query for branch main found."
    );
    let lgtm_only = [&lgtm];
    let wanted = expected(&pr, &input(&lgtm_only));
    assert!(!wanted.shown_on(&pr));
    pr.contexts.push(Context::new(
        "tide",
        ContextState::Pending,
        &wanted.description,
    ));
    assert!(wanted.shown_on(&pr));
}
