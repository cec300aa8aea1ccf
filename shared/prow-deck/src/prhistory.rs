//! A pull request's history (upstream `/pr-history?org=&repo=&pr=`): every presubmit run of the
//! pull request in the bucket, grouped by the commit it tested, newest commit first.

use crate::history::Run;
use prow_api::downward::{Bucket, pull_folder};

/// Where a repository's presubmits keep their runs: the bucket and `pr-logs/pull/<repo>/<pr>`,
/// from the decoration of its presubmits (the defaults when it has none).
pub fn location(
    config: &prow_config::Config,
    org: &str,
    repo: &str,
    pull: u64,
) -> Option<(String, String)> {
    let full = format!("{org}/{repo}");
    let from_jobs = config
        .jobs
        .presubmits
        .get(&full)
        .into_iter()
        .flatten()
        .filter_map(|p| p.base.utility.decoration_config.as_deref())
        .find_map(|d| d.gcs_configuration.as_ref());
    let plank = &config.prow.plank;
    let from_defaults = || {
        plank
            .default_decoration_config_entries
            .iter()
            .filter_map(|e| e.config.as_ref())
            .chain(plank.default_decoration_configs.values())
            .find_map(|d| d.gcs_configuration.as_ref())
    };
    let gcs = from_jobs.or_else(from_defaults)?;
    if gcs.bucket.is_empty() {
        return None;
    }
    Some((
        Bucket::parse(&gcs.bucket).name,
        pull_folder(gcs, org, repo, pull),
    ))
}

/// The head commit a run tested: the pull request's SHA in `started.json`'s refs for the
/// repository (`main:base,7:head`), else its `repo-commit`.
pub fn tested_commit(run: &Run, org_repo: &str, pull: u64) -> String {
    let Some(started) = &run.started else {
        return String::new();
    };
    let prefix = format!("{pull}:");
    started
        .repos
        .get(org_repo)
        .and_then(|refs| {
            refs.split(',')
                .find_map(|part| part.strip_prefix(&prefix))
                .map(|rest| rest.split(':').next().unwrap_or(rest).to_string())
        })
        .filter(|sha| !sha.is_empty())
        .unwrap_or_else(|| started.repo_commit.clone())
}

/// One commit's runs.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitRuns {
    pub sha: String,
    /// When its first run started (Unix seconds).
    pub first_started: i64,
    /// `(job, run)`, by job.
    pub runs: Vec<(String, Run)>,
}

/// The runs grouped by tested commit, the newest commit (by first start) first.
pub fn by_commit(runs: Vec<(String, Run)>, org_repo: &str, pull: u64) -> Vec<CommitRuns> {
    let mut commits: Vec<CommitRuns> = Vec::new();
    for (job, run) in runs {
        let sha = tested_commit(&run, org_repo, pull);
        let started = run.started.as_ref().map_or(i64::MAX, |s| s.timestamp);
        match commits.iter_mut().find(|c| c.sha == sha) {
            Some(commit) => {
                commit.first_started = commit.first_started.min(started);
                commit.runs.push((job, run));
            }
            None => commits.push(CommitRuns {
                sha,
                first_started: started,
                runs: vec![(job, run)],
            }),
        }
    }
    for commit in &mut commits {
        commit
            .runs
            .sort_by(|a, b| (&a.0, b.1.build_id).cmp(&(&b.0, a.1.build_id)));
    }
    commits.sort_by(|a, b| (b.first_started, &a.sha).cmp(&(a.first_started, &b.sha)));
    commits
}

#[cfg(test)]
mod tests {
    use super::*;
    use prow_api::downward::Started;

    fn run(build: u64, timestamp: i64, refs: &str) -> Run {
        Run {
            build_id: build,
            folder: format!("f/{build}"),
            started: Some(Started {
                timestamp,
                repos: [("org/app".to_string(), refs.to_string())].into(),
                repo_commit: "merged".into(),
                ..Started::default()
            }),
            finished: None,
        }
    }

    #[test]
    fn runs_group_by_the_head_they_tested_newest_first() {
        let grouped = by_commit(
            vec![
                ("unit".into(), run(1, 100, "main:b,7:aaa")),
                ("lint".into(), run(2, 101, "main:b,7:aaa")),
                ("unit".into(), run(3, 200, "main:c,7:bbb:refs/pull/7/head")),
                ("unit".into(), run(4, 300, "main")),
            ],
            "org/app",
            7,
        );
        let shape: Vec<(&str, Vec<(&str, u64)>)> = grouped
            .iter()
            .map(|c| {
                (
                    c.sha.as_str(),
                    c.runs
                        .iter()
                        .map(|(j, r)| (j.as_str(), r.build_id))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("merged", vec![("unit", 4)]),
                ("bbb", vec![("unit", 3)]),
                ("aaa", vec![("lint", 2), ("unit", 1)]),
            ]
        );
    }
}
