//! The integration tests of `prow-config`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod boundaries;
mod corpus;
mod defaults;
mod files;
mod prepared;
mod validation;
mod yaml_readers;
mod yaml_semantics;
