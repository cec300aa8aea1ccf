//! A run's page (upstream's spyglass at `/view/<provider>/<bucket>/<run folder>`), a bucket
//! folder's listing, and a job's history.

use super::{chart, duration, layout, safe_link, state_pill, time};
use crate::buildlog::{BuildLog, LogLine, Stretch};
use crate::history::{HistoryPage, HistoryRoot, Run};
use crate::joblist::encode_query_value;
use crate::junit::{JunitResults, Outcome};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use prow_api::downward::{Finished, Started};

/// What a run's page shows, as read from its folder.
#[derive(Clone, Debug, Default)]
pub struct RunView {
    pub bucket: String,
    /// The run's folder: `logs/<job>/<build>` or `pr-logs/pull/<repo>/<pr>/<job>/<build>`.
    pub folder: String,
    pub job: String,
    pub build_id: String,
    /// The ProwJob's name, from `prowjob.json`.
    pub prowjob: Option<String>,
    /// The ProwJob's state, when deck still has it (it says a run is pending or aborted).
    pub state: Option<String>,
    pub started: Option<Started>,
    pub finished: Option<Finished>,
    /// The pull request page, from the ProwJob's refs.
    pub pull_link: Option<(u64, String)>,
    pub repo: String,
    pub log: Option<BuildLog>,
    /// Bytes of the log left out above what is shown, when it was too large to show whole.
    pub log_skipped_bytes: u64,
    pub junit: Option<JunitResults>,
    /// JUnit files that could not be read, with why.
    pub junit_errors: Vec<String>,
    /// Every artifact under the folder: key relative to it, size.
    pub artifacts: Vec<(String, u64)>,
    /// The job's history page.
    pub history: Option<String>,
    /// What the reader may do about the job, when deck can act on it.
    pub actions: Option<Actions>,
}

/// The rerun and abort buttons, and who is signed in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actions {
    pub prowjob: String,
    /// deck creates reruns (`--rerun-creates-job`).
    pub rerun: bool,
    /// The job is triggered or pending.
    pub abort: bool,
    /// Who is signed in.
    pub signed_in: Option<String>,
    /// Where to sign in, when acting needs it and no one is signed in.
    pub sign_in: Option<String>,
    /// The token a POST carries.
    pub csrf: String,
}

fn actions(actions: &Actions) -> Markup {
    html! {
        section.actions #actions data-prowjob=(actions.prowjob) data-csrf=(actions.csrf) {
            @if actions.rerun { button #rerun type="button" { "Rerun" } }
            @if actions.abort { button #abort type="button" { "Abort" } }
            @if let Some(login) = &actions.signed_in {
                span.dim { " Signed in as " strong { (login) } }
            } @else if let Some(link) = &actions.sign_in {
                " " a #sign-in href=(link) { "Sign in with GitHub" } span.dim { " to rerun or abort" }
            }
            output #action-result {}
        }
    }
}

impl RunView {
    pub fn result(&self) -> String {
        let run = Run {
            build_id: 0,
            folder: String::new(),
            started: self.started.clone(),
            finished: self.finished.clone(),
        };
        match run.result() {
            "PENDING" | "UNKNOWN" => self
                .state
                .clone()
                .unwrap_or_else(|| run.result().to_ascii_lowercase()),
            result => result.to_ascii_lowercase(),
        }
    }
}

fn unix(seconds: i64) -> Option<Timestamp> {
    Timestamp::from_second(seconds).ok()
}

fn artifact_link(bucket: &str, key: &str) -> String {
    format!("/artifact/s3/{bucket}/{key}")
}

fn log_line(line: &LogLine) -> Markup {
    html! {
        div class={ "line" @if line.highlighted { " hl" } } id={ "L" (line.number) } {
            a.n href={ "#L" (line.number) } { (line.number) }
            span.t {
                @for span in &line.spans {
                    @if span.classes.is_empty() {
                        (span.text)
                    } @else {
                        span class=(span.classes.join(" ")) { (span.text) }
                    }
                }
            }
        }
    }
}

fn build_log(view: &RunView, log: &BuildLog) -> Markup {
    let raw = artifact_link(&view.bucket, &format!("{}/build-log.txt", view.folder));
    html! {
        section.buildlog #buildlog {
            h2 { "Build log " a.raw href=(raw) { "raw" } }
            @if !log.highlighted.is_empty() {
                p.highlights {
                    (log.highlighted.len()) " line(s) look like failures: "
                    @for number in log.highlighted.iter().take(20) {
                        a href={ "#L" (number) } { "line " (number) } " "
                    }
                }
            }
            @if view.log_skipped_bytes > 0 {
                p.notice { "The log is large: its first " (view.log_skipped_bytes) " bytes are left out here; the raw log has them." }
            }
            div.log {
                @for stretch in &log.stretches {
                    @match stretch {
                        Stretch::Shown(lines) => { @for line in lines { (log_line(line)) } }
                        Stretch::Folded(lines) => {
                            details.folded {
                                summary { "Show " (lines.len()) " more line(s)" }
                                @for line in lines { (log_line(line)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn junit(results: &JunitResults, errors: &[String]) -> Markup {
    let failed = results.count(Outcome::Failed);
    let flaky = results.count(Outcome::Flaky);
    html! {
        section.junit #junit {
            h2 { "Test results" }
            p.summary {
                strong class={ @if failed > 0 { "failure" } @else { "success" } } { (failed) " failed" }
                " · " (flaky) " flaky · " (results.count(Outcome::Passed)) " passed · "
                (results.count(Outcome::Skipped)) " skipped"
            }
            @for error in errors { p.notice { (error) } }
            @for case in results.cases.iter().filter(|c| matches!(c.outcome, Outcome::Failed | Outcome::Flaky)) {
                details.case.failed open[case.outcome == Outcome::Failed] {
                    summary {
                        span class={ "state " @if case.outcome == Outcome::Failed { "failure" } @else { "pending" } } {
                            @if case.outcome == Outcome::Failed { "failed" } @else { "flaky" }
                        }
                        " " @if !case.suite.is_empty() { span.suite { (case.suite) " › " } } (case.name)
                        " " span.dim { (format!("{:.2}s", case.time)) }
                    }
                    pre { (case.message) }
                }
            }
            @let passed: Vec<_> = results.cases.iter().filter(|c| matches!(c.outcome, Outcome::Passed | Outcome::Skipped)).collect();
            @if !passed.is_empty() {
                details.passed {
                    summary { (passed.len()) " passed or skipped test(s)" }
                    ul {
                        @for case in passed {
                            li { (case.name) @if case.outcome == Outcome::Skipped { " (skipped)" } }
                        }
                    }
                }
            }
        }
    }
}

pub fn run(view: &RunView) -> Markup {
    let result = view.result();
    let started = view.started.as_ref().and_then(|s| unix(s.timestamp));
    let finished = view
        .finished
        .as_ref()
        .and_then(|f| f.timestamp)
        .and_then(unix);
    let body = html! {
        h1 { (view.job) " " span.build { "#" (view.build_id) } " " (state_pill(&result)) }
        dl.meta {
            @if !view.repo.is_empty() { dt { "Repository" } dd { (view.repo) } }
            @if let Some((number, link)) = &view.pull_link {
                dt { "Pull request" }
                dd {
                    @if let Some(link) = safe_link(link) { a href=(link) { "#" (number) } } @else { "#" (number) }
                }
            }
            @if let Some(started) = &view.started {
                @if !started.repo_commit.is_empty() { dt { "Commit" } dd.sha { (started.repo_commit) } }
            }
            @if let Some(at) = started { dt { "Started" } dd { (time(at)) } }
            @if let (Some(from), Some(to)) = (started, finished) {
                dt { "Duration" } dd { (duration(to.duration_since(from))) }
            }
            dt { "Links" }
            dd {
                @if let Some(prowjob) = &view.prowjob {
                    a href={ "/prowjob?prowjob=" (encode_query_value(prowjob)) } { "ProwJob YAML" } " · "
                }
                @if let Some(history) = &view.history { a href=(history) { "Job history" } " · " }
                @if let (Some((number, _)), Some((org, repo))) = (&view.pull_link, view.repo.split_once('/')) {
                    a href={ "/pr-history?org=" (org) "&repo=" (repo) "&pr=" (number) } { "PR history" } " · "
                }
                a href={ "/view/s3/" (view.bucket) "/" (view.folder) "/" } { "Artifacts" }
            }
        }
        @if let Some(buttons) = &view.actions {
            @if buttons.rerun || buttons.abort { (actions(buttons)) }
        }
        @if view.finished.is_none() && view.log.is_none() {
            section.live #live data-log=[view.prowjob.as_ref().map(|p| format!("/log?prowjob={}", encode_query_value(p)))] {
                p.notice { "The job is still running; its output so far is below, and this page shows its result when it ends." }
                pre.log #live-log {}
            }
        }
        @if let Some(results) = &view.junit { (junit(results, &view.junit_errors)) }
        @if let Some(log) = &view.log { (build_log(view, log)) }
        section.artifacts {
            h2 { "Artifacts" }
            ul {
                @for (key, size) in &view.artifacts {
                    li {
                        a href=(artifact_link(&view.bucket, &format!("{}/{key}", view.folder))) { (key) }
                        " " span.dim { (super::size(*size)) }
                    }
                }
            }
        }
    };
    layout(&format!("{} #{}", view.job, view.build_id), "", body)
}

/// An entry of a folder in a bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderEntry {
    pub name: String,
    pub size: Option<u64>,
}

/// A bucket folder that is not a run: its entries.
pub fn folder(bucket: &str, folder: &str, entries: &[FolderEntry]) -> Markup {
    let base = folder.trim_matches('/');
    let join = |name: &str| {
        if base.is_empty() {
            name.to_string()
        } else {
            format!("{base}/{name}")
        }
    };
    let body = html! {
        h1 { (bucket) "/" (base) }
        @if entries.is_empty() { p.notice { "Nothing is here." } }
        ul.folder {
            @for entry in entries {
                li {
                    @match entry.size {
                        None => a href={ "/view/s3/" (bucket) "/" (join(&entry.name)) } { (entry.name) },
                        Some(size) => {
                            a href=(artifact_link(bucket, &join(&entry.name))) { (entry.name) }
                            " " span.dim { (super::size(size)) }
                        }
                    }
                }
            }
        }
    };
    layout(&format!("{bucket}/{base}"), "", body)
}

/// A job's runs, newest first, with their durations drawn above.
pub fn history(
    bucket: &str,
    root: &HistoryRoot,
    runs: &[Run],
    page: &HistoryPage,
    durations_chart: String,
) -> Markup {
    let here = format!(
        "/job-history/s3/{bucket}/{}",
        root.folder().trim_end_matches('/')
    );
    let body = html! {
        h1 { "History of " (root.job()) }
        figure { figcaption { "Duration of each run (newest on the right)" } (chart(durations_chart)) }
        table.history #history {
            thead { tr { th { "Build" } th { "Result" } th { "PR" } th { "Commit" } th { "Started" } th { "Duration" } } }
            tbody {
                @for run in runs {
                    tr data-result=(run.result()) {
                        td { a href={ "/view/s3/" (bucket) "/" (run.folder) } { (run.build_id) } }
                        td { (state_pill(&run.result().to_ascii_lowercase())) }
                        td { @if let Some(pull) = run.pull() { "#" (pull) } }
                        td.sha { (run.commit().get(..10).unwrap_or(run.commit())) }
                        td { @if let Some(at) = run.started.as_ref().and_then(|s| unix(s.timestamp)) { (time(at)) } }
                        td { @if let Some(seconds) = run.duration() { (duration(SignedDuration::from_secs(seconds))) } }
                    }
                }
            }
        }
        @if runs.is_empty() { p.notice { "No runs of this job are in the bucket." } }
        nav.pages {
            @if let Some(newer) = page.newer { a rel="prev" href={ (here) "?buildId=" (newer) } { "← Newer runs" } }
            @if let Some(older) = page.older { a rel="next" href={ (here) "?buildId=" (older) } { "Older runs →" } }
        }
    };
    layout(&format!("History of {}", root.job()), "", body)
}

/// A pull request's runs, by the commit they tested.
pub fn pr_history(
    bucket: &str,
    org: &str,
    repo: &str,
    pull: u64,
    commits: &[crate::prhistory::CommitRuns],
) -> Markup {
    let body = html! {
        h1 { "History of " (org) "/" (repo) " #" (pull) }
        @if commits.is_empty() { p.notice { "No run of this pull request is in the bucket." } }
        @for commit in commits {
            section.commit {
                h2.sha { (commit.sha.get(..12).unwrap_or(&commit.sha)) }
                table.history {
                    thead { tr { th { "Job" } th { "Build" } th { "Result" } th { "Started" } th { "Duration" } } }
                    tbody {
                        @for (job, run) in &commit.runs {
                            tr data-result=(run.result()) {
                                td.job { (job) }
                                td { a href={ "/view/s3/" (bucket) "/" (run.folder) } { (run.build_id) } }
                                td { (state_pill(&run.result().to_ascii_lowercase())) }
                                td { @if let Some(at) = run.started.as_ref().and_then(|s| unix(s.timestamp)) { (time(at)) } }
                                td { @if let Some(seconds) = run.duration() { (duration(SignedDuration::from_secs(seconds))) } }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&format!("History of {org}/{repo}#{pull}"), "", body)
}
