//! The integration tests of `trigger`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod corpus;
mod events;
mod pubsub;
mod push_auth;
mod secrets_in_logs;
mod security;
mod support;
