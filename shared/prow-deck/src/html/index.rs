//! The job list page (`/`).

use super::{chart, duration, layout, safe_link, state_pill, time};
use crate::joblist::{Choices, Filter, JobRow, Listing, encode_query_value};
use jiff::Timestamp;
use maud::{Markup, html};

/// The charts above the list, drawn by the caller (they need every row, not just the page).
#[derive(Clone, Debug, Default)]
pub struct IndexCharts {
    /// Jobs waiting for a pod and running, over the last hours.
    pub queue: Option<String>,
    /// The filtered repository's pass rate by day, when one repository is chosen.
    pub pass_rate: Option<String>,
}

fn select(name: &str, label: &str, chosen: &str, options: &[&str]) -> Markup {
    html! {
        label {
            (label)
            select name=(name) {
                option value="" selected[chosen.is_empty()] { "all" }
                @for option in options {
                    option value=(option) selected[*option == chosen] { (option) }
                }
            }
        }
    }
}

fn text_input(name: &str, label: &str, value: &str, placeholder: &str) -> Markup {
    html! {
        label {
            (label)
            input type="search" name=(name) value=(value) placeholder=(placeholder);
        }
    }
}

/// The log link of a row: the job's URL when it has one.
fn log_link(row: &JobRow) -> Option<&str> {
    safe_link(&row.url)
}

pub fn index(
    listing: &Listing<'_>,
    choices: &Choices,
    filter: &Filter,
    now: Timestamp,
    charts: &IndexCharts,
) -> Markup {
    let types: Vec<&str> = choices.types.iter().copied().collect();
    let repos: Vec<&str> = choices.repos.iter().map(String::as_str).collect();
    let states: Vec<&str> = choices.states.iter().copied().collect();
    let clusters: Vec<&str> = choices.clusters.iter().map(String::as_str).collect();
    let body = html! {
        h1 { "Prow jobs" }
        form.filters method="get" action="/" {
            (select("type", "Type", &filter.job_type, &types))
            (select("repo", "Repository", &filter.repo, &repos))
            (select("state", "State", &filter.state, &states))
            @if clusters.len() > 1 {
                (select("cluster", "Cluster", &filter.cluster, &clusters))
            }
            (text_input("job", "Job", &filter.job, "name or pattern*"))
            (text_input("author", "Author", &filter.author, "login"))
            (text_input("pull", "PR", &filter.pull, "number"))
            button type="submit" { "Filter" }
            @if !filter.is_empty() {
                a.clear href="/" { "Clear" }
            }
        }
        @if charts.queue.is_some() || charts.pass_rate.is_some() {
            section.charts {
                @if let Some(queue) = &charts.queue {
                    figure { figcaption { "Queue: jobs waiting for a pod and running, last 6 hours" } (chart(queue.clone())) }
                }
                @if let Some(rate) = &charts.pass_rate {
                    figure { figcaption { "Pass rate of " (filter.repo) " by day" } (chart(rate.clone())) }
                }
            }
        }
        p.summary #summary {
            strong { (listing.matched) } " jobs"
            @for (state, count) in &listing.by_state {
                " · " span class={ "count " (state) } { (count) " " (state) }
            }
        }
        table.jobs #jobs {
            thead {
                tr {
                    th { "State" } th { "Log" } th { "Type" } th { "Repository" }
                    th { "PR" } th { "Author" } th { "Job" } th { "Started" } th { "Duration" }
                }
            }
            tbody {
                @for row in &listing.rows {
                    tr data-state=(row.state_name()) {
                        td { (state_pill(row.state_name())) }
                        td {
                            @if let Some(link) = log_link(row) {
                                a href=(link) title="Logs and results" { "log" }
                            }
                            " "
                            a.yaml href={ "/prowjob?prowjob=" (encode_query_value(&row.prowjob)) } title="The ProwJob" { "yaml" }
                        }
                        td { (row.job_type.as_str()) }
                        td {
                            @if !row.repo.is_empty() {
                                (row.repo)
                                @if !row.base_ref.is_empty() { " " span.ref { (row.base_ref) } }
                            }
                        }
                        td {
                            @for pull in &row.pulls {
                                @if let Some(link) = safe_link(&pull.link) {
                                    a href=(link) { "#" (pull.number) } " "
                                } @else {
                                    "#" (pull.number) " "
                                }
                            }
                        }
                        td {
                            @for pull in &row.pulls {
                                a href={ "/?author=" (encode_query_value(&pull.author)) } { (pull.author) } " "
                            }
                        }
                        td.job {
                            a href={ "/?job=" (encode_query_value(&row.job)) } { (row.job) }
                        }
                        td { @if let Some(started) = row.started { (time(started)) } }
                        td { @if let Some(span) = row.duration(now) { (duration(span)) } }
                    }
                }
            }
        }
        @if listing.matched == 0 {
            p.notice { "No job matches these filters." }
        }
        @if listing.pages > 1 {
            nav.pages aria-label="Pages" {
                @if listing.page > 1 {
                    a rel="prev" href={ "/?" (filter.query_for_page(listing.page - 1)) } { "← Newer" }
                }
                span { "Page " (listing.page) " of " (listing.pages) }
                @if listing.page < listing.pages {
                    a rel="next" href={ "/?" (filter.query_for_page(listing.page + 1)) } { "Older →" }
                }
            }
        }
    };
    layout("Jobs", "/", body)
}
