//! `branch-protection:` in `config.yaml` (upstream `config.BranchProtection`): a policy at the
//! top, per org, per repository and per branch, each level refining the one above, and the
//! contexts of required presubmits added to it. branchprotector applies the resolved policy.
//!
//! Inheritance is upstream's: a setting a level gives replaces its parent's; lists (contexts,
//! users, teams, apps, include, exclude) are joined; a section a level leaves out is inherited
//! whole.

use crate::diagnostics::{Diagnostic, DiagnosticKind, YamlPath};
use crate::jobs::Presubmit;
use crate::yaml::nullable;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Declares a level of the section: the policy's fields (each optional: unset means "as the
/// level above") beside the level's own keys, so that a misspelt key at any level is reported
/// (serde's `flatten` would hide it), and `policy()` to take them out.
macro_rules! policy_level {
    ($(#[$meta:meta])* pub struct $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
        pub struct $name {
            /// The tool leaves branches under this level alone (unless a level below says `false`).
            #[serde(default)]
            pub unmanaged: Option<bool>,
            #[serde(default)]
            pub protect: Option<bool>,
            #[serde(default)]
            pub required_status_checks: Option<ContextPolicy>,
            #[serde(default)]
            pub enforce_admins: Option<bool>,
            #[serde(default)]
            pub restrictions: Option<Restrictions>,
            /// Presubmits that run only when asked for also become required contexts.
            #[serde(default)]
            pub require_manually_triggered_jobs: Option<bool>,
            #[serde(default)]
            pub required_pull_request_reviews: Option<ReviewPolicy>,
            #[serde(default)]
            pub required_linear_history: Option<bool>,
            #[serde(default)]
            pub allow_force_pushes: Option<bool>,
            #[serde(default)]
            pub allow_deletions: Option<bool>,
            #[serde(default)]
            pub require_signed_commits: Option<bool>,
            /// Regexes (unanchored) of the branches to manage; when set, only those.
            #[serde(default)]
            pub include: Option<Vec<String>>,
            /// Regexes (unanchored) of the branches to leave alone.
            #[serde(default)]
            pub exclude: Option<Vec<String>>,
            $($extra)*
        }

        impl $name {
            /// This level's own settings.
            pub fn policy(&self) -> Policy {
                Policy {
                    unmanaged: self.unmanaged,
                    protect: self.protect,
                    required_status_checks: self.required_status_checks.clone(),
                    enforce_admins: self.enforce_admins,
                    restrictions: self.restrictions.clone(),
                    require_manually_triggered_jobs: self.require_manually_triggered_jobs,
                    required_pull_request_reviews: self.required_pull_request_reviews.clone(),
                    required_linear_history: self.required_linear_history,
                    allow_force_pushes: self.allow_force_pushes,
                    allow_deletions: self.allow_deletions,
                    require_signed_commits: self.require_signed_commits,
                    include: self.include.clone(),
                    exclude: self.exclude.clone(),
                }
            }
        }
    };
}

policy_level! {
    /// One level's settings.
    pub struct Policy {}
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ContextPolicy {
    #[serde(default, deserialize_with = "nullable")]
    pub contexts: Vec<String>,
    /// The branch must be up to date with its base before merging.
    #[serde(default)]
    pub strict: Option<bool>,
}

/// Who may push to the branch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Restrictions {
    #[serde(default)]
    pub apps: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub users: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub teams: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ReviewPolicy {
    #[serde(default)]
    pub dismissal_restrictions: Option<PeopleAndTeams>,
    #[serde(default)]
    pub dismiss_stale_reviews: Option<bool>,
    #[serde(default)]
    pub require_code_owner_reviews: Option<bool>,
    /// Without it the review rule is not sent (upstream logs and skips it).
    #[serde(default)]
    pub required_approving_review_count: Option<u32>,
    #[serde(default)]
    pub bypass_pull_request_allowances: Option<PeopleAndTeams>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PeopleAndTeams {
    #[serde(default, deserialize_with = "nullable")]
    pub users: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub teams: Vec<String>,
}

policy_level! {
/// The whole section.
pub struct BranchProtection {
    #[serde(default, deserialize_with = "nullable")]
    pub orgs: BTreeMap<String, OrgPolicy>,
    /// Every repository with presubmits gets protection requiring them, even if its org is not
    /// listed.
    #[serde(default, rename = "protect-tested-repos")]
    pub protect_tested_repos: Option<bool>,
    /// `protect: false` may sit beside other settings (they are then not applied).
    #[serde(default)]
    pub allow_disabled_policies: Option<bool>,
    /// A branch with required presubmits may be `protect: false` (it is then left alone).
    #[serde(default)]
    pub allow_disabled_job_policies: Option<bool>,
    /// Repositories whose presubmits are all optional or conditional are protected too.
    #[serde(default)]
    pub protect_repos_with_optional_jobs: Option<bool>,
}
}

policy_level! {
pub struct OrgPolicy {
    #[serde(default, deserialize_with = "nullable")]
    pub repos: BTreeMap<String, RepoPolicy>,
}
}

policy_level! {
pub struct RepoPolicy {
    #[serde(default, deserialize_with = "nullable")]
    pub branches: BTreeMap<String, Policy>,
}
}

/// Why a branch's policy cannot be resolved; the message names the branch.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "{org}/{repo}={branch}: a branch listed under branches must set protect or unmanaged: true"
    )]
    BranchWithoutProtect {
        org: String,
        repo: String,
        branch: String,
    },
    #[error(
        "{org}/{repo}={branch} has required presubmits ({contexts}), which require branch protection, but sets protect: false (allow it with allow_disabled_job_policies)"
    )]
    RequiredJobsUnprotected {
        org: String,
        repo: String,
        branch: String,
        contexts: String,
    },
    #[error(
        "{org}/{repo}={branch} defines a policy, which requires protect: true (or allow_disabled_policies)"
    )]
    DisabledPolicy {
        org: String,
        repo: String,
        branch: String,
    },
}

fn select<T: Clone>(parent: &Option<T>, child: &Option<T>) -> Option<T> {
    child.clone().or_else(|| parent.clone())
}

fn union(parent: &[String], child: &[String]) -> Vec<String> {
    let all: BTreeSet<&String> = parent.iter().chain(child).collect();
    all.into_iter().cloned().collect()
}

fn union_opt(parent: &Option<Vec<String>>, child: &Option<Vec<String>>) -> Option<Vec<String>> {
    match (parent, child) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(union(one, &[])),
        (Some(parent), Some(child)) => Some(union(parent, child)),
    }
}

fn merge_struct<T: Clone>(
    parent: &Option<T>,
    child: &Option<T>,
    both: impl FnOnce(&T, &T) -> T,
) -> Option<T> {
    match (parent, child) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (Some(parent), Some(child)) => Some(both(parent, child)),
    }
}

fn merge_people(
    parent: &Option<PeopleAndTeams>,
    child: &Option<PeopleAndTeams>,
) -> Option<PeopleAndTeams> {
    merge_struct(parent, child, |p, c| PeopleAndTeams {
        users: union(&p.users, &c.users),
        teams: union(&p.teams, &c.teams),
    })
}

impl Policy {
    /// This policy refined by `child` (upstream `Policy.Apply`).
    pub fn apply(&self, child: &Policy) -> Policy {
        Policy {
            unmanaged: select(&self.unmanaged, &child.unmanaged),
            protect: select(&self.protect, &child.protect),
            required_status_checks: merge_struct(
                &self.required_status_checks,
                &child.required_status_checks,
                |p, c| ContextPolicy {
                    contexts: union(&p.contexts, &c.contexts),
                    strict: select(&p.strict, &c.strict),
                },
            ),
            enforce_admins: select(&self.enforce_admins, &child.enforce_admins),
            restrictions: merge_struct(&self.restrictions, &child.restrictions, |p, c| {
                Restrictions {
                    apps: union_opt(&p.apps, &c.apps),
                    users: union(&p.users, &c.users),
                    teams: union(&p.teams, &c.teams),
                }
            }),
            require_manually_triggered_jobs: select(
                &self.require_manually_triggered_jobs,
                &child.require_manually_triggered_jobs,
            ),
            required_pull_request_reviews: merge_struct(
                &self.required_pull_request_reviews,
                &child.required_pull_request_reviews,
                |p, c| ReviewPolicy {
                    dismissal_restrictions: merge_people(
                        &p.dismissal_restrictions,
                        &c.dismissal_restrictions,
                    ),
                    dismiss_stale_reviews: select(
                        &p.dismiss_stale_reviews,
                        &c.dismiss_stale_reviews,
                    ),
                    require_code_owner_reviews: select(
                        &p.require_code_owner_reviews,
                        &c.require_code_owner_reviews,
                    ),
                    required_approving_review_count: select(
                        &p.required_approving_review_count,
                        &c.required_approving_review_count,
                    ),
                    bypass_pull_request_allowances: merge_people(
                        &p.bypass_pull_request_allowances,
                        &c.bypass_pull_request_allowances,
                    ),
                },
            ),
            required_linear_history: select(
                &self.required_linear_history,
                &child.required_linear_history,
            ),
            allow_force_pushes: select(&self.allow_force_pushes, &child.allow_force_pushes),
            allow_deletions: select(&self.allow_deletions, &child.allow_deletions),
            require_signed_commits: select(
                &self.require_signed_commits,
                &child.require_signed_commits,
            ),
            include: union_opt(&self.include, &child.include),
            exclude: union_opt(&self.exclude, &child.exclude),
        }
    }

    /// Whether it says anything about the protection itself (upstream `defined`): `unmanaged`,
    /// `include` and `exclude` do not count.
    pub fn defined(&self) -> bool {
        self.protect.is_some()
            || self.required_status_checks.is_some()
            || self.enforce_admins.is_some()
            || self.restrictions.is_some()
            || self.require_manually_triggered_jobs.is_some()
            || self.required_pull_request_reviews.is_some()
            || self.required_linear_history.is_some()
            || self.allow_force_pushes.is_some()
            || self.allow_deletions.is_some()
            || self.require_signed_commits.is_some()
    }

    fn without_protect(&self) -> Policy {
        Policy {
            protect: None,
            ..self.clone()
        }
    }
}

/// The contexts of a branch's presubmits, by how they bind a merge (upstream
/// `BranchRequirements`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BranchRequirements {
    /// Always reported and blocking: branch protection requires them.
    pub required: Vec<String>,
    /// Blocking when they run (conditional or on request).
    pub if_present: Vec<String>,
    pub optional: Vec<String>,
}

impl BranchRequirements {
    pub fn of(branch: &str, presubmits: &[Presubmit], manually_triggered_required: bool) -> Self {
        let mut requirements = BranchRequirements::default();
        for job in presubmits.iter().filter(|j| j.brancher.should_run(branch)) {
            let context = if job.reporter.context.is_empty() {
                job.name().to_string()
            } else {
                job.reporter.context.clone()
            };
            if !job.context_required() {
                requirements.optional.push(context);
            } else if manually_triggered_required && job.needs_explicit_trigger() {
                requirements.required.push(context);
            } else if job.needs_explicit_trigger() || job.changes.could_run_conditionally() {
                requirements.if_present.push(context);
            } else {
                requirements.required.push(context);
            }
        }
        requirements
    }
}

impl BranchProtection {
    /// The policy for every repository of `org`: the top level refined by the org's entry.
    pub fn org_policy(&self, org: &str) -> Policy {
        match self.orgs.get(org) {
            Some(entry) => self.policy().apply(&entry.policy()),
            None => self.policy(),
        }
    }

    /// The policy for every branch of `org/repo`.
    pub fn repo_policy(&self, org: &str, repo: &str) -> Policy {
        let org_policy = self.org_policy(org);
        match self.orgs.get(org).and_then(|o| o.repos.get(repo)) {
            Some(entry) => org_policy.apply(&entry.policy()),
            None => org_policy,
        }
    }

    /// The branches `org/repo` lists by name.
    pub fn named_branches(&self, org: &str, repo: &str) -> impl Iterator<Item = &str> {
        self.orgs
            .get(org)
            .and_then(|o| o.repos.get(repo))
            .into_iter()
            .flat_map(|r| r.branches.keys().map(String::as_str))
    }

    /// The merged policy for a branch before presubmits are considered; a branch listed by
    /// name must say `protect` or `unmanaged: true`.
    pub fn branch_policy(
        &self,
        org: &str,
        repo: &str,
        branch: &str,
    ) -> Result<Policy, PolicyError> {
        let repo_policy = self.repo_policy(org, repo);
        let listed = self
            .orgs
            .get(org)
            .and_then(|o| o.repos.get(repo))
            .and_then(|r| r.branches.get(branch));
        let Some(listed) = listed else {
            return Ok(repo_policy);
        };
        let merged = repo_policy.apply(listed);
        if merged.protect.is_none() && merged.unmanaged != Some(true) {
            return Err(PolicyError::BranchWithoutProtect {
                org: org.into(),
                repo: repo.into(),
                branch: branch.into(),
            });
        }
        Ok(merged)
    }

    /// What branchprotector should make of `org/repo=branch` (upstream `GetPolicy`): `None` to
    /// leave it alone, else the policy with the contexts of its required presubmits added.
    pub fn resolve(
        &self,
        org: &str,
        repo: &str,
        branch: &str,
        presubmits: &[Presubmit],
    ) -> Result<Option<Policy>, PolicyError> {
        let mut policy = self.branch_policy(org, repo, branch)?;
        let requirements = BranchRequirements::of(
            branch,
            presubmits,
            policy.require_manually_triggered_jobs == Some(true),
        );
        let should_manage = !requirements.required.is_empty()
            || (self.protect_repos_with_optional_jobs == Some(true)
                && (!requirements.if_present.is_empty() || !requirements.optional.is_empty()));
        if should_manage {
            if policy.protect == Some(false) {
                if self.allow_disabled_job_policies == Some(true) {
                    return Ok(None);
                }
                return Err(PolicyError::RequiredJobsUnprotected {
                    org: org.into(),
                    repo: repo.into(),
                    branch: branch.into(),
                    contexts: requirements.required.join(", "),
                });
            }
            let child = Policy {
                required_status_checks: Some(ContextPolicy {
                    contexts: requirements.required,
                    strict: None,
                }),
                protect: (self.protect_tested_repos == Some(true)).then_some(true),
                ..Policy::default()
            };
            policy = policy.apply(&child);
        }
        if policy.protect == Some(false)
            && policy.without_protect().defined()
            && self.allow_disabled_policies != Some(true)
        {
            return Err(PolicyError::DisabledPolicy {
                org: org.into(),
                repo: repo.into(),
                branch: branch.into(),
            });
        }
        Ok(policy.defined().then_some(policy))
    }
}

impl BranchProtection {
    /// Problems visible without GitHub (at load time): a listed branch without `protect`,
    /// `protect: false` beside other settings, `include` with `exclude` at the top, and
    /// regexes that do not compile. Each names where it is.
    pub(crate) fn check(&self, file: &std::sync::Arc<str>) -> Vec<Diagnostic> {
        let at = |path: YamlPath, message: String| {
            Diagnostic::error(DiagnosticKind::Invalid, file.clone(), path, message)
        };
        let root = YamlPath::root().key("branch-protection");
        let mut found = Vec::new();
        if self.include.as_ref().is_some_and(|i| !i.is_empty())
            && self.exclude.as_ref().is_some_and(|e| !e.is_empty())
        {
            found.push(at(
                root.clone().key("include"),
                "branch-protection: include and exclude cannot both be set at the top level".into(),
            ));
        }
        let mut regexes = vec![(root.clone(), self.policy())];
        for (org, org_entry) in &self.orgs {
            let org_path = root.clone().key("orgs").key(org.as_str());
            regexes.push((org_path.clone(), org_entry.policy()));
            for (repo, repo_entry) in &org_entry.repos {
                let repo_path = org_path.clone().key("repos").key(repo.as_str());
                regexes.push((repo_path.clone(), repo_entry.policy()));
                for branch in repo_entry.branches.keys() {
                    let branch_path = repo_path.clone().key("branches").key(branch.as_str());
                    let problem = match self.branch_policy(org, repo, branch) {
                        Err(error) => Some(error),
                        Ok(policy)
                            if policy.protect == Some(false)
                                && policy.without_protect().defined()
                                && self.allow_disabled_policies != Some(true) =>
                        {
                            Some(PolicyError::DisabledPolicy {
                                org: org.clone(),
                                repo: repo.clone(),
                                branch: branch.clone(),
                            })
                        }
                        Ok(_) => None,
                    };
                    if let Some(problem) = problem {
                        found.push(at(branch_path, format!("branch-protection: {problem}")));
                    }
                }
            }
        }
        for (path, policy) in regexes {
            for (key, patterns) in [("include", &policy.include), ("exclude", &policy.exclude)] {
                for (index, pattern) in patterns.iter().flatten().enumerate() {
                    if let Err(error) = regex::Regex::new(pattern) {
                        found.push(at(
                            path.clone().key(key).index(index),
                            format!("branch-protection: {key} regex {pattern:?}: {error}"),
                        ));
                    }
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests;
