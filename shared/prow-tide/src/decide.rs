//! A pool's action, in upstream's order (`takeAction`): merge a batch that passed; else merge the
//! passing pull request that comes first by priority, unless a batch is running; else wait when
//! nothing needs testing; else start a batch of the eligible pull requests; else retest the
//! first eligible pull request missing results; else wait. A blocker issue stops it all.

use crate::PullRequest;
use crate::pool::{Accumulated, Batches, ChangesNeeded, RunKind, RunState, Subpool};
use prow_config::Tide;
use std::collections::BTreeMap;

/// What tide does with a pool, named as upstream names it in its JSON and history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Wait,
    Trigger,
    TriggerBatch,
    Merge,
    MergeBatch,
    Blocked,
    /// Not upstream's: a failed batch split in two, both halves tested at once.
    Bisect,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Wait => "WAIT",
            Action::Trigger => "TRIGGER",
            Action::TriggerBatch => "TRIGGER_BATCH",
            Action::Merge => "MERGE",
            Action::MergeBatch => "MERGE_BATCH",
            Action::Blocked => "BLOCKED",
            Action::Bisect => "BISECT",
        }
    }
}

/// The settings of `tide:` that bear on one pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    /// At most this many pull requests in a batch; 0 for no limit, negative for no batches.
    pub batch_size_limit: i64,
    pub prioritize_existing_batches: bool,
    /// `tide.priority`: label sets, each entry's commas meaning "any of", first set first.
    pub priorities: Vec<Vec<String>>,
    /// Split a failed batch and test its halves at once, instead of testing it again as
    /// upstream does (on unless asked for upstream's way).
    pub bisect: bool,
    /// While a batch runs, test it together with the next eligible pull requests (a speculative
    /// batch, which merges them all if it passes), up to this many batches running in the pool;
    /// 1 is upstream's way (one batch at a time).
    pub batches_in_flight: usize,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            batch_size_limit: 0,
            prioritize_existing_batches: true,
            priorities: Vec::new(),
            bisect: true,
            batches_in_flight: 2,
        }
    }
}

impl PoolSettings {
    /// Upstream `BatchSizeLimit` and `PrioritizeExistingBatches`: `org/repo`, then `org`, then
    /// `*`.
    pub fn for_repo(tide: &Tide, org: &str, repo: &str) -> PoolSettings {
        fn lookup<T: Copy>(map: &BTreeMap<String, T>, org: &str, repo: &str) -> Option<T> {
            [format!("{org}/{repo}"), org.to_string(), "*".to_string()]
                .iter()
                .find_map(|key| map.get(key).copied())
        }
        PoolSettings {
            batch_size_limit: lookup(&tide.batch_size_limit, org, repo).unwrap_or(0),
            prioritize_existing_batches: lookup(&tide.prioritize_existing_batches, org, repo)
                .unwrap_or(true),
            priorities: tide.priority.iter().map(|p| p.labels.clone()).collect(),
            bisect: true,
            batches_in_flight: 2,
        }
    }
}

/// A pool's action and what it was decided from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    /// The pull requests acted on, in the order to act on them.
    pub targets: Vec<u64>,
    /// For a trigger: the presubmits to start (by job name).
    pub jobs: Vec<String>,
    /// For a bisection: the halves, each tested on its own (alone when it is one pull request).
    pub groups: Vec<Vec<u64>>,
    pub accumulated: Accumulated,
    pub batches: Batches,
}

/// Upstream `syncSubpool`'s choice for `pool`: blocked when a blocker issue applies, else
/// `takeAction`.
pub fn decide(
    pool: &Subpool<'_>,
    settings: &PoolSettings,
    blocked: bool,
) -> Result<Decision, ChangesNeeded> {
    let accumulated = pool.accumulate()?;
    let batches = pool.accumulate_batches()?;
    let decision = |action: Action, targets: Vec<u64>, jobs: Vec<String>| Decision {
        action,
        targets,
        jobs,
        groups: Vec::new(),
        accumulated: accumulated.clone(),
        batches: batches.clone(),
    };
    if blocked {
        return Ok(decision(Action::Blocked, Vec::new(), Vec::new()));
    }
    if !batches.passed.is_empty() {
        return Ok(decision(
            Action::MergeBatch,
            batches.passed.clone(),
            Vec::new(),
        ));
    }
    // A merge now would make the running batch's result stale.
    if !accumulated.success.is_empty() && batches.pending.is_empty() {
        let passing = prs_of(pool, &accumulated.success);
        if let Some(pr) = highest_priority(&passing, &settings.priorities, |pr| {
            pr.passes(&pool.policy_for(pr.number))
        }) {
            return Ok(decision(Action::Merge, vec![pr.number], Vec::new()));
        }
    }
    let mut tested = false;
    for pr in &pool.prs {
        tested |= !pool.required_presubmits(&[pr.number])?.is_empty();
    }
    if !tested {
        return Ok(decision(Action::Wait, Vec::new(), Vec::new()));
    }
    if pool.prs.len() > 1 && batches.pending.is_empty() {
        if settings.bisect
            && let Some(halves) = bisection(pool, &accumulated)
        {
            let mut jobs = Vec::new();
            for half in &halves {
                for job in pool.required_presubmits(half)? {
                    if !jobs.contains(&job.base.name) {
                        jobs.push(job.base.name.clone());
                    }
                }
            }
            return Ok(Decision {
                targets: halves.concat(),
                groups: halves,
                ..decision(Action::Bisect, Vec::new(), jobs)
            });
        }
        let batch = pick_batch(pool, settings);
        if batch.len() > 1 {
            let jobs = pool
                .required_presubmits(&batch)?
                .iter()
                .map(|job| job.base.name.clone())
                .collect();
            return Ok(decision(Action::TriggerBatch, batch, jobs));
        }
    }
    if pool.prs.len() > 1
        && !batches.pending.is_empty()
        && batches.running < settings.batches_in_flight
        && let Some(speculative) = speculation(pool, settings, &batches.pending)
    {
        let jobs = pool
            .required_presubmits(&speculative)?
            .iter()
            .map(|job| job.base.name.clone())
            .collect();
        return Ok(decision(Action::TriggerBatch, speculative, jobs));
    }
    if !accumulated.missing.is_empty()
        && accumulated.pending.is_empty()
        && accumulated.success.is_empty()
    {
        let missing = prs_of(pool, &accumulated.missing);
        if let Some(pr) = highest_priority(&missing, &settings.priorities, |pr| {
            pool.retest_eligible(pr)
        }) {
            let jobs = accumulated
                .missing_jobs
                .get(&pr.number)
                .cloned()
                .unwrap_or_default();
            return Ok(decision(Action::Trigger, vec![pr.number], jobs));
        }
    }
    Ok(decision(Action::Wait, Vec::new(), Vec::new()))
}

/// The halves of the smallest failed batch (on this base, or on an earlier one at the same
/// heads: a batch that broke stays suspect after the base moves) whose halves have no result or
/// run on this base yet; a half of one pull request is tested alone. The pull requests that
/// broke a batch of n are so found in about log2(n) rounds, the others merging meanwhile.
pub fn bisection(pool: &Subpool<'_>, accumulated: &Accumulated) -> Option<Vec<Vec<u64>>> {
    let eligible = |n: &u64| pool.pr(*n).is_some_and(|pr| pool.retest_eligible(pr));
    let mut failed: Vec<Vec<u64>> = pool
        .failed_batches()
        .into_iter()
        .chain(pool.suspects.iter().cloned())
        .map(|numbers| {
            numbers
                .into_iter()
                .filter(|n| eligible(n))
                .collect::<Vec<u64>>()
        })
        .filter(|numbers| numbers.len() > 1)
        .collect();
    failed.sort_by_key(|numbers| (numbers.len(), numbers.clone()));
    failed.dedup();
    let tried = |half: &[u64]| -> bool {
        if let [one] = half {
            // Alone: any result or run of its own on this base counts.
            return !accumulated.missing.contains(one)
                || pool.runs.iter().any(|run| {
                    run.kind == RunKind::Presubmit && run.pulls.first().map(|p| p.0) == Some(*one)
                });
        }
        pool.runs.iter().any(|run| {
            run.kind == RunKind::Batch
                && run.pulls.iter().map(|(n, _)| *n).collect::<Vec<_>>() == half
        })
    };
    failed.into_iter().find_map(|numbers| {
        let (first, second) = numbers.split_at(numbers.len().div_ceil(2));
        (!tried(first) && !tried(second)).then(|| vec![first.to_vec(), second.to_vec()])
    })
}

/// The running batch and the next eligible pull requests after it, up to the batch limit,
/// when that adds someone and was not started already (Zuul's and Mergify's speculative queue:
/// if it passes, everyone in it merges together).
fn speculation(pool: &Subpool<'_>, settings: &PoolSettings, running: &[u64]) -> Option<Vec<u64>> {
    if settings.batch_size_limit < 0 {
        return None;
    }
    let limit = usize::try_from(settings.batch_size_limit)
        .ok()
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let mut extended = running.to_vec();
    let mut candidates: Vec<&PullRequest> = pool
        .prs
        .iter()
        .filter(|pr| !running.contains(&pr.number))
        .filter(|pr| pr.merge_state != crate::pool::MergeState::Conflicting)
        .filter(|pr| pool.retest_eligible(pr))
        .collect();
    candidates.sort_by_key(|pr| pr.number);
    for pr in candidates {
        if extended.len() >= limit {
            break;
        }
        extended.push(pr.number);
    }
    let started = pool.runs.iter().any(|run| {
        run.kind == RunKind::Batch
            && run.pulls.iter().map(|(n, _)| *n).collect::<Vec<_>>() == extended
    });
    (extended.len() > running.len() && !started).then_some(extended)
}

fn prs_of<'p>(pool: &'p Subpool<'_>, numbers: &[u64]) -> Vec<&'p PullRequest> {
    numbers.iter().filter_map(|n| pool.pr(*n)).collect()
}

/// Upstream `hasAllLabels`: every entry of `wanted` (commas meaning "any of") on the PR.
fn has_all_labels(pr: &PullRequest, wanted: &[String]) -> bool {
    wanted
        .iter()
        .all(|entry| entry.split(',').any(|label| pr.has_label(label)))
}

/// Upstream `pickHighestPriorityPR`: within the first priority set some pull request that
/// `eligible` accepts has, the one with the lowest number (the last, empty set takes all).
fn highest_priority<'p>(
    prs: &[&'p PullRequest],
    priorities: &[Vec<String>],
    eligible: impl Fn(&PullRequest) -> bool,
) -> Option<&'p PullRequest> {
    let everyone = Vec::new();
    priorities
        .iter()
        .chain(std::iter::once(&everyone))
        .find_map(|labels| {
            prs.iter()
                .filter(|pr| has_all_labels(pr, labels) && eligible(pr))
                .min_by_key(|pr| pr.number)
                .copied()
        })
}

/// Upstream `pickBatch`: the retest-eligible pull requests, oldest first; a batch that ran for
/// some of them already when `prioritize_existing_batches`, else a new one of the first up to
/// the limit. Pull requests that conflict with the base are left out (upstream finds those,
/// and conflicts between them, by merging locally; this reads GitHub's mergeability, so two
/// that conflict only with each other fail their batch instead).
pub fn pick_batch(pool: &Subpool<'_>, settings: &PoolSettings) -> Vec<u64> {
    if settings.batch_size_limit < 0 {
        return Vec::new();
    }
    let limit = usize::try_from(settings.batch_size_limit).unwrap_or(usize::MAX);
    let mut candidates: Vec<&PullRequest> = pool
        .prs
        .iter()
        .filter(|pr| pool.retest_eligible(pr))
        .collect();
    candidates.sort_by_key(|pr| pr.number);
    if candidates.is_empty() {
        return Vec::new();
    }
    if settings.prioritize_existing_batches {
        let existing = batch_with_existing_runs(pool, &candidates, limit);
        if !existing.is_empty() {
            return existing;
        }
    }
    candidates
        .into_iter()
        .filter(|pr| pr.merge_state != crate::pool::MergeState::Conflicting)
        .take(if limit == 0 { usize::MAX } else { limit })
        .map(|pr| pr.number)
        .collect()
}

/// Upstream `pickBatchWithPreexistingTests`: of the batches whose pull requests are all
/// candidates at the heads tested (and within the limit), the one with the most passing runs,
/// else the most running ones (ties to the lowest numbers, where upstream's pick is a Go map's).
fn batch_with_existing_runs(
    pool: &Subpool<'_>,
    candidates: &[&PullRequest],
    limit: usize,
) -> Vec<u64> {
    let mut passing: BTreeMap<Vec<u64>, usize> = BTreeMap::new();
    let mut running: BTreeMap<Vec<u64>, usize> = BTreeMap::new();
    for run in pool.runs.iter().filter(|r| r.kind == RunKind::Batch) {
        if limit != 0 && run.pulls.len() > limit {
            continue;
        }
        let counted = match run.state {
            RunState::Success => &mut passing,
            RunState::Pending => &mut running,
            RunState::Failure => continue,
        };
        let all_candidates = run.pulls.iter().all(|(number, sha)| {
            candidates
                .iter()
                .any(|pr| pr.number == *number && pr.head_sha == *sha)
        });
        if all_candidates {
            *counted
                .entry(run.pulls.iter().map(|(n, _)| *n).collect())
                .or_default() += 1;
        }
    }
    let most = |counts: &BTreeMap<Vec<u64>, usize>| {
        counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(numbers, _)| numbers.clone())
    };
    most(&passing)
        .or_else(|| most(&running))
        .unwrap_or_default()
}
