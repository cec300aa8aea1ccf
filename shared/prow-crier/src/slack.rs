//! Slack messages as upstream's `slackreporter`: the job's own `reporter_config.slack` over the
//! most specific `slack_reporter_configs` entry (`org/repo`, `org`, `*`), filtered by job type
//! and state, rendered with the report template.

use prow_api::{ProwJob, SlackReporterConfig};
use prow_config::SlackReporter;
use std::collections::BTreeMap;

/// Upstream's default template.
pub const DEFAULT_TEMPLATE: &str = "Job {{.Spec.Job}} of type {{.Spec.Type}} ended with state {{.Status.State}}. <{{.Status.URL}}|View logs>";

/// The host a config without one posts to (the token of `--slack-token-file`).
pub const DEFAULT_HOST: &str = "*";

/// A message to post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlackMessage {
    /// Which Slack workspace's token to use (`*` for the default one).
    pub host: String,
    pub channel: String,
    pub text: String,
}

fn global<'a>(
    job: &ProwJob,
    configs: &'a BTreeMap<String, SlackReporter>,
) -> Option<&'a SlackReporter> {
    let refs = job.spec.refs.as_ref().or(job.spec.extra_refs.first());
    let mut keys = Vec::new();
    if let Some(refs) = refs {
        keys.push(format!("{}/{}", refs.org, refs.repo));
        keys.push(refs.org.clone());
    }
    keys.push("*".into());
    keys.iter().find_map(|k| configs.get(k))
}

/// Upstream `ApplyDefault`: the job's settings, with the global ones where the job sets none.
fn merged(
    job: Option<&SlackReporterConfig>,
    global: Option<&SlackReporterConfig>,
) -> Option<SlackReporterConfig> {
    match (job, global) {
        (None, None) => None,
        (Some(only), None) | (None, Some(only)) => Some(only.clone()),
        (Some(job), Some(global)) => {
            let mut merged = job.clone();
            if merged.channel.is_empty() {
                merged.channel.clone_from(&global.channel);
            }
            if merged.host.is_empty() {
                merged.host.clone_from(&global.host);
            }
            if merged.job_states_to_report.is_none() {
                merged
                    .job_states_to_report
                    .clone_from(&global.job_states_to_report);
            }
            if merged.report_template.is_empty() {
                merged.report_template.clone_from(&global.report_template);
            }
            if merged.report.is_none() {
                merged.report = global.report;
            }
            Some(merged)
        }
    }
}

/// The message for `job` now, or `None` when Slack is not told about it: its state must be in
/// the merged `job_states_to_report` (an explicit empty list, or `report: false`, silences), and
/// its type in the global `job_types_to_report` or the job must name its own channel. An error
/// when the template does not render.
pub fn message(
    job: &ProwJob,
    configs: &BTreeMap<String, SlackReporter>,
) -> Result<Option<SlackMessage>, crate::ReportTemplateError> {
    let global = global(job, configs);
    let job_config = job
        .spec
        .reporter_config
        .as_ref()
        .and_then(|r| r.slack.as_ref());
    let global_config = global.map(SlackReporter::as_reporter_config);
    let Some(config) = merged(job_config, global_config.as_ref()) else {
        return Ok(None);
    };
    let Some(state) = job.status.state else {
        return Ok(None);
    };
    if config.report == Some(false) {
        return Ok(None);
    }
    let state_reported = config
        .job_states_to_report
        .as_ref()
        .is_some_and(|states| states.contains(&state));
    let type_reported = global.is_some_and(|g| g.job_types_to_report.contains(&job.spec.job_type));
    let own_channel = job_config.is_some_and(|c| !c.channel.is_empty());
    if !(state_reported && (type_reported || own_channel)) {
        return Ok(None);
    }
    let source = if config.report_template.is_empty() {
        DEFAULT_TEMPLATE
    } else {
        &config.report_template
    };
    let text = crate::render("the Slack report template", source, job)?;
    Ok(Some(SlackMessage {
        host: if config.host.is_empty() {
            DEFAULT_HOST.to_string()
        } else {
            config.host
        },
        channel: config.channel,
        text,
    }))
}
