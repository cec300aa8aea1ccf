//! The integration tests of `prow`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod chaos;
mod checkconfig;
mod config_differential;
mod corpus_admin;
mod deck_browser;
mod demo;
mod local_config_maps;
mod local_limits;
mod local_restart;
mod mkpj_differential;
mod orgadmin;
mod pod_utilities;
mod sandbox;
mod secrets_in_logs;

/// Kubernetes' Prow configuration in the team corpus (`../shared/corpus/k8s-prow/config`, or
/// under `PROW_CORPUS`); `None`, with a message, when it is missing, which fails under `CI=true`.
pub(crate) fn kubernetes_config() -> Option<std::path::PathBuf> {
    prow_test_harness::corpus("k8s-prow/config").map(|corpus| corpus.join("k8s-prow/config"))
}

/// A loopback port free now.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
