//! What an org's administrators change, as peribolos and branchprotector do: the org's profile,
//! its members and their roles, invitations, teams (nested, with members and repositories),
//! repository settings and branch protection. Tests seed these with the methods here and assert
//! on the state; the REST handlers ([`crate::routes_admin`], [`crate::routes_repo_admin`]) change
//! it as GitHub would.
//!
//! Invitations: making someone a member of an org they are not in invites them. With
//! [`World::auto_accept_invitations`] (the default) they accept at once, so a tool converges in
//! one pass; without it the invitation stays pending (GitHub's `state: pending`) until
//! [`World::accept_invitation`], and a team membership asked for meanwhile waits on it.

use crate::world::{Repo, Team, World};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// An org's profile and defaults, with GitHub's defaults for a new org.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgProfile {
    pub name: Option<String>,
    pub billing_email: Option<String>,
    pub company: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub has_organization_projects: bool,
    pub has_repository_projects: bool,
    /// `read`, `write`, `admin` or `none`.
    pub default_repository_permission: String,
    pub members_can_create_repositories: bool,
}

impl Default for OrgProfile {
    fn default() -> Self {
        OrgProfile {
            name: None,
            billing_email: None,
            company: None,
            email: None,
            description: None,
            location: None,
            has_organization_projects: true,
            has_repository_projects: true,
            default_repository_permission: "read".to_string(),
            members_can_create_repositories: true,
        }
    }
}

/// An invitation to an org, waiting for its invitee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub id: u64,
    /// `admin` or `direct_member`, as GitHub names an invitation's role.
    pub role: String,
    /// The teams the invitee joins on accepting: team id to `maintainer` or `member`.
    pub teams: BTreeMap<u64, String>,
}

/// A repository's settings, with GitHub's defaults for a new repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoSettings {
    pub description: Option<String>,
    pub homepage: Option<String>,
    /// Visible to the enterprise (GitHub Enterprise); such a repository is private too.
    pub internal: bool,
    pub archived: bool,
    pub has_issues: bool,
    pub has_projects: bool,
    pub has_wiki: bool,
    pub allow_squash_merge: bool,
    pub allow_merge_commit: bool,
    pub allow_rebase_merge: bool,
}

impl Default for RepoSettings {
    fn default() -> Self {
        RepoSettings {
            description: None,
            homepage: None,
            internal: false,
            archived: false,
            has_issues: true,
            has_projects: true,
            has_wiki: true,
            allow_squash_merge: true,
            allow_merge_commit: true,
            allow_rebase_merge: true,
        }
    }
}

/// Users and teams (by slug) a protection rule names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeopleAndTeams {
    pub users: Vec<String>,
    pub teams: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequiredStatusChecks {
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

/// Who may push: users, team slugs and App slugs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Restrictions {
    pub users: Vec<String>,
    pub teams: Vec<String>,
    pub apps: Vec<String>,
}

/// A branch's protection, as the last `PUT .../protection` set it (read back in GitHub's `GET`
/// shape), and whether signed commits are required (a separate endpoint).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BranchProtection {
    pub required_status_checks: Option<RequiredStatusChecks>,
    pub enforce_admins: bool,
    pub required_pull_request_reviews: Option<RequiredReviews>,
    pub restrictions: Option<Restrictions>,
    pub required_linear_history: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
    pub required_signatures: bool,
    /// The last `PUT` body exactly as sent (`Null` when seeded directly), for tests of the wire.
    pub put_body: Value,
}

impl Default for Team {
    fn default() -> Self {
        Team {
            id: 0,
            name: String::new(),
            members: BTreeSet::new(),
            maintainers: BTreeSet::new(),
            description: None,
            privacy: "closed".to_string(),
            parent: None,
            repos: BTreeMap::new(),
        }
    }
}

impl Repo {
    /// `public`, `private` or `internal`.
    pub fn visibility(&self) -> &'static str {
        if self.settings.internal {
            "internal"
        } else if self.private {
            "private"
        } else {
            "public"
        }
    }
}

/// A team's slug for its name, as GitHub makes it: lower case, every run of other characters
/// than letters and digits one `-`.
pub fn team_slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_string()
}

/// What setting a membership came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipState {
    Active,
    Pending,
}

impl MembershipState {
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipState::Active => "active",
            MembershipState::Pending => "pending",
        }
    }
}

/// Why a change was refused: GitHub's 404, or a 422 with its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotFound,
    Invalid {
        field: &'static str,
        message: String,
    },
}

impl Refusal {
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::Invalid {
            field,
            message: message.into(),
        }
    }
}

/// A team to create.
#[derive(Clone, Debug, Default)]
pub(crate) struct NewTeam {
    pub name: String,
    pub description: Option<String>,
    pub privacy: Option<String>,
    pub parent: Option<u64>,
    pub maintainers: Vec<String>,
}

/// The changes to a team; `parent: Some(None)` makes it a top-level team.
#[derive(Clone, Debug, Default)]
pub(crate) struct TeamChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub privacy: Option<String>,
    pub parent: Option<Option<u64>>,
}

impl World {
    /// Makes `admins` members of `org` with the admin (owner) role, creating the org if needed.
    pub fn add_org_admins(&mut self, org: &str, admins: &[&str]) -> &mut Self {
        self.add_org(org, admins);
        if let Some(found) = self.orgs.get_mut(org) {
            found.admins.extend(admins.iter().map(|a| a.to_string()));
        }
        self
    }

    /// Invites `login` to `org` (as an admin when `admin`), leaving the invitation pending
    /// whatever [`World::auto_accept_invitations`] says; returns the invitation's id.
    pub fn invite_to_org(&mut self, org: &str, login: &str, admin: bool) -> Option<u64> {
        self.add_user(login);
        let id = self.next_id();
        let found = self.orgs.get_mut(org)?;
        let invitation = found
            .invitations
            .entry(login.to_string())
            .or_insert_with(|| Invitation {
                id,
                role: String::new(),
                teams: BTreeMap::new(),
            });
        invitation.role = if admin { "admin" } else { "direct_member" }.to_string();
        Some(invitation.id)
    }

    /// `login` accepts their invitation to `org`: they become a member with its role and join
    /// the teams it names. `false` when there is no such invitation.
    pub fn accept_invitation(&mut self, org: &str, login: &str) -> bool {
        let Some(found) = self.orgs.get_mut(org) else {
            return false;
        };
        let Some(invitation) = found.invitations.remove(login) else {
            return false;
        };
        found.members.insert(login.to_string());
        if invitation.role == "admin" {
            found.admins.insert(login.to_string());
        }
        for (team_id, role) in invitation.teams {
            if let Some(team) = found.teams.values_mut().find(|t| t.id == team_id) {
                join_team(team, login, role == "maintainer");
            }
        }
        true
    }

    /// Team `slug` of `org`.
    pub(crate) fn team(&self, org: &str, slug: &str) -> Option<&Team> {
        self.orgs.get(org)?.teams.get(slug)
    }

    pub(crate) fn team_mut(&mut self, org: &str, slug: &str) -> Option<&mut Team> {
        self.orgs.get_mut(org)?.teams.get_mut(slug)
    }

    /// Brings `login` into `org`: a member is in already; anyone else is invited (`invite` makes
    /// or changes their invitation) and is in once they accept, at once under
    /// [`World::auto_accept_invitations`], else later (`Pending`).
    fn join_org(
        &mut self,
        org: &str,
        login: &str,
        invite: impl FnOnce(&mut World),
    ) -> MembershipState {
        let member = self
            .orgs
            .get(org)
            .is_some_and(|o| o.members.contains(login));
        if member {
            return MembershipState::Active;
        }
        invite(self);
        if !self.auto_accept_invitations {
            return MembershipState::Pending;
        }
        self.accept_invitation(org, login);
        MembershipState::Active
    }

    /// Sets `login`'s role in `org`: a member's changes at once; anyone else is invited (and
    /// accepts at once under [`World::auto_accept_invitations`]).
    pub(crate) fn set_org_membership(
        &mut self,
        org: &str,
        login: &str,
        admin: bool,
    ) -> Result<MembershipState, Refusal> {
        if !self.users.contains_key(login) || !self.orgs.contains_key(org) {
            return Err(Refusal::NotFound);
        }
        let joined = self.join_org(org, login, |world| {
            world.invite_to_org(org, login, admin);
        });
        if joined == MembershipState::Active
            && let Some(found) = self.orgs.get_mut(org)
        {
            if admin {
                found.admins.insert(login.to_string());
            } else {
                found.admins.remove(login);
            }
        }
        Ok(joined)
    }

    /// Removes `login` from `org` and its teams, or cancels their invitation; `false` when they
    /// were neither.
    pub fn remove_from_org(&mut self, org: &str, login: &str) -> bool {
        let Some(found) = self.orgs.get_mut(org) else {
            return false;
        };
        let invited = found.invitations.remove(login).is_some();
        let member = found.members.remove(login);
        found.admins.remove(login);
        for team in found.teams.values_mut() {
            team.members.remove(login);
            team.maintainers.remove(login);
        }
        invited || member
    }

    /// The slug of `org`'s team with `id`.
    pub fn team_slug_of(&self, org: &str, id: u64) -> Option<String> {
        self.orgs
            .get(org)?
            .teams
            .iter()
            .find(|(_, t)| t.id == id)
            .map(|(slug, _)| slug.clone())
    }

    /// Nests team `slug` under `parent` (a slug), or makes it top-level with `None`.
    pub fn set_team_parent(&mut self, org: &str, slug: &str, parent: Option<&str>) -> &mut Self {
        let parent_id = parent.and_then(|p| self.team(org, p).map(|t| t.id));
        if let Some(team) = self.team_mut(org, slug) {
            team.parent = parent_id;
        }
        self
    }

    /// Gives team `slug` `permission` (`pull`, `triage`, `push`, `maintain` or `admin`) on the
    /// org's repository `repo` (its name without the org).
    pub fn add_team_repo(
        &mut self,
        org: &str,
        slug: &str,
        repo: &str,
        permission: &str,
    ) -> &mut Self {
        if let Some(team) = self.team_mut(org, slug) {
            team.repos.insert(repo.to_string(), permission.to_string());
        }
        self
    }

    /// Protects `branch` of `full_name` as `protection` says.
    pub fn protect_branch(
        &mut self,
        full_name: &str,
        branch: &str,
        protection: BranchProtection,
    ) -> &mut Self {
        if let Some(repo) = self.repos.get_mut(full_name) {
            repo.protection.insert(branch.to_string(), protection);
        }
        self
    }

    /// The protection of `branch`, when it is protected.
    pub fn branch_protection(&self, full_name: &str, branch: &str) -> Option<&BranchProtection> {
        self.repos.get(full_name)?.protection.get(branch)
    }

    /// Adds `login` to team `slug` (as a maintainer when `maintainer`): at once for a member of
    /// the org, else through an invitation to the org that names the team.
    pub(crate) fn set_team_membership(
        &mut self,
        org: &str,
        slug: &str,
        login: &str,
        maintainer: bool,
    ) -> Result<MembershipState, Refusal> {
        if !self.users.contains_key(login) {
            return Err(Refusal::NotFound);
        }
        let Some(team_id) = self.team(org, slug).map(|t| t.id) else {
            return Err(Refusal::NotFound);
        };
        // Someone not yet in the org joins the team when they accept: their invitation names it
        // (an invitation they have already keeps its org role).
        let joined = self.join_org(org, login, |world| {
            let invited = world
                .orgs
                .get(org)
                .is_some_and(|o| o.invitations.contains_key(login));
            if !invited {
                world.invite_to_org(org, login, false);
            }
            if let Some(invitation) = world
                .orgs
                .get_mut(org)
                .and_then(|o| o.invitations.get_mut(login))
            {
                let role = if maintainer { "maintainer" } else { "member" };
                invitation.teams.insert(team_id, role.to_string());
            }
        });
        if joined == MembershipState::Active
            && let Some(team) = self.team_mut(org, slug)
        {
            join_team(team, login, maintainer);
        }
        Ok(joined)
    }

    /// Takes `login` off team `slug`, or the team off their pending invitation; `false` when
    /// they were neither on it nor invited to it.
    pub fn remove_team_member(&mut self, org: &str, slug: &str, login: &str) -> bool {
        let Some(found) = self.orgs.get_mut(org) else {
            return false;
        };
        let Some(team) = found.teams.get_mut(slug) else {
            return false;
        };
        let id = team.id;
        let on_team = team.members.remove(login);
        team.maintainers.remove(login);
        let invited = found
            .invitations
            .get_mut(login)
            .is_some_and(|i| i.teams.remove(&id).is_some());
        on_team || invited
    }

    /// Creates a team in `org`; `creator` becomes a maintainer when they are a member of the org,
    /// as on GitHub. Returns its slug.
    pub(crate) fn create_team(
        &mut self,
        org: &str,
        new: NewTeam,
        creator: &str,
    ) -> Result<String, Refusal> {
        let slug = team_slug(&new.name);
        let Some(found) = self.orgs.get(org) else {
            return Err(Refusal::NotFound);
        };
        if slug.is_empty() {
            return Err(Refusal::invalid("name", "name can't be blank"));
        }
        if found.teams.contains_key(&slug) || found.teams.values().any(|t| t.name == new.name) {
            return Err(Refusal::invalid("name", "Name must be unique for this org"));
        }
        check_parent(found.teams.values(), new.parent, None)?;
        // GitHub's default: secret at the top, closed when nested (a secret team cannot be).
        let privacy = new.privacy.unwrap_or_else(|| {
            if new.parent.is_some() {
                "closed"
            } else {
                "secret"
            }
            .to_string()
        });
        check_privacy(&privacy, new.parent)?;
        let mut maintainers = new.maintainers;
        if found.members.contains(creator) {
            maintainers.push(creator.to_string());
        }
        for login in &maintainers {
            if !found.members.contains(login) {
                return Err(Refusal::invalid(
                    "maintainers",
                    format!("{login} is not a member of the organization"),
                ));
            }
        }
        let id = self.next_id();
        let mut team = Team {
            id,
            name: new.name,
            description: new.description,
            privacy,
            parent: new.parent,
            ..Team::default()
        };
        for login in &maintainers {
            join_team(&mut team, login, true);
        }
        if let Some(found) = self.orgs.get_mut(org) {
            found.teams.insert(slug.clone(), team);
        }
        Ok(slug)
    }

    /// Changes team `slug`; a new name gives it a new slug, which is returned.
    pub(crate) fn edit_team(
        &mut self,
        org: &str,
        slug: &str,
        change: TeamChange,
    ) -> Result<String, Refusal> {
        let Some(found) = self.orgs.get_mut(org) else {
            return Err(Refusal::NotFound);
        };
        let Some(team) = found.teams.get(slug) else {
            return Err(Refusal::NotFound);
        };
        let parent = change.parent.unwrap_or(team.parent);
        if let Some(Some(parent)) = change.parent {
            let descendants = descendants(&found.teams, team.id);
            if parent == team.id || descendants.contains(&parent) {
                return Err(Refusal::invalid(
                    "parent_team_id",
                    "A team cannot be its own ancestor",
                ));
            }
            check_parent(found.teams.values(), Some(parent), Some(team.id))?;
        }
        let privacy = change.privacy.unwrap_or_else(|| team.privacy.clone());
        check_privacy(&privacy, parent)?;
        let new_slug = match &change.name {
            Some(name) => team_slug(name),
            None => slug.to_string(),
        };
        if new_slug.is_empty() {
            return Err(Refusal::invalid("name", "name can't be blank"));
        }
        if new_slug != slug && found.teams.contains_key(&new_slug) {
            return Err(Refusal::invalid("name", "Name must be unique for this org"));
        }
        let Some(mut team) = found.teams.remove(slug) else {
            return Err(Refusal::NotFound);
        };
        if let Some(name) = change.name {
            team.name = name;
        }
        if let Some(description) = change.description {
            team.description = Some(description);
        }
        team.privacy = privacy;
        team.parent = parent;
        found.teams.insert(new_slug.clone(), team);
        Ok(new_slug)
    }

    /// Deletes team `slug` and, as GitHub does, every team nested under it.
    pub(crate) fn delete_team(&mut self, org: &str, slug: &str) -> bool {
        let Some(found) = self.orgs.get_mut(org) else {
            return false;
        };
        let Some(id) = found.teams.get(slug).map(|t| t.id) else {
            return false;
        };
        let mut gone = descendants(&found.teams, id);
        gone.push(id);
        found.teams.retain(|_, t| !gone.contains(&t.id));
        for invitation in found.invitations.values_mut() {
            invitation.teams.retain(|team, _| !gone.contains(team));
        }
        true
    }

    /// Renames `full_name` to `new_name` in the same org, teams' access following it.
    pub(crate) fn rename_repo(
        &mut self,
        full_name: &str,
        new_name: &str,
    ) -> Result<String, Refusal> {
        let Some(repo) = self.repos.get(full_name) else {
            return Err(Refusal::NotFound);
        };
        let owner = repo.owner.clone();
        let old_name = repo.name.clone();
        let renamed = format!("{owner}/{new_name}");
        if renamed == full_name {
            return Ok(renamed);
        }
        if self.repos.contains_key(&renamed) {
            return Err(Refusal::invalid(
                "name",
                "name already exists on this account",
            ));
        }
        if let Some(mut repo) = self.repos.remove(full_name) {
            repo.name = new_name.to_string();
            self.repos.insert(renamed.clone(), repo);
        }
        if let Some(org) = self.orgs.get_mut(&owner) {
            for team in org.teams.values_mut() {
                if let Some(permission) = team.repos.remove(&old_name) {
                    team.repos.insert(new_name.to_string(), permission);
                }
            }
        }
        Ok(renamed)
    }

    /// Whether `login` may administer `org` (an owner, or anyone when the org has none set).
    pub(crate) fn administers(&self, org: &str, login: &str) -> bool {
        self.orgs
            .get(org)
            .is_some_and(|o| o.admins.is_empty() || o.admins.contains(login))
    }

    /// The highest permission `login` has on `full_name` through the teams they are on.
    pub(crate) fn team_permission(&self, full_name: &str, login: &str) -> Option<&str> {
        let (owner, name) = full_name.split_once('/')?;
        self.orgs
            .get(owner)?
            .teams
            .values()
            .filter(|t| t.members.contains(login))
            .filter_map(|t| t.repos.get(name).map(String::as_str))
            .max_by_key(|p| permission_rank(p))
    }
}

/// A team permission's place, lowest first (unknown names, custom roles, rank as `pull`).
pub(crate) fn permission_rank(permission: &str) -> u8 {
    match permission {
        "admin" => 4,
        "maintain" => 3,
        "push" | "write" => 2,
        "triage" => 1,
        _ => 0,
    }
}

fn join_team(team: &mut Team, login: &str, maintainer: bool) {
    team.members.insert(login.to_string());
    if maintainer {
        team.maintainers.insert(login.to_string());
    } else {
        team.maintainers.remove(login);
    }
}

/// The ids of every team nested (at any depth) under team `id`.
fn descendants(teams: &BTreeMap<String, Team>, id: u64) -> Vec<u64> {
    let mut found = Vec::new();
    let mut queue = vec![id];
    while let Some(next) = queue.pop() {
        for team in teams.values().filter(|t| t.parent == Some(next)) {
            if !found.contains(&team.id) {
                found.push(team.id);
                queue.push(team.id);
            }
        }
    }
    found
}

fn check_parent<'a>(
    mut teams: impl Iterator<Item = &'a Team>,
    parent: Option<u64>,
    this: Option<u64>,
) -> Result<(), Refusal> {
    let Some(parent) = parent else {
        return Ok(());
    };
    match teams.find(|t| t.id == parent && Some(t.id) != this) {
        Some(found) if found.privacy == "secret" => Err(Refusal::invalid(
            "parent_team_id",
            "A secret team cannot be a parent team",
        )),
        Some(_) => Ok(()),
        None => Err(Refusal::invalid(
            "parent_team_id",
            "Parent team could not be found",
        )),
    }
}

fn check_privacy(privacy: &str, parent: Option<u64>) -> Result<(), Refusal> {
    match privacy {
        "closed" => Ok(()),
        "secret" if parent.is_none() => Ok(()),
        "secret" => Err(Refusal::invalid(
            "privacy",
            "A nested team cannot be secret",
        )),
        _ => Err(Refusal::invalid(
            "privacy",
            "privacy is not included in the list",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_with_dashes() {
        for (name, slug) in [
            ("Core Maintainers", "core-maintainers"),
            ("sig-testing", "sig-testing"),
            ("A  & B!", "a-b"),
            ("team_x", "team_x"),
        ] {
            assert_eq!(team_slug(name), slug, "{name}");
        }
    }

    #[test]
    fn invitations_wait_unless_accepted_at_once() {
        let mut world = World::default();
        world.add_org("acme", &["alice"]).add_user("bob");
        world.auto_accept_invitations = false;
        world.add_team("acme", "devs", &[]);
        assert_eq!(
            world.set_team_membership("acme", "devs", "bob", true),
            Ok(MembershipState::Pending)
        );
        assert!(!world.orgs["acme"].members.contains("bob"));
        assert!(world.accept_invitation("acme", "bob"));
        let team = &world.orgs["acme"].teams["devs"];
        assert!(team.members.contains("bob") && team.maintainers.contains("bob"));
        world.auto_accept_invitations = true;
        world.add_user("carol");
        assert_eq!(
            world.set_org_membership("acme", "carol", true),
            Ok(MembershipState::Active)
        );
        assert!(world.orgs["acme"].admins.contains("carol"));
    }

    #[test]
    fn deleting_a_team_deletes_the_teams_under_it() {
        let mut world = World::default();
        world
            .add_org("acme", &[])
            .add_team("acme", "a", &[])
            .add_team("acme", "b", &[])
            .add_team("acme", "c", &[])
            .set_team_parent("acme", "b", Some("a"))
            .set_team_parent("acme", "c", Some("b"));
        assert!(world.delete_team("acme", "a"));
        assert!(world.orgs["acme"].teams.is_empty());
    }
}
