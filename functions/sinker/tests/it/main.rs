//! The integration tests of `sinker`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod security;
mod sweep;

/// The names of the ProwJobs left in `store`, in its order.
pub(crate) async fn job_names(store: &dyn prow_ports::store::JobStore) -> Vec<String> {
    store
        .list("")
        .await
        .unwrap()
        .iter()
        .map(|j| j.name().to_string())
        .collect()
}
