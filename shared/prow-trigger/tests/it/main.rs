//! The integration tests of `prow-trigger`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod k8s_presubmits;
mod texts;
