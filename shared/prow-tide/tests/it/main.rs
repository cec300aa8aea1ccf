//! prow-tide's tests, one binary: the pool decision and the `tide` status as tables, and both
//! over Kubernetes' real tide configuration and presubmits.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod decide;
mod k8s;
mod model;
mod status;
mod support;
