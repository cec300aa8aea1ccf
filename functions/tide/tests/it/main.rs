//! The integration tests of `tide`, one binary: syncs against the GitHub stand-in over HTTP
//! (the octocrab adapter), the embedded job store and in-process leases.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod merge_pool;
mod security;
mod support;
