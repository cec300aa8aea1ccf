//! The GitHub port of the org administration tools (peribolos, branchprotector): an org's
//! settings, members, invitations, teams and their repositories, repository settings, and branch
//! protection. Separate from [`crate::github::GitHubClient`] because only these operator commands
//! need it (and a token with `admin:org`).

use crate::github::{GitHubFuture, Permission, RepoRef};
use serde::{Deserialize, Serialize};

/// An org's profile and defaults (`GET`/`PATCH /orgs/{org}`); `None` is "not given" in a change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_organization_projects: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_repository_projects: Option<bool>,
    /// `read`, `write`, `admin` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_repository_permission: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_can_create_repositories: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrgRole {
    Admin,
    Member,
}

impl OrgRole {
    pub fn as_github(self) -> &'static str {
        match self {
            OrgRole::Admin => "admin",
            OrgRole::Member => "member",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TeamRole {
    Maintainer,
    Member,
}

impl TeamRole {
    pub fn as_github(self) -> &'static str {
        match self {
            TeamRole::Maintainer => "maintainer",
            TeamRole::Member => "member",
        }
    }
}

/// A membership after it was set: `pending` while an invitation waits to be accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipState {
    Active,
    Pending,
}

/// A team as GitHub lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamInfo {
    pub id: u64,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// `closed` or `secret`.
    pub privacy: String,
    pub parent: Option<u64>,
}

/// A team to create.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewTeam {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_team_id: Option<u64>,
}

/// What to change on a team; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TeamEdit {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<String>,
    /// `Some(None)` makes it a top-level team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_team_id: Option<Option<u64>>,
}

/// A repository's settings as peribolos manages them (`GET /repos/{org}/{repo}`, and each item of
/// `GET /orgs/{org}/repos`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct RepoSettings {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub homepage: Option<String>,
    /// `public`, `private` or `internal`.
    #[serde(default)]
    pub visibility: String,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub has_issues: bool,
    #[serde(default)]
    pub has_projects: bool,
    #[serde(default)]
    pub has_wiki: bool,
    #[serde(default)]
    pub allow_squash_merge: bool,
    #[serde(default)]
    pub allow_merge_commit: bool,
    #[serde(default)]
    pub allow_rebase_merge: bool,
    #[serde(default)]
    pub default_branch: String,
}

/// A repository to create or the changes to one (`None`: as it is, or GitHub's default).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RepoEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_issues: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_projects: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_wiki: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_squash_merge: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_merge_commit: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_rebase_merge: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

impl RepoEdit {
    pub fn is_empty(&self) -> bool {
        *self == RepoEdit::default()
    }
}

/// A branch as listed, and whether it is protected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchInfo {
    pub name: String,
    pub protected: bool,
}

/// Users and teams (by slug) named by a protection rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeopleAndTeams {
    pub users: Vec<String>,
    pub teams: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequiredChecks {
    pub strict: bool,
    pub contexts: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequiredReviews {
    pub dismissal_restrictions: Option<PeopleAndTeams>,
    pub dismiss_stale_reviews: bool,
    pub require_code_owner_reviews: bool,
    pub required_approving_review_count: u32,
    pub bypass_pull_request_allowances: Option<PeopleAndTeams>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushRestrictions {
    /// App slugs; `None`: not managed (left as they are).
    pub apps: Option<Vec<String>>,
    pub users: Vec<String>,
    pub teams: Vec<String>,
}

/// A branch's protection, as set (`PUT .../protection`) and as read back (`GET`): the adapter
/// translates between this and GitHub's two shapes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BranchProtectionSettings {
    pub required_status_checks: Option<RequiredChecks>,
    pub enforce_admins: bool,
    pub required_pull_request_reviews: Option<RequiredReviews>,
    pub restrictions: Option<PushRestrictions>,
    pub required_linear_history: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
    /// Signed commits (a separate endpoint); `None` when not managed.
    pub required_signatures: Option<bool>,
}

/// What the org administration tools ask of GitHub.
pub trait GitHubOrgAdmin: Send + Sync {
    /// The login the credentials act as.
    fn login(&self) -> GitHubFuture<'_, String>;

    fn org_metadata<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, OrgMetadata>;
    /// Changes the fields given.
    fn edit_org<'a>(&'a self, org: &'a str, change: &'a OrgMetadata) -> GitHubFuture<'a, ()>;
    /// Logins of the org's members with `role`.
    fn org_members<'a>(&'a self, org: &'a str, role: OrgRole) -> GitHubFuture<'a, Vec<String>>;
    /// Logins with an invitation to the org pending.
    fn org_invitations<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, Vec<String>>;
    /// Makes `login` a member with `role`, inviting them if they are not one.
    fn set_org_membership<'a>(
        &'a self,
        org: &'a str,
        login: &'a str,
        role: OrgRole,
    ) -> GitHubFuture<'a, MembershipState>;
    /// Removes `login` from the org (or cancels their invitation).
    fn remove_org_membership<'a>(&'a self, org: &'a str, login: &'a str) -> GitHubFuture<'a, ()>;

    fn teams<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, Vec<TeamInfo>>;
    fn create_team<'a>(&'a self, org: &'a str, team: &'a NewTeam) -> GitHubFuture<'a, TeamInfo>;
    fn edit_team<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        change: &'a TeamEdit,
    ) -> GitHubFuture<'a, TeamInfo>;
    fn delete_team<'a>(&'a self, org: &'a str, slug: &'a str) -> GitHubFuture<'a, ()>;
    fn team_members_with_role<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        role: TeamRole,
    ) -> GitHubFuture<'a, Vec<String>>;
    fn team_invitations<'a>(&'a self, org: &'a str, slug: &'a str)
    -> GitHubFuture<'a, Vec<String>>;
    fn set_team_membership<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        login: &'a str,
        role: TeamRole,
    ) -> GitHubFuture<'a, MembershipState>;
    fn remove_team_membership<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        login: &'a str,
    ) -> GitHubFuture<'a, ()>;
    /// The repositories a team has access to, with its permission on each.
    fn team_repos<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
    ) -> GitHubFuture<'a, Vec<(String, Permission)>>;
    fn set_team_repo<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        repo: &'a str,
        permission: Permission,
    ) -> GitHubFuture<'a, ()>;
    fn remove_team_repo<'a>(
        &'a self,
        org: &'a str,
        slug: &'a str,
        repo: &'a str,
    ) -> GitHubFuture<'a, ()>;

    fn org_repos<'a>(&'a self, org: &'a str) -> GitHubFuture<'a, Vec<RepoSettings>>;
    fn repo_settings<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, RepoSettings>;
    fn create_repo<'a>(&'a self, org: &'a str, repo: &'a RepoEdit) -> GitHubFuture<'a, ()>;
    fn edit_repo<'a>(&'a self, repo: &'a RepoRef, change: &'a RepoEdit) -> GitHubFuture<'a, ()>;

    /// Branches with their protection flag.
    fn branches<'a>(&'a self, repo: &'a RepoRef) -> GitHubFuture<'a, Vec<BranchInfo>>;
    /// `None` when the branch is not protected.
    fn branch_protection<'a>(
        &'a self,
        repo: &'a RepoRef,
        branch: &'a str,
    ) -> GitHubFuture<'a, Option<BranchProtectionSettings>>;
    /// Sets the protection (and signed commits, when it says).
    fn update_branch_protection<'a>(
        &'a self,
        repo: &'a RepoRef,
        branch: &'a str,
        settings: &'a BranchProtectionSettings,
    ) -> GitHubFuture<'a, ()>;
    fn remove_branch_protection<'a>(
        &'a self,
        repo: &'a RepoRef,
        branch: &'a str,
    ) -> GitHubFuture<'a, ()>;
}

impl Permission {
    /// The name GitHub's team-repository endpoint takes.
    pub fn as_team_permission(self) -> &'static str {
        match self {
            Permission::Admin => "admin",
            Permission::Maintain => "maintain",
            Permission::Write => "push",
            Permission::Triage => "triage",
            Permission::Read | Permission::None => "pull",
        }
    }

    /// The name peribolos' YAML uses.
    pub fn as_config(self) -> &'static str {
        match self {
            Permission::Admin => "admin",
            Permission::Maintain => "maintain",
            Permission::Write => "write",
            Permission::Triage => "triage",
            Permission::Read => "read",
            Permission::None => "none",
        }
    }
}
