//! The GraphQL subset tide and needs-rebase use: `search(type: ISSUE, first, after, query)` over
//! pull requests (tide's pool query) or issues (tide's blocker query), with GitHub's search
//! qualifiers, cursor paging and `rateLimit`. GitHub's clients decode strictly, so answers carry
//! exactly the fields those queries select.

use crate::AppState;
use crate::routes::lock;
use crate::world::{Issue, Repo, World};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub(crate) struct GraphQlRequest {
    query: String,
    #[serde(default)]
    variables: serde_json::Map<String, Value>,
}

pub(crate) async fn graphql(
    State(state): State<AppState>,
    Json(request): Json<GraphQlRequest>,
) -> Response {
    let world = lock(&state);
    if !request.query.contains("search(") {
        return Json(json!({"data": null, "errors": [{"message": "the stand-in answers search queries only"}]})).into_response();
    }
    let search = request
        .variables
        .get("query")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_default();
    let first: usize = inline_argument(&request.query, "first")
        .and_then(|n| n.parse().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let after: usize = request
        .variables
        .get("searchCursor")
        .and_then(Value::as_str)
        .and_then(|cursor| cursor.strip_prefix("cursor:"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let filter = SearchFilter::parse(&search);
    let mut matches: Vec<(&Repo, &Issue)> = world
        .repos
        .values()
        .flat_map(|repo| repo.issues.values().map(move |issue| (repo, issue)))
        .filter(|(repo, issue)| filter.matches(&world, repo, issue))
        .collect();
    if filter.oldest_first {
        matches.sort_by_key(|(repo, issue)| (issue.created_at, repo.full_name(), issue.number));
    }
    // As GitHub: a search counts everything it matched but answers the first 1,000 only.
    let issue_count = matches.len();
    matches.truncate(SEARCH_RESULTS_LIMIT);
    let page: Vec<Value> = matches
        .iter()
        .skip(after)
        .take(first)
        .map(|(repo, issue)| {
            let mut node = if issue.pull.is_some() {
                with_state(pull_node(&world, repo, issue), issue, &request.query)
            } else {
                issue_node(&state.base, repo, issue)
            };
            // Only when the query selects it: clients decode answers strictly.
            if request.query.contains("createdAt")
                && let Some(fields) = node.as_object_mut()
            {
                fields.insert(
                    "createdAt".into(),
                    crate::world::timestamp(issue.created_at).into(),
                );
            }
            node
        })
        .collect();
    let end = after + page.len();
    let mut data = json!({
        "search": {
            "issueCount": issue_count,
            "pageInfo": {"hasNextPage": end < matches.len(), "endCursor": format!("cursor:{end}")},
            "nodes": page,
        }
    });
    if request.query.contains("rateLimit") {
        data["rateLimit"] = json!({"cost": 1, "remaining": world.rate_limit_remaining});
    }
    Json(json!({"data": data})).into_response()
}

/// An argument written in the query text, such as `first: 37` or `query: "is:pr"`.
fn inline_argument(query: &str, name: &str) -> Option<String> {
    let start = query.find(&format!("{name}:"))? + name.len() + 1;
    let rest = query[start..].trim_start();
    if let Some(quoted) = rest.strip_prefix('"') {
        return quoted.split('"').next().map(str::to_string);
    }
    let value: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
        .collect();
    (!value.is_empty() && !value.starts_with('$')).then_some(value)
}

/// The most results GitHub's search answers for one query, however many it matched.
const SEARCH_RESULTS_LIMIT: usize = 1000;

/// GitHub search qualifiers as tide writes them.
#[derive(Default)]
struct SearchFilter {
    pull_requests: Option<bool>,
    open: Option<bool>,
    orgs: Vec<String>,
    repos: Vec<String>,
    excluded_repos: Vec<String>,
    author: Option<String>,
    /// Each entry is a set of alternatives (`label:"a","b"`); all entries must match.
    labels: Vec<Vec<String>>,
    missing_labels: Vec<String>,
    bases: Vec<String>,
    excluded_bases: Vec<String>,
    milestone: Option<String>,
    review_approved: bool,
    /// `created:FROM..TO` (either end `*`), `created:>=FROM`, `created:<=TO`, in logical-clock
    /// seconds.
    created: Option<(u64, u64)>,
    /// `sort:created-asc`.
    oldest_first: bool,
}

impl SearchFilter {
    fn parse(query: &str) -> SearchFilter {
        let mut filter = SearchFilter::default();
        for token in tokens(query) {
            let (negated, token) = match token.strip_prefix('-') {
                Some(rest) => (true, rest.to_string()),
                None => (false, token),
            };
            let Some((key, value)) = token.split_once(':') else {
                continue;
            };
            let values: Vec<String> = value
                .split(',')
                .map(|v| v.trim_matches('"').to_string())
                .collect();
            let one = values.first().cloned().unwrap_or_default();
            match (key, negated) {
                ("is", false) if one == "pr" => filter.pull_requests = Some(true),
                ("is", false) if one == "issue" => filter.pull_requests = Some(false),
                ("is", false) if one == "open" => filter.open = Some(true),
                ("state", false) => filter.open = Some(one == "open"),
                ("org", false) => filter.orgs.push(one),
                ("repo", false) => filter.repos.push(one),
                ("repo", true) => filter.excluded_repos.push(one),
                ("author", false) => filter.author = Some(one),
                ("label", false) => filter.labels.push(values),
                ("label", true) => filter.missing_labels.extend(values),
                ("base", false) => filter.bases.push(one),
                ("base", true) => filter.excluded_bases.push(one),
                ("milestone", false) => filter.milestone = Some(one),
                ("review", false) if one == "approved" => filter.review_approved = true,
                ("sort", false) if one == "created-asc" => filter.oldest_first = true,
                ("created", false) => {
                    let (from, to) = if let Some(from) = value.strip_prefix(">=") {
                        (from, "*")
                    } else if let Some(to) = value.strip_prefix("<=") {
                        ("*", to)
                    } else {
                        value.split_once("..").unwrap_or((value, value))
                    };
                    let bound = |text: &str, open: u64| {
                        if text == "*" {
                            Some(open)
                        } else {
                            crate::world::parse_timestamp(text)
                        }
                    };
                    if let (Some(from), Some(to)) = (bound(from, 0), bound(to, u64::MAX)) {
                        filter.created = Some((from, to));
                    }
                }
                // archived, sort, updated, created: nothing in the stand-in distinguishes them.
                _ => {}
            }
        }
        filter
    }

    fn matches(&self, world: &World, repo: &Repo, issue: &Issue) -> bool {
        let full = repo.full_name();
        let base = issue.pull.as_ref().map(|p| p.base_ref.as_str());
        self.pull_requests
            .is_none_or(|pr| pr == issue.pull.is_some())
            && self.open.is_none_or(|open| open == issue.open)
            && (self.orgs.is_empty() && self.repos.is_empty()
                || self.orgs.contains(&repo.owner)
                || self.repos.contains(&full))
            && !self.excluded_repos.contains(&full)
            && self.author.as_ref().is_none_or(|a| *a == issue.author)
            && self
                .labels
                .iter()
                .all(|any| any.iter().any(|l| issue.labels.contains(l)))
            && !self.missing_labels.iter().any(|l| issue.labels.contains(l))
            && (self.bases.is_empty() || base.is_some_and(|b| self.bases.iter().any(|x| x == b)))
            && !base.is_some_and(|b| self.excluded_bases.iter().any(|x| x == b))
            && self.milestone.as_ref().is_none_or(|m| {
                issue
                    .milestone
                    .and_then(|n| repo.milestones.get(&n))
                    .is_some_and(|found| found.title == *m)
            })
            && (!self.review_approved || review_decision(issue) == Some("APPROVED"))
            && self
                .created
                .is_none_or(|(from, to)| (from..=to).contains(&issue.created_at))
            && world.repos.contains_key(&full)
    }
}

/// Splits on spaces outside double quotes.
fn tokens(query: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in query.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ' ' if !quoted => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// GitHub's review decision from the latest review of each reviewer.
fn review_decision(issue: &Issue) -> Option<&'static str> {
    let mut latest = std::collections::BTreeMap::new();
    for review in &issue.reviews {
        if review.state != "COMMENTED" {
            latest.insert(review.author.as_str(), review.state.as_str());
        }
    }
    if latest.values().any(|s| *s == "CHANGES_REQUESTED") {
        Some("CHANGES_REQUESTED")
    } else if latest.values().any(|s| *s == "APPROVED") {
        Some("APPROVED")
    } else {
        None
    }
}

/// Tide's pool query's selection of a pull request.
fn pull_node(world: &World, repo: &Repo, issue: &Issue) -> Value {
    let Some(pull) = &issue.pull else {
        return Value::Null;
    };
    let author_kind = world.users.get(&issue.author).map_or("User", |u| u.kind);
    let contexts: Vec<Value> = world
        .combined_statuses(&repo.full_name(), &pull.head_sha)
        .iter()
        .map(|s| json!({"context": s.context, "description": s.description, "state": s.state.to_uppercase()}))
        .collect();
    let checks: Vec<Value> = repo
        .check_runs
        .get(&pull.head_sha)
        .into_iter()
        .flatten()
        .map(|run| json!({"name": run.name, "conclusion": run.conclusion.as_ref().map(|c| c.to_uppercase()), "status": run.status.to_uppercase()}))
        .collect();
    json!({
        "number": issue.number,
        "author": {"login": issue.author},
        "authorMetadata": {"__typename": if author_kind == "Bot" { "Bot" } else { "User" }},
        "baseRef": {"name": pull.base_ref, "prefix": "refs/heads/"},
        "headRefName": pull.head_ref,
        "headRefOid": pull.head_sha,
        "mergeable": match pull.mergeable { Some(true) => "MERGEABLE", Some(false) => "CONFLICTING", None => "UNKNOWN" },
        "mergeStateStatus": match pull.mergeable { Some(true) => "CLEAN", Some(false) => "DIRTY", None => "UNKNOWN" },
        "canBeRebased": pull.mergeable == Some(true),
        "reviewDecision": review_decision(issue),
        "repository": {"name": repo.name, "nameWithOwner": repo.full_name(), "owner": {"login": repo.owner}},
        "commits": {"nodes": [{"commit": {
            "status": if contexts.is_empty() { Value::Null } else { json!({"contexts": contexts}) },
            "oid": pull.head_sha,
            "statusCheckRollup": if checks.is_empty() { Value::Null } else { json!({"contexts": {"nodes": checks}}) },
        }}]},
        "labels": {"nodes": issue.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>()},
        "milestone": issue.milestone.and_then(|n| repo.milestones.get(&n)).map(|m| json!({"title": m.title})),
        "body": issue.body,
        "title": issue.title,
        "updatedAt": crate::world::timestamp(issue.updated_at),
    })
}

/// Tide's blocker query's selection of an issue.
fn issue_node(base: &str, repo: &Repo, issue: &Issue) -> Value {
    json!({
        "number": issue.number,
        "title": issue.title,
        "url": format!("{base}/{}/issues/{}", repo.full_name(), issue.number),
        "repository": {"name": repo.name, "owner": {"login": repo.owner}},
    })
}

/// `node` (a pull request as tide's search selects it) with GitHub's `PullRequestState` when
/// the query selects the pull request's own `state` (tide's selects only its contexts').
pub(crate) fn with_state(mut node: Value, issue: &Issue, query: &str) -> Value {
    if !selects_pull_request_state(query) {
        return node;
    }
    let state = match &issue.pull {
        Some(pull) if pull.merged => "MERGED",
        _ if issue.open => "OPEN",
        _ => "CLOSED",
    };
    if let Some(fields) = node.as_object_mut() {
        fields.insert("state".to_string(), Value::from(state));
    }
    node
}

/// Whether `state` is a field of the `... on PullRequest` selection itself.
fn selects_pull_request_state(query: &str) -> bool {
    let Some(start) = query.find("on PullRequest") else {
        return false;
    };
    let mut depth = 0usize;
    let mut field = String::new();
    for c in query[start..].chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            field.push(c);
            continue;
        }
        if depth == 1 && field == "state" {
            return true;
        }
        field.clear();
        match c {
            '{' => depth += 1,
            '}' if depth <= 1 => return false,
            '}' => depth -= 1,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_quoted_values_together() {
        assert_eq!(
            tokens(
                r#"is:pr state:open label:"lgtm","approved" -label:"do-not-merge/hold" repo:"o/r""#
            ),
            [
                "is:pr",
                "state:open",
                r#"label:"lgtm","approved""#,
                r#"-label:"do-not-merge/hold""#,
                r#"repo:"o/r""#
            ]
        );
    }

    #[test]
    fn inline_arguments_are_read_from_the_query_text() {
        let query = "query($query: String!, $searchCursor: String) { search(type: ISSUE, first: 37, after: $searchCursor, query: $query) { x } }";
        assert_eq!(inline_argument(query, "first").as_deref(), Some("37"));
        assert_eq!(inline_argument(query, "after"), None);
    }

    #[test]
    fn only_a_pull_requests_own_state_counts() {
        assert!(selects_pull_request_state(
            "{search(query: $q){nodes{... on PullRequest{number,labels(first:100){nodes{name}},mergeable,state}}}}"
        ));
        assert!(!selects_pull_request_state(
            "{search{nodes{... on PullRequest { number commits { nodes { commit { status { contexts { state } } } } } mergeable } }}}"
        ));
        assert!(!selects_pull_request_state(
            "{search{nodes{... on Issue{state}}}}"
        ));
    }
}
