//! One tide sync over the ports (upstream `syncController.Sync` and the status controller): find
//! the pull requests tide's queries admit, divide them into pools, and for each pool whose
//! lease this run takes, read its base and job results, decide, act, and set the `tide` context
//! of every pull request in scope where it changed. Nothing is kept between runs: each reads
//! what it needs from GitHub and the job store.
//!
//! Boundary: async glue over `prow-ports` only; the decisions are [`crate::decide`]'s and
//! [`crate::status`]'s.

use crate::contexts::{ContextError, ContextOptions, ContextPolicy};
use crate::decide::{Action, Decision, PoolSettings, decide};
use crate::pool::{ChangesNeeded, JobRun, MergeState, PullRequest, Subpool, TIDE_CONTEXT};
use crate::query;
use crate::search::{self, IssueNode, Page, PullRequestNode};
use crate::status::{Expected, MergeBlocksPolicy, StatusInput, expected};
use jiff::{SignedDuration, Timestamp};
use prow_api::{Pull, Refs, StringMap, labels};
use prow_config::{Config, Presubmit};
use prow_ports::Failure;
use prow_ports::github::{
    GitHubClient, GitHubError, IssueNumber, MergeDetails, MergeMethod, RepoRef, Sha, Status,
};
use prow_ports::lease::Leases;
use prow_ports::store::{JobStore, StoreError};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// How long a pool's lease lasts: longer than a sync takes, short enough that a run that died
/// holding it delays the pool by one or two pings.
pub const POOL_LEASE: SignedDuration = SignedDuration::from_secs(120);
/// Pages of one search at most (37 each): 37,000 pull requests.
const MAX_PAGES: usize = 1000;

/// What a sync acts through.
pub struct Ports<'a> {
    pub github: &'a dyn GitHubClient,
    pub jobs: &'a dyn JobStore,
    pub leases: &'a dyn Leases,
    /// Where the pools and their history are kept for deck (a bucket); none keeps nothing.
    pub records: Option<&'a dyn prow_ports::artifacts::ArtifactStore>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("GitHub: {0}")]
    GitHub(#[from] GitHubError),
    #[error("the job store: {0}")]
    Store(#[from] StoreError),
    #[error("GitHub's answer to tide's search does not read: {0}")]
    Search(String),
    #[error(transparent)]
    Contexts(#[from] ContextError),
    #[error(transparent)]
    Records(#[from] crate::record::RecordError),
}

impl Failure for SyncError {
    fn kind(&self) -> &'static str {
        match self {
            SyncError::GitHub(error) => error.kind(),
            SyncError::Store(error) => error.kind(),
            SyncError::Search(_) => "github_decode",
            SyncError::Contexts(_) => "config_invalid",
            SyncError::Records(error) => error.kind(),
        }
    }

    fn retryable(&self) -> bool {
        match self {
            SyncError::GitHub(error) => error.retryable(),
            SyncError::Store(error) => error.retryable(),
            SyncError::Search(_) => true,
            SyncError::Contexts(_) => false,
            SyncError::Records(error) => error.retryable(),
        }
    }
}

/// What a sync found and did in one pool, by pull request number (deck's JSON is
/// [`crate::record::PoolForDeck`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolReport {
    pub org: String,
    pub repo: String,
    pub branch: String,
    pub base_sha: String,
    pub success: Vec<u64>,
    pub pending: Vec<u64>,
    pub missing: Vec<u64>,
    pub batch_pending: Vec<u64>,
    pub action: String,
    pub target: Vec<u64>,
    pub blockers: Vec<u64>,
    pub error: String,
}

/// What one sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub pools: Vec<PoolReport>,
    /// Pools another run held the lease of (`org/repo@branch`).
    pub skipped: Vec<String>,
    /// `org/repo#number`, in the order merged.
    pub merged: Vec<String>,
    /// Each merge as a step of its branch: from which base, what, to which commit.
    pub merges: Vec<crate::pool::Merged>,
    /// ProwJobs created now.
    pub started: Vec<String>,
    pub statuses_written: usize,
    /// GraphQL points the searches cost (as GitHub reports them).
    pub graphql_points: u64,
}

/// One sync at `now`, as `holder` (this instance) for the pools' leases.
pub async fn sync(
    ports: &Ports<'_>,
    config: &Config,
    now: Timestamp,
    holder: &str,
) -> Result<Report, SyncError> {
    let tide = &config.prow.tide;
    let mut report = Report::default();
    if tide.queries.is_empty() {
        return Ok(report);
    }
    let options = ContextOptions::from_config(tide.context_options.as_ref())?;

    let mut found: BTreeMap<(String, String, u64), PullRequest> = BTreeMap::new();
    for query in &tide.queries {
        for (org, text) in query::search_by_org(query) {
            let nodes: Vec<PullRequestNode> =
                search_all(ports.github, &org, search::POOL_QUERY, &text, &mut report).await?;
            for node in nodes {
                let key = (
                    node.repository.org().to_string(),
                    node.repository.name.clone(),
                    node.number,
                );
                found.insert(key, node.into_pull_request());
            }
        }
    }
    let blockers = blockers(ports.github, config, &mut report).await?;

    let mut pools: BTreeMap<(String, String, String), Vec<PullRequest>> = BTreeMap::new();
    for ((org, repo, _), pr) in found {
        pools
            .entry((org, repo, pr.base_ref.clone()))
            .or_default()
            .push(pr);
    }
    let mut in_pools: BTreeSet<(String, String, u64)> = BTreeSet::new();
    let keys: Vec<String> = pools
        .keys()
        .map(|(org, repo, branch)| crate::record::pool_key(org, repo, branch))
        .collect();
    for ((org, repo, branch), prs) in pools {
        let name = format!("tide-{org}-{repo}-{branch}");
        let Some(held) = ports.leases.acquire(&name, holder, now, POOL_LEASE).await? else {
            tracing::info!(org, repo, branch, "another tide run holds this pool");
            report.skipped.push(format!("{org}/{repo}@{branch}"));
            continue;
        };
        let repo_ref = RepoRef::new(&org, &repo);
        let applying: Vec<&Blocker> = blockers
            .iter()
            .filter(|b| b.applies(&org, &repo, &branch))
            .collect();
        let outcome = sync_pool(
            ports,
            config,
            &options,
            PoolKey {
                repo: &repo_ref,
                branch: &branch,
            },
            prs,
            &applying,
            now,
            &mut report,
        )
        .await;
        ports.leases.release(held).await?;
        let outcome = outcome?;
        for number in outcome
            .success
            .iter()
            .chain(&outcome.pending)
            .chain(&outcome.missing)
        {
            in_pools.insert((org.clone(), repo.clone(), *number));
        }
        report.pools.push(outcome);
    }
    if let Some(bucket) = ports.records {
        crate::record::save_index(bucket, &keys).await?;
    }
    statuses_out_of_pool(ports, config, &options, &in_pools, &blockers, &mut report).await?;
    Ok(report)
}

#[derive(Clone, Copy)]
struct PoolKey<'a> {
    repo: &'a RepoRef,
    branch: &'a str,
}

/// GitHub answers at most this many results to one search, however many it matched.
const SEARCH_RESULTS_LIMIT: u64 = 1000;

/// Every result of a search, past GitHub's 1,000: results come oldest first, and while the
/// search matched more than it answered, it is asked again from the last creation time seen
/// (results at that same time come twice and are kept once).
async fn search_all<N: serde::de::DeserializeOwned>(
    github: &dyn GitHubClient,
    org: &str,
    graphql: &str,
    text: &str,
    report: &mut Report,
) -> Result<Vec<N>, SyncError> {
    let mut nodes = Vec::new();
    let mut seen: BTreeSet<(String, String, u64)> = BTreeSet::new();
    let mut from: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let window = match &from {
            Some(time) => format!("{text} sort:created-asc created:>={time}"),
            None => format!("{text} sort:created-asc"),
        };
        let (matched, last) =
            search_window(github, org, graphql, &window, &mut seen, &mut nodes, report).await?;
        if matched <= SEARCH_RESULTS_LIMIT {
            return Ok(nodes);
        }
        // More than GitHub answers: on from the newest creation time answered.
        match last {
            Some(time) if from.as_ref() != Some(&time) => from = Some(time),
            _ => {
                tracing::warn!(
                    org,
                    search = text,
                    "more than 1,000 results created at one time: the rest are not seen"
                );
                return Ok(nodes);
            }
        }
    }
    Ok(nodes)
}

/// Every page of one search (at most GitHub's 1,000 results): how many it matched, and the
/// newest creation time it answered.
async fn search_window<N: serde::de::DeserializeOwned>(
    github: &dyn GitHubClient,
    org: &str,
    graphql: &str,
    text: &str,
    seen: &mut BTreeSet<(String, String, u64)>,
    nodes: &mut Vec<N>,
    report: &mut Report,
) -> Result<(u64, Option<String>), SyncError> {
    let mut cursor: Option<String> = None;
    let mut matched = 0;
    let mut last: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let variables = serde_json::json!({"query": text, "searchCursor": cursor});
        let data = github.graphql(org, graphql, variables).await?;
        let page: Page<serde_json::Value> =
            serde_json::from_value(data).map_err(|e| SyncError::Search(e.to_string()))?;
        report.graphql_points += page.rate_limit.map_or(1, |r| r.cost);
        matched = page.search.issue_count;
        for node in page.search.nodes {
            // A search for pull requests can answer other kinds of nodes: empty objects.
            if node.as_object().is_none_or(|o| o.is_empty()) {
                continue;
            }
            let key = (
                node["repository"]["owner"]["login"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                node["repository"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                node["number"].as_u64().unwrap_or_default(),
            );
            if let Some(created) = node["createdAt"].as_str() {
                last = Some(created.to_string());
            }
            if seen.insert(key) {
                nodes.push(
                    serde_json::from_value(node).map_err(|e| SyncError::Search(e.to_string()))?,
                );
            }
        }
        if !page.search.page_info.has_next_page {
            break;
        }
        cursor = page.search.page_info.end_cursor;
    }
    Ok((matched, last))
}

/// A blocker issue: it blocks its repository, or only the branches its title names.
struct Blocker {
    org: String,
    repo: String,
    number: u64,
    title: String,
    url: String,
    branches: Vec<String>,
}

impl Blocker {
    fn applies(&self, org: &str, repo: &str, branch: &str) -> bool {
        self.org == org
            && self.repo == repo
            && (self.branches.is_empty() || self.branches.iter().any(|b| b == branch))
    }
}

/// Upstream's `branchRE`: `branch:name` tokens in a blocker's title (Go's `\w` is ASCII).
static BRANCH: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?im)\bbranch:[^0-9A-Za-z_-]*([0-9A-Za-z_./-]+)\b").ok());

/// The branches a blocker's title names; none means the whole repository.
pub fn blocker_branches(title: &str) -> Vec<String> {
    BRANCH
        .as_ref()
        .map(|re| {
            re.captures_iter(title)
                .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Upstream `blockers.FindAll`: open issues with `blocker_label` in the repositories tide's
/// queries cover.
async fn blockers(
    github: &dyn GitHubClient,
    config: &Config,
    report: &mut Report,
) -> Result<Vec<Blocker>, SyncError> {
    let label = &config.prow.tide.blocker_label;
    if label.is_empty() {
        return Ok(Vec::new());
    }
    let mut scopes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for query in &config.prow.tide.queries {
        for org in &query.orgs {
            scopes
                .entry(org.clone())
                .or_default()
                .insert(format!("org:\"{org}\""));
        }
        for repo in &query.repos {
            if let Some((org, _)) = repo.split_once('/') {
                scopes
                    .entry(org.to_string())
                    .or_default()
                    .insert(format!("repo:\"{repo}\""));
            }
        }
    }
    let mut found = Vec::new();
    for (org, terms) in scopes {
        let text = format!(
            "is:issue state:open label:\"{label}\" {}",
            terms.into_iter().collect::<Vec<_>>().join(" ")
        );
        let issues: Vec<IssueNode> =
            search_all(github, &org, search::BLOCKER_QUERY, &text, report).await?;
        for issue in issues {
            let branches = blocker_branches(&issue.title);
            found.push(Blocker {
                org: issue.repository.org().to_string(),
                repo: issue.repository.name.clone(),
                number: issue.number,
                title: issue.title.clone(),
                url: issue.url.clone(),
                branches,
            });
        }
    }
    Ok(found)
}

/// The branch's presubmits.
fn presubmits_of<'c>(config: &'c Config, repo: &RepoRef, branch: &str) -> Vec<&'c Presubmit> {
    config
        .jobs
        .presubmits
        .get(&repo.full_name())
        .map(|jobs| {
            jobs.iter()
                .filter(|j| j.brancher.should_run(branch))
                .collect()
        })
        .unwrap_or_default()
}

fn policy_of(
    options: &ContextOptions,
    repo: &RepoRef,
    branch: &str,
    presubmits: &[&Presubmit],
    protected: &[String],
) -> Result<ContextPolicy, ContextError> {
    let owned: Vec<Presubmit> = presubmits.iter().map(|p| (*p).clone()).collect();
    ContextPolicy::for_branch(options, &repo.org, &repo.name, branch, &owned, protected)
}

/// Upstream `GitHubMergeBlocksPolicy`: `org/repo@branch`... as `merge_method` is keyed.
fn merge_blocks(config: &Config, repo: &RepoRef, branch: &str) -> MergeBlocksPolicy {
    let map = &config.prow.tide.github_merge_blocks_policy;
    [
        format!("{}@{branch}", repo.full_name()),
        repo.full_name(),
        repo.org.clone(),
    ]
    .iter()
    .find_map(|key| map.get(key))
    .and_then(|value| MergeBlocksPolicy::parse(value))
    .unwrap_or_default()
}

#[expect(
    clippy::too_many_arguments,
    reason = "one pool's sync reads all of these"
)]
async fn sync_pool(
    ports: &Ports<'_>,
    config: &Config,
    options: &ContextOptions,
    key: PoolKey<'_>,
    mut prs: Vec<PullRequest>,
    blockers: &[&Blocker],
    now: Timestamp,
    report: &mut Report,
) -> Result<PoolReport, SyncError> {
    let PoolKey { repo, branch } = key;
    let base = ports.github.branch_head(repo, branch).await?;
    let selector = format!(
        "{}={},{}={},{}={}",
        labels::ORG,
        labels::sanitize_value(&repo.org),
        labels::REPO,
        labels::sanitize_value(&repo.name),
        labels::BASE_REF,
        labels::sanitize_value(branch)
    );
    let (mut runs, earlier): (Vec<JobRun>, Vec<JobRun>) = ports
        .jobs
        .list(&selector)
        .await?
        .iter()
        .filter_map(JobRun::from_prowjob)
        .partition(|run| run.base_sha == base.as_str());
    let pool_key = crate::record::pool_key(&repo.org, &repo.name, branch);
    // Runs on earlier bases that tested what tide merged since: they count on this base.
    if let Some(bucket) = ports.records {
        let merges = crate::record::merges(bucket, &pool_key).await?;
        runs.extend(crate::pool::rebased(&earlier, &merges, base.as_str()));
    }
    let presubmits = presubmits_of(config, repo, branch);
    let protected = if options
        .for_branch(&repo.org, &repo.name, branch)
        .from_branch_protection
        == Some(true)
    {
        match ports.github.required_contexts(repo, branch).await {
            Ok(contexts) => contexts,
            // An unprotected branch requires nothing.
            Err(error) if error.is_not_found() => Vec::new(),
            Err(error) => return Err(error.into()),
        }
    } else {
        Vec::new()
    };
    let policy = policy_of(options, repo, branch, &presubmits, &protected)?;
    let blocks = merge_blocks(config, repo, branch);
    // Upstream `filterPR`: what cannot merge whatever its tests say stays out of the pool.
    prs.retain(|pr| {
        pr.merge_state != MergeState::Conflicting
            && !(blocks == MergeBlocksPolicy::Block && pr.merge_state == MergeState::Blocked)
            && merge_method(config, repo, branch, pr).is_ok()
    });
    prs.sort_by_key(|pr| pr.number);
    // Batches that failed on an earlier base, their pull requests unchanged since.
    let suspects: Vec<Vec<u64>> = earlier
        .iter()
        .filter(|run| run.kind == crate::RunKind::Batch && run.state == crate::RunState::Failure)
        .filter(|run| {
            run.pulls
                .iter()
                .all(|(n, sha)| prs.iter().any(|pr| pr.number == *n && pr.head_sha == *sha))
        })
        .map(|run| run.pulls.iter().map(|(n, _)| *n).collect())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut pool = Subpool {
        org: repo.org.clone(),
        repo: repo.name.clone(),
        branch: branch.to_string(),
        base_sha: base.to_string(),
        prs,
        runs,
        presubmits,
        changes: BTreeMap::new(),
        policy,
        suspects,
    };
    let mut settings = PoolSettings::for_repo(&config.prow.tide, &repo.org, &repo.name);
    if ports.records.is_none() {
        // A speculative batch pays off only when its result carries past the merge before it,
        // which needs tide's merges kept: without a bucket, one batch at a time.
        settings.batches_in_flight = 1;
    }
    let decision = loop {
        match decide(&pool, &settings, !blockers.is_empty()) {
            Ok(decision) => break decision,
            Err(ChangesNeeded(number)) => {
                let changes = ports
                    .github
                    .pull_request_changes(repo, IssueNumber(number))
                    .await?;
                pool.changes
                    .insert(number, changes.into_iter().map(|c| c.filename).collect());
            }
        }
    };
    tracing::info!(
        org = repo.org, repo = repo.name, branch, action = decision.action.as_str(),
        targets = ?decision.targets, "tide pool decided"
    );
    let merged_before = report.merges.len();
    let error = act(ports, config, &pool, &decision, now, report)
        .await?
        .unwrap_or_default();
    if let Some(bucket) = ports.records {
        crate::record::save_merges(bucket, &pool_key, &report.merges[merged_before..]).await?;
    }
    for pr in &pool.prs {
        let passing = pool.passing_contexts(pr);
        let wanted = expected(
            pr,
            &StatusInput {
                queries: &[],
                policy: &pool.policy,
                blocks,
                in_pool: true,
                blockers: &[],
                passing: &passing,
                display_all_queries: config.prow.tide.display_all_tide_queries_in_status,
                not_allowed: None,
            },
        );
        if !report_merged(report, repo, pr.number) {
            write_status(ports.github, repo, pr, &wanted, config, report).await?;
        }
    }
    if let Some(bucket) = ports.records {
        let (deck, record) = for_deck(&pool, &decision, blockers, &error, now);
        crate::record::save_pool(bucket, &deck, record).await?;
    }
    Ok(PoolReport {
        org: repo.org.clone(),
        repo: repo.name.clone(),
        branch: branch.to_string(),
        base_sha: base.to_string(),
        success: decision.accumulated.success.clone(),
        pending: decision.accumulated.pending.clone(),
        missing: decision.accumulated.missing.clone(),
        batch_pending: decision.batches.pending.clone(),
        action: decision.action.as_str().to_string(),
        target: decision.targets.clone(),
        blockers: blockers.iter().map(|b| b.number).collect(),
        error,
    })
}

/// The pool as deck shows it, and the history record of its action when it is worth one.
fn for_deck(
    pool: &Subpool<'_>,
    decision: &Decision,
    blockers: &[&Blocker],
    error: &str,
    now: Timestamp,
) -> (crate::record::PoolForDeck, Option<crate::record::Record>) {
    use crate::record::{DeckBlocker, DeckPull, PoolForDeck, Record, recorded};
    let pulls = |numbers: &[u64]| -> Vec<DeckPull> {
        numbers
            .iter()
            .filter_map(|n| pool.pr(*n))
            .map(|pr| DeckPull {
                title: pr.title.clone(),
                number: pr.number,
                head_ref_oid: pr.head_sha.clone(),
                mergeable: match pr.merge_state {
                    MergeState::Conflicting => "CONFLICTING",
                    _ => "MERGEABLE",
                }
                .to_string(),
            })
            .collect()
    };
    let action = decision.action.as_str().to_string();
    let deck = PoolForDeck {
        org: pool.org.clone(),
        repo: pool.repo.clone(),
        branch: pool.branch.clone(),
        success: pulls(&decision.accumulated.success),
        pending: pulls(&decision.accumulated.pending),
        missing: pulls(&decision.accumulated.missing),
        batch_pending: pulls(&decision.batches.pending),
        action: action.clone(),
        target: pulls(&decision.targets),
        blockers: blockers
            .iter()
            .map(|b| DeckBlocker {
                number: b.number,
                title: b.title.clone(),
                url: b.url.clone(),
            })
            .collect(),
        error: error.to_string(),
        tenant_ids: Vec::new(),
    };
    let record = recorded(&action).then(|| {
        let repo = RepoRef::new(&pool.org, &pool.repo);
        let prs: Vec<&PullRequest> = decision
            .targets
            .iter()
            .filter_map(|n| pool.pr(*n))
            .collect();
        Record {
            time: prow_ports::clock::rfc3339(now),
            action,
            base_sha: pool.base_sha.clone(),
            target: refs_for(&repo, &pool.branch, &pool.base_sha, &prs).pulls,
            err: error.to_string(),
            tenant_ids: Vec::new(),
        }
    });
    (deck, record)
}

fn report_merged(report: &Report, repo: &RepoRef, number: u64) -> bool {
    report.merged.contains(&format!("{repo}#{number}"))
}

/// Upstream `targetURL`: `pr_status_base_urls` (by org/repo, then org, then `*`) or
/// `pr_status_base_url` with the pull request as a query, else `target_url(s)`.
fn target_url(config: &Config, repo: &RepoRef, number: u64) -> String {
    let tide = &config.prow.tide;
    let keyed = |map: &BTreeMap<String, String>| {
        [repo.full_name(), repo.org.clone(), "*".to_string()]
            .iter()
            .find_map(|key| map.get(key).cloned())
    };
    let base = keyed(&tide.pr_status_base_urls).unwrap_or_else(|| tide.pr_status_base_url.clone());
    if !base.is_empty() {
        return format!(
            "{base}?query=is%3Apr+repo%3A{}%2F{}+author%3A&pr={number}",
            repo.org, repo.name
        );
    }
    keyed(&tide.target_urls).unwrap_or_else(|| tide.target_url.clone())
}

/// Sets the `tide` context when it differs from what the pull request shows.
async fn write_status(
    github: &dyn GitHubClient,
    repo: &RepoRef,
    pr: &PullRequest,
    wanted: &Expected,
    config: &Config,
    report: &mut Report,
) -> Result<(), SyncError> {
    if wanted.shown_on(pr) {
        return Ok(());
    }
    let status = Status {
        state: wanted.state.to_string(),
        target_url: target_url(config, repo, pr.number),
        description: wanted.description.clone(),
        context: TIDE_CONTEXT.to_string(),
    };
    github
        .create_status(repo, &Sha::new(pr.head_sha.clone()), &status)
        .await?;
    report.statuses_written += 1;
    Ok(())
}

/// Performs the decision; the error a person should read in the pool's history, if any.
async fn act(
    ports: &Ports<'_>,
    config: &Config,
    pool: &Subpool<'_>,
    decision: &Decision,
    now: Timestamp,
    report: &mut Report,
) -> Result<Option<String>, SyncError> {
    match decision.action {
        Action::Wait | Action::Blocked => Ok(None),
        Action::Merge | Action::MergeBatch => {
            merge_all(ports, config, pool, decision, report).await
        }
        Action::Trigger | Action::TriggerBatch => {
            start(ports, pool, &decision.targets, &decision.jobs, now, report).await?;
            Ok(None)
        }
        Action::Bisect => {
            for half in &decision.groups {
                let jobs: Vec<String> = pool
                    .required_presubmits(half)
                    .map_err(|ChangesNeeded(n)| {
                        SyncError::Search(format!("the changes of #{n} were not read"))
                    })?
                    .iter()
                    .map(|job| job.base.name.clone())
                    .collect();
                start(ports, pool, half, &jobs, now, report).await?;
            }
            Ok(None)
        }
    }
}

/// Starts `jobs` for `targets`: presubmits for one pull request, batches for several.
async fn start(
    ports: &Ports<'_>,
    pool: &Subpool<'_>,
    targets: &[u64],
    jobs: &[String],
    now: Timestamp,
    report: &mut Report,
) -> Result<(), SyncError> {
    let repo = RepoRef::new(&pool.org, &pool.repo);
    let prs: Vec<&PullRequest> = targets.iter().filter_map(|n| pool.pr(*n)).collect();
    let refs = refs_for(&repo, &pool.branch, &pool.base_sha, &prs);
    let tested: Vec<(u64, String)> = prs.iter().map(|p| (p.number, p.head_sha.clone())).collect();
    // Named after what is tested and how often it failed before, so overlapping syncs start
    // it once, and a failed run is run again as upstream runs it again.
    let attempt = pool
        .runs
        .iter()
        .filter(|run| run.pulls == tested && run.state == crate::RunState::Failure)
        .count();
    let pulls: Vec<String> = tested.iter().map(|(n, sha)| format!("{n}:{sha}")).collect();
    let trigger_id = format!(
        "tide:{repo}:{}:{}:{attempt}",
        pool.base_sha,
        pulls.join(",")
    );
    let mut extra = StringMap::new();
    extra.insert(labels::CREATED_BY_TIDE.to_string(), "true".to_string());
    let mut contexts = BTreeSet::new();
    for job in pool
        .presubmits
        .iter()
        .filter(|p| jobs.contains(&p.base.name))
    {
        // Jobs sharing a context are shards of one result: started once.
        if !contexts.insert(job.reporter.context.clone()) {
            continue;
        }
        let prowjob = if prs.len() == 1 {
            prow_trigger::jobs::presubmit(job, refs.clone(), &trigger_id, &extra, now)
        } else {
            prow_trigger::jobs::batch(job, refs.clone(), &trigger_id, &extra, now)
        };
        match ports.jobs.create(&prowjob).await {
            Ok(_) => report.started.push(prowjob.name().to_string()),
            Err(StoreError::AlreadyExists(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

/// The refs of `prs` on the base (upstream `refsForJob`).
fn refs_for(repo: &RepoRef, branch: &str, base_sha: &str, prs: &[&PullRequest]) -> Refs {
    let link = format!("https://github.com/{repo}");
    Refs {
        org: repo.org.clone(),
        repo: repo.name.clone(),
        repo_link: link.clone(),
        base_ref: branch.to_string(),
        base_sha: base_sha.to_string(),
        base_link: format!("{link}/commit/{base_sha}"),
        pulls: prs
            .iter()
            .map(|pr| Pull {
                number: pr.number,
                author: pr.author.clone(),
                sha: pr.head_sha.clone(),
                title: pr.title.clone(),
                head_ref: pr.head_ref.clone(),
                link: format!("{link}/pull/{}", pr.number),
                commit_link: format!("{link}/pull/{}/commits/{}", pr.number, pr.head_sha),
                author_link: format!("https://github.com/{}", pr.author),
                ..Pull::default()
            })
            .collect(),
        ..Refs::default()
    }
}

/// Merge labels that ask for different methods.
#[derive(Debug, PartialEq, Eq)]
pub struct ConflictingMergeLabels;

/// Upstream `prMergeMethod`: `merge_method` for `org/repo@branch`, `org/repo` or `org` (default
/// `merge`), unless one of the merge labels asks for another; two such labels are a conflict.
pub fn merge_method(
    config: &Config,
    repo: &RepoRef,
    branch: &str,
    pr: &PullRequest,
) -> Result<MergeMethod, ConflictingMergeLabels> {
    let tide = &config.prow.tide;
    let configured = tide
        .merge_method
        .as_ref()
        .and_then(|map| {
            [
                format!("{}@{branch}", repo.full_name()),
                repo.full_name(),
                repo.org.clone(),
            ]
            .iter()
            .find_map(|key| map.get(key).and_then(|v| v.as_str()).map(str::to_string))
        })
        .and_then(|method| parse_method(&method))
        .unwrap_or(MergeMethod::Merge);
    let asked: Vec<MergeMethod> = [
        (&tide.squash_label, MergeMethod::Squash),
        (&tide.rebase_label, MergeMethod::Rebase),
        (&tide.merge_label, MergeMethod::Merge),
    ]
    .into_iter()
    .filter(|(label, _)| !label.is_empty() && pr.has_label(label))
    .map(|(_, method)| method)
    .collect();
    match asked.as_slice() {
        [] => Ok(configured),
        [one] => Ok(*one),
        _ => Err(ConflictingMergeLabels),
    }
}

fn parse_method(method: &str) -> Option<MergeMethod> {
    match method {
        "merge" => Some(MergeMethod::Merge),
        "squash" => Some(MergeMethod::Squash),
        "rebase" => Some(MergeMethod::Rebase),
        _ => None,
    }
}

/// What GitHub's answer to a merge means (upstream `tryMerge`).
#[derive(Debug, PartialEq, Eq)]
enum MergeRefusal {
    /// The base moved while merging: worth one more try now, else the next sync.
    BaseModified,
    /// The head moved, or the pull request cannot merge: leave it, go on with the others.
    ThisPullRequest(String),
    /// The bot may not merge here: stop the batch.
    Everything(String),
}

fn refusal(error: &GitHubError) -> Option<MergeRefusal> {
    let message = error.to_string();
    match error.status()? {
        405 if message.contains("Base branch was modified") => Some(MergeRefusal::BaseModified),
        409 => Some(MergeRefusal::ThisPullRequest("the head moved".into())),
        405 if message.contains("Merge commits are not allowed") => {
            Some(MergeRefusal::Everything(message))
        }
        405 => Some(MergeRefusal::ThisPullRequest("not mergeable".into())),
        401 | 403 => Some(MergeRefusal::Everything(message)),
        _ => None,
    }
}

/// Upstream `mergePRs`: the `tide` context set to success first (branch protection may require
/// it), then each merge; the pull requests GitHub refused are named in the returned error.
async fn merge_all(
    ports: &Ports<'_>,
    config: &Config,
    pool: &Subpool<'_>,
    decision: &Decision,
    report: &mut Report,
) -> Result<Option<String>, SyncError> {
    let repo = RepoRef::new(&pool.org, &pool.repo);
    let mut failed = Vec::new();
    // The base the decision was made on; after each merge, the commit that merge made.
    let mut expected_base = Sha::new(pool.base_sha.clone());
    for number in &decision.targets {
        let Some(pr) = pool.pr(*number) else {
            continue;
        };
        // What was read at the start of the sync may have changed since: merge only what is
        // still the tested head, still admitted by a query, onto the base it was tested on.
        let changed = changed_since_read(
            ports.github,
            config,
            &repo,
            &pool.branch,
            pr,
            &expected_base,
        )
        .await?;
        if let Some(why) = changed {
            tracing::info!(
                org = repo.org,
                repo = repo.name,
                pr = number,
                why,
                "not merged"
            );
            failed.push(format!("#{number}: {why}"));
            return Ok(Some(failed.join("; ")));
        }
        let in_pool = Expected {
            state: "success",
            description: crate::status::IN_POOL.to_string(),
        };
        if !pr
            .contexts
            .iter()
            .any(|c| c.name == TIDE_CONTEXT && c.state == crate::ContextState::Success)
        {
            write_status(ports.github, &repo, pr, &in_pool, config, report).await?;
        }
        let Ok(method) = merge_method(config, &repo, &pool.branch, pr) else {
            failed.push(format!("#{number}: conflicting merge method labels"));
            continue;
        };
        let (commit_title, commit_message) = commit_text(config, &repo, &pool.branch, pr);
        let details = MergeDetails {
            commit_title,
            commit_message,
            head_sha: pr.head_sha.clone(),
            merge_method: method,
        };
        let mut tries = 0;
        loop {
            tries += 1;
            match ports
                .github
                .merge(&repo, IssueNumber(*number), &details)
                .await
            {
                Ok(merged) => {
                    tracing::info!(org = repo.org, repo = repo.name, pr = number, "merged");
                    report.merged.push(format!("{repo}#{number}"));
                    let Some(sha) = merged else {
                        // A dry run merged nothing: nothing after it can be checked.
                        return Ok(None);
                    };
                    report.merges.push(crate::pool::Merged {
                        from: expected_base.to_string(),
                        merged: vec![(*number, pr.head_sha.clone())],
                        to: sha.to_string(),
                    });
                    expected_base = sha;
                    break;
                }
                Err(error) => match refusal(&error) {
                    Some(MergeRefusal::BaseModified) if tries < 2 => continue,
                    Some(MergeRefusal::BaseModified) => {
                        failed.push(format!("#{number}: the base branch moved"));
                        break;
                    }
                    Some(MergeRefusal::ThisPullRequest(why)) => {
                        failed.push(format!("#{number}: {why}"));
                        break;
                    }
                    Some(MergeRefusal::Everything(why)) => {
                        failed.push(format!("#{number}: {why}"));
                        return Ok(Some(failed.join("; ")));
                    }
                    None => return Err(error.into()),
                },
            }
        }
    }
    Ok((!failed.is_empty()).then(|| failed.join("; ")))
}

/// Upstream `MergeCommitTemplate` and `prepareMergeDetails`: the merge commit's title and body
/// from `merge_commit_template` for `org/repo`, else `org` (Go templates over the pull request
/// as upstream's `CodeReviewCommon`); empty leaves GitHub's own. A template that does not parse
/// or run is logged and left out, as upstream does.
pub fn commit_text(
    config: &Config,
    repo: &RepoRef,
    branch: &str,
    pr: &PullRequest,
) -> (String, String) {
    let Some(templates) = config
        .prow
        .tide
        .merge_commit_template
        .as_ref()
        .and_then(|map| map.get(repo.full_name()).or_else(|| map.get(&repo.org)))
    else {
        return (String::new(), String::new());
    };
    let data = serde_json::json!({
        "NameWithOwner": repo.full_name(), "Number": pr.number, "Org": repo.org,
        "Repo": repo.name, "BaseRefPrefix": "refs/heads/", "BaseRefName": branch,
        "HeadRefName": pr.head_ref, "HeadRefOID": pr.head_sha, "Title": pr.title,
        "Body": pr.body, "AuthorLogin": pr.author,
        "Mergeable": if pr.merge_state == MergeState::Conflicting { "CONFLICTING" } else { "MERGEABLE" },
    });
    let render = |field: &str| -> String {
        let Some(source) = templates.get(field).and_then(|t| t.as_str()) else {
            return String::new();
        };
        match prow_template::Template::parse(source).and_then(|t| t.execute(&data)) {
            Ok(text) => text,
            Err(error) => {
                tracing::error!(%error, org = repo.org, repo = repo.name, field, "merge_commit_template");
                String::new()
            }
        }
    };
    (render("title"), render("body"))
}

/// Why `pr` must not be merged now although the pool decided so, if it must not: its head
/// moved, it closed, a query no longer admits it (a label came or went), or the base moved
/// under it (someone else pushed, so the results are for another base).
async fn changed_since_read(
    github: &dyn GitHubClient,
    config: &Config,
    repo: &RepoRef,
    branch: &str,
    pr: &PullRequest,
    expected_base: &Sha,
) -> Result<Option<&'static str>, SyncError> {
    let now = github.pull_request(repo, IssueNumber(pr.number)).await?;
    if now.merged || now.state != prow_github::vocabulary::IssueState::Open {
        return Ok(Some("it closed"));
    }
    if now.head.sha != pr.head_sha {
        return Ok(Some("its head moved since it was tested"));
    }
    let labels: Vec<String> = now.labels.into_iter().map(|l| l.name).collect();
    let admitted = query::covering(&config.prow.tide.queries, &repo.org, &repo.name)
        .into_iter()
        .any(|q| query::admits(q, &labels, branch, &now.user.login));
    if !admitted {
        return Ok(Some("its labels changed and no tide query admits it now"));
    }
    if github.branch_head(repo, branch).await? != *expected_base {
        return Ok(Some("the base branch moved since the pool was read"));
    }
    Ok(None)
}

/// The `tide` context of the open pull requests in scope that no pool took (upstream's status
/// controller): why each is not in the pool.
async fn statuses_out_of_pool(
    ports: &Ports<'_>,
    config: &Config,
    options: &ContextOptions,
    in_pools: &BTreeSet<(String, String, u64)>,
    blockers: &[Blocker],
    report: &mut Report,
) -> Result<(), SyncError> {
    let tide = &config.prow.tide;
    let mut scopes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for q in &tide.queries {
        for org in &q.orgs {
            let scope = scopes.entry(org.clone()).or_default();
            scope.insert(format!("org:\"{org}\""));
        }
        for repo in &q.repos {
            if let Some((org, _)) = repo.split_once('/') {
                scopes
                    .entry(org.to_string())
                    .or_default()
                    .insert(format!("repo:\"{repo}\""));
            }
        }
    }
    for (org, terms) in scopes {
        let text = format!(
            "is:pr state:open archived:false {}",
            terms.into_iter().collect::<Vec<_>>().join(" ")
        );
        let nodes: Vec<PullRequestNode> =
            search_all(ports.github, &org, search::POOL_QUERY, &text, report).await?;
        for node in nodes {
            let (org, name) = (
                node.repository.org().to_string(),
                node.repository.name.clone(),
            );
            let pr = node.into_pull_request();
            if in_pools.contains(&(org.clone(), name.clone(), pr.number))
                || report
                    .skipped
                    .contains(&format!("{org}/{name}@{}", pr.base_ref))
            {
                continue;
            }
            let repo = RepoRef::new(&org, &name);
            let queries = query::covering(&tide.queries, &org, &name);
            if queries.is_empty() {
                continue;
            }
            let presubmits = presubmits_of(config, &repo, &pr.base_ref);
            let policy = policy_of(options, &repo, &pr.base_ref, &presubmits, &[])?;
            let blocking: Vec<u64> = blockers
                .iter()
                .filter(|b| b.applies(&org, &name, &pr.base_ref))
                .map(|b| b.number)
                .collect();
            let wanted = expected(
                &pr,
                &StatusInput {
                    queries: &queries,
                    policy: &policy,
                    blocks: merge_blocks(config, &repo, &pr.base_ref),
                    in_pool: false,
                    blockers: &blocking,
                    passing: &[],
                    display_all_queries: tide.display_all_tide_queries_in_status,
                    not_allowed: None,
                },
            );
            write_status(ports.github, &repo, &pr, &wanted, config, report).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_commits_read_as_the_template_says_for_the_repo_else_the_org() {
        let config = prow_config::load_sources(
            &prow_config::Sources {
                config: prow_config::Source::new(
                    "config.yaml",
                    "tide:\n  merge_commit_template:\n    k/a:\n      title: '{{ .Title }} (#{{ .Number }})'\n      body: '{{ .Body }}'\n    k:\n      title: 'Merge {{ .HeadRefName }} by {{ .AuthorLogin }} into {{ .BaseRefName }}'\n    j/bad:\n      title: '{{ .Title'\n",
                ),
                job_files: vec![],
                plugins: None,
            },
            prow_config::LoadOptions { strict: false },
        )
        .unwrap()
        .config;
        let pr = PullRequest {
            number: 7,
            title: "Fix the widget".into(),
            body: "It was broken.".into(),
            author: "alice".into(),
            head_ref: "fix".into(),
            ..PullRequest::default()
        };
        let text =
            |org: &str, repo: &str| commit_text(&config, &RepoRef::new(org, repo), "main", &pr);
        assert_eq!(
            text("k", "a"),
            (
                "Fix the widget (#7)".to_string(),
                "It was broken.".to_string()
            )
        );
        assert_eq!(
            text("k", "b"),
            ("Merge fix by alice into main".to_string(), String::new())
        );
        assert_eq!(
            text("j", "bad"),
            (String::new(), String::new()),
            "logged, left out"
        );
        assert_eq!(
            text("x", "y"),
            (String::new(), String::new()),
            "GitHub's own"
        );
    }

    #[test]
    fn blockers_name_their_branches_in_the_title() {
        for (title, branches) in [
            ("Release blocker", vec![]),
            (
                "Freeze branch:release-1.2 and Branch: main",
                vec!["release-1.2", "main"],
            ),
            ("branch:feature/x.y", vec!["feature/x.y"]),
        ] {
            assert_eq!(blocker_branches(title), branches, "{title}");
        }
    }
}
