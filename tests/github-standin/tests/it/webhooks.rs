//! Webhooks the stand-in sends: one per thing that happens, signed over the exact bytes, with
//! GitHub's headers, and each valid against octokit's schema for its event
//! (`../shared/corpus/github-webhooks/schema.json`).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use github_standin::{GitHubStandIn, Permission, World, signature};
use octocrab::models::StatusState;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const SECRET: &[u8] = b"It's a Secret to Everybody";

type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// A receiver that checks each delivery as Prow's hook does, and keeps the valid ones.
async fn receiver(received: Received) -> String {
    let app =
        Router::new()
            .route(
                "/hook",
                post(
                    |State(received): State<Received>,
                     headers: HeaderMap,
                     body: axum::body::Bytes| async move {
                        let header = |name: &str| {
                            headers
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_string()
                        };
                        if header("content-type") != "application/json"
                            || header("x-github-delivery").is_empty()
                        {
                            return StatusCode::BAD_REQUEST;
                        }
                        if header("x-hub-signature-256") != signature(SECRET, &body) {
                            return StatusCode::FORBIDDEN;
                        }
                        let payload: serde_json::Value =
                            serde_json::from_slice(&body).expect("JSON body");
                        received
                            .lock()
                            .unwrap()
                            .push((header("x-github-event"), payload));
                        StatusCode::OK
                    },
                ),
            )
            .with_state(received);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/hook")
}

fn schema() -> Option<PathBuf> {
    let path = std::env::var_os("PROW_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
        .join("github-webhooks/schema.json");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the webhook schema is missing at {} and CI needs it",
        path.display()
    );
    eprintln!("SKIPPED schema validation: {} not found", path.display());
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_happens_is_delivered_signed_and_valid_against_githubs_schema() {
    let mut world = World::new("prow-bot");
    world
        .add_org("example-org", &["alice"])
        .add_repo("example-org/app")
        .add_collaborator("example-org/app", "carol", Permission::Write);
    world.add_label("example-org/app", "lgtm");
    let pr = world.open_pull_request(
        "example-org/app",
        "dave",
        "feature",
        "Add docs",
        &[("docs/a.md", "hi\n")],
    );
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
    let client = octocrab::Octocrab::builder()
        .base_uri(standin.url())
        .unwrap()
        .personal_token("t".to_string())
        .build()
        .unwrap();
    client
        .issues("example-org", "app")
        .add_labels(pr, &["lgtm".to_string()])
        .await
        .unwrap();
    let head = standin
        .world()
        .issue("example-org/app", pr)
        .unwrap()
        .pull
        .clone()
        .unwrap()
        .head_sha;
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
    let mut world = World::new("prow-bot");
    world
        .add_org("example-org", &["alice"])
        .add_repo("example-org/app")
        .add_collaborator("example-org/app", "alice", Permission::Admin);
    world.add_label("example-org/app", "lgtm");
    let pr = world.open_pull_request(
        "example-org/app",
        "dave",
        "feature",
        "Add docs",
        &[("docs/a.md", "hi\n")],
    );
    let issue = world.open_issue("example-org/app", "dave", "Flaky");
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let alice = octocrab::Octocrab::builder()
        .base_uri(standin.url())
        .unwrap()
        .personal_token("alice".to_string())
        .build()
        .unwrap();
    let issues = alice.issues("example-org", "app");
    for number in [pr, issue] {
        issues
            .add_labels(number, &["lgtm".to_string()])
            .await
            .unwrap();
        issues.remove_label(number, "lgtm").await.unwrap();
        issues.add_assignees(number, &["alice"]).await.unwrap();
        issues.remove_assignees(number, &["alice"]).await.unwrap();
        issues
            .update(number)
            .state(octocrab::models::IssueState::Closed)
            .send()
            .await
            .unwrap();
        issues
            .update(number)
            .state(octocrab::models::IssueState::Open)
            .send()
            .await
            .unwrap();
    }
    let _: serde_json::Value = alice
        .post(
            format!("/repos/example-org/app/pulls/{pr}/reviews"),
            Some(&serde_json::json!({"event": "APPROVE", "body": "ok"})),
        )
        .await
        .unwrap();

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
