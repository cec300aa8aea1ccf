//! Tide's pages and JSON, and command help, from what tide and hook answer.

use crate::support::Bench;
use axum::http::StatusCode;
use prow_plugins::help::{Command, Help, PluginHelp};
use prow_tide::record::{DeckPull, PoolForDeck, Record};
use std::collections::BTreeMap;

fn pull(number: u64) -> DeckPull {
    DeckPull {
        title: format!("Change {number}"),
        number,
        head_ref_oid: format!("{number:040}"),
        mergeable: "MERGEABLE".into(),
    }
}

#[tokio::test]
async fn tide_js_has_upstreams_shape_and_the_page_shows_the_pools() {
    let bench = Bench::start().await;
    *bench.sources.pools.lock().unwrap() = Some(vec![PoolForDeck {
        org: "org".into(),
        repo: "app".into(),
        branch: "main".into(),
        success: vec![pull(3)],
        pending: vec![pull(4)],
        missing: vec![pull(5)],
        action: "MERGE".into(),
        target: vec![pull(3)],
        ..PoolForDeck::default()
    }]);
    let json = bench.get("/tide.js").await.json();
    assert_eq!(
        json["Queries"],
        serde_json::json!([
            "is:pr state:open archived:false label:\"lgtm\" label:\"approved\" -label:\"do-not-merge/hold\" repo:\"org/app\""
        ])
    );
    assert_eq!(
        json["TideQueries"],
        serde_json::json!([{"repos": ["org/app"], "labels": ["lgtm", "approved"], "missingLabels": ["do-not-merge/hold"]}])
    );
    let pool = &json["Pools"][0];
    for field in [
        "Org",
        "Repo",
        "Branch",
        "SuccessPRs",
        "PendingPRs",
        "MissingPRs",
        "BatchPending",
        "Action",
        "Target",
        "Blockers",
        "Error",
        "TenantIDs",
    ] {
        assert!(pool.get(field).is_some(), "{field} in {pool}");
    }
    assert_eq!(pool["Target"][0]["HeadRefOID"], format!("{:040}", 3));
    let page = bench.get("/tide").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(r#"<tr data-action="MERGE"><td>org/app <span class="ref">main</span></td>"#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"<a href="https://github.com/org/app/pull/4" title="Change 4">#4</a>"#)
    );
    insta::assert_snapshot!("tide_page", crate::support::readable(&page.body));
}

#[tokio::test]
async fn tide_history_lists_each_pools_records() {
    let bench = Bench::start().await;
    let mut history = BTreeMap::new();
    history.insert(
        "org/app:main".to_string(),
        vec![Record {
            time: "2026-03-01T11:59:00Z".into(),
            action: "MERGE_BATCH".into(),
            base_sha: "c".repeat(40),
            target: vec![
                serde_json::from_value(
                    serde_json::json!({"number": 3, "author": "a", "sha": "d".repeat(40)}),
                )
                .unwrap(),
            ],
            err: String::new(),
            tenant_ids: vec![],
        }],
    );
    *bench.sources.history.lock().unwrap() = Some(history);
    let json = bench.get("/tide-history.js?var=tideHistory").await;
    assert!(json.body.starts_with(r#"var tideHistory = {"History":{"org/app:main":[{"time":"2026-03-01T11:59:00Z","action":"MERGE_BATCH","baseSHA":"cccccccccc"#), "{}", json.body);
    let page = bench.get("/tide-history").await;
    assert!(page.body.contains("<h2>org/app:main</h2>"));
    assert!(
        page.body
            .contains(r#"<span class="action merge_batch">MERGE_BATCH</span>"#)
    );
}

#[tokio::test]
async fn without_tide_the_pages_say_so_and_the_json_is_empty() {
    let bench = Bench::start().await;
    let page = bench.get("/tide").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("tide is not connected to this deck"));
    assert_eq!(
        bench.get("/tide.js").await.body,
        r#"{"Queries":[],"TideQueries":[],"Pools":[]}"#
    );
    assert_eq!(
        bench.get("/tide-history.js").await.body,
        r#"{"History":{}}"#
    );
    assert!(
        bench
            .get("/command-help")
            .await
            .body
            .contains("hook is not connected to this deck")
    );
}

#[tokio::test]
async fn command_help_lists_featured_commands_first() {
    let bench = Bench::start().await;
    let mut plugin_help = BTreeMap::new();
    plugin_help.insert(
        "hold".to_string(),
        PluginHelp {
            description: "Holds a PR.".into(),
            commands: vec![Command {
                usage: "/hold [cancel]".into(),
                featured: false,
                description: "Adds or removes the hold label.".into(),
                examples: vec!["/hold".into()],
                who_can_use: "Anyone".into(),
            }],
            ..PluginHelp::default()
        },
    );
    plugin_help.insert(
        "lgtm".to_string(),
        PluginHelp {
            description: "LGTM.".into(),
            commands: vec![Command {
                usage: "/lgtm [cancel]".into(),
                featured: true,
                description: "Adds or removes the lgtm label.".into(),
                examples: vec![],
                who_can_use: "Collaborators".into(),
            }],
            ..PluginHelp::default()
        },
    );
    let mut repo_plugins = BTreeMap::new();
    repo_plugins.insert(
        "org".to_string(),
        vec!["lgtm".to_string(), "hold".to_string()],
    );
    *bench.sources.help.lock().unwrap() = Some(Help {
        all_repos: vec!["org/app".into()],
        repo_plugins,
        plugin_help,
        ..Help::default()
    });
    let page = bench.get("/command-help").await;
    let lgtm = page.body.find("/lgtm [cancel]").unwrap();
    let hold = page.body.find("/hold [cancel]").unwrap();
    assert!(lgtm < hold, "featured first");
    assert!(page.body.contains("<td>Collaborators</td>"));
    assert!(page.body.contains("<td>org</td>"), "where it is enabled");
    let redirect = bench.get("/plugin-help").await;
    assert_eq!(redirect.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers["location"], "/command-help");
    let js = bench.get("/plugin-help.js").await.json();
    assert_eq!(js["PluginHelp"]["lgtm"]["Commands"][0]["Featured"], true);
}

#[tokio::test]
async fn a_deck_given_no_files_says_so() {
    let bench = Bench::start().await;
    let config = bench.get("/config").await;
    assert_eq!(config.status, StatusCode::NOT_FOUND);
    assert_eq!(config.body, "this deck was given no configuration");
    assert_eq!(
        bench.get("/plugin-config").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn pull_requests_link_to_the_configured_github() {
    let config = crate::support::config_with("github:\n  link_url: https://ghe.example.com\n");
    let bench = Bench::with(&config, false).await;
    *bench.sources.pools.lock().unwrap() = Some(vec![PoolForDeck {
        org: "org".into(),
        repo: "app".into(),
        branch: "main".into(),
        pending: vec![pull(4)],
        action: "WAIT".into(),
        ..PoolForDeck::default()
    }]);
    let page = bench.get("/tide").await;
    assert!(
        page.body.contains(
            r#"<a href="https://ghe.example.com/org/app/pull/4" title="Change 4">#4</a>"#
        ),
        "{}",
        page.body
    );
}
