//! Single resources: a change by any of its ids, its comments, branches, projects, accounts,
//! submit, and the 404s, 401s and recorded calls around them.

use crate::{get, get_as, post, with_one_change, world};
use gerrit_standin::{FileInfo, GerritStandIn};
use serde_json::json;

#[tokio::test]
async fn a_change_is_found_by_each_of_its_ids() {
    let mut world = world();
    let number = world.create_change("platform/build", "release/v1", "bob", &[]);
    let (id, change_id) = {
        let change = world.change(number).unwrap();
        (change.id.clone(), change.change_id.clone())
    };
    assert_eq!(id, format!("platform%2Fbuild~release%2Fv1~{change_id}"));
    let standin = GerritStandIn::start(world).await.unwrap();
    for name in [
        number.to_string(),
        id.clone(),
        format!("platform%2Fbuild~{number}"),
        change_id.clone(),
    ] {
        let change = get(&standin, &format!("/changes/{name}")).await.json();
        assert_eq!(change["_number"], number, "by {name}");
        assert_eq!(change["id"], id);
        assert_eq!(change["project"], "platform/build");
        assert_eq!(change["branch"], "release/v1");
    }
    let with_revision = get(&standin, &format!("/changes/{number}?o=CURRENT_REVISION"))
        .await
        .json();
    assert!(with_revision["revisions"].is_object());
}

#[tokio::test]
async fn missing_things_are_404_with_gerrits_text() {
    let (standin, _) = with_one_change().await;
    for (path, text) in [
        ("/changes/99", "Not found: 99\n"),
        (
            "/changes/infra~master~Inope",
            "Not found: infra~master~Inope\n",
        ),
        ("/changes/99/comments", "Not found: 99\n"),
        ("/projects/nope/branches/master", "Not found: nope\n"),
        ("/projects/infra/branches/nope", "Not found: nope\n"),
        ("/no/such/endpoint", "Not Found\n"),
    ] {
        let answer = get(&standin, path).await;
        assert_eq!((answer.status, answer.body.as_str()), (404, text), "{path}");
    }
}

#[tokio::test]
async fn comments_list_patchset_level_comments() {
    let (standin, number) = with_one_change().await;
    assert_eq!(
        get(&standin, &format!("/changes/{number}/comments"))
            .await
            .json(),
        json!({})
    );
    standin.world().patchset_comment(number, "bob", "/retest");
    let comments = get(&standin, &format!("/changes/{number}/comments"))
        .await
        .json();
    let entry = &comments["/PATCHSET_LEVEL"][0];
    assert_eq!(entry["message"], "/retest");
    assert_eq!(entry["patch_set"], 1);
    assert_eq!(entry["author"]["username"], "bob");
    assert_eq!(
        standin.world().messages(number).last().unwrap().1,
        "Patch Set 1:\n\n(1 comment)"
    );
}

#[tokio::test]
async fn branches_answer_their_revision_and_follow_merges() {
    let (standin, number) = with_one_change().await;
    let before = get(&standin, "/projects/infra/branches/master")
        .await
        .json();
    assert_eq!(before["ref"], "refs/heads/master");
    assert_eq!(before["revision"].as_str().unwrap().len(), 40);
    let by_ref = get(&standin, "/projects/infra/branches/refs%2Fheads%2Fmaster")
        .await
        .json();
    assert_eq!(by_ref, before);
    let nested = get_as(
        &standin,
        "bob",
        "/projects/platform%2Fbuild/branches/master",
    )
    .await;
    assert_eq!(nested.json()["ref"], "refs/heads/master");

    let head = standin
        .world()
        .change(number)
        .unwrap()
        .current_revision
        .clone();
    standin.world().merge(number);
    let after = get(&standin, "/projects/infra/branches/master")
        .await
        .json();
    assert_eq!(after["revision"], head);
}

#[tokio::test]
async fn projects_are_listed_by_name() {
    let standin = GerritStandIn::start(world()).await.unwrap();
    let projects = get(&standin, "/projects/").await.json();
    assert_eq!(
        projects,
        json!({
            "infra": {"id": "infra", "state": "ACTIVE"},
            "platform/build": {"id": "platform%2Fbuild", "state": "ACTIVE"},
        })
    );
}

#[tokio::test]
async fn accounts_self_needs_credentials() {
    let standin = GerritStandIn::start(world()).await.unwrap();
    let me = get_as(&standin, "prow-bot", "/accounts/self").await.json();
    assert_eq!(
        me,
        json!({"_account_id": 1_000_000, "name": "prow-bot", "username": "prow-bot", "email": "prow-bot@example.com"})
    );
    let alice = get_as(&standin, "alice", "/accounts/self").await.json();
    assert_eq!(alice["name"], "Alice Liddell");

    let anonymous = get(&standin, "/accounts/self").await;
    assert_eq!(anonymous.status, 403);
    let response = reqwest::get(format!("{}/a/accounts/self", standin.url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let stranger = get_as(&standin, "mallory", "/accounts/self").await;
    assert_eq!(stranger.status, 401);
}

#[tokio::test]
async fn submit_merges_as_the_caller() {
    let (standin, number) = with_one_change().await;
    let path = format!("/changes/{number}/submit");
    assert_eq!(post(&standin, None, &path, &json!({})).await.status, 403);
    let merged = post(&standin, Some("bob"), &path, &json!({})).await.json();
    assert_eq!(merged["status"], "MERGED");
    assert_eq!(merged["submitter"]["username"], "bob");
    assert!(merged["submitted"].is_string());
    let again = post(&standin, Some("bob"), &path, &json!({})).await;
    assert_eq!(
        (again.status, again.body.as_str()),
        (409, "change is merged\n")
    );
    let (author, text) = standin.world().messages(number).last().cloned().unwrap();
    assert_eq!(author, "bob");
    assert_eq!(text, "Change has been successfully merged by bob");
}

#[tokio::test]
async fn ready_for_review_is_a_message_by_the_owner() {
    let mut world = world();
    let number = world.create_change("infra", "master", "alice", &[("a", FileInfo::added())]);
    world.set_wip(number, true);
    assert!(world.change(number).unwrap().work_in_progress);
    world.set_wip(number, false);
    assert!(!world.change(number).unwrap().work_in_progress);
    let messages = world.messages(number);
    assert_eq!(
        messages[1..],
        [
            ("alice".to_string(), "Set Work In Progress".to_string()),
            ("alice".to_string(), "Set Ready For Review".to_string()),
        ]
    );
}

#[tokio::test]
async fn calls_are_recorded_and_faults_injected() {
    let (standin, number) = with_one_change().await;
    standin.world().fail_next("GET", "/changes/", 503, 1);
    assert_eq!(
        get(&standin, "/changes/?q=project:infra&n=5").await.status,
        503
    );
    assert_eq!(
        get(&standin, "/changes/?q=project:infra&n=5").await.status,
        200
    );
    get_as(&standin, "bob", &format!("/changes/{number}")).await;
    let calls: Vec<(String, String, u16)> = standin
        .calls()
        .into_iter()
        .map(|c| (c.method, c.path_and_query, c.status))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "GET".to_string(),
                "/changes/?q=project:infra&n=5".to_string(),
                503
            ),
            (
                "GET".to_string(),
                "/changes/?q=project:infra&n=5".to_string(),
                200
            ),
            ("GET".to_string(), format!("/a/changes/{number}"), 200),
        ]
    );
}
