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
