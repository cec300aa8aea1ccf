//! The GitHub client port ([`prow_ports::github::GitHubClient`]) over HTTP with octocrab, and
//! the org administration port ([`prow_ports::github_admin::GitHubOrgAdmin`]) of peribolos and
//! branchprotector ([`admin`]).
//!
//! - Auth ([`auth`]): a token file (PAT), or a GitHub App: a JWT for the app's endpoints, and per
//!   organization an installation token, cached and refreshed before it expires.
//! - `dry_run`: reads go to GitHub; writes are logged and not sent.
//! - Budget ([`ledger`]): every call is counted (component, event, endpoint, method, status);
//!   rate-limit headers are kept as gauges.
//! - Cache ([`cache`]): repeated reads send `If-None-Match` / `If-Modified-Since` with the
//!   validators of the last answer, kept in a [`ResponseCache`] that every instance can share
//!   (Redis in a deployment), and a 304 is served from it at no rate-limit cost. A cache that
//!   fails only makes reads unconditional.
//! - Governor ([`governor`]): per credentials and resource, the budget the answers report is
//!   shared out by [`Priority`]; a call over its share or under a secondary limit waits briefly
//!   or is deferred ([`GitHubError::Deferred`]), and writes keep GitHub's content-creation pace.
//! - Endpoints ([`endpoints`]): each declared once, method and route together.
//!
//! Boundary: this crate is the only place that speaks GitHub's REST wire format; callers see the
//! port's types. It takes its own options ([`GitHubOptions`]); mapping a binary's flags to them is
//! the runtime's. Credentials are read by the caller; GitHub is first called on use.

mod admin;
mod auth;
mod cache;
mod client;
mod deliveries;
mod endpoints;
mod governor;
mod in_repo;
mod ledger;
mod transport;

pub use auth::{AppCredentials, Credentials, CredentialsError};
pub use prow_github::budget::{BudgetPolicy, Priority};

use governor::Governor;
use ledger::Ledger;
use prow_github::events::User;
use prow_ports::clock::Clock;
use prow_ports::github::GitHubError;
use prow_ports::github_cache::{MemoryResponseCache, ResponseCache};
use std::sync::Arc;

/// How to reach GitHub and as whom.
pub struct GitHubOptions {
    /// `https://api.github.com`, GitHub Enterprise's API, or a stand-in.
    pub endpoint: String,
    pub credentials: Credentials,
    /// The component name in the ledger (`hook`, `crier`, ...).
    pub component: String,
    /// Read from GitHub, log the changes, send none.
    pub dry_run: bool,
    /// For App JWTs, installation token expiry and the budget's windows.
    pub clock: Arc<dyn Clock>,
    /// Where answers are kept for conditional reads: shared by every instance in a deployment.
    pub cache: Arc<dyn ResponseCache>,
    /// The priority of this component's calls ([`OctocrabGitHub::with_priority`] changes it for
    /// one piece of work).
    pub priority: Priority,
    pub budget: BudgetPolicy,
}

impl GitHubOptions {
    /// Sending what it is asked to send, with a cache of its own, at interactive priority and
    /// the default budget shares.
    pub fn new(
        endpoint: &str,
        credentials: Credentials,
        component: &str,
        clock: Arc<dyn Clock>,
    ) -> GitHubOptions {
        GitHubOptions {
            endpoint: endpoint.to_string(),
            credentials,
            component: component.to_string(),
            dry_run: false,
            clock,
            cache: Arc::new(MemoryResponseCache::default()),
            priority: Priority::Interactive,
            budget: BudgetPolicy::default(),
        }
    }
}

/// A GitHub client; cheap to clone. [`OctocrabGitHub::for_event`] tags calls with the event that
/// caused them, [`OctocrabGitHub::with_priority`] sets their priority.
#[derive(Clone)]
pub struct OctocrabGitHub {
    inner: Arc<Inner>,
    event: Arc<str>,
    priority: Priority,
}

struct Inner {
    octocrab: octocrab::Octocrab,
    endpoint: String,
    credentials: Credentials,
    component: String,
    dry_run: bool,
    clock: Arc<dyn Clock>,
    ledger: Ledger,
    cache: Arc<dyn ResponseCache>,
    governor: Governor,
    bot: tokio::sync::OnceCell<User>,
    /// One read at a time of a commit's in-repo configuration, so two events for one commit
    /// arriving together read it once (the second finds the first's answer in the cache).
    config_reads: in_repo::ReadLocks,
}

impl OctocrabGitHub {
    /// A client as `options` describe, its ledger registered in `metrics`. Nothing is sent yet.
    pub fn new(
        options: GitHubOptions,
        metrics: &prow_metrics::Metrics,
    ) -> Result<OctocrabGitHub, GitHubError> {
        let endpoint = options.endpoint.trim_end_matches('/').to_string();
        // octocrab's own retry sends any call again on a 5xx, a comment's POST included: it is
        // off, and `transport` resends only what is safe to send twice.
        let octocrab = octocrab::Octocrab::builder()
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .base_uri(endpoint.as_str())
            .and_then(|builder| builder.build())
            .map_err(|e| GitHubError::Transport {
                path: endpoint.clone(),
                reason: e.to_string(),
            })?;
        Ok(OctocrabGitHub {
            inner: Arc::new(Inner {
                octocrab,
                endpoint,
                credentials: options.credentials,
                component: options.component,
                dry_run: options.dry_run,
                clock: options.clock,
                ledger: Ledger::register(metrics),
                cache: options.cache,
                governor: Governor::new(options.budget),
                bot: tokio::sync::OnceCell::new(),
                config_reads: in_repo::ReadLocks::default(),
            }),
            event: Arc::from("none"),
            priority: options.priority,
        })
    }

    /// A client acting with a token, sending what it is asked to send, on the machine's clock:
    /// the common case of tools and tests.
    pub fn with_token(
        endpoint: &str,
        token: &str,
        component: &str,
        metrics: &prow_metrics::Metrics,
    ) -> Result<OctocrabGitHub, GitHubError> {
        OctocrabGitHub::new(
            GitHubOptions::new(
                endpoint,
                Credentials::Token(token.to_string()),
                component,
                prow_ports::clock::SystemClock::shared(),
            ),
            metrics,
        )
    }

    /// The same client, counting its calls against `event` (for example `issue_comment`).
    pub fn for_event(&self, event: &str) -> OctocrabGitHub {
        OctocrabGitHub {
            inner: self.inner.clone(),
            event: Arc::from(event),
            priority: self.priority,
        }
    }

    /// The same client, its calls at `priority` (tide's sync of a pool, a periodic sweep).
    pub fn with_priority(&self, priority: Priority) -> OctocrabGitHub {
        OctocrabGitHub {
            inner: self.inner.clone(),
            event: self.event.clone(),
            priority,
        }
    }
}

impl prow_ports::github::EventGitHub for OctocrabGitHub {
    fn for_event(&self, event: &str) -> Arc<dyn prow_ports::github::GitHubClient> {
        Arc::new(OctocrabGitHub::for_event(self, event))
    }
}

/// Path segments as GitHub wants them (label names may hold spaces or slashes).
pub(crate) use prow_ports::path_segment as segment;
