//! A pool's pull requests' own presubmits (in-repo configuration), read as trigger reads them:
//! the files the merge would hold, from the base commit and, for those a pull request changes,
//! from its head. A pull request whose files do not load leaves the pool (upstream drops it
//! too): tide cannot know what it must wait for.

use super::{Ports, SyncError};
use crate::pool::Subpool;
use prow_config::Config;
use prow_ports::github::{IssueNumber, RepoRef, Sha};

pub(super) async fn in_repo_presubmits(
    ports: &Ports<'_>,
    config: &Config,
    repo: &RepoRef,
    pool: &mut Subpool<'_>,
) -> Result<(), SyncError> {
    let base_sha = Sha::new(pool.base_sha.clone());
    let base = ports.github.config_files(repo, &base_sha).await?;
    let mut broken = Vec::new();
    for pr in &pool.prs {
        let changes = ports
            .github
            .pull_request_changes(repo, IssueNumber(pr.number))
            .await?;
        let touched = prow_trigger::in_repo::touched_config_paths(
            changes
                .iter()
                .map(|c| (c.filename.as_str(), c.previous_filename.as_str())),
        );
        pool.changes.insert(
            pr.number,
            changes.iter().map(|c| c.filename.clone()).collect(),
        );
        let head = if touched.is_empty() {
            Vec::new()
        } else {
            ports
                .github
                .config_files(repo, &Sha::new(pr.head_sha.clone()))
                .await?
        };
        let sources = prow_trigger::in_repo::merged_config_files(&base, &head, &touched);
        if sources.is_empty() {
            continue;
        }
        match prow_config::load_in_repo(config, &repo.full_name(), &sources) {
            Ok(own) => {
                let branch = pool.branch.clone();
                let own: Vec<_> = own
                    .presubmits
                    .into_iter()
                    .filter(|p| p.brancher.should_run(&branch))
                    .collect();
                pool.in_repo.insert(pr.number, own);
            }
            Err(problems) => {
                tracing::info!(
                    org = repo.org,
                    repo = repo.name,
                    pr = pr.number,
                    problems = problems.len(),
                    "in-repo configuration does not load: the pull request leaves the pool"
                );
                broken.push(pr.number);
            }
        }
    }
    pool.prs.retain(|pr| !broken.contains(&pr.number));
    Ok(())
}
