//! Who may rerun or abort a job (upstream `cmd/deck/rerun.go`, `abort.go`), and the job a rerun
//! creates. Anyone, when the configuration's or the job's `rerun_auth_config` says
//! `allow_anyone`; otherwise a person signed in with GitHub who is listed (`github_users`), a
//! member of a listed org or team, or, for a presubmit, someone `/test` would trust on its pull
//! request. The facts (memberships, trust) are asked for as the plugins ask for theirs.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use prow_api::{ProwJob, ProwJobState, ProwJobStatus, ProwJobType, RerunAuthConfig};
use prow_config::Trigger;
use prow_plugins::facts::{Facts, NeedFacts};
use prow_plugins::{IssueRef, trust};
use prow_ports::github::RepoRef;

/// What a rerun or abort request may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Permission {
    /// `allow_anyone`: no sign-in is needed.
    Anyone,
    /// Only someone signed in, who is then checked with [`may_rerun`].
    SignedIn,
}

/// The configuration's auth config for `job` (upstream `GetRerunAuthConfig`).
pub fn config_auth<'c>(deck: &'c prow_config::Deck, job: &ProwJob) -> Option<&'c RerunAuthConfig> {
    let refs = job.spec.refs.as_ref().or(job.spec.extra_refs.first());
    let org_repo = refs.map(|r| r.org_repo()).unwrap_or_default();
    deck.rerun_auth_config(&org_repo, &job.spec.cluster)
}

/// Whether `job` may be rerun by anyone, or only by someone signed in.
pub fn permission(config: Option<&RerunAuthConfig>, job: &ProwJob) -> Permission {
    let anyone = |auth: Option<&RerunAuthConfig>| auth.is_some_and(|a| a.allow_anyone);
    if anyone(config) || anyone(job.spec.rerun_auth_config.as_ref()) {
        Permission::Anyone
    } else {
        Permission::SignedIn
    }
}

fn same_login(a: &str, b: &str) -> bool {
    a.trim_start_matches('@')
        .eq_ignore_ascii_case(b.trim_start_matches('@'))
}

/// Upstream `RerunAuthConfig.IsAuthorized`: listed, or a member of a listed org or team.
fn authorized(
    facts: &Facts,
    auth: &RerunAuthConfig,
    org: &str,
    login: &str,
) -> Result<bool, NeedFacts> {
    if auth.allow_anyone || auth.github_users.iter().any(|u| same_login(u, login)) {
        return Ok(true);
    }
    for listed in &auth.github_orgs {
        if facts.is_member(listed, login)? {
            return Ok(true);
        }
    }
    if !auth.github_team_ids.is_empty() && !org.is_empty() {
        let teams = facts.teams(org)?;
        let slugs: Vec<String> = teams
            .iter()
            .filter(|team| auth.github_team_ids.contains(&(team.id as i64)))
            .map(|team| team.slug.clone())
            .collect();
        if facts.in_any_team(org, &slugs, login)? {
            return Ok(true);
        }
    }
    for team in &auth.github_team_slugs {
        if facts
            .team_members(&team.org, &team.slug)?
            .iter()
            .any(|member| same_login(member, login))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether `login` may rerun or abort `job` (upstream `canTriggerJob`): the configuration's
/// auth config, then the job's own, then for a presubmit with a pull request the trust `/test`
/// needs (`trigger` is the repository's trigger settings).
pub fn may_rerun(
    facts: &Facts,
    config: Option<&RerunAuthConfig>,
    job: &ProwJob,
    trigger: &Trigger,
    login: &str,
) -> Result<bool, NeedFacts> {
    let refs = job.spec.refs.as_ref().or(job.spec.extra_refs.first());
    let org = refs.map(|r| r.org.as_str()).unwrap_or_default();
    for auth in [config, job.spec.rerun_auth_config.as_ref()]
        .into_iter()
        .flatten()
    {
        if authorized(facts, auth, org, login)? {
            return Ok(true);
        }
    }
    if job.spec.job_type == ProwJobType::Presubmit
        && let Some(refs) = &job.spec.refs
        && let Some(pull) = refs.pulls.first()
    {
        let pull = IssueRef {
            repo: RepoRef::new(&refs.org, &refs.repo),
            number: prow_github::ids::IssueNumber(pull.number),
        };
        return trust::trusted_pull_request(facts, trigger, login, &pull);
    }
    Ok(false)
}

/// The job a rerun creates (upstream `pjutil.NewProwJob` of the old spec): the same spec, labels
/// and annotations, a new name, triggered at `now`, its status saying who asked.
pub fn rerun_job(job: &ProwJob, name: &str, now: Timestamp, by: Option<&str>) -> ProwJob {
    let description = rerun_description(job, by);
    ProwJob::new(
        ObjectMeta {
            name: Some(name.to_string()),
            namespace: job.metadata.namespace.clone(),
            labels: job.metadata.labels.clone(),
            annotations: job.metadata.annotations.clone(),
            ..ObjectMeta::default()
        },
        job.spec.clone(),
        ProwJobStatus {
            start_time: Some(Time(now)),
            state: Some(ProwJobState::Triggered),
            description,
            ..ProwJobStatus::default()
        },
    )
}

/// What a rerun's status says (upstream's words): who reran which job.
pub fn rerun_description(old: &ProwJob, by: Option<&str>) -> String {
    match by {
        Some(login) => format!("{login} successfully reran {}.", old.name()),
        None => format!("Successfully reran {}.", old.name()),
    }
}

/// Whether a job in this state can be aborted (upstream: triggered or pending).
pub fn abortable(job: &ProwJob) -> bool {
    matches!(
        job.status.state,
        Some(ProwJobState::Triggered) | Some(ProwJobState::Pending) | None
    )
}

/// Why `mode=latest` cannot rebuild a job from the configuration (upstream's messages).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LatestError {
    #[error("Refs must be supplied")]
    NoRefs,
    #[error("failed to find job {job:?} for orgRepo {repo:?}")]
    NotFound { job: String, repo: String },
    #[error("found job {job:?}, but not allowed to run for orgRepo {repo:?}")]
    NotForBranch { job: String, repo: String },
    #[error("failed to find associated periodic job {0:?}")]
    NoPeriodic(String),
    #[error("Invalid prowjob type: {0:?}")]
    Unsupported(&'static str),
}

/// The labels and annotations components set that a rerun from the configuration keeps
/// (upstream `ComponentSpecifiedAnnotationsAndLabels`).
const KEPT_LABELS: &[&str] = &[
    "event-GUID",
    "prow.k8s.io/created-by-tide",
    "prow.k8s.io/gerrit-revision",
    "prow.k8s.io/gerrit-patchset",
    "prow.k8s.io/gerrit-report-label",
    "prow.k8s.io/gerrit-id",
    "prow.k8s.io/gerrit-instance",
];

/// `mode=latest`: the job as the configuration builds it now for the old job's refs, named
/// `name` (upstream `getProwJobSpec` and `NewProwJob`), keeping the components' labels. A
/// repository's own jobs (`in_repo`, read for the old job's commits) count as configured.
pub fn rerun_latest(
    config: &prow_config::Config,
    old: &ProwJob,
    name: &str,
    now: Timestamp,
    in_repo: Option<&prow_config::InRepoJobs>,
) -> Result<ProwJob, LatestError> {
    let jobs = &config.jobs;
    let job_name = &old.spec.job;
    let mut job = match old.spec.job_type {
        ProwJobType::Periodic => {
            let periodic = jobs
                .periodics
                .iter()
                .find(|p| p.name() == job_name)
                .ok_or_else(|| LatestError::NoPeriodic(job_name.clone()))?;
            prow_trigger::jobs::periodic(periodic, name, now)
        }
        ProwJobType::Presubmit | ProwJobType::Postsubmit => {
            let refs = old.spec.refs.clone().ok_or(LatestError::NoRefs)?;
            if refs.org.is_empty() || refs.repo.is_empty() || refs.base_ref.is_empty() {
                return Err(LatestError::NoRefs);
            }
            let repo = refs.org_repo();
            let not_found = || LatestError::NotFound {
                job: job_name.clone(),
                repo: repo.clone(),
            };
            let not_for_branch = || LatestError::NotForBranch {
                job: job_name.clone(),
                repo: repo.clone(),
            };
            // Upstream: a job of that name for the repository, that runs on the base branch.
            fn for_branch<J>(
                jobs: Option<&Vec<J>>,
                wanted: impl Fn(&J) -> bool,
                runs_on_branch: impl Fn(&J) -> bool,
            ) -> Result<&J, bool> {
                let mut named = jobs.into_iter().flatten().filter(|j| wanted(j)).peekable();
                if named.peek().is_none() {
                    return Err(false);
                }
                named.find(|j| runs_on_branch(j)).ok_or(true)
            }
            let missing = |named: bool| if named { not_for_branch() } else { not_found() };
            let branch = refs.base_ref.clone();
            fn with_own<J: Clone>(
                central: Option<&Vec<J>>,
                own: Option<&Vec<J>>,
            ) -> Option<Vec<J>> {
                let all: Vec<J> = central.into_iter().chain(own).flatten().cloned().collect();
                (!all.is_empty()).then_some(all)
            }
            let presubmits = with_own(jobs.presubmits.get(&repo), in_repo.map(|o| &o.presubmits));
            let postsubmits =
                with_own(jobs.postsubmits.get(&repo), in_repo.map(|o| &o.postsubmits));
            if old.spec.job_type == ProwJobType::Presubmit {
                let job = for_branch(
                    presubmits.as_ref(),
                    |p| p.name() == job_name,
                    |p| p.brancher.should_run(&branch),
                )
                .map_err(missing)?;
                prow_trigger::jobs::presubmit(job, refs, name, &Default::default(), now)
            } else {
                let job = for_branch(
                    postsubmits.as_ref(),
                    |p| p.name() == job_name,
                    |p| p.brancher.should_run(&branch),
                )
                .map_err(missing)?;
                prow_trigger::jobs::postsubmit(job, refs, name, now)
            }
        }
        ProwJobType::Batch => return Err(LatestError::Unsupported("batch")),
    };
    job.metadata.name = Some(name.to_string());
    for (kind, old_map) in [
        ("labels", old.metadata.labels.as_ref()),
        ("annotations", old.metadata.annotations.as_ref()),
    ] {
        let target = if kind == "labels" {
            job.metadata.labels.get_or_insert_with(Default::default)
        } else {
            job.metadata
                .annotations
                .get_or_insert_with(Default::default)
        };
        for (key, value) in old_map.into_iter().flatten() {
            if KEPT_LABELS.contains(&key.as_str()) {
                target.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prow_api::{GitHubTeamSlug, Pull, Refs};
    use prow_plugins::facts::{Fact, Known};
    use prow_ports::github::Team;

    fn presubmit(auth: Option<RerunAuthConfig>) -> ProwJob {
        let mut job: ProwJob = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "j1"},
            "spec": {"type": "presubmit", "job": "pull-unit"},
        }))
        .unwrap();
        job.spec.refs = Some(Refs {
            org: "org".into(),
            repo: "app".into(),
            base_ref: "main".into(),
            pulls: vec![Pull {
                number: 7,
                author: "carol".into(),
                ..Pull::default()
            }],
            ..Refs::default()
        });
        job.spec.rerun_auth_config = auth;
        job
    }

    fn facts() -> Facts {
        let pull = IssueRef {
            repo: RepoRef::new("org", "app"),
            number: prow_github::ids::IssueNumber(7),
        };
        let mut facts = Facts::new()
            .with(Fact::BotLogin, Known::Text("prow-bot".into()))
            .with(
                Fact::Teams { org: "org".into() },
                Known::Teams(vec![Team {
                    id: 42,
                    name: "Admins".into(),
                    slug: "admins".into(),
                }]),
            )
            .with(
                Fact::TeamMembers {
                    org: "org".into(),
                    team: "admins".into(),
                },
                Known::Logins(vec!["tess".into()]),
            )
            .with(
                Fact::TeamMembers {
                    org: "other".into(),
                    team: "ops".into(),
                },
                Known::Logins(vec!["olga".into()]),
            )
            .with(Fact::Labels(pull), Known::Labels(vec![]));
        for login in ["alice", "bob", "tess", "olga", "dave", "Alice"] {
            for org in ["org", "friends"] {
                let member =
                    (login == "alice" && org == "org") || (login == "dave" && org == "friends");
                facts.insert(
                    Fact::OrgMember {
                        org: org.into(),
                        login: login.into(),
                    },
                    Known::Bool(member),
                );
            }
            facts.insert(
                Fact::Collaborator {
                    repo: RepoRef::new("org", "app"),
                    login: login.into(),
                },
                Known::Bool(false),
            );
        }
        facts
    }

    #[test]
    fn who_may_rerun_as_upstream_decides() {
        let listed = RerunAuthConfig {
            github_users: vec!["@Bob".into()],
            github_orgs: vec!["friends".into()],
            github_team_ids: vec![42],
            github_team_slugs: vec![GitHubTeamSlug {
                org: "other".into(),
                slug: "ops".into(),
            }],
            ..RerunAuthConfig::default()
        };
        let trigger = Trigger::default();
        for (login, config, job_auth, allowed) in [
            ("bob", Some(&listed), None, true),
            ("dave", Some(&listed), None, true),
            ("tess", Some(&listed), None, true),
            ("olga", Some(&listed), None, true),
            ("olga", None, Some(listed.clone()), true),
            // Not listed, but an org member whom /test trusts on the presubmit's PR.
            ("alice", None, None, true),
            ("Alice", None, None, false),
            ("bob", None, None, false),
        ] {
            let job = presubmit(job_auth);
            assert_eq!(
                may_rerun(&facts(), config, &job, &trigger, login),
                Ok(allowed),
                "{login}"
            );
        }
    }

    #[test]
    fn allow_anyone_in_either_config_needs_no_sign_in() {
        let anyone = RerunAuthConfig {
            allow_anyone: true,
            ..RerunAuthConfig::default()
        };
        assert_eq!(
            permission(Some(&anyone), &presubmit(None)),
            Permission::Anyone
        );
        assert_eq!(
            permission(None, &presubmit(Some(anyone))),
            Permission::Anyone
        );
        assert_eq!(permission(None, &presubmit(None)), Permission::SignedIn);
    }

    #[test]
    fn a_rerun_copies_the_spec_under_a_new_name() {
        let old = presubmit(None);
        let now: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        let new = rerun_job(&old, "j2", now, Some("alice"));
        assert_eq!(new.name(), "j2");
        assert_eq!(new.spec, old.spec);
        assert_eq!(new.status.state, Some(ProwJobState::Triggered));
        assert_eq!(new.status.description, "alice successfully reran j1.");
        assert_eq!(new.status.start_time.map(|t| t.0), Some(now));
    }
}
