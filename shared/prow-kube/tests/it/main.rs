//! The integration tests of `prow-kube`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod crd;
mod lease;
mod lifecycle;
