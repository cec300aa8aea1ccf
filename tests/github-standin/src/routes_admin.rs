//! An org's administration as peribolos calls it: the org's profile, members and their roles,
//! invitations, teams (nested), team members and team repositories. Writes need an admin of the
//! org ([`crate::actor`]); memberships of people who are not members go through invitations
//! ([`crate::world_admin`]).

use crate::AppState;
use crate::actor::Actor;
use crate::routes::{PageParams, error, lock, not_found, paginated, validation_failed};
use crate::shapes;
use crate::shapes_admin;
use crate::world::World;
use crate::world_admin::{MembershipState, NewTeam, Refusal, TeamChange};
use axum::Json;
use axum::Router;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}", get(get_org).patch(edit_org).post(edit_org))
        .route("/orgs/{org}/members", get(list_members))
        .route("/orgs/{org}/invitations", get(list_invitations))
        .route(
            "/orgs/{org}/memberships/{user}",
            get(get_membership)
                .put(set_membership)
                .delete(remove_membership),
        )
        .route("/orgs/{org}/teams", get(list_teams).post(create_team))
        .route(
            "/orgs/{org}/teams/{slug}",
            get(get_team)
                .patch(edit_team)
                .post(edit_team)
                .delete(delete_team),
        )
        .route("/orgs/{org}/teams/{slug}/members", get(team_members))
        .route(
            "/orgs/{org}/teams/{slug}/invitations",
            get(team_invitations),
        )
        .route(
            "/orgs/{org}/teams/{slug}/memberships/{user}",
            get(get_team_membership)
                .put(set_team_membership)
                .delete(remove_team_membership),
        )
        .route("/orgs/{org}/teams/{slug}/repos", get(team_repos))
        .route(
            "/orgs/{org}/teams/{slug}/repos/{owner}/{repo}",
            get(get_team_repo)
                .put(set_team_repo)
                .delete(remove_team_repo),
        )
}

/// GitHub's answer for a refused change to `resource`.
pub(crate) fn refused(resource: &str, refusal: Refusal) -> Response {
    match refusal {
        Refusal::NotFound => not_found(),
        Refusal::Invalid { field, message } => validation_failed(resource, field, &message),
    }
}

/// `Invalid request.` with the field GitHub found missing or mistyped.
pub(crate) fn invalid_request(detail: &str) -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("Invalid request.\n\n{detail}"),
    )
}

async fn get_org(State(state): State<AppState>, Path(org): Path<String>) -> Response {
    let world = lock(&state);
    match world.orgs.get(&org) {
        Some(found) => Json(shapes_admin::org(&world, &state.base, &org, found)).into_response(),
        None => not_found(),
    }
}

#[derive(Deserialize)]
struct OrgChange {
    billing_email: Option<String>,
    company: Option<String>,
    email: Option<String>,
    name: Option<String>,
    description: Option<String>,
    location: Option<String>,
    has_organization_projects: Option<bool>,
    has_repository_projects: Option<bool>,
    default_repository_permission: Option<String>,
    members_can_create_repositories: Option<bool>,
}

async fn edit_org(
    State(state): State<AppState>,
    actor: Actor,
    Path(org): Path<String>,
    Json(change): Json<OrgChange>,
) -> Response {
    let mut world = lock(&state);
    if !world.orgs.contains_key(&org) {
        return not_found();
    }
    if let Err(response) = actor.require_org_admin(&world, &org) {
        return *response;
    }
    if let Some(permission) = &change.default_repository_permission
        && !["read", "write", "admin", "none"].contains(&permission.as_str())
    {
        return validation_failed(
            "Organization",
            "default_repository_permission",
            "default_repository_permission is not included in the list",
        );
    }
    let Some(found) = world.orgs.get_mut(&org) else {
        return not_found();
    };
    let profile = &mut found.profile;
    for (field, value) in [
        (&mut profile.billing_email, change.billing_email),
        (&mut profile.company, change.company),
        (&mut profile.email, change.email),
        (&mut profile.name, change.name),
        (&mut profile.description, change.description),
        (&mut profile.location, change.location),
    ] {
        if let Some(value) = value {
            *field = Some(value);
        }
    }
    for (field, value) in [
        (
            &mut profile.has_organization_projects,
            change.has_organization_projects,
        ),
        (
            &mut profile.has_repository_projects,
            change.has_repository_projects,
        ),
        (
            &mut profile.members_can_create_repositories,
            change.members_can_create_repositories,
        ),
    ] {
        if let Some(value) = value {
            *field = value;
        }
    }
    if let Some(permission) = change.default_repository_permission {
        profile.default_repository_permission = permission;
    }
    let Some(found) = world.orgs.get(&org) else {
        return not_found();
    };
    Json(shapes_admin::org(&world, &state.base, &org, found)).into_response()
}

#[derive(Deserialize)]
struct RoleQuery {
    role: Option<String>,
}

/// `?role=all|admin|member` (default `all`).
async fn list_members(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(org): Path<String>,
    Query(query): Query<RoleQuery>,
    Query(page): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let Some(found) = world.orgs.get(&org) else {
        return not_found();
    };
    let role = query.role.unwrap_or_else(|| "all".to_string());
    if !["all", "admin", "member"].contains(&role.as_str()) {
        return validation_failed("Organization", "role", "role is not included in the list");
    }
    let members: Vec<Value> = found
        .members
        .iter()
        .filter(|m| match role.as_str() {
            "admin" => found.admins.contains(*m),
            "member" => !found.admins.contains(*m),
            _ => true,
        })
        .map(|m| shapes::user_by_login(&world, &state.base, m))
        .collect();
    paginated(&uri, &state.base, &page, members)
}

async fn list_invitations(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(org): Path<String>,
    Query(page): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let Some(found) = world.orgs.get(&org) else {
        return not_found();
    };
    let items = found
        .invitations
        .iter()
        .map(|(login, i)| shapes_admin::invitation(&world, &state.base, &org, login, i))
        .collect();
    paginated(&uri, &state.base, &page, items)
}

fn membership_json(world: &World, base: &str, org: &str, user: &str) -> Response {
    let Some(found) = world.orgs.get(org) else {
        return not_found();
    };
    let (state, admin) = if found.members.contains(user) {
        ("active", found.admins.contains(user))
    } else if let Some(invitation) = found.invitations.get(user) {
        ("pending", invitation.role == "admin")
    } else {
        return not_found();
    };
    Json(shapes_admin::org_membership(
        world, base, org, user, state, admin,
    ))
    .into_response()
}

async fn get_membership(
    State(state): State<AppState>,
    Path((org, user)): Path<(String, String)>,
) -> Response {
    let world = lock(&state);
    membership_json(&world, &state.base, &org, &user)
}

#[derive(Deserialize, Default)]
struct RoleBody {
    role: Option<String>,
}

async fn set_membership(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, user)): Path<(String, String)>,
    body: Option<Json<RoleBody>>,
) -> Response {
    let role = body
        .and_then(|Json(b)| b.role)
        .unwrap_or_else(|| "member".to_string());
    if !["admin", "member"].contains(&role.as_str()) {
        return validation_failed("Membership", "role", "role is not included in the list");
    }
    let mut world = lock(&state);
    if !world.orgs.contains_key(&org) {
        return not_found();
    }
    if let Err(response) = actor.require_org_admin(&world, &org) {
        return *response;
    }
    match world.set_org_membership(&org, &user, role == "admin") {
        Ok(_) => membership_json(&world, &state.base, &org, &user),
        Err(refusal) => refused("Membership", refusal),
    }
}

async fn remove_membership(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, user)): Path<(String, String)>,
) -> Response {
    let mut world = lock(&state);
    if !world.orgs.contains_key(&org) {
        return not_found();
    }
    if let Err(response) = actor.require_org_admin(&world, &org) {
        return *response;
    }
    if world.remove_from_org(&org, &user) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

fn team_json(world: &World, base: &str, org: &str, slug: &str) -> Option<Value> {
    let found = world.orgs.get(org)?;
    let team = found.teams.get(slug)?;
    let mut value = shapes::team(base, org, found, slug, team);
    value["members_count"] = json!(team.members.len());
    value["repos_count"] = json!(team.repos.len());
    value["created_at"] = json!(crate::world::timestamp(1_767_225_600));
    value["updated_at"] = json!(crate::world::timestamp(1_767_225_600));
    value["organization"] = json!({
        "login": org, "id": found.id, "url": format!("{base}/orgs/{org}"),
        "avatar_url": format!("{base}/avatars/{org}"), "description": found.profile.description,
    });
    Some(value)
}

async fn list_teams(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(org): Path<String>,
    Query(page): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let Some(found) = world.orgs.get(&org) else {
        return not_found();
    };
    let teams: Vec<Value> = found
        .teams
        .iter()
        .map(|(slug, team)| shapes::team(&state.base, &org, found, slug, team))
        .collect();
    paginated(&uri, &state.base, &page, teams)
}

async fn get_team(
    State(state): State<AppState>,
    Path((org, slug)): Path<(String, String)>,
) -> Response {
    let world = lock(&state);
    match team_json(&world, &state.base, &org, &slug) {
        Some(team) => Json(team).into_response(),
        None => not_found(),
    }
}

/// A string field of a request body: absent, `null`, or text (anything else is GitHub's 422).
fn text_field(body: &Value, field: &str) -> Result<Option<String>, Box<Response>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(Box::new(invalid_request(&format!(
            "For 'properties/{field}', {} is not a string.",
            body[field]
        )))),
    }
}

/// `parent_team_id`: absent (`None`), `null` (`Some(None)`: top level) or an id.
fn parent_field(body: &Value) -> Result<Option<Option<u64>>, Box<Response>> {
    match body.get("parent_team_id") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(id) => id.as_u64().map(|id| Some(Some(id))).ok_or_else(|| {
            Box::new(invalid_request(&format!(
                "For 'properties/parent_team_id', {id} is not an integer or null."
            )))
        }),
    }
}

async fn create_team(
    State(state): State<AppState>,
    actor: Actor,
    Path(org): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let fields = (|| -> Result<_, Box<Response>> {
        Ok((
            text_field(&body, "name")?,
            text_field(&body, "description")?,
            text_field(&body, "privacy")?,
            parent_field(&body)?,
        ))
    })();
    let (name, description, privacy, parent) = match fields {
        Ok(fields) => fields,
        Err(response) => return *response,
    };
    let Some(name) = name else {
        return invalid_request("\"name\" wasn't supplied.");
    };
    let strings = |field: &str| -> Vec<String> {
        body[field]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let mut world = lock(&state);
    if !world.orgs.contains_key(&org) {
        return not_found();
    }
    if let Err(response) = actor.require_org_admin(&world, &org) {
        return *response;
    }
    let new = NewTeam {
        name,
        description,
        privacy,
        parent: parent.flatten(),
        maintainers: strings("maintainers"),
    };
    let slug = match world.create_team(&org, new, &actor.login) {
        Ok(slug) => slug,
        Err(refusal) => return refused("Team", refusal),
    };
    let permission = body["permission"].as_str().unwrap_or("pull").to_string();
    for full in strings("repo_names") {
        let name = full.rsplit('/').next().unwrap_or(&full).to_string();
        if world.repo(&format!("{org}/{name}")).is_some() {
            world.add_team_repo(&org, &slug, &name, &permission);
        }
    }
    match team_json(&world, &state.base, &org, &slug) {
        Some(team) => (StatusCode::CREATED, Json(team)).into_response(),
        None => not_found(),
    }
}

async fn edit_team(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, slug)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let fields = (|| -> Result<_, Box<Response>> {
        Ok(TeamChange {
            name: text_field(&body, "name")?,
            description: text_field(&body, "description")?,
            privacy: text_field(&body, "privacy")?,
            parent: parent_field(&body)?,
        })
    })();
    let change = match fields {
        Ok(change) => change,
        Err(response) => return *response,
    };
    let mut world = lock(&state);
    if !world.orgs.contains_key(&org) {
        return not_found();
    }
    if let Err(response) = actor.require_org_admin(&world, &org) {
        return *response;
    }
    match world.edit_team(&org, &slug, change) {
        Ok(slug) => match team_json(&world, &state.base, &org, &slug) {
            Some(team) => Json(team).into_response(),
            None => not_found(),
        },
        Err(refusal) => refused("Team", refusal),
    }
}

async fn delete_team(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, slug)): Path<(String, String)>,
) -> Response {
    let mut world = lock(&state);
    if !world.orgs.contains_key(&org) {
        return not_found();
    }
    if let Err(response) = actor.require_org_admin(&world, &org) {
        return *response;
    }
    if world.delete_team(&org, &slug) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

/// `?role=member|maintainer|all` (default `all`), as GitHub filters team members.
async fn team_members(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((org, slug)): Path<(String, String)>,
    Query(query): Query<RoleQuery>,
    Query(page): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let Some(team) = world.orgs.get(&org).and_then(|o| o.teams.get(&slug)) else {
        return not_found();
    };
    let role = query.role.unwrap_or_else(|| "all".to_string());
    if !["all", "member", "maintainer"].contains(&role.as_str()) {
        return validation_failed("Team", "role", "role is not included in the list");
    }
    let members: Vec<Value> = team
        .members
        .iter()
        .filter(|m| match role.as_str() {
            "member" => !team.maintainers.contains(*m),
            "maintainer" => team.maintainers.contains(*m),
            _ => true,
        })
        .map(|m| shapes::user_by_login(&world, &state.base, m))
        .collect();
    paginated(&uri, &state.base, &page, members)
}

async fn team_invitations(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((org, slug)): Path<(String, String)>,
    Query(page): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let Some(found) = world.orgs.get(&org) else {
        return not_found();
    };
    let Some(team) = found.teams.get(&slug) else {
        return not_found();
    };
    let items = found
        .invitations
        .iter()
        .filter(|(_, i)| i.teams.contains_key(&team.id))
        .map(|(login, i)| shapes_admin::invitation(&world, &state.base, &org, login, i))
        .collect();
    paginated(&uri, &state.base, &page, items)
}

fn team_membership_json(world: &World, base: &str, org: &str, slug: &str, user: &str) -> Response {
    let Some(found) = world.orgs.get(org) else {
        return not_found();
    };
    let Some(team) = found.teams.get(slug) else {
        return not_found();
    };
    let (state, role) = if team.members.contains(user) {
        let maintainer = team.maintainers.contains(user);
        (MembershipState::Active, maintainer)
    } else if let Some(role) = found
        .invitations
        .get(user)
        .and_then(|i| i.teams.get(&team.id))
    {
        (MembershipState::Pending, role == "maintainer")
    } else {
        return not_found();
    };
    Json(json!({
        "url": format!("{base}/orgs/{org}/teams/{slug}/memberships/{user}"),
        "role": if role { "maintainer" } else { "member" },
        "state": state.as_str(),
    }))
    .into_response()
}

async fn get_team_membership(
    State(state): State<AppState>,
    Path((org, slug, user)): Path<(String, String, String)>,
) -> Response {
    let world = lock(&state);
    team_membership_json(&world, &state.base, &org, &slug, &user)
}

/// Team maintainers may manage their team's members too.
fn require_team_admin(
    world: &World,
    actor: &Actor,
    org: &str,
    slug: &str,
) -> Result<(), Box<Response>> {
    let maintainer = world
        .orgs
        .get(org)
        .and_then(|o| o.teams.get(slug))
        .is_some_and(|t| t.maintainers.contains(&actor.login));
    if maintainer {
        return Ok(());
    }
    actor.require_org_admin(world, org)
}

async fn set_team_membership(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, slug, user)): Path<(String, String, String)>,
    body: Option<Json<RoleBody>>,
) -> Response {
    let role = body
        .and_then(|Json(b)| b.role)
        .unwrap_or_else(|| "member".to_string());
    if !["maintainer", "member"].contains(&role.as_str()) {
        return validation_failed("TeamMember", "role", "role is not included in the list");
    }
    let mut world = lock(&state);
    if world
        .orgs
        .get(&org)
        .and_then(|o| o.teams.get(&slug))
        .is_none()
    {
        return not_found();
    }
    if let Err(response) = require_team_admin(&world, &actor, &org, &slug) {
        return *response;
    }
    match world.set_team_membership(&org, &slug, &user, role == "maintainer") {
        Ok(_) => team_membership_json(&world, &state.base, &org, &slug, &user),
        Err(refusal) => refused("TeamMember", refusal),
    }
}

async fn remove_team_membership(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, slug, user)): Path<(String, String, String)>,
) -> Response {
    let mut world = lock(&state);
    if world
        .orgs
        .get(&org)
        .and_then(|o| o.teams.get(&slug))
        .is_none()
    {
        return not_found();
    }
    if let Err(response) = require_team_admin(&world, &actor, &org, &slug) {
        return *response;
    }
    if world.remove_team_member(&org, &slug, &user) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

async fn team_repos(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path((org, slug)): Path<(String, String)>,
    Query(page): Query<PageParams>,
) -> Response {
    let world = lock(&state);
    let Some(team) = world.orgs.get(&org).and_then(|o| o.teams.get(&slug)) else {
        return not_found();
    };
    let items = team
        .repos
        .iter()
        .filter_map(|(name, permission)| {
            let repo = world.repo(&format!("{org}/{name}"))?;
            Some(shapes_admin::team_repo(
                &world,
                &state.base,
                repo,
                permission,
            ))
        })
        .collect();
    paginated(&uri, &state.base, &page, items)
}

/// 204 when the team has access to the repository, else 404.
async fn get_team_repo(
    State(state): State<AppState>,
    Path((org, slug, owner, repo)): Path<(String, String, String, String)>,
) -> Response {
    let world = lock(&state);
    let has = owner == org
        && world
            .orgs
            .get(&org)
            .and_then(|o| o.teams.get(&slug))
            .is_some_and(|t| t.repos.contains_key(&repo));
    if has {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

#[derive(Deserialize, Default)]
struct PermissionBody {
    permission: Option<String>,
}

async fn set_team_repo(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, slug, owner, repo)): Path<(String, String, String, String)>,
    body: Option<Json<PermissionBody>>,
) -> Response {
    let permission = body
        .and_then(|Json(b)| b.permission)
        .unwrap_or_else(|| "push".to_string());
    if !["pull", "triage", "push", "maintain", "admin"].contains(&permission.as_str()) {
        return validation_failed(
            "Team",
            "permission",
            "permission is not included in the list",
        );
    }
    let mut world = lock(&state);
    if world
        .orgs
        .get(&org)
        .and_then(|o| o.teams.get(&slug))
        .is_none()
        || world.repo(&format!("{owner}/{repo}")).is_none()
    {
        return not_found();
    }
    if let Err(response) = actor.require_org_admin(&world, &org) {
        return *response;
    }
    if owner != org {
        return validation_failed(
            "Team",
            "repository",
            "The repository must be owned by the team's organization",
        );
    }
    world.add_team_repo(&org, &slug, &repo, &permission);
    StatusCode::NO_CONTENT.into_response()
}

async fn remove_team_repo(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, slug, owner, repo)): Path<(String, String, String, String)>,
) -> Response {
    let mut world = lock(&state);
    if world
        .orgs
        .get(&org)
        .and_then(|o| o.teams.get(&slug))
        .is_none()
        || world.repo(&format!("{owner}/{repo}")).is_none()
    {
        return not_found();
    }
    if let Err(response) = actor.require_org_admin(&world, &org) {
        return *response;
    }
    if let Some(team) = world
        .orgs
        .get_mut(&org)
        .and_then(|o| o.teams.get_mut(&slug))
    {
        team.repos.remove(&repo);
    }
    StatusCode::NO_CONTENT.into_response()
}
