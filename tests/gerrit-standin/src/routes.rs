//! The REST endpoints, each answering as Gerrit does: JSON behind the `)]}'` guard, errors as
//! short texts with Gerrit's status codes.

use crate::query;
use crate::shapes::{self, Options};
use crate::world::{Change, ChangeStatus, Refusal, World, resolve_revision};
use crate::{AppState, Caller};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::MutexGuard;

/// What Gerrit puts before every body so a browser cannot run it as a script.
pub const XSSI_GUARD: &str = ")]}'\n";

/// Gerrit's default query limit.
const DEFAULT_LIMIT: usize = 500;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/changes/", get(query_changes))
        .route("/changes", get(query_changes))
        .route("/changes/{id}", get(get_change))
        .route("/changes/{id}/detail", get(get_detail))
        .route("/changes/{id}/comments", get(get_comments))
        .route("/changes/{id}/submit", post(submit))
        .route("/changes/{id}/revisions/{revision}/review", post(review))
        .route("/changes/{id}/revisions/{revision}/related", get(related))
        .route(
            "/changes/{id}/revisions/{revision}/mergeable",
            get(mergeable),
        )
        .route("/projects/", get(projects))
        .route("/projects", get(projects))
        .route("/projects/{project}/branches/{branch}", get(branch))
        .route("/accounts/self", get(self_account))
        .route("/accounts/{id}", get(account))
}

pub(crate) fn lock(state: &AppState) -> MutexGuard<'_, World> {
    match state.world.lock() {
        Ok(world) => world,
        Err(poisoned) => poisoned.into_inner(),
    }
}

pub(crate) fn json_reply(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        format!("{XSSI_GUARD}{value}\n"),
    )
        .into_response()
}

pub(crate) fn text_reply(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{XSSI_GUARD}{text}\n"),
    )
        .into_response()
}

fn not_found(what: &str) -> Response {
    text_reply(StatusCode::NOT_FOUND, &format!("Not found: {what}"))
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::NotFound(what) => not_found(&what),
        Refusal::BadRequest(text) => text_reply(StatusCode::BAD_REQUEST, &text),
        Refusal::Conflict(text) => text_reply(StatusCode::CONFLICT, &text),
    }
}

fn authentication_required() -> Response {
    text_reply(StatusCode::FORBIDDEN, "Authentication required")
}

/// `GET /changes/?q=…&n=…&start=…&o=…`: newest `updated` first, paged by `start` and `n`, the
/// last item of a page carrying `_more_changes` when more remain.
async fn query_changes(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let pairs = query_pairs(raw);
    let param = |names: &[&str]| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
    };
    let query = match query::parse(&param(&["q"]).unwrap_or_default()) {
        Ok(query) => query,
        Err(text) => return text_reply(StatusCode::BAD_REQUEST, &text),
    };
    let number = |names: &[&str]| -> Result<Option<usize>, String> {
        match param(names) {
            None => Ok(None),
            Some(v) => v
                .parse::<usize>()
                .map(Some)
                .map_err(|_| format!("\"{v}\" is not a valid value for \"{}\"", names[0])),
        }
    };
    let (start, limit) = match (number(&["start", "S"]), number(&["n", "limit"])) {
        (Ok(start), Ok(limit)) => (
            start.unwrap_or(0),
            limit.filter(|n| *n > 0).unwrap_or(DEFAULT_LIMIT),
        ),
        (Err(text), _) | (_, Err(text)) => return text_reply(StatusCode::BAD_REQUEST, &text),
    };
    let options = options(&pairs);
    let world = lock(&state);
    let mut matching: Vec<_> = world
        .changes
        .values()
        .filter(|c| query.matches(c, &world))
        .collect();
    matching.sort_by_key(|c| std::cmp::Reverse((c.updated, c.number)));
    let more = matching.len() > start.saturating_add(limit);
    let mut page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(limit)
        .map(|c| shapes::change(&world, c, options))
        .collect();
    if more && let Some(Value::Object(last)) = page.last_mut() {
        last.insert("_more_changes".to_string(), json!(true));
    }
    json_reply(StatusCode::OK, &Value::Array(page))
}

/// The query string's pairs, decoded (`+` as a space), repeated keys kept.
fn query_pairs(raw: Option<String>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn options(pairs: &[(String, String)]) -> Options {
    Options::parse(
        pairs
            .iter()
            .filter(|(k, _)| k == "o")
            .map(|(_, v)| v.as_str()),
    )
}

/// Renders the change `id` names, or Gerrit's 404 for it.
fn with_change(
    state: &AppState,
    id: &str,
    render: impl FnOnce(&World, &Change) -> Response,
) -> Response {
    let world = lock(state);
    match world
        .find_change(id)
        .and_then(|number| world.change(number))
    {
        Some(change) => render(&world, change),
        None => not_found(id),
    }
}

/// Renders the change `id` names once it has patch set `revision`; else Gerrit's 404 for
/// whichever is missing.
fn with_revision(
    state: &AppState,
    id: &str,
    revision: &str,
    render: impl FnOnce(&Change) -> Response,
) -> Response {
    with_change(state, id, |_, change| {
        match resolve_revision(change, revision) {
            Some(_) => render(change),
            None => not_found(revision),
        }
    })
}

async fn get_change(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let options = options(&query_pairs(raw));
    with_change(&state, &id, |world, change| {
        json_reply(StatusCode::OK, &shapes::change(world, change, options))
    })
}

async fn get_detail(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    with_change(&state, &id, |world, change| {
        json_reply(
            StatusCode::OK,
            &shapes::change(world, change, Options::detail()),
        )
    })
}

async fn get_comments(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    with_change(&state, &id, |world, change| {
        json_reply(StatusCode::OK, &shapes::comments(world, change))
    })
}

async fn related(
    State(state): State<AppState>,
    Path((id, revision)): Path<(String, String)>,
) -> Response {
    with_revision(&state, &id, &revision, |_| {
        json_reply(StatusCode::OK, &json!({"changes": []}))
    })
}

async fn mergeable(
    State(state): State<AppState>,
    Path((id, revision)): Path<(String, String)>,
) -> Response {
    with_revision(&state, &id, &revision, |change| {
        json_reply(
            StatusCode::OK,
            &json!({
                "submit_type": "MERGE_IF_NECESSARY",
                "mergeable": change.status == ChangeStatus::New,
            }),
        )
    })
}

/// A vote as clients send it: an integer, or a string such as `"+1"`.
fn vote_value(value: &Value) -> Option<i32> {
    match value {
        Value::Number(n) => n.as_i64().and_then(|v| i32::try_from(v).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `POST /changes/{id}/revisions/{revision}/review` with a `ReviewInput`: the caller's message
/// and votes. Answers a `ReviewResult` echoing the votes.
async fn review(
    State(state): State<AppState>,
    Extension(Caller(caller)): Extension<Caller>,
    Path((id, revision)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let input: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(Value::Object(input)) => Value::Object(input),
            _ => return text_reply(StatusCode::BAD_REQUEST, "Expected JSON object"),
        }
    };
    let mut labels = BTreeMap::new();
    if let Some(given) = input.get("labels").and_then(Value::as_object) {
        for (label, value) in given {
            let Some(value) = vote_value(value) else {
                return text_reply(
                    StatusCode::BAD_REQUEST,
                    &format!("label \"{label}\": {value} is not a valid value"),
                );
            };
            labels.insert(label.clone(), value);
        }
    }
    let message = input.get("message").and_then(Value::as_str).unwrap_or("");
    let tag = input.get("tag").and_then(Value::as_str);
    let mut world = lock(&state);
    let Some(number) = world.find_change(&id) else {
        return not_found(&id);
    };
    let Some(author) = caller else {
        return authentication_required();
    };
    match world.review(number, &revision, author, message, &labels, tag) {
        Ok(()) => {
            let mut result = Map::new();
            if input.get("labels").is_some_and(Value::is_object) {
                result.insert("labels".to_string(), json!(labels));
            }
            json_reply(StatusCode::OK, &Value::Object(result))
        }
        Err(refusal) => refused(refusal),
    }
}

/// `POST /changes/{id}/submit`: merges as the caller; answers the `ChangeInfo`.
async fn submit(
    State(state): State<AppState>,
    Extension(Caller(caller)): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let mut world = lock(&state);
    let Some(number) = world.find_change(&id) else {
        return not_found(&id);
    };
    let Some(submitter) = caller else {
        return authentication_required();
    };
    if let Err(refusal) = world.submit(number, submitter) {
        return refused(refusal);
    }
    match world.change(number) {
        Some(change) => json_reply(
            StatusCode::OK,
            &shapes::change(&world, change, Options::default()),
        ),
        None => not_found(&id),
    }
}

async fn projects(State(state): State<AppState>) -> Response {
    let world = lock(&state);
    let all: Map<String, Value> = world
        .projects
        .keys()
        .map(|name| {
            (
                name.clone(),
                json!({"id": crate::world::url_encode(name), "state": "ACTIVE"}),
            )
        })
        .collect();
    json_reply(StatusCode::OK, &Value::Object(all))
}

async fn branch(
    State(state): State<AppState>,
    Path((project, branch)): Path<(String, String)>,
) -> Response {
    let world = lock(&state);
    let Some(p) = world.projects.get(&project) else {
        return not_found(&project);
    };
    let name = branch.trim_start_matches("refs/heads/");
    match p.branches.get(name) {
        Some(revision) => json_reply(
            StatusCode::OK,
            &json!({"ref": format!("refs/heads/{name}"), "revision": revision}),
        ),
        None => not_found(&branch),
    }
}

async fn self_account(
    State(state): State<AppState>,
    Extension(Caller(caller)): Extension<Caller>,
) -> Response {
    let Some(id) = caller else {
        return authentication_required();
    };
    let world = lock(&state);
    match world.accounts.get(&id) {
        Some(account) => json_reply(StatusCode::OK, &shapes::account(account)),
        None => not_found("self"),
    }
}

async fn account(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let world = lock(&state);
    let found = world
        .accounts
        .values()
        .find(|a| a.account_id.to_string() == id || a.username == id || a.email == id);
    match found {
        Some(account) => json_reply(StatusCode::OK, &shapes::account(account)),
        None => not_found(&id),
    }
}
