//! The `github-standin` binary as a sandbox: started with a world file, acting as the user a
//! token names, delivering webhooks in the background (signed, retried), and driven through
//! `/_standin/` for what happens through git.

use crate::support::{header, serve_hook};
use axum::http::StatusCode;
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "sandbox-secret";
const BOT_TOKEN: &str = "ghp_sandbox_bot";
const REPO: &str = "example-org/app";
const OWNERS: &str = "approvers:\n- alice\nreviewers:\n- bob\n";

fn world_yaml() -> String {
    format!(
        r#"
bot: sandbox-bot
users: [alice, bob, mallory]
orgs:
  example-org:
    members: [alice, bob]
repos:
  {REPO}:
    collaborators: {{alice: admin, bob: write}}
    labels: [lgtm]
    branches:
      main:
        files:
          OWNERS: {owners:?}
          OWNERS_ALIASES: "aliases: {{}}\n"
    pulls:
      - {{author: bob, title: Add a greeting, head: greeting, files: {{main.go: "package main\n"}}}}
"#,
        owners = OWNERS
    )
}

/// One webhook the receiver took: its event, delivery id and payload.
#[derive(Clone, Debug)]
struct Received {
    event: String,
    guid: String,
    payload: Value,
}

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    /// How many more deliveries to answer 500.
    fail: Arc<AtomicUsize>,
    /// Deliveries whose signature did not verify.
    forged: Arc<AtomicUsize>,
}

/// The HMAC GitHub sends, computed here independently of the stand-in's own helper.
fn expected_signature(body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Receiver {
    /// Serves `POST /hook` on a free port; its URL.
    async fn start(&self) -> (String, tokio::task::JoinHandle<()>) {
        let receiver = self.clone();
        serve_hook(move |headers, body| {
            let header = |name: &str| header(headers, name);
            if header("x-hub-signature-256") != expected_signature(body) {
                receiver.forged.fetch_add(1, Ordering::SeqCst);
                return StatusCode::FORBIDDEN;
            }
            if receiver
                .fail
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return StatusCode::INTERNAL_SERVER_ERROR;
            }
            receiver.received.lock().unwrap().push(Received {
                event: header("x-github-event"),
                guid: header("x-github-delivery"),
                payload: serde_json::from_slice(body).unwrap(),
            });
            StatusCode::OK
        })
        .await
    }

    /// The first webhook that `matches`, waiting up to five seconds for it.
    async fn wait_for(&self, what: &str, matches: impl Fn(&Received) -> bool) -> Received {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(found) = self.received.lock().unwrap().iter().find(|r| matches(r)) {
                return found.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no {what} webhook arrived; got {:?}",
                self.received
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|r| format!("{}:{}", r.event, r.payload["action"]))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The binary, serving the test world; killed when dropped.
struct Sandbox {
    child: Child,
    url: String,
    http: reqwest::Client,
    receiver_server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.receiver_server.abort();
    }
}

impl Sandbox {
    async fn start(receiver: &Receiver) -> Sandbox {
        let (hook, receiver_server) = receiver.start().await;
        let dir = tempfile::tempdir().unwrap();
        let world = dir.path().join("world.yaml");
        std::fs::write(&world, world_yaml()).unwrap();
        let secret = dir.path().join("hmac");
        std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, BOT_TOKEN).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_github-standin"))
            .arg("--world")
            .arg(&world)
            .args(["--webhook-url", &hook, "--port", "0"])
            .arg("--hmac-secret-file")
            .arg(&secret)
            .arg("--bot-token-file")
            .arg(&token)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read the address it prints, then keep draining so its logs never block it.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("GitHub stand-in at ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| {
                let status = child.try_wait();
                panic!("the stand-in printed no address (exit: {status:?})")
            });
        Sandbox {
            child,
            url,
            http: reqwest::Client::new(),
            receiver_server,
            _dir: dir,
        }
    }

    /// A call with `Authorization: token <token>`; its status and JSON body.
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header("authorization", format!("token {token}"))
            .header("user-agent", "sandbox-test");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).unwrap());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn driver(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call(method, path, "", body).await
    }

    /// `POST` to pull request #1's `what` (`comments`, `labels`) as the user `token` names.
    async fn post_to_pull(&self, what: &str, token: &str, body: Value) -> (u16, Value) {
        let path = format!("/repos/{REPO}/issues/1/{what}");
        self.call("POST", &path, token, Some(body)).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_token_acts_as_the_user_and_the_bot_token_as_the_bot() {
    let receiver = Receiver::default();
    let sandbox = Sandbox::start(&receiver).await;

    let (status, comment) = sandbox
        .post_to_pull("comments", "alice", json!({"body": "/lgtm"}))
        .await;
    assert_eq!(status, 201, "{comment}");
    assert_eq!(comment["user"]["login"], "alice");
    let webhook = receiver
        .wait_for("issue_comment", |r| r.event == "issue_comment")
        .await;
    assert_eq!(webhook.payload["sender"]["login"], "alice");
    assert_eq!(webhook.payload["comment"]["user"]["login"], "alice");
    assert_eq!(webhook.payload["comment"]["body"], "/lgtm");

    let (status, _) = sandbox
        .post_to_pull("labels", BOT_TOKEN, json!(["lgtm"]))
        .await;
    assert_eq!(status, 200);
    let labeled = receiver
        .wait_for("labeled", |r| r.payload["action"] == "labeled")
        .await;
    assert_eq!(labeled.payload["sender"]["login"], "sandbox-bot");
    assert_eq!(labeled.payload["label"]["name"], "lgtm");
    let (_, me) = sandbox.call("GET", "/user", BOT_TOKEN, None).await;
    assert_eq!(
        me["login"], "sandbox-bot",
        "prow learns its identity from /user"
    );

    // mallory is no collaborator: GitHub refuses her labels; a token naming nobody is refused.
    let (status, refusal) = sandbox
        .post_to_pull("labels", "mallory", json!(["lgtm"]))
        .await;
    assert_eq!(
        (status, refusal["message"].as_str()),
        (403, Some("Must have admin rights to Repository."))
    );
    let (status, _) = sandbox.call("GET", "/user", "ghp_wrong", None).await;
    assert_eq!(status, 401);

    let (status, contents) = sandbox
        .call(
            "GET",
            &format!("/repos/{REPO}/contents/OWNERS"),
            BOT_TOKEN,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let encoded = contents["content"].as_str().unwrap().replace('\n', "");
    let owners = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(String::from_utf8(owners).unwrap(), OWNERS);
    assert_eq!(
        receiver.forged.load(Ordering::SeqCst),
        0,
        "every delivery is signed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_driver_opens_a_pull_request_and_pushes_to_it() {
    let receiver = Receiver::default();
    let sandbox = Sandbox::start(&receiver).await;

    let (status, opened) = sandbox
        .driver(
            "POST",
            "/_standin/pulls",
            Some(
                json!({"repo": REPO, "author": "mallory", "head": "docs", "title": "Add docs",
                        "body": "Please", "files": {"docs/a.md": "hi\n"}}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{opened}");
    let number = opened["number"].as_u64().unwrap();
    let webhook = receiver
        .wait_for("pull_request opened", |r| {
            r.payload["action"] == "opened" && r.payload["number"] == number
        })
        .await;
    assert_eq!(webhook.event, "pull_request");
    assert_eq!(webhook.payload["sender"]["login"], "mallory");
    assert_eq!(
        webhook.payload["pull_request"]["head"]["sha"],
        opened["head_sha"]
    );

    let (status, pushed) = sandbox
        .driver(
            "POST",
            "/_standin/push",
            Some(json!({"repo": REPO, "branch": "docs", "author": "mallory",
                        "message": "Fix typo", "files": {"docs/a.md": "hello\n"}})),
        )
        .await;
    assert_eq!(status, 200, "{pushed}");
    assert_eq!(pushed["pull_requests"], json!([number]));
    let synchronize = receiver
        .wait_for("synchronize", |r| r.payload["action"] == "synchronize")
        .await;
    assert_eq!(synchronize.payload["after"], pushed["sha"]);
    assert_eq!(synchronize.payload["before"], opened["head_sha"]);
    assert_eq!(
        synchronize.payload["pull_request"]["head"]["sha"],
        pushed["sha"]
    );

    let (_, world) = sandbox.driver("GET", "/_standin/world", None).await;
    let issues = world["repos"][REPO]["issues"].as_array().unwrap();
    let pull = issues.iter().find(|i| i["number"] == number).unwrap();
    assert_eq!(pull["pull_request"]["head_sha"], pushed["sha"]);

    // Mistakes are 400s and 404s that say what is wrong.
    for (body, expected_status, says) in [
        (
            json!({"repo": REPO, "author": "mallory", "head": "x"}),
            400,
            "missing field `title`",
        ),
        (
            json!({"repo": "nope/nope", "author": "mallory", "head": "x", "title": "t"}),
            404,
            "no repository",
        ),
        (
            json!({"repo": REPO, "author": "zed", "head": "x", "title": "t"}),
            404,
            "no user \"zed\"",
        ),
        (
            json!({"repo": REPO, "author": "bob", "head": "main", "title": "t"}),
            400,
            "is the base branch",
        ),
    ] {
        let (status, refusal) = sandbox.driver("POST", "/_standin/pulls", Some(body)).await;
        assert_eq!(status, expected_status, "{refusal}");
        assert!(
            refusal["message"].as_str().unwrap().contains(says),
            "{refusal}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_answered_500_is_delivered_again() {
    let receiver = Receiver::default();
    receiver.fail.store(1, Ordering::SeqCst);
    let sandbox = Sandbox::start(&receiver).await;

    let (status, _) = sandbox
        .post_to_pull("comments", "bob", json!({"body": "hi"}))
        .await;
    assert_eq!(status, 201);
    let webhook = receiver
        .wait_for("issue_comment", |r| r.event == "issue_comment")
        .await;

    // The stand-in records an attempt once the answer is back, which may be just after the
    // receiver has the webhook: read the log until the second attempt is in it.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, deliveries) = sandbox.driver("GET", "/_standin/deliveries", None).await;
        let attempts: Vec<(u64, Option<u64>)> = deliveries["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["guid"] == webhook.guid.as_str())
            .map(|a| (a["attempt"].as_u64().unwrap(), a["status_code"].as_u64()))
            .collect();
        if attempts.len() < 2 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        assert_eq!(
            attempts,
            [(2, Some(200)), (1, Some(500))],
            "newest first: {deliveries}"
        );
        assert_eq!(deliveries["pending"], 0);
        return;
    }
}
