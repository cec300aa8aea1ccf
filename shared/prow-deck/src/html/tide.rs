//! Tide's pages: the merge pools (`/tide`) and what tide did (`/tide-history`).

use super::layout;
use crate::api::{TideHistory, TidePools};
use maud::{Markup, html};
use prow_tide::record::DeckPull;

fn pulls(github: &str, org: &str, repo: &str, pulls: &[DeckPull]) -> Markup {
    html! {
        @for pull in pulls {
            a href={ (github) "/" (org) "/" (repo) "/pull/" (pull.number) } title=(pull.title) { "#" (pull.number) }
            " "
        }
    }
}

/// The pools; pull requests link to `github` (`github.link_url`, GitHub's web address).
pub fn tide(pools: &TidePools, github: &str) -> Markup {
    let github = github.trim_end_matches('/');
    let body = html! {
        h1 { "Tide" }
        p { "Tide merges pull requests that match these queries once their tests pass on the newest base." }
        details.queries open[pools.queries.len() <= 5] {
            summary { (pools.queries.len()) " quer" @if pools.queries.len() == 1 { "y" } @else { "ies" } }
            ul { @for query in &pools.queries { li { code { (query) } } } }
        }
        @if pools.pools.is_empty() {
            p.notice { "No pull request is in a merge pool now." }
        } @else {
        table.pools #pools {
            thead { tr { th { "Pool" } th { "Action" } th { "Target" } th { "Passing" } th { "Pending" } th { "Missing tests" } th { "Batch pending" } } }
            tbody {
                @for pool in &pools.pools {
                    tr data-action=(pool.action) {
                        td { (pool.org) "/" (pool.repo) " " span.ref { (pool.branch) } }
                        td {
                            span class={ "action " (pool.action.to_ascii_lowercase()) } { (pool.action) }
                            @if !pool.error.is_empty() { " " span.error { (pool.error) } }
                            @for blocker in &pool.blockers { " " span.blocker { "blocked by #" (blocker.number) } }
                        }
                        td { (pulls(github, &pool.org, &pool.repo, &pool.target)) }
                        td { (pulls(github, &pool.org, &pool.repo, &pool.success)) }
                        td { (pulls(github, &pool.org, &pool.repo, &pool.pending)) }
                        td { (pulls(github, &pool.org, &pool.repo, &pool.missing)) }
                        td { (pulls(github, &pool.org, &pool.repo, &pool.batch_pending)) }
                    }
                }
            }
        }
        }
    };
    layout("Tide", "/tide", body)
}

pub fn tide_history(history: &TideHistory) -> Markup {
    let body = html! {
        h1 { "Tide history" }
        @if history.history.is_empty() { p.notice { "Tide has recorded nothing yet." } }
        @for (pool, records) in &history.history {
            section.pool-history {
                h2 { (pool) }
                table.records {
                    thead { tr { th { "Time" } th { "Action" } th { "Base" } th { "Pull requests" } th { "Error" } } }
                    tbody {
                        @for record in records {
                            tr {
                                td { (record.time) }
                                td { span class={ "action " (record.action.to_ascii_lowercase()) } { (record.action) } }
                                td.sha { (record.base_sha.get(..10).unwrap_or(&record.base_sha)) }
                                td { @for pull in &record.target { "#" (pull.number) " " } }
                                td { (record.err) }
                            }
                        }
                    }
                }
            }
        }
    };
    layout("Tide history", "/tide-history", body)
}
