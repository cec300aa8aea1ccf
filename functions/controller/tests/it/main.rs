//! The integration tests of `controller`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod events;
mod local;
mod security;
mod tekton;
