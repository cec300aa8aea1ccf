//! A webhook's recent deliveries, as GitHub keeps them: every attempt of the background
//! deliverer is a delivery with its own increasing id (newest first, cursor-paged), and can be
//! redelivered on request. The App's hook (`/app/hook/…`, authenticated with the App's JWT), a
//! repository's and an organization's hook (id 1, the one the deliverer posts as) see the same
//! deliveries, a repository's and an organization's only those about them.

use crate::AppState;
use crate::app_auth::authenticated_app;
use crate::deliveries::DeliveryAttempt;
use crate::routes::{error, lock, not_found};
use crate::world::World;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

/// The id of the one hook a repository or organization has here.
const HOOK_ID: u64 = 1;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/app/hook/deliveries", get(app_deliveries))
        .route(
            "/app/hook/deliveries/{delivery}/attempts",
            post(app_redeliver),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{hook}/deliveries",
            get(repo_deliveries),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{hook}/deliveries/{delivery}/attempts",
            post(repo_redeliver),
        )
        .route("/orgs/{org}/hooks/{hook}/deliveries", get(org_deliveries))
        .route(
            "/orgs/{org}/hooks/{hook}/deliveries/{delivery}/attempts",
            post(org_redeliver),
        )
}

/// Which deliveries a hook sees.
#[derive(Clone)]
enum Scope {
    App,
    Repo(String),
    Org(String),
}

impl Scope {
    fn sees(&self, attempt: &DeliveryAttempt) -> bool {
        let repository = attempt.repository.as_deref().unwrap_or_default();
        match self {
            Scope::App => true,
            Scope::Repo(full_name) => repository.eq_ignore_ascii_case(full_name),
            Scope::Org(org) => repository
                .split_once('/')
                .is_some_and(|(owner, _)| owner.eq_ignore_ascii_case(org)),
        }
    }
}

#[derive(Deserialize)]
struct CursorParams {
    per_page: Option<usize>,
    cursor: Option<String>,
}

/// GitHub's JSON for one delivery in a list.
fn delivery_json(attempt: &DeliveryAttempt) -> Value {
    let status = match (attempt.status_code, &attempt.error) {
        (Some(200..=299), _) => "OK".to_string(),
        (Some(code), _) => format!("Invalid HTTP Response: {code}"),
        (None, Some(error)) => error.clone(),
        (None, None) => "failed to connect to host".to_string(),
    };
    json!({
        "id": attempt.id,
        "guid": attempt.guid,
        "delivered_at": attempt.delivered_at,
        "redelivery": attempt.redelivery,
        "duration": attempt.duration_ms as f64 / 1000.0,
        "status": status,
        "status_code": attempt.status_code.unwrap_or(0),
        "event": attempt.event,
        "action": attempt.action,
        "installation_id": attempt.installation_id,
        "repository_id": attempt.repository_id,
        "throttled_at": null,
    })
}

/// One page of the deliveries `scope` sees, newest first; `cursor` (`v1_<id>`, from the last
/// page's `Link: rel="next"`) continues below the id it names.
fn list(world: &World, base: &str, uri: &Uri, scope: &Scope, params: &CursorParams) -> Response {
    let per_page = params.per_page.unwrap_or(30).clamp(1, 100);
    let below = params
        .cursor
        .as_deref()
        .and_then(|c| c.strip_prefix("v1_"))
        .and_then(|id| id.parse::<u64>().ok());
    let mut seen: Vec<&DeliveryAttempt> = world
        .delivery_attempts
        .iter()
        .filter(|a| scope.sees(a) && below.is_none_or(|b| a.id < b))
        .collect();
    seen.sort_by_key(|a| std::cmp::Reverse(a.id));
    let more = seen.len() > per_page;
    let page: Vec<Value> = seen
        .iter()
        .take(per_page)
        .map(|a| delivery_json(a))
        .collect();
    let mut response = Json(Value::Array(page)).into_response();
    if more
        && let Some(last) = seen.get(per_page - 1)
        && let Ok(link) = HeaderValue::from_str(&format!(
            "<{base}{}?per_page={per_page}&cursor=v1_{}>; rel=\"next\"",
            uri.path(),
            last.id
        ))
    {
        response.headers_mut().insert(header::LINK, link);
    }
    response
}

/// Queues delivery `id` (seen by `scope`) to be sent again, as GitHub's "Redeliver" does: the
/// same `X-GitHub-Delivery` and body, recorded as a new delivery marked `redelivery`.
fn redeliver(world: &mut World, scope: &Scope, id: u64) -> Response {
    let Some(guid) = world
        .delivery_attempts
        .iter()
        .find(|a| a.id == id && scope.sees(a))
        .map(|a| a.guid.clone())
    else {
        return not_found();
    };
    let Some(original) = world.delivered.get(&guid) else {
        return not_found();
    };
    let mut again = original.clone();
    again.redelivery = true;
    world.outbox.push(again);
    (StatusCode::ACCEPTED, Json(json!({}))).into_response()
}

async fn app_deliveries(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(params): Query<CursorParams>,
) -> Response {
    let world = lock(&state);
    if let Err(refusal) = authenticated_app(&world, &headers) {
        return *refusal;
    }
    list(&world, &state.base, &uri, &Scope::App, &params)
}

async fn app_redeliver(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(delivery): Path<u64>,
) -> Response {
    let mut world = lock(&state);
    if let Err(refusal) = authenticated_app(&world, &headers) {
        return *refusal;
    }
    redeliver(&mut world, &Scope::App, delivery)
}

/// The scope of a repository's or organization's hook `hook`, or `None` (GitHub's 404).
fn hook_scope(world: &World, scope: Scope, hook: u64) -> Option<Scope> {
    let exists = match &scope {
        Scope::App => true,
        Scope::Repo(full_name) => world.repo(full_name).is_some(),
        Scope::Org(org) => world.orgs.contains_key(org),
    };
    (hook == HOOK_ID && exists).then_some(scope)
}

async fn repo_deliveries(
    State(state): State<AppState>,
    uri: Uri,
    Path((owner, repo, hook)): Path<(String, String, u64)>,
    Query(params): Query<CursorParams>,
) -> Response {
    let world = lock(&state);
    match hook_scope(&world, Scope::Repo(format!("{owner}/{repo}")), hook) {
        Some(scope) => list(&world, &state.base, &uri, &scope, &params),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

async fn repo_redeliver(
    State(state): State<AppState>,
    Path((owner, repo, hook, delivery)): Path<(String, String, u64, u64)>,
) -> Response {
    let mut world = lock(&state);
    match hook_scope(&world, Scope::Repo(format!("{owner}/{repo}")), hook) {
        Some(scope) => redeliver(&mut world, &scope, delivery),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

async fn org_deliveries(
    State(state): State<AppState>,
    uri: Uri,
    Path((org, hook)): Path<(String, u64)>,
    Query(params): Query<CursorParams>,
) -> Response {
    let world = lock(&state);
    match hook_scope(&world, Scope::Org(org), hook) {
        Some(scope) => list(&world, &state.base, &uri, &scope, &params),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

async fn org_redeliver(
    State(state): State<AppState>,
    Path((org, hook, delivery)): Path<(String, u64, u64)>,
) -> Response {
    let mut world = lock(&state);
    match hook_scope(&world, Scope::Org(org), hook) {
        Some(scope) => redeliver(&mut world, &scope, delivery),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}
