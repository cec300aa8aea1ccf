//! What the Gerrit adapter does about one change updated since a project's last sync (upstream
//! `pkg/gerrit/adapter`), decided without I/O:
//!
//! - a merged change (submitted since the last sync) starts the postsubmits of its branch whose
//!   `run_if_changed` match its files;
//! - an open change starts what `/test all` runs when its current patch set is new (unless it is
//!   work in progress), and what its new messages ask for: `/test <job>`, `/test all`, `/retest`
//!   (the jobs the bot's last report on this patch set lists as failed);
//! - the ProwJobs carry upstream's Gerrit labels (`prow.k8s.io/gerrit-revision`,
//!   `gerrit-patchset`, `gerrit-report-label`) and annotations (`gerrit-instance`, `gerrit-id`),
//!   and refs as upstream builds them (org the host URL, repo the project, the patch set's ref).
//!
//! Jobs are named from the change, its revision and what asked for them: the same change seen
//! again (a restart before the last sync was saved) asks for the same names, which the job store
//! refuses as existing, so nothing runs twice.

use crate::report;
use jiff::Timestamp;
use prow_api::{ProwJob, Pull, Refs, StringMap};
use prow_config::Config;
use prow_ports::gerrit::{Account, Change, ChangeStatus};
use prow_trigger::filter::{self, Contexts, Filter};
use std::collections::HashSet;

pub const GERRIT_REVISION: &str = "prow.k8s.io/gerrit-revision";
pub const GERRIT_PATCHSET: &str = "prow.k8s.io/gerrit-patchset";
pub const GERRIT_REPORT_LABEL: &str = prow_api::labels::GERRIT_REPORT_LABEL;
pub const GERRIT_INSTANCE: &str = "prow.k8s.io/gerrit-instance";
pub const GERRIT_ID: &str = "prow.k8s.io/gerrit-id";
/// The label voted on when a job names none.
pub const DEFAULT_REPORT_LABEL: &str = "Code-Review";

/// What to do about a change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decision {
    pub jobs: Vec<ProwJob>,
    /// A message to post on the change's current revision (what was triggered).
    pub message: Option<String>,
}

/// The key jobs of `project` on `instance` are configured under.
pub fn job_key(instance: &str, project: &str) -> String {
    format!("{}/{project}", instance.trim_end_matches('/'))
}

/// The refs a change's jobs test (upstream `CreateRefs`).
pub fn refs(instance: &str, change: &Change, base_sha: &str) -> Refs {
    let instance = instance.trim_end_matches('/');
    let code_host = code_url(instance);
    let revision = &change.revision;
    Refs {
        org: instance.to_string(),
        repo: change.project.clone(),
        base_ref: change.branch.clone(),
        base_sha: base_sha.to_string(),
        clone_uri: format!("{instance}/{}", change.project),
        repo_link: format!("{code_host}/{}", change.project),
        base_link: format!("{code_host}/{}/+/{base_sha}", change.project),
        pulls: vec![Pull {
            number: change.number,
            author: revision.author_name.clone(),
            sha: revision.sha.clone(),
            r#ref: revision.git_ref.clone(),
            link: format!("{instance}/c/{}/+/{}", change.project, change.number),
            commit_link: format!("{code_host}/{}/+/{}", change.project, revision.sha),
            author_link: format!("{instance}/q/{}", revision.author_email),
            ..Pull::default()
        }],
        ..Refs::default()
    }
}

/// The code-browsing host of a review host (`x-review.host` is `x.host`).
fn code_url(instance: &str) -> String {
    match instance.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = match host.split_once('.') {
                Some((first, tail)) if first.ends_with("-review") => {
                    format!("{}.{tail}", first.trim_end_matches("-review"))
                }
                _ => host.to_string(),
            };
            if path.is_empty() {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => instance.to_string(),
    }
}

/// Whether a message makes the adapter look at the change (upstream `shouldTriggerJobs`): a
/// retest, `/test all`, one the configured regex matches (every message when it is empty), or a
/// change marked ready for review.
fn wakes(text: &str, allowed: Option<&regex::Regex>) -> bool {
    prow_trigger::commands::RETEST.is_match(text)
        || prow_trigger::commands::TEST_ALL.is_match(text)
        || allowed.is_some_and(|r| r.is_match(text))
        || text.ends_with("Set Ready For Review")
        || text.ends_with("This change is ready for review.")
}

/// `built` with upstream's Gerrit labels and annotations: those tying it to `change` of
/// `instance`, and the Gerrit label it reports on (the job's own, or [`DEFAULT_REPORT_LABEL`]).
fn labelled(
    mut built: ProwJob,
    instance: &str,
    change: &Change,
    job_labels: &StringMap,
) -> ProwJob {
    let report_label = job_labels
        .get(GERRIT_REPORT_LABEL)
        .cloned()
        .unwrap_or_else(|| DEFAULT_REPORT_LABEL.to_string());
    let labels = built.metadata.labels.get_or_insert_with(Default::default);
    labels.insert(GERRIT_REVISION.into(), change.revision.sha.clone());
    labels.insert(GERRIT_PATCHSET.into(), change.revision.number.to_string());
    labels.insert(GERRIT_REPORT_LABEL.into(), report_label);
    let annotations = built
        .metadata
        .annotations
        .get_or_insert_with(Default::default);
    annotations.insert(GERRIT_INSTANCE.into(), instance.to_string());
    annotations.insert(GERRIT_ID.into(), change.id.clone());
    built
}

/// What to do about `change` of `instance`, updated after `last_sync`; `bot` is the adapter's
/// account (its reports say which jobs failed), `base_sha` the branch's head.
pub fn plan_change(
    config: &Config,
    instance: &str,
    change: &Change,
    last_sync: Timestamp,
    bot: &Account,
    base_sha: &str,
    now: Timestamp,
) -> Decision {
    let key = job_key(instance, &change.project);
    let revision = &change.revision;
    let files: Vec<String> = revision
        .files
        .iter()
        .flat_map(|f| std::iter::once(f.path.clone()).chain(f.old_path.clone()))
        .collect();
    let refs = refs(instance, change, base_sha);
    let mut decision = Decision::default();
    match change.status {
        ChangeStatus::Merged => {
            if change.submitted.is_none_or(|s| s <= last_sync) {
                return decision;
            }
            let trigger_id = format!("{}@{}@merged", change.id, revision.sha);
            for job in config.jobs.postsubmits_for(&key) {
                // Upstream `Postsubmit.ShouldRun`: `always_run`, then the change matcher, then run.
                let runs = job.brancher.should_run(&change.branch)
                    && match job.always_run {
                        Some(true) => true,
                        _ if job.changes.could_run_conditionally() => {
                            job.changes.runs_against_changes(&files)
                        }
                        Some(false) => false,
                        None => true,
                    };
                if runs {
                    let built = prow_trigger::jobs::postsubmit(job, refs.clone(), &trigger_id, now);
                    decision
                        .jobs
                        .push(labelled(built, instance, change, &job.base.labels));
                }
            }
        }
        ChangeStatus::New => {
            // Load-time validation refuses a regex that does not compile.
            let allowed = regex::Regex::new(&config.prow.gerrit.allowed_presubmit_trigger_re).ok();
            let current: Vec<_> = change
                .messages
                .iter()
                .filter(|m| m.revision_number == revision.number && m.date > last_sync)
                .filter(|m| m.author_id != bot.id)
                .collect();
            let new_patch_set = revision.created > last_sync;
            if !new_patch_set && !current.iter().any(|m| wakes(&m.text, allowed.as_ref())) {
                return decision;
            }
            let reported = report::reported_states(
                change
                    .messages
                    .iter()
                    .filter(|m| m.author_id == bot.id && m.revision_number == revision.number)
                    .map(|m| m.text.as_str()),
            );
            let contexts = Contexts {
                failed: reported
                    .iter()
                    .filter(|(_, state)| matches!(state.as_str(), "FAILURE" | "ERROR" | "ABORTED"))
                    .map(|(name, _)| name.clone())
                    .collect(),
                all: reported.keys().cloned().collect::<HashSet<_>>(),
            };
            let presubmits = config.jobs.presubmits_for(&key);
            let mut filters: Vec<Filter<'_>> = Vec::new();
            for message in &current {
                filters.extend(filter::for_comment(&message.text, false, &contexts));
            }
            if new_patch_set && !change.work_in_progress {
                filters.push(Filter::TestAll);
            }
            let selected = filter::select(&filters, presubmits, &change.branch, Some(&files))
                .unwrap_or_default();
            // What asked: the patch set, or the newest message that did.
            let asked_at = current
                .iter()
                .map(|m| m.date)
                .max()
                .filter(|latest| !new_patch_set || *latest > revision.created)
                .unwrap_or(revision.created);
            let trigger_id = format!(
                "{}@{}@{}",
                change.id,
                revision.sha,
                asked_at.as_millisecond()
            );
            for job in selected {
                let no_labels = StringMap::new();
                let built =
                    prow_trigger::jobs::presubmit(job, refs.clone(), &trigger_id, &no_labels, now);
                decision
                    .jobs
                    .push(labelled(built, instance, change, &job.base.labels));
            }
        }
        ChangeStatus::Abandoned => return decision,
    }
    if decision.jobs.iter().any(|j| j.spec.report) {
        let reporting: Vec<&ProwJob> = decision.jobs.iter().filter(|j| j.spec.report).collect();
        let mut message = format!(
            "Triggered {} prow jobs ({} suppressed reporting): ",
            decision.jobs.len(),
            decision.jobs.len() - reporting.len()
        );
        for job in reporting {
            message.push_str(&format!("\n  * Name: {}", job.spec.job));
        }
        decision.message = Some(message);
    }
    decision
}

#[cfg(test)]
mod tests;
