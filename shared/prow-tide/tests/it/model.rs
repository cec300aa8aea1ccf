//! A model-based test of tide's decisions: a small simulated repository (pull requests opened,
//! labelled, pushed to, closed; the base advanced by someone else; jobs passing, failing and
//! flaking; pings repeated, and pings whose world changed between reading and acting) driven
//! by random interleavings, with tide deciding through [`prow_tide::decide`] and acting as the
//! sync acts (re-checking head, labels and base before each merge, as GitHub lets it).
//!
//! After every step: every merge landed exactly the content some passing run tested (the base
//! it merged onto with the pull requests merged together, whichever base the run ran on: a
//! speculative batch's result carries across the merge before it); no broken change was ever
//! merged; no pull request without the labels, or with the hold, was merged. At the end of each
//! run, with the world quiet, every good, labelled pull request merges within a bounded number
//! of pings (liveness). 220 runs of up to 127 steps: over 10,000 steps.

use crate::support::{JOBS, config};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use prow_config::{Config, Presubmit};
use prow_tide::decide::{Action, PoolSettings, decide};
use prow_tide::pool::{Context, ContextState, JobRun, PullRequest, RunKind, RunState, Subpool};
use prow_tide::{ContextOptions, ContextPolicy};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

static CONFIG: LazyLock<Config> = LazyLock::new(|| config("", JOBS));

const LGTM: &str = "lgtm";
const APPROVED: &str = "approved";
const HOLD: &str = "do-not-merge/hold";

#[derive(Clone, Debug)]
enum Step {
    /// A new pull request; `ready` ones come with lgtm and approved.
    Open {
        good: bool,
        ready: bool,
    },
    Label {
        pr: u64,
        label: &'static str,
        add: bool,
    },
    Push {
        pr: u64,
        good: bool,
    },
    Close {
        pr: u64,
    },
    AdvanceBase,
    Finish {
        flake: bool,
    },
    /// One running job ends, `which` picking it among the running (jobs take their own time).
    FinishOne {
        flake: bool,
        which: usize,
    },
    Ping,
    /// A duplicated ping: the second must change nothing the first did not.
    PingTwice,
    /// Tide reads, then `then` happens, then tide acts on what it read.
    StalePing {
        then: Box<Step>,
    },
}

/// What transitions may name: the pull requests opened so far.
#[derive(Clone, Debug, Default)]
struct Opened {
    count: u64,
}

struct Reference;

fn change(count: u64) -> BoxedStrategy<Step> {
    let pr = 1..=count.max(1);
    let label = prop::sample::select(vec![LGTM, APPROVED, HOLD]);
    prop_oneof![
        3 => (prop::bool::weighted(0.8), any::<bool>())
            .prop_map(|(good, ready)| Step::Open { good, ready }),
        6 => (pr.clone(), label, prop::bool::weighted(0.8))
            .prop_map(|(pr, label, add)| Step::Label { pr, label, add }),
        1 => (pr.clone(), prop::bool::weighted(0.7)).prop_map(|(pr, good)| Step::Push { pr, good }),
        1 => pr.prop_map(|pr| Step::Close { pr }),
        3 => Just(Step::AdvanceBase),
    ]
    .boxed()
}

impl ReferenceStateMachine for Reference {
    type State = Opened;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Opened> {
        Just(Opened::default()).boxed()
    }

    fn transitions(state: &Opened) -> BoxedStrategy<Step> {
        let count = state.count;
        prop_oneof![
            5 => change(count),
            1 => prop::bool::weighted(0.15).prop_map(|flake| Step::Finish { flake }),
            4 => (prop::bool::weighted(0.1), 0..8usize)
                .prop_map(|(flake, which)| Step::FinishOne { flake, which }),
            3 => Just(Step::Ping),
            1 => Just(Step::PingTwice),
            1 => change(count).prop_map(|then| Step::StalePing { then: Box::new(then) }),
        ]
        .boxed()
    }

    fn apply(mut state: Opened, step: &Step) -> Opened {
        let opens = |step: &Step| matches!(step, Step::Open { .. });
        if opens(step) || matches!(step, Step::StalePing { then } if opens(then)) {
            state.count += 1;
        }
        state
    }

    fn preconditions(state: &Opened, step: &Step) -> bool {
        let names = |step: &Step| match step {
            Step::Label { pr, .. } | Step::Push { pr, .. } | Step::Close { pr } => Some(*pr),
            _ => None,
        };
        let named = match step {
            Step::StalePing { then } => names(then),
            other => names(other),
        };
        named.is_none_or(|pr| pr >= 1 && pr <= state.count)
    }
}

#[derive(Clone, Debug)]
struct Pr {
    head: String,
    good: bool,
    labels: BTreeSet<&'static str>,
    open: bool,
    merged: bool,
    /// The `unit` context on the head, as crier reports the serial runs.
    unit: Option<ContextState>,
}

#[derive(Clone, Debug)]
struct Run {
    name: String,
    kind: RunKind,
    pulls: Vec<(u64, String)>,
    base: String,
    state: RunState,
    by_tide: bool,
}

/// A merge as it happened.
#[derive(Clone, Debug)]
struct Merged {
    pr: u64,
    head: String,
    /// The base the pull request merged onto.
    onto: String,
    /// The base the decision was made on, and the pull requests it merged together.
    decided_on: String,
    group: Vec<u64>,
}

#[derive(Clone, Debug)]
struct World {
    base: String,
    commits: u64,
    prs: BTreeMap<u64, Pr>,
    runs: Vec<Run>,
    merges: Vec<Merged>,
    /// Merges already checked.
    checked: usize,
    /// The heads whose change is good (passes its tests).
    good_heads: BTreeSet<String>,
    /// What each base commit holds: the changes merged into it (and others' pushes).
    contents: BTreeMap<String, BTreeSet<(u64, String)>>,
    /// Tide's own merges, as the sync keeps them for carrying results across them.
    tide_merges: Vec<prow_tide::pool::Merged>,
}

impl World {
    /// A new base commit holding what `from` held and `change`.
    fn advance(&mut self, change: (u64, String)) -> String {
        let from = self.base.clone();
        let to = self.commit();
        let mut held = self.contents.get(&from).cloned().unwrap_or_default();
        held.insert(change);
        self.contents.insert(to.clone(), held);
        self.base = to.clone();
        to
    }

    /// What a run tested: its base's content and its changes.
    fn tested(&self, run: &Run) -> BTreeSet<(u64, String)> {
        let mut tested = self.contents.get(&run.base).cloned().unwrap_or_default();
        tested.extend(run.pulls.iter().cloned());
        tested
    }

    fn commit(&mut self) -> String {
        self.commits += 1;
        format!("{:040x}", self.commits)
    }

    /// Trigger's serial run on a new head (it runs the presubmits of every pushed head).
    fn triggered(&mut self, pr: u64) {
        let head = self.prs[&pr].head.clone();
        self.runs.push(Run {
            name: format!("trigger-{pr}-{head}"),
            kind: RunKind::Presubmit,
            pulls: vec![(pr, head)],
            base: self.base.clone(),
            state: RunState::Pending,
            by_tide: false,
        });
        if let Some(p) = self.prs.get_mut(&pr) {
            p.unit = Some(ContextState::Pending);
        }
    }

    fn admitted(pr: &Pr) -> bool {
        pr.open
            && pr.labels.contains(LGTM)
            && pr.labels.contains(APPROVED)
            && !pr.labels.contains(HOLD)
    }

    fn change(&mut self, step: &Step) {
        match step {
            Step::Open { good, ready } => {
                let number = self.prs.len() as u64 + 1;
                let head = self.commit();
                if *good {
                    self.good_heads.insert(head.clone());
                }
                self.prs.insert(
                    number,
                    Pr {
                        head,
                        good: *good,
                        labels: BTreeSet::new(),
                        open: true,
                        merged: false,
                        unit: None,
                    },
                );
                if *ready && let Some(p) = self.prs.get_mut(&number) {
                    p.labels.extend([LGTM, APPROVED]);
                }
                self.triggered(number);
            }
            Step::Label { pr, label, add } => {
                if let Some(p) = self.prs.get_mut(pr) {
                    if *add {
                        p.labels.insert(label);
                    } else {
                        p.labels.remove(label);
                    }
                }
            }
            Step::Push { pr, good } => {
                if self.prs.get(pr).is_some_and(|p| p.open) {
                    let head = self.commit();
                    if *good {
                        self.good_heads.insert(head.clone());
                    }
                    if let Some(p) = self.prs.get_mut(pr) {
                        p.head = head;
                        p.good = *good;
                        p.unit = None;
                    }
                    self.triggered(*pr);
                }
            }
            Step::Close { pr } => {
                if let Some(p) = self.prs.get_mut(pr) {
                    p.open = false;
                }
            }
            Step::AdvanceBase => {
                let push = (0, format!("someone-else-{}", self.commits));
                self.advance(push);
            }
            Step::Finish { flake } => self.finish(*flake, None),
            Step::FinishOne { flake, which } => self.finish(*flake, Some(*which)),
            Step::Ping => self.ping(None),
            Step::PingTwice => {
                self.ping(None);
                self.ping(None);
            }
            Step::StalePing { then } => {
                let then = then.as_ref().clone();
                self.ping(Some(then));
            }
        }
    }

    /// Every running job ends: a batch passes when all its changes are good, a serial run when
    /// its change is; a flake fails either.
    fn finish(&mut self, flake: bool, one: Option<usize>) {
        let running: Vec<usize> = (0..self.runs.len())
            .filter(|i| self.runs[*i].state == RunState::Pending)
            .collect();
        let chosen: Vec<usize> = match one {
            None => running,
            Some(which) if !running.is_empty() => vec![running[which % running.len()]],
            Some(_) => Vec::new(),
        };
        for index in chosen {
            let good = self.runs[index]
                .pulls
                .iter()
                .all(|(_, head)| self.good_heads.contains(head));
            let state = if good && !flake {
                RunState::Success
            } else {
                RunState::Failure
            };
            self.runs[index].state = state;
            let run = self.runs[index].clone();
            if run.kind == RunKind::Presubmit
                && let Some((n, head)) = run.pulls.first()
                && let Some(p) = self.prs.get_mut(n)
                && p.head == *head
            {
                p.unit = Some(if state == RunState::Success {
                    ContextState::Success
                } else {
                    ContextState::Failure
                });
            }
        }
    }

    fn pool(&self) -> Subpool<'static> {
        let presubmits: Vec<&'static Presubmit> = CONFIG.jobs.presubmits["k/a"]
            .iter()
            .filter(|j| j.brancher.should_run("main"))
            .collect();
        let owned: Vec<Presubmit> = presubmits.iter().map(|p| (*p).clone()).collect();
        let policy =
            ContextPolicy::for_branch(&ContextOptions::default(), "k", "a", "main", &owned, &[])
                .unwrap();
        let prs: Vec<PullRequest> = self
            .prs
            .iter()
            .filter(|(_, p)| World::admitted(p))
            .map(|(n, p)| PullRequest {
                number: *n,
                head_sha: p.head.clone(),
                base_ref: "main".into(),
                labels: p.labels.iter().map(|l| l.to_string()).collect(),
                contexts: p
                    .unit
                    .map(|state| vec![Context::new("unit", state, "")])
                    .unwrap_or_default(),
                ..PullRequest::default()
            })
            .collect();
        let heads: BTreeMap<u64, &str> = prs
            .iter()
            .map(|p| (p.number, p.head_sha.as_str()))
            .collect();
        let as_run = |run: &Run| JobRun {
            kind: run.kind,
            job: "unit".into(),
            context: "unit".into(),
            base_sha: run.base.clone(),
            pulls: run.pulls.clone(),
            state: run.state,
            created_by_tide: run.by_tide,
        };
        let suspects: BTreeSet<Vec<u64>> = self
            .runs
            .iter()
            .filter(|r| {
                r.base != self.base && r.kind == RunKind::Batch && r.state == RunState::Failure
            })
            .filter(|r| {
                r.pulls
                    .iter()
                    .all(|(n, h)| heads.get(n) == Some(&h.as_str()))
            })
            .map(|r| r.pulls.iter().map(|(n, _)| *n).collect())
            .collect();
        Subpool {
            org: "k".into(),
            repo: "a".into(),
            branch: "main".into(),
            base_sha: self.base.clone(),
            changes: prs
                .iter()
                .map(|p| (p.number, vec!["main.go".to_string()]))
                .collect(),
            prs,
            runs: {
                let (mut current, earlier): (Vec<JobRun>, Vec<JobRun>) = self
                    .runs
                    .iter()
                    .map(as_run)
                    .partition(|r| r.base_sha == self.base);
                current.extend(prow_tide::pool::rebased(
                    &earlier,
                    &self.tide_merges,
                    &self.base,
                ));
                current
            },
            presubmits,
            policy,
            in_repo: Default::default(),
            suspects: suspects.into_iter().collect(),
        }
    }

    /// One sync: read, (let `meanwhile` happen), act as the sync acts.
    fn ping(&mut self, meanwhile: Option<Step>) {
        let pool = self.pool();
        let decision = decide(&pool, &PoolSettings::default(), false).unwrap();
        if decision.action == Action::TriggerBatch && !decision.batches.pending.is_empty() {
            SPECULATED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(step) = meanwhile {
            self.change(&step);
        }
        match decision.action {
            Action::Wait | Action::Blocked => {}
            Action::Merge | Action::MergeBatch => {
                let mut expected = pool.base_sha.clone();
                for number in &decision.targets {
                    let read = pool
                        .pr(*number)
                        .map(|p| p.head_sha.clone())
                        .unwrap_or_default();
                    let Some(now) = self.prs.get(number).cloned() else {
                        break;
                    };
                    // The sync's re-check, then GitHub's own (it refuses a moved head).
                    if !World::admitted(&now) || now.head != read || self.base != expected {
                        break;
                    }
                    let onto = self.base.clone();
                    let to = self.advance((*number, now.head.clone()));
                    self.tide_merges.push(prow_tide::pool::Merged {
                        from: onto.clone(),
                        merged: vec![(*number, now.head.clone())],
                        to: to.clone(),
                    });
                    expected = to;
                    if let Some(p) = self.prs.get_mut(number) {
                        p.open = false;
                        p.merged = true;
                    }
                    self.merges.push(Merged {
                        pr: *number,
                        head: now.head,
                        onto,
                        decided_on: pool.base_sha.clone(),
                        group: decision.targets.clone(),
                    });
                }
            }
            Action::Trigger | Action::TriggerBatch => self.start(&pool, &decision.targets),
            Action::Bisect => {
                for half in &decision.groups {
                    self.start(&pool, half);
                }
            }
        }
    }

    /// Tide's runs, named as the sync names them (what is tested, on what, which attempt).
    fn start(&mut self, pool: &Subpool<'_>, targets: &[u64]) {
        let pulls: Vec<(u64, String)> = targets
            .iter()
            .filter_map(|n| pool.pr(*n).map(|p| (*n, p.head_sha.clone())))
            .collect();
        let attempt = self
            .runs
            .iter()
            .filter(|r| r.base == pool.base_sha && r.pulls == pulls && r.state == RunState::Failure)
            .count();
        let name = format!("tide-{}-{pulls:?}-{attempt}", pool.base_sha);
        if self.runs.iter().any(|r| r.name == name) {
            return;
        }
        self.runs.push(Run {
            name,
            kind: if pulls.len() == 1 {
                RunKind::Presubmit
            } else {
                RunKind::Batch
            },
            pulls,
            base: pool.base_sha.clone(),
            state: RunState::Pending,
            by_tide: true,
        });
    }

    /// The safety invariants, over the merges since the last check: no broken change, and
    /// each merge decision lands exactly the content some passing run tested (the base it merged
    /// onto, with the pull requests merged together), whichever base that run ran on.
    fn check(&mut self) {
        for (index, merged) in self.merges.iter().enumerate().skip(self.checked) {
            assert!(
                self.good_heads.contains(&merged.head),
                "a broken change merged: {merged:?}"
            );
            // The decision's merges so far, from its first onto this one.
            let first = self.merges[..=index]
                .iter()
                .rposition(|m| m.group != merged.group || m.decided_on != merged.decided_on)
                .map_or(0, |i| i + 1);
            let onto = &self.merges[first].onto;
            assert_eq!(
                onto, &merged.decided_on,
                "merged onto another base: {merged:?}"
            );
            let mut landed = self.contents.get(onto).cloned().unwrap_or_default();
            landed.extend(
                self.merges[first..=index]
                    .iter()
                    .map(|m| (m.pr, m.head.clone())),
            );
            let last_of_group = index + 1 == self.merges.len()
                || self.merges[index + 1].group != merged.group
                || self.merges[index + 1].decided_on != merged.decided_on;
            let whole = merged.group.len() == index + 1 - first;
            let covered = self.runs.iter().any(|run| {
                run.state == RunState::Success && {
                    let tested = self.tested(run);
                    if whole && last_of_group {
                        tested == landed
                    } else {
                        // A batch cut short (something changed under it): what landed is part
                        // of what was tested together on that base.
                        landed.is_subset(&tested)
                            && tested.is_subset(&{
                                let mut all = self.contents.get(onto).cloned().unwrap_or_default();
                                all.extend(run.pulls.iter().cloned());
                                all
                            })
                    }
                }
            });
            assert!(
                covered,
                "merged content no passing run tested: {merged:?} landed {landed:?}"
            );
        }
        self.checked = self.merges.len();
    }

    /// Liveness: with the world quiet, every good, labelled, open pull request merges within a
    /// bounded number of pings.
    fn settle(&mut self) {
        // A person says /retest where a flake failed a good change's context.
        let flaked: Vec<u64> = self
            .prs
            .iter()
            .filter(|(_, p)| World::admitted(p) && p.good && p.unit == Some(ContextState::Failure))
            .map(|(n, _)| *n)
            .collect();
        for pr in flaked {
            self.triggered(pr);
        }
        for _ in 0..40 {
            self.finish(false, None);
            self.ping(None);
            self.check();
        }
        let stuck: Vec<u64> = self
            .prs
            .iter()
            .filter(|(_, p)| World::admitted(p) && p.good)
            .map(|(n, _)| *n)
            .collect();
        assert!(stuck.is_empty(), "never merged: {stuck:?} in {self:#?}");
    }
}

struct Tide;

/// Steps taken over every run (printed: the figure CI reports).
static STEPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Speculative batches started.
static SPECULATED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Runs carried to a newer base over tide's merges: speculation was exercised.
static CARRIED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Pull requests merged over every run: the test exercised merges, not only waits.
static MERGES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl StateMachineTest for Tide {
    type SystemUnderTest = World;
    type Reference = Reference;

    fn init_test(_: &Opened) -> World {
        World {
            base: format!("{:040x}", 0),
            commits: 0,
            prs: BTreeMap::new(),
            runs: Vec::new(),
            merges: Vec::new(),
            checked: 0,
            good_heads: BTreeSet::new(),
            contents: BTreeMap::from([(format!("{:040x}", 0), BTreeSet::new())]),
            tide_merges: Vec::new(),
        }
    }

    fn apply(mut world: World, _: &Opened, step: Step) -> World {
        STEPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        world.change(&step);
        world.check();
        world
    }

    fn teardown(mut world: World, _: Opened) {
        world.settle();
        MERGES.fetch_add(world.merges.len(), std::sync::atomic::Ordering::Relaxed);
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: 220,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    fn tide_merges_only_what_passed_where_it_merged_and_everything_good_merges(sequential 1..128 => Tide);
}

/// The model's runs, and that they covered what they claim to.
#[test]
fn tide_is_safe_and_live_under_random_interleavings() {
    tide_merges_only_what_passed_where_it_merged_and_everything_good_merges();
    let steps = STEPS.load(std::sync::atomic::Ordering::Relaxed);
    let merges = MERGES.load(std::sync::atomic::Ordering::Relaxed);
    let carried = CARRIED.load(std::sync::atomic::Ordering::Relaxed);
    let speculated = SPECULATED.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "tide model: {steps} steps, {merges} merges, {speculated} speculative batches, {carried} runs carried across merges"
    );
    assert!(steps >= 10_000, "{steps} steps");
    assert!(merges > 100, "{merges} merges");
}

/// A speculative batch through the same world and invariants, step by step: while batch
/// [1, 2] runs, [1, 2, 3] is tested on top of it; [1, 2] passes and merges; [1, 2, 3] passing
/// later then stands for 3 on the new base, and 3 merges without another run, unless someone
/// else pushed meanwhile.
#[test]
fn a_speculative_batch_carries_across_the_merge_before_it() {
    for someone_pushes in [false, true] {
        speculate(someone_pushes);
    }
}

fn speculate(someone_pushes: bool) {
    let mut world = Tide::init_test(&Opened::default());
    let step = |world: &mut World, step: Step| {
        world.change(&step);
        world.check();
    };
    for s in [
        Step::Open {
            good: true,
            ready: true,
        },
        Step::Open {
            good: true,
            ready: true,
        },
        Step::Finish { flake: false },
        // Someone else pushes: the results are for an old base; the two are batched.
        Step::AdvanceBase,
        Step::Open {
            good: true,
            ready: true,
        },
        Step::Ping,
    ] {
        step(&mut world, s);
    }
    let batch = |world: &World, pulls: &[u64]| {
        world.runs.iter().position(|r| {
            r.kind == RunKind::Batch && r.pulls.iter().map(|(n, _)| *n).collect::<Vec<_>>() == pulls
        })
    };
    let first = batch(&world, &[1, 2]).expect("[1, 2] started");
    // 3's own run ends; the next ping tests [1, 2, 3] on top of the running batch.
    let third = world
        .runs
        .iter()
        .position(|r| r.pulls.len() == 1 && r.pulls[0].0 == 3)
        .unwrap();
    let finish = |world: &mut World, index: usize| {
        let pending: Vec<usize> = (0..world.runs.len())
            .filter(|i| world.runs[*i].state == RunState::Pending)
            .collect();
        let which = pending.iter().position(|i| *i == index).unwrap();
        world.change(&Step::FinishOne {
            flake: false,
            which,
        });
        world.check();
    };
    finish(&mut world, third);
    step(&mut world, Step::Ping);
    let speculative = batch(&world, &[1, 2, 3]).expect("[1, 2, 3] started on top");
    finish(&mut world, first);
    step(&mut world, Step::Ping);
    assert!(world.prs[&1].merged && world.prs[&2].merged && !world.prs[&3].merged);
    if someone_pushes {
        step(&mut world, Step::AdvanceBase);
    }
    let runs_before = world.runs.len();
    finish(&mut world, speculative);
    step(&mut world, Step::Ping);
    if someone_pushes {
        assert!(!world.prs[&3].merged, "the base holds more than was tested");
        assert!(world.runs.len() > runs_before, "3 is tested again");
    } else {
        assert!(world.prs[&3].merged, "{world:#?}");
        assert_eq!(
            world.runs.len(),
            runs_before,
            "3 merged on the speculative result alone"
        );
    }
}
