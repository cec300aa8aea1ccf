//! Every port of the system in one place: the small traits through which functions act on the
//! world, the vocabulary they speak, and their typed errors.
//!
//! | port | what it is | adapters |
//! |---|---|---|
//! | [`store::JobStore`] | where ProwJobs live | `prow-kube` (Kubernetes), `prow-local` (a directory) |
//! | [`executor::Executor`] | where jobs run | `prow-kube` (pods in build clusters), `prow-local` (processes) |
//! | [`artifacts::ArtifactStore`] | a bucket of a run's files | `prow-artifacts` (S3, a directory) |
//! | [`events::EventSink`] | where CloudEvents go | `prow-runtime` (`$K_SINK` over HTTP), `prow local`'s bus |
//! | [`pubsub::Publish`] | Pub/Sub topics | `prow-pubsub` (google-cloud-pubsub) |
//! | [`gerrit::GerritClient`] | a Gerrit host's REST API (changes, branch heads, reviews) | `prow-gerrit` |
//! | [`github::GitHubClient`] | GitHub's API | `prow-github-octocrab` (octocrab over HTTP) |
//! | [`github_admin::GitHubOrgAdmin`] | an org's members, teams, repository settings and branch protection (peribolos, branchprotector) | `prow-github-octocrab` |
//! | [`github_cache::ResponseCache`] | GitHub answers shared for conditional reads | [`github_cache::MemoryResponseCache`] (one process), `prow-redis` (Redis or Valkey) |
//! | [`slack::SlackPoster`] | Slack's `chat.postMessage` | `prow-slack` |
//! | [`images::ImageSource`] | random pictures for `/meow` | `prow-runtime` (a cat picture API) |
//! | [`lease::Leases`] | who may act on a pool for a while | [`lease::MemoryLeases`] (one process) |
//! | [`config_maps::ConfigMaps`] | ConfigMaps config-updater writes, and the configuration running now | `prow-kube` (server-side apply), `prow local` (its files) |
//! | [`clock::Clock`] | the time | [`clock::SystemClock`], [`clock::ManualClock`] in tests |
//!
//! Every port error implements [`Failure`], so a caller decides by [`Failure::retryable`] and labels
//! metrics by [`Failure::kind`] instead of reading error text.
//!
//! Boundary: traits and data only; no I/O crate, no async runtime (a test over `cargo metadata` keeps
//! it so). Adapters implement the traits; functions hold `Arc<dyn Port>`.

pub mod artifacts;
pub mod clock;
pub mod config_maps;
pub mod events;
pub mod executor;
pub mod gerrit;
pub mod github;
pub mod github_admin;
pub mod github_cache;
pub mod images;
pub mod lease;
pub mod pubsub;
pub mod slack;
pub mod store;
pub mod webhook_deliveries;

use std::future::Future;
use std::pin::Pin;

/// The future every port method returns: boxed, so ports stay object-safe.
pub type PortFuture<'a, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>;

/// What a caller needs to know about a failure to decide what to do next.
pub trait Failure: std::error::Error + Send + Sync + 'static {
    /// A short, stable name for metric labels and logs (`github_rate_limited`, `store_conflict`).
    fn kind(&self) -> &'static str;
    /// Whether the same request may succeed later (the event is then redelivered); `false` means
    /// retrying cannot help and the work is given up.
    fn retryable(&self) -> bool;
}

/// `text` as one segment of a URL's path or a query value: everything but RFC 3986's unreserved
/// characters (letters, digits, `-._~`) percent-encoded, so label names with spaces or slashes
/// and Gerrit queries reach the server as they are.
pub fn path_segment(text: &str) -> String {
    const UNRESERVED_KEPT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, UNRESERVED_KEPT).to_string()
}
