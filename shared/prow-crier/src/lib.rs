//! What crier reports for a ProwJob, decided without I/O: the GitHub commit status, the failure
//! comment and check runs ([`github`]), the Pub/Sub message ([`pubsub`]), the Slack message
//! ([`slack`]), and whether a reporter has already reported the job's current state
//! (`status.prev_report_states`, which makes reporting idempotent across redeliveries).
//!
//! Boundary: inputs are a ProwJob, configuration and what GitHub answered; outputs are values the
//! crier function sends. Nothing here talks to GitHub, Pub/Sub or Slack.

pub mod github;
pub mod pubsub;
pub mod slack;

use prow_api::{ProwJob, ProwJobState};

/// Reporter names as upstream writes them into `status.prev_report_states`, so a job reported by
/// upstream crier is not reported again by ours (and the other way round).
/// A report template (`plank.report_templates`, a Slack `report_template`) that did not parse or
/// execute over the job.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{which}: {source}")]
pub struct ReportTemplateError {
    /// Which setting holds the template.
    pub which: &'static str,
    #[source]
    pub source: prow_template::TemplateError,
}

/// `source` parsed and executed over `job`'s JSON.
pub(crate) fn render(
    which: &'static str,
    source: &str,
    job: &ProwJob,
) -> Result<String, ReportTemplateError> {
    let failed = |source| ReportTemplateError { which, source };
    let template = prow_template::Template::parse(source).map_err(failed)?;
    let data = serde_json::to_value(job)
        .map_err(|e| failed(prow_template::TemplateError::Execute(e.to_string())))?;
    template.execute(&data).map_err(failed)
}

pub const GITHUB_REPORTER: &str = "github-reporter";
pub const PUBSUB_REPORTER: &str = "pubsub-reporter";
pub const SLACK_REPORTER: &str = "slackreporter";

/// Whether `reporter` has already reported the state `job` is in now.
pub fn already_reported(job: &ProwJob, reporter: &str) -> bool {
    job.status
        .state
        .is_some_and(|state| job.status.prev_report_states.get(reporter) == Some(&state))
}

/// Records that `reporter` reported `state` (the state the report was made for, which may be
/// older than the job's state by the time it is written back).
pub fn mark_reported(job: &mut ProwJob, reporter: &str, state: ProwJobState) {
    job.status
        .prev_report_states
        .insert(reporter.to_string(), state);
}
