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
