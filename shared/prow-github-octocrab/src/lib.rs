//! The GitHub client port ([`prow_github::client::GitHubClient`]) over HTTP with octocrab.
//!
//! - Auth: a token file (PAT), or a GitHub App: a JWT for the app's endpoints, and per
//!   organization an installation token, cached and refreshed before it expires.
//! - `--dry-run`: reads go to GitHub; writes are logged and not sent.
//! - Budget: every call is counted (component, event, endpoint, method, status); repeated reads
//!   send `If-None-Match` with the ETag of the last answer, and a 304 is served from the cache at
//!   no rate-limit cost; rate-limit headers are kept as gauges.
//!
//! Boundary: this crate is the only place that speaks GitHub's wire format for requests; callers
//! see the port's types. Credentials are read at construction; GitHub is first called on use.

mod auth;
mod ledger;

pub use auth::{AppCredentials, Credentials, CredentialsError};

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use ledger::{CacheLabels, CallLabels, Ledger, RateLabels};
use prow_github::client::{
    CheckRun, CombinedStatus, GitHubClient, GitHubError, GitHubFuture, MergeDetails, NewCheckRun,
    Permission, PullRequestChange, Status,
};
use prow_github::events::{Comment, Label, PullRequest, User};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// How many ETag-cached answers are kept; the oldest half is dropped when full.
const ETAG_CACHE_ENTRIES: usize = 10_000;

pub struct ClientOptions {
    /// The component name in the ledger (`hook`, `crier`, ...).
    pub component: String,
    pub dry_run: bool,
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
    ledger: Ledger,
    etags: Mutex<EtagCache>,
    bot: tokio::sync::OnceCell<User>,
}

/// (credentials identity, URL) -> (ETag, body) of the last 200 answer.
type EtagCache = HashMap<(String, String), (String, Vec<u8>)>;

/// Why a client could not be made from a function's flags.
#[derive(Debug, thiserror::Error)]
pub enum FromArgsError {
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Client(#[from] GitHubError),
}

/// One answer from GitHub.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl OctocrabGitHub {
    /// A client for `endpoint` (`https://api.github.com`, or a stand-in). Nothing is sent yet.
    pub fn new(
        endpoint: &str,
        credentials: Credentials,
        options: ClientOptions,
        metrics: &prow_runtime::Metrics,
    ) -> Result<OctocrabGitHub, GitHubError> {
        let endpoint = endpoint.trim_end_matches('/').to_string();
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
                credentials,
                component: options.component,
                dry_run: options.dry_run,
                ledger: Ledger::register(metrics),
                etags: Mutex::default(),
                bot: tokio::sync::OnceCell::new(),
            }),
            event: Arc::from("none"),
        })
    }

    /// The client a function's flags describe (`--github-endpoint`, `--github-token-path` or
    /// `--github-app-id` with `--github-app-private-key-path`, `--dry-run`), or `None` when no
    /// credentials are given.
    pub fn from_args(
        args: &prow_runtime::CommonArgs,
        component: &str,
        metrics: &prow_runtime::Metrics,
    ) -> Result<Option<OctocrabGitHub>, FromArgsError> {
        if args.github_token_path.is_none() && args.github_app_id.is_none() {
            return Ok(None);
        }
        let credentials = Credentials::from_flags(
            args.github_token_path.as_deref(),
            args.github_app_id.as_deref(),
            args.github_app_private_key_path.as_deref(),
        )?;
        let client = OctocrabGitHub::new(
            &args.github_endpoint,
            credentials,
            ClientOptions {
                component: component.to_string(),
                dry_run: args.dry_run,
            },
            metrics,
        )?;
        Ok(Some(client))
    }

    /// The same client, counting its calls against `event` (for example `issue_comment`).
    pub fn for_event(&self, event: &str) -> OctocrabGitHub {
        OctocrabGitHub {
            inner: self.inner.clone(),
            event: Arc::from(event),
        }
    }

    /// Sends one request and records it. `endpoint` is the route template for the ledger.
    async fn send(
        &self,
        method: Method,
        endpoint: &str,
        url: &str,
        authorization: &str,
        headers: HeaderMap,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, GitHubError> {
        let transport = |reason: String| GitHubError::Transport {
            path: endpoint.to_string(),
            reason,
        };
        let mut builder = http::Request::builder().method(method.clone()).uri(url);
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        builder = builder
            .header("authorization", authorization)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28");
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
        let answer = Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        };
        self.record(&method, endpoint, &answer);
        Ok(answer)
    }

    fn record(&self, method: &Method, endpoint: &str, answer: &Answer) {
        let inner = &self.inner;
        inner
            .ledger
            .calls
            .get_or_create(&CallLabels {
                component: inner.component.clone(),
                event: self.event.to_string(),
                endpoint: endpoint.to_string(),
                method: method.to_string(),
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

    fn error(&self, method: &Method, path: &str, answer: &Answer) -> GitHubError {
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if matches!(answer.status.as_u16(), 403 | 429)
            && header("x-ratelimit-remaining").as_deref() == Some("0")
        {
            return GitHubError::RateLimited {
                path: path.to_string(),
                reset: header("x-ratelimit-reset")
                    .and_then(|r| r.parse().ok())
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
        GitHubError::Api {
            method: method.to_string(),
            path: path.to_string(),
            status: answer.status.as_u16(),
            message,
        }
    }

    /// The `Authorization` value for calls about `org`.
    async fn authorization(&self, org: &str) -> Result<String, GitHubError> {
        match &self.inner.credentials {
            Credentials::Token(token) => Ok(format!("token {token}")),
            Credentials::App(app) => {
                let installation = self.installation(app, org).await?;
                Ok(format!(
                    "token {}",
                    self.installation_token(app, installation).await?
                ))
            }
        }
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
        let jwt = format!("Bearer {}", app.jwt()?);
        let url = format!("{}/app/installations?per_page=100", self.inner.endpoint);
        let installations: Vec<Installation> =
            self.paginate(url, "/app/installations", &jwt).await?;
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
        if let Some(token) = app.cached_token(installation).await {
            return Ok(token);
        }
        #[derive(serde::Deserialize)]
        struct Token {
            token: String,
            expires_at: String,
        }
        let endpoint = "/app/installations/{id}/access_tokens";
        let url = format!(
            "{}/app/installations/{installation}/access_tokens",
            self.inner.endpoint
        );
        let jwt = format!("Bearer {}", app.jwt()?);
        let answer = self
            .send(Method::POST, endpoint, &url, &jwt, HeaderMap::new(), None)
            .await?;
        if !answer.status.is_success() {
            return Err(self.error(&Method::POST, endpoint, &answer));
        }
        let token: Token = decode(endpoint, &answer.body)?;
        let expires = chrono::DateTime::parse_from_rfc3339(&token.expires_at)
            .map(SystemTime::from)
            .map_err(|e| GitHubError::Decode {
                path: endpoint.to_string(),
                reason: format!("expires_at: {e}"),
            })?;
        app.tokens
            .lock()
            .await
            .insert(installation, (token.token.clone(), expires));
        tracing::info!(installation, "fetched a GitHub App installation token");
        Ok(token.token)
    }

    /// GET with the ETag cache: a 304 answer is served from the cache.
    async fn read(&self, endpoint: &str, path: &str, org: &str) -> Result<Vec<u8>, GitHubError> {
        let authorization = self.authorization(org).await?;
        let url = format!("{}{path}", self.inner.endpoint);
        self.read_url(endpoint, &url, &authorization)
            .await
            .map(|(body, _)| body)
    }

    async fn read_url(
        &self,
        endpoint: &str,
        url: &str,
        authorization: &str,
    ) -> Result<(Vec<u8>, HeaderMap), GitHubError> {
        let key = (identity(authorization), url.to_string());
        let cached = self
            .inner
            .etags
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned());
        let mut headers = HeaderMap::new();
        if let Some((etag, _)) = &cached
            && let Ok(value) = HeaderValue::from_str(etag)
        {
            headers.insert("if-none-match", value);
        }
        let answer = self
            .send(Method::GET, endpoint, url, authorization, headers, None)
            .await?;
        if answer.status == StatusCode::NOT_MODIFIED
            && let Some((_, body)) = cached
        {
            self.inner
                .ledger
                .cache_hits
                .get_or_create(&CacheLabels {
                    component: self.inner.component.clone(),
                    endpoint: endpoint.to_string(),
                })
                .inc();
            return Ok((body, answer.headers));
        }
        if !answer.status.is_success() {
            return Err(self.error(&Method::GET, endpoint, &answer));
        }
        if let Some(etag) = answer.headers.get("etag").and_then(|v| v.to_str().ok())
            && let Ok(mut cache) = self.inner.etags.lock()
        {
            if cache.len() >= ETAG_CACHE_ENTRIES {
                let drop: Vec<_> = cache.keys().take(ETAG_CACHE_ENTRIES / 2).cloned().collect();
                for key in drop {
                    cache.remove(&key);
                }
            }
            cache.insert(key, (etag.to_string(), answer.body.clone()));
        }
        Ok((answer.body, answer.headers))
    }

    async fn get<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        path: String,
        org: &str,
    ) -> Result<T, GitHubError> {
        decode(endpoint, &self.read(endpoint, &path, org).await?)
    }

    /// Every page of a list, following `Link: rel="next"`.
    async fn paginate<T: DeserializeOwned>(
        &self,
        first: String,
        endpoint: &str,
        authorization: &str,
    ) -> Result<Vec<T>, GitHubError> {
        let mut all = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            let (body, headers) = self.read_url(endpoint, &url, authorization).await?;
            all.extend(decode::<Vec<T>>(endpoint, &body)?);
            next = headers
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(next_link);
        }
        Ok(all)
    }

    async fn list<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        path: String,
        org: &str,
    ) -> Result<Vec<T>, GitHubError> {
        let authorization = self.authorization(org).await?;
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = format!("{}{path}{separator}per_page=100", self.inner.endpoint);
        self.paginate(url, endpoint, &authorization).await
    }

    /// A change. In dry-run mode it is logged and not sent (`None`).
    async fn write(
        &self,
        method: Method,
        endpoint: &str,
        path: &str,
        org: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Option<Vec<u8>>, GitHubError> {
        if self.inner.dry_run {
            tracing::info!(dry_run = true, method = %method, path, "GitHub change not sent (dry run)");
            return Ok(None);
        }
        let authorization = self.authorization(org).await?;
        let url = format!("{}{path}", self.inner.endpoint);
        let answer = self
            .send(
                method.clone(),
                endpoint,
                &url,
                &authorization,
                HeaderMap::new(),
                body.as_ref(),
            )
            .await?;
        if !answer.status.is_success() {
            return Err(self.error(&method, path, &answer));
        }
        Ok(Some(answer.body))
    }

    /// A read that GitHub answers with 204 (yes) or 404 (no).
    async fn exists(&self, endpoint: &str, path: String, org: &str) -> Result<bool, GitHubError> {
        let authorization = self.authorization(org).await?;
        let url = format!("{}{path}", self.inner.endpoint);
        let answer = self
            .send(
                Method::GET,
                endpoint,
                &url,
                &authorization,
                HeaderMap::new(),
                None,
            )
            .await?;
        match answer.status.as_u16() {
            204 | 200 => Ok(true),
            404 | 302 => Ok(false),
            _ => Err(self.error(&Method::GET, &path, &answer)),
        }
    }
}

/// Which credentials a cached answer belongs to, without keeping the token itself.
fn identity(authorization: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    authorization.hash(&mut hasher);
    format!("{:x}", hasher.finish())
}

fn decode<T: DeserializeOwned>(endpoint: &str, body: &[u8]) -> Result<T, GitHubError> {
    serde_json::from_slice(body).map_err(|e| GitHubError::Decode {
        path: endpoint.to_string(),
        reason: e.to_string(),
    })
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(link: &str) -> Option<String> {
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

/// Path segments as GitHub wants them (label names may hold spaces or slashes).
fn segment(text: &str) -> String {
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

impl GitHubClient for OctocrabGitHub {
    fn bot_user(&self) -> GitHubFuture<'_, User> {
        Box::pin(async move {
            let authorization = match &self.inner.credentials {
                Credentials::Token(token) => format!("token {token}"),
                // An app acts as `<slug>[bot]`.
                Credentials::App(app) => {
                    let jwt = format!("Bearer {}", app.jwt()?);
                    let url = format!("{}/app", self.inner.endpoint);
                    let (body, _) = self.read_url("/app", &url, &jwt).await?;
                    let slug: serde_json::Value = decode("/app", &body)?;
                    let login = format!("{}[bot]", slug["slug"].as_str().unwrap_or_default());
                    return Ok(User {
                        login,
                        kind: "Bot".into(),
                        ..User::default()
                    });
                }
            };
            self.inner
                .bot
                .get_or_try_init(|| async {
                    let url = format!("{}/user", self.inner.endpoint);
                    let (body, _) = self.read_url("/user", &url, &authorization).await?;
                    decode::<User>("/user", &body)
                })
                .await
                .cloned()
        })
    }

    fn create_comment<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        body: &'a str,
    ) -> GitHubFuture<'a, Comment> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/issues/{number}/comments");
            let sent = self
                .write(
                    Method::POST,
                    "/repos/{org}/{repo}/issues/{number}/comments",
                    &path,
                    org,
                    Some(serde_json::json!({"body": body})),
                )
                .await?;
            match sent {
                Some(answer) => decode("/repos/{org}/{repo}/issues/{number}/comments", &answer),
                None => Ok(Comment {
                    body: body.to_string(),
                    ..Comment::default()
                }),
            }
        })
    }

    fn edit_comment<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        id: u64,
        body: &'a str,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/issues/comments/{id}");
            self.write(
                Method::PATCH,
                "/repos/{org}/{repo}/issues/comments/{id}",
                &path,
                org,
                Some(serde_json::json!({"body": body})),
            )
            .await
            .map(drop)
        })
    }

    fn delete_comment<'a>(&'a self, org: &'a str, repo: &'a str, id: u64) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/issues/comments/{id}");
            self.write(
                Method::DELETE,
                "/repos/{org}/{repo}/issues/comments/{id}",
                &path,
                org,
                None,
            )
            .await
            .map(drop)
        })
    }

    fn list_issue_comments<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
    ) -> GitHubFuture<'a, Vec<Comment>> {
        Box::pin(self.list(
            "/repos/{org}/{repo}/issues/{number}/comments",
            format!("/repos/{org}/{repo}/issues/{number}/comments"),
            org,
        ))
    }

    fn issue_labels<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
    ) -> GitHubFuture<'a, Vec<Label>> {
        Box::pin(self.list(
            "/repos/{org}/{repo}/issues/{number}/labels",
            format!("/repos/{org}/{repo}/issues/{number}/labels"),
            org,
        ))
    }

    fn repo_labels<'a>(&'a self, org: &'a str, repo: &'a str) -> GitHubFuture<'a, Vec<Label>> {
        Box::pin(self.list(
            "/repos/{org}/{repo}/labels",
            format!("/repos/{org}/{repo}/labels"),
            org,
        ))
    }

    fn add_label<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        label: &'a str,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/issues/{number}/labels");
            self.write(
                Method::POST,
                "/repos/{org}/{repo}/issues/{number}/labels",
                &path,
                org,
                Some(serde_json::json!({"labels": [label]})),
            )
            .await
            .map(drop)
        })
    }

    fn remove_label<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        label: &'a str,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let path = format!(
                "/repos/{org}/{repo}/issues/{number}/labels/{}",
                segment(label)
            );
            self.write(
                Method::DELETE,
                "/repos/{org}/{repo}/issues/{number}/labels/{name}",
                &path,
                org,
                None,
            )
            .await
            .map(drop)
        })
    }

    fn assign<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        logins: &'a [String],
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/issues/{number}/assignees");
            self.write(
                Method::POST,
                "/repos/{org}/{repo}/issues/{number}/assignees",
                &path,
                org,
                Some(serde_json::json!({"assignees": logins})),
            )
            .await
            .map(drop)
        })
    }

    fn request_review<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        logins: &'a [String],
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/pulls/{number}/requested_reviewers");
            self.write(
                Method::POST,
                "/repos/{org}/{repo}/pulls/{number}/requested_reviewers",
                &path,
                org,
                Some(serde_json::json!({"reviewers": logins})),
            )
            .await
            .map(drop)
        })
    }

    fn create_status<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        sha: &'a str,
        status: &'a Status,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/statuses/{sha}");
            let body = serde_json::to_value(status).map_err(|e| GitHubError::Decode {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            self.write(
                Method::POST,
                "/repos/{org}/{repo}/statuses/{sha}",
                &path,
                org,
                Some(body),
            )
            .await
            .map(drop)
        })
    }

    fn combined_status<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        git_ref: &'a str,
    ) -> GitHubFuture<'a, CombinedStatus> {
        Box::pin(self.get(
            "/repos/{org}/{repo}/commits/{ref}/status",
            format!("/repos/{org}/{repo}/commits/{git_ref}/status"),
            org,
        ))
    }

    fn create_check_run<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        run: &'a NewCheckRun,
    ) -> GitHubFuture<'a, u64> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/check-runs");
            let body = serde_json::to_value(run).map_err(|e| GitHubError::Decode {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            match self
                .write(
                    Method::POST,
                    "/repos/{org}/{repo}/check-runs",
                    &path,
                    org,
                    Some(body),
                )
                .await?
            {
                Some(answer) => {
                    let created: serde_json::Value =
                        decode("/repos/{org}/{repo}/check-runs", &answer)?;
                    Ok(created["id"].as_u64().unwrap_or_default())
                }
                None => Ok(0),
            }
        })
    }

    fn check_runs<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        git_ref: &'a str,
        name: Option<&'a str>,
    ) -> GitHubFuture<'a, Vec<CheckRun>> {
        Box::pin(async move {
            #[derive(serde::Deserialize)]
            struct CheckRuns {
                check_runs: Vec<CheckRun>,
            }
            let mut path = format!("/repos/{org}/{repo}/commits/{git_ref}/check-runs?per_page=100");
            if let Some(name) = name {
                path.push_str("&check_name=");
                path.push_str(&segment(name));
            }
            let runs: CheckRuns = self
                .get("/repos/{org}/{repo}/commits/{ref}/check-runs", path, org)
                .await?;
            Ok(runs.check_runs)
        })
    }

    fn update_check_run<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        id: u64,
        run: &'a NewCheckRun,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/check-runs/{id}");
            let mut body = serde_json::to_value(run).map_err(|e| GitHubError::Decode {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            // The commit of a check run cannot change.
            if let Some(fields) = body.as_object_mut() {
                fields.remove("head_sha");
            }
            self.write(
                Method::PATCH,
                "/repos/{org}/{repo}/check-runs/{id}",
                &path,
                org,
                Some(body),
            )
            .await
            .map(drop)
        })
    }

    fn pull_request<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
    ) -> GitHubFuture<'a, PullRequest> {
        Box::pin(self.get(
            "/repos/{org}/{repo}/pulls/{number}",
            format!("/repos/{org}/{repo}/pulls/{number}"),
            org,
        ))
    }

    fn pull_request_changes<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
    ) -> GitHubFuture<'a, Vec<PullRequestChange>> {
        Box::pin(self.list(
            "/repos/{org}/{repo}/pulls/{number}/files",
            format!("/repos/{org}/{repo}/pulls/{number}/files"),
            org,
        ))
    }

    fn merge<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        number: u64,
        details: &'a MergeDetails,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("/repos/{org}/{repo}/pulls/{number}/merge");
            let body = serde_json::to_value(details).map_err(|e| GitHubError::Decode {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            self.write(
                Method::PUT,
                "/repos/{org}/{repo}/pulls/{number}/merge",
                &path,
                org,
                Some(body),
            )
            .await
            .map(drop)
        })
    }

    fn is_member<'a>(&'a self, org: &'a str, login: &'a str) -> GitHubFuture<'a, bool> {
        Box::pin(self.exists(
            "/orgs/{org}/members/{user}",
            format!("/orgs/{org}/members/{login}"),
            org,
        ))
    }

    fn is_collaborator<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        login: &'a str,
    ) -> GitHubFuture<'a, bool> {
        Box::pin(self.exists(
            "/repos/{org}/{repo}/collaborators/{user}",
            format!("/repos/{org}/{repo}/collaborators/{login}"),
            org,
        ))
    }

    fn permission<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        login: &'a str,
    ) -> GitHubFuture<'a, Permission> {
        Box::pin(async move {
            let answer: serde_json::Value = self
                .get(
                    "/repos/{org}/{repo}/collaborators/{user}/permission",
                    format!("/repos/{org}/{repo}/collaborators/{login}/permission"),
                    org,
                )
                .await?;
            Ok(Permission::from_github(
                answer["permission"].as_str().unwrap_or_default(),
            ))
        })
    }

    fn team_members<'a>(&'a self, org: &'a str, team_slug: &'a str) -> GitHubFuture<'a, Vec<User>> {
        Box::pin(self.list(
            "/orgs/{org}/teams/{slug}/members",
            format!("/orgs/{org}/teams/{team_slug}/members"),
            org,
        ))
    }

    fn file<'a>(
        &'a self,
        org: &'a str,
        repo: &'a str,
        path: &'a str,
        git_ref: &'a str,
    ) -> GitHubFuture<'a, Vec<u8>> {
        Box::pin(async move {
            use base64::Engine;
            let route = format!(
                "/repos/{org}/{repo}/contents/{path}?ref={}",
                segment(git_ref)
            );
            let answer: serde_json::Value = self
                .get("/repos/{org}/{repo}/contents/{path}", route.clone(), org)
                .await?;
            let encoded: String = answer["content"]
                .as_str()
                .unwrap_or_default()
                .split_whitespace()
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| GitHubError::Decode {
                    path: route,
                    reason: e.to_string(),
                })
        })
    }

    fn graphql<'a>(
        &'a self,
        org: &'a str,
        query: &'a str,
        variables: serde_json::Value,
    ) -> GitHubFuture<'a, serde_json::Value> {
        Box::pin(async move {
            let endpoint = "/graphql";
            let authorization = self.authorization(org).await?;
            let url = format!("{}/graphql", self.inner.endpoint);
            let body = serde_json::json!({"query": query, "variables": variables});
            let answer = self
                .send(
                    Method::POST,
                    endpoint,
                    &url,
                    &authorization,
                    HeaderMap::new(),
                    Some(&body),
                )
                .await?;
            if !answer.status.is_success() {
                return Err(self.error(&Method::POST, endpoint, &answer));
            }
            let mut reply: serde_json::Value = decode(endpoint, &answer.body)?;
            if let Some(errors) = reply.get("errors").filter(|e| !e.is_null()) {
                return Err(GitHubError::Api {
                    method: "POST".into(),
                    path: endpoint.into(),
                    status: 200,
                    message: errors.to_string(),
                });
            }
            Ok(reply["data"].take())
        })
    }
}
