//! One sync of every configured Gerrit project, woken by a ping and stateless between pings:
//! where each project was left (the newest `updated` seen, upstream's last-sync map) is kept in a
//! bucket object, `gerrit/last-sync.json`, written after each project. A project seen for the
//! first time starts from now, as upstream's does. Jobs are named from what asked for them, so a
//! sync repeated after a crash (before its last sync was written) creates nothing twice and says
//! nothing twice.

use crate::adapter::{self, Decision};
use jiff::Timestamp;
use prow_config::Config;
use prow_ports::artifacts::ArtifactStore;
use prow_ports::gerrit::{Account, BranchFilter, GerritClient, GerritError};
use prow_ports::store::{JobStore, StoreError};
use std::collections::BTreeMap;

/// Where the last-sync map is kept in the state bucket.
pub const LAST_SYNC_KEY: &str = "gerrit/last-sync.json";

type LastSync = BTreeMap<String, BTreeMap<String, Timestamp>>;

pub struct Ports<'a> {
    pub gerrit: &'a dyn GerritClient,
    pub jobs: &'a dyn JobStore,
    /// Where the last-sync map lives.
    pub state: &'a dyn ArtifactStore,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Gerrit(#[from] GerritError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the last-sync state: {0}")]
    State(String),
}

/// What a sync did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Synced {
    pub changes: usize,
    /// ProwJobs created now (not those that existed already).
    pub created: Vec<String>,
    pub messages: usize,
}

async fn read_state(store: &dyn ArtifactStore) -> Result<LastSync, SyncError> {
    match store.get(LAST_SYNC_KEY).await {
        Ok(Some(bytes)) => {
            serde_json::from_slice(&bytes).map_err(|e| SyncError::State(e.to_string()))
        }
        Ok(None) => Ok(LastSync::new()),
        Err(error) => Err(SyncError::State(error.to_string())),
    }
}

async fn write_state(store: &dyn ArtifactStore, state: &LastSync) -> Result<(), SyncError> {
    let body = serde_json::to_vec(state).map_err(|e| SyncError::State(e.to_string()))?;
    store
        .put(LAST_SYNC_KEY, body, "application/json")
        .await
        .map_err(|e| SyncError::State(e.to_string()))
}

/// Polls every project of `config.gerrit`, starts what its changes ask for, and moves each
/// project's last sync to the newest change seen.
pub async fn sync(ports: &Ports<'_>, config: &Config, now: Timestamp) -> Result<Synced, SyncError> {
    let gerrit = &config.prow.gerrit;
    if gerrit.projects().next().is_none() {
        return Ok(Synced::default());
    }
    let mut state = read_state(ports.state).await?;
    let mut synced = Synced::default();
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    for (instance, project, filter) in gerrit.projects() {
        let since = match state.get(instance).and_then(|p| p.get(project)) {
            Some(since) => *since,
            None => {
                state
                    .entry(instance.to_string())
                    .or_default()
                    .insert(project.to_string(), now);
                write_state(ports.state, &state).await?;
                continue;
            }
        };
        let filter = filter.map_or_else(BranchFilter::default, |f| BranchFilter {
            branches: f.branches.clone(),
            excluded_branches: f.excluded_branches.clone(),
        });
        let mut changes = ports
            .gerrit
            .changes_since(instance, project, &filter, gerrit.page_size(), since)
            .await?;
        if changes.is_empty() {
            continue;
        }
        changes.sort_by_key(|c| c.updated);
        let bot = match accounts.get(instance) {
            Some(bot) => bot.clone(),
            None => {
                let bot = ports.gerrit.account(instance).await?;
                accounts.insert(instance.to_string(), bot.clone());
                bot
            }
        };
        let mut latest = since;
        for change in &changes {
            synced.changes += 1;
            latest = latest.max(change.updated);
            let base = ports
                .gerrit
                .branch_head(instance, &change.project, &change.branch)
                .await?;
            let Decision { jobs, message } =
                adapter::plan_change(config, instance, change, since, &bot, &base, now);
            if change.status == prow_ports::gerrit::ChangeStatus::New
                && change.revision.created > since
            {
                abort_superseded(ports.jobs, change).await?;
            }
            let mut created_now = 0;
            for job in &jobs {
                match ports.jobs.create(job).await {
                    Ok(created) => {
                        created_now += 1;
                        synced.created.push(created.name().to_string());
                    }
                    Err(StoreError::AlreadyExists(_)) => {}
                    Err(error) => return Err(error.into()),
                }
            }
            // Said once: a repeated sync finds its jobs existing and stays quiet.
            if let Some(message) = message.filter(|_| created_now > 0) {
                ports
                    .gerrit
                    .review(
                        instance,
                        &change.id,
                        &change.revision.sha,
                        &message,
                        &BTreeMap::new(),
                    )
                    .await?;
                synced.messages += 1;
            }
        }
        state
            .entry(instance.to_string())
            .or_default()
            .insert(project.to_string(), latest);
        write_state(ports.state, &state).await?;
    }
    Ok(synced)
}

/// Aborts the unfinished presubmits of a change's earlier patch sets: a new patch set makes
/// them moot (upstream aborts them in plank).
async fn abort_superseded(
    store: &dyn JobStore,
    change: &prow_ports::gerrit::Change,
) -> Result<(), SyncError> {
    let selector = format!("{}={}", prow_api::labels::PULL, change.number);
    for job in store.list(&selector).await? {
        let patchset = job
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(adapter::GERRIT_PATCHSET))
            .and_then(|p| p.parse::<u64>().ok());
        let same_change = job
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(adapter::GERRIT_ID))
            == Some(&change.id);
        if !same_change
            || job.complete()
            || job.spec.job_type != prow_api::ProwJobType::Presubmit
            || patchset.is_none_or(|p| p >= change.revision.number)
        {
            continue;
        }
        prow_ports::store::update_fresh(store, job.name(), 8, |j| {
            if j.complete() {
                return false;
            }
            j.status.state = Some(prow_api::ProwJobState::Aborted);
            j.status.description = "Aborted: a newer patch set was uploaded.".into();
            true
        })
        .await?;
    }
    Ok(())
}

/// The name crier records Gerrit reports under (upstream's).
pub const REPORTER: &str = "gerrit-reporter";

/// Whether crier's Gerrit reporter has anything to do with `job`: a finished job the adapter
/// made, not yet reported.
pub fn reportable(job: &prow_api::ProwJob) -> bool {
    job.metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(adapter::GERRIT_INSTANCE))
        && job.complete()
}

/// crier's Gerrit report for `job`: when every job its report covers has finished, one review
/// on its revision with the summary and the vote, and each covered job recorded as reported (so
/// none reports again). Before that, nothing.
pub async fn report(
    gerrit: &dyn GerritClient,
    store: &dyn JobStore,
    job: &prow_api::ProwJob,
) -> Result<(), SyncError> {
    let Some(pull) = job
        .spec
        .refs
        .as_ref()
        .and_then(|r| r.pulls.first())
        .map(|p| p.number)
    else {
        return Ok(());
    };
    let selector = format!("{}={pull}", prow_api::labels::PULL);
    let jobs_of_change: Vec<prow_api::ProwJob> = store
        .list(&selector)
        .await?
        .into_iter()
        .filter(|j| {
            j.spec.refs.as_ref().map(|r| (&r.org, &r.repo))
                == job.spec.refs.as_ref().map(|r| (&r.org, &r.repo))
        })
        .collect();
    let Some((target, covered)) = crate::report::covers(job, &jobs_of_change) else {
        return Ok(());
    };
    if covered
        .iter()
        .all(|j| j.status.prev_report_states.get(REPORTER) == j.status.state.as_ref())
    {
        return Ok(());
    }
    let merged = gerrit
        .change_status(&target.instance, &target.change_id)
        .await?
        == Some(prow_ports::gerrit::ChangeStatus::Merged);
    let message = crate::report::message(&covered);
    let votes: BTreeMap<String, i32> = crate::report::vote(&covered, merged).into_iter().collect();
    match gerrit
        .review(
            &target.instance,
            &target.change_id,
            &target.revision,
            &message,
            &votes,
        )
        .await
    {
        Ok(()) => {}
        // The change or revision is gone: nothing to report on.
        Err(error) if error.is_not_found() => {}
        Err(error) => return Err(error.into()),
    }
    for covered_job in &covered {
        let Some(state) = covered_job.status.state else {
            continue;
        };
        prow_ports::store::update_fresh(store, covered_job.name(), 8, |j| {
            j.status
                .prev_report_states
                .insert(REPORTER.to_string(), state);
            true
        })
        .await?;
    }
    Ok(())
}
