//! Trigger's decisions, as upstream's trigger plugin makes them, without I/O: which comments are
//! commands and what they ask for ([`commands`]), which presubmits run for a PR event or a
//! comment ([`filter`]), which in-repo configuration files a pull request's merge holds
//! ([`in_repo`]), which postsubmits a push starts ([`postsubmits_for_push`]), and the
//! ProwJobs they become ([`jobs`]). The `trigger` function gathers the facts (trust, labels,
//! changed files, statuses) through the GitHub port and acts on these decisions.

pub mod commands;
pub mod filter;
pub mod in_repo;
pub mod jobs;

use prow_config::Postsubmit;
use prow_github::events::PushEvent;

/// Whether a GitHub App's bot account is trusted (`trusted_apps` lists app slugs; their bots
/// sign in as `<slug>[bot]`).
pub fn trusted_app(login: &str, trusted_apps: &[String]) -> bool {
    login
        .strip_suffix("[bot]")
        .is_some_and(|app| trusted_apps.iter().any(|t| t == app))
}

/// The files a push changed: added, removed and modified in any of its commits.
pub fn pushed_changes(push: &PushEvent) -> Vec<String> {
    let mut files: Vec<String> = push
        .commits
        .iter()
        .flat_map(|c| c.added.iter().chain(&c.removed).chain(&c.modified))
        .cloned()
        .collect();
    files.sort();
    files.dedup();
    files
}

/// The postsubmits a push starts (upstream `handlePE`): none for a deleted branch; otherwise each
/// job whose branches match the pushed branch (or tag) and whose change matcher, if any, matches.
pub fn postsubmits_for_push<'p>(
    push: &PushEvent,
    postsubmits: &'p [Postsubmit],
) -> Vec<&'p Postsubmit> {
    if push.deleted || push.after.chars().all(|c| c == '0') {
        return Vec::new();
    }
    let branch = push.branch();
    let changes = pushed_changes(push);
    postsubmits
        .iter()
        .filter(|job| job.brancher.should_run(branch))
        .filter(|job| {
            // Upstream `Postsubmit.ShouldRun`: `always_run` wins, then the change matcher, then run.
            match job.always_run {
                Some(true) => true,
                _ if job.changes.could_run_conditionally() => {
                    job.changes.runs_against_changes(&changes)
                }
                Some(false) => false,
                None => true,
            }
        })
        .collect()
}
