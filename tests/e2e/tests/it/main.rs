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

/// The names of the jobs testing pull request (or change) `number`, sorted.
pub(crate) fn job_names_for(jobs: &[prow_api::ProwJob], number: u64) -> Vec<String> {
    let mut names: Vec<String> = jobs
        .iter()
        .filter(|j| {
            j.spec
                .refs
                .as_ref()
                .is_some_and(|r| r.pulls.first().is_some_and(|p| p.number == number))
        })
        .map(|j| j.spec.job.clone())
        .collect();
    names.sort();
    names
}
