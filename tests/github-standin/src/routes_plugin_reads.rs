//! What the OWNERS-based plugins (lgtm, approve, blunderbuss, verify-owners, override) read that
//! the rest of the stand-in does not serve: the list of collaborators, a pull request's review
//! comments and an issue's events (the world keeps neither, so both are empty), and a protected
//! branch's required status checks.

use crate::routes::{error, lock, not_found};
use crate::shapes;
use crate::{AppState, Permission};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/repos/{owner}/{repo}/collaborators",
            get(list_collaborators),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{number}/comments",
            get(review_comments),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/events",
            get(issue_events),
        )
        .route(
            "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks",
            get(required_status_checks),
        )
}

/// The explicit collaborators with their permissions, as GitHub lists them.
async fn list_collaborators(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
) -> Response {
    let world = lock(&state);
    let Some(found) = world.repo(&format!("{owner}/{repo}")) else {
        return not_found();
    };
    let people: Vec<Value> = found
        .collaborators
        .iter()
        .map(|(login, permission)| {
            let mut user = shapes::user_by_login(&world, &state.base, login);
            let at_least = |level: Permission| *permission >= level;
            user["permissions"] = json!({
                "pull": true,
                "triage": at_least(Permission::Triage),
                "push": at_least(Permission::Write),
                "maintain": at_least(Permission::Maintain),
                "admin": at_least(Permission::Admin),
            });
            user["role_name"] = json!(permission.as_str());
            user
        })
        .collect();
    Json(Value::Array(people)).into_response()
}

async fn review_comments(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let world = lock(&state);
    match world.issue(&format!("{owner}/{repo}"), number) {
        Some(issue) if issue.pull.is_some() => Json(json!([])).into_response(),
        _ => not_found(),
    }
}

async fn issue_events(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let world = lock(&state);
    match world.issue(&format!("{owner}/{repo}"), number) {
        Some(_) => Json(json!([])).into_response(),
        None => not_found(),
    }
}

async fn required_status_checks(
    State(state): State<AppState>,
    Path((owner, repo, branch)): Path<(String, String, String)>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(found) = world
        .repo(&full)
        .filter(|r| r.branches.contains_key(&branch))
    else {
        return error(StatusCode::NOT_FOUND, "Branch not found");
    };
    let Some(protection) = found.protection.get(&branch) else {
        return error(StatusCode::NOT_FOUND, "Branch not protected");
    };
    let Some(checks) = &protection.required_status_checks else {
        return error(StatusCode::NOT_FOUND, "Required status checks not enabled");
    };
    let url = format!(
        "{}/repos/{full}/branches/{}/protection/required_status_checks",
        state.base,
        crate::routes_repo_admin::encode(&branch)
    );
    Json(json!({
        "url": url,
        "strict": checks.strict,
        "contexts": checks.contexts,
        "contexts_url": format!("{url}/contexts"),
        "checks": checks.contexts.iter().map(|c| json!({"context": c, "app_id": null})).collect::<Vec<_>>(),
    }))
    .into_response()
}
