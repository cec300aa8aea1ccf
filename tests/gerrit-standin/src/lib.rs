//! A stand-in for Gerrit: a real HTTP server speaking Gerrit's REST wire format over a state that
//! tests seed and inspect. Prow's Gerrit adapter and reporter point their instance URL at it and
//! are exercised as against a Gerrit host: the `)]}'` guard before every body, Gerrit's
//! timestamps (`2006-01-02 15:04:05.000000000`, UTC), change queries with `start`/`n` paging
//! and `o=` options, reviews that add a `Patch Set N:` message and votes checked against the
//! project's labels, and the messages Gerrit writes itself (`Uploaded patch set 2.`,
//! `Set Ready For Review`). Every call is recorded.
//!
//! Who calls: every route is served plainly and under `/a/`, as Gerrit does. Plain calls are
//! anonymous (reads work; reviews, submits and `accounts/self` are refused with 403). Under
//! `/a/` a call must name an account, or it gets 401: HTTP basic auth with its username (any
//! password), a `Cookie: o=<username>` (Prow's `.gitcookies` token) or `Authorization: Bearer
//! <username>`.
//!
//! Boundary: test and local-mode infrastructure; production code never depends on it.

mod model;
mod query;
mod routes;
mod shapes;
mod world;

pub use routes::XSSI_GUARD;
pub use world::{
    Account, Call, Change, ChangeStatus, Comment, Fault, FileInfo, LabelRange, Message, Person,
    Project, Revision, World, gerrit_time, sha_of, url_encode,
};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use base64::Engine;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) world: Arc<Mutex<World>>,
}

/// The account a call acts as; `None` for an anonymous call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Caller(pub(crate) Option<u64>);

/// A running stand-in. Dropping it stops the server.
pub struct GerritStandIn {
    address: SocketAddr,
    world: Arc<Mutex<World>>,
    server: tokio::task::JoinHandle<()>,
}

impl GerritStandIn {
    /// Serves `world` on a free loopback port.
    pub async fn start(world: World) -> anyhow::Result<GerritStandIn> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        Self::serve(listener, world)
    }

    /// Serves `world` on `listener`.
    pub fn serve(listener: tokio::net::TcpListener, world: World) -> anyhow::Result<GerritStandIn> {
        let address = listener.local_addr()?;
        let world = Arc::new(Mutex::new(world));
        let app = app(world.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("gerrit stand-in stopped: {e}");
            }
        });
        Ok(GerritStandIn {
            address,
            world,
            server,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The instance URL to give a client (`org:` in Prow's `gerrit.org_repos_config`).
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

    /// The calls answered so far.
    pub fn calls(&self) -> Vec<Call> {
        self.world().calls.clone()
    }
}

impl Drop for GerritStandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The stand-in's router over shared state: every route plainly and under `/a`.
pub fn app(world: Arc<Mutex<World>>) -> Router {
    let state = AppState { world };
    routes::router()
        .nest("/a", routes::router())
        .fallback(|| async { routes::text_reply(StatusCode::NOT_FOUND, "Not Found") })
        .layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
}

/// The username a call's credentials name: basic auth's user, the `o` cookie, or a bearer token.
fn credential(headers: &HeaderMap) -> Option<String> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if let Some(value) = authorization {
        if let Some(encoded) = value.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()?;
            let text = String::from_utf8(decoded).ok()?;
            return text.split(':').next().map(str::to_string);
        }
        if let Some(token) = value.strip_prefix("Bearer ") {
            return Some(token.trim().to_string());
        }
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == "o")
        .map(|(_, token)| token.to_string())
}

/// Records each call, answers injected faults, and works out who calls: under `/a/` the
/// credentials must name an account (else 401, as Gerrit answers); elsewhere calls are anonymous.
async fn gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_string(), |p| p.to_string());
    let authenticated = request.uri().path().starts_with("/a/");
    let (fault, caller) = {
        let mut world = routes::lock(&state);
        let fault = world.take_fault(&method, request.uri().path());
        let caller = if authenticated {
            credential(request.headers()).and_then(|user| world.account_id(&user))
        } else {
            None
        };
        (fault, caller)
    };
    let response = if let Some(status) = fault {
        routes::text_reply(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "Internal server error",
        )
    } else if authenticated && caller.is_none() {
        let mut refused = routes::text_reply(StatusCode::UNAUTHORIZED, "Unauthorized");
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Gerrit Code Review\""),
        );
        refused
    } else {
        request.extensions_mut().insert(Caller(caller));
        next.run(request).await
    };
    routes::lock(&state).calls.push(Call {
        method,
        path_and_query,
        status: response.status().as_u16(),
    });
    response
}
