//! No secret in crier's logs, even at `RUST_LOG=trace`: the crier process, with its ProwJobs in
//! the test control plane (a bearer token in its kubeconfig), a GitHub token and a Slack token,
//! reports a finished job to the GitHub stand-in and to a Slack stand-in; then its stdout and
//! stderr are searched for each secret, as itself or base64-encoded anywhere, and for any JWT.

use axum::extract::State;
use axum::http::HeaderMap;
use github_standin::{GitHubStandIn, World};
use prow_api::ProwJob;
use prow_test_harness::KubeTestEnv;
use prow_test_harness::kube::{create_namespace, create_prowjob, list_prowjobs};
use prow_test_harness::secrets::{TracedProcess, jwts, kubeconfig_token, leaks};
use std::process::Command;
use std::sync::{Arc, Mutex};

const REPO: &str = "acme/widgets";
const GITHUB_TOKEN: &str = "ghp_LEAKCHECKcrier0123456789abcdefXYZ";
const SLACK_TOKEN: &str = "xoxb-LEAKCHECK-1234567890-crier-token";

/// A Slack stand-in: `chat.postMessage` answers ok and records the Authorization header.
async fn slack() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let app = axum::Router::new()
        .route(
            "/chat.postMessage",
            axum::routing::post(
                |State(seen): State<Arc<Mutex<Vec<String>>>>, headers: HeaderMap| async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    seen.lock().unwrap().push(auth);
                    axum::Json(serde_json::json!({"ok": true}))
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), seen)
}

fn finished_presubmit(pull: u64, head: &str, base: &str) -> ProwJob {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "prow.k8s.io/v1", "kind": "ProwJob",
        "metadata": {"name": "unit-leakcheck", "labels": {
            "prow.k8s.io/refs.org": "acme", "prow.k8s.io/refs.repo": "widgets",
            "prow.k8s.io/refs.pull": pull.to_string(), "prow.k8s.io/is-optional": "false"}},
        "spec": {"type": "presubmit", "job": "unit", "report": true, "context": "unit",
            "agent": "kubernetes", "rerun_command": "/test unit",
            "refs": {"org": "acme", "repo": "widgets", "base_ref": "main", "base_sha": base,
                     "pulls": [{"number": pull, "author": "alice", "sha": head}]}},
        "status": {"state": "success", "description": "Job succeeded.",
            "startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:05:00Z",
            "url": "https://prow.example.com/view/s3/logs/unit-leakcheck"}
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_kube_github_or_slack_token_in_criers_trace_log() {
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let client = env.client().await.unwrap();
    let namespace = create_namespace(&client, "crier-secrets").await.unwrap();
    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice", "prow-bot"]);
    world.add_repo(REPO);
    let pull = world.open_pull_request(REPO, "alice", "feature", "A change", &[("a.go", "a")]);
    let pr = world.issue(REPO, pull).unwrap().pull.clone().unwrap();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let (slack_url, slack_auth) = slack().await;
    let job = create_prowjob(
        &client,
        &namespace,
        &finished_presubmit(pull, &pr.head_sha, &pr.base_sha),
    )
    .await
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        format!(
            "prowjob_namespace: {namespace}\nslack_reporter_configs:\n  '*':\n    job_types_to_report: [presubmit]\n    job_states_to_report: [success]\n    channel: ci\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("token"), GITHUB_TOKEN).unwrap();
    std::fs::write(dir.path().join("slack"), SLACK_TOKEN).unwrap();
    let port = prow_test_harness::free_port().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_crier"));
    command
        .arg(format!(
            "--config-path={}",
            dir.path().join("config.yaml").display()
        ))
        .arg(format!(
            "--github-token-path={}",
            dir.path().join("token").display()
        ))
        .arg(format!("--github-endpoint={}", standin.url()))
        .arg("--github-workers=1")
        .arg("--slack-workers=1")
        .arg(format!(
            "--slack-token-file={}",
            dir.path().join("slack").display()
        ))
        .arg(format!("--slack-endpoint={slack_url}"))
        .env("KUBECONFIG", env.kubeconfig());
    let running = TracedProcess::start(command, dir.path(), port).unwrap();

    // The job's ApiServerSource event: crier reads the job (kube), reports it (GitHub, Slack)
    // and records that it did (kube).
    let event = prow_test_harness::events::prowjob_update_event(&job).unwrap();
    let (headers, body) = prow_runtime::cloudevents::to_http(&event).unwrap();
    let answer = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/"))
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    let states: Vec<String> = standin
        .world()
        .combined_statuses(REPO, &pr.head_sha)
        .into_iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(states, ["success"], "reported to GitHub with the token");
    assert_eq!(
        *slack_auth.lock().unwrap(),
        [format!("Bearer {SLACK_TOKEN}")],
        "reported to Slack with the token"
    );
    let recorded = list_prowjobs(&client, &namespace).await.unwrap();
    assert_eq!(recorded[0].status.prev_report_states.len(), 2, "recorded");

    let log = running.finish().unwrap();
    let kube_token = kubeconfig_token(env.kubeconfig()).unwrap();
    let leaked = leaks(
        &log,
        &[
            ("the GitHub token", GITHUB_TOKEN),
            ("the Slack token", SLACK_TOKEN),
            ("the Kubernetes bearer token", &kube_token),
        ],
    );
    assert!(leaked.is_empty(), "secrets in the log: {leaked:?}");
    assert_eq!(jwts(&log), Vec::<String>::new(), "a signed JWT in the log");
}
