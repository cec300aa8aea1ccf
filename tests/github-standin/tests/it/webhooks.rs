//! Webhooks the stand-in sends: one per thing that happens, signed over the exact bytes, with
//! GitHub's headers, and each valid against octokit's schema for its event
//! (`../shared/corpus/github-webhooks/schema.json`).

use crate::support::{approve, head_sha, header, octocrab_as, open_docs_pull, serve_hook};
use axum::http::StatusCode;
use github_standin::{GitHubStandIn, Permission, World, signature};
use octocrab::models::{IssueState, StatusState};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const SECRET: &[u8] = b"It's a Secret to Everybody";

type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// A receiver that checks each delivery as Prow's hook does, and keeps the valid ones.
async fn receiver(received: Received) -> String {
    let (url, _server) = serve_hook(move |headers, body| {
        let header = |name: &str| header(headers, name);
        if header("content-type") != "application/json" || header("x-github-delivery").is_empty() {
            return StatusCode::BAD_REQUEST;
        }
        if header("x-hub-signature-256") != signature(SECRET, body) {
            return StatusCode::FORBIDDEN;
        }
        let payload: serde_json::Value = serde_json::from_slice(body).expect("JSON body");
        received
            .lock()
            .unwrap()
            .push((header("x-github-event"), payload));
        StatusCode::OK
    })
    .await;
    url
}

/// GitHub's webhook schema in the team corpus.
fn schema() -> Option<PathBuf> {
    prow_corpus::path("github-webhooks/schema.json")
}

/// example-org/app with an `lgtm` label and `collaborator` given `permission`, and dave's pull
/// request adding docs: the world and the pull request's number.
fn world_with_pull(collaborator: &str, permission: Permission) -> (World, u64) {
    let mut world = World::new("prow-bot");
    world
        .add_org("example-org", &["alice"])
        .add_repo("example-org/app")
        .add_collaborator("example-org/app", collaborator, permission);
    world.add_label("example-org/app", "lgtm");
    let pr = open_docs_pull(&mut world, "example-org/app");
    (world, pr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_happens_is_delivered_signed_and_valid_against_githubs_schema() {
    let (mut world, pr) = world_with_pull("carol", Permission::Write);
    world.comment("example-org/app", pr, "alice", "/ok-to-test");
    world.push_to_pull_request(
        "example-org/app",
        pr,
        "Fix typo",
        &[("docs/a.md", "hello\n")],
    );
    world.open_issue("example-org/app", "erin", "Flaky test");
    world.push(
        "example-org/app",
        "main",
        "Merge feature",
        &[("README.md", "# app\n")],
    );
    let standin = GitHubStandIn::start(world).await.unwrap();

    // Changes made through the API are events too.
    let client = octocrab_as(&standin, "t");
    client
        .issues("example-org", "app")
        .add_labels(pr, &["lgtm".to_string()])
        .await
        .unwrap();
    let head = head_sha(&standin, "example-org/app", pr);
    client
        .repos("example-org", "app")
        .create_status(head, StatusState::Success)
        .context("pull-app-unit".to_string())
        .description("Job succeeded.".to_string())
        .send()
        .await
        .unwrap();

    let received = Received::default();
    let url = receiver(received.clone()).await;
    let results = standin.deliver_pending(&url, SECRET).await.unwrap();
    let statuses: Vec<u16> = results.iter().map(|(_, status)| *status).collect();
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every delivery accepted: {statuses:?}"
    );
    let ids: std::collections::HashSet<&str> = results.iter().map(|(d, _)| d.id.as_str()).collect();
    assert_eq!(ids.len(), results.len(), "delivery ids are unique");

    let received = received.lock().unwrap().clone();
    let kinds: Vec<String> = received
        .iter()
        .map(|(event, p)| format!("{event}:{}", p["action"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(
        kinds,
        [
            "push:-",
            "pull_request:opened",
            "issue_comment:created",
            "push:-",
            "pull_request:synchronize",
            "issues:opened",
            "push:-",
            "pull_request:labeled",
            "status:-",
        ]
    );
    let comment = &received[2].1;
    assert_eq!(comment["comment"]["body"], "/ok-to-test");
    assert_eq!(
        comment["issue"]["pull_request"]["url"]
            .as_str()
            .map(|u| u.starts_with(&standin.url())),
        Some(true)
    );
    let synchronize = &received[4].1;
    assert_eq!(
        synchronize["pull_request"]["head"]["sha"],
        synchronize["after"]
    );
    assert_eq!(received[7].1["label"]["name"], "lgtm");
    assert_eq!(
        standin.world().outbox.len(),
        0,
        "delivered webhooks leave the outbox"
    );

    validate(&received);
}

/// Checks each payload against octokit's schema for its event (when the corpus is there).
fn validate(received: &[(String, serde_json::Value)]) {
    let Some(schema) = schema() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, (event, payload)) in received.iter().enumerate() {
        let path = dir.path().join(format!("{i:02}-{event}.json"));
        std::fs::write(
            &path,
            serde_json::to_vec(&serde_json::json!({"event": event, "payload": payload})).unwrap(),
        )
        .unwrap();
        files.push(path);
    }
    let output = std::process::Command::new("python3")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/validate_webhooks.py"))
        .arg(&schema)
        .args(&files)
        .output()
        .expect("python3 runs (scripts/setup.sh installs jsonschema)");
    assert!(
        output.status.success(),
        "payloads violate GitHub's schema:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_users_do_through_rest_is_delivered_valid_against_githubs_schema() {
    let (mut world, pr) = world_with_pull("alice", Permission::Admin);
    let issue = world.open_issue("example-org/app", "dave", "Flaky");
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let alice = octocrab_as(&standin, "alice");
    let issues = alice.issues("example-org", "app");
    for number in [pr, issue] {
        issues
            .add_labels(number, &["lgtm".to_string()])
            .await
            .unwrap();
        issues.remove_label(number, "lgtm").await.unwrap();
        issues.add_assignees(number, &["alice"]).await.unwrap();
        issues.remove_assignees(number, &["alice"]).await.unwrap();
        for state in [IssueState::Closed, IssueState::Open] {
            issues.update(number).state(state).send().await.unwrap();
        }
    }
    approve(&alice, "example-org/app", pr, "ok").await;

    let received = Received::default();
    let url = receiver(received.clone()).await;
    standin.deliver_pending(&url, SECRET).await.unwrap();
    let received = received.lock().unwrap().clone();
    let kinds: Vec<String> = received
        .iter()
        .map(|(event, p)| {
            format!(
                "{event}:{}:{}",
                p["action"].as_str().unwrap_or("-"),
                p["sender"]["login"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let per_number = |event: &str| {
        [
            "labeled",
            "unlabeled",
            "assigned",
            "unassigned",
            "closed",
            "reopened",
        ]
        .map(|action| format!("{event}:{action}:alice"))
    };
    let mut expected: Vec<String> = per_number("pull_request").into();
    expected.extend(per_number("issues"));
    expected.push("pull_request_review:submitted:alice".into());
    assert_eq!(kinds, expected);
    validate(&received);
}
