//! crier's Gerrit report (upstream `pkg/crier/reporters/gerrit`): one review message per patch
//! set summarising its jobs, and a vote on the jobs' report label (`Code-Review` unless they name
//! another; none when they name none) once every job it covers has finished: +1 when all passed,
//! -1 when a presubmit failed (0 on a change merged meanwhile), 0 when only other jobs failed.
//! The adapter reads the bot's own reports back for `/retest` ([`failed_contexts`]).

use crate::adapter::{
    GERRIT_ID, GERRIT_INSTANCE, GERRIT_PATCHSET, GERRIT_REPORT_LABEL, GERRIT_REVISION,
};
use prow_api::{ProwJob, ProwJobState, ProwJobType};
use std::collections::{BTreeMap, HashSet};

/// The first line of every report.
pub const HEADER: &str = "Prow Status:";
/// Gerrit refuses longer messages.
const LIMIT: usize = 15 * 1024;

fn label(job: &ProwJob, key: &str) -> Option<String> {
    job.metadata.labels.as_ref()?.get(key).cloned()
}

fn annotation(job: &ProwJob, key: &str) -> Option<String> {
    job.metadata.annotations.as_ref()?.get(key).cloned()
}

fn finished(job: &ProwJob) -> bool {
    !matches!(
        job.status.state,
        None | Some(ProwJobState::Triggered | ProwJobState::Scheduling | ProwJobState::Pending)
    )
}

/// Where a report goes: the host, the change and the revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub instance: String,
    pub change_id: String,
    pub revision: String,
}

/// Whether `job` is reported now (upstream `ShouldReport`), given the jobs of its change; the
/// jobs its report covers (the newest run of each job on its revision, type and label).
pub fn covers(job: &ProwJob, jobs_of_change: &[ProwJob]) -> Option<(Target, Vec<ProwJob>)> {
    if !job.spec.report || !finished(job) || job.status.state == Some(ProwJobState::Aborted) {
        return None;
    }
    let target = Target {
        instance: annotation(job, GERRIT_INSTANCE).filter(|s| !s.is_empty())?,
        change_id: annotation(job, GERRIT_ID).filter(|s| !s.is_empty())?,
        revision: label(job, GERRIT_REVISION).filter(|s| !s.is_empty())?,
    };
    let report_label = label(job, GERRIT_REPORT_LABEL);
    if report_label.as_deref() == Some("") {
        return Some((target, vec![job.clone()]));
    }
    let patchset = |j: &ProwJob| {
        label(j, GERRIT_PATCHSET)
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or_default()
    };
    // A newer patch set makes this report moot.
    if jobs_of_change.iter().any(|j| patchset(j) > patchset(job)) {
        return None;
    }
    let same = |j: &ProwJob| {
        label(j, GERRIT_REVISION) == Some(target.revision.clone())
            && j.spec.job_type == job.spec.job_type
            && label(j, GERRIT_REPORT_LABEL) == report_label
    };
    let mut newest: BTreeMap<&str, &ProwJob> = BTreeMap::new();
    for candidate in jobs_of_change.iter().filter(|j| same(j)) {
        let entry = newest
            .entry(candidate.spec.job.as_str())
            .or_insert(candidate);
        if candidate.status.start_time > entry.status.start_time {
            *entry = candidate;
        }
    }
    if newest.values().any(|j| !finished(j)) {
        return None;
    }
    Some((target, newest.into_values().cloned().collect()))
}

fn icon(state: Option<ProwJobState>) -> &'static str {
    match state {
        Some(ProwJobState::Success) => "✔️",
        Some(ProwJobState::Failure) => "❌",
        Some(ProwJobState::Error | ProwJobState::Aborted) => "🚫",
        _ => "⏳",
    }
}

fn state_name(state: Option<ProwJobState>) -> String {
    state.map_or("PENDING".into(), |s| s.as_str().to_uppercase())
}

fn failed(job: &ProwJob) -> bool {
    matches!(
        job.status.state,
        Some(ProwJobState::Failure | ProwJobState::Error | ProwJobState::Aborted)
    )
}

/// The review message for `jobs`, failures first, in upstream's words and within Gerrit's limit.
pub fn message(jobs: &[ProwJob]) -> String {
    let passed = jobs
        .iter()
        .filter(|j| j.status.state == Some(ProwJobState::Success))
        .count();
    let by_tide = jobs
        .iter()
        .any(|j| label(j, "prow.k8s.io/created-by-tide").is_some());
    let mut header = format!(
        "{HEADER} {passed} out of {} pjs passed! 👉 Comment `/retest` to rerun only failed tests (if any), or `/test all` to rerun all tests.",
        jobs.len()
    );
    if by_tide {
        header
            .push_str(" (Not a duplicated report. Some of the jobs below were triggered by Tide)");
    }
    header.push('\n');
    let mut ordered: Vec<&ProwJob> = jobs.iter().collect();
    ordered.sort_by_key(|j| (!failed(j), j.spec.job.clone()));
    let line = |job: &ProwJob, with_url: bool| {
        let state = state_name(job.status.state);
        let icon = icon(job.status.state);
        if !with_url {
            format!("{icon} {} {state}\n", job.spec.job)
        } else if job.status.url.is_empty() {
            format!("{icon} {} (URL_NOT_FOUND) {state}\n", job.spec.job)
        } else {
            format!("{icon} [{}]({}) {state}\n", job.spec.job, job.status.url)
        }
    };
    let full: String = ordered.iter().map(|j| line(j, true)).collect();
    if header.len() + full.len() <= LIMIT {
        return header + &full;
    }
    let short: String = ordered.iter().map(|j| line(j, false)).collect();
    let note = format!(
        "[NOTE FROM PROW: Skipped displaying URLs for {}/{} jobs due to reaching gerrit comment size limit]\n",
        ordered.len(),
        ordered.len()
    );
    header + &short + &note
}

/// The vote the report gives, as `(label, value)`; none when the jobs name no label.
pub fn vote(jobs: &[ProwJob], change_merged: bool) -> Option<(String, i32)> {
    let report_label = jobs
        .first()
        .map(|j| label(j, GERRIT_REPORT_LABEL).unwrap_or_else(|| "Code-Review".into()))?;
    if report_label.is_empty() {
        return None;
    }
    let presubmit_failed = jobs
        .iter()
        .any(|j| failed(j) && j.spec.job_type == ProwJobType::Presubmit);
    let value = if jobs
        .iter()
        .all(|j| j.status.state == Some(ProwJobState::Success))
    {
        1
    } else if presubmit_failed && !change_merged {
        -1
    } else {
        0
    };
    Some((report_label, value))
}

/// Each job the bot's reports (oldest first) list, with the state its newest report gives
/// (upstream `ParseReport`).
pub fn reported_states<'a>(reports: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut latest: BTreeMap<String, String> = BTreeMap::new();
    for report in reports {
        let Some(start) = report.find(HEADER) else {
            continue;
        };
        for line in report[start..].lines().skip(1) {
            if line.starts_with("[NOTE FROM PROW") || line.trim().is_empty() {
                continue;
            }
            let parts: Vec<&str> = line.split_whitespace().collect();
            let (name, state) = match parts.as_slice() {
                [_, linked, state] if linked.starts_with('[') => (
                    linked
                        .trim_start_matches('[')
                        .split("](")
                        .next()
                        .unwrap_or_default(),
                    *state,
                ),
                [_, name, "(URL_NOT_FOUND)", state] => (*name, *state),
                [_, name, state] => (*name, *state),
                _ => continue,
            };
            latest.insert(name.to_string(), state.to_string());
        }
    }
    latest
}

/// The job names the bot's reports list as failed, errored or aborted (upstream `failedJobs`).
pub fn failed_contexts<'a>(reports: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    reported_states(reports)
        .into_iter()
        .filter(|(_, state)| matches!(state.as_str(), "FAILURE" | "ERROR" | "ABORTED"))
        .map(|(name, _)| name)
        .collect()
}

#[cfg(test)]
mod tests;
