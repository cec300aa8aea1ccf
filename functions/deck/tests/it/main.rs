//! deck, through its router: the job list and its filters, upstream's JSON, a run's page from a
//! real S3-compatible bucket, a job's history, tide's pages and command help.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod jobs;
mod rerun;
mod runs;
mod secrets_in_logs;
mod security;
mod support;
mod tide_and_help;
