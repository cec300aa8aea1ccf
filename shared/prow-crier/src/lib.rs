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
/// older than the job's state by the time it is written back), and that no report of it is in
/// flight any more.
pub fn mark_reported(job: &mut ProwJob, reporter: &str, state: ProwJobState) {
    job.status
        .prev_report_states
        .insert(reporter.to_string(), state);
    if in_flight(job, reporter).is_some()
        && let Some(annotations) = job.metadata.annotations.as_mut()
    {
        annotations.remove(&in_flight_annotation(reporter));
    }
}

/// The annotation saying a report of a state was being made by `reporter` (not ours upstream: a
/// report GitHub took just before crier died is then not made twice).
pub fn in_flight_annotation(reporter: &str) -> String {
    format!("crier.prow.k8s.io/reporting-{reporter}")
}

/// Records, before `reporter` reports `state`, that the report is being made.
pub fn mark_in_flight(job: &mut ProwJob, reporter: &str, state: ProwJobState) {
    job.metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert(in_flight_annotation(reporter), state.as_str().to_string());
}

/// The state whose report `reporter` began and may not have finished (its crier was killed).
pub fn in_flight(job: &ProwJob, reporter: &str) -> Option<ProwJobState> {
    let value = job
        .metadata
        .annotations
        .as_ref()?
        .get(&in_flight_annotation(reporter))?;
    serde_json::from_value(serde_json::Value::String(value.clone())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_in_flight_is_marked_before_and_cleared_when_recorded() {
        let mut job: ProwJob = serde_json::from_value(serde_json::json!({
            "apiVersion": "prow.k8s.io/v1",
            "kind": "ProwJob",
            "metadata": {"name": "unit-1"},
            "spec": {"type": "periodic", "job": "unit"}
        }))
        .expect("a ProwJob");
        assert_eq!(in_flight(&job, GITHUB_REPORTER), None);
        mark_in_flight(&mut job, GITHUB_REPORTER, ProwJobState::Pending);
        assert_eq!(
            in_flight(&job, GITHUB_REPORTER),
            Some(ProwJobState::Pending)
        );
        assert_eq!(in_flight(&job, SLACK_REPORTER), None);
        mark_reported(&mut job, GITHUB_REPORTER, ProwJobState::Pending);
        assert_eq!(in_flight(&job, GITHUB_REPORTER), None);
        assert_eq!(
            job.status.prev_report_states.get(GITHUB_REPORTER),
            Some(&ProwJobState::Pending)
        );
    }
}
