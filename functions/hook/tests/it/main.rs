//! The integration tests of `hook`, one binary (one link) for all of them.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod approve;
mod assign;
mod blunderbuss;
mod cat;
mod config_updater;
mod corpus_replay;
mod help;
mod hold;
mod intake;
mod label;
mod lgtm;
mod lifecycle;
mod milestone;
mod milestonestatus;
mod needs_rebase;
mod override_command;
mod plugin_help;
mod process;
mod recovery;
mod release_note;
mod require_matching_label;
mod retitle;
mod secrets_in_logs;
mod security;
mod served;
mod size;
mod skip;
mod support;
mod verify_owners;
mod welcome;
mod wip;
