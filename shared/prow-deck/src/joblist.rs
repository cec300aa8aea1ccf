//! The job list (upstream deck's `/`): every ProwJob as a row, newest first, narrowed by the
//! filters in the URL and cut into pages, with the choices each filter offers.

use jiff::Timestamp;
use prow_api::{ProwJob, ProwJobState, ProwJobType};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The most rows a page shows, whatever `per_page` asks.
pub const MAX_PER_PAGE: usize = 500;
pub const DEFAULT_PER_PAGE: usize = 100;

/// One ProwJob as the job list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRow {
    /// The ProwJob's name (`/prowjob?prowjob=`).
    pub prowjob: String,
    pub job: String,
    pub job_type: ProwJobType,
    /// `None` until the controller has looked at it.
    pub state: Option<ProwJobState>,
    /// `org/repo` of the main refs (or the first extra refs of a periodic); empty without refs.
    pub repo: String,
    pub base_ref: String,
    /// The first pull request's number, author, head and link; a batch has several.
    pub pulls: Vec<PullCell>,
    pub started: Option<Timestamp>,
    /// When its pod was created (the job became pending).
    pub pending_since: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// Where the run's log is (the job's `status.url`).
    pub url: String,
    pub build_id: String,
    pub cluster: String,
    pub description: String,
    pub hidden: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullCell {
    pub number: u64,
    pub author: String,
    pub sha: String,
    pub link: String,
}

impl JobRow {
    pub fn from_job(job: &ProwJob) -> JobRow {
        let refs = job.spec.refs.as_ref().or(job.spec.extra_refs.first());
        JobRow {
            prowjob: job.name().to_string(),
            job: job.spec.job.clone(),
            job_type: job.spec.job_type,
            state: job.status.state,
            repo: refs.map(|r| r.org_repo()).unwrap_or_default(),
            base_ref: refs.map(|r| r.base_ref.clone()).unwrap_or_default(),
            pulls: job
                .spec
                .refs
                .iter()
                .flat_map(|r| &r.pulls)
                .map(|p| PullCell {
                    number: p.number,
                    author: p.author.clone(),
                    sha: p.sha.clone(),
                    link: p.link.clone(),
                })
                .collect(),
            started: job.status.start_time.as_ref().map(|t| t.0),
            pending_since: job.status.pending_time.as_ref().map(|t| t.0),
            finished: job.status.completion_time.as_ref().map(|t| t.0),
            url: job.status.url.clone(),
            build_id: job.status.build_id.clone(),
            cluster: job.spec.cluster.clone(),
            description: job.status.description.clone(),
            hidden: job.spec.hidden,
        }
    }

    /// How long it ran, or has been running at `now`.
    pub fn duration(&self, now: Timestamp) -> Option<jiff::SignedDuration> {
        let started = self.started?;
        Some(self.finished.unwrap_or(now).duration_since(started))
    }

    pub fn state_name(&self) -> &'static str {
        self.state.map(ProwJobState::as_str).unwrap_or("triggered")
    }
}

/// The list's filters, as the URL carries them (`/?type=presubmit&repo=org/repo&state=failure`).
/// Empty means any.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Filter {
    #[serde(rename = "type")]
    pub job_type: String,
    pub repo: String,
    pub author: String,
    /// Part of a job's name (`unit`), or a pattern with `*` matching all of it (`pull-*-unit`).
    pub job: String,
    pub state: String,
    pub pull: String,
    pub cluster: String,
    /// 1 for the first page.
    pub page: Option<usize>,
    pub per_page: Option<usize>,
}

impl Filter {
    fn admits(&self, row: &JobRow) -> bool {
        (self.job_type.is_empty() || row.job_type.as_str() == self.job_type)
            && (self.repo.is_empty() || row.repo == self.repo)
            && (self.author.is_empty() || row.pulls.iter().any(|p| p.author == self.author))
            && (self.job.is_empty() || job_matches(&self.job, &row.job))
            && (self.state.is_empty() || row.state_name() == self.state)
            && (self.pull.is_empty() || row.pulls.iter().any(|p| p.number.to_string() == self.pull))
            && (self.cluster.is_empty() || row.cluster == self.cluster)
    }

    /// The query string of this filter on another page (`""` for the first page, unfiltered).
    pub fn query_for_page(&self, page: usize) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("type", &self.job_type),
            ("repo", &self.repo),
            ("author", &self.author),
            ("job", &self.job),
            ("state", &self.state),
            ("pull", &self.pull),
            ("cluster", &self.cluster),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| (key, value.clone()))
        .collect();
        if let Some(per_page) = self.per_page {
            pairs.push(("per_page", per_page.to_string()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        pairs
            .iter()
            .map(|(key, value)| format!("{key}={}", encode_query_value(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn is_empty(&self) -> bool {
        self.query_for_page(1).is_empty()
    }
}

/// A pattern with `*` matches the whole name as a glob; plain text matches any part of it.
fn job_matches(filter: &str, job: &str) -> bool {
    if filter.contains('*') {
        glob_match(filter, job)
    } else {
        job.contains(filter)
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~*/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `*` matches any run of characters; everything else matches itself (upstream's badge and
/// filters take globs of this kind).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, rest) = (parts[0], &parts[1..]);
    let Some(mut remaining) = name.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = rest.split_last().unwrap_or((&"", &[]));
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

/// Whether a deck that does not show hidden jobs may show `job` (upstream: `hidden` jobs and
/// `deck.hidden_repos`, an org or an `org/repo`, are only on a `--show-hidden` deck).
pub fn visible(job: &ProwJob, hidden_repos: &[String], show_hidden: bool) -> bool {
    if show_hidden {
        return true;
    }
    if job.spec.hidden {
        return false;
    }
    let hidden = |refs: &prow_api::Refs| {
        hidden_repos
            .iter()
            .any(|hidden| *hidden == refs.org || *hidden == refs.org_repo())
    };
    !job.spec.refs.iter().chain(&job.spec.extra_refs).any(hidden)
}

/// Sorts items by their row in the list's order: newest start first (not started yet before
/// all), then by name.
pub fn sort_newest_first<T>(items: &mut [T], row: impl Fn(&T) -> &JobRow) {
    let newest = |row: &JobRow| row.started.map_or(i128::MAX, |t| t.as_nanosecond());
    items.sort_by(|a, b| {
        let (a, b) = (row(a), row(b));
        newest(b)
            .cmp(&newest(a))
            .then_with(|| a.prowjob.cmp(&b.prowjob))
    });
}

/// What each filter can be set to, from the rows there are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Choices {
    pub types: BTreeSet<&'static str>,
    pub repos: BTreeSet<String>,
    pub states: BTreeSet<&'static str>,
    pub clusters: BTreeSet<String>,
}

impl Choices {
    pub fn of(rows: &[JobRow]) -> Choices {
        let mut choices = Choices::default();
        for row in rows {
            choices.types.insert(row.job_type.as_str());
            if !row.repo.is_empty() && !choices.repos.contains(&row.repo) {
                choices.repos.insert(row.repo.clone());
            }
            choices.states.insert(row.state_name());
            if !row.cluster.is_empty() && !choices.clusters.contains(&row.cluster) {
                choices.clusters.insert(row.cluster.clone());
            }
        }
        choices
    }
}

/// One page of the filtered list.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing<'r> {
    pub rows: Vec<&'r JobRow>,
    /// How many rows the filter admits in all.
    pub matched: usize,
    /// How many of those are in each state, for the summary bar.
    pub by_state: BTreeMap<&'static str, usize>,
    /// 1-based; clamped to the pages there are.
    pub page: usize,
    pub pages: usize,
    pub per_page: usize,
}

/// The rows `filter` admits, `filter.page` of them.
pub fn select<'r>(rows: &'r [JobRow], filter: &Filter) -> Listing<'r> {
    let per_page = filter
        .per_page
        .unwrap_or(DEFAULT_PER_PAGE)
        .clamp(1, MAX_PER_PAGE);
    let mut matched = 0;
    let mut by_state = BTreeMap::new();
    let first = filter.page.unwrap_or(1).max(1);
    let mut page_rows = Vec::new();
    for row in rows.iter().filter(|row| filter.admits(row)) {
        *by_state.entry(row.state_name()).or_insert(0) += 1;
        if matched / per_page + 1 == first {
            page_rows.push(row);
        }
        matched += 1;
    }
    let pages = matched.div_ceil(per_page).max(1);
    let page = first.min(pages);
    if page != first {
        // Past the end: show the last page.
        page_rows = rows
            .iter()
            .filter(|row| filter.admits(row))
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
    }
    Listing {
        rows: page_rows,
        matched,
        by_state,
        page,
        pages,
        per_page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_upstream_badges_do() {
        for (pattern, name, matches) in [
            ("pull-app-unit", "pull-app-unit", true),
            ("pull-app-unit", "pull-app-unit2", false),
            ("pull-*", "pull-app-unit", true),
            ("*-unit", "pull-app-unit", true),
            ("pull-*-unit", "pull-app-unit", true),
            ("pull-*-unit", "pull-app-lint", false),
            ("*", "", true),
            ("a*a", "a", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxcyyb", false),
        ] {
            assert_eq!(glob_match(pattern, name), matches, "{pattern} ~ {name}");
        }
    }

    #[test]
    fn a_filter_keeps_its_values_in_the_query() {
        let filter = Filter {
            repo: "org/repo".into(),
            job: "pull-* unit".into(),
            ..Filter::default()
        };
        assert_eq!(filter.query_for_page(1), "repo=org/repo&job=pull-*%20unit");
        assert_eq!(
            filter.query_for_page(3),
            "repo=org/repo&job=pull-*%20unit&page=3"
        );
        assert!(Filter::default().is_empty());
    }
}
