//! The integration tests of `prow`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod checkconfig;
mod config_differential;
mod deck_browser;
mod demo;
mod local_limits;
mod local_restart;
mod mkpj_differential;
mod pod_utilities;
mod sandbox;
