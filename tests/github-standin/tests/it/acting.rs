//! REST calls act as the user their token names: what they write is theirs, the webhooks it
//! sends carry them as sender, and GitHub's refusals apply to them (not to the bot).

use crate::support::head_sha;
use github_standin::{GitHubStandIn, Permission, World};
use serde_json::{Value, json};

const REPO: &str = "acme/widgets";

async fn standin() -> GitHubStandIn {
    let mut world = World::new("prow-bot");
    world
        .add_org("acme", &["alice", "erin"])
        .add_repo(REPO)
        .add_collaborator(REPO, "alice", Permission::Admin)
        .add_collaborator(REPO, "tess", Permission::Triage);
    world.add_user("mallory");
    world.add_milestone(REPO, "v1");
    world.open_pull_request(
        REPO,
        "mallory",
        "feature",
        "Add a thing",
        &[("a.go", "x\n")],
    );
    world.outbox.clear();
    GitHubStandIn::start(world).await.unwrap()
}

async fn call(
    standin: &GitHubStandIn,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", standin.url()))
        .header("authorization", format!("token {token}"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// `event:action by sender` of each queued webhook, taking them.
fn events(standin: &GitHubStandIn) -> Vec<String> {
    std::mem::take(&mut standin.world().outbox)
        .iter()
        .map(|d| {
            let p = d.payload();
            format!(
                "{}:{} by {}",
                d.event,
                p["action"].as_str().unwrap_or("-"),
                p["sender"]["login"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// `method path` below `/repos/{REPO}/` as the user `token` names.
async fn call_repo(
    standin: &GitHubStandIn,
    request: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let (method, path) = request.split_once(' ').expect("`METHOD path`");
    let path = format!("/repos/{REPO}/{path}");
    call(standin, method, &path, token, body).await
}

/// Makes each `(METHOD path, token, body)` call in turn, asserting GitHub refuses it for want
/// of permission.
async fn assert_refused(standin: &GitHubStandIn, calls: Vec<(&str, &str, Value)>) {
    let forbidden = (403, Some("Must have admin rights to Repository."));
    for (request, token, body) in calls {
        let (status, answer) = call_repo(standin, request, token, body).await;
        let got = (status, answer["message"].as_str());
        assert_eq!(got, forbidden, "{request} as {token}");
    }
}

/// Makes each `(METHOD path, token, body, status)` call in turn, asserting the status it is
/// answered with.
async fn assert_statuses(standin: &GitHubStandIn, calls: Vec<(&str, &str, Value, u16)>) {
    for (request, token, body, expected) in calls {
        let (status, answer) = call_repo(standin, request, token, body).await;
        assert_eq!(status, expected, "{request} as {token}: {answer}");
    }
}

#[tokio::test]
async fn writes_refused_to_users_without_the_permission_github_asks_for() {
    let standin = standin().await;
    let post_status = format!("POST statuses/{}", head_sha(&standin, REPO, 1));
    let assign_alice = json!({"assignees": ["alice"]});
    // An org member who is no collaborator has only read access.
    assert_refused(
        &standin,
        vec![
            ("POST issues/1/labels", "erin", json!(["bug"])),
            ("DELETE issues/1/labels/bug", "mallory", json!(null)),
            ("POST issues/1/assignees", "mallory", assign_alice.clone()),
            ("PATCH issues/1", "erin", json!({"state": "closed"})),
            ("PATCH issues/1", "mallory", json!({"milestone": 1})),
            ("PUT pulls/1/merge", "tess", json!({})),
            (&post_status, "mallory", json!({"state": "success"})),
        ],
    )
    .await;
    let mine = json!({"body": "mine"});
    let (_, comment) = call_repo(&standin, "POST issues/1/comments", "alice", mine).await;
    let edit_comment = format!("PATCH issues/comments/{}", comment["id"].as_u64().unwrap());
    let yours = json!({"body": "yours"});
    assert_refused(&standin, vec![(&edit_comment, "tess", yours)]).await;
    assert!(standin.world().issue(REPO, 1).unwrap().labels.is_empty());

    // Triage is enough to label and assign; the bot needs nothing.
    assert_statuses(
        &standin,
        vec![
            ("POST issues/1/labels", "tess", json!(["bug"]), 200),
            ("POST issues/1/assignees", "tess", assign_alice, 201),
            ("POST issues/1/labels", "ghp_bot", json!(["lgtm"]), 200),
        ],
    )
    .await;
    assert_eq!(
        events(&standin),
        [
            "issue_comment:created by alice",
            "pull_request:labeled by tess",
            "pull_request:assigned by tess",
            "pull_request:labeled by prow-bot",
        ]
    );
}

#[tokio::test]
async fn reviews_edits_and_pull_requests_are_the_callers() {
    let standin = standin().await;
    let own = json!({"event": "APPROVE"});
    let (status, refusal) = call_repo(&standin, "POST pulls/1/reviews", "mallory", own).await;
    assert_eq!(status, 422, "{refusal}");
    assert_eq!(
        refusal["errors"][0]["message"],
        "Can not approve your own pull request"
    );
    let ok = json!({"event": "APPROVE", "body": "ok"});
    let (status, review) = call_repo(&standin, "POST pulls/1/reviews", "alice", ok).await;
    assert_eq!(
        (status, review["user"]["login"].as_str()),
        (200, Some("alice"))
    );
    let (_, me) = call(&standin, "GET", "/user", "alice", json!(null)).await;
    assert_eq!(me["login"], "alice");

    // The author may close their own pull request; reopening by a triager.
    assert_statuses(
        &standin,
        vec![
            ("PATCH pulls/1", "mallory", json!({"state": "closed"}), 200),
            ("PATCH issues/1", "tess", json!({"state": "open"}), 200),
            ("DELETE issues/1/labels/missing", "tess", json!(null), 404),
        ],
    )
    .await;

    // A pull request from a branch already pushed, opened through REST.
    standin
        .world()
        .push(REPO, "topic", "Change", &[("b.go", "y\n")]);
    let open = |head: &str| {
        let body = json!({"title": "Topic", "head": head, "base": "main"});
        call_repo(&standin, "POST pulls", "erin", body)
    };
    let (status, pull) = open("acme:topic").await;
    assert_eq!(status, 201, "{pull}");
    assert_eq!(
        (pull["user"]["login"].as_str(), pull["number"].as_u64()),
        (Some("erin"), Some(2))
    );
    let (status, again) = open("topic").await;
    assert_eq!(status, 422);
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("A pull request already exists"),
        "{again}"
    );
    let no_branch = json!({"title": "T", "head": "nope", "base": "main"});
    assert_statuses(&standin, vec![("POST pulls", "erin", no_branch, 422)]).await;

    assert_eq!(
        events(&standin),
        [
            "pull_request_review:submitted by alice",
            "pull_request:closed by mallory",
            "pull_request:reopened by tess",
            "push:- by prow-bot",
            "pull_request:opened by erin",
        ]
    );
}

#[tokio::test]
async fn bodies_are_read_as_json_whatever_their_content_type_as_github_reads_them() {
    let standin = standin().await;
    // `curl -d '{…}'` sends a form content type; GitHub parses the JSON anyway.
    let response = reqwest::Client::new()
        .post(format!("{}/repos/{REPO}/issues/1/comments", standin.url()))
        .header("authorization", "token alice")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(r#"{"body": "/hold"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(
        standin.world().issue(REPO, 1).unwrap().comments[0].author,
        "alice"
    );
}
