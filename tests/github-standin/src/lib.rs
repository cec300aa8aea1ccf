//! A stand-in for GitHub: a real HTTP server speaking GitHub's REST wire format over a state
//! that tests seed and inspect. Clients (octocrab, our GitHub adapter) point their base URL at it
//! and are exercised exactly as against api.github.com: JSON shapes, status codes, error bodies,
//! `Link` pagination, rate-limit headers, ETags with `If-None-Match` answering 304 at no
//! rate-limit cost, and the GraphQL search tide uses. Every call is recorded so tests can report the API budget a component spends.
//!
//! Boundary: test and local-mode infrastructure; production code never depends on it.

// GitHub objects have many fields; `json!` needs room to expand them.
#![recursion_limit = "256"]

mod app_auth;
mod events;
mod graphql;
mod graphql_helper_d;
mod routes;
mod routes_more;
mod routes_pulls;
mod shapes;
mod world;
mod world_helper_b;
#[path = "world_helper-c.rs"]
mod world_helper_c;
mod world_helper_d;

pub use events::{Delivery, signature};
pub use world::{
    App, Call, ChangedFile, CheckRun, Comment, Fault, Issue, Label, Org, Permission, PullRequest,
    Repo, Status, Team, User, World, sha_of,
};

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
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .header("user-agent", "GitHub-Hookshot/stand-in")
                .header("x-github-event", &delivery.event)
                .header("x-github-delivery", &delivery.id)
                .header("x-github-hook-id", "1")
                .header("x-hub-signature-256", signature(secret, &delivery.body))
                .body(delivery.body.clone())
                .send()
                .await?;
            results.push((delivery, response.status().as_u16()));
        }
        Ok(results)
    }

    /// The calls answered so far.
    pub fn calls(&self) -> Vec<Call> {
        self.world().calls.clone()
    }
}

impl Drop for GitHubStandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The stand-in's router over shared state; `base` is the URL it is reachable at.
pub fn app(world: Arc<Mutex<World>>, base: &str) -> Router {
    let state = AppState {
        world,
        base: Arc::from(base),
    };
    routes::router()
        .merge(world_helper_c::router())
        .layer(middleware::from_fn_with_state(state.clone(), account))
        .with_state(state)
}

/// Records each call, answers `If-None-Match` with 304 when the representation is unchanged
/// (costing no rate limit, as on GitHub), and sets the rate-limit headers.
async fn account(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let uri = request.uri().to_string();
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
        })
        .map(str::to_string);
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let fault = {
        let mut world = match state.world.lock() {
            Ok(world) => world,
            Err(poisoned) => poisoned.into_inner(),
        };
        world.take_fault(method.as_str(), request.uri().path())
    };
    let response = match fault {
        Some(status) => routes::error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            "Server Error",
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
    let (limit, remaining) = {
        let mut world = match state.world.lock() {
            Ok(world) => world,
            Err(poisoned) => poisoned.into_inner(),
        };
        if status != StatusCode::NOT_MODIFIED {
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
        (world.rate_limit, world.rate_limit_remaining)
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-used", (limit - remaining).to_string()),
        ("x-ratelimit-reset", "1767229200".to_string()),
        ("x-ratelimit-resource", "core".to_string()),
        ("x-github-api-version-selected", "2022-11-28".to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response.into_response()
}
