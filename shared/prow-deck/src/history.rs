//! A job's history (upstream `/job-history/<provider>/<bucket>/<logs|pr-logs/directory>/<job>`):
//! its runs in the bucket, newest first, twenty a page, each with its result and duration from
//! `started.json` and `finished.json`.

use prow_api::downward::{Finished, RunResult, Started};

/// Runs a page shows, as upstream.
pub const RUNS_PER_PAGE: usize = 20;

/// Where a job's runs are listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryRoot {
    /// `logs/<job>/<build>/`: postsubmits and periodics.
    Logs { job: String },
    /// `pr-logs/directory/<job>/<build>.txt`: each names a presubmit's run folder.
    PrDirectory { job: String },
}

impl HistoryRoot {
    /// From the path after the bucket; `None` for any other path.
    pub fn parse(path: &str) -> Option<HistoryRoot> {
        let path = path.trim_matches('/');
        if let Some(job) = path.strip_prefix("logs/")
            && !job.is_empty()
            && !job.contains('/')
        {
            return Some(HistoryRoot::Logs { job: job.into() });
        }
        if let Some(job) = path.strip_prefix("pr-logs/directory/")
            && !job.is_empty()
            && !job.contains('/')
        {
            return Some(HistoryRoot::PrDirectory { job: job.into() });
        }
        None
    }

    pub fn job(&self) -> &str {
        match self {
            HistoryRoot::Logs { job } | HistoryRoot::PrDirectory { job } => job,
        }
    }

    /// The folder to list.
    pub fn folder(&self) -> String {
        match self {
            HistoryRoot::Logs { job } => format!("logs/{job}/"),
            HistoryRoot::PrDirectory { job } => format!("pr-logs/directory/{job}/"),
        }
    }

    /// The build ID an entry of the listing names, if it names one.
    pub fn build_id(&self, entry: &str) -> Option<u64> {
        let id = match self {
            HistoryRoot::Logs { .. } => entry.strip_suffix('/')?,
            HistoryRoot::PrDirectory { .. } => entry.strip_suffix(".txt")?,
        };
        id.parse().ok()
    }
}

/// The run folder a `pr-logs/directory/<job>/<build>.txt` names (`gs://bucket/pr-logs/pull/...`
/// or `s3://bucket/...`), as a key in `bucket`. `None` when it names another bucket.
pub fn run_folder_from_alias(text: &str, bucket: &str) -> Option<String> {
    let text = text.trim();
    let rest = text
        .strip_prefix("gs://")
        .or_else(|| text.strip_prefix("s3://"))
        .unwrap_or(text);
    let (named, key) = rest.split_once('/')?;
    (named == bucket).then(|| key.trim_matches('/').to_string())
}

/// The page's builds: the newest `RUNS_PER_PAGE` at or below `top` (all when `None`), and the
/// `buildId=` of the next older and newer pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryPage {
    pub builds: Vec<u64>,
    pub older: Option<u64>,
    pub newer: Option<u64>,
}

pub fn page(mut ids: Vec<u64>, top: Option<u64>) -> HistoryPage {
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    let start = match top {
        Some(top) => ids.iter().position(|&id| id <= top).unwrap_or(ids.len()),
        None => 0,
    };
    let end = (start + RUNS_PER_PAGE).min(ids.len());
    let newer = (start > 0).then(|| ids[start.saturating_sub(RUNS_PER_PAGE)]);
    HistoryPage {
        builds: ids[start..end].to_vec(),
        older: ids.get(end).copied(),
        newer,
    }
}

/// One run as the history lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub build_id: u64,
    /// The run's folder in the bucket.
    pub folder: String,
    pub started: Option<Started>,
    pub finished: Option<Finished>,
}

impl Run {
    /// `SUCCESS`, `FAILURE`, `ABORTED`, `PENDING` (no `finished.json` yet) or `UNKNOWN`.
    pub fn result(&self) -> &'static str {
        match (&self.started, &self.finished) {
            (_, Some(finished)) => match (finished.result, finished.passed) {
                (Some(RunResult::Success), _) | (None, Some(true)) => "SUCCESS",
                (Some(RunResult::Failure), _) | (None, Some(false)) => "FAILURE",
                (Some(RunResult::Aborted), _) => "ABORTED",
                (None, None) => "UNKNOWN",
            },
            (Some(_), None) => "PENDING",
            (None, None) => "UNKNOWN",
        }
    }

    /// Seconds from start to finish.
    pub fn duration(&self) -> Option<i64> {
        let started = self.started.as_ref()?.timestamp;
        let finished = self.finished.as_ref()?.timestamp?;
        Some((finished - started).max(0))
    }

    /// The pull request it tested, from `started.json`'s `pull`.
    pub fn pull(&self) -> Option<&str> {
        self.started
            .as_ref()
            .map(|s| s.pull.as_str())
            .filter(|p| !p.is_empty())
    }

    /// The tested commit: `repo-commit`, else `revision`.
    pub fn commit(&self) -> &str {
        self.started
            .as_ref()
            .map(|s| s.repo_commit.as_str())
            .filter(|c| !c.is_empty())
            .or(self.finished.as_ref().map(|f| f.revision.as_str()))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_roots_are_upstream_paths() {
        assert_eq!(
            HistoryRoot::parse("logs/ci-unit"),
            Some(HistoryRoot::Logs {
                job: "ci-unit".into()
            })
        );
        assert_eq!(
            HistoryRoot::parse("pr-logs/directory/pull-unit/"),
            Some(HistoryRoot::PrDirectory {
                job: "pull-unit".into()
            })
        );
        for wrong in ["logs/", "logs/a/b", "pr-logs/pull/x", "other/job"] {
            assert_eq!(HistoryRoot::parse(wrong), None, "{wrong}");
        }
        let logs = HistoryRoot::parse("logs/j").unwrap();
        assert_eq!(logs.build_id("17/"), Some(17));
        assert_eq!(logs.build_id("latest-build.txt"), None);
        let pr = HistoryRoot::parse("pr-logs/directory/j").unwrap();
        assert_eq!(pr.build_id("17.txt"), Some(17));
        assert_eq!(pr.build_id("17/"), None);
    }

    #[test]
    fn an_alias_names_a_folder_in_this_bucket_only() {
        assert_eq!(
            run_folder_from_alias("gs://b/pr-logs/pull/o_r/1/j/7\n", "b").as_deref(),
            Some("pr-logs/pull/o_r/1/j/7")
        );
        assert_eq!(
            run_folder_from_alias("s3://other/pr-logs/pull/o_r/1/j/7", "b"),
            None
        );
    }

    #[test]
    fn pages_go_twenty_at_a_time_from_the_newest() {
        let ids: Vec<u64> = (1..=45).collect();
        let first = page(ids.clone(), None);
        assert_eq!(first.builds.first(), Some(&45));
        assert_eq!(first.builds.len(), 20);
        assert_eq!((first.older, first.newer), (Some(25), None));
        let second = page(ids.clone(), first.older);
        assert_eq!(second.builds.first(), Some(&25));
        assert_eq!((second.older, second.newer), (Some(5), Some(45)));
        let last = page(ids.clone(), second.older);
        assert_eq!(last.builds, [5, 4, 3, 2, 1]);
        assert_eq!((last.older, last.newer), (None, Some(25)));
        assert_eq!(page(ids, Some(0)).builds, Vec::<u64>::new());
    }
}
