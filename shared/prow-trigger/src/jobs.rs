//! ProwJobs as upstream builds them (`pjutil.NewPresubmit`, `PresubmitSpec`, `PostsubmitSpec`,
//! `PeriodicSpec`, `decorate.LabelsAndAnnotationsForSpec`), with one difference on purpose: the
//! name is derived from what triggered the job and the job's name, not random, so the same event
//! delivered again names the same ProwJob and creating it a second time changes nothing.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use prow_api::{
    ProwJob, ProwJobSpec, ProwJobState, ProwJobStatus, ProwJobType, Pull, Refs, StringMap, labels,
};
use prow_config::{JobBase, Periodic, Postsubmit, Presubmit};
use prow_github::events::PullRequest;
use sha2::{Digest, Sha256};

/// The label naming the webhook delivery that created a job (upstream `github.EventGUID`).
pub const EVENT_GUID_LABEL: &str = "event-GUID";

/// A UUID-shaped name (what upstream's random names look like) from a SHA-256 of the parts.
pub fn job_name(trigger_id: &str, job: &str) -> String {
    let digest = Sha256::digest(format!("{trigger_id}\n{job}").as_bytes());
    let hex = hex::encode(&digest[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The refs of a pull request tested on `base_sha` (upstream `createRefs`).
pub fn pull_refs(pr: &PullRequest, base_sha: &str) -> Refs {
    let base_repo = pr.base.repo.clone().unwrap_or_default();
    let link = base_repo.html_url.clone();
    Refs {
        org: base_repo.org().to_string(),
        repo: base_repo.name.clone(),
        repo_link: link.clone(),
        base_ref: pr.base.git_ref.clone(),
        base_sha: base_sha.to_string(),
        base_link: format!("{link}/commit/{base_sha}"),
        pulls: vec![Pull {
            number: pr.number,
            author: pr.user.login.clone(),
            sha: pr.head.sha.clone(),
            title: pr.title.clone(),
            head_ref: pr.head.git_ref.clone(),
            link: pr.html_url.clone(),
            commit_link: format!("{link}/pull/{}/commits/{}", pr.number, pr.head.sha),
            author_link: pr.user.html_url.clone(),
            ..Pull::default()
        }],
        ..Refs::default()
    }
}

fn decorated(base: &JobBase) -> Option<prow_api::DecorationConfig> {
    (base.utility.decorate == Some(true))
        .then(|| base.utility.decoration_config.as_deref().cloned())
        .flatten()
}

/// The refs with the job's clone settings (upstream `CompletePrimaryRefs`).
fn complete_refs(mut refs: Refs, base: &JobBase) -> Refs {
    let utility = &base.utility;
    if !utility.path_alias.is_empty() {
        refs.path_alias = utility.path_alias.clone();
    }
    if !utility.clone_uri.is_empty() {
        refs.clone_uri = utility.clone_uri.clone();
    }
    refs.skip_submodules |= utility.skip_submodules;
    if utility.clone_depth > 0 {
        refs.clone_depth = utility.clone_depth;
    }
    refs.skip_fetch_head |= utility.skip_fetch_head;
    if let Some(decoration) = decorated(base) {
        if refs.blobless_fetch.is_none() {
            refs.blobless_fetch = decoration.blobless_fetch;
        }
        if !decoration.sparse_checkout_files.is_empty() {
            refs.sparse_checkout_files = decoration.sparse_checkout_files.clone();
        }
    }
    refs
}

/// Upstream `specFromJobBase`.
fn spec_from_base(base: &JobBase, job_type: ProwJobType) -> ProwJobSpec {
    let decoration = decorated(base);
    let extra_refs = base
        .utility
        .extra_refs
        .iter()
        .cloned()
        .map(|mut r| {
            if let Some(d) = &decoration
                && r.blobless_fetch.is_none()
            {
                r.blobless_fetch = d.blobless_fetch;
            }
            r
        })
        .collect();
    ProwJobSpec {
        job_type,
        agent: base.agent.clone(),
        cluster: base.cluster.clone(),
        namespace: base.namespace.clone().unwrap_or_default(),
        job: base.name.clone(),
        refs: None,
        extra_refs,
        report: false,
        context: String::new(),
        rerun_command: String::new(),
        max_concurrency: base.max_concurrency,
        error_on_eviction: base.error_on_eviction,
        pod_spec: base.spec.clone(),
        jenkins_spec: None,
        pipeline_run_spec: base.pipeline_run_spec.clone(),
        tekton_pipeline_run_spec: base.tekton_pipeline_run_spec.clone(),
        decoration_config: decoration,
        reporter_config: base.reporter_config.clone(),
        rerun_auth_config: base.rerun_auth_config.clone(),
        hidden: base.hidden,
        prowjob_defaults: base.prowjob_defaults.clone(),
        job_queue_name: base.job_queue_name.clone(),
    }
}

/// The ProwJob for `spec` named `name`, triggered at `now` (upstream `NewProwJob`).
pub fn new_prowjob(
    name: &str,
    spec: ProwJobSpec,
    extra_labels: &StringMap,
    extra_annotations: &StringMap,
    now: Timestamp,
) -> ProwJob {
    // Upstream `LabelsAndAnnotationsForSpec`: job and context cut to a label's length (whole in
    // the annotations), the refs, then the job's own labels; a value that is not a valid label
    // value becomes its last path element, or the label is left out.
    let mut job_labels = StringMap::new();
    job_labels.insert(labels::CREATED_BY_PROW.into(), "true".into());
    job_labels.insert(labels::PROW_JOB_TYPE.into(), spec.job_type.as_str().into());
    job_labels.insert(labels::PROW_JOB.into(), labels::truncate_value(&spec.job));
    job_labels.insert(
        labels::CONTEXT.into(),
        labels::truncate_value(&spec.context),
    );
    let mut annotations = StringMap::new();
    annotations.insert(labels::PROW_JOB.into(), spec.job.clone());
    annotations.insert(labels::CONTEXT.into(), spec.context.clone());
    if let Some(refs) = spec.refs.as_ref().or(spec.extra_refs.first()) {
        job_labels.insert(labels::ORG.into(), refs.org.clone());
        job_labels.insert(labels::REPO.into(), refs.repo.clone());
        job_labels.insert(labels::BASE_REF.into(), refs.base_ref.clone());
        if let Some(pull) = refs.pulls.first() {
            job_labels.insert(labels::PULL.into(), pull.number.to_string());
        }
    }
    job_labels.extend(extra_labels.clone());
    let job_labels: StringMap = job_labels
        .into_iter()
        .filter_map(|(key, value)| labels::fit_value(&value).map(|value| (key, value)))
        .collect();
    annotations.extend(extra_annotations.clone());
    // Upstream `setReportDefault`: a Slack reporter reports unless told not to, and
    // `job_states_to_report: []` tells it not to.
    let mut spec = spec;
    if let Some(slack) = spec.reporter_config.as_mut().and_then(|r| r.slack.as_mut())
        && slack.report.is_none()
    {
        slack.report = Some(
            slack
                .job_states_to_report
                .as_ref()
                .is_none_or(|s| !s.is_empty()),
        );
    }
    ProwJob::new(
        ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(job_labels),
            annotations: Some(annotations),
            ..ObjectMeta::default()
        },
        spec,
        ProwJobStatus {
            state: Some(ProwJobState::Triggered),
            start_time: Some(Time(now)),
            ..ProwJobStatus::default()
        },
    )
}

/// A presubmit's ProwJob for `refs` (upstream `NewPresubmit`).
pub fn presubmit(
    job: &Presubmit,
    refs: Refs,
    trigger_id: &str,
    extra_labels: &StringMap,
    now: Timestamp,
) -> ProwJob {
    let mut labels = extra_labels.clone();
    labels.insert(EVENT_GUID_LABEL.into(), trigger_id.to_string());
    labels.insert(labels::IS_OPTIONAL.into(), job.optional.to_string());
    presubmit_of_type(job, ProwJobType::Presubmit, refs, trigger_id, &labels, now)
}

/// A presubmit's ProwJob testing several pull requests together (upstream `BatchSpec`, as tide
/// starts them): not reported, since no one pull request's status is its result.
pub fn batch(
    job: &Presubmit,
    refs: Refs,
    trigger_id: &str,
    extra_labels: &StringMap,
    now: Timestamp,
) -> ProwJob {
    presubmit_of_type(job, ProwJobType::Batch, refs, trigger_id, extra_labels, now)
}

fn presubmit_of_type(
    job: &Presubmit,
    job_type: ProwJobType,
    refs: Refs,
    trigger_id: &str,
    extra_labels: &StringMap,
    now: Timestamp,
) -> ProwJob {
    let spec = presubmit_spec(job, job_type, refs);
    let mut job_labels = job.base.labels.clone();
    job_labels.extend(extra_labels.clone());
    new_prowjob(
        &job_name(trigger_id, job.name()),
        spec,
        &job_labels,
        &job.base.annotations,
        now,
    )
}

/// A presubmit's spec for `refs` (upstream `PresubmitSpec`, or `BatchSpec` for a batch).
pub fn presubmit_spec(job: &Presubmit, job_type: ProwJobType, refs: Refs) -> ProwJobSpec {
    let mut spec = spec_from_base(&job.base, job_type);
    spec.context = job.reporter.context.clone();
    if job_type == ProwJobType::Presubmit {
        spec.report = !job.reporter.skip_report;
        spec.rerun_command = job.rerun_command.clone();
    }
    spec.refs = Some(complete_refs(refs, &job.base));
    spec
}

/// A postsubmit's spec for `refs` (upstream `PostsubmitSpec`).
pub fn postsubmit_spec(job: &Postsubmit, refs: Refs) -> ProwJobSpec {
    let mut spec = spec_from_base(&job.base, ProwJobType::Postsubmit);
    spec.context = job.reporter.context.clone();
    spec.report = !job.reporter.skip_report;
    spec.refs = Some(complete_refs(refs, &job.base));
    spec
}

/// A periodic's spec (upstream `PeriodicSpec`: periodics always report).
pub fn periodic_spec(job: &Periodic) -> ProwJobSpec {
    let mut spec = spec_from_base(&job.base, ProwJobType::Periodic);
    spec.report = true;
    spec
}

/// A postsubmit's ProwJob for a push (upstream `PostsubmitSpec` in the push handler).
pub fn postsubmit(job: &Postsubmit, refs: Refs, trigger_id: &str, now: Timestamp) -> ProwJob {
    let spec = postsubmit_spec(job, refs);
    let mut job_labels = job.base.labels.clone();
    job_labels.insert(EVENT_GUID_LABEL.into(), trigger_id.to_string());
    new_prowjob(
        &job_name(trigger_id, job.name()),
        spec,
        &job_labels,
        &job.base.annotations,
        now,
    )
}

/// A periodic's ProwJob (upstream `PeriodicSpec`: periodics always report).
pub fn periodic(job: &Periodic, trigger_id: &str, now: Timestamp) -> ProwJob {
    let spec = periodic_spec(job);
    new_prowjob(
        &job_name(trigger_id, job.name()),
        spec,
        &job.base.labels,
        &job.base.annotations,
        now,
    )
}
