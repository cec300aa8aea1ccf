//! What a sync reads: GitHub's searches past their 1,000-result cap, the blocker issues, and
//! each pool's presubmits, context policy and merge-blocks policy.

use super::*;

/// GitHub answers at most this many results to one search, however many it matched.
const SEARCH_RESULTS_LIMIT: u64 = 1000;

/// Every result of a search, past GitHub's 1,000: results come oldest first, and while the
/// search matched more than it answered, it is asked again from the last creation time seen
/// (results at that same time come twice and are kept once).
pub(super) async fn search_all<N: serde::de::DeserializeOwned>(
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
pub(super) async fn search_window<N: serde::de::DeserializeOwned>(
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
pub(super) struct Blocker {
    org: String,
    repo: String,
    pub(super) number: u64,
    pub(super) title: String,
    pub(super) url: String,
    branches: Vec<String>,
}

impl Blocker {
    pub(super) fn applies(&self, org: &str, repo: &str, branch: &str) -> bool {
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
/// Every org and repo tide's queries cover, as search terms by the org whose credentials search
/// them: one entry per org, or (with a token, whose searches span orgs, as upstream merges them)
/// one entry for all.
pub(super) fn search_scopes(
    github: &dyn GitHubClient,
    config: &Config,
) -> BTreeMap<String, BTreeSet<String>> {
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
    if github.searches_span_orgs()
        && let Some(first) = scopes.keys().next().cloned()
    {
        let all: BTreeSet<String> = std::mem::take(&mut scopes)
            .into_values()
            .flatten()
            .collect();
        scopes.insert(first, all);
    }
    scopes
}

pub(super) async fn blockers(
    github: &dyn GitHubClient,
    config: &Config,
    report: &mut Report,
) -> Result<Vec<Blocker>, SyncError> {
    let label = &config.prow.tide.blocker_label;
    if label.is_empty() {
        return Ok(Vec::new());
    }
    let scopes = search_scopes(github, config);
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
pub(super) fn presubmits_of<'c>(
    config: &'c Config,
    repo: &RepoRef,
    branch: &str,
) -> Vec<&'c Presubmit> {
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

pub(super) fn policy_of(
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
pub(super) fn merge_blocks(config: &Config, repo: &RepoRef, branch: &str) -> MergeBlocksPolicy {
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
