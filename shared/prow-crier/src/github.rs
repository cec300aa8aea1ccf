//! GitHub reporting as upstream's `github-reporter` (`pkg/crier/reporters/github`,
//! `pkg/github/report`): a commit status per job context, the single failure comment per pull
//! request (tagged `<!-- test report -->`), and, as an option upstream lacks, check runs.

use prow_api::status_description::BASE_SHA_DELIMITER;
pub use prow_api::status_description::base_sha_from_description;
use prow_api::{ProwJob, ProwJobState, ProwJobType, labels};
use prow_config::GitHubReporter;
use prow_github::comment::ABOUT_THIS_BOT;
use prow_github::events::Comment;
use prow_ports::github::{CheckRunOutput, IssueNumber, NewCheckRun, RepoRef, Sha, Status};
use std::collections::BTreeMap;

/// The hidden tag that marks the bot's failure comment.
pub const COMMENT_TAG: &str = "<!-- test report -->";

/// GitHub refuses longer status descriptions.
pub const DESCRIPTION_MAX_LEN: usize = 140;
const ELIDE: &str = " ... ";
/// U+2001 (em quad): GitHub's page collapses ordinary spaces, so upstream pads with this one.
const PAD: char = '\u{2001}';

/// Whether the GitHub reporter reports `job` at all (upstream `ShouldReport` of the reporter and
/// of the report package): `report` is set, the job is not Gerrit's, it is a presubmit or
/// postsubmit listed in `github_reporter.job_types_to_report`, and, when `--report-agent` is
/// given, it runs on that agent.
pub fn reports(job: &ProwJob, settings: &GitHubReporter, agent: Option<&str>) -> bool {
    let gerrit = job
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(labels::GERRIT_REPORT_LABEL))
        .is_some_and(|v| !v.is_empty());
    let job_type = job.spec.job_type;
    job.spec.report
        && !gerrit
        && matches!(job_type, ProwJobType::Presubmit | ProwJobType::Postsubmit)
        && settings.job_types_to_report.contains(&job_type)
        && agent.is_none_or(|a| a.is_empty() || job_agent(job) == a)
}

fn job_agent(job: &ProwJob) -> &str {
    if job.spec.agent.is_empty() {
        prow_api::KUBERNETES_AGENT
    } else {
        &job.spec.agent
    }
}

/// A ProwJob state as a GitHub status state. Aborted shows as `failure`, as upstream; a job
/// still `scheduling` has nothing to show.
pub fn status_state(state: ProwJobState) -> Option<&'static str> {
    match state {
        ProwJobState::Triggered | ProwJobState::Pending => Some("pending"),
        ProwJobState::Success => Some("success"),
        ProwJobState::Failure | ProwJobState::Aborted => Some("failure"),
        ProwJobState::Error => Some("error"),
        ProwJobState::Scheduling => None,
    }
}

/// Upstream `ContextDescriptionWithBaseSha`: the description, then ` BaseSHA:<sha>` left-padded
/// with U+2001 so it sits at the same place on the right, all within 140 bytes. Tide reads the
/// base SHA back to reuse results after the ProwJobs are gone.
pub fn description_with_base_sha(human: &str, base_sha: &str) -> String {
    let mut suffix = String::new();
    if !base_sha.is_empty() {
        suffix = format!("{BASE_SHA_DELIMITER}{base_sha}");
        // Upstream counts padding characters, but measures in bytes (U+2001 is three), so it
        // pads by a quarter of the room left; kept so descriptions match byte for byte.
        let mut padded = 0;
        while padded < DESCRIPTION_MAX_LEN.saturating_sub(human.len() + suffix.len()) {
            suffix.insert(0, PAD);
            padded += 1;
        }
    }
    truncate(human, DESCRIPTION_MAX_LEN.saturating_sub(suffix.len())) + &suffix
}

/// Keeps the start and end of `text` around " ... " when it is longer than `max` bytes.
fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let half = max.saturating_sub(ELIDE.len()) / 2;
    let mut head = half;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - half;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    format!("{}{ELIDE}{}", &text[..head], &text[tail..])
}

/// A commit status to set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitStatus {
    pub repo: RepoRef,
    pub sha: Sha,
    pub status: Status,
}

/// The status `job` shows on its commit: the PR head, or the base SHA for a postsubmit. Batch
/// jobs (more than one pull) get none, as upstream.
pub fn commit_status(job: &ProwJob) -> Option<CommitStatus> {
    let refs = job.spec.refs.as_ref()?;
    if refs.pulls.len() > 1 {
        return None;
    }
    let state = status_state(job.status.state?)?;
    let sha = refs.pulls.first().map_or(&refs.base_sha, |p| &p.sha);
    Some(CommitStatus {
        repo: RepoRef::new(&refs.org, &refs.repo),
        sha: Sha::new(sha),
        status: Status {
            state: state.to_string(),
            target_url: job.status.url.clone(),
            description: description_with_base_sha(&job.status.description, &refs.base_sha),
            context: job.spec.context.clone(),
        },
    })
}

/// A check run for `job` (an option: upstream reports statuses only). Named by the job's context,
/// keyed to the ProwJob by `external_id`, with the base SHA in the summary as statuses carry it.
pub fn check_run(job: &ProwJob) -> Option<(RepoRef, NewCheckRun)> {
    let refs = job.spec.refs.as_ref()?;
    if refs.pulls.len() > 1 {
        return None;
    }
    let state = job.status.state?;
    let (status, conclusion) = match state {
        ProwJobState::Scheduling => return None,
        ProwJobState::Triggered => ("queued", None),
        ProwJobState::Pending => ("in_progress", None),
        ProwJobState::Success => ("completed", Some("success")),
        ProwJobState::Failure | ProwJobState::Error => ("completed", Some("failure")),
        ProwJobState::Aborted => ("completed", Some("cancelled")),
    };
    let sha = refs.pulls.first().map_or(&refs.base_sha, |p| &p.sha);
    let title = if job.status.description.is_empty() {
        format!("Job {}.", state.as_str())
    } else {
        job.status.description.clone()
    };
    let mut summary = format!("`{}` is {}.", job.spec.job, state.as_str());
    if !job.status.url.is_empty() {
        summary.push_str(&format!(" [Details]({})", job.status.url));
    }
    if !job.spec.rerun_command.is_empty() {
        summary.push_str(&format!("\n\nRerun with `{}`.", job.spec.rerun_command));
    }
    if !refs.base_sha.is_empty() {
        summary.push_str(&format!(
            "\n\n{}{}",
            BASE_SHA_DELIMITER.trim_start(),
            refs.base_sha
        ));
    }
    Some((
        RepoRef::new(&refs.org, &refs.repo),
        NewCheckRun {
            name: job.spec.context.clone(),
            head_sha: sha.clone(),
            status: status.to_string(),
            conclusion: conclusion.map(str::to_string),
            details_url: job.status.url.clone(),
            external_id: job.name().to_string(),
            output: Some(CheckRunOutput { title, summary }),
        },
    ))
}

/// The pull request a failure comment goes on: presubmits of exactly one pull.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRef {
    pub repo: RepoRef,
    pub number: IssueNumber,
    pub author: String,
}

/// Whether comments are off for the job's repo (`github_reporter.no_comment_repos`).
pub fn comments_disabled(job: &ProwJob, settings: &GitHubReporter) -> bool {
    listed(job, &settings.no_comment_repos)
}

/// Whether the job's repo always gets a summary comment (`summary_comment_repos`).
pub fn summary_comment(job: &ProwJob, settings: &GitHubReporter) -> bool {
    listed(job, &settings.summary_comment_repos)
}

fn listed(job: &ProwJob, idents: &[String]) -> bool {
    job.spec.refs.as_ref().is_some_and(|refs| {
        let full = format!("{}/{}", refs.org, refs.repo);
        idents.iter().any(|i| *i == refs.org || *i == full)
    })
}

/// The pull request whose comment reports `job`, if it is one upstream comments on.
pub fn comment_pull(job: &ProwJob) -> Option<PullRef> {
    let refs = job.spec.refs.as_ref()?;
    let [pull] = refs.pulls.as_slice() else {
        return None;
    };
    Some(PullRef {
        repo: RepoRef::new(&refs.org, &refs.repo),
        number: IssueNumber(pull.number),
        author: pull.author.clone(),
    })
}

/// For `summary_comment_repos`: the newest run of every reporting job of the pull request, or
/// `None` while any of its jobs still runs (upstream waits for all to finish).
pub fn summary_jobs(jobs_of_pull: &[ProwJob]) -> Option<Vec<ProwJob>> {
    let mut newest: BTreeMap<&str, &ProwJob> = BTreeMap::new();
    for job in jobs_of_pull {
        if !job.complete() {
            return None;
        }
        if !job.spec.report {
            continue;
        }
        let created = |j: &ProwJob| j.metadata.creation_timestamp.clone().map(|t| t.0);
        match newest.get(job.spec.job.as_str()) {
            Some(seen) if created(seen) >= created(job) => {}
            _ => {
                newest.insert(&job.spec.job, job);
            }
        }
    }
    Some(newest.into_values().cloned().collect())
}

/// What to do to the failure comment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommentChanges {
    /// The bot's older report comments, and the latest when it is replaced.
    pub delete: Vec<u64>,
    pub write: Option<CommentWrite>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommentWrite {
    Create(String),
    Edit { id: u64, body: String },
}

/// Upstream `ReportComment` for finished `jobs` of one pull request (already filtered to those
/// the reporter reports): the table rows of the bot's tagged comments are carried over, rows for
/// these jobs' contexts replaced, a row added for each failure. A new failure or an empty table
/// replaces the latest comment (so GitHub notifies); otherwise it is edited in place. `footer`
/// is the rendered `plank.report_templates` entry.
pub fn comment_changes(
    jobs: &[&ProwJob],
    pull: &PullRef,
    is_bot: &dyn Fn(&str) -> bool,
    comments: &[Comment],
    must_create: bool,
    footer: Option<&str>,
) -> CommentChanges {
    let mut previous = Vec::new();
    let mut latest: Option<u64> = None;
    let mut rows: Vec<String> = Vec::new();
    for comment in comments {
        if !is_bot(&comment.user.login) || !comment.body.contains(COMMENT_TAG) {
            continue;
        }
        previous.extend(latest.replace(comment.id));
        let mut tracking = false;
        for line in comment.body.split('\n').map(str::trim) {
            if line.starts_with("---") {
                tracking = true;
            } else if line.is_empty() {
                tracking = false;
            } else if tracking {
                rows.push(line.to_string());
            }
        }
    }
    let context = |row: &str| row.split(" | ").next().unwrap_or_default().to_string();
    let reported: Vec<&str> = jobs.iter().map(|j| j.spec.context.as_str()).collect();
    let mut kept: Vec<String> = rows
        .iter()
        .enumerate()
        .filter(|(i, row)| {
            let name = context(row);
            // The newest row of a context wins, and the jobs reported now replace theirs.
            !rows[i + 1..].iter().any(|later| context(later) == name)
                && !reported.contains(&name.as_str())
        })
        .map(|(_, row)| row.clone())
        .collect();
    let mut new_failure = false;
    for job in jobs {
        if job.status.state == Some(ProwJobState::Failure) {
            kept.push(entry(job));
            new_failure = true;
        }
    }
    let mut delete = previous;
    if (new_failure || kept.is_empty())
        && let Some(id) = latest.take()
    {
        delete.push(id);
    }
    let aborted = jobs
        .iter()
        .any(|j| j.status.state == Some(ProwJobState::Aborted));
    let write = (!kept.is_empty() || (must_create && !aborted)).then(|| {
        let body = comment_body(&pull.author, &kept, footer);
        match latest {
            Some(id) => CommentWrite::Edit { id, body },
            None => CommentWrite::Create(body),
        }
    });
    CommentChanges { delete, write }
}

/// One table row: context, head SHA, link, required, rerun command.
fn entry(job: &ProwJob) -> String {
    let mut required = "unknown".to_string();
    if job.spec.job_type == ProwJobType::Presubmit
        && let Some(optional) = job
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::IS_OPTIONAL))
            .and_then(|v| parse_go_bool(v))
    {
        required = (!optional).to_string();
    }
    let sha = job
        .spec
        .refs
        .as_ref()
        .and_then(|r| r.pulls.first())
        .map(|p| p.sha.as_str())
        .unwrap_or_default();
    [
        job.spec.context.clone(),
        sha.to_string(),
        format!("[link]({})", job.status.url),
        required,
        format!("`{}`", job.spec.rerun_command),
    ]
    .join(" | ")
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn comment_body(author: &str, rows: &[String], footer: Option<&str>) -> String {
    let mut lines: Vec<String> = if rows.is_empty() {
        vec![format!("@{author}: all tests **passed!**"), String::new()]
    } else {
        let plural = if rows.len() > 1 { "s" } else { "" };
        vec![
            format!(
                "@{author}: The following test{plural} **failed**, say `/retest` to rerun all failed tests or `/retest-required` to rerun all mandatory failed tests:"
            ),
            String::new(),
            "Test name | Commit | Details | Required | Rerun command".into(),
            "--- | --- | --- | --- | ---".into(),
        ]
    };
    lines.extend(rows.iter().cloned());
    if let Some(footer) = footer {
        lines.push(String::new());
        lines.push(footer.to_string());
    }
    lines.extend(
        [
            "",
            "<details>",
            "",
            ABOUT_THIS_BOT,
            "</details>",
            COMMENT_TAG,
        ]
        .into_iter()
        .map(str::to_string),
    );
    lines.join("\n")
}

/// The `plank.report_templates` entry for the job's repo (`org/repo`, then `org`, then `*`;
/// the deprecated `report_template` counts as `*`), rendered over the job. `None` when there is
/// none; an error when it fails to execute.
pub fn render_footer(
    plank: &prow_config::Plank,
    job: &ProwJob,
) -> Result<Option<String>, crate::ReportTemplateError> {
    let refs = job.spec.refs.as_ref();
    let keys: Vec<String> = refs
        .map(|r| vec![format!("{}/{}", r.org, r.repo), r.org.clone()])
        .unwrap_or_default()
        .into_iter()
        .chain(["*".to_string()])
        .collect();
    let source = keys
        .iter()
        .find_map(|k| plank.report_templates.get(k))
        .or(Some(&plank.report_template).filter(|t| !t.is_empty()));
    let Some(source) = source else {
        return Ok(None);
    };
    crate::render("plank.report_templates", source, job).map(Some)
}
