//! `tide.queries` as upstream compiles them (`TideQuery.Query`, `ForRepo`): one GitHub search
//! string per query, with a label entry's commas meaning "any of".

use prow_config::TideQuery;
use std::collections::BTreeMap;

/// Upstream `TideQuery.Query()`: the search for the open pull requests the query admits. The
/// org and repo terms come last, grouped by org (sorted here; upstream's order is a Go map's).
pub fn search(query: &TideQuery) -> String {
    let mut terms = vec![filters(query)];
    for scoped in scopes(query).into_values() {
        terms.extend(scoped);
    }
    terms.join(" ")
}

/// The query split by org, as upstream runs it with a GitHub App (an installation token sees
/// one org): each org's search string.
pub fn search_by_org(query: &TideQuery) -> BTreeMap<String, String> {
    let filters = filters(query);
    scopes(query)
        .into_iter()
        .map(|(org, scoped)| (org, format!("{filters} {}", scoped.join(" "))))
        .collect()
}

/// Upstream `ForRepo`: whether the query covers `org/repo`.
pub fn covers(query: &TideQuery, org: &str, repo: &str) -> bool {
    let full = format!("{org}/{repo}");
    if query.orgs.iter().any(|o| o == org) {
        return !query.excluded_repos.contains(&full);
    }
    query.repos.contains(&full)
}

/// The queries that cover `org/repo` (upstream `QueryMap.ForRepo`).
pub fn covering<'q>(queries: &'q [TideQuery], org: &str, repo: &str) -> Vec<&'q TideQuery> {
    queries.iter().filter(|q| covers(q, org, repo)).collect()
}

/// Whether a query admits pull requests to `branch` (its included and excluded branches).
pub fn admits_branch(query: &TideQuery, branch: &str) -> bool {
    !query.excluded_branches.iter().any(|b| b == branch)
        && (query.included_branches.is_empty()
            || query.included_branches.iter().any(|b| b == branch))
}

/// Whether a pull request with `labels` to `branch` by `author` meets the query's label, branch
/// and author terms (what can change while tide works; the milestone and review are left to
/// the search).
pub fn admits(query: &TideQuery, labels: &[String], branch: &str, author: &str) -> bool {
    let has = |label: &str| labels.iter().any(|l| l == label);
    admits_branch(query, branch)
        && (query.author.is_empty() || query.author.eq_ignore_ascii_case(author))
        && query.labels.iter().all(|entry| entry.split(',').any(has))
        && !query.missing_labels.iter().any(|l| has(l))
}

/// Everything but the org and repo terms.
fn filters(query: &TideQuery) -> String {
    let mut terms = vec![
        "is:pr".to_string(),
        "state:open".to_string(),
        "archived:false".to_string(),
    ];
    if !query.author.is_empty() {
        terms.push(format!("author:\"{}\"", query.author));
    }
    for branch in &query.excluded_branches {
        terms.push(format!("-base:\"{branch}\""));
    }
    for branch in &query.included_branches {
        terms.push(format!("base:\"{branch}\""));
    }
    for label in &query.labels {
        let any: Vec<String> = label.split(',').map(|alt| format!("\"{alt}\"")).collect();
        terms.push(format!("label:{}", any.join(",")));
    }
    for label in &query.missing_labels {
        terms.push(format!("-label:\"{label}\""));
    }
    if !query.milestone.is_empty() {
        terms.push(format!("milestone:\"{}\"", query.milestone));
    }
    if query.review_approved_required {
        terms.push("review:approved".to_string());
    }
    terms.join(" ")
}

/// The org and repo terms of each org the query names.
fn scopes(query: &TideQuery) -> BTreeMap<String, Vec<String>> {
    let mut by_org: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for org in &query.orgs {
        by_org
            .entry(org.clone())
            .or_insert_with(|| vec![format!("org:\"{org}\"")]);
    }
    for (repos, sign) in [(&query.repos, ""), (&query.excluded_repos, "-")] {
        for repo in repos {
            if let Some((org, _)) = repo.split_once('/') {
                by_org
                    .entry(org.to_string())
                    .or_default()
                    .push(format!("{sign}repo:\"{repo}\""));
            }
        }
    }
    by_org
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(yaml: &str) -> TideQuery {
        match serde_json::from_value(
            serde_json::from_str::<serde_json::Value>(yaml).unwrap_or_default(),
        ) {
            Ok(query) => query,
            Err(error) => panic!("{yaml}: {error}"),
        }
    }

    #[test]
    fn queries_compile_to_upstream_s_search_strings() {
        for (json, expected) in [
            (
                r#"{"repos": ["k/a"], "labels": ["lgtm", "approved"]}"#,
                r#"is:pr state:open archived:false label:"lgtm" label:"approved" repo:"k/a""#,
            ),
            (
                r#"{"orgs": ["k", "j"], "excludedRepos": ["k/x"], "labels": ["lgtm,approved"], "missingLabels": ["do-not-merge/hold"]}"#,
                r#"is:pr state:open archived:false label:"lgtm","approved" -label:"do-not-merge/hold" org:"j" org:"k" -repo:"k/x""#,
            ),
            (
                r#"{"repos": ["k/a"], "author": "bot", "excludedBranches": ["old"], "includedBranches": ["main"], "milestone": "v1.2", "reviewApprovedRequired": true}"#,
                r#"is:pr state:open archived:false author:"bot" -base:"old" base:"main" milestone:"v1.2" review:approved repo:"k/a""#,
            ),
        ] {
            assert_eq!(search(&query(json)), expected, "{json}");
        }
    }

    #[test]
    fn a_query_splits_by_org_for_app_installations() {
        let q = query(r#"{"orgs": ["k"], "repos": ["j/a", "k/b"], "labels": ["lgtm"]}"#);
        let by_org = search_by_org(&q);
        assert_eq!(
            by_org["j"],
            r#"is:pr state:open archived:false label:"lgtm" repo:"j/a""#
        );
        assert_eq!(
            by_org["k"],
            r#"is:pr state:open archived:false label:"lgtm" org:"k" repo:"k/b""#
        );
    }

    #[test]
    fn which_repos_and_branches_a_query_covers() {
        let q = query(
            r#"{"orgs": ["k"], "repos": ["j/a"], "excludedRepos": ["k/x"], "excludedBranches": ["old"]}"#,
        );
        assert!(covers(&q, "k", "any"));
        assert!(!covers(&q, "k", "x"));
        assert!(covers(&q, "j", "a"));
        assert!(!covers(&q, "j", "b"));
        assert!(admits_branch(&q, "main"));
        assert!(!admits_branch(&q, "old"));
        let only = query(r#"{"repos": ["j/a"], "includedBranches": ["release-1"]}"#);
        assert!(admits_branch(&only, "release-1"));
        assert!(!admits_branch(&only, "main"));
    }
}
