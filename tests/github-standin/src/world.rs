//! The state behind the stand-in: users, orgs, repositories with branches and commits, issues
//! and pull requests with comments and labels, and commit statuses. Tests seed it directly and
//! assert on it; the REST handlers read and change it exactly as GitHub would.

use std::collections::{BTreeMap, BTreeSet};

/// GitHub's permission levels for a collaborator, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Triage => "triage",
            Permission::Write => "write",
            Permission::Maintain => "maintain",
            Permission::Admin => "admin",
        }
    }
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: u64,
    pub login: String,
    /// `User` or `Bot`.
    pub kind: &'static str,
}

#[derive(Clone, Debug, Default)]
pub struct Org {
    pub id: u64,
    /// Everyone in the org, admins included.
    pub members: BTreeSet<String>,
    /// The members with the admin (owner) role.
    pub admins: BTreeSet<String>,
    /// Teams by slug.
    pub teams: BTreeMap<String, Team>,
    /// Its profile and defaults (`GET`/`PATCH /orgs/{org}`).
    pub profile: crate::world_admin::OrgProfile,
    /// Invitations not yet accepted, by login.
    pub invitations: BTreeMap<String, crate::world_admin::Invitation>,
}

/// A team; its `Default` is GitHub's for a new one ([`crate::world_admin`]).
#[derive(Clone, Debug)]
pub struct Team {
    pub id: u64,
    pub name: String,
    /// Everyone on the team, maintainers included (GitHub lists both).
    pub members: BTreeSet<String>,
    /// The members with the maintainer role.
    pub maintainers: BTreeSet<String>,
    pub description: Option<String>,
    /// `closed` (visible to the org) or `secret`.
    pub privacy: String,
    /// The parent team's id.
    pub parent: Option<u64>,
    /// The org's repositories the team has access to: name to GitHub's permission (`pull`,
    /// `triage`, `push`, `maintain`, `admin`).
    pub repos: BTreeMap<String, String>,
}

/// A GitHub App: its id, slug, the public half of its key (PEM) to check its JWTs, and its
/// installations (installation id to the account it is installed on).
#[derive(Clone, Debug)]
pub struct App {
    pub id: u64,
    pub slug: String,
    pub public_key_pem: String,
    pub installations: BTreeMap<u64, String>,
}

#[derive(Clone, Debug)]
pub struct CheckRun {
    pub id: u64,
    pub name: String,
    pub head_sha: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    pub conclusion: Option<String>,
    pub details_url: String,
    pub external_id: String,
    pub title: String,
    pub summary: String,
}

#[derive(Clone, Debug)]
pub struct Commit {
    pub sha: String,
    pub message: String,
    pub parents: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: String,
}

#[derive(Clone, Debug)]
pub struct Comment {
    pub id: u64,
    pub author: String,
    pub body: String,
    pub created_at: u64,
    pub updated_at: u64,
}

#[derive(Clone, Debug)]
pub struct ChangedFile {
    pub filename: String,
    /// `added`, `modified`, `removed` or `renamed`.
    pub status: String,
    pub additions: u64,
    pub deletions: u64,
}

#[derive(Clone, Debug)]
pub struct PullRequest {
    pub head_ref: String,
    pub head_sha: String,
    pub base_ref: String,
    pub base_sha: String,
    pub draft: bool,
    /// `None` while GitHub is still computing it.
    pub mergeable: Option<bool>,
    pub merged: bool,
    /// The commit its merge made on the base branch.
    pub merge_commit_sha: Option<String>,
    pub files: Vec<ChangedFile>,
}

#[derive(Clone, Debug)]
pub struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: String,
    pub author: String,
    pub open: bool,
    /// Why it was closed or reopened last (`completed`, `not_planned`, `reopened`).
    pub state_reason: Option<String>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    /// A milestone number of the repo.
    pub milestone: Option<u64>,
    pub requested_reviewers: Vec<String>,
    /// Slugs of the org's teams asked for a review.
    pub requested_teams: Vec<String>,
    pub reviews: Vec<Review>,
    pub comments: Vec<Comment>,
    pub pull: Option<PullRequest>,
    pub created_at: u64,
    pub updated_at: u64,
}

#[derive(Clone, Debug)]
pub struct Review {
    pub id: u64,
    pub author: String,
    /// `APPROVED`, `CHANGES_REQUESTED` or `COMMENTED`.
    pub state: String,
    pub body: String,
    pub commit_id: String,
    pub submitted_at: u64,
}

#[derive(Clone, Debug)]
pub struct Milestone {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub open: bool,
}

#[derive(Clone, Debug)]
pub struct Status {
    pub id: u64,
    pub state: String,
    pub context: String,
    pub description: String,
    pub target_url: String,
    pub creator: String,
    pub created_at: u64,
}

#[derive(Clone, Debug)]
pub struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub default_branch: String,
    pub private: bool,
    pub collaborators: BTreeMap<String, Permission>,
    /// Branch name to head commit SHA.
    pub branches: BTreeMap<String, String>,
    pub commits: BTreeMap<String, Commit>,
    pub labels: BTreeMap<String, Label>,
    pub issues: BTreeMap<u64, Issue>,
    /// Statuses per commit SHA, oldest first; the latest per context wins.
    pub statuses: BTreeMap<String, Vec<Status>>,
    /// File contents per branch, by path.
    pub files: BTreeMap<String, BTreeMap<String, String>>,
    /// The tree of each pushed commit (a name for its files), as git names trees.
    pub trees: BTreeMap<String, String>,
    /// Check runs per commit SHA.
    pub check_runs: BTreeMap<String, Vec<CheckRun>>,
    pub milestones: BTreeMap<u64, Milestone>,
    /// What peribolos manages: description, homepage, features and merge methods.
    pub settings: crate::world_admin::RepoSettings,
    /// Protected branches, by name.
    pub protection: BTreeMap<String, crate::world_admin::BranchProtection>,
}

impl Repo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// One API call the stand-in answered, for tests that count GitHub API use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub method: String,
    /// Path and query, as sent.
    pub uri: String,
    pub status: u16,
    /// The App installation whose token authorized the call, if one did.
    pub installation: Option<u64>,
}

/// An injected failure: the next `times` calls with `method` whose path contains `path` are
/// answered with `status` (as GitHub's front end does when it fails: a 5xx with a short body).
#[derive(Clone, Debug)]
pub struct Fault {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub times: usize,
    /// A secondary rate limit: answered 403 with this `retry-after` (seconds).
    pub retry_after: Option<u64>,
    /// A slow answer: the real answer, this late (`status` is then ignored).
    pub delay: Option<std::time::Duration>,
}

impl Fault {
    /// The next `times` `method` calls whose path contains `path`, answered with `status`.
    fn answering(method: &str, path: &str, status: u16, times: usize) -> Fault {
        Fault {
            method: method.to_string(),
            path: path.to_string(),
            status,
            times,
            retry_after: None,
            delay: None,
        }
    }
}

/// An OAuth App (what deck signs people in with).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthApp {
    pub name: String,
    pub client_secret: String,
}

#[derive(Debug)]
pub struct World {
    pub users: BTreeMap<String, User>,
    pub orgs: BTreeMap<String, Org>,
    /// Keyed by `owner/name`.
    pub repos: BTreeMap<String, Repo>,
    /// The login the API acts as (`GET /user`), whatever token is sent.
    pub bot: String,
    pub calls: Vec<Call>,
    /// Core rate limit left; each answered call but a 304 spends one, as on GitHub. At zero,
    /// calls are refused with GitHub's 403 until the window resets.
    pub rate_limit_remaining: u64,
    pub rate_limit: u64,
    /// When the current window resets (Unix seconds, real time): an hour after its first call,
    /// and then the whole limit is back, as on GitHub.
    pub rate_limit_reset: u64,
    pub apps: BTreeMap<u64, App>,
    /// Installation tokens issued, to the app id and installation they act for.
    pub installation_tokens: BTreeMap<String, (u64, u64)>,
    /// How long new installation tokens live, in seconds; `None` gives a far-future expiry.
    pub installation_token_lifetime: Option<u64>,
    /// Webhooks waiting to be delivered, oldest first.
    pub outbox: Vec<crate::events::Delivery>,
    /// Answers to give instead of the real ones, for the next matching calls.
    pub faults: Vec<Fault>,
    /// Tokens that act as the bot. When empty, every token that names no user acts as the bot;
    /// otherwise any other token is refused with 401, as GitHub refuses a bad token.
    pub bot_tokens: BTreeSet<String>,
    /// Every attempt to deliver a webhook in the background, oldest first (GitHub's "recent
    /// deliveries").
    pub delivery_attempts: Vec<crate::deliveries::DeliveryAttempt>,
    /// Every webhook the background deliverer took from the outbox, by `X-GitHub-Delivery`, so
    /// that it can be redelivered.
    pub delivered: BTreeMap<String, crate::events::Delivery>,
    /// How the next deliveries are lost, one entry per delivery attempt.
    pub drops: std::collections::VecDeque<crate::deliveries::DeliveryDrop>,
    /// OAuth Apps people may sign in to (GitHub's web flow), by client id.
    pub oauth_apps: BTreeMap<String, OAuthApp>,
    /// Codes handed to an OAuth App's redirect, not yet exchanged: to the client id, the login
    /// and the redirect URI they were issued for.
    pub(crate) oauth_codes: BTreeMap<String, (String, String, String)>,
    /// User access tokens issued through the web flow, to the login they act as.
    pub oauth_tokens: BTreeMap<String, String>,
    /// Whether people accept an invitation to an org at once (the default, so a tool converges
    /// in one pass). When `false`, making someone a member who is not one leaves an invitation
    /// pending (`state: pending`) until [`World::accept_invitation`].
    pub auto_accept_invitations: bool,
    /// The API's own base URL, for URLs inside payloads.
    pub(crate) api_base: String,
    pub(crate) deliveries: u64,
    next_id: u64,
    /// A logical clock in seconds since the Unix epoch: each change advances it, so times are
    /// ordered and tests are repeatable.
    clock: u64,
}

/// 2026-01-01T00:00:00Z, where the logical clock starts.
const EPOCH: u64 = 1_767_225_600;

impl Default for World {
    fn default() -> Self {
        World::new("prow-bot")
    }
}

impl World {
    pub fn new(bot: &str) -> Self {
        let mut world = World {
            users: BTreeMap::new(),
            orgs: BTreeMap::new(),
            repos: BTreeMap::new(),
            bot: bot.to_string(),
            calls: Vec::new(),
            rate_limit_remaining: 5000,
            rate_limit: 5000,
            rate_limit_reset: 0,
            installation_token_lifetime: None,
            apps: BTreeMap::new(),
            installation_tokens: BTreeMap::new(),
            outbox: Vec::new(),
            faults: Vec::new(),
            bot_tokens: BTreeSet::new(),
            delivery_attempts: Vec::new(),
            drops: std::collections::VecDeque::new(),
            delivered: BTreeMap::new(),
            oauth_apps: BTreeMap::new(),
            oauth_codes: BTreeMap::new(),
            oauth_tokens: BTreeMap::new(),
            auto_accept_invitations: true,
            api_base: "https://api.github.com".to_string(),
            deliveries: 0,
            next_id: 1000,
            clock: EPOCH,
        };
        world.add_user(bot);
        world
    }

    /// Answers the next `times` `method` calls whose path contains `path` with `status`.
    pub fn fail_next(&mut self, method: &str, path: &str, status: u16, times: usize) {
        self.faults
            .push(Fault::answering(method, path, status, times));
    }

    /// Refuses the next `times` `method` calls whose path contains `path` as GitHub's secondary
    /// rate limit does: 403, `retry-after: <seconds>`.
    pub fn limit_next(&mut self, method: &str, path: &str, retry_after: u64, times: usize) {
        self.faults.push(Fault {
            retry_after: Some(retry_after),
            ..Fault::answering(method, path, 403, times)
        });
    }

    /// Answers the next `times` `method` calls whose path contains `path` correctly, but only
    /// after `delay` (GitHub on a bad day).
    pub fn slow_next(
        &mut self,
        method: &str,
        path: &str,
        delay: std::time::Duration,
        times: usize,
    ) {
        self.faults.push(Fault {
            delay: Some(delay),
            ..Fault::answering(method, path, 200, times)
        });
    }

    /// Loses the next `times` webhook delivery attempts of the background deliverer as `how`
    /// says (the receiver never sees them), as a network or a proxy loses webhooks.
    pub fn drop_next_deliveries(&mut self, how: crate::deliveries::DeliveryDrop, times: usize) {
        self.drops.extend(std::iter::repeat_n(how, times));
    }

    /// The fault this call meets, spending one of its times.
    pub(crate) fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        let fault = self.faults.iter_mut().find(|f| {
            f.times > 0 && f.method.eq_ignore_ascii_case(method) && path.contains(&f.path)
        })?;
        fault.times -= 1;
        Some(fault.clone())
    }

    /// Starts a new rate-limit window when the last one has passed (`now`: Unix seconds).
    pub(crate) fn roll_rate_limit_window(&mut self, now: u64) {
        if now >= self.rate_limit_reset {
            self.rate_limit_reset = now + 3600;
            self.rate_limit_remaining = self.rate_limit;
        }
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Makes sure `author` exists, for something they add now: its id and the clock's tick.
    pub(crate) fn added_by(&mut self, author: &str) -> (u64, u64) {
        self.add_user(author);
        (self.next_id(), self.tick())
    }

    pub(crate) fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    pub fn add_user(&mut self, login: &str) -> &mut Self {
        if !self.users.contains_key(login) {
            let id = self.next_id();
            let kind = if login.ends_with("[bot]") {
                "Bot"
            } else {
                "User"
            };
            self.users.insert(
                login.to_string(),
                User {
                    id,
                    login: login.to_string(),
                    kind,
                },
            );
        }
        self
    }

    pub fn add_org(&mut self, org: &str, members: &[&str]) -> &mut Self {
        for member in members {
            self.add_user(member);
        }
        let id = self.next_id();
        let entry = self.orgs.entry(org.to_string()).or_insert_with(|| Org {
            id,
            ..Org::default()
        });
        entry.members.extend(members.iter().map(|m| m.to_string()));
        self
    }

    /// Creates `owner/name` with one commit on its default branch `main`.
    pub fn add_repo(&mut self, full_name: &str) -> &mut Self {
        let (owner, name) = full_name.split_once('/').unwrap_or((full_name, full_name));
        self.add_user(owner);
        let id = self.next_id();
        let root = sha_of(&format!("{full_name} initial commit"));
        let mut repo = Repo {
            id,
            owner: owner.to_string(),
            name: name.to_string(),
            default_branch: "main".to_string(),
            private: false,
            collaborators: BTreeMap::new(),
            branches: BTreeMap::new(),
            commits: BTreeMap::new(),
            labels: BTreeMap::new(),
            issues: BTreeMap::new(),
            statuses: BTreeMap::new(),
            files: BTreeMap::new(),
            trees: BTreeMap::new(),
            check_runs: BTreeMap::new(),
            milestones: BTreeMap::new(),
            settings: crate::world_admin::RepoSettings::default(),
            protection: BTreeMap::new(),
        };
        repo.commits.insert(
            root.clone(),
            Commit {
                sha: root.clone(),
                message: "Initial commit".into(),
                parents: vec![],
            },
        );
        repo.branches.insert("main".into(), root);
        self.repos.insert(full_name.to_string(), repo);
        self
    }

    /// Registers a GitHub App installed on `accounts` (installation ids are returned in order).
    pub fn add_app(
        &mut self,
        id: u64,
        slug: &str,
        public_key_pem: &str,
        accounts: &[&str],
    ) -> Vec<u64> {
        self.add_user(&format!("{slug}[bot]"));
        let mut installations = BTreeMap::new();
        let ids: Vec<u64> = accounts
            .iter()
            .map(|account| {
                let installation = self.next_id();
                installations.insert(installation, account.to_string());
                installation
            })
            .collect();
        self.apps.insert(
            id,
            App {
                id,
                slug: slug.to_string(),
                public_key_pem: public_key_pem.to_string(),
                installations,
            },
        );
        ids
    }

    pub fn add_milestone(&mut self, full_name: &str, title: &str) -> u64 {
        let id = self.next_id();
        let Some(repo) = self.repos.get_mut(full_name) else {
            return 0;
        };
        let number = repo.milestones.len() as u64 + 1;
        repo.milestones.insert(
            number,
            Milestone {
                id,
                number,
                title: title.to_string(),
                open: true,
            },
        );
        number
    }

    /// The tree of commit `sha`: recorded when it was pushed, else named after its sha.
    pub fn tree_sha(&self, full_name: &str, sha: &str) -> String {
        self.repos
            .get(full_name)
            .and_then(|r| r.trees.get(sha).cloned())
            .unwrap_or_else(|| sha_of(&format!("tree of {sha}")))
    }

    /// Whether `login` may be assigned or asked to review in `full_name`: GitHub allows
    /// collaborators and members of the owning org, and silently drops anyone else.
    pub fn can_be_assigned(&self, full_name: &str, login: &str) -> bool {
        let Some(repo) = self.repos.get(full_name) else {
            return false;
        };
        repo.owner == login
            || repo.collaborators.contains_key(login)
            || self
                .orgs
                .get(&repo.owner)
                .is_some_and(|o| o.members.contains(login))
    }

    pub fn add_team(&mut self, org: &str, slug: &str, members: &[&str]) -> &mut Self {
        for member in members {
            self.add_user(member);
        }
        let id = self.next_id();
        if let Some(found) = self.orgs.get_mut(org) {
            let team = found.teams.entry(slug.to_string()).or_insert_with(|| Team {
                id,
                name: slug.to_string(),
                ..Team::default()
            });
            team.members.extend(members.iter().map(|m| m.to_string()));
        }
        self
    }

    /// Makes `maintainers` members of team `slug` with the maintainer role (creating the team
    /// when needed).
    pub fn add_team_maintainers(
        &mut self,
        org: &str,
        slug: &str,
        maintainers: &[&str],
    ) -> &mut Self {
        self.add_team(org, slug, maintainers);
        if let Some(team) = self.orgs.get_mut(org).and_then(|o| o.teams.get_mut(slug)) {
            team.maintainers
                .extend(maintainers.iter().map(|m| m.to_string()));
        }
        self
    }

    /// The text of `path` on `reference` (a branch or a commit that is a branch head).
    pub fn file(&self, full_name: &str, reference: &str, path: &str) -> Option<&String> {
        let repo = self.repos.get(full_name)?;
        let branch = if repo.files.contains_key(reference) {
            reference.to_string()
        } else {
            repo.branches
                .iter()
                .find(|(_, sha)| *sha == reference)
                .map(|(name, _)| name.clone())?
        };
        repo.files.get(&branch)?.get(path)
    }

    /// The entries directly under folder `path` at `reference` (a branch or its head SHA), each
    /// with whether it is a folder; empty when there is no such folder.
    pub fn folder(&self, full_name: &str, reference: &str, path: &str) -> Vec<(String, bool)> {
        let Some(repo) = self.repos.get(full_name) else {
            return Vec::new();
        };
        let branch = if repo.files.contains_key(reference) {
            reference.to_string()
        } else {
            match repo.branches.iter().find(|(_, sha)| *sha == reference) {
                Some((name, _)) => name.clone(),
                None => return Vec::new(),
            }
        };
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let mut entries = BTreeMap::new();
        for file in repo.files.get(&branch).into_iter().flat_map(|f| f.keys()) {
            if let Some(rest) = file.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((dir, _)) => entries.insert(format!("{prefix}{dir}"), true),
                    None => entries.insert(file.clone(), false),
                };
            }
        }
        entries.into_iter().collect()
    }

    pub fn add_collaborator(
        &mut self,
        full_name: &str,
        login: &str,
        permission: Permission,
    ) -> &mut Self {
        self.add_user(login);
        if let Some(repo) = self.repos.get_mut(full_name) {
            repo.collaborators.insert(login.to_string(), permission);
        }
        self
    }

    pub fn add_label(&mut self, full_name: &str, name: &str) -> &mut Self {
        let id = self.next_id();
        if let Some(repo) = self.repos.get_mut(full_name) {
            repo.labels.insert(
                name.to_string(),
                Label {
                    id,
                    name: name.to_string(),
                    color: "ededed".into(),
                    description: String::new(),
                },
            );
        }
        self
    }

    /// Adds a commit on top of `branch` (creating the branch from the default branch's head if
    /// needed), with `files` written, and returns its SHA.
    pub fn push(
        &mut self,
        full_name: &str,
        branch: &str,
        message: &str,
        files: &[(&str, &str)],
    ) -> String {
        let pusher = self.bot.clone();
        self.commit_on(full_name, branch, None, &pusher, message, files)
            .unwrap_or_default()
    }

    /// Pushes to a pull request's head branch, as its author: the PR's head moves and GitHub
    /// sends `push` and `pull_request` `synchronize`.
    pub fn push_to_pull_request(
        &mut self,
        full_name: &str,
        number: u64,
        message: &str,
        files: &[(&str, &str)],
    ) -> Option<String> {
        let pull = self.pull(full_name, number)?;
        let (head_ref, before) = (pull.head_ref.clone(), pull.head_sha.clone());
        let sha = self.push(full_name, &head_ref, message, files);
        let tick = self.tick();
        let issue = self.repos.get_mut(full_name)?.issues.get_mut(&number)?;
        let pull = issue.pull.as_mut()?;
        pull.head_sha = sha.clone();
        for file in changed_files(files) {
            if !pull.files.iter().any(|f| f.filename == file.filename) {
                pull.files.push(file);
            }
        }
        issue.updated_at = tick;
        let author = issue.author.clone();
        self.emit_pull_request(full_name, number, "synchronize", &author, Some(&before));
        Some(sha)
    }

    /// Opens a pull request from `head` into the default branch, pushing one commit that changes
    /// `files`; returns its number.
    pub fn open_pull_request(
        &mut self,
        full_name: &str,
        author: &str,
        head: &str,
        title: &str,
        files: &[(&str, &str)],
    ) -> u64 {
        self.add_user(author);
        let head_sha = self.push(full_name, head, title, files);
        let Some(repo) = self.repos.get(full_name) else {
            return 0;
        };
        let base_ref = repo.default_branch.clone();
        let base_sha = repo.branches.get(&base_ref).cloned().unwrap_or_default();
        let pull = PullRequest {
            head_ref: head.into(),
            head_sha,
            base_ref,
            base_sha,
            draft: false,
            mergeable: Some(true),
            merged: false,
            merge_commit_sha: None,
            files: changed_files(files),
        };
        let number = self.insert_issue(full_name, author, title, Some(pull));
        self.emit_pull_request(full_name, number, "opened", author, None);
        number
    }

    /// Opens an issue; returns its number.
    pub fn open_issue(&mut self, full_name: &str, author: &str, title: &str) -> u64 {
        self.add_user(author);
        let number = self.insert_issue(full_name, author, title, None);
        self.emit_issue(full_name, number, "opened", author);
        number
    }

    /// Adds an open issue (a pull request when `pull` is given) with the next number.
    pub(crate) fn insert_issue(
        &mut self,
        full_name: &str,
        author: &str,
        title: &str,
        pull: Option<PullRequest>,
    ) -> u64 {
        let id = self.next_id();
        let tick = self.tick();
        let Some(repo) = self.repos.get_mut(full_name) else {
            return 0;
        };
        let number = repo.issues.len() as u64 + 1;
        repo.issues.insert(
            number,
            Issue {
                id,
                number,
                title: title.into(),
                body: String::new(),
                author: author.into(),
                open: true,
                labels: vec![],
                assignees: vec![],
                milestone: None,
                requested_reviewers: vec![],
                state_reason: None,
                requested_teams: vec![],
                reviews: vec![],
                comments: vec![],
                pull,
                created_at: tick,
                updated_at: tick,
            },
        );
        number
    }

    /// Adds a comment as `author`; returns its id.
    pub fn comment(
        &mut self,
        full_name: &str,
        number: u64,
        author: &str,
        body: &str,
    ) -> Option<u64> {
        let (id, tick) = self.added_by(author);
        let issue = self.issue_mut(full_name, number)?;
        issue.comments.push(Comment {
            id,
            author: author.into(),
            body: body.into(),
            created_at: tick,
            updated_at: tick,
        });
        issue.updated_at = tick;
        self.emit_issue_comment(full_name, number, id, author);
        Some(id)
    }

    /// A review of a pull request's head by `author` (`APPROVED`, `CHANGES_REQUESTED` or
    /// `COMMENTED`); GitHub sends `pull_request_review` `submitted`.
    pub fn review(
        &mut self,
        full_name: &str,
        number: u64,
        author: &str,
        state: &str,
        body: &str,
    ) -> Option<u64> {
        let (id, tick) = self.added_by(author);
        let issue = self.issue_mut(full_name, number)?;
        let head = issue.pull.as_ref()?.head_sha.clone();
        issue.reviews.push(Review {
            id,
            author: author.into(),
            state: state.to_ascii_uppercase(),
            body: body.into(),
            commit_id: head,
            submitted_at: tick,
        });
        issue.requested_reviewers.retain(|r| r != author);
        issue.updated_at = tick;
        self.emit_review(full_name, number, id);
        Some(id)
    }

    /// Sets a commit status as the bot would (a CI system reporting); GitHub sends `status`.
    pub fn add_status(&mut self, full_name: &str, sha: &str, context: &str, state: &str) {
        let id = self.next_id();
        let created_at = self.tick();
        let status = Status {
            id,
            state: state.into(),
            context: context.into(),
            description: String::new(),
            target_url: String::new(),
            creator: self.bot.clone(),
            created_at,
        };
        if let Some(repo) = self.repos.get_mut(full_name) {
            repo.statuses
                .entry(sha.to_string())
                .or_default()
                .push(status.clone());
        }
        self.emit_status(full_name, sha, &status);
    }

    /// Closes an issue or pull request as its author; GitHub sends `closed`.
    pub fn close(&mut self, full_name: &str, number: u64) {
        self.set_open(full_name, number, false);
    }

    pub fn repo(&self, full_name: &str) -> Option<&Repo> {
        self.repos.get(full_name)
    }

    pub fn issue_mut(&mut self, full_name: &str, number: u64) -> Option<&mut Issue> {
        self.repos.get_mut(full_name)?.issues.get_mut(&number)
    }

    pub fn issue(&self, full_name: &str, number: u64) -> Option<&Issue> {
        self.repos.get(full_name)?.issues.get(&number)
    }

    /// Issue `number` with its repository.
    pub(crate) fn repo_and_issue(&self, full_name: &str, number: u64) -> Option<(&Repo, &Issue)> {
        let repo = self.repo(full_name)?;
        Some((repo, repo.issues.get(&number)?))
    }

    /// The pull request behind issue `number`, if it is one.
    pub fn pull(&self, full_name: &str, number: u64) -> Option<&PullRequest> {
        self.issue(full_name, number)?.pull.as_ref()
    }

    /// The latest status of each context on `sha`.
    pub fn combined_statuses(&self, full_name: &str, sha: &str) -> Vec<Status> {
        let mut latest: BTreeMap<&str, &Status> = BTreeMap::new();
        for status in self
            .repos
            .get(full_name)
            .and_then(|r| r.statuses.get(sha))
            .into_iter()
            .flatten()
        {
            latest.insert(&status.context, status);
        }
        latest.into_values().cloned().collect()
    }
}

/// The files a push changes, as a pull request lists them.
pub(crate) fn changed_files(files: &[(&str, &str)]) -> Vec<ChangedFile> {
    files
        .iter()
        .map(|(path, content)| ChangedFile {
            filename: path.to_string(),
            status: "modified".into(),
            additions: content.lines().count() as u64,
            deletions: 0,
        })
        .collect()
}

/// A name for a set of files and their contents, as a git tree's SHA names it.
pub(crate) fn tree_of(files: &BTreeMap<String, String>) -> String {
    let listing: String = files
        .iter()
        .map(|(path, content)| format!("{path}\0{}\0", sha_of(content)))
        .collect();
    sha_of(&format!("tree\0{listing}"))
}

/// A stable 40-hex SHA for `text`, so commits look like git's.
pub fn sha_of(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    hex::encode(digest)[..40].to_string()
}

/// RFC 3339 for a logical-clock second (empty past the year 9999).
pub(crate) fn timestamp(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
        .map(|at| at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// The logical-clock second of an RFC 3339 UTC time (`2026-01-01T00:00:00Z`, or a date alone),
/// as GitHub's search qualifiers write them.
pub(crate) fn parse_timestamp(text: &str) -> Option<u64> {
    let (date, time) = text
        .trim_end_matches('Z')
        .split_once('T')
        .unwrap_or((text, "00:00:00"));
    let mut date_parts = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (
        date_parts.next()??,
        date_parts.next()??,
        date_parts.next()??,
    );
    let mut time_parts = time.split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (
        time_parts.next().flatten().unwrap_or(0),
        time_parts.next().flatten().unwrap_or(0),
        time_parts.next().flatten().unwrap_or(0),
    );
    // Howard Hinnant's civil-to-days conversion.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_back() {
        for seconds in [EPOCH, EPOCH + 86_400 * 59 + 3661, 0, 1_234_567_890] {
            assert_eq!(parse_timestamp(&timestamp(seconds)), Some(seconds));
        }
        assert_eq!(parse_timestamp("2026-01-01"), Some(EPOCH));
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(timestamp(EPOCH), "2026-01-01T00:00:00Z");
        assert_eq!(
            timestamp(EPOCH + 86_400 * 59 + 3661),
            "2026-03-01T01:01:01Z"
        );
    }

    #[test]
    fn pushes_move_branches_and_pull_requests_record_their_shas() {
        let mut world = World::default();
        world.add_repo("org/repo");
        let base = world.repo("org/repo").unwrap().branches["main"].clone();
        let number = world.open_pull_request(
            "org/repo",
            "alice",
            "feature",
            "Add docs",
            &[("docs/a.md", "hi\n")],
        );
        let pull = world.pull("org/repo", number).unwrap().clone();
        assert_eq!(pull.base_sha, base);
        assert_eq!(
            world.repo("org/repo").unwrap().branches["feature"],
            pull.head_sha
        );
        assert_eq!(pull.head_sha.len(), 40);
        assert_eq!(
            world.repo("org/repo").unwrap().commits[&pull.head_sha].parents,
            vec![base]
        );
    }
}
