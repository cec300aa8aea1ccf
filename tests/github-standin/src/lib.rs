//! A stand-in for GitHub: a real HTTP server speaking GitHub's REST wire format over a state
//! that tests seed and inspect. Clients (octocrab, our GitHub adapter) point their base URL at it
//! and are exercised exactly as against api.github.com: JSON shapes, status codes, error bodies,
//! `Link` pagination, rate-limit headers, ETags with `If-None-Match` answering 304 at no
//! rate-limit cost, and the GraphQL search tide uses. Every call is recorded so tests can report the API budget a component spends.
//!
//! A call acts as someone: `Authorization: token <login>` naming a user of the world acts as
//! that user (their comments, labels, reviews; webhooks with them as `sender`), an App
//! installation token as `<app-slug>[bot]`, anything else as the world's bot ([`actor`]'s rules).
//! Run on its own (`github-standin --world world.yaml --webhook-url …`, see [`cli`]) it is a
//! sandbox: seeded from a world file ([`world_file`]), delivering webhooks in the background, with
//! a driver API under `/_standin/` for what people do through git.
//!
//! It also serves what peribolos and branchprotector change ([`world_admin`]): an org's profile,
//! members and invitations, nested teams with members and repositories, repository settings,
//! and branch protection.
//!
//! Boundary: test and local-mode infrastructure; production code never depends on it.

// GitHub objects have many fields; `json!` needs room to expand them.
#![recursion_limit = "256"]

pub mod actor;
mod app_auth;
pub mod cli;
mod deliveries;
mod driver;
mod events;
mod graphql;
mod oauth;
mod routes;
mod routes_admin;
mod routes_hooks;
mod routes_more;
mod routes_plugin_reads;
mod routes_pulls;
mod routes_repo_admin;
mod shapes;
mod shapes_admin;
mod world;
pub mod world_admin;
pub mod world_file;
mod world_git;
mod world_people;

pub use deliveries::{DeliveryAttempt, DeliveryDrop, DeliveryPolicy};
pub use events::{Delivery, signature};
pub use world::{
    App, Call, ChangedFile, CheckRun, Comment, Fault, Issue, Label, Org, Permission, PullRequest,
    Repo, Status, Team, User, World, sha_of,
};
pub use world_admin::{
    BranchProtection, Invitation, MembershipState, OrgProfile, PeopleAndTeams, RepoSettings,
    RequiredReviews, RequiredStatusChecks, Restrictions, team_slug,
};
pub use world_file::WorldFileError;
pub use world_git::{GitError, NewPullRequest};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) world: Arc<Mutex<World>>,
    /// `http://127.0.0.1:PORT`, for URLs in responses.
    pub(crate) base: Arc<str>,
}

/// A running stand-in. Dropping it stops the server.
pub struct GitHubStandIn {
    address: SocketAddr,
    world: Arc<Mutex<World>>,
    server: tokio::task::JoinHandle<()>,
    /// The background webhook deliverer, when one runs.
    deliverer: Option<tokio::task::JoinHandle<()>>,
}

impl GitHubStandIn {
    /// Serves `world` on a free loopback port.
    pub async fn start(world: World) -> anyhow::Result<GitHubStandIn> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        Self::serve(listener, world)
    }

    /// Serves `world` on `listener`.
    pub fn serve(listener: tokio::net::TcpListener, world: World) -> anyhow::Result<GitHubStandIn> {
        let address = listener.local_addr()?;
        let mut world = world;
        let api_base = format!("http://{address}");
        // Events queued while seeding name the default base; point them at this server.
        for delivery in &mut world.outbox {
            let text = String::from_utf8_lossy(&delivery.body).replace(&world.api_base, &api_base);
            delivery.body = text.into_bytes();
        }
        world.api_base = api_base;
        let world = Arc::new(Mutex::new(world));
        let app = app(world.clone(), &format!("http://{address}"));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("github stand-in stopped: {e}");
            }
        });
        Ok(GitHubStandIn {
            address,
            world,
            server,
            deliverer: None,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The API base URL to give a client (`--github-endpoint`).
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The state, to seed or inspect. Do not hold it across an await on a request.
    pub fn world(&self) -> MutexGuard<'_, World> {
        match self.world.lock() {
            Ok(world) => world,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Sends every queued webhook to `url`, in order, signed with `secret` as GitHub signs them,
    /// and returns each with the HTTP status the receiver answered.
    pub async fn deliver_pending(
        &self,
        url: &str,
        secret: &[u8],
    ) -> anyhow::Result<Vec<(Delivery, u16)>> {
        let pending = std::mem::take(&mut self.world().outbox);
        let client = reqwest::Client::new();
        let mut results = Vec::with_capacity(pending.len());
        for delivery in pending {
            let status = deliveries::post(&client, url, secret, &delivery).await?;
            results.push((delivery, status));
        }
        Ok(results)
    }

    /// From now on, sends every queued webhook to `url` in the background as it is queued, in
    /// order, signed with `secret`, retrying per `policy`; each attempt is recorded in
    /// [`World::delivery_attempts`]. Replaces a deliverer already running; stops with the server.
    pub fn deliver_in_background(&mut self, url: &str, secret: &[u8], policy: DeliveryPolicy) {
        if let Some(previous) = self.deliverer.take() {
            previous.abort();
        }
        self.deliverer = Some(tokio::spawn(deliveries::deliver_forever(
            self.world.clone(),
            url.to_string(),
            secret.to_vec(),
            policy,
        )));
    }

    /// The calls answered so far.
    pub fn calls(&self) -> Vec<Call> {
        self.world().calls.clone()
    }
}

impl Drop for GitHubStandIn {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(deliverer) = &self.deliverer {
            deliverer.abort();
        }
    }
}

/// The stand-in's router over shared state; `base` is the URL it is reachable at.
pub fn app(world: Arc<Mutex<World>>, base: &str) -> Router {
    let state = AppState {
        world,
        base: Arc::from(base),
    };
    routes::router()
        .merge(routes_plugin_reads::router())
        .merge(routes_admin::router())
        .merge(routes_hooks::router())
        .merge(routes_repo_admin::router())
        .merge(driver::router())
        .merge(oauth::router())
        .layer(middleware::from_fn_with_state(state.clone(), account))
        .with_state(state)
}

/// GitHub reads every request body as JSON whatever its `Content-Type` says (`curl -d` sends a
/// form type), so bodies are marked as JSON before the handlers' extractors look.
fn json_by_default(request: &mut Request) {
    let declared = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // A bodiless request stays as it is: `Option<Json<_>>` reads no type as no body.
    let has_body = request.headers().contains_key(header::TRANSFER_ENCODING)
        || request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|length| length != "0");
    if has_body && !declared.starts_with("application/json") {
        request.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
}

/// GitHub's 401 for a missing or unknown token, when the world insists on its bot tokens.
fn refusal(state: &AppState, token: Option<&str>) -> Option<Response> {
    let world = routes::lock(state);
    if world.bot_tokens.is_empty() {
        return None;
    }
    match world.credential(token) {
        actor::Credential::Known(_) => None,
        actor::Credential::Missing => Some(routes::error(
            StatusCode::UNAUTHORIZED,
            "Requires authentication",
        )),
        actor::Credential::Unknown => {
            Some(routes::error(StatusCode::UNAUTHORIZED, "Bad credentials"))
        }
    }
}

/// Records each call, answers `If-None-Match` with 304 when the representation is unchanged
/// (costing no rate limit, as on GitHub), and sets the rate-limit headers.
///
/// With bot tokens configured, a call whose token names nobody is refused with GitHub's 401
/// (Apps authenticate `/app` themselves, with a JWT). The driver API is not GitHub's and is
/// neither counted nor checked.
async fn account(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // github.com's sign-in pages are not the API: forms, no token, no rate limit.
    if request.uri().path().starts_with("/login/") {
        return next.run(request).await;
    }
    if request.uri().path().starts_with("/_standin/") {
        let mut request = request;
        json_by_default(&mut request);
        return next.run(request).await;
    }
    let mut request = request;
    json_by_default(&mut request);
    let method = request.method().clone();
    let uri = request.uri().to_string();
    let bearer = actor::bearer(request.headers()).map(str::to_string);
    if !request.uri().path().starts_with("/app")
        && let Some(refusal) = refusal(&state, bearer.as_deref())
    {
        return refusal;
    }
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (fault, spent) = {
        let mut world = match state.world.lock() {
            Ok(world) => world,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        world.roll_rate_limit_window(now);
        (
            world.take_fault(method.as_str(), request.uri().path()),
            world.rate_limit_remaining == 0,
        )
    };
    let faulted = fault.as_ref().is_some_and(|f| f.delay.is_none());
    let response = match fault {
        Some(fault) if fault.delay.is_some() => {
            tokio::time::sleep(fault.delay.unwrap_or_default()).await;
            next.run(request).await
        }
        Some(fault) if fault.retry_after.is_some() => {
            let mut refused = routes::error(
                StatusCode::FORBIDDEN,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            );
            if let Some(value) = fault
                .retry_after
                .and_then(|after| HeaderValue::from_str(&after.to_string()).ok())
            {
                refused.headers_mut().insert(header::RETRY_AFTER, value);
            }
            refused
        }
        Some(fault) => routes::error(
            StatusCode::from_u16(fault.status).unwrap_or(StatusCode::BAD_GATEWAY),
            "Server Error",
        ),
        None if spent => routes::error(
            StatusCode::FORBIDDEN,
            "API rate limit exceeded for user. (But here's the good news: Authenticated requests get a higher rate limit.)",
        ),
        None => next.run(request).await,
    };
    let (mut parts, body) = response.into_parts();
    let mut response = if method == Method::GET && parts.status == StatusCode::OK {
        let bytes = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => bytes,
            Err(_) => return routes::error(StatusCode::INTERNAL_SERVER_ERROR, "body"),
        };
        let etag = format!(
            "\"{}\"",
            sha_of(&format!(
                "{}{}",
                String::from_utf8_lossy(&bytes),
                parts
                    .headers
                    .get(header::LINK)
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or_default()
            ))
        );
        if let Ok(value) = HeaderValue::from_str(&etag) {
            parts.headers.insert(header::ETAG, value);
        }
        if if_none_match.as_deref().is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        }) {
            parts.status = StatusCode::NOT_MODIFIED;
            Response::from_parts(parts, Body::empty())
        } else {
            Response::from_parts(parts, Body::from(bytes))
        }
    } else {
        Response::from_parts(parts, body)
    };
    let status = response.status();
    let (limit, remaining, reset) = {
        let mut world = match state.world.lock() {
            Ok(world) => world,
            Err(poisoned) => poisoned.into_inner(),
        };
        // A 304 is free; so is a refusal for the limit itself.
        if status != StatusCode::NOT_MODIFIED && !spent && !faulted {
            world.rate_limit_remaining = world.rate_limit_remaining.saturating_sub(1);
        }
        let installation =
            bearer.and_then(|token| world.installation_tokens.get(&token).map(|(_, id)| *id));
        world.calls.push(Call {
            method: method.to_string(),
            uri,
            status: status.as_u16(),
            installation,
        });
        (
            world.rate_limit,
            world.rate_limit_remaining,
            world.rate_limit_reset,
        )
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-used", (limit - remaining).to_string()),
        ("x-ratelimit-reset", reset.to_string()),
        ("x-ratelimit-resource", "core".to_string()),
        ("x-github-api-version-selected", "2022-11-28".to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response.into_response()
}
