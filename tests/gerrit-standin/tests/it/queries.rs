//! `GET /changes/`: the guard, filters, newest-first paging and the `o=` options.

use crate::{get, world};
use gerrit_standin::{FileInfo, GerritStandIn};
use serde_json::Value;

fn numbers(page: &Value) -> Vec<u64> {
    page.as_array()
        .unwrap()
        .iter()
        .map(|c| c["_number"].as_u64().unwrap())
        .collect()
}

/// Five changes on `infra` (1..=5, 5 updated last) and one on `platform/build`.
async fn five_changes() -> GerritStandIn {
    let mut world = world();
    for _ in 0..5 {
        world.create_change("infra", "master", "alice", &[]);
    }
    world.create_change("platform/build", "master", "bob", &[]);
    GerritStandIn::start(world).await.unwrap()
}

#[tokio::test]
async fn an_empty_answer_is_guarded_json() {
    let standin = GerritStandIn::start(world()).await.unwrap();
    let response = reqwest::get(format!("{}/changes/?q=project:infra", standin.url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(response.text().await.unwrap(), ")]}'\n[]\n");
}

#[tokio::test]
async fn pages_follow_start_and_n_newest_first() {
    let standin = five_changes().await;
    let first = get(&standin, "/changes/?q=project:infra&n=2").await.json();
    assert_eq!(numbers(&first), [5, 4]);
    assert_eq!(first[1]["_more_changes"], true);
    assert!(first[0].get("_more_changes").is_none());
    let second = get(&standin, "/changes/?q=project:infra&n=2&start=2")
        .await
        .json();
    assert_eq!(numbers(&second), [3, 2]);
    assert_eq!(second[1]["_more_changes"], true);
    let last = get(&standin, "/changes/?q=project:infra&n=2&start=4")
        .await
        .json();
    assert_eq!(numbers(&last), [1]);
    assert!(last[0].get("_more_changes").is_none());
    let beyond = get(&standin, "/changes/?q=project:infra&n=2&start=6")
        .await
        .json();
    assert_eq!(numbers(&beyond), Vec::<u64>::new());

    // A comment makes change 2 the most recently updated.
    standin.world().comment(2, "bob", "/retest");
    let first = get(&standin, "/changes/?q=project:infra&n=2").await.json();
    assert_eq!(numbers(&first), [2, 5]);
}

#[tokio::test]
async fn status_and_branch_filters_select_changes() {
    let mut world = world();
    world.add_branch("infra", "release");
    let open = world.create_change("infra", "master", "alice", &[]);
    let merged = world.create_change("infra", "master", "alice", &[]);
    let abandoned = world.create_change("infra", "release", "alice", &[]);
    let dev = world.create_change("infra", "dev", "alice", &[]);
    let other = world.create_change("platform/build", "master", "bob", &[]);
    world.merge(merged);
    world.abandon(abandoned);
    let standin = GerritStandIn::start(world).await.unwrap();
    let query = |q: &str| {
        let path = format!("/changes/?q={}", q.replace(' ', "+"));
        let standin = &standin;
        async move {
            let mut found = numbers(&get(standin, &path).await.json());
            found.sort();
            found
        }
    };
    assert_eq!(query("status:open project:infra").await, [open, dev]);
    assert_eq!(query("status:merged").await, [merged]);
    assert_eq!(query("status:abandoned").await, [abandoned]);
    assert_eq!(query("status:closed").await, [merged, abandoned]);
    assert_eq!(query("project:platform/build").await, [other]);
    assert_eq!(query("project:platform%2Fbuild").await, [other]);
    assert_eq!(
        query("(branch:release OR branch:dev) project:infra").await,
        [abandoned, dev]
    );
    assert_eq!(
        query("(-branch:release AND -branch:dev) project:infra").await,
        [open, merged]
    );
    assert_eq!(query("-is:wip branch:refs/heads/dev").await, [dev]);
    let bad = get(&standin, "/changes/?q=label:Verified%2B1").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Unsupported operator"), "{}", bad.body);
}

#[tokio::test]
async fn options_add_revisions_files_messages_and_labels() {
    let mut world = world();
    let number = world.create_change(
        "infra",
        "master",
        "alice",
        &[("a.go", FileInfo::added()), ("b.go", FileInfo::modified())],
    );
    let second = world.new_patchset(
        number,
        &[
            ("a.go", FileInfo::added()),
            ("new.txt", FileInfo::renamed_from("old.txt")),
            ("/COMMIT_MSG", FileInfo::added()),
        ],
    );
    world.vote(number, "bob", "Code-Review", 2);
    world.comment(number, "bob", "looks good");
    let standin = GerritStandIn::start(world).await.unwrap();

    let plain = get(&standin, "/changes/?q=project:infra").await.json();
    let change = &plain[0];
    for absent in ["revisions", "current_revision", "messages", "labels"] {
        assert!(change.get(absent).is_none(), "{absent} without asking");
    }
    assert_eq!(change["status"], "NEW");
    assert_eq!(change["project"], "infra");
    assert_eq!(change["branch"], "master");
    assert_eq!(change["owner"]["_account_id"], 1_000_001);
    assert!(change["change_id"].as_str().unwrap().starts_with('I'));
    assert_eq!(change["change_id"].as_str().unwrap().len(), 41);
    assert_eq!(
        change["id"],
        format!("infra~master~{}", change["change_id"].as_str().unwrap())
    );
    assert_eq!(change["created"], "2026-01-01 00:00:01.000000000");
    assert!(change["updated"].as_str().unwrap() > change["created"].as_str().unwrap());
    assert!(change.get("work_in_progress").is_none());

    let path = "/changes/?q=project:infra&o=CURRENT_REVISION&o=CURRENT_COMMIT&o=CURRENT_FILES&o=MESSAGES&o=LABELS";
    let full = get(&standin, path).await.json();
    let change = &full[0];
    assert_eq!(change["current_revision"], second);
    let revisions = change["revisions"].as_object().unwrap();
    assert_eq!(revisions.len(), 1, "only the current revision");
    let revision = &revisions[&second];
    assert_eq!(revision["_number"], 2);
    assert_eq!(
        revision["ref"],
        format!("refs/changes/{:02}/{number}/2", number)
    );
    assert_eq!(revision["commit"]["author"]["name"], "Alice Liddell");
    assert_eq!(revision["commit"]["author"]["email"], "alice@example.com");
    let files = revision["files"].as_object().unwrap();
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["a.go", "new.txt"],
        "no /COMMIT_MSG"
    );
    assert_eq!(files["a.go"]["status"], "A");
    assert_eq!(files["new.txt"]["status"], "R");
    assert_eq!(files["new.txt"]["old_path"], "old.txt");
    let messages: Vec<&str> = change["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "Uploaded patch set 1.",
            "Uploaded patch set 2.",
            "Patch Set 2: Code-Review+2",
            "Patch Set 2:\n\nlooks good",
        ]
    );
    let last = &change["messages"][3];
    assert_eq!(last["author"]["username"], "bob");
    assert_eq!(last["_revision_number"], 2);
    assert_eq!(
        change["messages"][0]["tag"],
        "autogenerated:gerrit:newPatchSet"
    );
    let review = &change["labels"]["Code-Review"];
    assert_eq!(review["all"][0]["username"], "bob");
    assert_eq!(review["all"][0]["value"], 2);
    assert_eq!(review["approved"]["username"], "bob");
    assert_eq!(change["labels"]["Verified"]["all"], serde_json::json!([]));

    let all = get(&standin, "/changes/?q=project:infra&o=ALL_REVISIONS")
        .await
        .json();
    let revisions = all[0]["revisions"].as_object().unwrap();
    assert_eq!(revisions.len(), 2);
    assert!(
        revisions[&second].get("files").is_none(),
        "files only on request"
    );
}

#[tokio::test]
async fn merged_changes_carry_submitted_and_wip_is_shown() {
    let mut world = world();
    let merged = world.create_change("infra", "master", "alice", &[]);
    let wip = world.create_change("infra", "master", "alice", &[]);
    world.set_wip(wip, true);
    world.advance(3600);
    world.merge(merged);
    let standin = GerritStandIn::start(world).await.unwrap();
    let page = get(&standin, "/changes/?q=project:infra").await.json();
    assert_eq!(numbers(&page), [merged, wip]);
    assert_eq!(page[0]["status"], "MERGED");
    assert_eq!(page[0]["submitted"], "2026-01-01 01:00:04.000000000");
    assert_eq!(page[0]["submitted"], page[0]["updated"]);
    assert_eq!(page[1]["work_in_progress"], true);
    assert!(page[1].get("submitted").is_none());
    let wip_only = get(&standin, "/changes/?q=is:wip").await.json();
    assert_eq!(numbers(&wip_only), [wip]);
}

#[tokio::test]
async fn prows_own_query_works_under_a_with_a_cookie() {
    let standin = five_changes().await;
    let url = format!(
        "{}/a/changes/?q=%28branch%3Amaster+OR+branch%3Adev%29+project%3Ainfra&n=3&start=3\
         &o=CURRENT_REVISION&o=CURRENT_COMMIT&o=CURRENT_FILES&o=MESSAGES&o=LABELS",
        standin.url()
    );
    let response = reqwest::Client::new()
        .get(url)
        .header("Cookie", "o=prow-bot")
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let page: Value = serde_json::from_str(text.strip_prefix(")]}'\n").unwrap()).unwrap();
    assert_eq!(numbers(&page), [2, 1]);
    assert!(page[0]["revisions"].is_object() && page[0]["messages"].is_array());
}

#[tokio::test]
async fn malformed_paging_is_a_bad_request() {
    let standin = five_changes().await;
    let answer = get(&standin, "/changes/?q=project:infra&n=many").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body, "\"many\" is not a valid value for \"n\"\n");
}
