//! The REST endpoints Prow's components call, answering with GitHub's status codes, shapes and
//! error messages (callers match on some of them, e.g. `Label does not exist`).

use crate::AppState;
use crate::actor::Actor;
use crate::shapes;
use crate::world::{Comment, Permission, Status, World};
use axum::Json;
use axum::Router;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::MutexGuard;

pub(crate) fn router() -> Router<AppState> {
    crate::routes_more::router()
        .merge(crate::app_auth::router())
        .route("/user", get(authenticated_user))
        .route("/graphql", axum::routing::post(crate::graphql::graphql))
        .route("/api/graphql", axum::routing::post(crate::graphql::graphql))
        .route("/users/{login}", get(get_user))
        .route("/rate_limit", get(rate_limit))
        .route("/orgs/{org}/members/{user}", get(is_member))
        .route(
            "/repos/{owner}/{repo}",
            get(get_repo)
                .patch(crate::routes_repo_admin::edit_repo)
                .post(crate::routes_repo_admin::edit_repo),
        )
        .route(
            "/repos/{owner}/{repo}/collaborators/{user}",
            get(is_collaborator),
        )
        .route(
            "/repos/{owner}/{repo}/collaborators/{user}/permission",
            get(collaborator_permission),
        )
        .route("/repos/{owner}/{repo}/labels", get(repo_labels))
        .route(
            "/repos/{owner}/{repo}/issues/{number}",
            get(get_issue)
                .patch(crate::routes_pulls::edit_issue)
                .post(crate::routes_pulls::edit_issue),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/comments",
            get(list_comments).post(create_comment),
        )
        // GitHub takes POST wherever it takes PATCH, for clients without PATCH; octocrab edits
        // comments with POST.
        .route(
            "/repos/{owner}/{repo}/issues/comments/{id}",
            patch(edit_comment)
                .post(edit_comment)
                .delete(delete_comment),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/labels",
            get(issue_labels).post(add_labels),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/labels/{*name}",
            delete(remove_label),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{number}",
            get(get_pull)
                .patch(crate::routes_pulls::edit_pull)
                .post(crate::routes_pulls::edit_pull),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{number}/files",
            get(pull_files),
        )
        .route(
            "/repos/{owner}/{repo}/statuses/{sha}",
            get(list_statuses).post(create_status),
        )
        // `{ref}` may hold slashes (`refs/heads/main`), so the rest of the path is parsed by hand.
        .route(
            "/repos/{owner}/{repo}/commits/{*rest}",
            get(commit_subresource),
        )
        .route("/repos/{owner}/{repo}/git/ref/{*reference}", get(get_ref))
        .route("/repos/{owner}/{repo}/git/refs/{*reference}", get(get_ref))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not Found") })
}

/// GitHub's error body.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"message": message, "documentation_url": "https://docs.github.com/rest", "status": status.as_str()}))).into_response()
}

/// GitHub's 422 with one field error.
pub(crate) fn validation_failed(resource: &str, field: &str, message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "message": "Validation Failed",
            "errors": [{"resource": resource, "code": "custom", "field": field, "message": message}],
            "documentation_url": "https://docs.github.com/rest",
            "status": "422"
        })),
    )
        .into_response()
}

pub(crate) fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found")
}

pub(crate) fn lock(state: &AppState) -> MutexGuard<'_, World> {
    match state.world.lock() {
        Ok(world) => world,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[derive(Deserialize)]
pub(crate) struct PageParams {
    page: Option<usize>,
    per_page: Option<usize>,
}

/// One page of `items`, with GitHub's `Link` header (`next`, `last`, `prev`, `first`).
pub(crate) fn paginated(
    uri: &axum::http::Uri,
    base: &str,
    params: &PageParams,
    items: Vec<Value>,
) -> Response {
    let per_page = params.per_page.unwrap_or(30).clamp(1, 100);
    let page = params.page.unwrap_or(1).max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let link_to = |p: usize| {
        let mut query: Vec<String> = uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("page=") && !kv.starts_with("per_page="))
            .map(str::to_string)
            .collect();
        query.push(format!("per_page={per_page}"));
        query.push(format!("page={p}"));
        format!("<{base}{}?{}>", uri.path(), query.join("&"))
    };
    let mut links = Vec::new();
    if page < last {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
        links.push(format!("{}; rel=\"last\"", link_to(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", link_to(page - 1)));
        links.push(format!("{}; rel=\"first\"", link_to(1)));
    }
    let mut response = Json(Value::Array(slice)).into_response();
    if !links.is_empty()
        && let Ok(value) = HeaderValue::from_str(&links.join(", "))
    {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

async fn authenticated_user(State(state): State<AppState>, actor: Actor) -> Response {
    let world = lock(&state);
    Json(shapes::user_by_login(&world, &state.base, &actor.login)).into_response()
}

async fn get_user(State(state): State<AppState>, Path(login): Path<String>) -> Response {
    let world = lock(&state);
    match world.users.get(&login) {
        Some(user) => Json(shapes::user(&state.base, user)).into_response(),
        None => not_found(),
    }
}

async fn rate_limit(State(state): State<AppState>) -> Response {
    let world = lock(&state);
    let core = json!({"limit": world.rate_limit, "remaining": world.rate_limit_remaining, "reset": world.rate_limit_reset, "used": world.rate_limit - world.rate_limit_remaining});
    Json(json!({"resources": {"core": core, "search": core, "graphql": core}, "rate": core}))
        .into_response()
}

async fn is_member(
    State(state): State<AppState>,
    Path((org, user)): Path<(String, String)>,
) -> Response {
    let world = lock(&state);
    if world
        .orgs
        .get(&org)
        .is_some_and(|o| o.members.contains(&user))
    {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

async fn get_repo(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
) -> Response {
    let world = lock(&state);
    match world.repo(&format!("{owner}/{repo}")) {
        Some(found) => Json(shapes::repo(&world, &state.base, found)).into_response(),
        None => not_found(),
    }
}

/// Org owners' admins count as collaborators, as on GitHub; here: explicit collaborators and
/// the repo owner.
fn permission_of(world: &World, full_name: &str, user: &str) -> Option<Permission> {
    world.permission_of(full_name, user)
}

async fn is_collaborator(
    State(state): State<AppState>,
    Path((owner, repo, user)): Path<(String, String, String)>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    if world.repo(&full).is_none() {
        return not_found();
    }
    match permission_of(&world, &full, &user) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => not_found(),
    }
}

async fn collaborator_permission(
    State(state): State<AppState>,
    Path((owner, repo, user)): Path<(String, String, String)>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    if world.repo(&full).is_none() {
        return not_found();
    }
    let permission = permission_of(&world, &full, &user).map_or("none", Permission::as_str);
    let role = match permission {
        "read" => "read",
        "none" => "none",
        "triage" => "triage",
        "maintain" => "maintain",
        "admin" => "admin",
        _ => "write",
    };
    Json(json!({"permission": permission, "role_name": role, "user": shapes::user_by_login(&world, &state.base, &user)})).into_response()
}

async fn repo_labels(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((owner, repo)): Path<(String, String)>,
    Query(params): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    let items = found
        .labels
        .values()
        .map(|l| shapes::label(&state.base, &full, l))
        .collect();
    paginated(&uri, &state.base, &params, items)
}

async fn get_issue(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let world = lock(&state);
    issue_json(&world, &state.base, &format!("{owner}/{repo}"), number)
}

/// The issue as GitHub shows it, or 404.
pub(crate) fn issue_json(world: &World, base: &str, full: &str, number: u64) -> Response {
    match world.repo_and_issue(full, number) {
        Some((repo, issue)) => Json(shapes::issue(world, base, repo, issue)).into_response(),
        _ => not_found(),
    }
}

async fn list_comments(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Query(params): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some((found, issue)) = world.repo_and_issue(&full, number) else {
        return not_found();
    };
    let items = issue
        .comments
        .iter()
        .map(|c| shapes::comment(&world, &state.base, found, number, c))
        .collect();
    paginated(&uri, &state.base, &params, items)
}

#[derive(Deserialize)]
struct CommentBody {
    body: Option<String>,
}

impl CommentBody {
    /// The comment's text; GitHub refuses a blank one.
    fn text(self) -> Result<String, Box<Response>> {
        self.body.filter(|b| !b.is_empty()).ok_or_else(|| {
            Box::new(validation_failed(
                "IssueComment",
                "body",
                "body cannot be blank",
            ))
        })
    }
}

async fn create_comment(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(request): Json<CommentBody>,
) -> Response {
    let body = match request.text() {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(id) = world.comment(&full, number, &actor.login, &body) else {
        return not_found();
    };
    let Some((found, issue)) = world.repo_and_issue(&full, number) else {
        return not_found();
    };
    let Some(comment) = issue.comments.iter().find(|c| c.id == id) else {
        return not_found();
    };
    (
        StatusCode::CREATED,
        Json(shapes::comment(&world, &state.base, found, number, comment)),
    )
        .into_response()
}

/// Someone else's comment may be changed only with write access, as on GitHub.
fn may_change_comment(world: &World, full: &str, actor: &Actor, author: &str) -> bool {
    actor.login == author || actor.may(world, full, Permission::Write)
}

/// Finds a comment by id anywhere in the repo: its issue number and position.
fn find_comment(world: &World, full_name: &str, id: u64) -> Option<(u64, usize)> {
    world.repo(full_name)?.issues.values().find_map(|issue| {
        issue
            .comments
            .iter()
            .position(|c| c.id == id)
            .map(|at| (issue.number, at))
    })
}

async fn edit_comment(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    Json(request): Json<CommentBody>,
) -> Response {
    let body = match request.text() {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some((number, at)) = find_comment(&world, &full, id) else {
        return not_found();
    };
    if !comment_changeable(&world, &full, &actor, number, at) {
        return error(StatusCode::FORBIDDEN, crate::actor::FORBIDDEN);
    }
    let tick = world.tick();
    let Some(issue) = world.issue_mut(&full, number) else {
        return not_found();
    };
    let comment: &mut Comment = &mut issue.comments[at];
    comment.body = body;
    comment.updated_at = tick;
    let comment = comment.clone();
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    Json(shapes::comment(
        &world,
        &state.base,
        found,
        number,
        &comment,
    ))
    .into_response()
}

/// Whether `actor` may edit or delete the `at`th comment of issue `number`.
fn comment_changeable(world: &World, full: &str, actor: &Actor, number: u64, at: usize) -> bool {
    world
        .issue(full, number)
        .and_then(|issue| issue.comments.get(at))
        .is_some_and(|comment| may_change_comment(world, full, actor, &comment.author))
}

async fn delete_comment(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, id)): Path<(String, String, u64)>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some((number, at)) = find_comment(&world, &full, id) else {
        return not_found();
    };
    if !comment_changeable(&world, &full, &actor, number, at) {
        return error(StatusCode::FORBIDDEN, crate::actor::FORBIDDEN);
    }
    if let Some(issue) = world.issue_mut(&full, number) {
        issue.comments.remove(at);
    }
    StatusCode::NO_CONTENT.into_response()
}

fn labels_of(world: &World, base: &str, full: &str, number: u64) -> Option<Vec<Value>> {
    let repo = world.repo(full)?;
    let issue = world.issue(full, number)?;
    Some(
        issue
            .labels
            .iter()
            .map(|name| shapes::issue_label(base, repo, name))
            .collect(),
    )
}

async fn issue_labels(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Query(params): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    match labels_of(&world, &state.base, &format!("{owner}/{repo}"), number) {
        Some(items) => paginated(&uri, &state.base, &params, items),
        None => not_found(),
    }
}

/// `POST …/labels` takes a bare array of names (Prow) or `{"labels": [...]}` (octocrab, GitHub's
/// documented form). Missing repo labels are created, as GitHub does.
async fn add_labels(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(request): Json<Value>,
) -> Response {
    let names: Vec<String> = match &request {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Value::Object(map) => map
            .get("labels")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if names.is_empty() {
        return validation_failed("Label", "labels", "labels cannot be empty");
    }
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if let Err(response) = actor.require_on_issue(&world, &full, number, Permission::Triage) {
        return *response;
    }
    for name in &names {
        if !world
            .repo(&full)
            .is_some_and(|r| r.labels.contains_key(name))
        {
            world.add_label(&full, name);
        }
    }
    let tick = world.tick();
    let mut added = Vec::new();
    if let Some(issue) = world.issue_mut(&full, number) {
        for name in names {
            if !issue.labels.contains(&name) {
                issue.labels.push(name.clone());
                added.push(name);
            }
        }
        issue.updated_at = tick;
    }
    for name in added {
        world.emit_labeled(&full, number, &name, &actor.login);
    }
    let items = labels_of(&world, &state.base, &full, number).unwrap_or_default();
    Json(Value::Array(items)).into_response()
}

async fn remove_label(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, number, name)): Path<(String, String, u64, String)>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if let Err(response) = actor.require_on_issue(&world, &full, number, Permission::Triage) {
        return *response;
    }
    let tick = world.tick();
    let removed = world
        .issue_mut(&full, number)
        .map(|issue| {
            let before = issue.labels.len();
            issue.labels.retain(|l| *l != name);
            issue.updated_at = tick;
            before != issue.labels.len()
        })
        .unwrap_or(false);
    if !removed {
        return error(StatusCode::NOT_FOUND, "Label does not exist");
    }
    world.emit_unlabeled(&full, number, &name, &actor.login);
    Json(Value::Array(
        labels_of(&world, &state.base, &full, number).unwrap_or_default(),
    ))
    .into_response()
}

async fn get_pull(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some((found, issue)) = world.repo_and_issue(&full, number) else {
        return not_found();
    };
    let Some(pull) = &issue.pull else {
        return not_found();
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if accept.contains("diff") || accept.contains("patch") {
        let diff: String = pull
            .files
            .iter()
            .map(|f| format!("diff --git a/{0} b/{0}\n--- a/{0}\n+++ b/{0}\n", f.filename))
            .collect();
        return diff.into_response();
    }
    Json(shapes::pull_request(&world, &state.base, found, issue)).into_response()
}

async fn pull_files(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Query(params): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(pull) = world.issue(&full, number).and_then(|i| i.pull.as_ref()) else {
        return not_found();
    };
    let items = pull
        .files
        .iter()
        .map(|f| {
            json!({
                "sha": crate::world::sha_of(&f.filename),
                "filename": f.filename,
                "status": f.status,
                "additions": f.additions,
                "deletions": f.deletions,
                "changes": f.additions + f.deletions,
                "blob_url": format!("{}/{full}/blob/{}/{}", state.base, pull.head_sha, f.filename),
                "raw_url": format!("{}/{full}/raw/{}/{}", state.base, pull.head_sha, f.filename),
                "contents_url": format!("{}/repos/{full}/contents/{}?ref={}", state.base, f.filename, pull.head_sha),
                "patch": "",
            })
        })
        .collect();
    paginated(&uri, &state.base, &params, items)
}

#[derive(Deserialize)]
struct StatusRequest {
    state: String,
    #[serde(default)]
    target_url: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    context: Option<String>,
}

async fn create_status(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, sha)): Path<(String, String, String)>,
    Json(request): Json<StatusRequest>,
) -> Response {
    if !["pending", "success", "failure", "error"].contains(&request.state.as_str()) {
        return validation_failed("Status", "state", "state is not included in the list");
    }
    let description = request.description.unwrap_or_default();
    if description.chars().count() > 140 {
        return validation_failed(
            "Status",
            "description",
            "description is too long (maximum is 140 characters)",
        );
    }
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if world.repo(&full).is_none() {
        return not_found();
    }
    if let Err(response) = actor.require(&world, &full, Permission::Write) {
        return *response;
    }
    if !world
        .repo(&full)
        .is_some_and(|r| r.commits.contains_key(&sha))
    {
        return validation_failed("Status", "sha", &format!("No commit found for SHA: {sha}"));
    }
    let id = world.next_id();
    let created_at = world.tick();
    let creator = actor.login;
    let status = Status {
        id,
        state: request.state,
        context: request
            .context
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "default".to_string()),
        description,
        target_url: request.target_url.unwrap_or_default(),
        creator,
        created_at,
    };
    if let Some(found) = world.repos.get_mut(&full) {
        found
            .statuses
            .entry(sha.clone())
            .or_default()
            .push(status.clone());
    }
    world.emit_status(&full, &sha, &status);
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    (
        StatusCode::CREATED,
        Json(shapes::status(&world, &state.base, found, &sha, &status)),
    )
        .into_response()
}

async fn list_statuses(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((owner, repo, reference)): Path<(String, String, String)>,
    Query(params): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    let sha = resolve(found, &reference);
    let items = found
        .statuses
        .get(&sha)
        .into_iter()
        .flatten()
        .rev()
        .map(|s| shapes::status(&world, &state.base, found, &sha, s))
        .collect();
    paginated(&uri, &state.base, &params, items)
}

/// A branch name or a SHA, as GitHub accepts for `{ref}`.
fn resolve(repo: &crate::world::Repo, reference: &str) -> String {
    let name = reference
        .trim_start_matches("refs/")
        .trim_start_matches("heads/");
    repo.branches
        .get(name)
        .cloned()
        .unwrap_or_else(|| reference.to_string())
}

async fn commit_subresource(
    state: State<AppState>,
    Path((owner, repo, rest)): Path<(String, String, String)>,
    Query(query): Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    if let Some(reference) = rest.strip_suffix("/status") {
        return combined_status(state, owner, repo, reference.to_string()).await;
    }
    if let Some(reference) = rest.strip_suffix("/check-runs") {
        let check_name = query.get("check_name").cloned();
        let world = lock(&state);
        let full = format!("{owner}/{repo}");
        let Some(found) = world.repo(&full) else {
            return not_found();
        };
        let sha = resolve(found, reference);
        let runs: Vec<Value> = found
            .check_runs
            .get(&sha)
            .into_iter()
            .flatten()
            .filter(|run| check_name.as_ref().is_none_or(|name| run.name == *name))
            .map(|run| crate::routes_more::check_run(&state.base, &full, run))
            .collect();
        return Json(json!({"total_count": runs.len(), "check_runs": runs})).into_response();
    }
    single_commit(&state, &owner, &repo, &rest)
}

/// `GET /repos/{o}/{r}/commits/{ref}`: the commit with its parents, so history can be walked.
fn single_commit(state: &AppState, owner: &str, repo: &str, reference: &str) -> Response {
    let world = lock(state);
    let full = format!("{owner}/{repo}");
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    let sha = resolve(found, reference);
    let Some(commit) = found.commits.get(&sha) else {
        return validation_failed(
            "Commit",
            "sha",
            &format!("No commit found for SHA: {reference}"),
        );
    };
    let base = &state.base;
    let person = json!({"name": found.owner, "email": format!("{}@users.noreply.stand-in", found.owner), "date": "2026-01-01T00:00:00Z"});
    Json(json!({
        "sha": commit.sha,
        "node_id": format!("C_{}", commit.sha),
        "url": format!("{base}/repos/{full}/commits/{}", commit.sha),
        "html_url": format!("{base}/{full}/commit/{}", commit.sha),
        "comments_url": format!("{base}/repos/{full}/commits/{}/comments", commit.sha),
        "commit": {
            "url": format!("{base}/repos/{full}/git/commits/{}", commit.sha),
            "author": person,
            "committer": person,
            "message": commit.message,
            "tree": {"sha": crate::world::sha_of(&format!("tree {}", commit.sha)), "url": format!("{base}/repos/{full}/git/trees/{}", commit.sha)},
            "comment_count": 0
        },
        "author": null,
        "committer": null,
        "parents": commit.parents.iter().filter(|p| !p.is_empty()).map(|p| json!({"sha": p, "url": format!("{base}/repos/{full}/commits/{p}"), "html_url": format!("{base}/{full}/commit/{p}")})).collect::<Vec<_>>(),
        "files": []
    }))
    .into_response()
}

async fn combined_status(
    State(state): State<AppState>,
    owner: String,
    repo: String,
    reference: String,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    let sha = resolve(found, &reference);
    if !found.commits.contains_key(&sha) {
        return validation_failed(
            "Commit",
            "sha",
            &format!("No commit found for SHA: {reference}"),
        );
    }
    let statuses = world.combined_statuses(&full, &sha);
    Json(json!({
        "state": shapes::combined_state(&statuses),
        "statuses": statuses.iter().map(|s| shapes::status(&world, &state.base, found, &sha, s)).collect::<Vec<_>>(),
        "sha": sha,
        "total_count": statuses.len(),
        "repository": shapes::repo(&world, &state.base, found),
        "commit_url": format!("{}/repos/{full}/commits/{sha}", state.base),
        "url": format!("{}/repos/{full}/commits/{sha}/status", state.base),
    }))
    .into_response()
}

async fn get_ref(
    State(state): State<AppState>,
    Path((owner, repo, reference)): Path<(String, String, String)>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    let Some(branch) = reference.strip_prefix("heads/") else {
        return not_found();
    };
    let Some(sha) = found.branches.get(branch) else {
        return not_found();
    };
    Json(json!({
        "ref": format!("refs/heads/{branch}"),
        "node_id": format!("REF_{branch}"),
        "url": format!("{}/repos/{full}/git/refs/heads/{branch}", state.base),
        "object": {"type": "commit", "sha": sha, "url": format!("{}/repos/{full}/git/commits/{sha}", state.base)}
    }))
    .into_response()
}
