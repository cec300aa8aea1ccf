//! Which presubmits run (upstream `pjutil.FilterPresubmits` and `Presubmit.ShouldRun`). A filter
//! says whether it concerns a job, whether the job is forced to run, and what to do when nothing
//! else decides; then the job's branches, `always_run` and change matcher decide.

use crate::commands;
use prow_config::Presubmit;
use std::collections::{BTreeSet, HashSet};

/// The PR head's reported contexts (from its combined status), for `/retest`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contexts {
    /// Contexts in state `failure` or `error`.
    pub failed: HashSet<String>,
    pub all: HashSet<String>,
}

#[derive(Clone, Copy, Debug)]
pub enum Filter<'a> {
    /// `/test <job>`: jobs whose trigger matches the comment, forced.
    Command(&'a str),
    /// `/retest`: failed jobs, and jobs `/test all` would run that have not reported yet.
    Retest(&'a Contexts),
    /// `/retest-required`: as `/retest`, without optional jobs.
    RetestRequired(&'a Contexts),
    /// `/test-manual-required`: required jobs that only run when asked for.
    TestManualRequired,
    /// A new or updated PR, `/test all`, `/ok-to-test`: every job that runs without being asked.
    TestAll,
}

/// (concerns the job, forced to run, default when nothing else decides)
type Verdict = (bool, bool, bool);

impl Filter<'_> {
    fn verdict(&self, job: &Presubmit) -> Verdict {
        match self {
            Filter::Command(body) => {
                let matches = job.trigger_matches(body);
                (matches, matches, true)
            }
            Filter::Retest(contexts) => {
                let failed = contexts.failed.contains(&job.reporter.context);
                let unreported =
                    !job.needs_explicit_trigger() && !contexts.all.contains(&job.reporter.context);
                (failed || unreported, false, failed)
            }
            Filter::RetestRequired(_) if job.optional => (false, false, false),
            Filter::RetestRequired(contexts) => Filter::Retest(contexts).verdict(job),
            Filter::TestManualRequired => {
                if job.optional
                    || !job.needs_explicit_trigger()
                    || job.changes.could_run_conditionally()
                {
                    (false, false, false)
                } else {
                    (true, true, false)
                }
            }
            Filter::TestAll => (!job.needs_explicit_trigger(), false, false),
        }
    }
}

/// The first filter that concerns the job decides (upstream `AggregateFilter`).
fn verdict(filters: &[Filter<'_>], job: &Presubmit) -> Verdict {
    filters
        .iter()
        .map(|f| f.verdict(job))
        .find(|(concerns, _, _)| *concerns)
        .unwrap_or((false, false, false))
}

/// The filters a comment asks for, most specific first (upstream `PresubmitFilter`).
/// `contexts` are needed when the comment retests ([`needs_contexts`]).
pub fn for_comment<'a>(
    body: &'a str,
    honor_ok_to_test: bool,
    contexts: &'a Contexts,
) -> Vec<Filter<'a>> {
    let mut filters = vec![Filter::Command(body)];
    if commands::RETEST.is_match(body) {
        filters.push(Filter::Retest(contexts));
    }
    if commands::RETEST_REQUIRED.is_match(body) {
        filters.push(Filter::RetestRequired(contexts));
    }
    if commands::TEST_MANUAL_REQUIRED.is_match(body) {
        filters.push(Filter::TestManualRequired);
    }
    if (honor_ok_to_test && commands::OK_TO_TEST.is_match(body))
        || commands::TEST_ALL.is_match(body)
    {
        filters.push(Filter::TestAll);
    }
    filters
}

/// Whether the comment needs the PR's reported contexts.
pub fn needs_contexts(body: &str) -> bool {
    commands::RETEST.is_match(body) || commands::RETEST_REQUIRED.is_match(body)
}

/// The changed files were needed to decide and were not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangesNeeded;

/// Upstream `Presubmit.ShouldRun`: the job's branches, then `always_run`, then forced, then the
/// change matcher, then the default.
pub fn should_run(
    job: &Presubmit,
    branch: &str,
    changes: Option<&[String]>,
    forced: bool,
    default: bool,
) -> Result<bool, ChangesNeeded> {
    if !job.brancher.should_run(branch) {
        return Ok(false);
    }
    if job.always_run || forced {
        return Ok(true);
    }
    if job.changes.could_run_conditionally() {
        let changes = changes.ok_or(ChangesNeeded)?;
        return Ok(job.changes.runs_against_changes(changes));
    }
    Ok(default)
}

/// Whether selecting with `filters` on `branch` needs the PR's changed files (so they are only
/// fetched when some job depends on them).
pub fn needs_changes(filters: &[Filter<'_>], presubmits: &[Presubmit], branch: &str) -> bool {
    presubmits.iter().any(|job| {
        let (concerns, forced, _) = verdict(filters, job);
        concerns
            && !forced
            && !job.always_run
            && job.changes.could_run_conditionally()
            && job.brancher.should_run(branch)
    })
}

/// The presubmits to run, in configuration order.
pub fn select<'p>(
    filters: &[Filter<'_>],
    presubmits: &'p [Presubmit],
    branch: &str,
    changes: Option<&[String]>,
) -> Result<Vec<&'p Presubmit>, ChangesNeeded> {
    let mut selected = Vec::new();
    for job in presubmits {
        let (concerns, forced, default) = verdict(filters, job);
        if concerns && should_run(job, branch, changes, forced, default)? {
            selected.push(job);
        }
    }
    Ok(selected)
}

/// What the help reply lists: the jobs `/test all` runs, and the rerun commands of the optional
/// and of the required jobs.
pub type Available = (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>);

/// What the help reply lists (upstream `AvailablePresubmits`) for jobs that could run on `branch`.
pub fn available(
    presubmits: &[Presubmit],
    branch: &str,
    changes: Option<&[String]>,
) -> Result<Available, ChangesNeeded> {
    let test_all = select(&[Filter::TestAll], presubmits, branch, changes)?
        .into_iter()
        .map(|p| p.name().to_string())
        .collect();
    let (mut optional, mut required) = (BTreeSet::new(), BTreeSet::new());
    for job in presubmits
        .iter()
        .filter(|job| job.brancher.should_run(branch))
    {
        if job.optional {
            optional.insert(job.rerun_command.clone());
        } else {
            required.insert(job.rerun_command.clone());
        }
    }
    Ok((test_all, optional, required))
}
