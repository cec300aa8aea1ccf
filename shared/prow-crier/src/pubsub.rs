//! The Pub/Sub message upstream's `pubsub-reporter` publishes on every state change of a job
//! labelled (or annotated) with `prow.k8s.io/pubsub.project` and `prow.k8s.io/pubsub.topic`.

use prow_api::{ProwJob, ProwJobState, ProwJobType, Refs};
use prow_plank::url::JobUrls;
use serde::{Deserialize, Serialize};

pub const PROJECT_LABEL: &str = "prow.k8s.io/pubsub.project";
pub const TOPIC_LABEL: &str = "prow.k8s.io/pubsub.topic";
pub const RUN_ID_LABEL: &str = "prow.k8s.io/pubsub.runID";

/// Upstream `ReportMessage`, field for field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportMessage {
    pub project: String,
    pub topic: String,
    pub runid: String,
    pub status: ProwJobState,
    pub url: String,
    pub gcs_path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<Refs>,
    pub job_type: ProwJobType,
    pub job_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl ReportMessage {
    /// The topic's full name, `projects/<project>/topics/<topic>`.
    pub fn topic_path(&self) -> String {
        format!("projects/{}/topics/{}", self.project, self.topic)
    }
}

/// An annotation wins over a label of the same key, as upstream.
fn label<'a>(job: &'a ProwJob, key: &str) -> &'a str {
    let annotation = job
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .filter(|v| !v.is_empty());
    annotation
        .or_else(|| job.metadata.labels.as_ref().and_then(|l| l.get(key)))
        .map(String::as_str)
        .unwrap_or_default()
}

/// Whether the job asks for Pub/Sub reports (both project and topic named).
pub fn reports(job: &ProwJob) -> bool {
    !label(job, PROJECT_LABEL).is_empty() && !label(job, TOPIC_LABEL).is_empty()
}

/// The message for the job's current state, or `None` when it asks for none.
pub fn message(job: &ProwJob, urls: &JobUrls) -> Option<ReportMessage> {
    if !reports(job) {
        return None;
    }
    let state = job.status.state?;
    Some(ReportMessage {
        project: label(job, PROJECT_LABEL).to_string(),
        topic: label(job, TOPIC_LABEL).to_string(),
        runid: label(job, RUN_ID_LABEL).to_string(),
        status: state,
        url: job.status.url.clone(),
        gcs_path: storage_path(job, urls),
        refs: job
            .spec
            .refs
            .iter()
            .chain(&job.spec.extra_refs)
            .cloned()
            .collect(),
        job_type: job.spec.job_type,
        job_name: job.spec.job.clone(),
        message: job.status.description.clone(),
    })
}

/// Upstream derives the artifacts' location from the job URL: the URL without the job URL
/// prefix starts with the storage provider (`gs/`, `s3/`; deck's `gcs/` means `gs`), then the
/// bucket and path; without a provider, `gs` is assumed.
fn storage_path(job: &ProwJob, urls: &JobUrls) -> String {
    if job.status.url.is_empty() {
        return String::new();
    }
    let prefix = urls.prefix(job).unwrap_or_default();
    let mut path = job
        .status
        .url
        .strip_prefix(prefix)
        .unwrap_or(&job.status.url)
        .to_string();
    if let Some(rest) = path.strip_prefix("gcs/") {
        path = format!("gs/{rest}");
    }
    match path.split_once('/') {
        Some((provider, rest)) if ["gs", "s3", "file"].contains(&provider) => {
            format!("{provider}://{rest}")
        }
        None if ["gs", "s3", "file"].contains(&path.as_str()) => path,
        _ => format!("gs://{path}"),
    }
}
