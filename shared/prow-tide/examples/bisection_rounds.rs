//! How many rounds (ping, then the started jobs finish) tide takes to merge every good pull
//! request of a pool when one of them breaks the build, bisecting failed batches against
//! upstream's way (testing a failed batch again, and retesting one pull request at a time).
//!
//! `cargo run --release -p prow-tide --example bisection_rounds`
//!
//! Then, with no broken change but pull requests arriving ready one a round, how long each
//! waits from arrival to merge with one batch at a time (upstream) and with a speculative batch
//! (the running batch and the newcomers) in flight beside it.
//!
//! The pool: n pull requests, ready and green on their own heads when they entered, one of them
//! (each position in turn) breaking the build once merged with the others' base: any run that
//! includes it fails. Tide syncs once a round; a job takes `duration` rounds (1: it ends before
//! the next sync; 3: tide syncs twice while it runs); a broken change's own run reports its
//! failure to its context (as crier does); nothing else happens meanwhile. 200 rounds at most.

#![expect(clippy::print_stdout, reason = "the figures are the example's output")]

use prow_config::{LoadOptions, Presubmit, Source, Sources};
use prow_tide::decide::{Action, PoolSettings, decide};
use prow_tide::pool::{
    Context, ContextState, JobRun, Merged, PullRequest, RunKind, RunState, Subpool,
};
use prow_tide::{ContextOptions, ContextPolicy};
use std::collections::BTreeMap;

const JOBS: &str = "presubmits:\n  k/a:\n  - name: unit\n    always_run: true\n    spec: {containers: [{image: x}]}\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = prow_config::load_sources(
        &Sources {
            config: Source::new("config.yaml", ""),
            job_files: vec![Source::new("jobs.yaml", JOBS)],
            plugins: None,
        },
        LoadOptions { strict: true },
    )
    .map_err(|problems| format!("{problems:?}"))?
    .config;
    let presubmits: Vec<&Presubmit> = config.jobs.presubmits["k/a"].iter().collect();
    let owned: Vec<Presubmit> = presubmits.iter().map(|p| (*p).clone()).collect();
    let policy =
        ContextPolicy::for_branch(&ContextOptions::default(), "k", "a", "main", &owned, &[])?;
    println!(
        "job rounds | pool size | bisecting: mean rounds (worst) | upstream: mean rounds (worst)"
    );
    for duration in [1usize, 3] {
        for n in [4u64, 8, 16] {
            let mut figures = Vec::new();
            for bisect in [true, false] {
                let rounds: Vec<usize> = (1..=n)
                    .map(|bad| simulate(n, bad, bisect, duration, &presubmits, &policy))
                    .collect();
                let mean = rounds.iter().sum::<usize>() as f64 / rounds.len() as f64;
                figures.push(format!("{mean:.1} ({})", rounds.iter().max().unwrap_or(&0)));
            }
            println!(
                "{duration:>10} | {n:>9} | {:>30} | {:>29}",
                figures[0], figures[1]
            );
        }
    }
    println!();
    println!(
        "arrivals | job rounds | batches in flight | mean rounds from arrival to merge (worst) | rounds to merge all"
    );
    for (arrivals, duration) in [(24u64, 3usize), (24, 6)] {
        for in_flight in [1usize, 2] {
            let (waits, total) =
                arrivals_to_merge(arrivals, duration, in_flight, &presubmits, &policy);
            let mean = waits.iter().sum::<usize>() as f64 / waits.len().max(1) as f64;
            println!(
                "{arrivals:>8} | {duration:>10} | {in_flight:>17} | {:>42} | {total:>19}",
                format!("{mean:.1} ({})", waits.iter().max().unwrap_or(&0))
            );
        }
    }
    Ok(())
}

/// One ready, good pull request arrives each round (`arrivals` of them); the rounds each waits
/// until it merges, and the rounds until all merged (at most 400).
fn arrivals_to_merge(
    arrivals: u64,
    duration: usize,
    in_flight: usize,
    presubmits: &[&Presubmit],
    policy: &ContextPolicy,
) -> (Vec<usize>, usize) {
    let settings = PoolSettings {
        batches_in_flight: in_flight,
        ..PoolSettings::default()
    };
    let mut base = 0u64;
    let mut open: BTreeMap<u64, usize> = BTreeMap::new();
    let mut waits = Vec::new();
    let mut runs: Vec<JobRun> = Vec::new();
    let mut running: Vec<(usize, usize)> = Vec::new();
    let mut merges: Vec<Merged> = Vec::new();
    for round in 1..=400 {
        if (round as u64) <= arrivals {
            open.insert(round as u64, round);
        }
        for (ends, index) in std::mem::take(&mut running) {
            if ends > round {
                running.push((ends, index));
            } else {
                runs[index].state = RunState::Success;
            }
        }
        let base_sha = format!("{base:040}");
        let prs_open: Vec<(u64, ContextState)> =
            open.keys().map(|pr| (*pr, ContextState::Success)).collect();
        let pool = pool_on(&base_sha, &prs_open, &runs, &merges, presubmits, policy);
        let Ok(decision) = decide(&pool, &settings, false) else {
            break;
        };
        match decision.action {
            Action::Merge | Action::MergeBatch => {
                for pr in &decision.targets {
                    if let Some(arrived) = open.remove(pr) {
                        waits.push(round - arrived);
                    }
                    merges.push(merged(&mut base, *pr));
                }
            }
            Action::Trigger | Action::TriggerBatch => {
                runs.push(JobRun {
                    kind: if decision.targets.len() == 1 {
                        RunKind::Presubmit
                    } else {
                        RunKind::Batch
                    },
                    job: "unit".into(),
                    context: "unit".into(),
                    base_sha: base_sha.clone(),
                    pulls: decision
                        .targets
                        .iter()
                        .map(|n| (*n, format!("head{n}")))
                        .collect(),
                    state: RunState::Pending,
                    created_by_tide: true,
                });
                running.push((round + duration, runs.len() - 1));
            }
            _ => {}
        }
        if waits.len() as u64 == arrivals {
            return (waits, round);
        }
    }
    (waits, 400)
}

/// Rounds until every good pull request merged (at most 200).
fn simulate(
    n: u64,
    bad: u64,
    bisect: bool,
    duration: usize,
    presubmits: &[&Presubmit],
    policy: &ContextPolicy,
) -> usize {
    // Upstream's way: one batch at a time, a failed one tested again.
    let settings = PoolSettings {
        bisect,
        batches_in_flight: if bisect { 2 } else { 1 },
        ..PoolSettings::default()
    };
    let mut base = 0u64;
    let mut open: BTreeMap<u64, ContextState> =
        (1..=n).map(|pr| (pr, ContextState::Success)).collect();
    let mut runs: Vec<JobRun> = Vec::new();
    let mut merges: Vec<Merged> = Vec::new();
    // Running jobs: (the round they end, the run's index, whether it is a broken change alone).
    let mut running: Vec<(usize, usize, bool)> = Vec::new();
    for round in 1..=200 {
        for (ends, index, alone_broken) in std::mem::take(&mut running) {
            if ends > round {
                running.push((ends, index, alone_broken));
                continue;
            }
            let broken = runs[index].pulls.iter().any(|(n, _)| *n == bad);
            runs[index].state = if broken {
                RunState::Failure
            } else {
                RunState::Success
            };
            if alone_broken {
                open.insert(bad, ContextState::Failure);
            }
        }
        let base_sha = format!("{base:040}");
        let prs_open: Vec<(u64, ContextState)> =
            open.iter().map(|(pr, unit)| (*pr, *unit)).collect();
        let pool = pool_on(&base_sha, &prs_open, &runs, &merges, presubmits, policy);
        let Ok(decision) = decide(&pool, &settings, false) else {
            return 200;
        };
        let mut start = |group: &[u64]| {
            let pulls: Vec<(u64, String)> =
                group.iter().map(|n| (*n, format!("head{n}"))).collect();
            runs.push(JobRun {
                kind: if group.len() == 1 {
                    RunKind::Presubmit
                } else {
                    RunKind::Batch
                },
                job: "unit".into(),
                context: "unit".into(),
                base_sha: base_sha.clone(),
                pulls,
                state: RunState::Pending,
                created_by_tide: true,
            });
            let alone_broken = group == [bad];
            if alone_broken {
                open.insert(bad, ContextState::Pending);
            }
            running.push((round + duration, runs.len() - 1, alone_broken));
        };
        match decision.action {
            Action::Merge | Action::MergeBatch => {
                for pr in &decision.targets {
                    open.remove(pr);
                    merges.push(merged(&mut base, *pr));
                }
            }
            Action::Trigger | Action::TriggerBatch => start(&decision.targets),
            Action::Bisect => {
                for half in &decision.groups {
                    start(half);
                }
            }
            Action::Wait | Action::Blocked => {}
        }
        if open.keys().all(|pr| *pr == bad) {
            return round;
        }
    }
    200
}

/// Tide's merge of `pr` onto base `base` (its number), which moves on by one.
fn merged(base: &mut u64, pr: u64) -> Merged {
    let from = format!("{base:040}");
    *base += 1;
    Merged {
        from,
        merged: vec![(pr, format!("head{pr}"))],
        to: format!("{base:040}"),
    }
}

/// The pool k/a@main on `base` as the sync reads it: the open pull requests with their `unit`
/// context, the runs on this base and those carried across tide's `merges`, and the batches that
/// failed on an earlier base with the same heads.
fn pool_on<'p>(
    base: &str,
    open: &[(u64, ContextState)],
    runs: &[JobRun],
    merges: &[Merged],
    presubmits: &[&'p Presubmit],
    policy: &ContextPolicy,
) -> Subpool<'p> {
    let prs: Vec<PullRequest> = open
        .iter()
        .map(|(pr, unit)| PullRequest {
            number: *pr,
            head_sha: format!("head{pr}"),
            base_ref: "main".into(),
            contexts: vec![Context::new("unit", *unit, "")],
            ..PullRequest::default()
        })
        .collect();
    let heads: BTreeMap<u64, String> = prs.iter().map(|p| (p.number, p.head_sha.clone())).collect();
    let (mut current, earlier): (Vec<JobRun>, Vec<JobRun>) =
        runs.iter().cloned().partition(|r| r.base_sha == base);
    current.extend(prow_tide::pool::rebased(&earlier, merges, base));
    let suspects = earlier
        .iter()
        .filter(|r| r.kind == RunKind::Batch && r.state == RunState::Failure)
        .filter(|r| r.pulls.iter().all(|(n, sha)| heads.get(n) == Some(sha)))
        .map(|r| r.pulls.iter().map(|(n, _)| *n).collect())
        .collect();
    Subpool {
        org: "k".into(),
        repo: "a".into(),
        branch: "main".into(),
        base_sha: base.to_string(),
        changes: prs.iter().map(|p| (p.number, vec![])).collect(),
        prs,
        runs: current,
        presubmits: presubmits.to_vec(),
        policy: policy.clone(),
        in_repo: Default::default(),
        suspects,
    }
}
