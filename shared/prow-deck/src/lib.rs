//! What deck shows, decided without I/O. The deck function reads ProwJobs, a run's files, tide's
//! pools and hook's plugin help, and hands them here; this crate turns them into the job list and
//! its filters ([`joblist`]), a run's build log ([`buildlog`]) and test results ([`junit`]), a
//! job's history ([`history`]), badges ([`badge`]), charts ([`svg`], [`charts`]), upstream's JSON
//! ([`api`]) and the HTML pages ([`html`]).
//!
//! Boundary: no network, no clock (the time is an argument), no file system.

pub mod api;
pub mod badge;
pub mod buildlog;
pub mod charts;
pub mod history;
pub mod html;
pub mod joblist;
pub mod junit;
pub mod prhistory;
pub mod rerun;
pub mod session;
pub mod svg;

use prow_api::ProwJob;

/// A ProwJob as `/prowjob?prowjob=` shows it: YAML, as upstream, without `managedFields`.
pub fn prowjob_yaml(job: &ProwJob) -> Result<String, serde_saphyr::ser::Error> {
    let mut job = job.clone();
    job.metadata.managed_fields = None;
    serde_saphyr::to_string(&job)
}

/// The buckets deck reads runs from (upstream's spyglass allows the buckets the configuration
/// uploads to, and `deck.additional_allowed_buckets`): links naming any other bucket are refused,
/// so deck's credentials read only what Prow wrote.
pub fn allowed_buckets(config: &prow_config::Config) -> std::collections::BTreeSet<String> {
    let plank = &config.prow.plank;
    let from_defaults = plank.default_decoration_configs.values().chain(
        plank
            .default_decoration_config_entries
            .iter()
            .filter_map(|entry| entry.config.as_ref()),
    );
    let jobs = &config.jobs;
    let from_jobs = jobs
        .presubmits
        .values()
        .flatten()
        .map(|job| &job.base)
        .chain(jobs.postsubmits.values().flatten().map(|job| &job.base))
        .chain(jobs.periodics.iter().map(|job| &job.base))
        .filter_map(|base| base.utility.decoration_config.as_deref());
    from_defaults
        .chain(from_jobs)
        .filter_map(|decoration| decoration.gcs_configuration.as_ref())
        .map(|gcs| {
            gcs.bucket
                .trim_start_matches("s3://")
                .trim_start_matches("gs://")
        })
        .filter(|bucket| !bucket.is_empty())
        .map(str::to_string)
        .chain(config.prow.deck.additional_allowed_buckets.iter().cloned())
        .collect()
}
