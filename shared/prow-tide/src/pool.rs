//! A pool as tide sees it: the pull requests of one org/repo/branch that tide's queries admit,
//! the base commit they would merge onto, and the results of the jobs that ran against that
//! base, sorted as upstream sorts them (`accumulate`, `accumulateBatch`).

use crate::ContextPolicy;
use prow_api::status_description::{base_sha_from_description, is_skip_retest};
use prow_api::{ProwJob, ProwJobState, ProwJobType, labels};
use prow_config::Presubmit;
use std::collections::{BTreeMap, BTreeSet};

/// The context tide reports on every pull request in scope.
pub const TIDE_CONTEXT: &str = "tide";

/// A status context's state, as tide reads it (a check run's conclusion maps onto it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContextState {
    Success,
    Pending,
    /// `failure`, `error`, or `expected` (required but never reported).
    Failure,
}

impl ContextState {
    /// From GitHub's status states (either case).
    pub fn from_github(state: &str) -> ContextState {
        match state.to_ascii_lowercase().as_str() {
            "success" => ContextState::Success,
            "pending" => ContextState::Pending,
            _ => ContextState::Failure,
        }
    }
}

/// One context on a pull request's head commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub name: String,
    pub state: ContextState,
    pub description: String,
}

impl Context {
    pub fn new(name: &str, state: ContextState, description: &str) -> Context {
        Context {
            name: name.to_string(),
            state,
            description: description.to_string(),
        }
    }
}

/// GitHub's review decision on a pull request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReviewDecision {
    Approved,
    ChangesRequested,
    ReviewRequired,
    #[default]
    None,
}

/// What GitHub says of merging the pull request (`mergeStateStatus` and `mergeable`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MergeState {
    /// Mergeable as far as GitHub knows.
    #[default]
    Clean,
    /// Branch protection or a ruleset blocks it (upstream's `BLOCKED`).
    Blocked,
    /// It conflicts with its base.
    Conflicting,
}

/// A pull request in a pool, as tide's search returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub author: String,
    pub title: String,
    pub body: String,
    pub head_sha: String,
    /// The head branch's name.
    pub head_ref: String,
    pub base_ref: String,
    pub labels: Vec<String>,
    pub milestone: Option<String>,
    pub review_decision: ReviewDecision,
    pub merge_state: MergeState,
    /// The head commit's contexts (statuses and check runs).
    pub contexts: Vec<Context>,
}

impl PullRequest {
    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l == label)
    }

    /// Upstream `unsuccessfulContexts`: the contexts that keep it from merging (not tide's own,
    /// not optional, not green), and the required ones it lacks (as `Failure`).
    pub fn unsuccessful_contexts(&self, policy: &ContextPolicy) -> Vec<Context> {
        let mut failed: Vec<Context> = self
            .contexts
            .iter()
            .filter(|c| c.name != TIDE_CONTEXT && !policy.is_optional(&c.name))
            .filter(|c| c.state != ContextState::Success)
            .cloned()
            .collect();
        let present = self.contexts.iter().map(|c| c.name.as_str());
        failed.extend(
            policy
                .missing_required(present)
                .into_iter()
                .map(|name| Context::new(&name, ContextState::Failure, "")),
        );
        failed
    }

    /// Upstream `isPassingTests`.
    pub fn passes(&self, policy: &ContextPolicy) -> bool {
        self.unsuccessful_contexts(policy).is_empty()
    }
}

/// A job result's state as tide weighs it (upstream `simpleState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunState {
    Failure,
    Pending,
    Success,
}

impl RunState {
    pub fn of(state: Option<ProwJobState>) -> RunState {
        match state {
            Some(ProwJobState::Triggered | ProwJobState::Pending) => RunState::Pending,
            Some(ProwJobState::Success) => RunState::Success,
            _ => RunState::Failure,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    Presubmit,
    Batch,
}

/// One job run tide reads: a ProwJob, or a green status that says which base it ran on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRun {
    pub kind: RunKind,
    pub job: String,
    pub context: String,
    pub base_sha: String,
    /// The pull requests tested, with the head each was tested at.
    pub pulls: Vec<(u64, String)>,
    pub state: RunState,
    pub created_by_tide: bool,
}

impl JobRun {
    /// The run a presubmit or batch ProwJob is; `None` for other jobs.
    pub fn from_prowjob(job: &ProwJob) -> Option<JobRun> {
        let kind = match job.spec.job_type {
            ProwJobType::Presubmit => RunKind::Presubmit,
            ProwJobType::Batch => RunKind::Batch,
            _ => return None,
        };
        let refs = job.spec.refs.as_ref()?;
        Some(JobRun {
            kind,
            job: job.spec.job.clone(),
            context: job.spec.context.clone(),
            base_sha: refs.base_sha.clone(),
            pulls: refs
                .pulls
                .iter()
                .map(|p| (p.number, p.sha.clone()))
                .collect(),
            state: RunState::of(job.status.state),
            created_by_tide: job
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(labels::CREATED_BY_TIDE))
                .is_some_and(|v| v == "true"),
        })
    }

    /// Upstream `prowJobsFromContexts`: a green context whose description names `base_sha` (or
    /// says no retest is needed) counts as a passing run of the pull request's head, so a result
    /// outlives its garbage-collected ProwJob.
    pub fn from_contexts(pr: &PullRequest, base_sha: &str) -> Vec<JobRun> {
        pr.contexts
            .iter()
            .filter(|c| c.state == ContextState::Success)
            .filter(|c| {
                is_skip_retest(&c.description)
                    || base_sha_from_description(&c.description) == Some(base_sha)
            })
            .map(|c| JobRun {
                kind: RunKind::Presubmit,
                job: String::new(),
                context: c.name.clone(),
                base_sha: base_sha.to_string(),
                pulls: vec![(pr.number, pr.head_sha.clone())],
                state: RunState::Success,
                created_by_tide: false,
            })
            .collect()
    }
}

/// Tide's own merges onto a branch: `from` became `to` by merging `merged` (number and head,
/// in order) and nothing else.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Merged {
    pub from: String,
    pub merged: Vec<(u64, String)>,
    pub to: String,
}

/// Runs on earlier bases that tested what the current base now holds: a run on `from` whose
/// pull requests begin with exactly what tide merged since `from` (and nothing else landed)
/// tested the current base with the rest of its pull requests, so it counts as such a run
/// (a batch of one becomes a presubmit run). This is what lets a speculative batch (the running
/// batch and the next pull requests) merge its rest once the batch before it merged.
pub fn rebased(runs: &[JobRun], merges: &[Merged], base: &str) -> Vec<JobRun> {
    // Walk back from the current base through tide's merges: (earlier base, merged since).
    let mut since: Vec<(String, Vec<(u64, String)>)> = Vec::new();
    let mut at = base.to_string();
    let mut merged_since: Vec<(u64, String)> = Vec::new();
    for _ in 0..merges.len() {
        let Some(step) = merges.iter().find(|m| m.to == at) else {
            break;
        };
        let mut prefix = step.merged.clone();
        prefix.extend(merged_since);
        merged_since = prefix;
        at = step.from.clone();
        since.push((at.clone(), merged_since.clone()));
    }
    let mut carried = Vec::new();
    for run in runs {
        let Some((_, prefix)) = since.iter().find(|(from, _)| *from == run.base_sha) else {
            continue;
        };
        if run.pulls.len() <= prefix.len() || run.pulls[..prefix.len()] != prefix[..] {
            continue;
        }
        let rest = run.pulls[prefix.len()..].to_vec();
        carried.push(JobRun {
            kind: if rest.len() == 1 {
                RunKind::Presubmit
            } else {
                run.kind
            },
            base_sha: base.to_string(),
            pulls: rest,
            ..run.clone()
        });
    }
    carried
}

/// A pool: one org/repo/branch, its base commit, its pull requests and what ran against it.
#[derive(Clone, Debug, Default)]
pub struct Subpool<'a> {
    pub org: String,
    pub repo: String,
    pub branch: String,
    pub base_sha: String,
    /// Sorted by number.
    pub prs: Vec<PullRequest>,
    /// The runs against `base_sha`.
    pub runs: Vec<JobRun>,
    /// The branch's presubmits (those that could run on it).
    pub presubmits: Vec<&'a Presubmit>,
    /// Each pull request's changed files, where a `run_if_changed` job needs them.
    pub changes: BTreeMap<u64, Vec<String>>,
    pub policy: ContextPolicy,
    /// Each pull request's own presubmits (in-repo configuration) that could run on the branch.
    pub in_repo: BTreeMap<u64, Vec<Presubmit>>,
    /// Batches that failed on an earlier base with their pull requests at the same heads.
    pub suspects: Vec<Vec<u64>>,
}

/// The pull requests of a pool by what their jobs say (upstream `accumulate`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accumulated {
    pub success: Vec<u64>,
    pub pending: Vec<u64>,
    pub missing: Vec<u64>,
    /// The required presubmits a missing pull request has no green or running result for.
    pub missing_jobs: BTreeMap<u64, Vec<String>>,
}

/// A presubmit's changed files were needed to decide whether it runs and are not known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the changed files of pull request #{0} are needed")]
pub struct ChangesNeeded(pub u64);

impl Subpool<'_> {
    pub fn pr(&self, number: u64) -> Option<&PullRequest> {
        self.prs.iter().find(|p| p.number == number)
    }

    /// Whether a `run_if_changed` presubmit makes the pull requests' changed files matter.
    pub fn needs_changes(&self) -> bool {
        self.presubmits
            .iter()
            .copied()
            .chain(self.in_repo.values().flatten())
            .any(|p| !p.always_run && p.changes.could_run_conditionally())
    }

    /// The context policy for a pull request: the branch's, with its own presubmits' contexts.
    pub fn policy_for(&self, number: u64) -> std::borrow::Cow<'_, ContextPolicy> {
        match self.in_repo.get(&number) {
            Some(own) if !own.is_empty() => {
                std::borrow::Cow::Owned(self.policy.with_presubmits(&self.branch, own))
            }
            _ => std::borrow::Cow::Borrowed(&self.policy),
        }
    }

    /// Upstream `presubmitsByPull`/`presubmitsForBatch`: the required presubmits that run for the
    /// union of `numbers`' changes, and those that run before merge.
    pub fn required_presubmits(&self, numbers: &[u64]) -> Result<Vec<&Presubmit>, ChangesNeeded> {
        let mut changes: Option<Vec<String>> = None;
        let mut required = Vec::new();
        let own = numbers.iter().filter_map(|n| self.in_repo.get(n)).flatten();
        for job in self.presubmits.iter().copied().chain(own) {
            if !job.context_required() {
                continue;
            }
            if job.run_before_merge && job.brancher.should_run(&self.branch) {
                required.push(job);
                continue;
            }
            if !job.always_run && job.changes.could_run_conditionally() && changes.is_none() {
                let mut union = BTreeSet::new();
                for number in numbers {
                    let files = self.changes.get(number).ok_or(ChangesNeeded(*number))?;
                    union.extend(files.iter().cloned());
                }
                changes = Some(union.into_iter().collect());
            }
            let runs = prow_trigger::filter::should_run(
                job,
                &self.branch,
                changes.as_deref(),
                false,
                false,
            )
            .unwrap_or(false);
            if runs {
                required.push(job);
            }
        }
        Ok(required)
    }

    /// Upstream `accumulate`: each pull request's best result per required context, at its
    /// current head on this base; the worst of those decides its bucket.
    pub fn accumulate(&self) -> Result<Accumulated, ChangesNeeded> {
        let mut accumulated = Accumulated::default();
        for pr in &self.prs {
            let from_contexts = JobRun::from_contexts(pr, &self.base_sha);
            let mut best: BTreeMap<&str, RunState> = BTreeMap::new();
            for run in self.runs.iter().chain(&from_contexts) {
                if run.kind != RunKind::Presubmit
                    || run.pulls.first() != Some(&(pr.number, pr.head_sha.clone()))
                {
                    continue;
                }
                let state = best
                    .entry(run.context.as_str())
                    .or_insert(RunState::Failure);
                *state = (*state).max(run.state);
            }
            let mut overall = RunState::Success;
            let mut missing = Vec::new();
            for job in self.required_presubmits(&[pr.number])? {
                match best.get(job.reporter.context.as_str()) {
                    None | Some(RunState::Failure) => missing.push(job.base.name.clone()),
                    Some(RunState::Pending) => overall = RunState::Pending,
                    Some(RunState::Success) => {}
                }
            }
            if !missing.is_empty() {
                accumulated.missing.push(pr.number);
                accumulated.missing_jobs.insert(pr.number, missing);
            } else if overall == RunState::Pending {
                accumulated.pending.push(pr.number);
            } else {
                accumulated.success.push(pr.number);
            }
        }
        Ok(accumulated)
    }

    /// Upstream `accumulateBatch`: the batch that passed and the batch still running, each of
    /// pull requests that are all still in the pool at the heads tested.
    pub fn accumulate_batches(&self) -> Result<Batches, ChangesNeeded> {
        let mut by_pulls: BTreeMap<Vec<(u64, String)>, BTreeMap<&str, RunState>> = BTreeMap::new();
        for run in self.runs.iter().filter(|r| r.kind == RunKind::Batch) {
            let valid = run
                .pulls
                .iter()
                .all(|(number, sha)| self.pr(*number).is_some_and(|pr| pr.head_sha == *sha));
            if !valid {
                continue;
            }
            let states = by_pulls.entry(run.pulls.clone()).or_default();
            let state = states
                .entry(run.context.as_str())
                .or_insert(RunState::Failure);
            *state = (*state).max(run.state);
        }
        let mut batches = Batches::default();
        for (pulls, states) in by_pulls {
            let numbers: Vec<u64> = pulls.iter().map(|(n, _)| *n).collect();
            let mut overall = RunState::Success;
            for job in self.required_presubmits(&numbers)? {
                match states.get(job.reporter.context.as_str()) {
                    None | Some(RunState::Failure) => {
                        overall = RunState::Failure;
                        break;
                    }
                    Some(RunState::Pending) => overall = RunState::Pending,
                    Some(RunState::Success) => {}
                }
            }
            // Of several, the one with the most pull requests (a speculative batch that passed
            // holds the batch it was built on), then the last in order, as upstream's.
            let slot = match overall {
                RunState::Success => &mut batches.passed,
                RunState::Pending => {
                    batches.running += 1;
                    &mut batches.pending
                }
                RunState::Failure => continue,
            };
            if numbers.len() >= slot.len() {
                *slot = numbers;
            }
        }
        Ok(batches)
    }

    /// The contexts of the ProwJobs that passed for `pr`'s head on this base, alone or in a
    /// batch (upstream's passing-jobs index, which reads no statuses).
    pub fn passing_contexts(&self, pr: &PullRequest) -> Vec<String> {
        let head = (pr.number, pr.head_sha.clone());
        let contexts: BTreeSet<String> = self
            .runs
            .iter()
            .filter(|run| run.state == RunState::Success && run.pulls.contains(&head))
            .map(|run| run.context.clone())
            .collect();
        contexts.into_iter().collect()
    }

    /// The batches that failed on this base with every pull request still at the head tested.
    pub fn failed_batches(&self) -> Vec<Vec<u64>> {
        let mut failed: BTreeMap<Vec<u64>, bool> = BTreeMap::new();
        for run in self.runs.iter().filter(|r| r.kind == RunKind::Batch) {
            let current = run
                .pulls
                .iter()
                .all(|(number, sha)| self.pr(*number).is_some_and(|pr| pr.head_sha == *sha));
            if current {
                let numbers = run.pulls.iter().map(|(n, _)| *n).collect();
                *failed.entry(numbers).or_default() |= run.state == RunState::Failure;
            }
        }
        failed
            .into_iter()
            .filter(|(_, any_failed)| *any_failed)
            .map(|(numbers, _)| numbers)
            .collect()
    }

    /// Upstream `isRetestEligible`: every required context present, and each one that is not
    /// green is pending on a job tide itself started for this head.
    pub fn retest_eligible(&self, pr: &PullRequest) -> bool {
        let policy = self.policy_for(pr.number);
        let present = pr.contexts.iter().map(|c| c.name.as_str());
        if !policy.missing_required(present).is_empty() {
            return false;
        }
        pr.contexts.iter().all(|context| {
            context.name == TIDE_CONTEXT
                || policy.is_optional(&context.name)
                || context.state == ContextState::Success
                || (context.state == ContextState::Pending
                    && self.runs.iter().any(|run| {
                        run.kind == RunKind::Presubmit
                            && run.created_by_tide
                            && run.context == context.name
                            && run.pulls.first() == Some(&(pr.number, pr.head_sha.clone()))
                    }))
        })
    }
}

/// Batches of a pool: the one that passed and the one running (upstream keeps one of each; of
/// several, the one with the most pull requests), and how many are running.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batches {
    pub passed: Vec<u64>,
    pub pending: Vec<u64>,
    pub running: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(base: &str, pulls: &[u64], state: RunState) -> JobRun {
        JobRun {
            kind: if pulls.len() == 1 {
                RunKind::Presubmit
            } else {
                RunKind::Batch
            },
            job: "unit".into(),
            context: "unit".into(),
            base_sha: base.into(),
            pulls: pulls.iter().map(|n| (*n, format!("h{n}"))).collect(),
            state,
            created_by_tide: true,
        }
    }

    fn merged(from: &str, numbers: &[u64], to: &str) -> Merged {
        Merged {
            from: from.into(),
            merged: numbers.iter().map(|n| (*n, format!("h{n}"))).collect(),
            to: to.into(),
        }
    }

    #[test]
    fn runs_that_tested_what_tide_merged_since_carry_to_the_new_base() {
        let runs = vec![
            run("b0", &[1, 2], RunState::Success),
            run("b0", &[1, 2, 3], RunState::Success),
            run("b0", &[1, 2, 3, 4], RunState::Pending),
            run("b0", &[2, 3], RunState::Success),
            run("b0", &[1, 3], RunState::Success),
            // Tested with 5 instead of 2, or in another order: not what the base holds.
            run("b0", &[1, 5, 3], RunState::Success),
            run("b0", &[2, 1, 3], RunState::Success),
            run("b1", &[3, 5], RunState::Failure),
            run("other", &[1, 2, 3], RunState::Success),
        ];
        // Tide merged 1 and 2 onto b0 (b1), then 3 onto b1 (b2).
        let merges = vec![merged("b0", &[1, 2], "b1"), merged("b1", &[3], "b2")];
        let on_b1 = rebased(&runs, &merges, "b1");
        let pulls = |runs: &[JobRun]| -> Vec<(Vec<u64>, RunKind)> {
            runs.iter()
                .map(|r| (r.pulls.iter().map(|(n, _)| *n).collect(), r.kind))
                .collect()
        };
        assert_eq!(
            pulls(&on_b1),
            [(vec![3], RunKind::Presubmit), (vec![3, 4], RunKind::Batch)]
        );
        assert!(on_b1.iter().all(|r| r.base_sha == "b1"));
        let on_b2 = rebased(&runs, &merges, "b2");
        assert_eq!(
            pulls(&on_b2),
            [(vec![4], RunKind::Presubmit), (vec![5], RunKind::Presubmit)]
        );
        // A head that moved since is not what was tested.
        let mut moved = merges.clone();
        moved[0].merged[1].1 = "other-head".into();
        assert!(rebased(&runs, &moved, "b1").is_empty());
        // Someone else's push breaks the chain.
        assert!(rebased(&runs, &merges, "b3").is_empty());
    }
}
