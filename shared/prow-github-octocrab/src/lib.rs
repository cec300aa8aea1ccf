//! The GitHub client port ([`prow_ports::github::GitHubClient`]) over HTTP with octocrab.
//!
//! - Auth ([`auth`]): a token file (PAT), or a GitHub App: a JWT for the app's endpoints, and per
//!   organization an installation token, cached and refreshed before it expires.
//! - `dry_run`: reads go to GitHub; writes are logged and not sent.
//! - Budget ([`ledger`]): every call is counted (component, event, endpoint, method, status);
//!   repeated reads send `If-None-Match` with the ETag of the last answer ([`cache`]), and a 304
//!   is served from the cache at no rate-limit cost; rate-limit headers are kept as gauges.
//! - Endpoints ([`endpoints`]): each declared once, method and route together.
//!
//! Boundary: this crate is the only place that speaks GitHub's REST wire format; callers see the
//! port's types. It takes its own options ([`GitHubOptions`]); mapping a binary's flags to them is
//! the runtime's. Credentials are read by the caller; GitHub is first called on use.

mod auth;
mod cache;
mod client;
mod endpoints;
mod ledger;
mod transport;

pub use auth::{AppCredentials, Credentials, CredentialsError};

use cache::EtagCache;
use ledger::Ledger;
use prow_github::events::User;
use prow_ports::clock::Clock;
use prow_ports::github::GitHubError;
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
    /// For App JWTs and installation token expiry.
    pub clock: Arc<dyn Clock>,
}

/// A GitHub client; cheap to clone. [`OctocrabGitHub::for_event`] tags calls with the event that
/// caused them.
#[derive(Clone)]
pub struct OctocrabGitHub {
    inner: Arc<Inner>,
    event: Arc<str>,
}

struct Inner {
    octocrab: octocrab::Octocrab,
    endpoint: String,
    credentials: Credentials,
    component: String,
    dry_run: bool,
    clock: Arc<dyn Clock>,
    ledger: Ledger,
    etags: EtagCache,
    bot: tokio::sync::OnceCell<User>,
}

impl OctocrabGitHub {
    /// A client as `options` describe, its ledger registered in `metrics`. Nothing is sent yet.
    pub fn new(
        options: GitHubOptions,
        metrics: &prow_metrics::Metrics,
    ) -> Result<OctocrabGitHub, GitHubError> {
        let endpoint = options.endpoint.trim_end_matches('/').to_string();
        let octocrab = octocrab::Octocrab::builder()
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
                etags: EtagCache::default(),
                bot: tokio::sync::OnceCell::new(),
            }),
            event: Arc::from("none"),
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
            GitHubOptions {
                endpoint: endpoint.to_string(),
                credentials: Credentials::Token(token.to_string()),
                component: component.to_string(),
                dry_run: false,
                clock: prow_ports::clock::SystemClock::shared(),
            },
            metrics,
        )
    }

    /// The same client, counting its calls against `event` (for example `issue_comment`).
    pub fn for_event(&self, event: &str) -> OctocrabGitHub {
        OctocrabGitHub {
            inner: self.inner.clone(),
            event: Arc::from(event),
        }
    }
}

impl prow_ports::github::EventGitHub for OctocrabGitHub {
    fn for_event(&self, event: &str) -> Arc<dyn prow_ports::github::GitHubClient> {
        Arc::new(OctocrabGitHub::for_event(self, event))
    }
}

/// Path segments as GitHub wants them (label names may hold spaces or slashes).
pub(crate) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
