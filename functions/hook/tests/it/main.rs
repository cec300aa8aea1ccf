//! The integration tests of `hook`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod approve;
mod blunderbuss;
mod hold;
mod intake;
mod lgtm;
mod override_command;
mod process;
mod support;
mod verify_owners;
