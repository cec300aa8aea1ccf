//! The integration tests of `github-standin`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod acting;
mod admin;
mod app_auth;
mod graphql;
mod oauth;
mod octocrab;
mod resources;
mod standalone;
mod support;
mod webhooks;
