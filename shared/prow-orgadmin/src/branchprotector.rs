//! branchprotector (upstream `cmd/branchprotector`): the `branch-protection:` section and the
//! required presubmits in, GitHub's branch protection brought to match, touching only branches
//! whose state differs.
//!
//! The decisions are pure ([`repos_to_visit`], [`branches_to_visit`], [`desired`], [`change_for`]);
//! [`run`] walks the org through the port, plans, and applies only when told to.

use prow_config::{BranchProtection, Config, Policy, PolicyError};
use prow_ports::github::{GitHubError, RepoRef};
use prow_ports::github_admin::{
    BranchInfo, BranchProtectionSettings, GitHubOrgAdmin, PeopleAndTeams as WirePeople,
    PushRestrictions, RepoSettings, RequiredChecks, RequiredReviews,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What branchprotector changes on one branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BranchChange {
    Protect {
        repo: RepoRef,
        branch: String,
        settings: Box<BranchProtectionSettings>,
    },
    Unprotect {
        repo: RepoRef,
        branch: String,
    },
}

impl fmt::Display for BranchChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BranchChange::Unprotect { repo, branch } => {
                write!(f, "remove protection from {repo}={branch}")
            }
            BranchChange::Protect {
                repo,
                branch,
                settings,
            } => {
                write!(f, "protect {repo}={branch}")?;
                let mut parts = Vec::new();
                if let Some(checks) = &settings.required_status_checks {
                    parts.push(format!(
                        "required contexts [{}]{}",
                        checks.contexts.join(", "),
                        if checks.strict { " (strict)" } else { "" }
                    ));
                }
                if settings.enforce_admins {
                    parts.push("enforce admins".into());
                }
                if let Some(reviews) = &settings.required_pull_request_reviews {
                    parts.push(format!(
                        "{} approving review(s){}",
                        reviews.required_approving_review_count,
                        if reviews.require_code_owner_reviews {
                            " incl. code owners"
                        } else {
                            ""
                        }
                    ));
                }
                if let Some(restrictions) = &settings.restrictions {
                    parts.push(format!(
                        "push restricted to users [{}] teams [{}]",
                        restrictions.users.join(", "),
                        restrictions.teams.join(", ")
                    ));
                }
                for (on, name) in [
                    (settings.required_linear_history, "linear history"),
                    (settings.allow_force_pushes, "force pushes allowed"),
                    (settings.allow_deletions, "deletions allowed"),
                    (settings.required_signatures == Some(true), "signed commits"),
                ] {
                    if on {
                        parts.push(name.into());
                    }
                }
                if !parts.is_empty() {
                    write!(f, ": {}", parts.join("; "))?;
                }
                Ok(())
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtectError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("{repo}: {key} regex {pattern:?} does not compile: {reason}")]
    Regex {
        repo: String,
        key: &'static str,
        pattern: String,
        reason: String,
    },
    #[error(
        "{repo}={branch}: restrictions.apps is set but app restrictions are off (pass --enable-apps-restrictions)"
    )]
    AppsRestrictionsOff { repo: String, branch: String },
    #[error("{0}")]
    GitHub(#[from] GitHubError),
}

/// Flags that change decisions.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Manage `restrictions.apps` (upstream `--enable-apps-restrictions`).
    pub enable_apps_restrictions: bool,
}

/// Whether `policy` (or a level below it) says `unmanaged: false` somewhere.
fn explicitly_managed(policies: impl IntoIterator<Item = Policy>) -> bool {
    policies.into_iter().any(|p| p.unmanaged == Some(false))
}

fn org_overridden(config: &BranchProtection, org: &str) -> bool {
    config.orgs.get(org).is_some_and(|o| {
        o.unmanaged == Some(false)
            || o.repos.values().any(|r| {
                r.unmanaged == Some(false) || explicitly_managed(r.branches.values().cloned())
            })
    })
}

fn repo_overridden(config: &BranchProtection, org: &str, repo: &str) -> bool {
    config
        .orgs
        .get(org)
        .and_then(|o| o.repos.get(repo))
        .is_some_and(|r| explicitly_managed(r.branches.values().cloned()))
}

/// An org's policy says whether its repositories come from GitHub's list (any `protect` at the
/// org level, inherited or not) or only from the configuration.
pub fn lists_every_repo(config: &BranchProtection, org: &str) -> bool {
    config.org_policy(org).protect.is_some()
}

/// A private fork GitHub makes for a security advisory (`<repo>-ghsa-<id>`).
fn is_security_fork(repo: &RepoSettings) -> bool {
    repo.private && {
        let parts: Vec<&str> = repo.name.split("-ghsa-").collect();
        parts.len() == 2 && !parts[0].is_empty() && !parts[1].is_empty()
    }
}

/// The orgs and repositories to visit, in order: each configured org (unless unmanaged), its
/// repositories (all of GitHub's, when [`lists_every_repo`]; `listed` gives them), then with
/// `protect-tested-repos` every repository with presubmits not yet visited.
pub fn repos_to_visit(
    config: &Config,
    listed: &BTreeMap<String, Vec<RepoSettings>>,
) -> Vec<RepoRef> {
    let protection = &config.prow.branch_protection;
    if protection.unmanaged == Some(true)
        && !protection
            .orgs
            .keys()
            .any(|org| org_overridden(protection, org))
    {
        return Vec::new();
    }
    let mut visit: Vec<RepoRef> = Vec::new();
    let mut seen = BTreeSet::new();
    for (org, entry) in &protection.orgs {
        if protection.org_policy(org).unmanaged == Some(true) && !org_overridden(protection, org) {
            continue;
        }
        let names: Vec<String> = if lists_every_repo(protection, org) {
            listed
                .get(org)
                .into_iter()
                .flatten()
                .filter(|r| !r.archived && !is_security_fork(r))
                .map(|r| r.name.clone())
                .collect()
        } else {
            entry.repos.keys().cloned().collect()
        };
        for name in names {
            if seen.insert(format!("{org}/{name}")) {
                visit.push(RepoRef::new(org, &name));
            }
        }
    }
    if protection.protect_tested_repos == Some(true) {
        for full in config.jobs.presubmits.keys() {
            if let Some((org, repo)) = full.split_once('/')
                && seen.insert(full.clone())
            {
                visit.push(RepoRef::new(org, repo));
            }
        }
    }
    visit
}

/// Whether a repository is skipped whole: unmanaged with no branch saying otherwise.
pub fn repo_unmanaged(config: &BranchProtection, repo: &RepoRef) -> bool {
    config.repo_policy(&repo.org, &repo.name).unmanaged == Some(true)
        && !repo_overridden(config, &repo.org, &repo.name)
}

/// The branches of a repository to consider: those named in the configuration always; of the
/// rest, those `include` matches when it is set, else those `exclude` does not match.
pub fn branches_to_visit(
    config: &BranchProtection,
    repo: &RepoRef,
    branches: &[BranchInfo],
) -> Result<Vec<BranchInfo>, ProtectError> {
    let policy = config.repo_policy(&repo.org, &repo.name);
    let compile = |key: &'static str, patterns: &Option<Vec<String>>| {
        let Some(patterns) = patterns.as_ref().filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let joined = patterns.join("|");
        regex::Regex::new(&joined)
            .map(Some)
            .map_err(|e| ProtectError::Regex {
                repo: repo.to_string(),
                key,
                pattern: joined,
                reason: e.to_string(),
            })
    };
    let include = compile("include", &policy.include)?;
    let exclude = compile("exclude", &policy.exclude)?;
    let named: BTreeSet<&str> = config.named_branches(&repo.org, &repo.name).collect();
    Ok(branches
        .iter()
        .filter(|b| {
            named.contains(b.name.as_str())
                || match (&include, &exclude) {
                    (Some(include), _) => include.is_match(&b.name),
                    (None, Some(exclude)) => !exclude.is_match(&b.name),
                    (None, None) => true,
                }
        })
        .cloned()
        .collect())
}

fn sorted(list: &[String]) -> Vec<String> {
    let set: BTreeSet<&String> = list.iter().collect();
    set.into_iter().cloned().collect()
}

fn people(configured: &Option<prow_config::PeopleAndTeams>) -> Option<WirePeople> {
    configured.as_ref().map(|p| WirePeople {
        users: sorted(&p.users),
        teams: sorted(&p.teams),
    })
}

/// What the branch should be, from its resolved policy: `None` to leave it alone,
/// `Some(None)` to remove protection, `Some(Some(settings))` to protect it so.
pub fn desired(
    policy: Option<&Policy>,
    repo: &RepoRef,
    branch: &BranchInfo,
    options: Options,
) -> Result<Option<Option<BranchProtectionSettings>>, ProtectError> {
    let Some(policy) = policy else {
        return Ok(None);
    };
    if policy.unmanaged == Some(true) {
        return Ok(None);
    }
    let Some(protect) = policy.protect else {
        return Ok(None);
    };
    if !protect && !branch.protected {
        return Ok(None);
    }
    let apps = policy.restrictions.as_ref().and_then(|r| r.apps.as_ref());
    if apps.is_some() && !options.enable_apps_restrictions {
        return Err(ProtectError::AppsRestrictionsOff {
            repo: repo.to_string(),
            branch: branch.name.clone(),
        });
    }
    if !protect {
        return Ok(Some(None));
    }
    Ok(Some(Some(BranchProtectionSettings {
        required_status_checks: policy
            .required_status_checks
            .as_ref()
            .map(|c| RequiredChecks {
                strict: c.strict == Some(true),
                contexts: sorted(&c.contexts),
            }),
        enforce_admins: policy.enforce_admins == Some(true),
        required_pull_request_reviews: policy.required_pull_request_reviews.as_ref().and_then(
            |r| {
                r.required_approving_review_count
                    .map(|count| RequiredReviews {
                        dismissal_restrictions: people(&r.dismissal_restrictions),
                        dismiss_stale_reviews: r.dismiss_stale_reviews == Some(true),
                        require_code_owner_reviews: r.require_code_owner_reviews == Some(true),
                        required_approving_review_count: count,
                        bypass_pull_request_allowances: people(&r.bypass_pull_request_allowances),
                    })
            },
        ),
        restrictions: policy.restrictions.as_ref().map(|r| PushRestrictions {
            apps: options
                .enable_apps_restrictions
                .then(|| sorted(r.apps.as_deref().unwrap_or_default())),
            users: sorted(&r.users),
            teams: sorted(&r.teams),
        }),
        required_linear_history: policy.required_linear_history == Some(true),
        allow_force_pushes: policy.allow_force_pushes == Some(true),
        allow_deletions: policy.allow_deletions == Some(true),
        required_signatures: policy.require_signed_commits,
    })))
}

fn same_logins(a: &[String], b: &[String]) -> bool {
    let norm = |list: &[String]| -> BTreeSet<String> {
        list.iter()
            .map(|l| l.trim_start_matches('@').to_lowercase())
            .collect()
    };
    norm(a) == norm(b)
}

fn same_people(want: &Option<WirePeople>, have: &Option<WirePeople>) -> bool {
    let empty = WirePeople::default();
    let want = want.as_ref().unwrap_or(&empty);
    let have = have.as_ref().unwrap_or(&empty);
    same_logins(&want.users, &have.users) && same_logins(&want.teams, &have.teams)
}

/// Whether GitHub's protection already is what is wanted (upstream
/// `equalBranchProtections`): lists compare as sets, logins ignoring case, unmanaged app
/// restrictions and signed commits are not compared.
pub fn matches(want: &BranchProtectionSettings, have: &BranchProtectionSettings) -> bool {
    let checks = match (&want.required_status_checks, &have.required_status_checks) {
        (None, None) => true,
        (Some(w), Some(h)) => w.strict == h.strict && sorted(&w.contexts) == sorted(&h.contexts),
        _ => false,
    };
    let reviews = match (
        &want.required_pull_request_reviews,
        &have.required_pull_request_reviews,
    ) {
        (None, None) => true,
        (Some(w), Some(h)) => {
            w.dismiss_stale_reviews == h.dismiss_stale_reviews
                && w.require_code_owner_reviews == h.require_code_owner_reviews
                && w.required_approving_review_count == h.required_approving_review_count
                && same_people(&w.dismissal_restrictions, &h.dismissal_restrictions)
                && same_people(
                    &w.bypass_pull_request_allowances,
                    &h.bypass_pull_request_allowances,
                )
        }
        _ => false,
    };
    let restrictions = match (&want.restrictions, &have.restrictions) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some(w), None) => {
            w.users.is_empty() && w.teams.is_empty() && w.apps.as_ref().is_none_or(Vec::is_empty)
        }
        (Some(w), Some(h)) => {
            same_logins(&w.users, &h.users)
                && same_logins(&w.teams, &h.teams)
                && w.apps
                    .as_ref()
                    .is_none_or(|apps| same_logins(apps, h.apps.as_deref().unwrap_or_default()))
        }
    };
    let signatures = want
        .required_signatures
        .is_none_or(|w| have.required_signatures.unwrap_or(false) == w);
    checks
        && reviews
        && restrictions
        && signatures
        && want.enforce_admins == have.enforce_admins
        && want.required_linear_history == have.required_linear_history
        && want.allow_force_pushes == have.allow_force_pushes
        && want.allow_deletions == have.allow_deletions
}

/// The change a branch needs, given what it should be and what it is.
pub fn change_for(
    repo: &RepoRef,
    branch: &str,
    want: Option<BranchProtectionSettings>,
    have: Option<&BranchProtectionSettings>,
) -> Option<BranchChange> {
    match (want, have) {
        (None, None) => None,
        (None, Some(_)) => Some(BranchChange::Unprotect {
            repo: repo.clone(),
            branch: branch.to_string(),
        }),
        (Some(want), Some(have)) if matches(&want, have) => None,
        (Some(settings), _) => Some(BranchChange::Protect {
            repo: repo.clone(),
            branch: branch.to_string(),
            settings: Box::new(settings),
        }),
    }
}

/// What a run found and did.
#[derive(Debug, Default)]
pub struct Report {
    /// The changes planned (and, when confirmed, made).
    pub changes: Vec<BranchChange>,
    /// Branches already as configured.
    pub unchanged: usize,
    /// Problems, each naming the org, repository or branch; the rest of the run goes on.
    pub errors: Vec<String>,
}

/// Walks every configured org and repository through GitHub, plans each branch's change, and
/// applies the changes when `confirm` is set (otherwise GitHub is only read).
pub async fn run(
    github: &dyn GitHubOrgAdmin,
    config: &Config,
    options: Options,
    confirm: bool,
) -> Report {
    let protection = &config.prow.branch_protection;
    let mut report = Report::default();
    let mut listed = BTreeMap::new();
    for org in protection.orgs.keys() {
        if lists_every_repo(protection, org) {
            match github.org_repos(org).await {
                Ok(repos) => {
                    listed.insert(org.clone(), repos);
                }
                Err(error) => report
                    .errors
                    .push(format!("listing the repositories of {org}: {error}")),
            }
        }
    }
    for repo in repos_to_visit(config, &listed) {
        if repo_unmanaged(protection, &repo) {
            continue;
        }
        if let Err(error) = protect_repo(github, config, &repo, options, confirm, &mut report).await
        {
            report.errors.push(error.to_string());
        }
    }
    report
}

async fn protect_repo(
    github: &dyn GitHubOrgAdmin,
    config: &Config,
    repo: &RepoRef,
    options: Options,
    confirm: bool,
    report: &mut Report,
) -> Result<(), ProtectError> {
    let protection = &config.prow.branch_protection;
    let settings = github.repo_settings(repo).await?;
    if settings.archived || is_security_fork(&settings) {
        return Ok(());
    }
    let branches = github.branches(repo).await?;
    let presubmits = config.jobs.presubmits_for(&format!("{repo}"));
    for branch in branches_to_visit(protection, repo, &branches)? {
        let outcome = async {
            let policy = protection.resolve(&repo.org, &repo.name, &branch.name, presubmits)?;
            let Some(want) = desired(policy.as_ref(), repo, &branch, options)? else {
                return Ok(None);
            };
            let have = github.branch_protection(repo, &branch.name).await?;
            Ok::<_, ProtectError>(Some(change_for(repo, &branch.name, want, have.as_ref())))
        }
        .await;
        match outcome {
            Ok(None) => {}
            Ok(Some(None)) => report.unchanged += 1,
            Ok(Some(Some(change))) => {
                if confirm && let Err(error) = apply(github, &change).await {
                    report.errors.push(format!("{change}: {error}"));
                    continue;
                }
                report.changes.push(change);
            }
            Err(error) => report.errors.push(error.to_string()),
        }
    }
    Ok(())
}

/// Makes one change on GitHub.
pub async fn apply(github: &dyn GitHubOrgAdmin, change: &BranchChange) -> Result<(), GitHubError> {
    match change {
        BranchChange::Protect {
            repo,
            branch,
            settings,
        } => {
            github
                .update_branch_protection(repo, branch, settings)
                .await
        }
        BranchChange::Unprotect { repo, branch } => {
            github.remove_branch_protection(repo, branch).await
        }
    }
}

#[cfg(test)]
mod tests;
