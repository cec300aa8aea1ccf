//! What is known about the world while a plan decides: each [`Fact`] a question (is alice an
//! org member? which labels does the PR have?), each [`Known`] its answer. A plan asks through
//! the typed accessors; an answer not yet known is a [`NeedFacts`], which the runner gathers and
//! the plan is asked again. Tests give the answers up front.

use crate::IssueRef;
use prow_api::ProwJob;
use prow_github::events::{Comment, Issue, Label, PullRequest, Review};
use prow_ports::config_maps::RunningConfig;
use prow_ports::github::{
    CheckRun, CombinedStatus, Milestone, Permission, PullRequestChange, RepoRef, Sha,
};
use prow_ports::github::{IssueEvent, Team};
use std::collections::{BTreeMap, BTreeSet};

/// A question about the world.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fact {
    /// The login the bot acts as.
    BotLogin,
    OrgMember {
        org: String,
        login: String,
    },
    Collaborator {
        repo: RepoRef,
        login: String,
    },
    Permission {
        repo: RepoRef,
        login: String,
    },
    /// Whether GitHub lets `login` be assigned in the repository.
    Assignable {
        repo: RepoRef,
        login: String,
    },
    /// The logins of a team's members (`team` is its slug).
    TeamMembers {
        org: String,
        team: String,
    },
    /// The issue's labels now (the event's copy may be stale after a redelivery).
    Labels(IssueRef),
    RepoLabels(RepoRef),
    Comments(IssueRef),
    Issue(IssueRef),
    PullRequest(IssueRef),
    ChangedFiles(IssueRef),
    Reviews(IssueRef),
    /// A file's content at `git_ref`; `None` when there is no such file.
    File {
        repo: RepoRef,
        git_ref: String,
        path: String,
    },
    Milestones(RepoRef),
    CombinedStatus {
        repo: RepoRef,
        git_ref: String,
    },
    CheckRuns {
        repo: RepoRef,
        git_ref: String,
    },
    /// The tree of commit `sha`.
    CommitTree {
        repo: RepoRef,
        sha: Sha,
    },
    /// The ProwJobs of a pull request, from the job store.
    PullJobs(IssueRef),
    /// A GraphQL query's `data`, for the repository's org.
    GraphQl {
        org: String,
        query: String,
        variables: String,
    },
    /// A random cat picture's URL (the `cat` plugin); `grumpy` asks for a grumpy one. Empty when
    /// the picture source gave none (or there is none).
    CatImage {
        grumpy: bool,
    },
    /// The configuration this deployment runs on (config-updater checks a change against it).
    RunningConfig,
    /// The in-repo configuration files at a commit (`.prow/` or `.prow.yaml`), path and text.
    ConfigFiles {
        repo: RepoRef,
        sha: Sha,
    },

    // For the OWNERS-based plugins (lgtm, approve, blunderbuss, verify-owners, override).
    /// The logins of everyone with access to the repository (upstream `ListCollaborators`).
    Collaborators(RepoRef),
    /// A pull request's review comments (on lines of its diff).
    ReviewComments(IssueRef),
    /// An issue's events, oldest first.
    IssueEvents(IssueRef),
    /// An org's teams.
    Teams {
        org: String,
    },
    /// The commit a branch points at now.
    BranchHead {
        repo: RepoRef,
        branch: String,
    },
    /// The status contexts branch protection requires (none when the branch is unprotected).
    RequiredContexts {
        repo: RepoRef,
        branch: String,
    },
}

impl Fact {
    /// Whether `login` is a member of `org`.
    pub fn org_member(org: &str, login: &str) -> Fact {
        Fact::OrgMember {
            org: org.to_string(),
            login: login.to_string(),
        }
    }

    /// Whether `login` is a collaborator of `repo`.
    pub fn collaborator(repo: &RepoRef, login: &str) -> Fact {
        Fact::Collaborator {
            repo: repo.clone(),
            login: login.to_string(),
        }
    }

    /// `login`'s permission in `repo`.
    pub fn permission(repo: &RepoRef, login: &str) -> Fact {
        Fact::Permission {
            repo: repo.clone(),
            login: login.to_string(),
        }
    }

    /// Whether GitHub lets `login` be assigned in `repo`.
    pub fn assignable(repo: &RepoRef, login: &str) -> Fact {
        Fact::Assignable {
            repo: repo.clone(),
            login: login.to_string(),
        }
    }

    /// The members of `org`'s team `team` (its slug).
    pub fn team_members(org: &str, team: &str) -> Fact {
        Fact::TeamMembers {
            org: org.to_string(),
            team: team.to_string(),
        }
    }

    /// The content of `path` at `git_ref`.
    pub fn file(repo: &RepoRef, git_ref: &str, path: &str) -> Fact {
        Fact::File {
            repo: repo.clone(),
            git_ref: git_ref.to_string(),
            path: path.to_string(),
        }
    }

    /// The combined status of `git_ref`.
    pub fn combined_status(repo: &RepoRef, git_ref: &str) -> Fact {
        Fact::CombinedStatus {
            repo: repo.clone(),
            git_ref: git_ref.to_string(),
        }
    }

    /// The check runs of `git_ref`.
    pub fn check_runs(repo: &RepoRef, git_ref: &str) -> Fact {
        Fact::CheckRuns {
            repo: repo.clone(),
            git_ref: git_ref.to_string(),
        }
    }

    /// The tree of commit `sha`.
    pub fn commit_tree(repo: &RepoRef, sha: &Sha) -> Fact {
        Fact::CommitTree {
            repo: repo.clone(),
            sha: sha.clone(),
        }
    }

    /// The in-repo configuration files at `sha`.
    pub fn config_files(repo: &RepoRef, sha: &Sha) -> Fact {
        Fact::ConfigFiles {
            repo: repo.clone(),
            sha: sha.clone(),
        }
    }

    /// `org`'s teams.
    pub fn teams(org: &str) -> Fact {
        Fact::Teams {
            org: org.to_string(),
        }
    }

    /// The commit `branch` points at now.
    pub fn branch_head(repo: &RepoRef, branch: &str) -> Fact {
        Fact::BranchHead {
            repo: repo.clone(),
            branch: branch.to_string(),
        }
    }

    /// The status contexts branch protection requires of `branch`.
    pub fn required_contexts(repo: &RepoRef, branch: &str) -> Fact {
        Fact::RequiredContexts {
            repo: repo.clone(),
            branch: branch.to_string(),
        }
    }

    /// A GraphQL query's `data`, asked with `variables`.
    pub fn graphql(org: &str, query: &str, variables: &serde_json::Value) -> Fact {
        Fact::GraphQl {
            org: org.to_string(),
            query: query.to_string(),
            variables: variables.to_string(),
        }
    }
}

/// An answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Known {
    Text(String),
    Bool(bool),
    Permission(Permission),
    Logins(Vec<String>),
    Labels(Vec<Label>),
    Comments(Vec<Comment>),
    Issue(Box<Issue>),
    PullRequest(Box<PullRequest>),
    Changes(Vec<PullRequestChange>),
    Reviews(Vec<Review>),
    File(Option<String>),
    Milestones(Vec<Milestone>),
    Statuses(CombinedStatus),
    CheckRuns(Vec<CheckRun>),
    Sha(Sha),
    Jobs(Vec<ProwJob>),
    Json(serde_json::Value),
    // For the OWNERS-based plugins.
    IssueEvents(Vec<IssueEvent>),
    Teams(Vec<Team>),
    Contexts(Vec<String>),
    RunningConfig(Box<RunningConfig>),
    Files(Vec<(String, String)>),
}

/// The facts a plan needs and does not have yet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NeedFacts(pub BTreeSet<Fact>);

impl NeedFacts {
    pub fn one(fact: Fact) -> NeedFacts {
        NeedFacts(BTreeSet::from([fact]))
    }
}

/// The answers known so far.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    known: BTreeMap<Fact, Known>,
}

macro_rules! expect_known {
    ($known:expr, $fact:expr, $variant:ident) => {
        match $known.get(&$fact) {
            Some(Known::$variant(value)) => Ok(value),
            _ => Err(NeedFacts::one($fact)),
        }
    };
}

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    pub fn insert(&mut self, fact: Fact, known: Known) {
        self.known.insert(fact, known);
    }

    /// With `fact` answered (for tests and for what an event already says).
    pub fn with(mut self, fact: Fact, known: Known) -> Facts {
        self.insert(fact, known);
        self
    }

    pub fn knows(&self, fact: &Fact) -> bool {
        self.known.contains_key(fact)
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Asks for every fact in `facts` at once (gathered together), before reading them.
    pub fn need(&self, facts: impl IntoIterator<Item = Fact>) -> Result<(), NeedFacts> {
        let missing: BTreeSet<Fact> = facts.into_iter().filter(|f| !self.knows(f)).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(NeedFacts(missing))
        }
    }

    pub fn bot_login(&self) -> Result<&str, NeedFacts> {
        expect_known!(self.known, Fact::BotLogin, Text).map(String::as_str)
    }

    /// Whether `login` is the bot (an App acts as `<slug>[bot]`).
    pub fn is_bot(&self, login: &str) -> Result<bool, NeedFacts> {
        let bot = self.bot_login()?;
        Ok(login.eq_ignore_ascii_case(bot)
            || login
                .strip_suffix("[bot]")
                .is_some_and(|l| l.eq_ignore_ascii_case(bot))
            || bot
                .strip_suffix("[bot]")
                .is_some_and(|b| b.eq_ignore_ascii_case(login)))
    }

    pub fn is_member(&self, org: &str, login: &str) -> Result<bool, NeedFacts> {
        expect_known!(self.known, Fact::org_member(org, login), Bool).copied()
    }

    pub fn is_collaborator(&self, repo: &RepoRef, login: &str) -> Result<bool, NeedFacts> {
        expect_known!(self.known, Fact::collaborator(repo, login), Bool).copied()
    }

    pub fn permission(&self, repo: &RepoRef, login: &str) -> Result<Permission, NeedFacts> {
        expect_known!(self.known, Fact::permission(repo, login), Permission).copied()
    }

    pub fn is_assignable(&self, repo: &RepoRef, login: &str) -> Result<bool, NeedFacts> {
        expect_known!(self.known, Fact::assignable(repo, login), Bool).copied()
    }

    pub fn team_members(&self, org: &str, team: &str) -> Result<&[String], NeedFacts> {
        expect_known!(self.known, Fact::team_members(org, team), Logins).map(Vec::as_slice)
    }

    /// Whether `login` is in any of `teams` of `org` (slugs; case-insensitive as GitHub logins).
    pub fn in_any_team(&self, org: &str, teams: &[String], login: &str) -> Result<bool, NeedFacts> {
        self.need(teams.iter().map(|team| Fact::team_members(org, team)))?;
        for team in teams {
            if self
                .team_members(org, team)?
                .iter()
                .any(|m| m.eq_ignore_ascii_case(login))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The issue's label names now.
    pub fn labels(&self, issue: &IssueRef) -> Result<Vec<&str>, NeedFacts> {
        expect_known!(self.known, Fact::Labels(issue.clone()), Labels)
            .map(|labels| labels.iter().map(|l| l.name.as_str()).collect())
    }

    /// Whether the issue has `label` now (GitHub compares label names without case).
    pub fn has_label(&self, issue: &IssueRef, label: &str) -> Result<bool, NeedFacts> {
        Ok(self
            .labels(issue)?
            .iter()
            .any(|l| l.eq_ignore_ascii_case(label)))
    }

    pub fn repo_labels(&self, repo: &RepoRef) -> Result<&[Label], NeedFacts> {
        expect_known!(self.known, Fact::RepoLabels(repo.clone()), Labels).map(Vec::as_slice)
    }

    pub fn comments(&self, issue: &IssueRef) -> Result<&[Comment], NeedFacts> {
        expect_known!(self.known, Fact::Comments(issue.clone()), Comments).map(Vec::as_slice)
    }

    /// The bot's comments on the issue, oldest first.
    pub fn bot_comments(&self, issue: &IssueRef) -> Result<Vec<&Comment>, NeedFacts> {
        self.need([Fact::BotLogin, Fact::Comments(issue.clone())])?;
        let mut mine = Vec::new();
        for comment in self.comments(issue)? {
            if self.is_bot(&comment.user.login)? {
                mine.push(comment);
            }
        }
        Ok(mine)
    }

    pub fn issue(&self, issue: &IssueRef) -> Result<&Issue, NeedFacts> {
        expect_known!(self.known, Fact::Issue(issue.clone()), Issue).map(AsRef::as_ref)
    }

    pub fn pull_request(&self, issue: &IssueRef) -> Result<&PullRequest, NeedFacts> {
        expect_known!(self.known, Fact::PullRequest(issue.clone()), PullRequest).map(AsRef::as_ref)
    }

    pub fn changed_files(&self, issue: &IssueRef) -> Result<&[PullRequestChange], NeedFacts> {
        expect_known!(self.known, Fact::ChangedFiles(issue.clone()), Changes).map(Vec::as_slice)
    }

    pub fn reviews(&self, issue: &IssueRef) -> Result<&[Review], NeedFacts> {
        expect_known!(self.known, Fact::Reviews(issue.clone()), Reviews).map(Vec::as_slice)
    }

    /// A file's content at `git_ref`, `None` when there is none.
    pub fn file(
        &self,
        repo: &RepoRef,
        git_ref: &str,
        path: &str,
    ) -> Result<Option<&str>, NeedFacts> {
        expect_known!(self.known, Fact::file(repo, git_ref, path), File).map(Option::as_deref)
    }

    pub fn milestones(&self, repo: &RepoRef) -> Result<&[Milestone], NeedFacts> {
        expect_known!(self.known, Fact::Milestones(repo.clone()), Milestones).map(Vec::as_slice)
    }

    pub fn combined_status(
        &self,
        repo: &RepoRef,
        git_ref: &str,
    ) -> Result<&CombinedStatus, NeedFacts> {
        expect_known!(self.known, Fact::combined_status(repo, git_ref), Statuses)
    }

    pub fn check_runs(&self, repo: &RepoRef, git_ref: &str) -> Result<&[CheckRun], NeedFacts> {
        expect_known!(self.known, Fact::check_runs(repo, git_ref), CheckRuns).map(Vec::as_slice)
    }

    pub fn commit_tree(&self, repo: &RepoRef, sha: &Sha) -> Result<&Sha, NeedFacts> {
        expect_known!(self.known, Fact::commit_tree(repo, sha), Sha)
    }

    pub fn pull_jobs(&self, issue: &IssueRef) -> Result<&[ProwJob], NeedFacts> {
        expect_known!(self.known, Fact::PullJobs(issue.clone()), Jobs).map(Vec::as_slice)
    }

    pub fn graphql(
        &self,
        org: &str,
        query: &str,
        variables: &serde_json::Value,
    ) -> Result<&serde_json::Value, NeedFacts> {
        expect_known!(self.known, Fact::graphql(org, query, variables), Json)
    }

    /// The in-repo configuration files at `sha`.
    pub fn config_files(
        &self,
        repo: &RepoRef,
        sha: &Sha,
    ) -> Result<&[(String, String)], NeedFacts> {
        expect_known!(self.known, Fact::config_files(repo, sha), Files).map(Vec::as_slice)
    }

    pub fn running_config(&self) -> Result<&RunningConfig, NeedFacts> {
        expect_known!(self.known, Fact::RunningConfig, RunningConfig).map(Box::as_ref)
    }

    pub fn cat_image(&self, grumpy: bool) -> Result<&str, NeedFacts> {
        expect_known!(self.known, Fact::CatImage { grumpy }, Text).map(String::as_str)
    }

    // For the OWNERS-based plugins.
    /// The logins of everyone with access to the repository.
    pub fn collaborators(&self, repo: &RepoRef) -> Result<&[String], NeedFacts> {
        expect_known!(self.known, Fact::Collaborators(repo.clone()), Logins).map(Vec::as_slice)
    }

    pub fn review_comments(&self, pull: &IssueRef) -> Result<&[Comment], NeedFacts> {
        expect_known!(self.known, Fact::ReviewComments(pull.clone()), Comments).map(Vec::as_slice)
    }

    pub fn issue_events(&self, issue: &IssueRef) -> Result<&[IssueEvent], NeedFacts> {
        expect_known!(self.known, Fact::IssueEvents(issue.clone()), IssueEvents).map(Vec::as_slice)
    }

    pub fn teams(&self, org: &str) -> Result<&[Team], NeedFacts> {
        expect_known!(self.known, Fact::teams(org), Teams).map(Vec::as_slice)
    }

    pub fn branch_head(&self, repo: &RepoRef, branch: &str) -> Result<&Sha, NeedFacts> {
        expect_known!(self.known, Fact::branch_head(repo, branch), Sha)
    }

    pub fn required_contexts(&self, repo: &RepoRef, branch: &str) -> Result<&[String], NeedFacts> {
        expect_known!(self.known, Fact::required_contexts(repo, branch), Contexts)
            .map(Vec::as_slice)
    }
}
