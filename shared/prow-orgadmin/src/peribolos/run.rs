//! peribolos against GitHub: read what the flags need ([`observe`]), make a plan's changes
//! ([`apply`]), and write an org as peribolos' YAML ([`dump`]).

use super::config::{OrgConfig, Privacy, RepoConfig, RepoPermission, TeamConfig, Visibility};
use super::plan::{Options, OrgChange, OrgState, TeamRef, TeamState};
use prow_ports::github::{GitHubError, RepoRef};
use prow_ports::github_admin::{
    GitHubOrgAdmin, NewTeam, OrgRole, RepoSettings, TeamEdit, TeamInfo, TeamRole,
};
use std::collections::BTreeMap;

/// Reads what the plan for `org` needs under `options`, and nothing more.
pub async fn observe(
    github: &dyn GitHubOrgAdmin,
    org: &str,
    options: &Options,
) -> Result<OrgState, GitHubError> {
    let mut state = OrgState {
        bot: github.login().await?,
        ..OrgState::default()
    };
    if options.fix_org {
        state.metadata = github.org_metadata(org).await?;
    }
    if options.fix_org_members {
        state.admins = github.org_members(org, OrgRole::Admin).await?;
        state.members = github.org_members(org, OrgRole::Member).await?;
        if !options.ignore_invitees {
            state.invitees = github.org_invitations(org).await?;
        }
    }
    if options.fix_repos {
        state.repos = github.org_repos(org).await?;
    }
    if options.fix_teams {
        for info in github.teams(org).await? {
            state
                .teams
                .push(team_state(github, org, info, options).await?);
        }
    }
    Ok(state)
}

async fn team_state(
    github: &dyn GitHubOrgAdmin,
    org: &str,
    info: TeamInfo,
    options: &Options,
) -> Result<TeamState, GitHubError> {
    let mut team = TeamState::default();
    if options.fix_team_members {
        team.maintainers = github
            .team_members_with_role(org, &info.slug, TeamRole::Maintainer)
            .await?;
        team.members = github
            .team_members_with_role(org, &info.slug, TeamRole::Member)
            .await?;
        if !options.ignore_invitees {
            team.invitees = github.team_invitations(org, &info.slug).await?;
        }
    }
    if options.fix_team_repos {
        team.repos = github
            .team_repos(org, &info.slug)
            .await?
            .into_iter()
            .collect();
    }
    team.info = info;
    Ok(team)
}

/// Teams by reference: those GitHub had, and those created on the way.
struct Teams {
    by_slug: BTreeMap<String, u64>,
    /// By name.
    created: BTreeMap<String, TeamInfo>,
    /// Old slug to new, for teams renamed during the run.
    renamed: BTreeMap<String, String>,
}

impl Teams {
    fn slug(&self, team: &TeamRef) -> Result<String, Failed> {
        match team {
            TeamRef::Existing(slug) => Ok(slug.clone()),
            TeamRef::New(name) => Ok(self.created(name)?.slug.clone()),
        }
    }

    fn id(&self, team: &TeamRef) -> Result<u64, Failed> {
        match team {
            TeamRef::Existing(slug) => self
                .by_slug
                .get(slug)
                .copied()
                .ok_or_else(|| Failed::NotOnGitHub { slug: slug.clone() }),
            TeamRef::New(name) => Ok(self.created(name)?.id),
        }
    }

    /// The team created earlier in the run as `name`.
    fn created(&self, name: &str) -> Result<&TeamInfo, Failed> {
        self.created.get(name).ok_or_else(|| Failed::NotCreated {
            name: name.to_string(),
        })
    }
}

/// Makes the changes in order; a change that fails is reported and the rest go on (a change on
/// a team that could not be created fails too). Returns the problems, each naming its change.
pub async fn apply(
    github: &dyn GitHubOrgAdmin,
    org: &str,
    state: &OrgState,
    changes: &[OrgChange],
) -> Vec<String> {
    let mut teams = Teams {
        by_slug: state
            .teams
            .iter()
            .map(|t| (t.info.slug.clone(), t.info.id))
            .collect(),
        created: BTreeMap::new(),
        renamed: BTreeMap::new(),
    };
    let mut problems = Vec::new();
    for change in changes {
        match apply_one(github, org, &mut teams, change).await {
            Ok(()) => {}
            // Gone already (a member removed from the org leaves its teams too): done.
            Err(Failed::GitHub(error)) if error.is_not_found() && change.removes() => {}
            Err(problem) => problems.push(format!("{change}: {problem}")),
        }
    }
    problems
}

/// Why a change was not made.
#[derive(Debug, thiserror::Error)]
enum Failed {
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    /// A change names a team an earlier change of the run should have created, and did not.
    #[error("team {name} was not created")]
    NotCreated { name: String },
    #[error("team {slug} is not on GitHub")]
    NotOnGitHub { slug: String },
}

impl OrgChange {
    /// Whether the change takes something away.
    fn removes(&self) -> bool {
        matches!(
            self,
            OrgChange::RemoveOrgMember { .. }
                | OrgChange::DeleteTeam { .. }
                | OrgChange::RemoveTeamMember { .. }
                | OrgChange::RemoveTeamRepo { .. }
        )
    }
}

async fn apply_one(
    github: &dyn GitHubOrgAdmin,
    org: &str,
    teams: &mut Teams,
    change: &OrgChange,
) -> Result<(), Failed> {
    let failed = Failed::GitHub;
    match change {
        OrgChange::EditOrg(metadata) => github.edit_org(org, metadata).await.map_err(failed),
        OrgChange::SetOrgMember { login, role } => github
            .set_org_membership(org, login, *role)
            .await
            .map(drop)
            .map_err(failed),
        OrgChange::RemoveOrgMember { login } => github
            .remove_org_membership(org, login)
            .await
            .map_err(failed),
        OrgChange::CreateRepo(repo) => github.create_repo(org, repo).await.map_err(failed),
        OrgChange::EditRepo { repo, change } => github
            .edit_repo(&RepoRef::new(org, repo), change)
            .await
            .map_err(failed),
        OrgChange::CreateTeam {
            name,
            description,
            privacy,
            parent,
        } => {
            let parent_team_id = parent.as_ref().map(|p| teams.id(p)).transpose()?;
            let new = NewTeam {
                name: name.clone(),
                description: description.clone(),
                privacy: privacy.map(|p| p.as_github().to_string()),
                parent_team_id,
            };
            let created = github.create_team(org, &new).await.map_err(failed)?;
            teams.by_slug.insert(created.slug.clone(), created.id);
            teams.created.insert(name.clone(), created);
            Ok(())
        }
        OrgChange::EditTeam {
            team,
            name,
            description,
            privacy,
            parent,
        } => {
            let slug = teams.slug(team)?;
            let parent_team_id = match parent {
                None => None,
                Some(None) => Some(None),
                Some(Some(parent)) => Some(Some(teams.id(parent)?)),
            };
            let edit = TeamEdit {
                name: name.clone(),
                description: description.clone(),
                privacy: privacy.map(|p| p.as_github().to_string()),
                parent_team_id,
            };
            let edited = github.edit_team(org, &slug, &edit).await.map_err(failed)?;
            // A rename changes the slug: later changes find the team under its new one.
            if edited.slug != slug && !edited.slug.is_empty() {
                teams.by_slug.insert(edited.slug.clone(), edited.id);
                teams.renamed.insert(slug, edited.slug);
            }
            Ok(())
        }
        OrgChange::DeleteTeam { slug } => github.delete_team(org, slug).await.map_err(failed),
        OrgChange::SetTeamMember { team, login, role } => {
            let slug = teams.renamed(team)?;
            github
                .set_team_membership(org, &slug, login, *role)
                .await
                .map(drop)
                .map_err(failed)
        }
        OrgChange::RemoveTeamMember { team, login } => {
            let slug = teams.renamed(team)?;
            github
                .remove_team_membership(org, &slug, login)
                .await
                .map_err(failed)
        }
        OrgChange::SetTeamRepo {
            team,
            repo,
            permission,
        } => {
            let slug = teams.renamed(team)?;
            github
                .set_team_repo(org, &slug, repo, *permission)
                .await
                .map_err(failed)
        }
        OrgChange::RemoveTeamRepo { team, repo } => {
            let slug = teams.renamed(team)?;
            github
                .remove_team_repo(org, &slug, repo)
                .await
                .map_err(failed)
        }
    }
}

impl Teams {
    /// The slug a team has now (after a rename earlier in the run).
    fn renamed(&self, team: &TeamRef) -> Result<String, Failed> {
        let slug = self.slug(team)?;
        Ok(self.renamed.get(&slug).cloned().unwrap_or(slug))
    }
}

/// Why an org could not be dumped.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    #[error("--dump must be run with an org admin's token: {bot} is not an admin of {org}")]
    NotAdmin { bot: String, org: String },
}

/// The org as peribolos' YAML: its settings, admins and members, teams (secret ones only unless
/// `ignore_secret_teams`) with their members and repositories, and its repositories' settings
/// where they differ from GitHub's defaults. Refused unless the credentials are an org admin's.
pub async fn dump(
    github: &dyn GitHubOrgAdmin,
    org: &str,
    ignore_secret_teams: bool,
) -> Result<OrgConfig, DumpError> {
    let bot = github.login().await?;
    let metadata = github.org_metadata(org).await?;
    let admins = github.org_members(org, OrgRole::Admin).await?;
    if !admins.iter().any(|a| super::norm(a) == super::norm(&bot)) {
        return Err(DumpError::NotAdmin {
            bot,
            org: org.to_string(),
        });
    }
    let members = github.org_members(org, OrgRole::Member).await?;
    let options = Options {
        fix_teams: true,
        fix_team_members: true,
        fix_team_repos: true,
        ignore_invitees: true,
        ..Options::default()
    };
    let mut teams = Vec::new();
    for info in github.teams(org).await? {
        if ignore_secret_teams && info.privacy == "secret" {
            continue;
        }
        teams.push(team_state(github, org, info, &options).await?);
    }
    let repos = github.org_repos(org).await?;
    Ok(OrgConfig {
        admins,
        members,
        billing_email: Some(metadata.billing_email.unwrap_or_default()),
        company: Some(metadata.company.unwrap_or_default()),
        email: Some(metadata.email.unwrap_or_default()),
        name: Some(metadata.name.unwrap_or_default()),
        description: Some(metadata.description.unwrap_or_default()),
        location: Some(metadata.location.unwrap_or_default()),
        has_organization_projects: Some(metadata.has_organization_projects.unwrap_or_default()),
        has_repository_projects: Some(metadata.has_repository_projects.unwrap_or_default()),
        members_can_create_repositories: Some(
            metadata.members_can_create_repositories.unwrap_or_default(),
        ),
        default_repository_permission: metadata
            .default_repository_permission
            .as_deref()
            .map(|p| RepoPermission::from_port(prow_ports::github::Permission::from_github(p))),
        teams: team_tree(&teams, None),
        repos: repos.iter().map(|r| (r.name.clone(), pruned(r))).collect(),
    })
}

fn team_tree(teams: &[TeamState], parent: Option<u64>) -> BTreeMap<String, TeamConfig> {
    teams
        .iter()
        .filter(|t| t.info.parent == parent)
        .map(|t| {
            let config = TeamConfig {
                description: Some(t.info.description.clone()),
                privacy: Privacy::from_github(&t.info.privacy),
                maintainers: t.maintainers.clone(),
                members: t.members.clone(),
                previously: Vec::new(),
                repos: t
                    .repos
                    .iter()
                    .map(|(repo, p)| (repo.clone(), RepoPermission::from_port(*p)))
                    .collect(),
                teams: team_tree(teams, Some(t.info.id)),
            };
            (t.info.name.clone(), config)
        })
        .collect()
}

/// A repository's settings, leaving out those equal to GitHub's defaults (upstream
/// `PruneRepoDefaults`).
fn pruned(repo: &RepoSettings) -> RepoConfig {
    let unless = |value: bool, default: bool| (value != default).then_some(value);
    let text = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    RepoConfig {
        description: text(&repo.description),
        homepage: text(&repo.homepage),
        visibility: Visibility::from_github(&repo.visibility).filter(|v| *v != Visibility::Public),
        has_issues: unless(repo.has_issues, true),
        has_projects: Some(repo.has_projects),
        has_wiki: unless(repo.has_wiki, true),
        allow_squash_merge: unless(repo.allow_squash_merge, true),
        allow_merge_commit: unless(repo.allow_merge_commit, true),
        allow_rebase_merge: unless(repo.allow_rebase_merge, true),
        archived: unless(repo.archived, false),
        default_branch: Some(repo.default_branch.clone())
            .filter(|b| b != "master" && !b.is_empty()),
        ..RepoConfig::default()
    }
}
