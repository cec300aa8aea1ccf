//! prow-plugins from outside: the registry, and what it generates for deployment.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod help;
mod knative;
mod registry;
