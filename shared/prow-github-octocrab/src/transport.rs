//! One request to GitHub and what comes back: authorization (token, or an App's installation
//! token for the org), the ledger entry, conditional reads through the ETag cache, paging by
//! `Link` headers, dry-run writes, and GitHub's error answers turned into [`GitHubError`]s.

use crate::OctocrabGitHub;
use crate::auth::{AppCredentials, Credentials};
use crate::cache::Caller;
use crate::endpoints::{self, Endpoint};
use crate::ledger::{CacheLabels, CallLabels, HoldLabels, LookupLabels, RateLabels};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use prow_github::budget::{Admission, Hold, Resource};
use prow_github::events::User;
use prow_ports::github::{ApiProblem, GitHubError};
use prow_ports::github_cache::{CacheKey, CachedResponse};
use serde::de::DeserializeOwned;

/// How many times a call that is safe to resend is sent again after a 5xx or no answer.
const SERVER_ERROR_RESENDS: u32 = 3;

/// What the client accepts and the API version it speaks: part of every cache key.
const ACCEPT: &str = "application/vnd.github+json";
const API_VERSION: &str = "2022-11-28";

/// Whether GitHub refused the call for its rate limit (spent, or a secondary limit).
fn limited(answer: &Answer) -> bool {
    matches!(answer.status.as_u16(), 403 | 429)
        && (answer.headers.contains_key("retry-after")
            || answer
                .headers
                .get("x-ratelimit-remaining")
                .is_some_and(|v| v.as_bytes() == b"0"))
}

/// One answer from GitHub.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl OctocrabGitHub {
    /// Sends one request as the governor allows and records it in the ledger under the
    /// endpoint's route. A read or an idempotent write refused by a secondary limit is sent once
    /// more when the limit's `retry-after` is short enough to wait for; a POST never is (its
    /// caller's event is redelivered instead). A call that could not reach GitHub or got a 5xx is
    /// sent again up to [`SERVER_ERROR_RESENDS`] times with a doubling wait, only when sending it
    /// twice is harmless ([`Endpoint::resendable_on_failure`]): a comment is never posted blindly
    /// again, its caller's event is redelivered instead.
    pub(crate) async fn send(
        &self,
        endpoint: &Endpoint,
        url: &str,
        caller: &Caller,
        headers: HeaderMap,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, GitHubError> {
        let resource = Resource::of_path(endpoint.route);
        let write =
            resource == Resource::Core && !matches!(endpoint.method, Method::GET | Method::HEAD);
        let mut resent = false;
        let mut failures = 0;
        loop {
            self.admit(endpoint, caller, resource, write).await?;
            let resend = endpoint.resendable_on_failure() && failures < SERVER_ERROR_RESENDS;
            let answer = match self
                .transmit(endpoint, url, caller, headers.clone(), body)
                .await
            {
                Ok(answer) => answer,
                Err(error) if resend => {
                    failures += 1;
                    self.wait_to_resend(endpoint, failures, &error.to_string())
                        .await;
                    continue;
                }
                Err(error) => return Err(error),
            };
            if answer.status.is_server_error() && resend {
                self.record(endpoint, &answer);
                failures += 1;
                self.wait_to_resend(endpoint, failures, answer.status.as_str())
                    .await;
                continue;
            }
            self.inner.governor.observe(
                &caller.identity,
                resource,
                &answer.headers,
                self.inner.clock.now(),
            );
            self.record(endpoint, &answer);
            if limited(&answer) && !resent && endpoint.method != Method::POST {
                resent = true;
                continue;
            }
            return Ok(answer);
        }
    }

    /// The wait before resending a call that failed `failures` times: 100 ms, doubling.
    async fn wait_to_resend(&self, endpoint: &Endpoint, failures: u32, why: &str) {
        let wait = std::time::Duration::from_millis(100 << failures.saturating_sub(1).min(4));
        tracing::info!(
            component = %self.inner.component,
            endpoint = endpoint.route,
            method = %endpoint.method,
            failures,
            why,
            wait_ms = wait.as_millis(),
            "GitHub call failed; sending it again"
        );
        tokio::time::sleep(wait).await;
    }

    /// Waits while the governor says wait; fails with [`GitHubError::Deferred`] when it defers.
    async fn admit(
        &self,
        endpoint: &Endpoint,
        caller: &Caller,
        resource: Resource,
        write: bool,
    ) -> Result<(), GitHubError> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let admission = inner
            .governor
            .admit(&caller.identity, resource, self.priority, write, now);
        let labels = |hold: Hold| HoldLabels {
            component: inner.component.clone(),
            priority: self.priority.as_str().to_string(),
            hold: hold.as_str().to_string(),
        };
        match admission {
            Admission::Go => Ok(()),
            Admission::Wait { wait, hold } => {
                inner.ledger.waits.get_or_create(&labels(hold)).inc();
                tracing::info!(
                    component = %inner.component,
                    priority = self.priority.as_str(),
                    hold = hold.as_str(),
                    endpoint = endpoint.route,
                    wait_ms = wait.as_millis(),
                    "GitHub call waiting for budget"
                );
                tokio::time::sleep(wait.unsigned_abs()).await;
                inner
                    .governor
                    .spent(&caller.identity, resource, write, inner.clock.now());
                Ok(())
            }
            Admission::Defer { until, hold } => {
                inner.ledger.deferred.get_or_create(&labels(hold)).inc();
                tracing::warn!(
                    component = %inner.component,
                    priority = self.priority.as_str(),
                    hold = hold.as_str(),
                    endpoint = endpoint.route,
                    remaining = inner.governor.remaining(&caller.identity, resource),
                    until = %until,
                    "GitHub call deferred for budget"
                );
                Err(GitHubError::Deferred {
                    path: endpoint.route.to_string(),
                    until: u64::try_from(until.as_second()).unwrap_or_default(),
                    reason: format!(
                        "{} priority, {}",
                        self.priority.as_str(),
                        hold.as_str().replace('_', " ")
                    ),
                })
            }
        }
    }

    /// One HTTP exchange.
    async fn transmit(
        &self,
        endpoint: &Endpoint,
        url: &str,
        caller: &Caller,
        headers: HeaderMap,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, GitHubError> {
        let transport = |reason: String| GitHubError::Transport {
            path: endpoint.route.to_string(),
            reason,
        };
        let mut builder = http::Request::builder()
            .method(endpoint.method.clone())
            .uri(url);
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        builder = builder
            .header("authorization", caller.authorization.as_str())
            .header("accept", ACCEPT)
            .header("x-github-api-version", API_VERSION);
        let request = self
            .inner
            .octocrab
            .build_request(builder, body)
            .map_err(|e| transport(e.to_string()))?;
        let response = self
            .inner
            .octocrab
            .execute(request)
            .await
            .map_err(|e| transport(e.to_string()))?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| transport(e.to_string()))?
            .to_bytes()
            .to_vec();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    fn record(&self, endpoint: &Endpoint, answer: &Answer) {
        let inner = &self.inner;
        inner
            .ledger
            .calls
            .get_or_create(&CallLabels {
                component: inner.component.clone(),
                event: self.event.to_string(),
                endpoint: endpoint.route.to_string(),
                method: endpoint.method.to_string(),
                status: answer.status.as_u16().to_string(),
            })
            .inc();
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i64>().ok())
        };
        let labels = RateLabels {
            component: inner.component.clone(),
            resource: answer
                .headers
                .get("x-ratelimit-resource")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("core")
                .to_string(),
        };
        if let Some(remaining) = header("x-ratelimit-remaining") {
            inner
                .ledger
                .rate_remaining
                .get_or_create(&labels)
                .set(remaining);
        }
        if let Some(limit) = header("x-ratelimit-limit") {
            inner.ledger.rate_limit.get_or_create(&labels).set(limit);
        }
        if let Some(reset) = header("x-ratelimit-reset") {
            inner.ledger.rate_reset.get_or_create(&labels).set(reset);
        }
    }

    /// GitHub's error answer as an error, with what it means where Prow acts on it.
    pub(crate) fn error(&self, method: &Method, path: &str, answer: &Answer) -> GitHubError {
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if limited(answer) {
            let retry_at = header("retry-after")
                .and_then(|after| after.trim().parse::<u64>().ok())
                .and_then(|after| {
                    let now = u64::try_from(self.inner.clock.now().as_second()).ok()?;
                    Some(now + after)
                });
            return GitHubError::RateLimited {
                path: path.to_string(),
                reset: retry_at
                    .or_else(|| header("x-ratelimit-reset").and_then(|r| r.parse().ok()))
                    .unwrap_or_default(),
            };
        }
        let message = serde_json::from_slice::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&answer.body)
                    .chars()
                    .take(200)
                    .collect()
            });
        // GitHub's words for the answers Prow treats as final (upstream's crier swallows both).
        let problem = if message.contains("has reached the maximum number of statuses") {
            ApiProblem::StatusLimitReached
        } else if message.contains("No commit found for SHA") {
            ApiProblem::CommitNotFound
        } else {
            ApiProblem::Other
        };
        GitHubError::Api {
            method: method.to_string(),
            path: path.to_string(),
            status: answer.status.as_u16(),
            message,
            problem,
        }
    }

    /// Whom calls about `org` act as.
    pub(crate) async fn authorization(&self, org: &str) -> Result<Caller, GitHubError> {
        match &self.inner.credentials {
            Credentials::Token(token) => Ok(Caller::token(token)),
            Credentials::App(app) => {
                let installation = self.installation(app, org).await?;
                let token = self.installation_token(app, installation).await?;
                Ok(Caller::installation(&app.app_id, installation, &token))
            }
        }
    }

    /// The App itself, for its own endpoints.
    pub(crate) fn app_authorization(&self, app: &AppCredentials) -> Result<Caller, GitHubError> {
        Ok(Caller::app(&app.app_id, &app.jwt(self.inner.clock.now())?))
    }

    /// The app's installation for `org`, from `GET /app/installations` (cached).
    async fn installation(&self, app: &AppCredentials, org: &str) -> Result<u64, GitHubError> {
        if let Some(id) = app.installations.lock().await.get(org) {
            return Ok(*id);
        }
        #[derive(serde::Deserialize)]
        struct Installation {
            id: u64,
            account: Option<User>,
        }
        let jwt = self.app_authorization(app)?;
        let url = format!(
            "{}{}?per_page=100",
            self.inner.endpoint,
            endpoints::APP_INSTALLATIONS.path(&[])
        );
        let installations: Vec<Installation> = self
            .paginate(url, &endpoints::APP_INSTALLATIONS, &jwt)
            .await?;
        let mut known = app.installations.lock().await;
        for installation in installations {
            if let Some(account) = installation.account {
                known.insert(account.login, installation.id);
            }
        }
        known.get(org).copied().ok_or_else(|| {
            GitHubError::Auth(format!(
                "the GitHub App {} is not installed in {org}",
                app.app_id
            ))
        })
    }

    async fn installation_token(
        &self,
        app: &AppCredentials,
        installation: u64,
    ) -> Result<String, GitHubError> {
        let now = self.inner.clock.now();
        if let Some(token) = app.cached_token(installation, now).await {
            return Ok(token);
        }
        #[derive(serde::Deserialize)]
        struct Token {
            token: String,
            expires_at: String,
        }
        let endpoint = &endpoints::INSTALLATION_TOKEN;
        let path = endpoint.path(&[&installation.to_string()]);
        let url = format!("{}{path}", self.inner.endpoint);
        let jwt = self.app_authorization(app)?;
        let answer = self
            .send(endpoint, &url, &jwt, HeaderMap::new(), None)
            .await?;
        if !answer.status.is_success() {
            return Err(self.error(&endpoint.method, endpoint.route, &answer));
        }
        let token: Token = decode(endpoint.route, &answer.body)?;
        let expires: jiff::Timestamp =
            token
                .expires_at
                .parse()
                .map_err(|e: jiff::Error| GitHubError::Decode {
                    path: endpoint.route.to_string(),
                    reason: format!("expires_at: {e}"),
                })?;
        app.tokens
            .lock()
            .await
            .insert(installation, (token.token.clone(), expires));
        tracing::info!(installation, "fetched a GitHub App installation token");
        Ok(token.token)
    }

    /// GET `path` with the ETag cache: a 304 answer is served from the cache.
    pub(crate) async fn read(
        &self,
        endpoint: &Endpoint,
        path: &str,
        org: &str,
    ) -> Result<Vec<u8>, GitHubError> {
        let authorization = self.authorization(org).await?;
        let url = format!("{}{path}", self.inner.endpoint);
        self.read_url(endpoint, &url, &authorization)
            .await
            .map(|(body, _)| body)
    }

    /// GET `url` through the response cache: sent with the validators of the answer kept for it,
    /// and a 304 served from the cache. A cache that fails is logged and counted, and the read
    /// is sent unconditionally.
    pub(crate) async fn read_url(
        &self,
        endpoint: &Endpoint,
        url: &str,
        caller: &Caller,
    ) -> Result<(Vec<u8>, HeaderMap), GitHubError> {
        let inner = &self.inner;
        let key = CacheKey::new(
            "GET",
            url,
            &caller.identity,
            &[("accept", ACCEPT), ("x-github-api-version", API_VERSION)],
        );
        let cached = match inner.cache.get(&key).await {
            Ok(cached) => cached.filter(CachedResponse::revalidatable),
            Err(error) => {
                self.cache_failed(endpoint, &error);
                None
            }
        };
        let mut headers = HeaderMap::new();
        if let Some(cached) = &cached {
            for (name, value) in [
                ("if-none-match", &cached.etag),
                ("if-modified-since", &cached.last_modified),
            ] {
                if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    headers.insert(name, value);
                }
            }
        }
        let answer = self.send(endpoint, url, caller, headers, None).await?;
        if answer.status == StatusCode::NOT_MODIFIED
            && let Some(cached) = cached
        {
            self.count_lookup(endpoint, "hit");
            let mut headers = answer.headers;
            if let Some(link) = cached
                .link
                .as_deref()
                .and_then(|l| HeaderValue::from_str(l).ok())
            {
                headers.insert(http::header::LINK, link);
            }
            return Ok((cached.body, headers));
        }
        if !answer.status.is_success() {
            return Err(self.error(&Method::GET, endpoint.route, &answer));
        }
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let entry = CachedResponse {
            etag: header("etag"),
            last_modified: header("last-modified"),
            link: header("link"),
            body: answer.body,
        };
        if entry.revalidatable() {
            self.count_lookup(endpoint, "miss");
            if let Err(error) = inner.cache.put(&key, entry.clone()).await {
                self.cache_failed(endpoint, &error);
            }
        }
        Ok((entry.body, answer.headers))
    }

    pub(crate) fn count_lookup(&self, endpoint: &Endpoint, result: &str) {
        let inner = &self.inner;
        if result == "hit" {
            inner
                .ledger
                .cache_hits
                .get_or_create(&CacheLabels {
                    component: inner.component.clone(),
                    endpoint: endpoint.route.to_string(),
                })
                .inc();
        }
        inner
            .ledger
            .cache_lookups
            .get_or_create(&LookupLabels {
                component: inner.component.clone(),
                store: inner.cache.store().to_string(),
                result: result.to_string(),
            })
            .inc();
    }

    pub(crate) fn cache_failed(
        &self,
        endpoint: &Endpoint,
        error: &prow_ports::github_cache::CacheError,
    ) {
        self.count_lookup(endpoint, "error");
        tracing::warn!(
            component = %self.inner.component,
            endpoint = endpoint.route,
            %error,
            "GitHub response cache unavailable; reading without it"
        );
    }

    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        endpoint: &Endpoint,
        path: &str,
        org: &str,
    ) -> Result<T, GitHubError> {
        decode(endpoint.route, &self.read(endpoint, path, org).await?)
    }

    /// Every page of a list, following `Link: rel="next"`.
    pub(crate) async fn paginate<T: DeserializeOwned>(
        &self,
        first: String,
        endpoint: &Endpoint,
        caller: &Caller,
    ) -> Result<Vec<T>, GitHubError> {
        let mut all = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            let (body, headers) = self.read_url(endpoint, &url, caller).await?;
            all.extend(decode::<Vec<T>>(endpoint.route, &body)?);
            next = headers
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(next_link);
        }
        Ok(all)
    }

    /// Every item of the list at `path`, 100 a page.
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        endpoint: &Endpoint,
        path: &str,
        org: &str,
    ) -> Result<Vec<T>, GitHubError> {
        let authorization = self.authorization(org).await?;
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = format!("{}{path}{separator}per_page=100", self.inner.endpoint);
        self.paginate(url, endpoint, &authorization).await
    }

    /// A change. In dry-run mode it is logged and not sent (`None`).
    pub(crate) async fn write(
        &self,
        endpoint: &Endpoint,
        path: &str,
        org: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Option<Vec<u8>>, GitHubError> {
        if self.inner.dry_run {
            tracing::info!(dry_run = true, method = %endpoint.method, path, "GitHub change not sent (dry run)");
            return Ok(None);
        }
        let authorization = self.authorization(org).await?;
        let url = format!("{}{path}", self.inner.endpoint);
        let answer = self
            .send(
                endpoint,
                &url,
                &authorization,
                HeaderMap::new(),
                body.as_ref(),
            )
            .await?;
        if !answer.status.is_success() {
            return Err(self.error(&endpoint.method, path, &answer));
        }
        Ok(Some(answer.body))
    }

    /// A POST that reads (GraphQL queries): sent in dry-run mode too.
    pub(crate) async fn post_read(
        &self,
        endpoint: &Endpoint,
        path: &str,
        org: &str,
        body: &serde_json::Value,
    ) -> Result<Option<Vec<u8>>, GitHubError> {
        let authorization = self.authorization(org).await?;
        let url = format!("{}{path}", self.inner.endpoint);
        let answer = self
            .send(endpoint, &url, &authorization, HeaderMap::new(), Some(body))
            .await?;
        if !answer.status.is_success() {
            return Err(self.error(&endpoint.method, endpoint.route, &answer));
        }
        Ok(Some(answer.body))
    }

    /// A read that GitHub answers with 204 (yes) or 404 (no).
    pub(crate) async fn exists(
        &self,
        endpoint: &Endpoint,
        path: &str,
        org: &str,
    ) -> Result<bool, GitHubError> {
        let authorization = self.authorization(org).await?;
        let url = format!("{}{path}", self.inner.endpoint);
        let answer = self
            .send(endpoint, &url, &authorization, HeaderMap::new(), None)
            .await?;
        match answer.status.as_u16() {
            204 | 200 => Ok(true),
            404 | 302 => Ok(false),
            _ => Err(self.error(&Method::GET, path, &answer)),
        }
    }
}

pub(crate) fn decode<T: DeserializeOwned>(route: &str, body: &[u8]) -> Result<T, GitHubError> {
    serde_json::from_slice(body).map_err(|e| GitHubError::Decode {
        path: route.to_string(),
        reason: e.to_string(),
    })
}

/// The `rel="next"` URL of a `Link` header.
pub(crate) fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}
