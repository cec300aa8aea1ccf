//! The integration tests of `crier`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod github;
mod pubsub_slack;
mod secrets_in_logs;
mod security;
mod support;
