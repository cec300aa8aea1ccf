//! The integration tests of `prow-e2e`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod gerrit;
mod in_repo;
mod merge_queue;
mod pull_request;
