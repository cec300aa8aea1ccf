//! The integration tests of `gerrit`, one binary (one link) for all of them: the function's route
//! as a ping reaches it.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod ping;
mod security;
mod support;
