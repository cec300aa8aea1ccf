//! People and planning on issues and pull requests: assignees, requested reviewers, reviews,
//! milestones, and edits (title, body, state, milestone).

use crate::AppState;
use crate::actor::Actor;
use crate::routes::{issue_json, lock, not_found, validation_failed};
use crate::shapes;
use crate::world::{Permission, Review, World};
use crate::world_git::{GitError, NewPullRequest};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/repos/{owner}/{repo}/pulls",
            get(list_pulls).post(create_pull),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/assignees",
            post(add_assignees).delete(remove_assignees),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{number}/requested_reviewers",
            post(request_reviewers).delete(unrequest_reviewers),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{number}/reviews",
            get(list_reviews).post(create_review),
        )
        .route("/repos/{owner}/{repo}/milestones", get(list_milestones))
}

/// GitHub's limit of assignees on an issue or pull request.
const MAX_ASSIGNEES: usize = 10;

#[derive(Deserialize, Default)]
struct People {
    #[serde(default)]
    assignees: Vec<String>,
    #[serde(default)]
    reviewers: Vec<String>,
    /// Team slugs of the repository's org.
    #[serde(default)]
    team_reviewers: Vec<String>,
}

fn pull_json(world: &World, base: &str, full: &str, number: u64) -> Response {
    match world.repo_and_issue(full, number) {
        Some((repo, issue)) if issue.pull.is_some() => {
            Json(shapes::pull_request(world, base, repo, issue)).into_response()
        }
        _ => not_found(),
    }
}

async fn add_assignees(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(people): Json<People>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if let Err(response) = actor.require_on_issue(&world, &full, number, Permission::Triage) {
        return *response;
    }
    // As GitHub: who cannot be assigned is dropped without an error (the answer's assignees
    // tell), and so is anyone past ten assignees. Whoever commented on the issue can be.
    let commenters: Vec<String> = world
        .issue(&full, number)
        .map(|issue| issue.comments.iter().map(|c| c.author.clone()).collect())
        .unwrap_or_default();
    let allowed: Vec<String> = people
        .assignees
        .into_iter()
        .filter(|login| world.can_be_assigned(&full, login) || commenters.contains(login))
        .collect();
    let Some(issue) = world.issue_mut(&full, number) else {
        return not_found();
    };
    let mut added = Vec::new();
    for login in allowed {
        if !issue.assignees.contains(&login) && issue.assignees.len() < MAX_ASSIGNEES {
            issue.assignees.push(login.clone());
            added.push(login);
        }
    }
    for login in added {
        world.emit_assignment(&full, number, "assigned", &login, &actor.login);
    }
    let mut response = issue_json(&world, &state.base, &full, number);
    *response.status_mut() = StatusCode::CREATED;
    response
}

async fn remove_assignees(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(people): Json<People>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if let Err(response) = actor.require_on_issue(&world, &full, number, Permission::Triage) {
        return *response;
    }
    let Some(issue) = world.issue_mut(&full, number) else {
        return not_found();
    };
    let removed: Vec<String> = issue
        .assignees
        .iter()
        .filter(|a| people.assignees.contains(a))
        .cloned()
        .collect();
    issue.assignees.retain(|a| !people.assignees.contains(a));
    for login in removed {
        world.emit_assignment(&full, number, "unassigned", &login, &actor.login);
    }
    issue_json(&world, &state.base, &full, number)
}

async fn request_reviewers(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(people): Json<People>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(author) = world
        .issue(&full, number)
        .filter(|issue| issue.pull.is_some())
        .map(|issue| issue.author.clone())
    else {
        return not_found();
    };
    // As GitHub: one login it will not ask refuses the whole request, and nobody is asked.
    if people
        .reviewers
        .iter()
        .any(|login| login.eq_ignore_ascii_case(&author))
    {
        return validation_failed(
            "PullRequest",
            "reviewers",
            "Review cannot be requested from pull request author.",
        );
    }
    let strangers: Vec<&String> = people
        .reviewers
        .iter()
        .filter(|login| !world.can_be_assigned(&full, login))
        .chain(people.team_reviewers.iter().filter(|slug| {
            !world
                .orgs
                .get(&owner)
                .is_some_and(|o| o.teams.contains_key(*slug))
        }))
        .collect();
    if let Some(stranger) = strangers.first() {
        return validation_failed(
            "PullRequest",
            "reviewers",
            &format!(
                "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the {full} repository: {stranger}"
            ),
        );
    }
    let Some(issue) = world.issue_mut(&full, number) else {
        return not_found();
    };
    for login in people.reviewers {
        if !issue.requested_reviewers.contains(&login) {
            issue.requested_reviewers.push(login);
        }
    }
    for slug in people.team_reviewers {
        if !issue.requested_teams.contains(&slug) {
            issue.requested_teams.push(slug);
        }
    }
    let mut response = pull_json(&world, &state.base, &full, number);
    *response.status_mut() = StatusCode::CREATED;
    response
}

async fn unrequest_reviewers(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(people): Json<People>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some(issue) = world.issue_mut(&full, number) else {
        return not_found();
    };
    issue
        .requested_reviewers
        .retain(|r| !people.reviewers.contains(r));
    issue
        .requested_teams
        .retain(|t| !people.team_reviewers.contains(t));
    pull_json(&world, &state.base, &full, number)
}

async fn list_reviews(
    State(state): State<AppState>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let world = lock(&state);
    let full = format!("{owner}/{repo}");
    let Some((found, issue)) = world.repo_and_issue(&full, number) else {
        return not_found();
    };
    Json(Value::Array(
        issue
            .reviews
            .iter()
            .map(|r| shapes::review(&world, &state.base, found, number, r))
            .collect(),
    ))
    .into_response()
}

#[derive(Deserialize)]
struct ReviewRequest {
    #[serde(default)]
    body: String,
    event: Option<String>,
    commit_id: Option<String>,
}

/// Reviews are submitted as the caller; `event` is `APPROVE`, `REQUEST_CHANGES` or `COMMENT`
/// (none leaves it pending, sending nothing). Anyone may review; nobody may approve or request
/// changes on their own pull request.
async fn create_review(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(request): Json<ReviewRequest>,
) -> Response {
    let review_state = match request.event.as_deref() {
        Some("APPROVE") => "APPROVED",
        Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
        Some("COMMENT") => "COMMENTED",
        None => "PENDING",
        Some(_) => {
            return validation_failed(
                "PullRequestReview",
                "event",
                "event is not included in the list",
            );
        }
    };
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if world.issue(&full, number).is_none_or(|i| i.pull.is_none()) {
        return not_found();
    }
    if world
        .issue(&full, number)
        .is_some_and(|i| i.author == actor.login)
        && (review_state == "APPROVED" || review_state == "CHANGES_REQUESTED")
    {
        let verb = if review_state == "APPROVED" {
            "approve"
        } else {
            "request changes on"
        };
        return validation_failed(
            "PullRequestReview",
            "event",
            &format!("Can not {verb} your own pull request"),
        );
    }
    let (id, submitted_at) = world.added_by(&actor.login);
    let author = actor.login.clone();
    let Some(issue) = world.issue_mut(&full, number) else {
        return not_found();
    };
    let Some(pull) = &issue.pull else {
        return not_found();
    };
    let review = Review {
        id,
        author: author.clone(),
        state: review_state.to_string(),
        body: request.body,
        commit_id: request.commit_id.unwrap_or_else(|| pull.head_sha.clone()),
        submitted_at,
    };
    issue.reviews.push(review.clone());
    issue.requested_reviewers.retain(|r| *r != author);
    issue.updated_at = submitted_at;
    if review.state != "PENDING" {
        world.emit_review(&full, number, review.id);
    }
    let Some(found) = world.repo(&full) else {
        return not_found();
    };
    Json(shapes::review(&world, &state.base, found, number, &review)).into_response()
}

async fn list_milestones(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
) -> Response {
    let world = lock(&state);
    let Some(found) = world.repo(&format!("{owner}/{repo}")) else {
        return not_found();
    };
    Json(Value::Array(
        found
            .milestones
            .values()
            .filter(|m| m.open)
            .map(|m| shapes::milestone(&world, &state.base, found, m))
            .collect(),
    ))
    .into_response()
}

#[derive(Deserialize)]
pub(crate) struct Edit {
    title: Option<String>,
    body: Option<String>,
    state: Option<String>,
    /// `completed`, `not_planned` or `reopened`.
    state_reason: Option<String>,
    /// A milestone number, or `null` to clear it.
    #[serde(default, deserialize_with = "present")]
    milestone: Option<Option<u64>>,
}

/// Tells a field sent as `null` from a field not sent.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(deserializer).map(Some)
}

/// Applies `edit` as `actor`. The author may change title, body and state; anyone else, and a
/// milestone change, needs triage access (403 otherwise). Closing or reopening sends `closed` or
/// `reopened`.
fn apply_edit(
    world: &mut World,
    full: &str,
    number: u64,
    edit: Edit,
    actor: &Actor,
) -> Result<(), Box<Response>> {
    let author = world
        .issue(full, number)
        .map(|i| i.author.clone())
        .ok_or_else(|| Box::new(not_found()))?;
    if actor.login != author || edit.milestone.is_some() {
        actor.require(world, full, Permission::Triage)?;
    }
    if let Some(Some(milestone)) = edit.milestone
        && !world
            .repo(full)
            .is_some_and(|r| r.milestones.contains_key(&milestone))
    {
        return Err(Box::new(validation_failed(
            "Issue",
            "milestone",
            "milestone is invalid",
        )));
    }
    if edit
        .state
        .as_deref()
        .is_some_and(|s| s != "open" && s != "closed")
    {
        return Err(Box::new(validation_failed(
            "Issue",
            "state",
            "state is not included in the list",
        )));
    }
    let tick = world.tick();
    let issue = world
        .repos
        .get_mut(full)
        .and_then(|r| r.issues.get_mut(&number))
        .ok_or_else(|| Box::new(not_found()))?;
    if let Some(title) = edit.title {
        issue.title = title;
    }
    if let Some(body) = edit.body {
        issue.body = body;
    }
    let was_open = issue.open;
    if let Some(state) = edit.state {
        issue.open = state == "open";
        issue.state_reason = match (issue.open, edit.state_reason) {
            (false, reason) => Some(reason.unwrap_or_else(|| "completed".to_string())),
            (true, _) if !was_open => Some("reopened".to_string()),
            (true, _) => issue.state_reason.take(),
        };
    }
    if let Some(milestone) = edit.milestone {
        issue.milestone = milestone;
    }
    issue.updated_at = tick;
    let now_open = issue.open;
    if was_open != now_open {
        let action = if now_open { "reopened" } else { "closed" };
        world.emit_change(full, number, action, &actor.login, Vec::new());
    }
    Ok(())
}

/// `PATCH` (and GitHub's `POST` alias) on an issue.
pub(crate) async fn edit_issue(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(edit): Json<Edit>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if let Err(response) = apply_edit(&mut world, &full, number, edit, &actor) {
        return *response;
    }
    issue_json(&world, &state.base, &full, number)
}

/// `PATCH` (and GitHub's `POST` alias) on a pull request.
pub(crate) async fn edit_pull(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(edit): Json<Edit>,
) -> Response {
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if world.issue(&full, number).is_none_or(|i| i.pull.is_none()) {
        return not_found();
    }
    if let Err(response) = apply_edit(&mut world, &full, number, edit, &actor) {
        return *response;
    }
    pull_json(&world, &state.base, &full, number)
}

#[derive(Deserialize)]
struct PullQuery {
    state: Option<String>,
}

/// `GET /repos/{o}/{r}/pulls?state=open|closed|all` (default `open`), oldest first.
async fn list_pulls(
    State(state): State<AppState>,
    Path((owner, repo)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<PullQuery>,
) -> Response {
    let world = lock(&state);
    let Some(found) = world.repo(&format!("{owner}/{repo}")) else {
        return not_found();
    };
    let wanted = query.state.unwrap_or_else(|| "open".to_string());
    Json(Value::Array(
        found
            .issues
            .values()
            .filter(|issue| issue.pull.is_some())
            .filter(|issue| match wanted.as_str() {
                "all" => true,
                "closed" => !issue.open,
                _ => issue.open,
            })
            .map(|issue| shapes::pull_request(&world, &state.base, found, issue))
            .collect(),
    ))
    .into_response()
}

#[derive(Deserialize)]
struct CreatePull {
    title: Option<String>,
    head: Option<String>,
    base: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    draft: bool,
}

/// `POST /repos/{o}/{r}/pulls`: opens a pull request, as the caller, from a branch already
/// pushed (`head` may be written `owner:branch`), with GitHub's 422s.
async fn create_pull(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo)): Path<(String, String)>,
    Json(request): Json<CreatePull>,
) -> Response {
    let Some(title) = request.title.filter(|t| !t.is_empty()) else {
        return validation_failed("PullRequest", "title", "title cannot be blank");
    };
    let (Some(head), Some(base)) = (request.head, request.base) else {
        return validation_failed("PullRequest", "head", "head and base are required");
    };
    let head = head
        .split_once(':')
        .map_or(head.as_str(), |(_, branch)| branch)
        .to_string();
    let mut world = lock(&state);
    let full = format!("{owner}/{repo}");
    if world.repo(&full).is_none() {
        return not_found();
    }
    let spec = NewPullRequest {
        repo: full.clone(),
        author: actor.login.clone(),
        head,
        base: Some(base),
        title,
        body: request.body.unwrap_or_default(),
        draft: request.draft,
        ..NewPullRequest::default()
    };
    match world.open_pull_request_from_branch(&spec) {
        Ok(number) => {
            let mut response = pull_json(&world, &state.base, &full, number);
            *response.status_mut() = StatusCode::CREATED;
            response
        }
        Err(GitError::NoBranch { branch, .. }) => {
            let field = if branch == spec.head { "head" } else { "base" };
            validation_failed("PullRequest", field, &format!("{field} invalid"))
        }
        Err(GitError::NoRepo(_)) => not_found(),
        Err(other) => validation_failed("PullRequest", "head", &other.to_string()),
    }
}
