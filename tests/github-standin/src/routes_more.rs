//! Repository contents, merges, check runs and issue creation.

use crate::AppState;
use crate::actor::Actor;
use crate::routes::{error, lock, not_found, validation_failed};
use crate::shapes;
use crate::world::{CheckRun, Issue, Permission};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn router() -> Router<AppState> {
    crate::routes_pulls::router()
        .route("/repos/{owner}/{repo}/contents/{*path}", get(get_contents))
        .route("/repos/{owner}/{repo}/pulls/{number}/merge", put(merge))
        .route("/repos/{owner}/{repo}/check-runs", post(create_check_run))
        .route(
            "/repos/{owner}/{repo}/check-runs/{id}",
            axum::routing::patch(update_check_run).post(update_check_run),
        )
        .route("/repos/{owner}/{repo}/issues", post(create_issue))
        .route("/repos/{owner}/{repo}/git/commits/{sha}", get(git_commit))
        .route(
            "/repos/{owner}/{repo}/assignees/{user}",
            get(check_assignee),
        )
}

/// A commit as git stores it: its tree is named by the commit's files, so two commits with the
/// same content have the same tree (what lgtm's `store_tree_hash` relies on).
async fn git_commit(
    State(state): State<AppState>,
    Path((owner, repo, sha)): Path<(String, String, String)>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    let Some(commit) = found.commits.get(&sha) else {
        return error(StatusCode::NOT_FOUND, "No commit found for SHA");
    };
    let tree = world.tree_sha(&full, &sha);
    let base = &state.base;
    Json(json!({
        "sha": commit.sha,
        "url": format!("{base}/repos/{full}/git/commits/{sha}"),
        "message": commit.message,
        "tree": {"sha": tree, "url": format!("{base}/repos/{full}/git/trees/{tree}")},
        "parents": commit.parents.iter().map(|p| json!({"sha": p, "url": format!("{base}/repos/{full}/git/commits/{p}")})).collect::<Vec<_>>(),
    }))
    .into_response()
}

/// GitHub's "check if a user can be assigned": 204 when they can, 404 when not.
async fn check_assignee(
    State(state): State<AppState>,
    Path((owner, repo, user)): Path<(String, String, String)>,
) -> Response {
    if lock(&state).can_be_assigned(&format!("{owner}/{repo}"), &user) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

#[derive(Deserialize)]
struct RefQuery {
    r#ref: Option<String>,
}

async fn get_contents(
    State(state): State<AppState>,
    Path((owner, repo, path)): Path<(String, String, String)>,
    Query(query): Query<RefQuery>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    let reference = query.r#ref.unwrap_or_else(|| found.default_branch.clone());
    let Some(text) = world.file(&full, &reference, &path) else {
        // A folder: its entries, files and folders, as GitHub lists them.
        let entries = world.folder(&full, &reference, &path);
        if entries.is_empty() {
            return not_found();
        }
        let listed: Vec<serde_json::Value> = entries
            .into_iter()
            .map(|(entry, is_dir)| {
                let name = entry.rsplit('/').next().unwrap_or(&entry).to_string();
                let url = format!(
                    "{}/repos/{full}/contents/{entry}?ref={reference}",
                    state.base
                );
                json!({
                    "type": if is_dir { "dir" } else { "file" },
                    "name": name,
                    "path": entry,
                    "sha": crate::world::sha_of(&entry),
                    "url": url,
                })
            })
            .collect();
        return Json(listed).into_response();
    };
    let sha = crate::world::sha_of(text);
    let url = format!(
        "{}/repos/{full}/contents/{path}?ref={reference}",
        state.base
    );
    let name = path.rsplit('/').next().unwrap_or(&path);
    Json(json!({
        "type": "file",
        "encoding": "base64",
        "size": text.len(),
        "name": name,
        "path": path,
        "content": base64::engine::general_purpose::STANDARD.encode(text),
        "sha": sha,
        "url": url,
        "git_url": format!("{}/repos/{full}/git/blobs/{sha}", state.base),
        "html_url": format!("{}/{full}/blob/{reference}/{path}", state.base),
        "download_url": format!("{}/{full}/raw/{reference}/{path}", state.base),
        "_links": {"self": url, "git": format!("{}/repos/{full}/git/blobs/{sha}", state.base), "html": format!("{}/{full}/blob/{reference}/{path}", state.base)}
    }))
    .into_response()
}

#[derive(Deserialize, Default)]
struct MergeRequest {
    sha: Option<String>,
    merge_method: Option<String>,
    commit_title: Option<String>,
}

/// Merges as GitHub does: 405 when not mergeable, 409 when `sha` is not the head any more;
/// otherwise the base branch moves to a new commit, the PR is closed as merged, and GitHub's
/// `push` and `pull_request` `closed` events follow.
async fn merge(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    body: Option<Json<MergeRequest>>,
) -> Response {
    let request = body.map(|Json(r)| r).unwrap_or_default();
    let method = request.merge_method.unwrap_or_else(|| "merge".to_string());
    if !["merge", "squash", "rebase"].contains(&method.as_str()) {
        return validation_failed(
            "PullRequest",
            "merge_method",
            "merge_method is not included in the list",
        );
    }
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(issue) = world.issue(&full, number).cloned() else {
        return not_found();
    };
    let Some(pull) = issue.pull.clone() else {
        return not_found();
    };
    if let Err(response) = actor.require(&world, &full, Permission::Write) {
        return *response;
    }
    if pull.merged || !issue.open || pull.mergeable != Some(true) {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Pull Request is not mergeable",
        );
    }
    if request
        .sha
        .as_deref()
        .is_some_and(|sha| sha != pull.head_sha)
    {
        return error(
            StatusCode::CONFLICT,
            "Head branch was modified. Review and try the merge again.",
        );
    }
    let head_files: Vec<(String, String)> = world
        .repo(&full)
        .and_then(|r| r.files.get(&pull.head_ref))
        .map(|files| files.iter().map(|(p, t)| (p.clone(), t.clone())).collect())
        .unwrap_or_default();
    let files: Vec<(&str, &str)> = head_files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let title = request
        .commit_title
        .unwrap_or_else(|| format!("Merge pull request #{number} from {}", pull.head_ref));
    let merged_sha = world.push(&full, &pull.base_ref, &title, &files);
    let tick = world.tick();
    if let Some(issue) = world.issue_mut(&full, number) {
        issue.open = false;
        issue.updated_at = tick;
        if let Some(pull) = issue.pull.as_mut() {
            pull.merged = true;
            pull.merge_commit_sha = Some(merged_sha.clone());
        }
    }
    world.emit_pull_request(&full, number, "closed", &actor.login, None);
    Json(json!({"sha": merged_sha, "merged": true, "message": "Pull Request successfully merged"}))
        .into_response()
}

#[derive(Deserialize)]
struct CheckRunRequest {
    name: String,
    head_sha: String,
    status: Option<String>,
    conclusion: Option<String>,
    details_url: Option<String>,
    external_id: Option<String>,
    output: Option<Value>,
}

async fn create_check_run(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    Json(request): Json<CheckRunRequest>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if !world
        .repo(&full)
        .is_some_and(|r| r.commits.contains_key(&request.head_sha))
    {
        return validation_failed("CheckRun", "head_sha", "No commit found for SHA");
    }
    let status = request.status.unwrap_or_else(|| {
        if request.conclusion.is_some() {
            "completed".into()
        } else {
            "queued".into()
        }
    });
    if !["queued", "in_progress", "completed"].contains(&status.as_str()) {
        return validation_failed("CheckRun", "status", "status is not included in the list");
    }
    let id = world.next_id();
    let run = CheckRun {
        id,
        name: request.name,
        head_sha: request.head_sha.clone(),
        status,
        conclusion: request.conclusion,
        details_url: request.details_url.unwrap_or_default(),
        external_id: request.external_id.unwrap_or_default(),
        title: output_field(request.output.as_ref(), "title"),
        summary: output_field(request.output.as_ref(), "summary"),
    };
    if let Some(found) = world.repos.get_mut(&full) {
        found
            .check_runs
            .entry(request.head_sha)
            .or_default()
            .push(run.clone());
    }
    (
        StatusCode::CREATED,
        Json(check_run(&state.base, &full, &run)),
    )
        .into_response()
}

fn output_field(output: Option<&Value>, field: &str) -> String {
    output
        .and_then(|o| o[field].as_str())
        .unwrap_or_default()
        .to_string()
}

#[derive(Deserialize)]
struct CheckRunUpdate {
    name: Option<String>,
    status: Option<String>,
    conclusion: Option<String>,
    details_url: Option<String>,
    external_id: Option<String>,
    output: Option<Value>,
}

/// `PATCH /repos/{o}/{r}/check-runs/{id}`: fields sent replace the run's; a conclusion completes it.
async fn update_check_run(
    State(state): State<AppState>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    Json(update): Json<CheckRunUpdate>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(run) = world
        .repos
        .get_mut(&full)
        .and_then(|r| r.check_runs.values_mut().flatten().find(|run| run.id == id))
    else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    if let Some(status) = update.status {
        if !["queued", "in_progress", "completed"].contains(&status.as_str()) {
            return validation_failed("CheckRun", "status", "status is not included in the list");
        }
        run.status = status;
    }
    if let Some(conclusion) = update.conclusion {
        run.status = "completed".into();
        run.conclusion = Some(conclusion);
    } else if run.status != "completed" {
        run.conclusion = None;
    }
    if let Some(name) = update.name {
        run.name = name;
    }
    if let Some(url) = update.details_url {
        run.details_url = url;
    }
    if let Some(external_id) = update.external_id {
        run.external_id = external_id;
    }
    if update.output.is_some() {
        run.title = output_field(update.output.as_ref(), "title");
        run.summary = output_field(update.output.as_ref(), "summary");
    }
    let run = run.clone();
    Json(check_run(&state.base, &full, &run)).into_response()
}

pub(crate) fn check_run(base: &str, full: &str, run: &CheckRun) -> Value {
    json!({
        "id": run.id,
        "node_id": format!("CR_{}", run.id),
        "head_sha": run.head_sha,
        "external_id": run.external_id,
        "url": format!("{base}/repos/{full}/check-runs/{}", run.id),
        "html_url": format!("{base}/{full}/runs/{}", run.id),
        "details_url": run.details_url,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": "2026-01-01T00:00:00Z",
        "completed_at": if run.status == "completed" { json!("2026-01-01T00:00:00Z") } else { Value::Null },
        "output": {"title": run.title, "summary": run.summary, "text": null, "annotations_count": 0, "annotations_url": format!("{base}/repos/{full}/check-runs/{}/annotations", run.id)},
        "name": run.name,
        "check_suite": null,
        "app": null,
        "pull_requests": []
    })
}

#[derive(Deserialize)]
struct IssueRequest {
    title: Option<String>,
    body: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    assignees: Vec<String>,
}

/// Opens an issue as the caller. As on GitHub, labels and assignees from someone without
/// triage access are silently dropped.
async fn create_issue(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo)): Path<(String, String)>,
    Json(request): Json<IssueRequest>,
) -> Response {
    let Some(title) = request.title.filter(|t| !t.is_empty()) else {
        return validation_failed("Issue", "title", "title cannot be blank");
    };
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if world.repo(&full).is_none() {
        return not_found();
    }
    let trusted = actor.may(&world, &full, Permission::Triage);
    let assignees: Vec<String> = request
        .assignees
        .into_iter()
        .filter(|login| trusted && world.can_be_assigned(&full, login))
        .collect();
    world.add_user(&actor.login);
    let number = world.insert_issue(&full, &actor.login, &title, None);
    if let Some(issue) = world.issue_mut(&full, number) {
        issue.body = request.body.unwrap_or_default();
        if trusted {
            issue.labels = request.labels;
            issue.assignees = assignees;
        }
    }
    // GitHub's `opened` shows the issue as created, body and labels included.
    world.emit_issue(&full, number, "opened", &actor.login);
    let Some((found, issue)) = world.repo_and_issue(&full, number) else {
        return not_found();
    };
    let issue: &Issue = issue;
    (
        StatusCode::CREATED,
        Json(shapes::issue(&world, &state.base, found, issue)),
    )
        .into_response()
}
