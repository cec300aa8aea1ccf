//! `prow mkpj`: the ProwJob trigger or horologium would create for one job, printed as YAML, as
//! upstream's `mkpj` prints it (with upstream's flags), to check a job's definition or to create
//! it by hand (`prow mkpj ... | kubectl create -f -`). Refs the flags do not give are an error
//! naming the flags; upstream asks for them on the terminal or reads them from GitHub.

use prow_api::{ProwJob, ProwJobType, Pull, Refs};
use prow_config::Config;

/// What to build: the job and the refs it is for.
#[derive(Clone, Debug, Default, PartialEq, Eq, clap::Args)]
pub struct Request {
    /// The job to build, by name.
    #[arg(long = "job")]
    pub job: String,
    /// The base branch under test (presubmits and postsubmits).
    #[arg(long = "base-ref", default_value = "")]
    pub base_ref: String,
    /// The base commit under test (presubmits and postsubmits).
    #[arg(long = "base-sha", default_value = "")]
    pub base_sha: String,
    /// The pull request under test (presubmits).
    #[arg(long = "pull-number", default_value_t = 0)]
    pub pull_number: u64,
    /// The pull request's head commit (presubmits).
    #[arg(long = "pull-sha", default_value = "")]
    pub pull_sha: String,
    /// The pull request's author (presubmits).
    #[arg(long = "pull-author", default_value = "")]
    pub pull_author: String,
    /// The pull request's branch (presubmits; optional).
    #[arg(long = "pull-head-ref", default_value = "")]
    pub pull_head_ref: String,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MkpjError {
    #[error("job {0:?} is not in the configuration")]
    NotFound(String),
    #[error("job {job:?} is a {kind} of {repo}: give {missing}")]
    MissingRefs {
        job: String,
        kind: &'static str,
        repo: String,
        missing: String,
    },
}

/// The ProwJob for the request, named `name` and created at `now`; found as upstream finds it:
/// presubmits, then postsubmits, then periodics.
pub fn prowjob(
    config: &Config,
    request: &Request,
    name: &str,
    now: jiff::Timestamp,
) -> Result<ProwJob, MkpjError> {
    let jobs = &config.jobs;
    let base_refs = |repo: &str, kind: &'static str, pull: bool| {
        let mut missing = Vec::new();
        if request.base_ref.is_empty() {
            missing.push("--base-ref");
        }
        if request.base_sha.is_empty() {
            missing.push("--base-sha");
        }
        if pull {
            if request.pull_number == 0 {
                missing.push("--pull-number");
            }
            if request.pull_sha.is_empty() {
                missing.push("--pull-sha");
            }
            if request.pull_author.is_empty() {
                missing.push("--pull-author");
            }
        }
        if !missing.is_empty() {
            return Err(MkpjError::MissingRefs {
                job: request.job.clone(),
                kind,
                repo: repo.to_string(),
                missing: missing.join(", "),
            });
        }
        let (org, name) = repo.split_once('/').unwrap_or((repo, ""));
        Ok(Refs {
            org: org.to_string(),
            repo: name.to_string(),
            base_ref: request.base_ref.clone(),
            base_sha: request.base_sha.clone(),
            pulls: if pull {
                vec![Pull {
                    number: request.pull_number,
                    author: request.pull_author.clone(),
                    sha: request.pull_sha.clone(),
                    head_ref: request.pull_head_ref.clone(),
                    ..Pull::default()
                }]
            } else {
                Vec::new()
            },
            ..Refs::default()
        })
    };
    let build = |spec, base: &prow_config::JobBase| {
        prow_trigger::jobs::new_prowjob(name, spec, &base.labels, &base.annotations, now)
    };
    for (repo, presubmits) in &jobs.presubmits {
        if let Some(job) = presubmits.iter().find(|j| j.name() == request.job) {
            let refs = base_refs(repo, "presubmit", true)?;
            let spec = prow_trigger::jobs::presubmit_spec(job, ProwJobType::Presubmit, refs);
            return Ok(build(spec, &job.base));
        }
    }
    for (repo, postsubmits) in &jobs.postsubmits {
        if let Some(job) = postsubmits.iter().find(|j| j.name() == request.job) {
            let refs = base_refs(repo, "postsubmit", false)?;
            return Ok(build(
                prow_trigger::jobs::postsubmit_spec(job, refs),
                &job.base,
            ));
        }
    }
    match jobs.periodics.iter().find(|j| j.name() == request.job) {
        Some(job) => Ok(build(prow_trigger::jobs::periodic_spec(job), &job.base)),
        None => Err(MkpjError::NotFound(request.job.clone())),
    }
}
