//! No secret in `prow local`'s logs, even at `RUST_LOG=trace`: every function in one process,
//! with the webhook HMAC secret and a GitHub token, takes a signed webhook for a new pull request
//! (hook checks it, trigger asks GitHub and creates the job), runs the job here, and reports it
//! to GitHub (crier); then its stdout and stderr are searched for each secret, as itself or
//! base64-encoded anywhere, and for any JWT.

use github_standin::{GitHubStandIn, World};
use prow_test_harness::secrets::{TracedProcess, jwts, leaks};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const REPO: &str = "acme/widgets";
const HMAC: &str = "hmac-LEAKCHECK-local-3e5f7a";
const TOKEN: &str = "ghp_LEAKCHECKlocal0123456789abcdefghiJ";

fn write_config(dir: &Path) {
    std::fs::write(
        dir.join("config.yaml"),
        "prowjob_namespace: prow\npod_namespace: test-pods\nplank:\n  default_decoration_config_entries:\n  - config:\n      timeout: 5m\n      grace_period: 2s\n      utility_images: {clonerefs: l, initupload: l, entrypoint: l, sidecar: l}\n      gcs_configuration: {bucket: s3://prow-artifacts, path_strategy: explicit}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("jobs.yaml"),
        "presubmits:\n  acme/widgets:\n  - name: unit\n    always_run: true\n    decorate: true\n    spec: {containers: [{image: local, command: [/bin/sh, -c], args: [\"echo tested\"]}]}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("plugins.yaml"),
        "triggers:\n- repos: [acme]\nplugins:\n  acme: {plugins: [trigger]}\n",
    )
    .unwrap();
    std::fs::write(dir.join("hmac"), HMAC).unwrap();
    std::fs::write(dir.join("token"), TOKEN).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_or_webhook_secret_in_prow_locals_trace_log() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice", "prow-bot"]);
    world.add_repo(REPO);
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let port = crate::free_port();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_prow"));
    command
        .arg("local")
        .arg(format!("--config-path={}", path("config.yaml")))
        .arg(format!("--job-config-path={}", path("jobs.yaml")))
        .arg(format!("--plugin-config={}", path("plugins.yaml")))
        .arg(format!("--hmac-secret-file={}", path("hmac")))
        .arg(format!("--github-token-path={}", path("token")))
        .arg(format!("--github-endpoint={}", standin.url()))
        .arg(format!("--state-dir={}", path("state")))
        .arg(format!("--address=127.0.0.1:{port}"));
    let running = TracedProcess::start(command, dir.path(), port).unwrap();

    let pr = standin.world().open_pull_request(
        REPO,
        "alice",
        "feature",
        "A change",
        &[("a.txt", "a\n")],
    );
    let head = standin
        .world()
        .issue(REPO, pr)
        .unwrap()
        .pull
        .clone()
        .unwrap()
        .head_sha;
    for (delivery, status) in standin
        .deliver_pending(&format!("http://127.0.0.1:{port}/hook"), HMAC.as_bytes())
        .await
        .unwrap()
    {
        assert_eq!(status, 200, "{}", delivery.event);
    }
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let state = standin
            .world()
            .combined_statuses(REPO, &head)
            .into_iter()
            .find(|s| s.context == "unit")
            .map(|s| s.state);
        if state.as_deref() == Some("success") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the job's success was not reported: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let log = running.finish().unwrap();
    let leaked = leaks(
        &log,
        &[("the GitHub token", TOKEN), ("the HMAC secret", HMAC)],
    );
    assert!(leaked.is_empty(), "secrets in the log: {leaked:?}");
    assert_eq!(jwts(&log), Vec::<String>::new(), "a signed JWT in the log");
}
