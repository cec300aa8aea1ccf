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
use axum::extract::{FromRequestParts, OriginalUri, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::MutexGuard;

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

/// `value` (or `default` when it is absent) when it is one of `allowed`; `None` is GitHub's
/// [`not_in_list`].
pub(crate) fn pick(value: Option<String>, default: &str, allowed: &[&str]) -> Option<String> {
    Some(value.unwrap_or_else(|| default.to_string())).filter(|v| allowed.contains(&v.as_str()))
}

/// GitHub's 422 for a `field` of `resource` outside the values it takes.
pub(crate) fn not_in_list(resource: &str, field: &str) -> Response {
    validation_failed(
        resource,
        field,
        &format!("{field} is not included in the list"),
    )
}

/// Sets each field whose new value is given: a `PATCH` leaves the fields it omits as they are.
pub(crate) fn patch<'a, T: 'a>(changes: impl IntoIterator<Item = (&'a mut T, Option<T>)>) {
    for (field, value) in changes {
        if let Some(value) = value {
            *field = value;
        }
    }
}

/// 204 when the change found what it was to change, else GitHub's 404.
pub(crate) fn no_content_or_404(found: bool) -> Response {
    if found {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

/// Every change goes through here: `check` runs on the locked world first and its refusal is the
/// answer (GitHub's 404 for what is missing before its 403 for who may not), so no handler can
/// change the world before it has checked.
pub(crate) fn checked(
    state: &AppState,
    check: impl FnOnce(&World) -> Result<(), Box<Response>>,
    change: impl FnOnce(&mut World) -> Response,
) -> Response {
    let mut world = lock(state);
    match check(&world) {
        Ok(()) => change(&mut world),
        Err(refusal) => *refusal,
    }
}

/// GitHub's 404 for an org that does not exist, else its 403 unless `actor` administers it.
pub(crate) fn org_admin(world: &World, actor: &Actor, org: &str) -> Result<(), Box<Response>> {
    if !world.orgs.contains_key(org) {
        return Err(Box::new(not_found()));
    }
    actor.require_org_admin(world, org)
}

/// A change to `org` that only its admins may make.
pub(crate) fn as_org_admin(
    state: &AppState,
    actor: &Actor,
    org: &str,
    change: impl FnOnce(&mut World) -> Response,
) -> Response {
    checked(state, |world| org_admin(world, actor, org), change)
}

/// What every list endpoint takes besides its path and filters: the world, and which page of
/// the list is asked for (with the request's URL, for the `Link` header). Handlers take it last,
/// after their path and filters, so that those are still refused first.
pub(crate) struct Listing {
    state: AppState,
    uri: Uri,
    page: PageParams,
}

impl Listing {
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.state)
    }

    /// `http://127.0.0.1:PORT`, for URLs in the items.
    pub(crate) fn base(&self) -> &str {
        &self.state.base
    }

    /// The page asked for of all of `items`.
    pub(crate) fn page(&self, items: Vec<Value>) -> Response {
        paginated(&self.uri, &self.state.base, &self.page, items)
    }

    /// The page asked for of what `items` lists from the world (given with the base URL);
    /// `None`, what it lists is missing, is GitHub's 404.
    pub(crate) fn of(&self, items: impl FnOnce(&World, &str) -> Option<Vec<Value>>) -> Response {
        match items(&self.world(), self.base()) {
            Some(items) => self.page(items),
            None => not_found(),
        }
    }
}

impl FromRequestParts<AppState> for Listing {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let OriginalUri(uri) = OriginalUri::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(page) = Query::<PageParams>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Listing {
            state: state.clone(),
            uri,
            page,
        })
    }
}

fn org_json(world: &World, base: &str, org: &str) -> Response {
    match world.orgs.get(org) {
        Some(found) => Json(shapes_admin::org(world, base, org, found)).into_response(),
        None => not_found(),
    }
}

async fn get_org(State(state): State<AppState>, Path(org): Path<String>) -> Response {
    org_json(&lock(&state), &state.base, &org)
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
    as_org_admin(&state, &actor, &org, |world| {
        if let Some(permission) = &change.default_repository_permission
            && !["read", "write", "admin", "none"].contains(&permission.as_str())
        {
            return not_in_list("Organization", "default_repository_permission");
        }
        let Some(found) = world.orgs.get_mut(&org) else {
            return not_found();
        };
        let profile = &mut found.profile;
        patch([
            (&mut profile.billing_email, change.billing_email.map(Some)),
            (&mut profile.company, change.company.map(Some)),
            (&mut profile.email, change.email.map(Some)),
            (&mut profile.name, change.name.map(Some)),
            (&mut profile.description, change.description.map(Some)),
            (&mut profile.location, change.location.map(Some)),
        ]);
        patch([
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
        ]);
        patch([(
            &mut profile.default_repository_permission,
            change.default_repository_permission,
        )]);
        org_json(world, &state.base, &org)
    })
}

#[derive(Deserialize)]
struct RoleQuery {
    role: Option<String>,
}

/// `?role=all|admin|member` (default `all`).
async fn list_members(
    Path(org): Path<String>,
    Query(query): Query<RoleQuery>,
    list: Listing,
) -> Response {
    let world = list.world();
    let Some(found) = world.orgs.get(&org) else {
        return not_found();
    };
    let Some(role) = pick(query.role, "all", &["all", "admin", "member"]) else {
        return not_in_list("Organization", "role");
    };
    list.page(users_in_role(
        &world,
        list.base(),
        &found.members,
        &found.admins,
        &role,
    ))
}

/// The users of `members` in `role`: `all`, `member` (those not in `elevated`), or the elevated
/// role (those in `elevated`: an org's admins, a team's maintainers).
fn users_in_role(
    world: &World,
    base: &str,
    members: &BTreeSet<String>,
    elevated: &BTreeSet<String>,
    role: &str,
) -> Vec<Value> {
    members
        .iter()
        .filter(|m| match role {
            "all" => true,
            "member" => !elevated.contains(*m),
            _ => elevated.contains(*m),
        })
        .map(|m| shapes::user_by_login(world, base, m))
        .collect()
}

/// `org`'s pending invitations, or only those that name the team with `team_id`.
fn invitations(world: &World, base: &str, org: &str, team_id: Option<u64>) -> Option<Vec<Value>> {
    let found = world.orgs.get(org)?;
    let invitations = found.invitations.iter();
    Some(
        invitations
            .filter(|(_, i)| team_id.is_none_or(|id| i.teams.contains_key(&id)))
            .map(|(login, i)| shapes_admin::invitation(world, base, org, login, i))
            .collect(),
    )
}

async fn list_invitations(Path(org): Path<String>, list: Listing) -> Response {
    list.of(|world, base| invitations(world, base, &org, None))
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
    let role = body.and_then(|Json(b)| b.role);
    let Some(role) = pick(role, "member", &["admin", "member"]) else {
        return not_in_list("Membership", "role");
    };
    as_org_admin(&state, &actor, &org, |world| {
        match world.set_org_membership(&org, &user, role == "admin") {
            Ok(_) => membership_json(world, &state.base, &org, &user),
            Err(refusal) => refused("Membership", refusal),
        }
    })
}

async fn remove_membership(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, user)): Path<(String, String)>,
) -> Response {
    as_org_admin(&state, &actor, &org, |world| {
        no_content_or_404(world.remove_from_org(&org, &user))
    })
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

/// The team with `status`, or GitHub's 404 when it is not there.
fn team_response(world: &World, base: &str, org: &str, slug: &str, status: StatusCode) -> Response {
    match team_json(world, base, org, slug) {
        Some(team) => (status, Json(team)).into_response(),
        None => not_found(),
    }
}

async fn list_teams(Path(org): Path<String>, list: Listing) -> Response {
    list.of(|world, base| {
        let found = world.orgs.get(&org)?;
        let teams = found.teams.iter();
        Some(
            teams
                .map(|(slug, team)| shapes::team(base, &org, found, slug, team))
                .collect(),
        )
    })
}

async fn get_team(
    State(state): State<AppState>,
    Path((org, slug)): Path<(String, String)>,
) -> Response {
    team_response(&lock(&state), &state.base, &org, &slug, StatusCode::OK)
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

/// The fields a create or an edit of a team may carry, each checked for its type.
fn team_change(body: &Value) -> Result<TeamChange, Box<Response>> {
    Ok(TeamChange {
        name: text_field(body, "name")?,
        description: text_field(body, "description")?,
        privacy: text_field(body, "privacy")?,
        parent: parent_field(body)?,
    })
}

async fn create_team(
    State(state): State<AppState>,
    actor: Actor,
    Path(org): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let change = match team_change(&body) {
        Ok(change) => change,
        Err(response) => return *response,
    };
    let Some(name) = change.name else {
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
    as_org_admin(&state, &actor, &org, |world| {
        let new = NewTeam {
            name,
            description: change.description,
            privacy: change.privacy,
            parent: change.parent.flatten(),
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
        team_response(world, &state.base, &org, &slug, StatusCode::CREATED)
    })
}

async fn edit_team(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, slug)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let change = match team_change(&body) {
        Ok(change) => change,
        Err(response) => return *response,
    };
    as_org_admin(&state, &actor, &org, |world| {
        match world.edit_team(&org, &slug, change) {
            Ok(slug) => team_response(world, &state.base, &org, &slug, StatusCode::OK),
            Err(refusal) => refused("Team", refusal),
        }
    })
}

async fn delete_team(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, slug)): Path<(String, String)>,
) -> Response {
    as_org_admin(&state, &actor, &org, |world| {
        no_content_or_404(world.delete_team(&org, &slug))
    })
}

/// `?role=member|maintainer|all` (default `all`), as GitHub filters team members.
async fn team_members(
    Path((org, slug)): Path<(String, String)>,
    Query(query): Query<RoleQuery>,
    list: Listing,
) -> Response {
    let world = list.world();
    let Some(team) = world.team(&org, &slug) else {
        return not_found();
    };
    let Some(role) = pick(query.role, "all", &["all", "member", "maintainer"]) else {
        return not_in_list("Team", "role");
    };
    list.page(users_in_role(
        &world,
        list.base(),
        &team.members,
        &team.maintainers,
        &role,
    ))
}

async fn team_invitations(Path((org, slug)): Path<(String, String)>, list: Listing) -> Response {
    list.of(|world, base| {
        let team = world.team(&org, &slug)?;
        invitations(world, base, &org, Some(team.id))
    })
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

/// GitHub's 404 for a team that does not exist, else its 403 unless `actor` maintains the team
/// (maintainers may manage their team's members) or administers the org.
fn team_admin(world: &World, actor: &Actor, org: &str, slug: &str) -> Result<(), Box<Response>> {
    let Some(team) = world.team(org, slug) else {
        return Err(Box::new(not_found()));
    };
    if team.maintainers.contains(&actor.login) {
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
    let role = body.and_then(|Json(b)| b.role);
    let Some(role) = pick(role, "member", &["maintainer", "member"]) else {
        return not_in_list("TeamMember", "role");
    };
    let check = |world: &World| team_admin(world, &actor, &org, &slug);
    checked(&state, check, |world| {
        match world.set_team_membership(&org, &slug, &user, role == "maintainer") {
            Ok(_) => team_membership_json(world, &state.base, &org, &slug, &user),
            Err(refusal) => refused("TeamMember", refusal),
        }
    })
}

async fn remove_team_membership(
    State(state): State<AppState>,
    actor: Actor,
    Path((org, slug, user)): Path<(String, String, String)>,
) -> Response {
    let check = |world: &World| team_admin(world, &actor, &org, &slug);
    checked(&state, check, |world| {
        no_content_or_404(world.remove_team_member(&org, &slug, &user))
    })
}

async fn team_repos(Path((org, slug)): Path<(String, String)>, list: Listing) -> Response {
    list.of(|world, base| {
        let team = world.team(&org, &slug)?;
        let repos = team.repos.iter().filter_map(|(name, permission)| {
            let repo = world.repo(&format!("{org}/{name}"))?;
            Some(shapes_admin::team_repo(world, base, repo, permission))
        });
        Some(repos.collect())
    })
}

/// 204 when the team has access to the repository, else 404.
async fn get_team_repo(
    State(state): State<AppState>,
    Path((org, slug, owner, repo)): Path<(String, String, String, String)>,
) -> Response {
    let world = lock(&state);
    let team = world.team(&org, &slug);
    no_content_or_404(owner == org && team.is_some_and(|t| t.repos.contains_key(&repo)))
}

#[derive(Deserialize, Default)]
struct PermissionBody {
    permission: Option<String>,
}

/// GitHub's 404 unless both the team and the repository exist, else its 403 unless `actor`
/// administers the org.
fn team_repo_admin(
    world: &World,
    actor: &Actor,
    (org, slug, owner, repo): &(String, String, String, String),
) -> Result<(), Box<Response>> {
    if world.team(org, slug).is_none() || world.repo(&format!("{owner}/{repo}")).is_none() {
        return Err(Box::new(not_found()));
    }
    actor.require_org_admin(world, org)
}

async fn set_team_repo(
    State(state): State<AppState>,
    actor: Actor,
    Path(at): Path<(String, String, String, String)>,
    body: Option<Json<PermissionBody>>,
) -> Response {
    let permission = body.and_then(|Json(b)| b.permission);
    let allowed = ["pull", "triage", "push", "maintain", "admin"];
    let Some(permission) = pick(permission, "push", &allowed) else {
        return not_in_list("Team", "permission");
    };
    checked(
        &state,
        |world| team_repo_admin(world, &actor, &at),
        |world| {
            let (org, slug, owner, repo) = &at;
            if owner != org {
                return validation_failed(
                    "Team",
                    "repository",
                    "The repository must be owned by the team's organization",
                );
            }
            world.add_team_repo(org, slug, repo, &permission);
            StatusCode::NO_CONTENT.into_response()
        },
    )
}

async fn remove_team_repo(
    State(state): State<AppState>,
    actor: Actor,
    Path(at): Path<(String, String, String, String)>,
) -> Response {
    checked(
        &state,
        |world| team_repo_admin(world, &actor, &at),
        |world| {
            let (org, slug, _, repo) = &at;
            if let Some(team) = world.team_mut(org, slug) {
                team.repos.remove(repo);
            }
            StatusCode::NO_CONTENT.into_response()
        },
    )
}
