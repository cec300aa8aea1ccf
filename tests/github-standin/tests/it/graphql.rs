//! The GraphQL search tide runs, with its real query text, through octocrab's GraphQL call:
//! qualifiers filter the pool, pages follow the cursor, and nodes carry exactly tide's selection.

use crate::support::{head_sha, octocrab_as};
use github_standin::{GitHubStandIn, World};
use octocrab::models::StatusState;
use serde_json::{Value, json};

/// Upstream tide's pool query (`pkg/tide/tide.go`, page size 37).
const TIDE_QUERY: &str = "query($query: String!, $searchCursor: String) { rateLimit { cost remaining } search(type: ISSUE, first: 37, after: $searchCursor, query: $query) { pageInfo { hasNextPage endCursor } nodes { ... on PullRequest { number author { login } authorMetadata: author { __typename } baseRef { name prefix } headRefName headRefOid mergeable mergeStateStatus canBeRebased reviewDecision repository { name nameWithOwner owner { login } } commits(last: 4) { nodes { commit { status { contexts { context description state } } oid statusCheckRollup { contexts(last: 100) { nodes { ... on CheckRun { name conclusion status } } } } } } } labels(first: 100) { nodes { name } } milestone { title } body title updatedAt } } } }";

#[tokio::test]
async fn tides_pool_query_filters_pages_and_selects_exactly() {
    let mut world = World::new("prow-bot");
    world
        .add_org("example-org", &["alice"])
        .add_repo("example-org/app")
        .add_repo("example-org/other");
    for label in ["lgtm", "approved", "do-not-merge/hold"] {
        world.add_label("example-org/app", label);
    }
    let mut ready = Vec::new();
    for i in 0..40 {
        let number = world.open_pull_request(
            "example-org/app",
            "dave",
            &format!("f{i}"),
            &format!("Change {i}"),
            &[("a.txt", "x\n")],
        );
        let issue = world.issue_mut("example-org/app", number).unwrap();
        issue.labels = vec!["lgtm".into(), "approved".into()];
        if i == 3 {
            issue.labels.push("do-not-merge/hold".into());
        } else {
            ready.push(number);
        }
    }
    let unlabeled = world.open_pull_request(
        "example-org/app",
        "erin",
        "g",
        "Not ready",
        &[("b.txt", "y\n")],
    );
    world.open_pull_request(
        "example-org/other",
        "dave",
        "h",
        "Elsewhere",
        &[("c.txt", "z\n")],
    );
    world.open_issue("example-org/app", "erin", "An issue, not a PR");
    let standin = GitHubStandIn::start(world).await.unwrap();
    let client = octocrab_as(&standin, "t");

    // A status on one PR's head shows up in its commit contexts.
    let head = head_sha(&standin, "example-org/app", ready[0]);
    client
        .repos("example-org", "app")
        .create_status(head.clone(), StatusState::Success)
        .context("pull-app-unit".to_string())
        .description("Job succeeded. BaseSHA:abc".to_string())
        .send()
        .await
        .unwrap();

    let search = r#"is:pr state:open archived:false repo:"example-org/app" label:"lgtm" label:"approved" -label:"do-not-merge/hold""#;
    let mut numbers = Vec::new();
    let mut cursor = Value::Null;
    let mut pages = 0;
    loop {
        let body =
            json!({"query": TIDE_QUERY, "variables": {"query": search, "searchCursor": cursor}});
        let reply: Value = client.graphql(&body).await.unwrap();
        // octocrab returns the response's `data`.
        let data = &reply;
        assert_eq!(data["rateLimit"]["cost"], 1);
        for node in data["search"]["nodes"].as_array().unwrap() {
            numbers.push(node["number"].as_u64().unwrap());
        }
        pages += 1;
        if !data["search"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        cursor = data["search"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 2, "37 per page");
    assert_eq!(numbers, ready);
    assert!(!numbers.contains(&unlabeled));

    let body = json!({"query": TIDE_QUERY, "variables": {"query": search, "searchCursor": null}});
    let reply: Value = client.graphql(&body).await.unwrap();
    let first = &reply["search"]["nodes"][0];
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "author",
            "authorMetadata",
            "baseRef",
            "body",
            "canBeRebased",
            "commits",
            "headRefName",
            "headRefOid",
            "labels",
            "mergeStateStatus",
            "mergeable",
            "milestone",
            "number",
            "repository",
            "reviewDecision",
            "title",
            "updatedAt"
        ],
        "exactly tide's selection"
    );
    assert_eq!(first["headRefOid"], head);
    assert_eq!(first["mergeable"], "MERGEABLE");
    assert_eq!(first["repository"]["nameWithOwner"], "example-org/app");
    let contexts = &first["commits"]["nodes"][0]["commit"]["status"]["contexts"];
    assert_eq!(
        contexts[0],
        json!({"context": "pull-app-unit", "description": "Job succeeded. BaseSHA:abc", "state": "SUCCESS"})
    );
}

#[tokio::test]
async fn blocker_issues_are_searched_by_label() {
    let mut world = World::new("prow-bot");
    world.add_repo("example-org/app");
    let blocker = world.open_issue("example-org/app", "alice", "branch:main is broken");
    world.issue_mut("example-org/app", blocker).unwrap().labels = vec!["tide/merge-blocker".into()];
    world.open_issue("example-org/app", "alice", "Just an issue");
    let standin = GitHubStandIn::start(world).await.unwrap();
    let client = octocrab::Octocrab::builder()
        .base_uri(standin.url())
        .unwrap()
        .build()
        .unwrap();
    let query = "query($query: String!, $searchCursor: String) { rateLimit { cost remaining } search(type: ISSUE, first: 100, after: $searchCursor, query: $query) { pageInfo { hasNextPage endCursor } nodes { ... on Issue { number title url repository { name owner { login } } } } } }";
    let body = json!({"query": query, "variables": {"query": r#"is:issue state:open label:"tide/merge-blocker" org:"example-org""#, "searchCursor": null}});
    let reply: Value = client.graphql(&body).await.unwrap();
    let nodes = reply["search"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["title"], "branch:main is broken");
    assert_eq!(nodes[0]["repository"]["owner"]["login"], "example-org");
}
