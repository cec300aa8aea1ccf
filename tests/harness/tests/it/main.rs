//! The integration tests of `prow-test-harness`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod images;
mod kube;
mod lambda;
mod manifests;
mod pubsub;
mod s3;
mod startup;
mod traffic;

/// The strings of a JSON array.
fn strings(array: &serde_json::Value) -> Vec<&str> {
    array
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item.as_str().unwrap())
        .collect()
}
