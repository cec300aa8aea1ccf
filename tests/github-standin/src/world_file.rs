//! The world file: a YAML description of the GitHub a sandbox starts from.
//!
//! ```yaml
//! bot: prow-bot                  # the bot's login (default prow-bot; --bot overrides)
//! users: [alice, bob, mallory]   # everyone who may act; members and authors are added too
//! orgs:
//!   example-org:
//!     members: [alice, bob]
//!     admins: [alice]            # members with the admin (owner) role
//!     teams:
//!       - slug: maintainers
//!         members: [bob]
//!         maintainers: [alice]   # maintainers are members too
//!         description: Reviews everything   # privacy: closed (default) or secret
//!         parent: leads          # another team's slug
//!         repos: {app: write}    # read|triage|write|maintain|admin
//! repos:
//!   example-org/app:
//!     default_branch: main       # default main
//!     collaborators: {alice: admin, bob: write, carol: triage}   # read|triage|write|maintain|admin
//!     labels: [lgtm, approved, {name: bug, color: d73a4a, description: Something is broken}]
//!     milestones: [v1.0, {title: v0.9, state: closed}]
//!     branches:
//!       main:                    # the default branch is written first
//!         files:
//!           OWNERS: |
//!             approvers: [alice]
//!           main.go: "package main\n"
//!       release-1.0: {from: main, files: {}}
//!     pulls:                     # numbered 1, 2, … in order, then the issues
//!       - author: mallory
//!         title: Add a feature
//!         body: It does things.
//!         head: feature          # created from base (default: the default branch)
//!         files: {feature.go: "package main\n"}
//!         labels: [needs-ok-to-test]
//!         draft: false
//!     issues:
//!       - {author: bob, title: Flaky test, labels: [bug], milestone: v1.0}
//! ```
//!
//! The file is the state before anything happens: loading it sends no webhooks. Unknown keys,
//! unknown permissions and milestones, and impossible pull requests are errors that name the
//! file and where in it.

use crate::world::{Permission, World};
use crate::world_git::NewPullRequest;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Why a world file could not be loaded; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum WorldFileError {
    #[error("{file}: cannot read it: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {at}: {message}")]
    Invalid {
        file: String,
        /// Where in the file, as a path of keys (`repos.org/repo.pulls[0]`).
        at: String,
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorldFile {
    pub bot: Option<String>,
    pub users: Vec<String>,
    pub orgs: BTreeMap<String, OrgSpec>,
    pub repos: BTreeMap<String, RepoSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrgSpec {
    pub members: Vec<String>,
    /// Members with the admin (owner) role.
    pub admins: Vec<String>,
    pub teams: Vec<TeamSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    pub slug: String,
    pub name: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub maintainers: Vec<String>,
    pub description: Option<String>,
    /// `closed` (the default) or `secret`.
    pub privacy: Option<String>,
    /// The parent team's slug.
    pub parent: Option<String>,
    /// The org's repositories (by name) the team has access to, with its permission.
    #[serde(default)]
    pub repos: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepoSpec {
    pub default_branch: Option<String>,
    pub private: bool,
    /// Login to permission (`read`, `triage`, `write`, `maintain`, `admin`; `pull`/`push` too).
    pub collaborators: BTreeMap<String, String>,
    pub labels: Vec<LabelSpec>,
    pub milestones: Vec<MilestoneSpec>,
    pub branches: BTreeMap<String, BranchSpec>,
    pub pulls: Vec<PullSpec>,
    pub issues: Vec<IssueSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum LabelSpec {
    Name(String),
    Full {
        name: String,
        color: Option<String>,
        description: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MilestoneSpec {
    Title(String),
    Full {
        title: String,
        state: Option<String>,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BranchSpec {
    /// The branch it starts from (default: the default branch).
    pub from: Option<String>,
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullSpec {
    pub author: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub head: String,
    pub base: Option<String>,
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub assignees: Vec<String>,
    pub milestone: Option<String>,
    #[serde(default)]
    pub draft: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueSpec {
    pub author: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub assignees: Vec<String>,
    pub milestone: Option<String>,
}

fn permission(text: &str) -> Option<Permission> {
    Some(match text {
        "read" | "pull" => Permission::Read,
        "triage" => Permission::Triage,
        "write" | "push" => Permission::Write,
        "maintain" => Permission::Maintain,
        "admin" => Permission::Admin,
        _ => return None,
    })
}

impl World {
    /// Loads the world file at `path`; `bot` (a `--bot` flag) overrides the file's `bot:`.
    pub fn from_world_file(path: &Path, bot: Option<&str>) -> Result<World, WorldFileError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| WorldFileError::Read {
            file: file.clone(),
            source,
        })?;
        World::from_world_yaml(&text, &file, bot)
    }

    /// Builds the world `text` describes; `file` names it in errors.
    pub fn from_world_yaml(
        text: &str,
        file: &str,
        bot: Option<&str>,
    ) -> Result<World, WorldFileError> {
        let spec: WorldFile = if text.trim().is_empty() {
            WorldFile::default()
        } else {
            serde_saphyr::from_str(text).map_err(|error| WorldFileError::Syntax {
                file: file.to_string(),
                message: error
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches("error: ")
                    .to_string(),
            })?
        };
        spec.build(bot)
            .map_err(|(at, message)| WorldFileError::Invalid {
                file: file.to_string(),
                at,
                message,
            })
    }
}

type Invalid = (String, String);

impl WorldFile {
    /// The world this file describes, its seeding events dropped.
    pub fn build(&self, bot: Option<&str>) -> Result<World, Invalid> {
        let bot = bot.or(self.bot.as_deref()).unwrap_or("prow-bot");
        let mut world = World::new(bot);
        for user in &self.users {
            world.add_user(user);
        }
        for (name, org) in &self.orgs {
            let members: Vec<&str> = org.members.iter().map(String::as_str).collect();
            world.add_org(name, &members);
            let admins: Vec<&str> = org.admins.iter().map(String::as_str).collect();
            world.add_org_admins(name, &admins);
            for (i, team) in org.teams.iter().enumerate() {
                team.build(&mut world, name, &format!("orgs.{name}.teams[{i}]"))?;
            }
            for (i, team) in org.teams.iter().enumerate() {
                if let Some(parent) = &team.parent {
                    if !world
                        .orgs
                        .get(name)
                        .is_some_and(|o| o.teams.contains_key(parent))
                    {
                        return Err((
                            format!("orgs.{name}.teams[{i}].parent"),
                            format!("no team {parent:?} in the org"),
                        ));
                    }
                    world.set_team_parent(name, &team.slug, Some(parent));
                }
            }
        }
        for (name, repo) in &self.repos {
            repo.build(&mut world, name)?;
        }
        world.outbox.clear();
        Ok(world)
    }
}

impl TeamSpec {
    fn build(&self, world: &mut World, org: &str, at: &str) -> Result<(), Invalid> {
        if self.slug.is_empty() {
            return Err((at.to_string(), "slug is required".into()));
        }
        let members: Vec<&str> = self.members.iter().map(String::as_str).collect();
        let maintainers: Vec<&str> = self.maintainers.iter().map(String::as_str).collect();
        world
            .add_team(org, &self.slug, &members)
            .add_team_maintainers(org, &self.slug, &maintainers);
        for (repo, text) in &self.repos {
            let permission = match permission(text) {
                Some(Permission::Read) => "pull",
                Some(Permission::Triage) => "triage",
                Some(Permission::Write) => "push",
                Some(Permission::Maintain) => "maintain",
                Some(Permission::Admin) => "admin",
                None => {
                    return Err((
                        format!("{at}.repos.{repo}"),
                        format!(
                            "unknown permission {text:?} (read, triage, write, maintain or admin)"
                        ),
                    ));
                }
            };
            world.add_team_repo(org, &self.slug, repo, permission);
        }
        let Some(found) = world
            .orgs
            .get_mut(org)
            .and_then(|o| o.teams.get_mut(&self.slug))
        else {
            return Ok(());
        };
        if let Some(title) = &self.name {
            found.name = title.clone();
        }
        found.description = self.description.clone();
        match self.privacy.as_deref() {
            None => {}
            Some(privacy @ ("closed" | "secret")) => found.privacy = privacy.to_string(),
            Some(other) => {
                return Err((
                    format!("{at}.privacy"),
                    format!("unknown privacy {other:?} (closed or secret)"),
                ));
            }
        }
        Ok(())
    }
}

impl RepoSpec {
    fn build(&self, world: &mut World, name: &str) -> Result<(), Invalid> {
        let at = |rest: &str| format!("repos.{name}{rest}");
        let Some((owner, repo_name)) = name.split_once('/') else {
            return Err((at(""), "a repository is named owner/name".into()));
        };
        if owner.is_empty() || repo_name.is_empty() || repo_name.contains('/') {
            return Err((at(""), "a repository is named owner/name".into()));
        }
        world.add_repo(name);
        let default_branch = self.default_branch.clone().unwrap_or_else(|| "main".into());
        if let Some(repo) = world.repos.get_mut(name) {
            repo.private = self.private;
            if default_branch != repo.default_branch
                && let Some(root) = repo.branches.remove(&repo.default_branch)
            {
                repo.branches.insert(default_branch.clone(), root);
                repo.default_branch = default_branch.clone();
            }
        }
        for (login, text) in &self.collaborators {
            let permission = permission(text).ok_or_else(|| {
                (
                    at(&format!(".collaborators.{login}")),
                    format!("unknown permission {text:?} (read, triage, write, maintain or admin)"),
                )
            })?;
            world.add_collaborator(name, login, permission);
        }
        for label in &self.labels {
            let (label_name, color, description) = match label {
                LabelSpec::Name(n) => (n, None, None),
                LabelSpec::Full {
                    name,
                    color,
                    description,
                } => (name, color.as_ref(), description.as_ref()),
            };
            world.add_label(name, label_name);
            if let Some(found) = world
                .repos
                .get_mut(name)
                .and_then(|r| r.labels.get_mut(label_name))
            {
                if let Some(color) = color {
                    found.color = color.trim_start_matches('#').to_string();
                }
                if let Some(description) = description {
                    found.description = description.clone();
                }
            }
        }
        for milestone in &self.milestones {
            let (title, state) = match milestone {
                MilestoneSpec::Title(t) => (t, None),
                MilestoneSpec::Full { title, state } => (title, state.as_deref()),
            };
            let number = world.add_milestone(name, title);
            match state {
                None | Some("open") => {}
                Some("closed") => {
                    if let Some(m) = world
                        .repos
                        .get_mut(name)
                        .and_then(|r| r.milestones.get_mut(&number))
                    {
                        m.open = false;
                    }
                }
                Some(other) => {
                    return Err((
                        at(".milestones"),
                        format!("milestone {title:?}: unknown state {other:?} (open or closed)"),
                    ));
                }
            }
        }
        self.build_branches(world, name, &default_branch)?;
        for (i, pull) in self.pulls.iter().enumerate() {
            pull.build(world, name, &at(&format!(".pulls[{i}]")))?;
        }
        for (i, issue) in self.issues.iter().enumerate() {
            issue.build(world, name, &at(&format!(".issues[{i}]")))?;
        }
        Ok(())
    }

    /// Writes the default branch first, then each branch once the one it starts from exists.
    fn build_branches(
        &self,
        world: &mut World,
        name: &str,
        default_branch: &str,
    ) -> Result<(), Invalid> {
        let bot = world.bot.clone();
        let mut left: Vec<(&String, &BranchSpec)> = self.branches.iter().collect();
        left.sort_by_key(|(branch, _)| *branch != default_branch);
        while !left.is_empty() {
            let ready = left.iter().position(|(branch, spec)| {
                let from = spec.from.as_deref().unwrap_or(default_branch);
                *branch == default_branch
                    || world
                        .repo(name)
                        .is_some_and(|r| r.branches.contains_key(from))
            });
            let Some(ready) = ready else {
                let (branch, spec) = left[0];
                return Err((
                    format!("repos.{name}.branches.{branch}"),
                    format!(
                        "starts from {:?}, which is not a branch",
                        spec.from.as_deref().unwrap_or(default_branch)
                    ),
                ));
            };
            let (branch, spec) = left.remove(ready);
            let files: Vec<(&str, &str)> = spec
                .files
                .iter()
                .map(|(p, c)| (p.as_str(), c.as_str()))
                .collect();
            let from = spec.from.as_deref().unwrap_or(default_branch);
            world.commit_on(name, branch, Some(from), &bot, "Initial files", &files);
        }
        Ok(())
    }
}

/// The number of the milestone titled `title`, or an error at `at`.
fn milestone_number(world: &World, repo: &str, title: &str, at: &str) -> Result<u64, Invalid> {
    world
        .repo(repo)
        .and_then(|r| r.milestones.values().find(|m| m.title == title))
        .map(|m| m.number)
        .ok_or_else(|| {
            (
                at.to_string(),
                format!("no milestone {title:?} in the repository's milestones"),
            )
        })
}

/// Sets what a seeded issue or pull request carries beyond its opening.
fn decorate(
    world: &mut World,
    repo: &str,
    number: u64,
    assignees: &[String],
    milestone: Option<&str>,
    at: &str,
) -> Result<(), Invalid> {
    let milestone = milestone
        .map(|t| milestone_number(world, repo, t, at))
        .transpose()?;
    for login in assignees {
        world.add_user(login);
    }
    if let Some(issue) = world.issue_mut(repo, number) {
        issue.assignees = assignees.to_vec();
        issue.milestone = milestone;
    }
    Ok(())
}

impl PullSpec {
    fn build(&self, world: &mut World, repo: &str, at: &str) -> Result<(), Invalid> {
        if self.author.is_empty() || self.title.is_empty() || self.head.is_empty() {
            return Err((at.to_string(), "author, title and head are required".into()));
        }
        let spec = NewPullRequest {
            repo: repo.to_string(),
            author: self.author.clone(),
            head: self.head.clone(),
            base: self.base.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            files: self
                .files
                .iter()
                .map(|(p, c)| (p.clone(), c.clone()))
                .collect(),
            draft: self.draft,
            labels: self.labels.clone(),
        };
        let (number, _) = world
            .open_pull_request_with(&spec)
            .map_err(|error| (at.to_string(), error.to_string()))?;
        decorate(
            world,
            repo,
            number,
            &self.assignees,
            self.milestone.as_deref(),
            at,
        )
    }
}

impl IssueSpec {
    fn build(&self, world: &mut World, repo: &str, at: &str) -> Result<(), Invalid> {
        if self.author.is_empty() || self.title.is_empty() {
            return Err((at.to_string(), "author and title are required".into()));
        }
        let number = world.open_issue(repo, &self.author, &self.title);
        for label in &self.labels {
            if !world
                .repo(repo)
                .is_some_and(|r| r.labels.contains_key(label))
            {
                world.add_label(repo, label);
            }
        }
        if let Some(issue) = world.issue_mut(repo, number) {
            issue.body = self.body.clone();
            issue.labels = self.labels.clone();
        }
        decorate(
            world,
            repo,
            number,
            &self.assignees,
            self.milestone.as_deref(),
            at,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../examples/world.yaml");

    #[test]
    fn the_example_world_loads_with_its_owners_files_and_open_pull_request() {
        let world = World::from_world_yaml(EXAMPLE, "world.yaml", None).unwrap();
        assert!(world.outbox.is_empty(), "seeding sends no webhooks");
        let repo = "example-org/app";
        assert!(
            world
                .file(repo, "main", "OWNERS")
                .is_some_and(|o| o.contains("approvers"))
        );
        assert!(world.file(repo, "main", "OWNERS_ALIASES").is_some());
        let pull = world.issue(repo, 1).unwrap();
        assert!(pull.open && pull.pull.is_some());
        assert!(world.orgs["example-org"].members.contains("alice"));
        assert!(world.permission_of(repo, "alice").is_some());
    }

    #[test]
    fn a_full_world_is_built_as_written() {
        let text = r##"
bot: robot
users: [mallory]
orgs:
  acme:
    members: [alice]
    admins: [carol]
    teams:
      - {slug: leads, name: Leads, members: [bob], maintainers: [alice]}
      - {slug: devs, parent: leads, description: Developers, repos: {widgets: write}}
repos:
  acme/widgets:
    default_branch: trunk
    collaborators: {bob: push}
    labels: [lgtm, {name: bug, color: "#d73a4a", description: Broken}]
    milestones: [v1, {title: v0, state: closed}]
    branches:
      trunk: {files: {OWNERS: "approvers: [alice]\n"}}
      release: {from: trunk, files: {VERSION: "1\n"}}
    pulls:
      - {author: mallory, title: Fix, head: fix, base: release, files: {a.go: "x\n"}, labels: [bug], draft: true, milestone: v1, assignees: [bob]}
    issues:
      - {author: bob, title: Broken, body: It is., labels: [triage/needed]}
"##;
        let world = World::from_world_yaml(text, "w.yaml", None).unwrap();
        assert_eq!(world.bot, "robot");
        let team = &world.orgs["acme"].teams["leads"];
        assert_eq!(team.name, "Leads");
        assert!(team.members.contains("alice") && team.maintainers.contains("alice"));
        let devs = &world.orgs["acme"].teams["devs"];
        assert_eq!(devs.parent, Some(team.id));
        assert_eq!(devs.repos["widgets"], "push");
        assert_eq!(devs.description.as_deref(), Some("Developers"));
        assert!(world.orgs["acme"].admins.contains("carol"));
        let repo = world.repo("acme/widgets").unwrap();
        assert_eq!(repo.default_branch, "trunk");
        assert_eq!(repo.collaborators["bob"], Permission::Write);
        assert_eq!(repo.labels["bug"].color, "d73a4a");
        assert!(!repo.milestones[&2].open);
        assert_eq!(
            world
                .file("acme/widgets", "release", "OWNERS")
                .map(String::as_str),
            Some("approvers: [alice]\n")
        );
        let pull = world.issue("acme/widgets", 1).unwrap();
        let head = pull.pull.as_ref().unwrap();
        assert_eq!((head.base_ref.as_str(), head.draft), ("release", true));
        assert_eq!(
            (pull.labels.clone(), pull.assignees.clone(), pull.milestone),
            (vec!["bug".to_string()], vec!["bob".to_string()], Some(1))
        );
        let issue = world.issue("acme/widgets", 2).unwrap();
        assert_eq!(
            (issue.body.as_str(), issue.labels.as_slice()),
            ("It is.", &["triage/needed".to_string()][..])
        );
        assert_eq!(
            World::from_world_yaml(text, "w.yaml", Some("other"))
                .unwrap()
                .bot,
            "other"
        );
    }

    #[test]
    fn mistakes_are_named_with_the_file_and_where_in_it() {
        let cases = [
            (
                "repos: {acme/w: {collaborators: {bob: rw}}}",
                "w.yaml: repos.acme/w.collaborators.bob: unknown permission \"rw\"",
            ),
            (
                "repos: {widgets: {}}",
                "w.yaml: repos.widgets: a repository is named owner/name",
            ),
            (
                "repos: {acme/w: {issues: [{author: a, title: t, milestone: v9}]}}",
                "w.yaml: repos.acme/w.issues[0]: no milestone \"v9\"",
            ),
            (
                "repos: {acme/w: {pulls: [{author: a, title: t, head: main}]}}",
                "w.yaml: repos.acme/w.pulls[0]: the head branch \"main\" is the base branch",
            ),
            (
                "repos: {acme/w: {branches: {b: {from: nope}}}}",
                "w.yaml: repos.acme/w.branches.b: starts from \"nope\"",
            ),
            (
                "repoz: {}",
                "w.yaml: line 1 column 1: unknown field `repoz`",
            ),
        ];
        for (text, expected) in cases {
            let error = World::from_world_yaml(text, "w.yaml", None)
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(expected), "{text}: {error}");
        }
        let missing =
            World::from_world_file(Path::new("/nonexistent/world.yaml"), None).unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("/nonexistent/world.yaml: cannot read it"),
            "{missing}"
        );
    }
}
