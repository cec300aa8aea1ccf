//! No secret in crier's logs, even at `RUST_LOG=trace`: the crier process, with its ProwJobs in
//! the test control plane (a bearer token in its kubeconfig), a GitHub token and a Slack token,
//! reports a finished job to the GitHub stand-in and to a Slack stand-in; then its stdout and
//! stderr are searched for each secret, as itself or base64-encoded anywhere, and for any JWT.

use crate::support::standin_with_pull;
use axum::extract::State;
use axum::http::HeaderMap;
use prow_api::ProwJob;
use prow_test_harness::kube::{create_prowjob, list_prowjobs};
use prow_test_harness::process::{FileDir, KubeNamespace, assert_no_secrets, post_event_over_http};
use prow_test_harness::secrets::{TracedProcess, kubeconfig_token};
use prow_test_harness::standin_world::REPO;
use std::process::Command;
use std::sync::{Arc, Mutex};

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
    let Some(kube) = KubeNamespace::create("crier-secrets").await.unwrap() else {
        return;
    };
    let namespace = &kube.name;
    let (standin, pull, pr) = standin_with_pull("A change", ("a.go", "a")).await;
    let (slack_url, slack_auth) = slack().await;
    let job = create_prowjob(
        &kube.client,
        namespace,
        &finished_presubmit(pull, &pr.head_sha, &pr.base_sha),
    )
    .await
    .unwrap();

    let dir = FileDir::new().unwrap();
    let config = dir
        .file(
            "config.yaml",
            &format!(
                "prowjob_namespace: {namespace}\nslack_reporter_configs:\n  '*':\n    job_types_to_report: [presubmit]\n    job_states_to_report: [success]\n    channel: ci\n"
            ),
        )
        .unwrap();
    let token = dir.file("token", GITHUB_TOKEN).unwrap();
    let slack_token = dir.file("slack", SLACK_TOKEN).unwrap();
    let port = prow_test_harness::free_port().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_crier"));
    command
        .arg(format!("--config-path={config}"))
        .arg(format!("--github-token-path={token}"))
        .arg(format!("--github-endpoint={}", standin.url()))
        .arg("--github-workers=1")
        .arg("--slack-workers=1")
        .arg(format!("--slack-token-file={slack_token}"))
        .arg(format!("--slack-endpoint={slack_url}"))
        .env("KUBECONFIG", kube.env.kubeconfig());
    let running = TracedProcess::start(command, dir.path(), port).unwrap();

    // The job's ApiServerSource event: crier reads the job (kube), reports it (GitHub, Slack)
    // and records that it did (kube).
    let event = prow_test_harness::events::prowjob_update_event(&job).unwrap();
    let (status, body) = post_event_over_http(&format!("http://127.0.0.1:{port}/"), &event)
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
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
    let recorded = list_prowjobs(&kube.client, namespace).await.unwrap();
    assert_eq!(recorded[0].status.prev_report_states.len(), 2, "recorded");

    let log = running.finish().unwrap();
    let kube_token = kubeconfig_token(kube.env.kubeconfig()).unwrap();
    assert_no_secrets(
        &log,
        &[
            ("the GitHub token", GITHUB_TOKEN),
            ("the Slack token", SLACK_TOKEN),
            ("the Kubernetes bearer token", &kube_token),
        ],
    );
}
