//! `needs-rebase` (upstream's external plugin `cmd/external-plugins/needs-rebase`): a pull
//! request GitHub cannot merge gets the `needs-rebase` label and a comment asking for a rebase;
//! once it can be merged again both go. It looks when a PR is opened, pushed to or reopened and
//! when someone comments on it, and a periodic sweep (a ping) looks at every open PR of the orgs
//! and repositories that enable it, since merging one PR can leave others conflicting.
//!
//! Here it is a built-in plugin, enabled by name under `plugins:` like the others; the sweep
//! covers exactly where it is enabled so.

use super::Builtin;
use crate::{Action, Dedupe, EventKind, Facts, Input, IssueRef, NeedFacts, Occasion, PluginHelp};
use prow_config::Config;
use prow_github::Event;
use prow_github::comment::format_simple_response;
use prow_github::events::PullRequest;
use prow_github::vocabulary::{IssueState, PullRequestAction};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const NEEDS_REBASE: &str = "needs-rebase";
const NEEDS_REBASE_MESSAGE: &str = "PR needs rebase.";
/// What makes dependabot rebase its own pull request.
const DEPENDABOT_REBASE_MESSAGE: &str = "rebase";
const DEPENDABOT_USER: &str = "dependabot[bot]";

const SEARCH_QUERY_PREFIX: &str = "archived:false is:pr is:open";

/// Upstream's search query, as its GraphQL client writes it.
pub const SEARCH_QUERY: &str = "query($query:String!$searchCursor:String){rateLimit{cost,remaining},search(type: ISSUE, first: 100, after: $searchCursor, query: $query){pageInfo{hasNextPage,endCursor},nodes{... on PullRequest{number,author{login},repository{name,owner{login}},labels(first:100){nodes{name}},mergeable,state}}}}";

pub struct NeedsRebase;

impl Builtin for NeedsRebase {
    const NAME: &'static str = "needs-rebase";
    const EVENTS: &'static [EventKind] = &[
        EventKind::PullRequest,
        EventKind::IssueComment,
        EventKind::Ping,
    ];

    fn help(&self, _: &Config, _: &[String]) -> PluginHelp {
        PluginHelp::new(
            "The needs-rebase plugin manages the 'needs-rebase' label by removing it from Pull Requests that are mergeable and adding it to those which are not.\nThe plugin reacts to commit changes on PRs in addition to periodically scanning all open PRs for any changes to mergeability that could have resulted from changes in other PRs.",
        )
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let delivery = match input.occasion {
            Occasion::Ping => return sweep(input, facts),
            Occasion::Delivery(delivery) => delivery,
        };
        match &delivery.event {
            Event::PullRequest(event)
                if matches!(
                    event.action,
                    PullRequestAction::Opened
                        | PullRequestAction::Synchronize
                        | PullRequestAction::Reopened
                ) =>
            {
                let pull = IssueRef::new(
                    event.repo.org(),
                    &event.repo.name,
                    event.pull_request.number,
                );
                check(&pull, &event.pull_request, facts)
            }
            // Any comment, even an edit or a deletion, is a reason to look again.
            Event::IssueComment(event) if event.issue.is_pull_request() => {
                let pull = IssueRef::new(event.repo.org(), &event.repo.name, event.issue.number);
                check(&pull, facts.pull_request(&pull)?, facts)
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// Upstream `handle`: what GitHub says of the PR's mergeability now.
///
/// Upstream waits 5s, then reads the PR up to three times (3s and 6s apart) until GitHub has
/// computed its mergeability, and fails when the head moved or the PR merged meanwhile. A plan
/// reads it once: when GitHub does not know yet, or the head moved (its own `synchronize`
/// follows), or it merged, there is nothing to decide now; the next event or sweep decides.
fn check(pull: &IssueRef, seen: &PullRequest, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
    if seen.state != IssueState::Open {
        return Ok(Vec::new());
    }
    let now = facts.pull_request(pull)?;
    let Some(mergeable) = now
        .mergeable
        .filter(|_| !now.merged && now.head.sha == seen.head.sha)
    else {
        return Ok(Vec::new());
    };
    let has_label = facts.has_label(pull, NEEDS_REBASE)?;
    take_action(pull, &seen.user.login, has_label, mergeable, facts)
}

/// Upstream `takeAction`.
fn take_action(
    pull: &IssueRef,
    author: &str,
    has_label: bool,
    mergeable: bool,
    facts: &Facts,
) -> Result<Vec<Action>, NeedFacts> {
    if !mergeable && !has_label {
        let comment = if author == DEPENDABOT_USER {
            // Said again each time, for dependabot to rebase again; the label keeps it once.
            Action::Comment {
                on: pull.clone(),
                body: format_simple_response(DEPENDABOT_REBASE_MESSAGE),
                dedupe: Dedupe::Never,
            }
        } else {
            Action::comment(pull, format_simple_response(NEEDS_REBASE_MESSAGE))
        };
        return Ok(vec![Action::add_label(pull, NEEDS_REBASE), comment]);
    }
    if mergeable && has_label {
        let mut actions = vec![Action::remove_label(pull, NEEDS_REBASE)];
        actions.extend(
            facts
                .bot_comments(pull)?
                .into_iter()
                .filter(|c| c.body.contains(NEEDS_REBASE_MESSAGE))
                .map(|c| Action::DeleteComment {
                    repo: pull.repo.clone(),
                    id: c.id,
                }),
        );
        return Ok(actions);
    }
    Ok(Vec::new())
}

/// The search queries of the sweep, by the org whose installation asks them (upstream
/// `constructQueries` as with GitHub App auth: one query per org enabling the plugin, one per
/// org for the repositories enabling it in orgs that do not).
pub fn search_queries(config: &Config, now: jiff::Timestamp) -> BTreeMap<String, Vec<String>> {
    let mut orgs = Vec::new();
    let mut repos = Vec::new();
    for (scope, enabled) in &config.plugins.plugins {
        if enabled.plugins.iter().any(|p| p == "needs-rebase") {
            if scope.contains('/') {
                repos.push(scope.as_str());
            } else {
                orgs.push(scope.as_str());
            }
        }
    }
    let mut queries: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for org in orgs {
        let for_org = queries.entry(org.to_string()).or_default();
        // GitHub answers at most 1000 results a query; kubernetes/kubernetes alone has more
        // open PRs, so upstream splits it by age.
        if org == "kubernetes" {
            let two_months_ago = now
                .checked_sub(jiff::SignedDuration::from_hours(2 * 30 * 24))
                .unwrap_or(now)
                .strftime("%Y-%m-%d")
                .to_string();
            for_org.push(format!(
                r#"{SEARCH_QUERY_PREFIX} org:"kubernetes" -repo:"kubernetes/kubernetes""#
            ));
            for_org.push(format!(
                r#"{SEARCH_QUERY_PREFIX} repo:"kubernetes/kubernetes" created:>={two_months_ago}"#
            ));
            for_org.push(format!(
                r#"{SEARCH_QUERY_PREFIX} repo:"kubernetes/kubernetes" created:<{two_months_ago}"#
            ));
        } else {
            for_org.push(format!(r#"{SEARCH_QUERY_PREFIX} org:"{org}""#));
        }
    }
    let mut by_org: BTreeMap<&str, String> = BTreeMap::new();
    for repo in repos {
        let Some((org, _)) = repo.split_once('/') else {
            continue;
        };
        // An org query covers the repo already.
        if queries.contains_key(org) {
            continue;
        }
        by_org
            .entry(org)
            .or_insert_with(|| SEARCH_QUERY_PREFIX.to_string())
            .push_str(&format!(r#" repo:"{repo}""#));
    }
    for (org, query) in by_org {
        queries.entry(org.to_string()).or_default().push(query);
    }
    queries
}

/// The variables of the search `query` for the page after `cursor`.
pub fn search_variables(query: &str, cursor: Option<&str>) -> Value {
    json!({"query": query, "searchCursor": cursor})
}

/// Upstream `HandleAll`: every open PR the searches find whose mergeability GitHub knows.
fn sweep(input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
    let mut needed = BTreeSet::new();
    let mut found: Vec<&Value> = Vec::new();
    for (org, queries) in search_queries(input.config, input.now) {
        for query in queries {
            // Each page is asked once the one before it says there is more.
            let mut cursor: Option<String> = None;
            loop {
                let variables = search_variables(&query, cursor.as_deref());
                let data = match facts.graphql(&org, SEARCH_QUERY, &variables) {
                    Ok(data) => data,
                    Err(need) => {
                        needed.extend(need.0);
                        break;
                    }
                };
                let search = &data["search"];
                if let Some(nodes) = search["nodes"].as_array() {
                    found.extend(nodes);
                }
                match search["pageInfo"]["endCursor"].as_str() {
                    Some(end) if search["pageInfo"]["hasNextPage"].as_bool() == Some(true) => {
                        cursor = Some(end.to_string());
                    }
                    _ => break,
                }
            }
        }
    }
    if !needed.is_empty() {
        return Err(NeedFacts(needed));
    }
    let mut seen = BTreeSet::new();
    let mut actions = Vec::new();
    for node in found {
        let mergeable = node["mergeable"].as_str().unwrap_or("UNKNOWN");
        if mergeable == "UNKNOWN" || node["state"].as_str() != Some("OPEN") {
            continue;
        }
        let (Some(org), Some(repo), Some(number)) = (
            node["repository"]["owner"]["login"].as_str(),
            node["repository"]["name"].as_str(),
            node["number"].as_u64(),
        ) else {
            continue;
        };
        // An org's query also finds the repos it excludes.
        if !input
            .config
            .plugins
            .enabled_plugins(org, repo)
            .contains(&"needs-rebase")
        {
            continue;
        }
        let pull = IssueRef::new(org, repo, number);
        if !seen.insert(pull.clone()) {
            continue;
        }
        let has_label = node["labels"]["nodes"]
            .as_array()
            .is_some_and(|labels| labels.iter().any(|l| l["name"] == NEEDS_REBASE));
        let author = node["author"]["login"].as_str().unwrap_or_default();
        match take_action(&pull, author, has_label, mergeable == "MERGEABLE", facts) {
            Ok(more) => actions.extend(more),
            Err(need) => needed.extend(need.0),
        }
    }
    if needed.is_empty() {
        Ok(actions)
    } else {
        Err(NeedFacts(needed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        BOT, Given, PR, comment, labels, now, plan, plan_with, pull_request_event,
        pull_request_event_with,
    };
    use crate::{Delivery, Fact};

    fn config(plugins: &str) -> Config {
        crate::testing::plugins_config(plugins)
    }

    fn ping(facts: &Facts, config: &Config) -> Result<Vec<Action>, NeedFacts> {
        NeedsRebase.plan(
            &Input {
                occasion: Occasion::Ping,
                config,
                now: now(),
            },
            facts,
        )
    }

    fn pushed() -> Delivery {
        pull_request_event(&PR, "synchronize", "alice", "alice")
    }

    fn mergeable(is: Option<bool>) -> Facts {
        Facts::new().pull_request_fact(&PR, "alice", |pr| pr.mergeable = is)
    }

    fn notice() -> Action {
        Action::comment(&PR, format_simple_response(NEEDS_REBASE_MESSAGE))
    }

    #[test]
    fn the_label_and_its_comment_follow_mergeability() {
        let add = Action::add_label(&PR, NEEDS_REBASE);
        let remove = Action::remove_label(&PR, NEEDS_REBASE);
        let delete = |id| Action::DeleteComment {
            repo: PR.repo.clone(),
            id,
        };
        let said = format_simple_response(NEEDS_REBASE_MESSAGE);
        for (is, current, expected) in [
            (Some(false), vec![], vec![add.clone(), notice()]),
            (Some(false), vec!["Needs-Rebase"], vec![]),
            (Some(true), vec![], vec![]),
            (
                Some(true),
                vec![NEEDS_REBASE, "lgtm"],
                vec![remove.clone(), delete(2)],
            ),
            // GitHub has not computed it yet.
            (None, vec![], vec![]),
        ] {
            let facts = mergeable(is)
                .labelled(&PR, &current)
                .bot()
                .comments(&PR, &[(1, "alice", said.as_str()), (2, BOT, said.as_str())]);
            for delivery in [
                pushed(),
                pull_request_event(&PR, "opened", "alice", "alice"),
                pull_request_event(&PR, "reopened", "alice", "alice"),
                comment(&PR, "bob", "looks good", true, "alice"),
            ] {
                assert_eq!(
                    plan(&NeedsRebase, &delivery, &facts),
                    Ok(expected.clone()),
                    "{is:?} {current:?}"
                );
            }
        }
    }

    #[test]
    fn dependabot_is_asked_to_rebase_each_time() {
        let delivery = pull_request_event(&PR, "synchronize", DEPENDABOT_USER, DEPENDABOT_USER);
        let facts = Facts::new()
            .pull_request_fact(&PR, DEPENDABOT_USER, |pr| pr.mergeable = Some(false))
            .labelled(&PR, &[]);
        assert_eq!(
            plan(&NeedsRebase, &delivery, &facts),
            Ok(vec![
                Action::add_label(&PR, NEEDS_REBASE),
                Action::Comment {
                    on: PR.clone(),
                    body: format_simple_response("rebase"),
                    dedupe: Dedupe::Never
                }
            ])
        );
    }

    #[test]
    fn closed_merged_or_moved_pull_requests_and_other_events_are_left_alone() {
        let facts = mergeable(Some(false)).labelled(&PR, &[]);
        let closed = pull_request_event_with(&PR, "synchronize", "alice", "alice", |p| {
            p["pull_request"]["state"] = "closed".into();
        });
        let merged = Facts::new()
            .pull_request_fact(&PR, "alice", |pr| {
                pr.mergeable = Some(false);
                pr.merged = true;
            })
            .labelled(&PR, &[]);
        let moved = Facts::new()
            .pull_request_fact(&PR, "alice", |pr| {
                pr.mergeable = Some(false);
                pr.head.sha = "newer".into();
            })
            .labelled(&PR, &[]);
        assert_eq!(plan(&NeedsRebase, &closed, &facts), Ok(vec![]));
        assert_eq!(plan(&NeedsRebase, &pushed(), &merged), Ok(vec![]));
        assert_eq!(plan(&NeedsRebase, &pushed(), &moved), Ok(vec![]));
        for delivery in [
            pull_request_event(&PR, "labeled", "alice", "alice"),
            pull_request_event(&PR, "edited", "alice", "alice"),
            comment(&PR, "bob", "on an issue", false, "alice"),
        ] {
            assert_eq!(plan(&NeedsRebase, &delivery, &Facts::new()), Ok(vec![]));
        }
    }

    #[test]
    fn the_pull_request_is_read_before_its_labels() {
        assert_eq!(
            plan(&NeedsRebase, &pushed(), &Facts::new()),
            Err(NeedFacts::one(Fact::PullRequest(PR.clone())))
        );
        assert_eq!(
            plan(&NeedsRebase, &pushed(), &mergeable(Some(true))),
            Err(NeedFacts::one(Fact::Labels(PR.clone())))
        );
    }

    const ENABLED: &str = r#"
plugins:
  kubernetes:
    plugins: [needs-rebase]
    excluded_repos: [website]
  acme/widgets:
    plugins: [needs-rebase]
  acme/gadgets:
    plugins: [needs-rebase]
  kubernetes/test-infra:
    plugins: [hold]
  other:
    plugins: [hold]
"#;

    #[test]
    fn the_sweep_searches_where_the_plugin_is_enabled() {
        let enabled = config(ENABLED);
        // 2027-01-01 minus sixty days.
        assert_eq!(
            search_queries(&enabled, now()),
            BTreeMap::from([
                (
                    "acme".to_string(),
                    vec![
                        r#"archived:false is:pr is:open repo:"acme/gadgets" repo:"acme/widgets""#
                            .to_string()
                    ]
                ),
                (
                    "kubernetes".to_string(),
                    vec![
                        r#"archived:false is:pr is:open org:"kubernetes" -repo:"kubernetes/kubernetes""#.to_string(),
                        r#"archived:false is:pr is:open repo:"kubernetes/kubernetes" created:>=2026-11-02"#.to_string(),
                        r#"archived:false is:pr is:open repo:"kubernetes/kubernetes" created:<2026-11-02"#.to_string(),
                    ]
                ),
            ])
        );
        let other = config(
            "plugins:\n  other/repo:\n    plugins: [needs-rebase]\n  other:\n    plugins: [needs-rebase]\n    excluded_repos: [repo]\n",
        );
        assert_eq!(
            search_queries(&other, now()),
            BTreeMap::from([(
                "other".to_string(),
                vec![r#"archived:false is:pr is:open org:"other""#.to_string()]
            )])
        );
        assert!(search_queries(&Config::default(), now()).is_empty());
        assert_eq!(ping(&Facts::new(), &Config::default()), Ok(vec![]));
    }

    fn node(org: &str, repo: &str, number: u64, mergeable: &str, labels: &[&str]) -> Value {
        json!({
            "number": number, "author": {"login": "alice"},
            "repository": {"name": repo, "owner": {"login": org}},
            "labels": {"nodes": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>()},
            "mergeable": mergeable, "state": "OPEN",
        })
    }

    fn page(nodes: Vec<Value>, next: Option<&str>) -> Value {
        json!({
            "rateLimit": {"cost": 1, "remaining": 4999},
            "search": {
                "pageInfo": {"hasNextPage": next.is_some(), "endCursor": next.unwrap_or("end")},
                "nodes": nodes,
            }
        })
    }

    #[test]
    fn the_sweep_pages_through_the_results_and_acts_on_each_pull_request() {
        let config =
            config("plugins:\n  acme:\n    plugins: [needs-rebase]\n    excluded_repos: [old]\n");
        let query = r#"archived:false is:pr is:open org:"acme""#;
        let first = search_variables(query, None);
        let second = search_variables(query, Some("cursor:2"));
        assert_eq!(
            ping(&Facts::new(), &config),
            Err(NeedFacts::one(Fact::graphql("acme", SEARCH_QUERY, &first)))
        );
        let one_page = Facts::new().graphql(
            "acme",
            SEARCH_QUERY,
            &first,
            page(
                vec![
                    node("acme", "widgets", 1, "CONFLICTING", &[]),
                    node("acme", "widgets", 2, "MERGEABLE", &[NEEDS_REBASE]),
                ],
                Some("cursor:2"),
            ),
        );
        assert_eq!(
            ping(&one_page, &config),
            Err(NeedFacts::one(Fact::graphql("acme", SEARCH_QUERY, &second)))
        );
        let two = IssueRef::new("acme", "widgets", 2);
        let both_pages = one_page.graphql(
            "acme",
            SEARCH_QUERY,
            &second,
            page(
                vec![
                    node("acme", "widgets", 3, "UNKNOWN", &[]),
                    node("acme", "widgets", 4, "CONFLICTING", &[NEEDS_REBASE]),
                    node("acme", "widgets", 5, "MERGEABLE", &[]),
                    node("acme", "old", 6, "CONFLICTING", &[]),
                    node("acme", "widgets", 1, "CONFLICTING", &[]),
                ],
                None,
            ),
        );
        assert_eq!(
            ping(&both_pages, &config),
            Err(NeedFacts(BTreeSet::from([
                Fact::BotLogin,
                Fact::Comments(two.clone())
            ])))
        );
        let one = IssueRef::new("acme", "widgets", 1);
        let facts = both_pages.bot().comments(
            &two,
            &[(8, BOT, &format_simple_response(NEEDS_REBASE_MESSAGE))],
        );
        assert_eq!(
            ping(&facts, &config),
            Ok(vec![
                Action::add_label(&one, NEEDS_REBASE),
                Action::comment(&one, format_simple_response(NEEDS_REBASE_MESSAGE)),
                Action::remove_label(&two, NEEDS_REBASE),
                Action::DeleteComment {
                    repo: two.repo.clone(),
                    id: 8
                },
            ])
        );
        // Deliveries are not sweeps.
        assert_eq!(
            plan_with(&NeedsRebase, &pushed(), &labels(&PR, &[]), &config),
            Err(NeedFacts::one(Fact::PullRequest(PR.clone())))
        );
    }

    #[test]
    fn the_comment_and_help_read_as_upstream_writes_them() {
        insta::assert_snapshot!(
            "needs_rebase_comment",
            format_simple_response(NEEDS_REBASE_MESSAGE)
        );
        insta::assert_snapshot!(
            "needs_rebase_help",
            serde_json::to_string_pretty(&NeedsRebase.help(&Config::default(), &[]))
                .unwrap_or_default()
        );
    }
}
