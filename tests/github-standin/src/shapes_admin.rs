//! GitHub's JSON shapes for the org administration endpoints: an org, memberships, invitations,
//! a team's repositories, branches and branch protection (in GitHub's `GET` shape, whatever
//! shape it was set in).

use crate::shapes::{team_simple, user_by_login};
use crate::world::{Org, Repo, World, timestamp};
use crate::world_admin::{BranchProtection, Invitation, PeopleAndTeams, permission_rank};
use serde_json::{Value, json};

/// The org as its admins see it (GitHub's `organization-full`).
pub(crate) fn org(world: &World, base: &str, login: &str, org: &Org) -> Value {
    let api = format!("{base}/orgs/{login}");
    let profile = &org.profile;
    let repos = world.repos.values().filter(|r| r.owner == login);
    let (private, public) = repos.fold((0, 0), |(private, public), r| {
        if r.private {
            (private + 1, public)
        } else {
            (private, public + 1)
        }
    });
    json!({
        "login": login,
        "id": org.id,
        "node_id": format!("O_{}", org.id),
        "url": api,
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events"),
        "hooks_url": format!("{api}/hooks"),
        "issues_url": format!("{api}/issues"),
        "members_url": format!("{api}/members{{/member}}"),
        "public_members_url": format!("{api}/public_members{{/member}}"),
        "avatar_url": format!("{base}/avatars/{login}"),
        "description": profile.description,
        "name": profile.name,
        "company": profile.company,
        "blog": null,
        "location": profile.location,
        "email": profile.email,
        "twitter_username": null,
        "is_verified": false,
        "has_organization_projects": profile.has_organization_projects,
        "has_repository_projects": profile.has_repository_projects,
        "public_repos": public,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "html_url": format!("{base}/{login}"),
        "created_at": timestamp(1_767_225_600),
        "updated_at": timestamp(1_767_225_600),
        "archived_at": null,
        "type": "Organization",
        "total_private_repos": private,
        "owned_private_repos": private,
        "private_gists": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "billing_email": profile.billing_email,
        "plan": {"name": "free", "space": 976_562_499, "private_repos": 10_000, "filled_seats": org.members.len(), "seats": org.members.len()},
        "default_repository_permission": profile.default_repository_permission,
        "members_can_create_repositories": profile.members_can_create_repositories,
        "two_factor_requirement_enabled": false,
        "members_allowed_repository_creation_type": if profile.members_can_create_repositories { "all" } else { "none" },
        "members_can_create_public_repositories": profile.members_can_create_repositories,
        "members_can_create_private_repositories": profile.members_can_create_repositories,
        "members_can_create_internal_repositories": false,
        "members_can_create_pages": true,
        "members_can_fork_private_repositories": false,
        "web_commit_signoff_required": false
    })
}

/// `login`'s membership of `org` (GitHub's `org-membership`).
pub(crate) fn org_membership(
    world: &World,
    base: &str,
    org_login: &str,
    login: &str,
    state: &str,
    admin: bool,
) -> Value {
    json!({
        "url": format!("{base}/orgs/{org_login}/memberships/{login}"),
        "state": state,
        "role": if admin { "admin" } else { "member" },
        "organization_url": format!("{base}/orgs/{org_login}"),
        "organization": {
            "login": org_login,
            "id": world.orgs.get(org_login).map_or(0, |o| o.id),
            "url": format!("{base}/orgs/{org_login}"),
            "avatar_url": format!("{base}/avatars/{org_login}"),
            "description": null
        },
        "user": user_by_login(world, base, login)
    })
}

/// A pending invitation (GitHub's `organization-invitation`).
pub(crate) fn invitation(
    world: &World,
    base: &str,
    org_login: &str,
    login: &str,
    invitation: &Invitation,
) -> Value {
    json!({
        "id": invitation.id,
        "node_id": format!("OI_{}", invitation.id),
        "login": login,
        "email": null,
        "role": invitation.role,
        "created_at": timestamp(1_767_225_600),
        "failed_at": null,
        "failed_reason": null,
        "inviter": user_by_login(world, base, &world.bot),
        "team_count": invitation.teams.len(),
        "invitation_teams_url": format!("{base}/organizations/{org_login}/invitations/{}/teams", invitation.id),
        "invitation_source": "member"
    })
}

/// A repository as a team's list shows it: with the team's permissions on it.
pub(crate) fn team_repo(world: &World, base: &str, repo: &Repo, permission: &str) -> Value {
    let rank = permission_rank(permission);
    let mut value = crate::shapes::repo(world, base, repo);
    value["permissions"] = json!({
        "admin": rank >= 4,
        "maintain": rank >= 3,
        "push": rank >= 2,
        "triage": rank >= 1,
        "pull": true,
    });
    value["role_name"] = json!(match permission {
        "push" => "write",
        "pull" => "read",
        other => other,
    });
    value
}

/// A branch as `GET /repos/{o}/{r}/branches` lists it.
pub(crate) fn branch(base: &str, repo: &Repo, name: &str, sha: &str) -> Value {
    let full = repo.full_name();
    let protected = repo.protection.contains_key(name);
    let checks = repo
        .protection
        .get(name)
        .and_then(|p| p.required_status_checks.as_ref());
    json!({
        "name": name,
        "commit": {"sha": sha, "url": format!("{base}/repos/{full}/commits/{sha}")},
        "protected": protected,
        "protection": {
            "enabled": protected,
            "required_status_checks": {
                "enforcement_level": if checks.is_some() { "non_admins" } else { "off" },
                "contexts": checks.map(|c| c.contexts.clone()).unwrap_or_default(),
                "checks": checks.map(|c| c.contexts.iter().map(|ctx| json!({"context": ctx, "app_id": null})).collect::<Vec<_>>()).unwrap_or_default()
            }
        },
        "protection_url": format!("{base}/repos/{full}/branches/{}/protection", crate::routes_repo_admin::encode(name))
    })
}

/// GitHub's `enabled` flag object.
fn flag(url: Option<String>, enabled: bool) -> Value {
    match url {
        Some(url) => json!({"url": url, "enabled": enabled}),
        None => json!({"enabled": enabled}),
    }
}

fn people_and_teams(
    world: &World,
    base: &str,
    org: &str,
    url: &str,
    people: &PeopleAndTeams,
) -> Value {
    json!({
        "url": url,
        "users_url": format!("{url}/users"),
        "teams_url": format!("{url}/teams"),
        "users": people.users.iter().map(|u| user_by_login(world, base, u)).collect::<Vec<_>>(),
        "teams": teams(world, base, org, &people.teams),
        "apps": []
    })
}

fn teams(world: &World, base: &str, org: &str, slugs: &[String]) -> Vec<Value> {
    slugs
        .iter()
        .map(|slug| {
            world
                .orgs
                .get(org)
                .and_then(|o| o.teams.get(slug))
                .map_or_else(
                    || json!({"slug": slug, "name": slug}),
                    |t| team_simple(base, org, slug, t),
                )
        })
        .collect()
}

fn app(base: &str, slug: &str) -> Value {
    json!({"slug": slug, "name": slug, "html_url": format!("{base}/apps/{slug}"), "owner": null})
}

/// A branch's protection in GitHub's `GET .../protection` shape: sections not set are absent.
pub(crate) fn protection(
    world: &World,
    base: &str,
    repo: &Repo,
    branch: &str,
    protection: &BranchProtection,
) -> Value {
    let full = repo.full_name();
    let url = format!(
        "{base}/repos/{full}/branches/{}/protection",
        crate::routes_repo_admin::encode(branch)
    );
    let mut value = json!({
        "url": url,
        "enforce_admins": flag(Some(format!("{url}/enforce_admins")), protection.enforce_admins),
        "required_linear_history": flag(None, protection.required_linear_history),
        "allow_force_pushes": flag(None, protection.allow_force_pushes),
        "allow_deletions": flag(None, protection.allow_deletions),
        "block_creations": flag(None, false),
        "required_conversation_resolution": flag(None, false),
        "lock_branch": flag(None, false),
        "allow_fork_syncing": flag(None, false),
        "required_signatures": flag(Some(format!("{url}/required_signatures")), protection.required_signatures),
    });
    if let Some(checks) = &protection.required_status_checks {
        value["required_status_checks"] = json!({
            "url": format!("{url}/required_status_checks"),
            "strict": checks.strict,
            "contexts": checks.contexts,
            "contexts_url": format!("{url}/required_status_checks/contexts"),
            "checks": checks.contexts.iter().map(|c| json!({"context": c, "app_id": null})).collect::<Vec<_>>(),
        });
    }
    if let Some(reviews) = &protection.required_pull_request_reviews {
        let reviews_url = format!("{url}/required_pull_request_reviews");
        let mut section = json!({
            "url": reviews_url,
            "dismiss_stale_reviews": reviews.dismiss_stale_reviews,
            "require_code_owner_reviews": reviews.require_code_owner_reviews,
            "required_approving_review_count": reviews.required_approving_review_count,
            "require_last_push_approval": false,
        });
        if let Some(dismissal) = &reviews.dismissal_restrictions {
            section["dismissal_restrictions"] = people_and_teams(
                world,
                base,
                &repo.owner,
                &format!("{url}/dismissal_restrictions"),
                dismissal,
            );
        }
        if let Some(bypass) = &reviews.bypass_pull_request_allowances {
            let mut allowances = people_and_teams(world, base, &repo.owner, &reviews_url, bypass);
            if let Some(fields) = allowances.as_object_mut() {
                fields.retain(|key, _| ["users", "teams", "apps"].contains(&key.as_str()));
            }
            section["bypass_pull_request_allowances"] = allowances;
        }
        value["required_pull_request_reviews"] = section;
    }
    if let Some(restrictions) = &protection.restrictions {
        let restrictions_url = format!("{url}/restrictions");
        value["restrictions"] = json!({
            "url": restrictions_url,
            "users_url": format!("{restrictions_url}/users"),
            "teams_url": format!("{restrictions_url}/teams"),
            "apps_url": format!("{restrictions_url}/apps"),
            "users": restrictions.users.iter().map(|u| user_by_login(world, base, u)).collect::<Vec<_>>(),
            "teams": teams(world, base, &repo.owner, &restrictions.teams),
            "apps": restrictions.apps.iter().map(|a| app(base, a)).collect::<Vec<_>>(),
        });
    }
    value
}
