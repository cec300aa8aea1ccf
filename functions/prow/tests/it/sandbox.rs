//! The README's sandbox, as a person would use it: the GitHub stand-in run standalone from the
//! example world file (`tests/github-standin/examples/world.yaml`), delivering signed webhooks
//! to the real `prow local` binary configured from `knative/config/`, and people acting through
//! the stand-in's REST API with their own tokens. A pull request by an outsider, `/ok-to-test`
//! by a member, `/lgtm` by an OWNERS reviewer, `/approve` by an OWNERS approver, `/hold` and
//! `/hold cancel`, ends with the labels upstream's plugins set and the approval notifier.

use clap::Parser;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REPO: &str = "example-org/app";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `prow local` process, killed when dropped.
struct ProwLocal(Child);

impl Drop for ProwLocal {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Sandbox {
    github: String,
    http: reqwest::Client,
    _prow: ProwLocal,
    _dir: tempfile::TempDir,
}

impl Sandbox {
    async fn start() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let hmac = dir.path().join("hmac");
        std::fs::write(&hmac, "sandbox-hmac\n").unwrap();
        let bot_token = dir.path().join("bot-token");
        std::fs::write(&bot_token, "ghp_sandbox_bot\n").unwrap();
        let standin_port = prow_test_harness::free_port().unwrap();
        let prow_port = prow_test_harness::free_port().unwrap();
        let root = repo_root();

        let args = github_standin::cli::Args::try_parse_from([
            "github-standin".to_string(),
            "--world".into(),
            root.join("tests/github-standin/examples/world.yaml")
                .display()
                .to_string(),
            "--port".into(),
            standin_port.to_string(),
            "--webhook-url".into(),
            format!("http://127.0.0.1:{prow_port}/hook"),
            "--hmac-secret-file".into(),
            hmac.display().to_string(),
            "--bot-token-file".into(),
            bot_token.display().to_string(),
        ])
        .unwrap();
        tokio::spawn(async move {
            if let Err(error) = github_standin::cli::run(args).await {
                eprintln!("the stand-in stopped: {error:#}");
            }
        });
        let github = format!("http://127.0.0.1:{standin_port}");
        let config = root.join("knative/config");
        // The stand-in serves no git: jobs clone from an empty folder, and fail at once.
        let clones = dir.path().join("clones");
        std::fs::create_dir_all(&clones).unwrap();
        let prow = Command::new(env!("CARGO_BIN_EXE_prow"))
            .arg("local")
            .args(["--github-endpoint", &github])
            .arg("--github-token-path")
            .arg(&bot_token)
            .arg("--hmac-secret-file")
            .arg(&hmac)
            .arg("--config-path")
            .arg(config.join("config.yaml"))
            .arg("--job-config-path")
            .arg(config.join("jobs"))
            .arg("--plugin-config")
            .arg(config.join("plugins.yaml"))
            .arg("--state-dir")
            .arg(dir.path().join("state"))
            .args(["--address", &format!("127.0.0.1:{prow_port}")])
            .arg("--clone-base-url")
            .arg(&clones)
            .args(["--tick-seconds", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let sandbox = Sandbox {
            github,
            http: reqwest::Client::new(),
            _prow: ProwLocal(prow),
            _dir: dir,
        };
        for url in [
            format!("{}/_standin/world", sandbox.github),
            format!("http://127.0.0.1:{prow_port}/healthz"),
        ] {
            sandbox
                .eventually(&format!("{url} answers"), || {
                    let request = sandbox.http.get(&url);
                    async move { request.send().await.is_ok_and(|r| r.status().is_success()) }
                })
                .await;
        }
        sandbox
    }

    /// Waits until `check` holds (webhooks are delivered in the background), up to a minute.
    async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !check().await {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/{path}", self.github))
            .header("Authorization", "token ghp_sandbox_bot")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// `login` comments `body` on the pull request, with their own token.
    async fn comment(&self, login: &str, number: u64, body: &str) {
        let response = self
            .http
            .post(format!(
                "{}/repos/{REPO}/issues/{number}/comments",
                self.github
            ))
            .header("Authorization", format!("token {login}"))
            .json(&json!({"body": body}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{login} commenting {body:?}");
    }

    async fn labels(&self, number: u64) -> Vec<String> {
        let labels = self
            .get(&format!("repos/{REPO}/issues/{number}/labels"))
            .await;
        let mut names: Vec<String> = labels
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    }

    /// The bot's comments on the pull request, oldest first.
    async fn bot_comments(&self, number: u64) -> Vec<String> {
        self.get(&format!("repos/{REPO}/issues/{number}/comments"))
            .await
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["user"]["login"] == "prow-bot")
            .map(|c| c["body"].as_str().unwrap().to_string())
            .collect()
    }

    async fn until_labels(&self, number: u64, what: &str, wanted: impl Fn(&[String]) -> bool) {
        self.eventually(what, || async { wanted(&self.labels(number).await) })
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outsiders_pull_request_is_tested_reviewed_approved_and_held_through_prow_local() {
    let sandbox = Sandbox::start().await;

    // mallory, no member of example-org, opens a pull request (as git would, through the driver).
    let opened: Value = sandbox
        .http
        .post(format!("{}/_standin/pulls", sandbox.github))
        .json(&json!({
            "repo": REPO, "author": "mallory", "head": "docs", "title": "Document the greeting",
            "files": {"docs/greeting.md": "Says hello.\n"},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let number = opened["number"].as_u64().unwrap();
    let head = opened["head_sha"].as_str().unwrap().to_string();

    // trigger asks a member to vouch for it, and runs nothing; size labels it.
    sandbox
        .until_labels(number, "needs-ok-to-test and a size", |l| {
            l.iter().any(|l| l == "needs-ok-to-test") && l.iter().any(|l| l.starts_with("size/"))
        })
        .await;
    sandbox
        .eventually(
            "trigger welcomes mallory and asks for /ok-to-test",
            || async {
                sandbox.bot_comments(number).await.iter().any(|c| {
                    c.contains("Hi @mallory. Thanks for your PR.") && c.contains("/ok-to-test")
                })
            },
        )
        .await;
    let status = sandbox
        .get(&format!("repos/{REPO}/commits/{head}/status"))
        .await;
    // tide, pinged on its own clock, may already say the pull request is not mergeable; no job
    // may have reported.
    let job_contexts: Vec<&Value> = status["statuses"]
        .as_array()
        .map(|s| s.iter().filter(|s| s["context"] != "tide").collect())
        .unwrap_or_default();
    assert!(
        job_contexts.is_empty(),
        "nothing ran before /ok-to-test: {job_contexts:?}"
    );

    // The author cannot LGTM their own pull request.
    sandbox.comment("mallory", number, "/lgtm").await;
    sandbox
        .eventually("the bot refuses mallory's /lgtm", || async {
            sandbox
                .bot_comments(number)
                .await
                .iter()
                .any(|c| c.contains("you cannot LGTM your own PR"))
        })
        .await;

    // alice, a member, vouches: the jobs run and report on the head commit.
    sandbox.comment("alice", number, "/ok-to-test").await;
    sandbox
        .until_labels(number, "ok-to-test replaces needs-ok-to-test", |l| {
            l.iter().any(|l| l == "ok-to-test") && !l.iter().any(|l| l == "needs-ok-to-test")
        })
        .await;
    sandbox
        .eventually("pull-app-unit reports on the head", || async {
            let status = sandbox
                .get(&format!("repos/{REPO}/commits/{head}/status"))
                .await;
            status["statuses"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s["context"] == "pull-app-unit"))
        })
        .await;

    // bob, a reviewer in OWNERS, LGTMs; alice, an approver through OWNERS_ALIASES, approves.
    sandbox.comment("bob", number, "/lgtm").await;
    sandbox
        .until_labels(number, "lgtm", |l| l.iter().any(|l| l == "lgtm"))
        .await;
    sandbox.comment("alice", number, "/approve").await;
    sandbox
        .until_labels(number, "approved", |l| l.iter().any(|l| l == "approved"))
        .await;
    sandbox
        .eventually("the approval notifier says APPROVED", || async {
            sandbox.bot_comments(number).await.iter().any(|c| {
                c.starts_with("[APPROVALNOTIFIER] This PR is **APPROVED**") && c.contains("alice")
            })
        })
        .await;

    // alice holds it, then lets it go.
    sandbox.comment("alice", number, "/hold").await;
    sandbox
        .until_labels(number, "do-not-merge/hold", |l| {
            l.iter().any(|l| l == "do-not-merge/hold")
        })
        .await;
    sandbox.comment("alice", number, "/hold cancel").await;
    sandbox
        .until_labels(number, "the hold is gone", |l| {
            !l.iter().any(|l| l == "do-not-merge/hold")
        })
        .await;

    let labels = sandbox.labels(number).await;
    assert_eq!(labels, ["approved", "lgtm", "ok-to-test", "size/XS"]);
    // One approval notifier, kept up to date in place.
    let notifiers = sandbox
        .bot_comments(number)
        .await
        .into_iter()
        .filter(|c| c.starts_with("[APPROVALNOTIFIER]"))
        .count();
    assert_eq!(notifiers, 1);
}
