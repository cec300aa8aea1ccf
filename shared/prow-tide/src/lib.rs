//! Tide's decisions without I/O, as upstream's tide (`pkg/tide`) makes them.
//!
//! A sync reads the world (the pull requests tide's queries find, their head contexts, the
//! ProwJobs of each base commit, blocker issues) and asks this crate what to do:
//!
//! - [`query`]: each `tide.queries` entry as the GitHub search string it runs, and which queries
//!   cover a repository;
//! - [`contexts`]: which status contexts a pull request needs green (`context_options` and the
//!   presubmits that would run), upstream's `TideContextPolicy`;
//! - [`pool`]: a pool (one org/repo/branch) and the job results tide reads, sorted into passing,
//!   pending and missing pull requests, serially and in batches;
//! - [`decide`]: the pool's action in upstream's order (merge a passing batch, merge one passing
//!   pull request, start a batch, start a serial retest, wait, blocked);
//! - [`status`]: the `tide` context each pull request in scope shows, with upstream's texts.
//!
//! Boundary: data in, decisions out; no clock, no randomness, no I/O (a test over
//! `cargo metadata` keeps it so). The tide function gathers the facts and performs the action.

pub mod contexts;
pub mod decide;
pub mod pool;
pub mod query;
pub mod record;
pub mod search;
pub mod status;
pub mod sync;

pub use contexts::{ContextOptions, ContextPolicy};
pub use decide::{Action, Decision, decide};
pub use pool::{Context, ContextState, JobRun, PullRequest, RunKind, RunState, Subpool};
