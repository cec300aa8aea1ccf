//! No secret in trigger's logs, even at `RUST_LOG=trace`: the trigger process, with ProwJobs in
//! the test control plane (a bearer token in its kubeconfig), a GitHub token, the webhook HMAC
//! secret and a Pub/Sub push token, starts a presubmit from a signed CloudEvent (checking the
//! signature, asking GitHub, creating the ProwJob) and a periodic from a push that carries the
//! token in its URL, as Pub/Sub's emulator sends it; then its stdout and stderr are searched for
//! each secret, as itself or base64-encoded anywhere, and for any JWT.

use crate::support::{UNIT_AND_NIGHTLY, nightly_push};
use github_standin::GitHubStandIn;
use prow_test_harness::kube::list_prowjobs;
use prow_test_harness::process::{FileDir, KubeNamespace, assert_no_secrets, post_event_over_http};
use prow_test_harness::secrets::{TracedProcess, kubeconfig_token};
use prow_test_harness::standin_world::{REPO, acme_widgets};
use std::process::Command;

const GITHUB_TOKEN: &str = "ghp_LEAKCHECKtrigger0123456789abcdefQ";
const HMAC: &str = "hmac-LEAKCHECK-trigger-51c0de";
const PUSH_TOKEN: &str = "push-LEAKCHECK-trigger-9e8d7c6b";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_kube_github_webhook_or_push_secret_in_triggers_trace_log() {
    let Some(kube) = KubeNamespace::create("trigger-secrets").await.unwrap() else {
        return;
    };
    let namespace = &kube.name;
    let standin = GitHubStandIn::start(acme_widgets()).await.unwrap();

    let dir = FileDir::new().unwrap();
    let file = |name: &str, text: &str| dir.file(name, text).unwrap();
    let config = file(
        "config.yaml",
        &format!(
            "prowjob_namespace: {namespace}\npubsub_triggers:\n- {{project: p, topics: [prow-jobs], allowed_clusters: [\"*\"]}}\n"
        ),
    );
    let jobs = file("jobs.yaml", UNIT_AND_NIGHTLY);
    let plugins = file(
        "plugins.yaml",
        "triggers:\n- repos: [acme]\nplugins:\n  acme: {plugins: [trigger]}\n",
    );
    let hmac = file("hmac", HMAC);
    let token = file("token", GITHUB_TOKEN);
    let push = file("push", PUSH_TOKEN);
    let port = prow_test_harness::free_port().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_trigger"));
    command
        .arg(format!("--config-path={config}"))
        .arg(format!("--job-config-path={jobs}"))
        .arg(format!("--plugin-config={plugins}"))
        .arg(format!("--hmac-secret-file={hmac}"))
        .arg(format!("--github-token-path={token}"))
        .arg(format!("--github-endpoint={}", standin.url()))
        .env("TRIGGER_PUSH_TOKEN_FILE", push)
        .env("KUBECONFIG", kube.env.kubeconfig());
    let running = TracedProcess::start(command, dir.path(), port).unwrap();

    // alice opens a PR: its webhook, as hook forwards it.
    standin
        .world()
        .open_pull_request(REPO, "alice", "feature", "A change", &[("a.go", "a")]);
    let http = reqwest::Client::new();
    let pending: Vec<_> = standin.world().outbox.drain(..).collect();
    for delivery in pending {
        let event = prow_test_harness::events::github_event(
            &delivery.id,
            &delivery.event,
            REPO,
            delivery.body.clone(),
            Some(HMAC.as_bytes()),
        )
        .unwrap();
        let (status, _) = post_event_over_http(&format!("http://127.0.0.1:{port}/"), &event)
            .await
            .unwrap();
        assert_eq!(status, 200, "{}", delivery.event);
    }
    // A Pub/Sub push for the periodic, the token in the URL.
    let push = http
        .post(format!("http://127.0.0.1:{port}/pubsub?token={PUSH_TOKEN}"))
        .json(&nightly_push("leakcheck-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(push.status(), 200);
    let mut created: Vec<String> = list_prowjobs(&kube.client, namespace)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.spec.job)
        .collect();
    created.sort();
    assert_eq!(created, ["nightly", "unit"]);

    let log = running.finish().unwrap();
    let kube_token = kubeconfig_token(kube.env.kubeconfig()).unwrap();
    assert_no_secrets(
        &log,
        &[
            ("the GitHub token", GITHUB_TOKEN),
            ("the HMAC secret", HMAC),
            ("the Pub/Sub push token", PUSH_TOKEN),
            ("the Kubernetes bearer token", &kube_token),
        ],
    );
}
