//! The driver API under `/_standin/`: what GitHub does through git rather than REST (opening a
//! pull request from new commits, pushing), plus views for debugging (the world's state, the
//! webhook delivery attempts). Not part of GitHub's API; it answers `{"message": …}` with 400
//! for a malformed request and 404 for something the world does not have.

use crate::AppState;
use crate::routes::lock;
use crate::world::{Issue, Repo, World};
use crate::world_git::{GitError, NewPullRequest};
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Json, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/_standin/pulls", post(open_pull))
        .route("/_standin/push", post(push))
        .route("/_standin/world", get(world))
        .route("/_standin/deliveries", get(deliveries))
        .route("/_standin/calls", get(calls).delete(forget_calls))
}

/// `GET /_standin/calls`: every API call made so far (`method`, `uri`, `status`), oldest first,
/// to count what a client did.
async fn calls(State(state): State<AppState>) -> Response {
    let world = lock(&state);
    let calls: Vec<Value> = world
        .calls
        .iter()
        .map(|c| json!({"method": c.method, "uri": c.uri, "status": c.status}))
        .collect();
    Json(Value::Array(calls)).into_response()
}

/// `DELETE /_standin/calls`: forgets them, to count the next step's alone.
async fn forget_calls(State(state): State<AppState>) -> StatusCode {
    lock(&state).calls.clear();
    StatusCode::NO_CONTENT
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"message": message}))).into_response()
}

fn bad_request(message: &str) -> Response {
    refuse(StatusCode::BAD_REQUEST, message)
}

/// A JSON request body; a malformed one is answered 400 saying what is wrong with it (axum would
/// answer 422 for a missing field).
struct Body<T>(T);

impl<T, S> FromRequest<S> for Body<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(value)| Body(value))
            .map_err(|rejection| bad_request(&rejection.body_text()))
    }
}

/// `repo` names a repository of the world and `author` one of its users.
fn check_names(world: &World, repo: &str, author: &str) -> Result<(), Box<Response>> {
    if !repo.contains('/') {
        return Err(Box::new(bad_request(&format!(
            "repo {repo:?} is not owner/name"
        ))));
    }
    if world.repo(repo).is_none() {
        return Err(Box::new(refuse(
            StatusCode::NOT_FOUND,
            &format!("no repository {repo:?} in the world"),
        )));
    }
    if author.is_empty() {
        return Err(Box::new(bad_request("author is required")));
    }
    if !world.users.contains_key(author) {
        return Err(Box::new(refuse(
            StatusCode::NOT_FOUND,
            &format!("no user {author:?} in the world (list them under users: in the world file)"),
        )));
    }
    Ok(())
}

fn git_refusal(error: &GitError) -> Response {
    let status = match error {
        GitError::NoRepo(_) | GitError::NoBranch { .. } => StatusCode::NOT_FOUND,
        GitError::HeadIsBase(_) | GitError::NoCommits { .. } | GitError::AlreadyOpen { .. } => {
            StatusCode::BAD_REQUEST
        }
    };
    refuse(status, &error.to_string())
}

/// A branch name git would take (no spaces, no `..`, not empty).
fn check_branch(field: &str, name: &str) -> Result<(), Box<Response>> {
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains("..") {
        return Err(Box::new(bad_request(&format!(
            "{field} {name:?} is not a branch name"
        ))));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenPull {
    repo: String,
    author: String,
    head: String,
    base: Option<String>,
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    labels: Vec<String>,
}

/// `POST /_standin/pulls`: `author` pushes `files` to `head` and opens a pull request into
/// `base` (default: the default branch); answers `{number, head_sha, url}`.
async fn open_pull(State(state): State<AppState>, Body(request): Body<OpenPull>) -> Response {
    if request.title.trim().is_empty() {
        return bad_request("title is required");
    }
    let checked = check_branch("head", &request.head).and_then(|()| match &request.base {
        Some(base) => check_branch("base", base),
        None => Ok(()),
    });
    if let Err(response) = checked {
        return *response;
    }
    let mut world = lock(&state);
    if let Err(response) = check_names(&world, &request.repo, &request.author) {
        return *response;
    }
    let spec = NewPullRequest {
        repo: request.repo,
        author: request.author,
        head: request.head,
        base: request.base,
        title: request.title,
        body: request.body,
        files: request.files.into_iter().collect(),
        draft: request.draft,
        labels: request.labels,
    };
    match world.open_pull_request_with(&spec) {
        Ok((number, head_sha)) => (
            StatusCode::CREATED,
            Json(json!({
                "number": number,
                "head_sha": head_sha,
                "url": format!("{}/repos/{}/pulls/{number}", state.base, spec.repo),
            })),
        )
            .into_response(),
        Err(error) => git_refusal(&error),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Push {
    repo: String,
    branch: String,
    author: String,
    message: Option<String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
}

/// `POST /_standin/push`: a commit by `author` on `branch` writing `files`; every open pull
/// request from that branch moves to it (`synchronize`). Answers `{sha, pull_requests}`.
async fn push(State(state): State<AppState>, Body(request): Body<Push>) -> Response {
    if let Err(response) = check_branch("branch", &request.branch) {
        return *response;
    }
    let mut world = lock(&state);
    if let Err(response) = check_names(&world, &request.repo, &request.author) {
        return *response;
    }
    let files: Vec<(&str, &str)> = request
        .files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let message = request
        .message
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| format!("Update {}", request.branch));
    match world.push_as(
        &request.repo,
        &request.branch,
        &request.author,
        &message,
        &files,
    ) {
        Ok(sha) => {
            let pulls: Vec<u64> = world
                .repo(&request.repo)
                .into_iter()
                .flat_map(|r| r.issues.values())
                .filter(|i| i.open && i.pull.as_ref().is_some_and(|p| p.head_sha == sha))
                .map(|i| i.number)
                .collect();
            Json(json!({"sha": sha, "pull_requests": pulls})).into_response()
        }
        Err(error) => git_refusal(&error),
    }
}

/// `GET /_standin/world`: the state as JSON, for a person to read.
async fn world(State(state): State<AppState>) -> Response {
    Json(dump(&lock(&state))).into_response()
}

pub(crate) fn dump(world: &World) -> Value {
    let orgs: BTreeMap<&String, Value> = world
        .orgs
        .iter()
        .map(|(name, org)| {
            let teams: BTreeMap<&String, Value> = org
                .teams
                .iter()
                .map(|(slug, t)| {
                    (
                        slug,
                        json!({
                            "name": t.name,
                            "members": t.members,
                            "maintainers": t.maintainers,
                            "privacy": t.privacy,
                            "parent": t.parent.and_then(|id| world.team_slug_of(name, id)),
                            "repos": t.repos,
                        }),
                    )
                })
                .collect();
            let invitations: BTreeMap<&String, &str> = org
                .invitations
                .iter()
                .map(|(login, i)| (login, i.role.as_str()))
                .collect();
            (
                name,
                json!({
                    "members": org.members,
                    "admins": org.admins,
                    "invitations": invitations,
                    "teams": teams,
                }),
            )
        })
        .collect();
    let repos: BTreeMap<&String, Value> = world
        .repos
        .iter()
        .map(|(name, repo)| (name, dump_repo(world, repo)))
        .collect();
    json!({
        "bot": world.bot,
        "users": world.users.keys().filter(|u| !world.orgs.contains_key(*u)).collect::<Vec<_>>(),
        "orgs": orgs,
        "repos": repos,
        "pending_webhooks": world.outbox.len(),
        "delivery_attempts": world.delivery_attempts.len(),
    })
}

fn dump_repo(world: &World, repo: &Repo) -> Value {
    let collaborators: BTreeMap<&String, &str> = repo
        .collaborators
        .iter()
        .map(|(login, p)| (login, p.as_str()))
        .collect();
    json!({
        "default_branch": repo.default_branch,
        "visibility": repo.visibility(),
        "branches": repo.branches,
        "protected_branches": repo.protection.keys().collect::<Vec<_>>(),
        "files": repo.files.iter().map(|(b, f)| (b, f.keys().collect::<Vec<_>>())).collect::<BTreeMap<_, _>>(),
        "collaborators": collaborators,
        "labels": repo.labels.keys().collect::<Vec<_>>(),
        "milestones": repo.milestones.values().map(|m| json!({"number": m.number, "title": m.title, "open": m.open})).collect::<Vec<_>>(),
        "issues": repo.issues.values().map(|i| dump_issue(world, repo, i)).collect::<Vec<_>>(),
    })
}

fn dump_issue(world: &World, repo: &Repo, issue: &Issue) -> Value {
    let mut value = json!({
        "number": issue.number,
        "title": issue.title,
        "author": issue.author,
        "state": if issue.open { "open" } else { "closed" },
        "labels": issue.labels,
        "assignees": issue.assignees,
        "milestone": issue.milestone.and_then(|n| repo.milestones.get(&n)).map(|m| m.title.clone()),
        "comments": issue.comments.iter().map(|c| json!({"id": c.id, "author": c.author, "body": c.body})).collect::<Vec<_>>(),
    });
    if let Some(pull) = &issue.pull {
        let statuses = world.combined_statuses(&repo.full_name(), &pull.head_sha);
        value["pull_request"] = json!({
            "head": pull.head_ref,
            "head_sha": pull.head_sha,
            "base": pull.base_ref,
            "draft": pull.draft,
            "merged": pull.merged,
            "files": pull.files.iter().map(|f| &f.filename).collect::<Vec<_>>(),
            "requested_reviewers": issue.requested_reviewers,
            "reviews": issue.reviews.iter().map(|r| json!({"author": r.author, "state": r.state, "commit_id": r.commit_id})).collect::<Vec<_>>(),
        });
        value["statuses"] = statuses
            .iter()
            .map(|s| json!({"context": s.context, "state": s.state, "description": s.description, "target_url": s.target_url, "creator": s.creator}))
            .collect();
    }
    value
}

/// `GET /_standin/deliveries`: every delivery attempt, newest first (as GitHub lists a hook's
/// recent deliveries), and how many webhooks wait.
async fn deliveries(State(state): State<AppState>) -> Response {
    let world = lock(&state);
    let attempts: Vec<&crate::deliveries::DeliveryAttempt> =
        world.delivery_attempts.iter().rev().collect();
    Json(json!({"pending": world.outbox.len(), "attempts": attempts})).into_response()
}
