//! REST calls act as the user their token names: what they write is theirs, the webhooks it
//! sends carry them as sender, and GitHub's refusals apply to them (not to the bot).

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

#[tokio::test]
async fn writes_refused_to_users_without_the_permission_github_asks_for() {
    let standin = standin().await;
    let forbidden = (403, Some("Must have admin rights to Repository."));
    let refused =
        |(status, body): (u16, Value)| (status, body["message"].as_str().map(str::to_string));
    let expect = |got: (u16, Option<String>)| assert_eq!((got.0, got.1.as_deref()), forbidden);
    // An org member who is no collaborator has only read access.
    expect(refused(
        call(
            &standin,
            "POST",
            &format!("/repos/{REPO}/issues/1/labels"),
            "erin",
            json!(["bug"]),
        )
        .await,
    ));
    expect(refused(
        call(
            &standin,
            "DELETE",
            &format!("/repos/{REPO}/issues/1/labels/bug"),
            "mallory",
            json!(null),
        )
        .await,
    ));
    expect(refused(
        call(
            &standin,
            "POST",
            &format!("/repos/{REPO}/issues/1/assignees"),
            "mallory",
            json!({"assignees": ["alice"]}),
        )
        .await,
    ));
    expect(refused(
        call(
            &standin,
            "PATCH",
            &format!("/repos/{REPO}/issues/1"),
            "erin",
            json!({"state": "closed"}),
        )
        .await,
    ));
    expect(refused(
        call(
            &standin,
            "PATCH",
            &format!("/repos/{REPO}/issues/1"),
            "mallory",
            json!({"milestone": 1}),
        )
        .await,
    ));
    expect(refused(
        call(
            &standin,
            "PUT",
            &format!("/repos/{REPO}/pulls/1/merge"),
            "tess",
            json!({}),
        )
        .await,
    ));
    let head = standin
        .world()
        .issue(REPO, 1)
        .unwrap()
        .pull
        .clone()
        .unwrap()
        .head_sha;
    expect(refused(
        call(
            &standin,
            "POST",
            &format!("/repos/{REPO}/statuses/{head}"),
            "mallory",
            json!({"state": "success"}),
        )
        .await,
    ));
    let (_, comment) = call(
        &standin,
        "POST",
        &format!("/repos/{REPO}/issues/1/comments"),
        "alice",
        json!({"body": "mine"}),
    )
    .await;
    let id = comment["id"].as_u64().unwrap();
    expect(refused(
        call(
            &standin,
            "PATCH",
            &format!("/repos/{REPO}/issues/comments/{id}"),
            "tess",
            json!({"body": "yours"}),
        )
        .await,
    ));
    assert!(standin.world().issue(REPO, 1).unwrap().labels.is_empty());

    // Triage is enough to label and assign; the bot needs nothing.
    assert_eq!(
        call(
            &standin,
            "POST",
            &format!("/repos/{REPO}/issues/1/labels"),
            "tess",
            json!(["bug"])
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &standin,
            "POST",
            &format!("/repos/{REPO}/issues/1/assignees"),
            "tess",
            json!({"assignees": ["alice"]})
        )
        .await
        .0,
        201
    );
    assert_eq!(
        call(
            &standin,
            "POST",
            &format!("/repos/{REPO}/issues/1/labels"),
            "ghp_bot",
            json!(["lgtm"])
        )
        .await
        .0,
        200
    );
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
    let (status, refusal) = call(
        &standin,
        "POST",
        &format!("/repos/{REPO}/pulls/1/reviews"),
        "mallory",
        json!({"event": "APPROVE"}),
    )
    .await;
    assert_eq!(status, 422, "{refusal}");
    assert_eq!(
        refusal["errors"][0]["message"],
        "Can not approve your own pull request"
    );
    let (status, review) = call(
        &standin,
        "POST",
        &format!("/repos/{REPO}/pulls/1/reviews"),
        "alice",
        json!({"event": "APPROVE", "body": "ok"}),
    )
    .await;
    assert_eq!(
        (status, review["user"]["login"].as_str()),
        (200, Some("alice"))
    );
    let (_, me) = call(&standin, "GET", "/user", "alice", json!(null)).await;
    assert_eq!(me["login"], "alice");

    // The author may close their own pull request; reopening by a triager.
    assert_eq!(
        call(
            &standin,
            "PATCH",
            &format!("/repos/{REPO}/pulls/1"),
            "mallory",
            json!({"state": "closed"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &standin,
            "PATCH",
            &format!("/repos/{REPO}/issues/1"),
            "tess",
            json!({"state": "open"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &standin,
            "DELETE",
            &format!("/repos/{REPO}/issues/1/labels/missing"),
            "tess",
            json!(null)
        )
        .await
        .0,
        404
    );

    // A pull request from a branch already pushed, opened through REST.
    standin
        .world()
        .push(REPO, "topic", "Change", &[("b.go", "y\n")]);
    let (status, pull) = call(
        &standin,
        "POST",
        &format!("/repos/{REPO}/pulls"),
        "erin",
        json!({"title": "Topic", "head": "acme:topic", "base": "main"}),
    )
    .await;
    assert_eq!(status, 201, "{pull}");
    assert_eq!(
        (pull["user"]["login"].as_str(), pull["number"].as_u64()),
        (Some("erin"), Some(2))
    );
    let (status, again) = call(
        &standin,
        "POST",
        &format!("/repos/{REPO}/pulls"),
        "erin",
        json!({"title": "Topic", "head": "topic", "base": "main"}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("A pull request already exists"),
        "{again}"
    );
    assert_eq!(
        call(
            &standin,
            "POST",
            &format!("/repos/{REPO}/pulls"),
            "erin",
            json!({"title": "T", "head": "nope", "base": "main"})
        )
        .await
        .0,
        422
    );

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
