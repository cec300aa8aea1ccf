//! The integration tests of `prow-e2e`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod chaos;
mod gerrit;
mod in_repo;
mod load;
mod merge_queue;
mod processes;
mod pull_request;

use crate::processes::{Files, Function, Running};
use prow_api::ProwJob;
use prow_kube::KubeJobStore;
use prow_ports::store::{JobStore, StoreError};
use prow_test_harness::KubeTestEnv;
use std::collections::BTreeMap;
use std::path::Path;

/// Waits until `condition` holds (checked every 20 ms) for at most `seconds`, or fails naming
/// `what`.
pub(crate) async fn eventually<F, Fut>(what: &str, seconds: u64, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !condition().await {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The pull request (or change) a job tests: the first of its refs' pulls.
pub(crate) fn pull_of(job: &ProwJob) -> Option<&prow_api::Pull> {
    job.spec.refs.as_ref()?.pulls.first()
}

/// The names of the jobs testing pull request (or change) `number`, sorted.
pub(crate) fn job_names_for(jobs: &[ProwJob], number: u64) -> Vec<String> {
    let mut names: Vec<String> = jobs
        .iter()
        .filter(|j| pull_of(j).is_some_and(|p| p.number == number))
        .map(|j| j.spec.job.clone())
        .collect();
    names.sort();
    names
}

/// For each (pull request, job), how many ProwJobs `store` holds.
pub(crate) async fn jobs_by_pull(
    store: &dyn JobStore,
) -> Result<BTreeMap<(u64, String), usize>, StoreError> {
    let mut counts = BTreeMap::new();
    for job in store.list("").await? {
        let number = pull_of(&job).map_or(0, |p| p.number);
        *counts.entry((number, job.spec.job.clone())).or_insert(0) += 1;
    }
    Ok(counts)
}

/// A job store in a new namespace `name` of `kube`, and the namespace.
pub(crate) async fn job_store_in(kube: &KubeTestEnv, name: &str) -> (KubeJobStore, String) {
    let client = kube.client().await.unwrap();
    let namespace = prow_test_harness::kube::create_namespace(&client, name)
        .await
        .unwrap();
    (KubeJobStore::new(client, &namespace), namespace)
}

/// trigger as a process: reading `files`, acting on the GitHub at `github` with `token`, and
/// creating ProwJobs through `kube`.
pub(crate) async fn start_trigger(
    files: &Files,
    github: &str,
    token: &Path,
    kube: &KubeTestEnv,
) -> Running {
    Function::new("trigger")
        .config_files(files)
        .github(github, token)
        .kubeconfig(kube.kubeconfig())
        .start()
        .await
        .unwrap()
}
