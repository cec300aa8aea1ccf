//! Configured jobs (upstream `/configured-jobs/<org>/<repo>`): what the configuration runs for a
//! repository, and an index of the repositories that have jobs.

use super::layout;
use maud::{Markup, html};
use prow_config::JobConfig;
use std::collections::BTreeSet;

/// One job as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfiguredJob {
    pub name: String,
    pub kind: &'static str,
    /// When it runs: `always`, `on changes to <regex>`, `on /test`, or the cron.
    pub when: String,
    pub branches: String,
    pub optional: bool,
    /// Where it is defined.
    pub file: String,
}

/// The repositories with presubmits or postsubmits, and the orgs of periodics' extra refs.
pub fn repositories(jobs: &JobConfig) -> BTreeSet<String> {
    jobs.presubmits
        .iter()
        .filter(|(_, jobs)| jobs.iter().any(|j| !j.base.hidden))
        .map(|(repo, _)| repo.clone())
        .chain(
            jobs.postsubmits
                .iter()
                .filter(|(_, jobs)| jobs.iter().any(|j| !j.base.hidden))
                .map(|(repo, _)| repo.clone()),
        )
        .chain(
            jobs.periodics
                .iter()
                .filter(|p| !p.base.hidden)
                .flat_map(|p| p.base.utility.extra_refs.first())
                .map(|r| r.org_repo()),
        )
        .collect()
}

fn branches(branches: &[String], skip: &[String]) -> String {
    match (branches.is_empty(), skip.is_empty()) {
        (true, true) => "all".to_string(),
        (false, _) => branches.join(", "),
        (true, false) => format!("all but {}", skip.join(", ")),
    }
}

/// The jobs of `repo` (`org/repo`), presubmits first, by name; hidden jobs left out.
pub fn jobs_of(jobs: &JobConfig, repo: &str) -> Vec<ConfiguredJob> {
    let mut listed = Vec::new();
    for job in jobs
        .presubmits
        .get(repo)
        .into_iter()
        .flatten()
        .filter(|j| !j.base.hidden)
    {
        let when = if job.always_run {
            "always".to_string()
        } else if !job.changes.run_if_changed.is_empty() {
            format!("on changes to {}", job.changes.run_if_changed)
        } else if !job.changes.skip_if_only_changed.is_empty() {
            format!("unless only {} changed", job.changes.skip_if_only_changed)
        } else {
            format!("on {}", job.rerun_command)
        };
        listed.push(ConfiguredJob {
            name: job.name().to_string(),
            kind: "presubmit",
            when,
            branches: branches(&job.brancher.branches, &job.brancher.skip_branches),
            optional: job.optional,
            file: job.base.source.file.to_string(),
        });
    }
    for job in jobs
        .postsubmits
        .get(repo)
        .into_iter()
        .flatten()
        .filter(|j| !j.base.hidden)
    {
        let when = if !job.changes.run_if_changed.is_empty() {
            format!("on pushes changing {}", job.changes.run_if_changed)
        } else {
            "on every push".to_string()
        };
        listed.push(ConfiguredJob {
            name: job.name().to_string(),
            kind: "postsubmit",
            when,
            branches: branches(&job.brancher.branches, &job.brancher.skip_branches),
            optional: false,
            file: job.base.source.file.to_string(),
        });
    }
    for job in jobs.periodics.iter().filter(|p| {
        !p.base.hidden
            && p.base
                .utility
                .extra_refs
                .first()
                .is_some_and(|r| r.org_repo() == repo)
    }) {
        let when = if !job.cron.is_empty() {
            format!("cron {}", job.cron)
        } else if !job.interval.is_empty() {
            format!("every {}", job.interval)
        } else {
            format!("at least {} apart", job.minimum_interval)
        };
        listed.push(ConfiguredJob {
            name: job.name().to_string(),
            kind: "periodic",
            when,
            branches: String::new(),
            optional: false,
            file: job.base.source.file.to_string(),
        });
    }
    let order = |kind: &str| match kind {
        "presubmit" => 0,
        "postsubmit" => 1,
        _ => 2,
    };
    listed.sort_by(|a, b| (order(a.kind), &a.name).cmp(&(order(b.kind), &b.name)));
    listed
}

pub fn configured_index(repos: &BTreeSet<String>) -> Markup {
    let body = html! {
        h1 { "Configured jobs" }
        p { (repos.len()) " repositories have jobs." }
        ul.repos #repos {
            @for repo in repos {
                li { a href={ "/configured-jobs/" (repo) } { (repo) } }
            }
        }
    };
    layout("Configured jobs", "/configured-jobs", body)
}

pub fn configured_jobs(repo: &str, jobs: &[ConfiguredJob]) -> Markup {
    let body = html! {
        h1 { "Jobs configured for " (repo) }
        @if jobs.is_empty() { p.notice { "No job is configured for " (repo) "." } }
        table.configured #configured {
            thead { tr { th { "Job" } th { "Type" } th { "Runs" } th { "Branches" } th { "Defined in" } } }
            tbody {
                @for job in jobs {
                    tr data-type=(job.kind) {
                        td.job { a href={ "/?job=" (crate::joblist::encode_query_value(&job.name)) } { (job.name) } @if job.optional { " " span.dim { "(optional)" } } }
                        td { (job.kind) }
                        td { (job.when) }
                        td { (job.branches) }
                        td.dim { (job.file) }
                    }
                }
            }
        }
    };
    layout(&format!("Jobs of {repo}"), "/configured-jobs", body)
}
