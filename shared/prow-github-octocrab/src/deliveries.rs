//! The webhook recovery port ([`WebhookDeliveries`]): a hook's recent deliveries, read newest
//! first and only as far back as asked (cursor paging by `Link: rel="next"`), and redelivery.
//! The App's hook is read with the App's JWT; a repository's or organization's with the
//! credentials for that organization.

use crate::OctocrabGitHub;
use crate::auth::Credentials;
use crate::cache::Caller;
use crate::endpoints::{self as ep, Endpoint};
use crate::segment;
use crate::transport::{decode, next_link};
use http::HeaderMap;
use jiff::Timestamp;
use prow_github::redelivery::{HookDelivery, HookRef, RecoveryPolicy, seen_enough};
use prow_ports::github::{GitHubError, GitHubFuture};
use prow_ports::webhook_deliveries::WebhookDeliveries;
use serde::Deserialize;

/// One delivery as GitHub lists it.
#[derive(Deserialize)]
struct DeliveryWire {
    id: u64,
    guid: String,
    delivered_at: String,
    #[serde(default)]
    redelivery: bool,
    #[serde(default)]
    status: String,
    #[serde(default)]
    status_code: u16,
    #[serde(default)]
    event: String,
    #[serde(default)]
    action: Option<String>,
}

impl DeliveryWire {
    fn into_delivery(self, route: &str) -> Result<HookDelivery, GitHubError> {
        let delivered_at =
            self.delivered_at
                .parse::<Timestamp>()
                .map_err(|e| GitHubError::Decode {
                    path: route.to_string(),
                    reason: format!("delivered_at {:?}: {e}", self.delivered_at),
                })?;
        Ok(HookDelivery {
            id: self.id,
            guid: self.guid,
            delivered_at,
            redelivery: self.redelivery,
            status: self.status,
            status_code: self.status_code,
            event: self.event,
            action: self.action,
        })
    }
}

impl OctocrabGitHub {
    /// Who reads `hook`: the App itself, or the credentials for its organization.
    async fn hook_caller(&self, hook: &HookRef) -> Result<Caller, GitHubError> {
        match hook {
            HookRef::App => match &self.inner.credentials {
                Credentials::App(app) => self.app_authorization(app),
                Credentials::Token(_) => Err(GitHubError::Auth(
                    "the App's webhook (app/hook) is read as a GitHub App; with a token, name a \
                     repository's or organization's webhook"
                        .to_string(),
                )),
            },
            HookRef::Repo { owner, .. } => self.authorization(owner).await,
            HookRef::Org { org, .. } => self.authorization(org).await,
        }
    }

    /// The endpoint and path of `hook`'s deliveries, or of one delivery's redelivery.
    fn hook_path(hook: &HookRef, redeliver: Option<u64>) -> (&'static Endpoint, String) {
        let id = redeliver.map(|id| id.to_string()).unwrap_or_default();
        match hook {
            HookRef::App => match redeliver {
                None => (&ep::APP_HOOK_DELIVERIES, ep::APP_HOOK_DELIVERIES.path(&[])),
                Some(_) => (&ep::APP_HOOK_REDELIVER, ep::APP_HOOK_REDELIVER.path(&[&id])),
            },
            HookRef::Repo {
                owner,
                repo,
                id: hook,
            } => {
                let values = [segment(owner), segment(repo), hook.to_string(), id];
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                match redeliver {
                    None => (
                        &ep::REPO_HOOK_DELIVERIES,
                        ep::REPO_HOOK_DELIVERIES.path(&values),
                    ),
                    Some(_) => (
                        &ep::REPO_HOOK_REDELIVER,
                        ep::REPO_HOOK_REDELIVER.path(&values),
                    ),
                }
            }
            HookRef::Org { org, id: hook } => {
                let values = [segment(org), hook.to_string(), id];
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                match redeliver {
                    None => (
                        &ep::ORG_HOOK_DELIVERIES,
                        ep::ORG_HOOK_DELIVERIES.path(&values),
                    ),
                    Some(_) => (
                        &ep::ORG_HOOK_REDELIVER,
                        ep::ORG_HOOK_REDELIVER.path(&values),
                    ),
                }
            }
        }
    }
}

impl WebhookDeliveries for OctocrabGitHub {
    fn deliveries<'a>(
        &'a self,
        hook: &'a HookRef,
        checked_through: Option<u64>,
        not_before: Timestamp,
    ) -> GitHubFuture<'a, Vec<HookDelivery>> {
        Box::pin(async move {
            let caller = self.hook_caller(hook).await?;
            let (endpoint, path) = Self::hook_path(hook, None);
            let now = self.inner.clock.now();
            // `seen_enough` with a lookback reaching back to `not_before`.
            let policy = RecoveryPolicy {
                lookback: now.duration_since(not_before),
                settle: jiff::SignedDuration::ZERO,
                max_redeliveries: 0,
            };
            let mut all = Vec::new();
            let mut next = Some(format!("{}{path}?per_page=100", self.inner.endpoint));
            while let Some(url) = next.take() {
                let (body, headers) = self.read_url(endpoint, &url, &caller).await?;
                let page: Vec<DeliveryWire> = decode(endpoint.route, &body)?;
                let mut enough = false;
                for wire in page {
                    let delivery = wire.into_delivery(endpoint.route)?;
                    enough |= seen_enough(&delivery, checked_through, now, policy);
                    all.push(delivery);
                }
                if !enough {
                    next = headers
                        .get("link")
                        .and_then(|v| v.to_str().ok())
                        .and_then(next_link);
                }
            }
            Ok(all)
        })
    }

    fn redeliver<'a>(&'a self, hook: &'a HookRef, id: u64) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let (endpoint, path) = Self::hook_path(hook, Some(id));
            if self.inner.dry_run {
                tracing::info!(dry_run = true, path, "redelivery not asked for (dry run)");
                return Ok(());
            }
            let caller = self.hook_caller(hook).await?;
            let url = format!("{}{path}", self.inner.endpoint);
            let answer = self
                .send(endpoint, &url, &caller, HeaderMap::new(), None)
                .await?;
            if !answer.status.is_success() {
                return Err(self.error(&endpoint.method, &path, &answer));
            }
            Ok(())
        })
    }
}
