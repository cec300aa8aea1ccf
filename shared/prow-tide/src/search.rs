//! Tide's GraphQL searches (upstream `search` in `pkg/tide/github.go`): the open pull requests a
//! query admits, with what a decision reads of each (labels, milestone, review decision,
//! mergeability, the head commit's statuses and check runs), and the blocker issues. Cursor
//! paging, 37 a page as upstream asks.

use crate::pool::{Context, ContextState, MergeState, PullRequest, ReviewDecision};
use serde::Deserialize;

/// The pool query (the fields upstream's `PullRequest` selects that decisions read).
pub const POOL_QUERY: &str = "query($query: String!, $searchCursor: String) { search(type: ISSUE, first: 37, after: $searchCursor, query: $query) { issueCount pageInfo { hasNextPage endCursor } nodes { ... on PullRequest { number createdAt author { login } baseRef { name prefix } headRefName headRefOid mergeable mergeStateStatus reviewDecision repository { name nameWithOwner owner { login } } commits(last: 1) { nodes { commit { oid status { contexts { context state description } } statusCheckRollup { contexts(last: 100) { nodes { ... on CheckRun { name conclusion status } } } } } } } labels(first: 100) { nodes { name } } milestone { title } title body } } } rateLimit { cost remaining } }";

/// The blocker query.
pub const BLOCKER_QUERY: &str = "query($query: String!, $searchCursor: String) { search(type: ISSUE, first: 37, after: $searchCursor, query: $query) { issueCount pageInfo { hasNextPage endCursor } nodes { ... on Issue { number createdAt title url repository { name owner { login } } } } } rateLimit { cost remaining } }";

/// One page of a search's answer.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "N: Deserialize<'de>"))]
pub struct Page<N> {
    pub search: Search<N>,
    #[serde(default, rename = "rateLimit")]
    pub rate_limit: Option<RateLimit>,
}

#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "N: Deserialize<'de>"))]
pub struct Search<N> {
    /// How many the search matched (it answers 1,000 at most).
    #[serde(default, rename = "issueCount")]
    pub issue_count: u64,
    #[serde(rename = "pageInfo")]
    pub page_info: PageInfo,
    #[serde(default = "Vec::new")]
    pub nodes: Vec<N>,
}

#[derive(Debug, Deserialize)]
pub struct PageInfo {
    #[serde(rename = "hasNextPage")]
    pub has_next_page: bool,
    #[serde(default, rename = "endCursor")]
    pub end_cursor: Option<String>,
}

/// The points a query cost.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct RateLimit {
    #[serde(default)]
    pub cost: u64,
    #[serde(default)]
    pub remaining: u64,
}

#[derive(Debug, Default, Deserialize)]
struct Login {
    #[serde(default)]
    login: String,
}

#[derive(Debug, Default, Deserialize)]
struct Named {
    #[serde(default)]
    name: String,
}

#[derive(Debug, Default, Deserialize)]
struct Titled {
    #[serde(default)]
    title: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Repository {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    owner: Login,
}

impl Repository {
    pub fn org(&self) -> &str {
        &self.owner.login
    }
}

#[derive(Debug, Default, Deserialize)]
struct Nodes<T> {
    #[serde(default = "Vec::new")]
    nodes: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct StatusContext {
    context: String,
    state: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Status {
    #[serde(default)]
    contexts: Vec<StatusContext>,
}

#[derive(Debug, Default, Deserialize)]
struct CheckRun {
    #[serde(default)]
    name: String,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    status: String,
}

#[derive(Debug, Deserialize)]
struct Rollup {
    contexts: Nodes<CheckRun>,
}

#[derive(Debug, Deserialize)]
struct Commit {
    #[serde(default)]
    status: Option<Status>,
    #[serde(default, rename = "statusCheckRollup")]
    rollup: Option<Rollup>,
}

#[derive(Debug, Deserialize)]
struct CommitNode {
    commit: Commit,
}

/// A pull request as the pool query returns it.
#[derive(Debug, Deserialize)]
pub struct PullRequestNode {
    pub number: u64,
    #[serde(default)]
    author: Option<Login>,
    #[serde(default, rename = "baseRef")]
    base_ref: Option<Named>,
    #[serde(default, rename = "headRefName")]
    head_ref_name: String,
    #[serde(rename = "headRefOid")]
    head_ref_oid: String,
    #[serde(default)]
    mergeable: Option<String>,
    #[serde(default, rename = "mergeStateStatus")]
    merge_state_status: Option<String>,
    #[serde(default, rename = "reviewDecision")]
    review_decision: Option<String>,
    pub repository: Repository,
    #[serde(default)]
    commits: Option<Nodes<CommitNode>>,
    #[serde(default)]
    labels: Option<Nodes<Named>>,
    #[serde(default)]
    milestone: Option<Titled>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

impl PullRequestNode {
    /// The pull request as decisions read it.
    pub fn into_pull_request(self) -> PullRequest {
        let merge_state = match (
            self.mergeable.as_deref(),
            self.merge_state_status.as_deref(),
        ) {
            (Some("CONFLICTING"), _) | (_, Some("DIRTY")) => MergeState::Conflicting,
            (_, Some("BLOCKED")) => MergeState::Blocked,
            _ => MergeState::Clean,
        };
        let review_decision = match self.review_decision.as_deref() {
            Some("APPROVED") => ReviewDecision::Approved,
            Some("CHANGES_REQUESTED") => ReviewDecision::ChangesRequested,
            Some("REVIEW_REQUIRED") => ReviewDecision::ReviewRequired,
            _ => ReviewDecision::None,
        };
        let mut contexts: Vec<Context> = Vec::new();
        let commit = self
            .commits
            .and_then(|c| c.nodes.into_iter().next())
            .map(|node| node.commit);
        if let Some(commit) = commit {
            for status in commit.status.map(|s| s.contexts).unwrap_or_default() {
                contexts.push(Context::new(
                    &status.context,
                    ContextState::from_github(&status.state),
                    status.description.as_deref().unwrap_or_default(),
                ));
            }
            for run in commit.rollup.map(|r| r.contexts.nodes).unwrap_or_default() {
                if run.name.is_empty() {
                    continue; // a status context in the rollup, read above
                }
                add_best(
                    &mut contexts,
                    Context::new(&run.name, check_run_state(&run), ""),
                );
            }
        }
        PullRequest {
            number: self.number,
            author: self.author.map(|a| a.login).unwrap_or_default(),
            title: self.title,
            body: self.body,
            head_sha: self.head_ref_oid,
            head_ref: self.head_ref_name,
            base_ref: self.base_ref.map(|b| b.name).unwrap_or_default(),
            labels: self
                .labels
                .map(|l| l.nodes.into_iter().map(|n| n.name).collect())
                .unwrap_or_default(),
            milestone: self.milestone.map(|m| m.title),
            review_decision,
            merge_state,
            contexts,
        }
    }
}

/// Upstream `checkRunToContext`: a finished run is green when it succeeded, was neutral or was
/// skipped; a running one pending.
fn check_run_state(run: &CheckRun) -> ContextState {
    if !run.status.eq_ignore_ascii_case("COMPLETED") {
        return ContextState::Pending;
    }
    match run
        .conclusion
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("SUCCESS" | "NEUTRAL" | "SKIPPED") => ContextState::Success,
        _ => ContextState::Failure,
    }
}

/// Upstream `deduplicateContexts`: one context per name, the best state.
fn add_best(contexts: &mut Vec<Context>, context: Context) {
    match contexts.iter_mut().find(|c| c.name == context.name) {
        Some(existing) if context.state < existing.state => *existing = context,
        Some(_) => {}
        None => contexts.push(context),
    }
}

/// A blocker issue as the blocker query returns it.
#[derive(Debug, Deserialize)]
pub struct IssueNode {
    pub number: u64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub url: String,
    pub repository: Repository,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_reads_as_a_pull_request() {
        let node: PullRequestNode = serde_json::from_value(serde_json::json!({
            "number": 7, "author": {"login": "alice"}, "baseRef": {"name": "main", "prefix": "refs/heads/"},
            "headRefName": "feature", "headRefOid": "abc", "mergeable": "MERGEABLE", "mergeStateStatus": "BLOCKED",
            "reviewDecision": "APPROVED", "repository": {"name": "a", "owner": {"login": "k"}},
            "commits": {"nodes": [{"commit": {"oid": "abc",
                "status": {"contexts": [{"context": "unit", "state": "SUCCESS", "description": "ok"},
                                         {"context": "lint", "state": "FAILURE", "description": null}]},
                "statusCheckRollup": {"contexts": {"nodes": [
                    {"name": "build", "conclusion": "NEUTRAL", "status": "COMPLETED"},
                    {"name": "lint", "conclusion": "SUCCESS", "status": "COMPLETED"},
                    {"name": "e2e", "conclusion": null, "status": "IN_PROGRESS"},
                    {}
                ]}}}}]},
            "labels": {"nodes": [{"name": "lgtm"}]}, "milestone": null, "title": "Fix"
        }))
        .unwrap();
        let pr = node.into_pull_request();
        assert_eq!(
            (pr.number, pr.author.as_str(), pr.base_ref.as_str()),
            (7, "alice", "main")
        );
        assert_eq!(pr.merge_state, MergeState::Blocked);
        assert_eq!(pr.review_decision, ReviewDecision::Approved);
        let states: Vec<(&str, ContextState)> = pr
            .contexts
            .iter()
            .map(|c| (c.name.as_str(), c.state))
            .collect();
        assert_eq!(
            states,
            [
                ("unit", ContextState::Success),
                ("lint", ContextState::Success),
                ("build", ContextState::Success),
                ("e2e", ContextState::Pending),
            ]
        );
    }
}
