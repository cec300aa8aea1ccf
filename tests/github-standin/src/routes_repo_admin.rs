//! Repository administration as peribolos and branchprotector call it: an org's repositories,
//! creating and editing one (renaming moves it), its branches with their protection flag, and
//! branch protection set in GitHub's `PUT` shape and read back in its `GET` shape, with signed
//! commits a separate switch. Changes need admin on the repository ([`crate::actor`]).

use crate::AppState;
use crate::actor::Actor;
use crate::routes::{error, not_found, validation_failed};
use crate::routes_admin::{Listing, as_org_admin, checked, invalid_request, patch, refused};
use crate::shapes;
use crate::shapes_admin;
use crate::world::{Permission, Repo, World};
use crate::world_admin::{
    BranchProtection, PeopleAndTeams, Refusal, RequiredReviews, RequiredStatusChecks, Restrictions,
};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org}/repos", get(org_repos).post(create_repo))
        .route("/repos/{owner}/{repo}/branches", get(list_branches))
        .route(
            "/repos/{owner}/{repo}/branches/{branch}/protection",
            get(get_protection)
                .put(put_protection)
                .delete(delete_protection),
        )
        .route(
            "/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures",
            get(signatures).post(signatures).delete(signatures),
        )
}

/// A branch name as a URL path segment.
pub(crate) fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `GET /orgs/{org}/repos`: every repository the org owns.
async fn org_repos(Path(org): Path<String>, list: Listing) -> Response {
    list.of(|world, base| {
        let repos = world.repos.values().filter(|r| r.owner == org);
        world
            .orgs
            .contains_key(&org)
            .then(|| repos.map(|r| shapes::repo(world, base, r)).collect())
    })
}

/// The settings a create or an edit may carry; `None` leaves a setting as it is.
#[derive(Deserialize, Default)]
pub(crate) struct RepoBody {
    name: Option<String>,
    description: Option<String>,
    homepage: Option<String>,
    private: Option<bool>,
    visibility: Option<String>,
    has_issues: Option<bool>,
    has_projects: Option<bool>,
    has_wiki: Option<bool>,
    allow_squash_merge: Option<bool>,
    allow_merge_commit: Option<bool>,
    allow_rebase_merge: Option<bool>,
    default_branch: Option<String>,
    archived: Option<bool>,
}

impl RepoBody {
    /// GitHub's refusals, checked before anything changes.
    fn check(&self, repo: Option<&Repo>) -> Result<(), Refusal> {
        if let Some(visibility) = &self.visibility
            && !["public", "private", "internal"].contains(&visibility.as_str())
        {
            return Err(Refusal::invalid(
                "visibility",
                "visibility is not included in the list",
            ));
        }
        let Some(repo) = repo else {
            return Ok(());
        };
        if let Some(branch) = &self.default_branch
            && !repo.branches.contains_key(branch)
        {
            return Err(Refusal::invalid(
                "default_branch",
                format!(
                    "The branch {branch} was not found. Please push that ref first or create it via the Git Data API."
                ),
            ));
        }
        if self.archived == Some(false) && repo.settings.archived {
            return Err(Refusal::invalid(
                "archived",
                "Repository cannot be unarchived through the API",
            ));
        }
        Ok(())
    }

    fn apply(self, repo: &mut Repo) {
        let settings = &mut repo.settings;
        patch([
            (&mut settings.description, self.description.map(Some)),
            (&mut settings.homepage, self.homepage.map(Some)),
        ]);
        match self.visibility.as_deref() {
            Some("public") => (repo.private, settings.internal) = (false, false),
            Some("private") => (repo.private, settings.internal) = (true, false),
            Some("internal") => (repo.private, settings.internal) = (true, true),
            _ => {
                if let Some(private) = self.private {
                    (repo.private, settings.internal) = (private, false);
                }
            }
        }
        patch([
            (&mut settings.has_issues, self.has_issues),
            (&mut settings.has_projects, self.has_projects),
            (&mut settings.has_wiki, self.has_wiki),
            (&mut settings.allow_squash_merge, self.allow_squash_merge),
            (&mut settings.allow_merge_commit, self.allow_merge_commit),
            (&mut settings.allow_rebase_merge, self.allow_rebase_merge),
            (&mut settings.archived, self.archived),
        ]);
        patch([(&mut repo.default_branch, self.default_branch)]);
    }
}

/// `POST /orgs/{org}/repos`: a new repository with one commit on `main`.
async fn create_repo(
    State(state): State<AppState>,
    actor: Actor,
    Path(org): Path<String>,
    Json(mut body): Json<RepoBody>,
) -> Response {
    let Some(name) = body.name.take().filter(|n| !n.is_empty()) else {
        return validation_failed("Repository", "name", "name is missing");
    };
    // Not settings of a new repository.
    (body.default_branch, body.archived) = (None, None);
    as_org_admin(&state, &actor, &org, |world| {
        let full = format!("{org}/{name}");
        if world.repo(&full).is_some() {
            return validation_failed("Repository", "name", "name already exists on this account");
        }
        if let Err(refusal) = body.check(None) {
            return refused("Repository", refusal);
        }
        world.add_repo(&full);
        if let Some(repo) = world.repos.get_mut(&full) {
            body.apply(repo);
        }
        repo_response(world, &state.base, &full, StatusCode::CREATED)
    })
}

/// The repository with `status`, or GitHub's 404 when it is not there.
fn repo_response(world: &World, base: &str, full: &str, status: StatusCode) -> Response {
    match world.repo(full) {
        Some(repo) => (status, Json(shapes::repo(world, base, repo))).into_response(),
        None => not_found(),
    }
}

/// GitHub's 404 for a repository that does not exist, else its 403 unless `actor` administers
/// it.
fn repo_admin(world: &World, actor: &Actor, full: &str) -> Result<(), Box<Response>> {
    if world.repo(full).is_none() {
        return Err(Box::new(not_found()));
    }
    actor.require(world, full, Permission::Admin)
}

/// `PATCH /repos/{owner}/{repo}`: changes its settings; a new name moves it.
pub(crate) async fn edit_repo(
    State(state): State<AppState>,
    actor: Actor,
    Path((owner, repo)): Path<(String, String)>,
    Json(mut body): Json<RepoBody>,
) -> Response {
    let full = format!("{owner}/{repo}");
    checked(
        &state,
        |world| repo_admin(world, &actor, &full),
        |world| {
            if let Err(refusal) = body.check(world.repo(&full)) {
                return refused("Repository", refusal);
            }
            let full = match body.name.take().filter(|n| *n != repo) {
                Some(name) => match world.rename_repo(&full, &name) {
                    Ok(renamed) => renamed,
                    Err(refusal) => return refused("Repository", refusal),
                },
                None => full.clone(),
            };
            if let Some(found) = world.repos.get_mut(&full) {
                body.apply(found);
            }
            repo_response(world, &state.base, &full, StatusCode::OK)
        },
    )
}

#[derive(Deserialize)]
struct BranchQuery {
    protected: Option<bool>,
}

/// `GET /repos/{o}/{r}/branches`, `?protected=true|false` keeping only those that are or are
/// not protected.
async fn list_branches(
    Path((owner, repo)): Path<(String, String)>,
    Query(query): Query<BranchQuery>,
    list: Listing,
) -> Response {
    list.of(|world, base| {
        let found = world.repo(&format!("{owner}/{repo}"))?;
        let branches = found.branches.iter().filter(|(name, _)| {
            query
                .protected
                .is_none_or(|p| p == found.protection.contains_key(*name))
        });
        Some(
            branches
                .map(|(name, sha)| shapes_admin::branch(base, found, name, sha))
                .collect(),
        )
    })
}

/// GitHub's 404 for a repository or branch that does not exist (`Branch not found` for the
/// latter), else its 403 unless `actor` administers the repository.
fn branch_admin(
    world: &World,
    actor: &Actor,
    full: &str,
    branch: &str,
) -> Result<(), Box<Response>> {
    let Some(repo) = world.repo(full) else {
        return Err(Box::new(not_found()));
    };
    if !repo.branches.contains_key(branch) {
        return Err(Box::new(error(StatusCode::NOT_FOUND, "Branch not found")));
    }
    actor.require(world, full, Permission::Admin)
}

/// A read or a change of `branch`'s protection, which needs admin on the repository.
fn as_branch_admin(
    state: &AppState,
    actor: &Actor,
    (owner, repo, branch): &(String, String, String),
    change: impl FnOnce(&mut World, &str) -> Response,
) -> Response {
    let full = format!("{owner}/{repo}");
    checked(
        state,
        |world| branch_admin(world, actor, &full, branch),
        |world| change(world, &full),
    )
}

fn not_protected() -> Response {
    error(StatusCode::NOT_FOUND, "Branch not protected")
}

fn protection_json(world: &World, base: &str, full: &str, branch: &str) -> Response {
    let Some(repo) = world.repo(full) else {
        return not_found();
    };
    match repo.protection.get(branch) {
        Some(protection) => Json(shapes_admin::protection(
            world, base, repo, branch, protection,
        ))
        .into_response(),
        None => not_protected(),
    }
}

async fn get_protection(
    State(state): State<AppState>,
    actor: Actor,
    Path(at): Path<(String, String, String)>,
) -> Response {
    as_branch_admin(&state, &actor, &at, |world, full| {
        protection_json(world, &state.base, full, &at.2)
    })
}

async fn put_protection(
    State(state): State<AppState>,
    actor: Actor,
    Path(at): Path<(String, String, String)>,
    Json(body): Json<Value>,
) -> Response {
    as_branch_admin(&state, &actor, &at, |world, full| {
        let (owner, _, branch) = &at;
        let previous = world.branch_protection(full, branch).cloned();
        let mut protection = match from_put(&body, previous.as_ref()) {
            Ok(protection) => protection,
            Err(detail) => return invalid_request(&detail),
        };
        if protection.restrictions.is_some() && !world.orgs.contains_key(owner) {
            return validation_failed(
                "Branch",
                "restrictions",
                "Only organization repositories can have users and team restrictions",
            );
        }
        protection.required_signatures = previous.is_some_and(|p| p.required_signatures);
        world.protect_branch(full, branch, protection);
        protection_json(world, &state.base, full, branch)
    })
}

async fn delete_protection(
    State(state): State<AppState>,
    actor: Actor,
    Path(at): Path<(String, String, String)>,
) -> Response {
    as_branch_admin(&state, &actor, &at, |world, full| {
        let repo = world.repos.get_mut(full);
        match repo.and_then(|r| r.protection.remove(&at.2)) {
            Some(_) => StatusCode::NO_CONTENT.into_response(),
            None => not_protected(),
        }
    })
}

/// Whether signed commits are required on a protected branch: `GET` reads it, `POST` turns it
/// on and `DELETE` off.
async fn signatures(
    State(state): State<AppState>,
    method: Method,
    actor: Actor,
    Path(at): Path<(String, String, String)>,
) -> Response {
    let set = match method {
        Method::POST => Some(true),
        Method::DELETE => Some(false),
        _ => None,
    };
    as_branch_admin(&state, &actor, &at, |world, full| {
        let branch = &at.2;
        let Some(protection) = world
            .repos
            .get_mut(full)
            .and_then(|r| r.protection.get_mut(branch))
        else {
            return not_protected();
        };
        if let Some(enabled) = set {
            protection.required_signatures = enabled;
            if !enabled {
                return StatusCode::NO_CONTENT.into_response();
            }
        }
        Json(json!({
            "url": format!("{}/repos/{full}/branches/{}/protection/required_signatures", state.base, encode(branch)),
            "enabled": protection.required_signatures,
        }))
        .into_response()
    })
}

/// A protection from GitHub's `PUT` body, or the detail of GitHub's `Invalid request.`. The
/// four sections must all be given (`null` turns one off); push restrictions without `apps`
/// keep the apps of `previous`.
pub(crate) fn from_put(
    body: &Value,
    previous: Option<&BranchProtection>,
) -> Result<BranchProtection, String> {
    for key in [
        "required_status_checks",
        "enforce_admins",
        "required_pull_request_reviews",
        "restrictions",
    ] {
        if body.get(key).is_none() {
            return Err(format!("\"{key}\" wasn't supplied."));
        }
    }
    let flag = |key: &str| -> Result<bool, String> {
        match &body[key] {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(*b),
            other => Err(format!(
                "For 'properties/{key}', {other} is not a boolean or null."
            )),
        }
    };
    let checks = match &body["required_status_checks"] {
        Value::Null => None,
        Value::Object(_) => Some(status_checks(&body["required_status_checks"])?),
        other => {
            return Err(format!(
                "For 'properties/required_status_checks', {other} is not an object or null."
            ));
        }
    };
    let reviews = match &body["required_pull_request_reviews"] {
        Value::Null => None,
        Value::Object(_) => Some(pull_request_reviews(
            &body["required_pull_request_reviews"],
        )?),
        other => {
            return Err(format!(
                "For 'properties/required_pull_request_reviews', {other} is not an object or null."
            ));
        }
    };
    let restrictions = match &body["restrictions"] {
        Value::Null => None,
        Value::Object(fields) => {
            for key in ["users", "teams"] {
                if !fields.contains_key(key) {
                    return Err(format!("\"{key}\" wasn't supplied."));
                }
            }
            let apps = match fields.get("apps") {
                Some(apps) => strings(apps, "restrictions/apps")?,
                None => previous
                    .and_then(|p| p.restrictions.as_ref())
                    .map(|r| r.apps.clone())
                    .unwrap_or_default(),
            };
            Some(Restrictions {
                users: strings(&fields["users"], "restrictions/users")?,
                teams: strings(&fields["teams"], "restrictions/teams")?,
                apps,
            })
        }
        other => {
            return Err(format!(
                "For 'properties/restrictions', {other} is not an object or null."
            ));
        }
    };
    Ok(BranchProtection {
        required_status_checks: checks,
        enforce_admins: flag("enforce_admins")?,
        required_pull_request_reviews: reviews,
        restrictions,
        required_linear_history: flag("required_linear_history")?,
        allow_force_pushes: flag("allow_force_pushes")?,
        allow_deletions: flag("allow_deletions")?,
        required_signatures: false,
        put_body: body.clone(),
    })
}

fn strings(value: &Value, at: &str) -> Result<Vec<String>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("For 'properties/{at}', {value} is not an array."))?;
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("For 'items', {item} is not a string."))
        })
        .collect()
}

fn status_checks(section: &Value) -> Result<RequiredStatusChecks, String> {
    let Some(strict) = section.get("strict") else {
        return Err("\"strict\" wasn't supplied.".into());
    };
    let strict = strict
        .as_bool()
        .ok_or_else(|| format!("For 'properties/strict', {strict} is not a boolean."))?;
    let contexts = match (section.get("contexts"), section.get("checks")) {
        (Some(contexts), _) => strings(contexts, "contexts")?,
        (None, Some(checks)) => checks
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["context"].as_str().map(str::to_string))
            .collect(),
        (None, None) => return Err("\"contexts\" wasn't supplied.".into()),
    };
    Ok(RequiredStatusChecks { strict, contexts })
}

/// A `dismissal_restrictions` or `bypass_pull_request_allowances` object: `{}` (or none) names
/// nobody, which turns the restriction off.
fn people(section: &Value, key: &str) -> Result<Option<PeopleAndTeams>, String> {
    match section.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(fields)) if fields.is_empty() => Ok(None),
        Some(Value::Object(fields)) => Ok(Some(PeopleAndTeams {
            users: fields
                .get("users")
                .map(|u| strings(u, &format!("{key}/users")))
                .transpose()?
                .unwrap_or_default(),
            teams: fields
                .get("teams")
                .map(|t| strings(t, &format!("{key}/teams")))
                .transpose()?
                .unwrap_or_default(),
        })),
        Some(other) => Err(format!("For 'properties/{key}', {other} is not an object.")),
    }
}

fn pull_request_reviews(section: &Value) -> Result<RequiredReviews, String> {
    let flag = |key: &str| section.get(key).and_then(Value::as_bool).unwrap_or(false);
    let count = match section.get("required_approving_review_count") {
        None | Some(Value::Null) => 0,
        Some(count) => count
            .as_u64()
            .filter(|c| *c <= 6)
            .ok_or_else(|| {
                format!(
                    "For 'properties/required_approving_review_count', {count} is not an integer from 0 to 6."
                )
            })?,
    };
    Ok(RequiredReviews {
        dismissal_restrictions: people(section, "dismissal_restrictions")?,
        dismiss_stale_reviews: flag("dismiss_stale_reviews"),
        require_code_owner_reviews: flag("require_code_owner_reviews"),
        required_approving_review_count: u32::try_from(count).unwrap_or(6),
        bypass_pull_request_allowances: people(section, "bypass_pull_request_allowances")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_put_without_a_section_is_refused_as_github_does() {
        let body =
            json!({"required_status_checks": null, "enforce_admins": true, "restrictions": null});
        assert_eq!(
            from_put(&body, None).unwrap_err(),
            "\"required_pull_request_reviews\" wasn't supplied."
        );
    }

    #[test]
    fn restrictions_without_apps_keep_the_apps_they_had() {
        let previous = BranchProtection {
            restrictions: Some(Restrictions {
                apps: vec!["ci".into()],
                ..Restrictions::default()
            }),
            ..BranchProtection::default()
        };
        let body = json!({
            "required_status_checks": {"strict": true, "contexts": ["build"]},
            "enforce_admins": null,
            "required_pull_request_reviews": {"dismissal_restrictions": {}, "required_approving_review_count": 2},
            "restrictions": {"users": ["alice"], "teams": []},
        });
        let protection = from_put(&body, Some(&previous)).unwrap();
        assert_eq!(protection.restrictions.unwrap().apps, ["ci"]);
        let reviews = protection.required_pull_request_reviews.unwrap();
        assert_eq!(reviews.dismissal_restrictions, None);
        assert_eq!(reviews.required_approving_review_count, 2);
        assert_eq!(
            protection.required_status_checks.unwrap().contexts,
            ["build"]
        );
    }
}
