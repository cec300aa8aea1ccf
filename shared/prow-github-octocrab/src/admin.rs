//! The org administration port ([`GitHubOrgAdmin`]) for peribolos and branchprotector: each
//! method one endpoint of [`crate::endpoints`], and the translation between the port's types and
//! GitHub's wire shapes (branch protection is read in one shape and set in another).

use crate::OctocrabGitHub;
use crate::client::json;
use crate::endpoints::{self as ep, Endpoint};
use crate::segment;
use crate::transport::decode;
use prow_ports::github::{GitHubClient, GitHubError, GitHubFuture, Permission, RepoRef};
use prow_ports::github_admin::{
    BranchInfo, BranchProtectionSettings, GitHubOrgAdmin, MembershipState, NewTeam, OrgMetadata,
    OrgRole, PeopleAndTeams, PushRestrictions, RepoEdit, RepoSettings, RequiredChecks,
    RequiredReviews, TeamEdit, TeamInfo, TeamRole,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A user as lists name them.
#[derive(Deserialize)]
struct Login {
    login: String,
}

/// A team or an App as protection rules name them.
#[derive(Deserialize)]
struct Slug {
    slug: String,
}

/// An org or team invitation: email invitations have no login.
#[derive(Deserialize)]
struct InvitationWire {
    #[serde(default)]
    login: Option<String>,
}

#[derive(Deserialize)]
struct MembershipWire {
    #[serde(default)]
    state: String,
}

impl MembershipWire {
    fn state(&self) -> MembershipState {
        if self.state == "pending" {
            MembershipState::Pending
        } else {
            MembershipState::Active
        }
    }
}

#[derive(Deserialize)]
struct TeamWire {
    id: u64,
    slug: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    privacy: Option<String>,
    #[serde(default)]
    parent: Option<ParentWire>,
}

#[derive(Deserialize)]
struct ParentWire {
    id: u64,
}

impl From<TeamWire> for TeamInfo {
    fn from(team: TeamWire) -> TeamInfo {
        TeamInfo {
            id: team.id,
            slug: team.slug,
            name: team.name,
            description: team.description.unwrap_or_default(),
            privacy: team.privacy.unwrap_or_default(),
            parent: team.parent.map(|p| p.id),
        }
    }
}

#[derive(Deserialize)]
struct TeamRepoWire {
    name: String,
    #[serde(default)]
    permissions: Option<PermissionsWire>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PermissionsWire {
    admin: bool,
    maintain: bool,
    push: bool,
    triage: bool,
    pull: bool,
}

impl PermissionsWire {
    /// The highest permission granted, if any is.
    fn highest(&self) -> Option<Permission> {
        [
            (self.admin, Permission::Admin),
            (self.maintain, Permission::Maintain),
            (self.push, Permission::Write),
            (self.triage, Permission::Triage),
            (self.pull, Permission::Read),
        ]
        .into_iter()
        .find_map(|(granted, permission)| granted.then_some(permission))
    }
}

#[derive(Deserialize)]
struct BranchWire {
    name: String,
    #[serde(default)]
    protected: bool,
}

/// GitHub's `{"enabled": bool}`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Enabled {
    enabled: bool,
}

/// `GET .../protection`: sections not set are absent (or `null`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct ProtectionWire {
    required_status_checks: Option<ChecksWire>,
    enforce_admins: Option<Enabled>,
    required_pull_request_reviews: Option<ReviewsWire>,
    restrictions: Option<RestrictionsWire>,
    required_linear_history: Option<Enabled>,
    allow_force_pushes: Option<Enabled>,
    allow_deletions: Option<Enabled>,
    required_signatures: Option<Enabled>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChecksWire {
    strict: bool,
    contexts: Vec<String>,
    checks: Vec<CheckWire>,
}

#[derive(Deserialize)]
struct CheckWire {
    context: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewsWire {
    dismissal_restrictions: Option<PeopleWire>,
    dismiss_stale_reviews: bool,
    require_code_owner_reviews: bool,
    required_approving_review_count: u32,
    bypass_pull_request_allowances: Option<PeopleWire>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeopleWire {
    users: Vec<Login>,
    teams: Vec<Slug>,
}

impl From<PeopleWire> for PeopleAndTeams {
    fn from(people: PeopleWire) -> PeopleAndTeams {
        PeopleAndTeams {
            users: people.users.into_iter().map(|u| u.login).collect(),
            teams: people.teams.into_iter().map(|t| t.slug).collect(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RestrictionsWire {
    users: Vec<Login>,
    teams: Vec<Slug>,
    apps: Vec<Slug>,
}

impl From<ProtectionWire> for BranchProtectionSettings {
    fn from(wire: ProtectionWire) -> BranchProtectionSettings {
        let on = |flag: Option<Enabled>| flag.is_some_and(|f| f.enabled);
        BranchProtectionSettings {
            required_status_checks: wire.required_status_checks.map(|checks| RequiredChecks {
                strict: checks.strict,
                // `contexts` is deprecated in favour of `checks`; either may be all there is.
                contexts: if checks.contexts.is_empty() {
                    checks.checks.into_iter().map(|c| c.context).collect()
                } else {
                    checks.contexts
                },
            }),
            enforce_admins: on(wire.enforce_admins),
            required_pull_request_reviews: wire.required_pull_request_reviews.map(|reviews| {
                RequiredReviews {
                    dismissal_restrictions: reviews.dismissal_restrictions.map(Into::into),
                    dismiss_stale_reviews: reviews.dismiss_stale_reviews,
                    require_code_owner_reviews: reviews.require_code_owner_reviews,
                    required_approving_review_count: reviews.required_approving_review_count,
                    bypass_pull_request_allowances: reviews
                        .bypass_pull_request_allowances
                        .map(Into::into),
                }
            }),
            restrictions: wire.restrictions.map(|r| PushRestrictions {
                apps: Some(r.apps.into_iter().map(|a| a.slug).collect()),
                users: r.users.into_iter().map(|u| u.login).collect(),
                teams: r.teams.into_iter().map(|t| t.slug).collect(),
            }),
            required_linear_history: on(wire.required_linear_history),
            allow_force_pushes: on(wire.allow_force_pushes),
            allow_deletions: on(wire.allow_deletions),
            required_signatures: wire.required_signatures.map(|s| s.enabled),
        }
    }
}

/// `{}` turns a review restriction off; users and teams name who it allows.
fn people_body(people: Option<&PeopleAndTeams>) -> Value {
    match people {
        Some(people) => json!({"users": people.users, "teams": people.teams}),
        None => json!({}),
    }
}

/// GitHub's `PUT .../protection` body: every section given, `null` for one that is off.
fn protection_body(settings: &BranchProtectionSettings) -> Value {
    let checks = settings.required_status_checks.as_ref().map_or(
        Value::Null,
        |c| json!({"strict": c.strict, "contexts": c.contexts}),
    );
    let reviews = settings
        .required_pull_request_reviews
        .as_ref()
        .map_or(Value::Null, |r| {
            json!({
                "dismissal_restrictions": people_body(r.dismissal_restrictions.as_ref()),
                "dismiss_stale_reviews": r.dismiss_stale_reviews,
                "require_code_owner_reviews": r.require_code_owner_reviews,
                "required_approving_review_count": r.required_approving_review_count,
                "bypass_pull_request_allowances": people_body(r.bypass_pull_request_allowances.as_ref()),
            })
        });
    let restrictions = settings.restrictions.as_ref().map_or(Value::Null, |r| {
        let mut body = json!({"users": r.users, "teams": r.teams});
        if let Some(apps) = &r.apps {
            body["apps"] = json!(apps);
        }
        body
    });
    json!({
        "required_status_checks": checks,
        "enforce_admins": settings.enforce_admins,
        "required_pull_request_reviews": reviews,
        "restrictions": restrictions,
        "required_linear_history": settings.required_linear_history,
        "allow_force_pushes": settings.allow_force_pushes,
        "allow_deletions": settings.allow_deletions,
    })
}

/// A repository's settings, its visibility read from `private` where GitHub (an old Enterprise
/// server) does not say.
fn repo_settings(mut settings: RepoSettings) -> RepoSettings {
    if settings.visibility.is_empty() {
        settings.visibility = if settings.private {
            "private"
        } else {
            "public"
        }
        .to_string();
    }
    settings
}

/// The slug GitHub gives a team name (for what a dry run would have created).
fn slug_of(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

/// What a dry run answers for a team it did not create or change: the team as asked for, with
/// no id.
fn planned_team(
    slug: String,
    name: &str,
    description: Option<&str>,
    privacy: Option<&str>,
    parent: Option<u64>,
) -> TeamInfo {
    TeamInfo {
        id: 0,
        slug,
        name: name.to_string(),
        description: description.unwrap_or_default().to_string(),
        privacy: privacy.unwrap_or_default().to_string(),
        parent,
    }
}

fn logins(users: Vec<Login>) -> Vec<String> {
    users.into_iter().map(|u| u.login).collect()
}

fn invitees(invitations: Vec<InvitationWire>) -> Vec<String> {
    invitations
        .into_iter()
        .filter_map(|i| i.login.filter(|l| !l.is_empty()))
        .collect()
}

impl OctocrabGitHub {
    /// A change in `org`: GitHub's answer, or `None` in a dry run.
    async fn org_change(
        &self,
        endpoint: &Endpoint,
        org: &str,
        values: &[&str],
        body: Option<Value>,
    ) -> Result<Option<Vec<u8>>, GitHubError> {
        let path = endpoint.path(values);
        self.write(endpoint, &path, org, body).await
    }

    /// A change in `org` whose answer is not needed; `values` fill in the endpoint's path.
    fn org_write<'a>(
        &'a self,
        endpoint: &'static Endpoint,
        org: &'a str,
        values: Vec<String>,
        body: Option<Value>,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            self.org_change(endpoint, org, &values, body)
                .await
                .map(drop)
        })
    }

    /// A change to a team that answers with the team: that team, or `planned` in a dry run.
    async fn team_change<T: Serialize + Sync>(
        &self,
        endpoint: &Endpoint,
        org: &str,
        values: &[&str],
        change: &T,
        planned: TeamInfo,
    ) -> Result<TeamInfo, GitHubError> {
        let body = json(endpoint.route, change)?;
        match self.org_change(endpoint, org, values, Some(body)).await? {
            Some(answer) => Ok(decode::<TeamWire>(endpoint.route, &answer)?.into()),
            None => Ok(planned),
        }
    }

    /// A membership set with `role`: its state, or active in a dry run.
    async fn set_membership(
        &self,
        endpoint: &Endpoint,
        org: &str,
        values: &[&str],
        role: &str,
    ) -> Result<MembershipState, GitHubError> {
        let body = json!({"role": role});
        match self.org_change(endpoint, org, values, Some(body)).await? {
            Some(answer) => Ok(decode::<MembershipWire>(endpoint.route, &answer)?.state()),
            None => Ok(MembershipState::Active),
        }
    }
}

impl GitHubOrgAdmin for OctocrabGitHub {
    fn login(&self) -> GitHubFuture<'_, String> {
        Box::pin(async move { Ok(GitHubClient::bot_user(self).await?.login) })
    }

    fn org_metadata<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, OrgMetadata> {
        Box::pin(async move { self.get(&ep::ORG, &ep::ORG.path(&[org]), org).await })
    }

    fn edit_org<'a>(&'a self, org: &'a str, change: &'a OrgMetadata) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let body = json(ep::EDIT_ORG.route, change)?;
            let values = vec![org.to_string()];
            self.org_write(&ep::EDIT_ORG, org, values, Some(body)).await
        })
    }

    fn org_members<'a>(&'a self, org: &'a str, role: OrgRole) -> GitHubFuture<'a, Vec<String>> {
        Box::pin(async move {
            let path = format!("{}?role={}", ep::ORG_MEMBERS.path(&[org]), role.as_github());
            Ok(logins(self.list(&ep::ORG_MEMBERS, &path, org).await?))
        })
    }

    fn org_invitations<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, Vec<String>> {
        Box::pin(async move {
            let path = ep::ORG_INVITATIONS.path(&[org]);
            Ok(invitees(self.list(&ep::ORG_INVITATIONS, &path, org).await?))
        })
    }

    fn set_org_membership<'a>(
        &'a self,
        org: &'a str,
        login: &'a str,
        role: OrgRole,
    ) -> GitHubFuture<'a, MembershipState> {
        Box::pin(async move {
            let user = segment(login);
            self.set_membership(
                &ep::SET_ORG_MEMBERSHIP,
                org,
                &[org, &user],
                role.as_github(),
            )
            .await
        })
    }

    fn remove_org_membership<'a>(&'a self, org: &'a str, login: &'a str) -> GitHubFuture<'a, ()> {
        let values = vec![org.to_string(), segment(login)];
        self.org_write(&ep::REMOVE_ORG_MEMBERSHIP, org, values, None)
    }

    fn teams<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, Vec<TeamInfo>> {
        Box::pin(async move {
            let teams: Vec<TeamWire> = self.list(&ep::TEAMS, &ep::TEAMS.path(&[org]), org).await?;
            Ok(teams.into_iter().map(TeamInfo::from).collect())
        })
    }

    fn create_team<'a>(&'a self, org: &'a str, team: &'a NewTeam) -> GitHubFuture<'a, TeamInfo> {
        Box::pin(async move {
            let planned = planned_team(
                slug_of(&team.name),
                &team.name,
                team.description.as_deref(),
                team.privacy.as_deref(),
                team.parent_team_id,
            );
            self.team_change(&ep::CREATE_TEAM, org, &[org], team, planned)
                .await
        })
    }

    fn edit_team<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        change: &'a TeamEdit,
    ) -> GitHubFuture<'a, TeamInfo> {
        Box::pin(async move {
            // A new name gives the team a new slug.
            let planned = planned_team(
                Some(slug_of(&change.name))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| slug.to_string()),
                &change.name,
                change.description.as_deref(),
                change.privacy.as_deref(),
                change.parent_team_id.flatten(),
            );
            let team = segment(slug);
            self.team_change(&ep::EDIT_TEAM, org, &[org, &team], change, planned)
                .await
        })
    }

    fn delete_team<'a>(&'a self, org: &'a str, slug: &'a str) -> GitHubFuture<'a, ()> {
        let values = vec![org.to_string(), segment(slug)];
        self.org_write(&ep::DELETE_TEAM, org, values, None)
    }

    fn team_members_with_role<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        role: TeamRole,
    ) -> GitHubFuture<'a, Vec<String>> {
        Box::pin(async move {
            let path = format!(
                "{}?role={}",
                ep::TEAM_MEMBERS.path(&[org, &segment(slug)]),
                role.as_github()
            );
            Ok(logins(self.list(&ep::TEAM_MEMBERS, &path, org).await?))
        })
    }

    fn team_invitations<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
    ) -> GitHubFuture<'a, Vec<String>> {
        Box::pin(async move {
            let path = ep::TEAM_INVITATIONS.path(&[org, &segment(slug)]);
            Ok(invitees(
                self.list(&ep::TEAM_INVITATIONS, &path, org).await?,
            ))
        })
    }

    fn set_team_membership<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        login: &'a str,
        role: TeamRole,
    ) -> GitHubFuture<'a, MembershipState> {
        Box::pin(async move {
            let (team, user) = (segment(slug), segment(login));
            self.set_membership(
                &ep::SET_TEAM_MEMBERSHIP,
                org,
                &[org, &team, &user],
                role.as_github(),
            )
            .await
        })
    }

    fn remove_team_membership<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        login: &'a str,
    ) -> GitHubFuture<'a, ()> {
        let values = vec![org.to_string(), segment(slug), segment(login)];
        self.org_write(&ep::REMOVE_TEAM_MEMBERSHIP, org, values, None)
    }

    fn team_repos<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
    ) -> GitHubFuture<'a, Vec<(String, Permission)>> {
        Box::pin(async move {
            let path = ep::TEAM_REPOS.path(&[org, &segment(slug)]);
            let repos: Vec<TeamRepoWire> = self.list(&ep::TEAM_REPOS, &path, org).await?;
            Ok(repos
                .into_iter()
                .filter_map(|repo| {
                    let permission = repo.permissions?.highest()?;
                    Some((repo.name, permission))
                })
                .collect())
        })
    }

    fn set_team_repo<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        repo: &'a str,
        permission: Permission,
    ) -> GitHubFuture<'a, ()> {
        let body = json!({"permission": permission.as_team_permission()});
        let values = vec![
            org.to_string(),
            segment(slug),
            org.to_string(),
            repo.to_string(),
        ];
        self.org_write(&ep::SET_TEAM_REPO, org, values, Some(body))
    }

    fn remove_team_repo<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        repo: &'a str,
    ) -> GitHubFuture<'a, ()> {
        let values = vec![
            org.to_string(),
            segment(slug),
            org.to_string(),
            repo.to_string(),
        ];
        self.org_write(&ep::REMOVE_TEAM_REPO, org, values, None)
    }

    fn org_repos<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, Vec<RepoSettings>> {
        Box::pin(async move {
            let path = ep::ORG_REPOS.path(&[org]);
            let repos: Vec<RepoSettings> = self.list(&ep::ORG_REPOS, &path, org).await?;
            Ok(repos.into_iter().map(repo_settings).collect())
        })
    }

    fn repo_settings<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, RepoSettings> {
        Box::pin(async move {
            let settings: RepoSettings = self.read_one(&ep::REPO, repo, vec![]).await?;
            Ok(repo_settings(settings))
        })
    }

    fn create_repo<'a>(&'a self, org: &'a str, repo: &'a RepoEdit) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let body = json(ep::CREATE_REPO.route, repo)?;
            let values = vec![org.to_string()];
            self.org_write(&ep::CREATE_REPO, org, values, Some(body))
                .await
        })
    }

    fn edit_repo<'a>(&'a self, repo: &'a RepoRef, change: &'a RepoEdit) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let body = json(ep::EDIT_REPO.route, change)?;
            self.change(&ep::EDIT_REPO, repo, vec![], Some(body)).await
        })
    }

    fn branches<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, Vec<BranchInfo>> {
        Box::pin(async move {
            let branches: Vec<BranchWire> = self.read_all(&ep::BRANCHES, repo, vec![]).await?;
            Ok(branches
                .into_iter()
                .map(|b| BranchInfo {
                    name: b.name,
                    protected: b.protected,
                })
                .collect())
        })
    }

    fn branch_protection<'a>(
        &'a self,
        repo: &'a RepoRef,
        branch: &'a str,
    ) -> GitHubFuture<'a, Option<BranchProtectionSettings>> {
        Box::pin(async move {
            // GitHub answers 404 `Branch not protected` for a branch without protection.
            match self
                .read_one::<ProtectionWire>(&ep::BRANCH_PROTECTION, repo, vec![segment(branch)])
                .await
            {
                Ok(wire) => Ok(Some(wire.into())),
                Err(error) if error.is_not_found() => Ok(None),
                Err(error) => Err(error),
            }
        })
    }

    fn update_branch_protection<'a>(
        &'a self,
        repo: &'a RepoRef,
        branch: &'a str,
        settings: &'a BranchProtectionSettings,
    ) -> GitHubFuture<'a, ()> {
        Box::pin(async move {
            let values = vec![segment(branch)];
            self.change(
                &ep::UPDATE_BRANCH_PROTECTION,
                repo,
                values.clone(),
                Some(protection_body(settings)),
            )
            .await?;
            match settings.required_signatures {
                None => Ok(()),
                Some(true) => {
                    self.change(&ep::REQUIRE_SIGNATURES, repo, values, None)
                        .await
                }
                Some(false) => match self.change(&ep::DROP_SIGNATURES, repo, values, None).await {
                    Err(error) if error.is_not_found() => Ok(()),
                    done => done,
                },
            }
        })
    }

    fn remove_branch_protection<'a>(
        &'a self,
        repo: &'a RepoRef,
        branch: &'a str,
    ) -> GitHubFuture<'a, ()> {
        self.change(
            &ep::REMOVE_BRANCH_PROTECTION,
            repo,
            vec![segment(branch)],
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_is_put_with_every_section() {
        let settings = BranchProtectionSettings {
            required_status_checks: Some(RequiredChecks {
                strict: true,
                contexts: vec!["build".into()],
            }),
            required_pull_request_reviews: Some(RequiredReviews {
                required_approving_review_count: 1,
                ..RequiredReviews::default()
            }),
            restrictions: Some(PushRestrictions {
                apps: None,
                users: vec!["alice".into()],
                teams: vec![],
            }),
            ..BranchProtectionSettings::default()
        };
        assert_eq!(
            protection_body(&settings),
            json!({
                "required_status_checks": {"strict": true, "contexts": ["build"]},
                "enforce_admins": false,
                "required_pull_request_reviews": {
                    "dismissal_restrictions": {},
                    "dismiss_stale_reviews": false,
                    "require_code_owner_reviews": false,
                    "required_approving_review_count": 1,
                    "bypass_pull_request_allowances": {},
                },
                "restrictions": {"users": ["alice"], "teams": []},
                "required_linear_history": false,
                "allow_force_pushes": false,
                "allow_deletions": false,
            })
        );
        assert_eq!(
            protection_body(&BranchProtectionSettings::default())["restrictions"],
            Value::Null
        );
    }

    #[test]
    fn protection_is_read_from_githubs_get_shape() {
        let wire: ProtectionWire = serde_json::from_value(json!({
            "url": "https://api.github.com/repos/o/r/branches/main/protection",
            "required_status_checks": {"strict": false, "contexts": [], "checks": [{"context": "ci", "app_id": null}]},
            "enforce_admins": {"enabled": true},
            "required_pull_request_reviews": {
                "dismissal_restrictions": {"users": [{"login": "alice"}], "teams": [{"slug": "leads"}], "apps": []},
                "required_approving_review_count": 2
            },
            "restrictions": {"users": [], "teams": [{"slug": "bots"}], "apps": [{"slug": "ci"}]},
            "allow_deletions": {"enabled": false},
        }))
        .unwrap();
        let settings = BranchProtectionSettings::from(wire);
        assert_eq!(
            settings,
            BranchProtectionSettings {
                required_status_checks: Some(RequiredChecks {
                    strict: false,
                    contexts: vec!["ci".into()],
                }),
                enforce_admins: true,
                required_pull_request_reviews: Some(RequiredReviews {
                    dismissal_restrictions: Some(PeopleAndTeams {
                        users: vec!["alice".into()],
                        teams: vec!["leads".into()],
                    }),
                    required_approving_review_count: 2,
                    ..RequiredReviews::default()
                }),
                restrictions: Some(PushRestrictions {
                    apps: Some(vec!["ci".into()]),
                    users: vec![],
                    teams: vec!["bots".into()],
                }),
                required_signatures: None,
                ..BranchProtectionSettings::default()
            }
        );
    }

    #[test]
    fn team_repos_take_their_highest_permission() {
        let only_pull = PermissionsWire {
            pull: true,
            ..PermissionsWire::default()
        };
        assert_eq!(only_pull.highest(), Some(Permission::Read));
        let push = PermissionsWire {
            push: true,
            triage: true,
            pull: true,
            ..PermissionsWire::default()
        };
        assert_eq!(push.highest(), Some(Permission::Write));
        assert_eq!(PermissionsWire::default().highest(), None);
    }
}
