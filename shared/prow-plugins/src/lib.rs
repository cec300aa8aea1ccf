//! The chat-ops plugins and the machinery they share, deciding without I/O.
//!
//! A plugin ([`Plugin`]) is one file under [`plugins`]: its name and events as constants, its
//! commands (an enum, each variant with its help, matched exhaustively), its help for
//! `/plugin-help`, and a pure [`Plugin::plan`]: the event, the configuration and what is known
//! about the world ([`facts::Facts`]) in, the changes to make ([`action::Action`]) out. When a
//! plan needs a fact it does not have (is the commenter an org member? which files does the PR
//! change?) it says so ([`facts::NeedFacts`]); the [`runner`] gathers exactly those through the
//! GitHub port ([`finder`]) and asks again, then performs the actions ([`apply`]). So plans are
//! tested with tables of facts and actions, and a plugin makes only the GitHub calls its decision
//! needs.
//!
//! Boundary: decisions and their vocabulary live here, with the async glue that speaks only to
//! ports (`prow-ports`); no I/O crate enters (a test over `cargo metadata` keeps it so). hook runs
//! the plugins; the trigger function runs the trigger plugin.

pub mod action;
pub mod apply;
pub mod delivery;
pub mod facts;
pub mod finder;
pub mod help;
pub mod knative;
pub mod owners;
pub mod plugins;
pub mod registry;
pub mod runner;
pub mod testing;
pub mod trust;

pub use action::{Action, Dedupe, IssueRef, RefusalReply};
pub use delivery::{Delivery, EventKind, Occasion, webhook_cloud_event};
pub use facts::{Fact, Facts, Known, NeedFacts};
pub use help::{Command, PluginHelp};
pub use registry::PluginRegistry;
pub use runner::{Ports, Ran, RunError, run};

use jiff::Timestamp;
use prow_config::Config;

/// Fails on what this crate's own source fixed (a constant pattern, a test's fixture): a bug
/// here, never bad input from outside.
#[expect(
    clippy::panic,
    reason = "only for what the source itself fixes, so a failure is a bug in this crate"
)]
pub(crate) fn bug(message: std::fmt::Arguments<'_>) -> ! {
    panic!("{message}")
}

/// What a plan is given besides the facts.
pub struct Input<'a> {
    /// What woke the plugin: a GitHub delivery, or a ping (periodic sweeps).
    pub occasion: Occasion<'a>,
    pub config: &'a Config,
    pub now: Timestamp,
}

impl Input<'_> {
    /// The delivery, when a GitHub event woke the plugin.
    pub fn delivery(&self) -> Option<&Delivery> {
        match self.occasion {
            Occasion::Delivery(delivery) => Some(delivery),
            Occasion::Ping => None,
        }
    }
}

/// A chat-ops plugin: what `plugins.yaml` enables by name for an org or repository.
pub trait Plugin: Send + Sync {
    /// The name `plugins.yaml` enables it by (upstream's).
    fn name(&self) -> &'static str;
    /// The events it handles; [`EventKind::Ping`] for a periodic sweep.
    fn events(&self) -> &'static [EventKind];
    /// Its help for `/plugin-help`, for the repositories it is enabled in.
    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp;
    /// What to do about the occasion, given the facts known so far; the facts it still needs
    /// otherwise. Pure: the same input and facts give the same answer.
    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts>;
}
