//! The pool decision, one case per branch of upstream's `takeAction` and what feeds it.

use crate::support::{BASE, F, JOBS, P, S, batch, config, pool, pr, run};
use prow_tide::decide::{Action, PoolSettings, decide};
use prow_tide::pool::{Context, ContextState, RunState};

fn settings() -> PoolSettings {
    PoolSettings::default()
}

/// The action and its targets and jobs.
fn outcome(decision: &prow_tide::Decision) -> (Action, Vec<u64>, Vec<String>) {
    (
        decision.action,
        decision.targets.clone(),
        decision.jobs.clone(),
    )
}

fn jobs(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn each_branch_of_the_decision_in_upstream_s_order() {
    let config = config("", JOBS);
    let green = [("unit", S), ("lint", F)];
    use RunState::{Failure as Failed, Pending as Running, Success as Passed};
    for (name, prs, runs, blocked, expected) in [
        (
            "a passing batch merges first, even with a passing single",
            vec![pr(1, &green), pr(2, &green), pr(3, &green)],
            vec![batch(&[1, 2], "unit", Passed), run(3, "unit", Passed)],
            false,
            (Action::MergeBatch, vec![1, 2], jobs(&[])),
        ),
        (
            "one passing pull request merges",
            vec![pr(1, &green), pr(2, &[("unit", P)])],
            vec![run(1, "unit", Passed), run(2, "unit", Running)],
            false,
            (Action::Merge, vec![1], jobs(&[])),
        ),
        (
            "no merge while a batch runs; the batch with the next one is tested meanwhile",
            vec![pr(1, &green), pr(2, &green), pr(3, &green)],
            vec![run(3, "unit", Passed), batch(&[1, 2], "unit", Running)],
            false,
            (Action::TriggerBatch, vec![1, 2, 3], jobs(&["unit"])),
        ),
        (
            "with both running, nothing more starts",
            vec![pr(1, &green), pr(2, &green), pr(3, &green)],
            vec![
                run(3, "unit", Passed),
                batch(&[1, 2], "unit", Running),
                batch(&[1, 2, 3], "unit", Running),
            ],
            false,
            (Action::Wait, vec![], jobs(&[])),
        ),
        (
            "the speculative batch passing first merges everyone in it",
            vec![pr(1, &green), pr(2, &green), pr(3, &green)],
            vec![
                batch(&[1, 2], "unit", Running),
                batch(&[1, 2, 3], "unit", Passed),
            ],
            false,
            (Action::MergeBatch, vec![1, 2, 3], jobs(&[])),
        ),
        (
            "eligible pull requests start a batch, oldest first",
            vec![pr(3, &green), pr(1, &green), pr(2, &green)],
            vec![],
            false,
            (Action::TriggerBatch, vec![1, 2, 3], jobs(&["unit"])),
        ),
        (
            "a failing head context keeps a pull request out of the batch",
            vec![pr(1, &green), pr(2, &[("unit", F)]), pr(3, &green)],
            vec![],
            false,
            (Action::TriggerBatch, vec![1, 3], jobs(&["unit"])),
        ),
        (
            "one eligible pull request is retested alone",
            vec![pr(1, &[("unit", F)]), pr(2, &green)],
            vec![run(1, "unit", Failed)],
            false,
            (Action::Trigger, vec![2], jobs(&["unit"])),
        ),
        (
            "a pull request whose required context never reported is not eligible",
            vec![pr(1, &[("lint", S)])],
            vec![],
            false,
            (Action::Wait, vec![], jobs(&[])),
        ),
        (
            "a result for an older head does not count",
            vec![pr(1, &green)],
            vec![{
                let mut old = run(1, "unit", Passed);
                old.pulls[0].1 = "old".into();
                old
            }],
            false,
            (Action::Trigger, vec![1], jobs(&["unit"])),
        ),
        (
            "a batch whose pull request moved on is ignored",
            vec![pr(1, &green), pr(2, &green)],
            vec![{
                let mut moved = batch(&[1, 2], "unit", Passed);
                moved.pulls[1].1 = "old".into();
                moved
            }],
            false,
            (Action::TriggerBatch, vec![1, 2], jobs(&["unit"])),
        ),
        (
            "a blocker issue stops the pool",
            vec![pr(1, &green)],
            vec![run(1, "unit", Passed)],
            true,
            (Action::Blocked, vec![], jobs(&[])),
        ),
    ] {
        let pool = pool(&config, prs, runs);
        let decision = decide(&pool, &settings(), blocked).unwrap();
        assert_eq!(outcome(&decision), expected, "{name}");
    }
}

#[test]
fn a_green_status_that_names_the_base_outlives_its_prowjob() {
    let config = config("", JOBS);
    let mut reused = pr(1, &[("lint", S)]);
    reused.contexts.push(Context::new(
        "unit",
        ContextState::Success,
        &format!("Job succeeded. BaseSHA:{BASE}"),
    ));
    let mut other_base = pr(2, &[("lint", S)]);
    other_base.contexts.push(Context::new(
        "unit",
        ContextState::Success,
        &format!("Job succeeded. BaseSHA:{}", "c".repeat(40)),
    ));
    let pool = pool(&config, vec![reused, other_base], vec![]);
    let decision = decide(&pool, &settings(), false).unwrap();
    assert_eq!(decision.accumulated.success, [1]);
    assert_eq!(decision.accumulated.missing, [2]);
    assert_eq!(outcome(&decision), (Action::Merge, vec![1], jobs(&[])));
}

#[test]
fn priority_labels_go_first_then_the_lowest_number() {
    let config = config("", JOBS);
    let green = [("unit", S)];
    let mut bug = pr(5, &green);
    bug.labels.push("kind/bug".into());
    let runs = vec![
        run(2, "unit", RunState::Success),
        run(5, "unit", RunState::Success),
    ];
    let pool = pool(&config, vec![pr(2, &green), bug], runs);
    let plain = decide(&pool, &settings(), false).unwrap();
    assert_eq!(plain.targets, [2]);
    let prioritised = PoolSettings {
        priorities: vec![vec!["kind/flake,kind/bug".into()]],
        ..settings()
    };
    assert_eq!(decide(&pool, &prioritised, false).unwrap().targets, [5]);
}

#[test]
fn batch_size_limits_and_existing_batches() {
    let config = config("", JOBS);
    let green = [("unit", S)];
    let prs = || (1..=4).map(|n| pr(n, &green)).collect::<Vec<_>>();
    let limited = PoolSettings {
        batch_size_limit: 2,
        ..settings()
    };
    let decision = decide(&pool(&config, prs(), vec![]), &limited, false).unwrap();
    assert_eq!(
        outcome(&decision),
        (Action::TriggerBatch, vec![1, 2], jobs(&["unit"]))
    );

    let no_batches = PoolSettings {
        batch_size_limit: -1,
        ..settings()
    };
    let decision = decide(&pool(&config, prs(), vec![]), &no_batches, false).unwrap();
    assert_eq!(
        outcome(&decision),
        (Action::Trigger, vec![1], jobs(&["unit"]))
    );

    // Upstream's way with a batch that failed for one job but passed another: it is reused
    // before a new one is made.
    let upstream = PoolSettings {
        bisect: false,
        ..settings()
    };
    let runs = vec![
        batch(&[2, 4], "unit", RunState::Failure),
        batch(&[2, 4], "docs", RunState::Success),
    ];
    let decision = decide(&pool(&config, prs(), runs.clone()), &upstream, false).unwrap();
    assert_eq!(
        outcome(&decision),
        (Action::TriggerBatch, vec![2, 4], jobs(&["unit"]))
    );
    let fresh = PoolSettings {
        prioritize_existing_batches: false,
        ..upstream
    };
    let decision = decide(&pool(&config, prs(), runs), &fresh, false).unwrap();
    assert_eq!(decision.targets, [1, 2, 3, 4]);
}

#[test]
fn run_if_changed_jobs_are_required_by_the_pull_requests_that_touch_their_files() {
    let config = config("", JOBS);
    let green = [("unit", S), ("docs", S)];
    let mut pool = pool(&config, vec![pr(1, &green), pr(2, &green)], vec![]);
    pool.changes.insert(2, vec!["docs/guide.md".into()]);
    assert_eq!(
        pool.required_presubmits(&[1])
            .unwrap()
            .iter()
            .map(|p| p.base.name.as_str())
            .collect::<Vec<_>>(),
        ["unit"]
    );
    let decision = decide(&pool, &settings(), false).unwrap();
    assert_eq!(
        outcome(&decision),
        (Action::TriggerBatch, vec![1, 2], jobs(&["unit", "docs"]))
    );
    pool.changes.remove(&2);
    assert!(
        decide(&pool, &settings(), false).is_err(),
        "the changes are asked for"
    );
}

#[test]
fn a_pool_without_presubmits_waits() {
    let config = config("", "");
    let pool = pool(&config, vec![pr(1, &[]), pr(2, &[])], vec![]);
    let decision = decide(&pool, &settings(), false).unwrap();
    assert_eq!(
        decision.action,
        Action::Merge,
        "nothing required: every pull request passes"
    );
    let failing = pool_with_failing_context(&config);
    assert_eq!(
        decide(&failing, &settings(), false).unwrap().action,
        Action::Wait
    );
}

fn pool_with_failing_context(config: &prow_config::Config) -> prow_tide::Subpool<'_> {
    pool(config, vec![pr(1, &[("external", F)])], vec![])
}

#[test]
fn a_failed_batch_is_bisected_where_upstream_runs_it_again() {
    let config = config("", JOBS);
    let green = [("unit", S)];
    let prs = || (1..=5).map(|n| pr(n, &green)).collect::<Vec<_>>();
    let failed = vec![batch(&[1, 2, 3, 4, 5], "unit", RunState::Failure)];
    let decision = decide(&pool(&config, prs(), failed.clone()), &settings(), false).unwrap();
    assert_eq!(decision.action, Action::Bisect);
    assert_eq!(decision.groups, [vec![1, 2, 3], vec![4, 5]]);
    assert_eq!(decision.jobs, jobs(&["unit"]));
    let upstream = PoolSettings {
        bisect: false,
        ..settings()
    };
    let decision = decide(&pool(&config, prs(), failed.clone()), &upstream, false).unwrap();
    assert_eq!(
        outcome(&decision),
        (Action::TriggerBatch, vec![1, 2, 3, 4, 5], jobs(&["unit"]))
    );

    // Halves running: nothing more starts; a half that broke is bisected in its turn, and a
    // half of one pull request is tested alone.
    let mut runs = failed.clone();
    runs.push(batch(&[1, 2, 3], "unit", RunState::Pending));
    runs.push(batch(&[4, 5], "unit", RunState::Pending));
    let decision = decide(&pool(&config, prs(), runs), &settings(), false).unwrap();
    assert_ne!(decision.action, Action::Bisect);
    assert_ne!(decision.action, Action::TriggerBatch);
    let mut runs = failed;
    runs.push(batch(&[1, 2, 3], "unit", RunState::Failure));
    runs.push(batch(&[4, 5], "unit", RunState::Success));
    let decision = decide(&pool(&config, prs(), runs.clone()), &settings(), false).unwrap();
    assert_eq!(
        outcome(&decision),
        (Action::MergeBatch, vec![4, 5], jobs(&[]))
    );
    let mut suspect = pool(&config, prs().into_iter().take(3).collect(), vec![]);
    suspect.suspects = vec![vec![1, 2, 3]];
    let decision = decide(&suspect, &settings(), false).unwrap();
    assert_eq!(decision.action, Action::Bisect);
    assert_eq!(decision.groups, [vec![1, 2], vec![3]]);
}

#[test]
fn one_batch_at_a_time_is_upstream_s_way() {
    let config = config("", JOBS);
    let green = [("unit", S)];
    let runs = vec![
        run(3, "unit", RunState::Success),
        batch(&[1, 2], "unit", RunState::Pending),
    ];
    let pool = pool(
        &config,
        vec![pr(1, &green), pr(2, &green), pr(3, &green)],
        runs,
    );
    let upstream = PoolSettings {
        batches_in_flight: 1,
        ..settings()
    };
    assert_eq!(
        outcome(&decide(&pool, &upstream, false).unwrap()),
        (Action::Wait, vec![], jobs(&[]))
    );
}

#[test]
fn a_pull_requests_own_presubmit_is_waited_for_by_that_pull_request_only() {
    let config = config("", JOBS);
    let own = prow_config::load_in_repo(
        &config,
        "k/a",
        &[prow_config::Source::new(
            ".prow.yaml",
            "presubmits:\n- name: own\n  always_run: true\n  spec: {containers: [{image: alpine}]}\n",
        )],
    )
    .unwrap();
    let green = [("unit", S), ("lint", F)];
    let mut pool = pool(
        &config,
        vec![pr(1, &green), pr(2, &green)],
        vec![
            run(1, "unit", RunState::Success),
            run(2, "unit", RunState::Success),
        ],
    );
    pool.in_repo.insert(1, own.presubmits);
    assert!(
        !pool.prs[0].passes(&pool.policy_for(1)),
        "#1 lacks its own job's context"
    );
    assert!(pool.prs[1].passes(&pool.policy_for(2)));
    let required = |numbers: &[u64]| -> Vec<String> {
        pool.required_presubmits(numbers)
            .unwrap()
            .iter()
            .map(|p| p.name().to_string())
            .collect()
    };
    assert_eq!(required(&[1]), ["unit", "own"]);
    assert_eq!(required(&[2]), ["unit"]);
    let decision = decide(&pool, &settings(), false).unwrap();
    assert_eq!(
        outcome(&decision),
        (Action::Merge, vec![2], jobs(&[])),
        "#2 merges, #1 waits"
    );
}
