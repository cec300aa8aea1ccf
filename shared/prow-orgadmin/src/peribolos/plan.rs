//! What peribolos changes, decided from the org's YAML and GitHub's state, with upstream's
//! safety rails: a plan that would leave too few admins, drop the bot's own admin rights, or
//! remove more than `--maximum-removal-delta` of the members or teams is refused whole.

use super::config::{OrgConfig, Privacy, RepoConfig, TeamConfig, Visibility};
use prow_ports::github::Permission;
use prow_ports::github_admin::{OrgMetadata, OrgRole, RepoEdit, RepoSettings, TeamInfo, TeamRole};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// upstream's flags, with its defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub min_admins: usize,
    pub required_admins: Vec<String>,
    pub require_self: bool,
    pub maximum_removal_delta: f64,
    pub fix_org: bool,
    pub fix_org_members: bool,
    pub fix_teams: bool,
    pub fix_team_members: bool,
    pub fix_team_repos: bool,
    pub fix_repos: bool,
    pub ignore_secret_teams: bool,
    pub ignore_invitees: bool,
    pub allow_repo_archival: bool,
    pub allow_repo_publish: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_admins: 5,
            required_admins: Vec::new(),
            require_self: true,
            maximum_removal_delta: 0.25,
            fix_org: false,
            fix_org_members: false,
            fix_teams: false,
            fix_team_members: false,
            fix_team_repos: false,
            fix_repos: false,
            ignore_secret_teams: false,
            ignore_invitees: false,
            allow_repo_archival: false,
            allow_repo_publish: false,
        }
    }
}

/// A team as GitHub has it, with what peribolos reads of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamState {
    pub info: TeamInfo,
    pub maintainers: Vec<String>,
    pub members: Vec<String>,
    pub invitees: Vec<String>,
    pub repos: BTreeMap<String, Permission>,
}

/// The org as GitHub has it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgState {
    /// The login the tool acts as.
    pub bot: String,
    pub metadata: OrgMetadata,
    pub admins: Vec<String>,
    pub members: Vec<String>,
    pub invitees: Vec<String>,
    pub teams: Vec<TeamState>,
    pub repos: Vec<RepoSettings>,
}

/// A team already on GitHub (by slug) or one the plan creates (by name).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TeamRef {
    Existing(String),
    New(String),
}

impl fmt::Display for TeamRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TeamRef::Existing(slug) => write!(f, "{slug}"),
            TeamRef::New(name) => write!(f, "{name} (new)"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrgChange {
    EditOrg(OrgMetadata),
    SetOrgMember {
        login: String,
        role: OrgRole,
    },
    RemoveOrgMember {
        login: String,
    },
    CreateRepo(RepoEdit),
    EditRepo {
        repo: String,
        change: RepoEdit,
    },
    CreateTeam {
        name: String,
        description: Option<String>,
        privacy: Option<Privacy>,
        parent: Option<TeamRef>,
    },
    EditTeam {
        team: TeamRef,
        name: String,
        description: Option<String>,
        privacy: Option<Privacy>,
        /// `Some(None)`: no parent any more.
        parent: Option<Option<TeamRef>>,
    },
    DeleteTeam {
        slug: String,
    },
    SetTeamMember {
        team: TeamRef,
        login: String,
        role: TeamRole,
    },
    RemoveTeamMember {
        team: TeamRef,
        login: String,
    },
    SetTeamRepo {
        team: TeamRef,
        repo: String,
        permission: Permission,
    },
    RemoveTeamRepo {
        team: TeamRef,
        repo: String,
    },
}

impl fmt::Display for OrgChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrgChange::EditOrg(change) => write!(f, "edit org settings: {}", fields(change)),
            OrgChange::SetOrgMember { login, role } => {
                write!(f, "make {login} an org {}", role.as_github())
            }
            OrgChange::RemoveOrgMember { login } => write!(f, "remove {login} from the org"),
            OrgChange::CreateRepo(repo) => write!(f, "create repository {}", fields(repo)),
            OrgChange::EditRepo { repo, change } => {
                write!(f, "edit repository {repo}: {}", fields(change))
            }
            OrgChange::CreateTeam {
                name,
                privacy,
                parent,
                ..
            } => {
                write!(f, "create team {name}")?;
                if let Some(privacy) = privacy {
                    write!(f, " ({})", privacy.as_github())?;
                }
                if let Some(parent) = parent {
                    write!(f, " under {parent}")?;
                }
                Ok(())
            }
            OrgChange::EditTeam {
                team,
                name,
                description,
                privacy,
                parent,
            } => {
                write!(f, "edit team {team}:")?;
                if *team != TeamRef::Existing(name.clone()) {
                    write!(f, " name {name:?}")?;
                }
                if let Some(description) = description {
                    write!(f, " description {description:?}")?;
                }
                if let Some(privacy) = privacy {
                    write!(f, " privacy {}", privacy.as_github())?;
                }
                match parent {
                    Some(Some(parent)) => write!(f, " parent {parent}"),
                    Some(None) => write!(f, " no parent"),
                    None => Ok(()),
                }
            }
            OrgChange::DeleteTeam { slug } => write!(f, "delete team {slug}"),
            OrgChange::SetTeamMember { team, login, role } => {
                write!(f, "make {login} a {} of team {team}", role.as_github())
            }
            OrgChange::RemoveTeamMember { team, login } => {
                write!(f, "remove {login} from team {team}")
            }
            OrgChange::SetTeamRepo {
                team,
                repo,
                permission,
            } => write!(f, "give team {team} {} on {repo}", permission.as_config()),
            OrgChange::RemoveTeamRepo { team, repo } => {
                write!(f, "remove team {team}'s access to {repo}")
            }
        }
    }
}

/// A change's body as `key: value, ...` (the fields it sends).
fn fields<T: serde::Serialize>(value: &T) -> String {
    serde_saphyr::to_string(value)
        .map(|yaml| {
            yaml.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The changes for one org, and what could not be done.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<OrgChange>,
    /// People whose invitation is pending: nothing to do until they accept.
    pub waiting: Vec<String>,
    /// Changes the flags do not allow, each saying why; the rest of the plan stands.
    pub refused: Vec<String>,
}

/// A plan refused whole by a safety rail or an inconsistent configuration.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("{org} must specify at least {min} admins, only found {found}")]
    TooFewAdmins {
        org: String,
        min: usize,
        found: usize,
    },
    #[error("{org} must specify {missing:?} as admins (--required-admins)")]
    RequiredAdminsMissing { org: String, missing: Vec<String> },
    #[error(
        "authenticated user {login} is not an admin of {org} in the configuration (--require-self)"
    )]
    SelfNotAdmin { org: String, login: String },
    #[error(
        "cannot delete {count} memberships or {fraction:.3} of {org} (exceeds limit of {limit:.3}, --maximum-removal-delta)"
    )]
    TooManyMemberRemovals {
        org: String,
        count: usize,
        fraction: f64,
        limit: f64,
    },
    #[error(
        "cannot delete {count} teams or {fraction:.3} of {org} teams (exceeds limit of {limit:.3}, --maximum-removal-delta)"
    )]
    TooManyTeamRemovals {
        org: String,
        count: usize,
        fraction: f64,
        limit: f64,
    },
    #[error("all team members/maintainers must also be org members: {0}")]
    TeamMembersOutsideOrg(String),
    #[error(
        "team names must be unique (including previous names), {count} duplicated names: {names}"
    )]
    DuplicateTeamNames { count: usize, names: String },
    #[error("users in both roles: {0}")]
    BothRoles(String),
    #[error("found duplicate repo names (GitHub repo names are case-insensitive): {0}")]
    DuplicateRepoNames(String),
    #[error("repository {repo}: {reason}")]
    Repo { repo: String, reason: String },
}

/// A login as GitHub compares them.
pub fn norm(login: &str) -> String {
    login.trim_start_matches('@').to_lowercase()
}

fn normed(logins: &[String]) -> BTreeSet<String> {
    logins.iter().map(|l| norm(l)).collect()
}

/// The pending invitations that count as memberships: none under `--ignore-invitees`.
fn counted_invitees(options: &Options, invitees: &[String]) -> BTreeSet<String> {
    if options.ignore_invitees {
        BTreeSet::new()
    } else {
        normed(invitees)
    }
}

/// The changes that make GitHub's `org` what `want` says, as far as `options` fixes it.
pub fn plan(
    org: &str,
    want: &OrgConfig,
    have: &OrgState,
    options: &Options,
) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    if options.fix_org
        && let Some(change) = org_metadata_change(want, &have.metadata)
    {
        plan.changes.push(OrgChange::EditOrg(change));
    }
    if options.fix_org_members {
        org_members(org, want, have, options, &mut plan)?;
    }
    if options.fix_repos {
        repos(want, have, options, &mut plan)?;
    }
    if options.fix_teams {
        teams(org, want, have, options, &mut plan)?;
    }
    Ok(plan)
}

fn org_metadata_change(want: &OrgConfig, have: &OrgMetadata) -> Option<OrgMetadata> {
    fn differ<T: PartialEq + Clone>(want: &Option<T>, have: &Option<T>) -> Option<T> {
        want.as_ref().filter(|w| Some(*w) != have.as_ref()).cloned()
    }
    let change = OrgMetadata {
        billing_email: differ(&want.billing_email, &have.billing_email),
        company: differ(&want.company, &have.company),
        email: differ(&want.email, &have.email),
        name: differ(&want.name, &have.name),
        description: differ(&want.description, &have.description),
        location: differ(&want.location, &have.location),
        has_organization_projects: differ(
            &want.has_organization_projects,
            &have.has_organization_projects,
        ),
        has_repository_projects: differ(
            &want.has_repository_projects,
            &have.has_repository_projects,
        ),
        default_repository_permission: differ(
            &want
                .default_repository_permission
                .map(|p| p.as_org_default().to_string()),
            &have.default_repository_permission,
        ),
        members_can_create_repositories: differ(
            &want.members_can_create_repositories,
            &have.members_can_create_repositories,
        ),
    };
    (change != OrgMetadata::default()).then_some(change)
}

/// Team names and previous names of the top-level teams, each used once.
fn check_team_names(want: &OrgConfig) -> Result<(), PlanError> {
    let mut seen = BTreeSet::new();
    let mut duplicated = BTreeSet::new();
    for (name, team) in &want.teams {
        for candidate in std::iter::once(name).chain(&team.previously) {
            if !seen.insert(candidate.clone()) {
                duplicated.insert(candidate.clone());
            }
        }
    }
    if duplicated.is_empty() {
        return Ok(());
    }
    Err(PlanError::DuplicateTeamNames {
        count: duplicated.len(),
        names: duplicated.into_iter().collect::<Vec<_>>().join(", "),
    })
}

fn org_members(
    org: &str,
    want: &OrgConfig,
    have: &OrgState,
    options: &Options,
    plan: &mut Plan,
) -> Result<(), PlanError> {
    let admins: BTreeSet<&String> = want.admins.iter().collect();
    if admins.len() < options.min_admins {
        return Err(PlanError::TooFewAdmins {
            org: org.into(),
            min: options.min_admins,
            found: admins.len(),
        });
    }
    let missing: Vec<String> = options
        .required_admins
        .iter()
        .filter(|r| !want.admins.contains(r))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(PlanError::RequiredAdminsMissing {
            org: org.into(),
            missing,
        });
    }
    // Logins compare ignoring case, as GitHub compares them (upstream compares exactly).
    if options.require_self && !want.admins.iter().any(|a| norm(a) == norm(&have.bot)) {
        return Err(PlanError::SelfNotAdmin {
            org: org.into(),
            login: have.bot.clone(),
        });
    }
    let have_all: BTreeSet<String> = normed(&have.admins)
        .union(&normed(&have.members))
        .cloned()
        .collect();
    let want_all: BTreeSet<String> = normed(&want.admins)
        .union(&normed(&want.members))
        .cloned()
        .collect();
    let removing = have_all.difference(&want_all).count();
    if !have_all.is_empty() {
        let fraction = removing as f64 / have_all.len() as f64;
        if fraction > options.maximum_removal_delta {
            return Err(PlanError::TooManyMemberRemovals {
                org: org.into(),
                count: removing,
                fraction,
                limit: options.maximum_removal_delta,
            });
        }
    }
    let outside: BTreeSet<String> = want
        .teams
        .values()
        .flat_map(|t| t.members.iter().chain(&t.maintainers))
        .map(|l| norm(l))
        .filter(|l| !want_all.contains(l))
        .collect();
    if !outside.is_empty() {
        return Err(PlanError::TeamMembersOutsideOrg(
            outside.into_iter().collect::<Vec<_>>().join(", "),
        ));
    }
    check_team_names(want)?;
    let invitees = counted_invitees(options, &have.invitees);
    let changes = memberships(
        Roles {
            members: &want.members,
            super_: &want.admins,
        },
        Roles {
            members: &have.members,
            super_: &have.admins,
        },
        &invitees,
        plan,
    )?;
    changes.into_plan(
        plan,
        |login, admin| OrgChange::SetOrgMember {
            login,
            role: if admin {
                OrgRole::Admin
            } else {
                OrgRole::Member
            },
        },
        |login| OrgChange::RemoveOrgMember { login },
    );
    Ok(())
}

struct Roles<'a> {
    members: &'a [String],
    /// Admins of an org, maintainers of a team.
    super_: &'a [String],
}

struct MembershipChanges {
    /// Login and whether in the higher role.
    add: Vec<(String, bool)>,
    remove: Vec<String>,
}

impl MembershipChanges {
    /// Additions then removals, as the changes `set` and `remove` make of them.
    fn into_plan(
        self,
        plan: &mut Plan,
        set: impl Fn(String, bool) -> OrgChange,
        remove: impl Fn(String) -> OrgChange,
    ) {
        plan.changes.extend(
            self.add
                .into_iter()
                .map(|(login, higher)| set(login, higher)),
        );
        plan.changes.extend(self.remove.into_iter().map(remove));
    }
}

/// Upstream `configureMembers`: who to add in which role, who to remove; people with a pending
/// invitation are waited for (and removed if no longer wanted).
fn memberships(
    want: Roles<'_>,
    have: Roles<'_>,
    invitees: &BTreeSet<String>,
    plan: &mut Plan,
) -> Result<MembershipChanges, PlanError> {
    let want_members = normed(want.members);
    let want_super = normed(want.super_);
    let both: Vec<String> = want_members.intersection(&want_super).cloned().collect();
    if !both.is_empty() {
        return Err(PlanError::BothRoles(both.join(", ")));
    }
    let have_members = normed(have.members);
    let have_super = normed(have.super_);
    let want_all: BTreeSet<&String> = want_members.union(&want_super).collect();
    let mut add = Vec::new();
    for (wanted, held, role) in [
        (&want_members, &have_members, false),
        (&want_super, &have_super, true),
    ] {
        for login in wanted.difference(held) {
            if invitees.contains(login) {
                plan.waiting.push(login.clone());
            } else {
                add.push((login.clone(), role));
            }
        }
    }
    let remove = have_members
        .iter()
        .chain(&have_super)
        .chain(invitees)
        .filter(|l| !want_all.contains(l))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(MembershipChanges { add, remove })
}

mod repos;
mod teams;

use repos::repos;
use teams::teams;

#[cfg(test)]
mod tests;
