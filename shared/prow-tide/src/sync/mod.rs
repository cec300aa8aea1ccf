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

mod act;
mod in_repo;
mod read;

pub use act::{ConflictingMergeLabels, commit_text, merge_method};
use act::{act, refs_for};
use in_repo::in_repo_presubmits;
pub use read::blocker_branches;
use read::{Blocker, blockers, merge_blocks, policy_of, presubmits_of, search_all};

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
        // With a token, one search per query (GitHub's search spans orgs); with an App, one per
        // query and org, each with its installation's token (upstream does the same).
        let searches = if ports.github.searches_span_orgs() {
            let first_org = query::search_by_org(query).into_keys().next();
            first_org
                .map(|org| (org, query::search(query)))
                .into_iter()
                .collect()
        } else {
            query::search_by_org(query)
        };
        for (org, text) in searches {
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
        in_repo: BTreeMap::new(),
        suspects,
    };
    if config
        .prow
        .in_repo_config
        .enabled_for(&repo.org, &repo.name)
    {
        in_repo_presubmits(ports, config, repo, &mut pool).await?;
    }
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
                blocks,
                in_pool: true,
                passing: &passing,
                display_all_queries: config.prow.tide.display_all_tide_queries_in_status,
                ..StatusInput::new(&[], &pool.policy_for(pr.number))
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
    let scopes = read::search_scopes(ports.github, config);
    let mut policies: BTreeMap<(String, String, String), ContextPolicy> = BTreeMap::new();
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
            // One policy per branch, however many of its pull requests are out of the pool.
            let branch_key = (org.clone(), name.clone(), pr.base_ref.clone());
            if !policies.contains_key(&branch_key) {
                let presubmits = presubmits_of(config, &repo, &pr.base_ref);
                let built = policy_of(options, &repo, &pr.base_ref, &presubmits, &[])?;
                policies.insert(branch_key.clone(), built);
            }
            let Some(policy) = policies.get(&branch_key) else {
                continue;
            };
            let blocking: Vec<u64> = blockers
                .iter()
                .filter(|b| b.applies(&org, &name, &pr.base_ref))
                .map(|b| b.number)
                .collect();
            let wanted = expected(
                &pr,
                &StatusInput {
                    blocks: merge_blocks(config, &repo, &pr.base_ref),
                    blockers: &blocking,
                    display_all_queries: tide.display_all_tide_queries_in_status,
                    ..StatusInput::new(&queries, policy)
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
