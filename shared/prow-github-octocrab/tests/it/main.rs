//! The integration tests of `prow-github-octocrab`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod admin;
mod budget;
mod faults;
mod standin;
