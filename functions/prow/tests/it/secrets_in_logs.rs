//! No secret in `prow local`'s logs, even at `RUST_LOG=trace`: every function in one process,
//! with the webhook HMAC secret and a GitHub token, takes a signed webhook for a new pull request
//! (hook checks it, trigger asks GitHub and creates the job), runs the job here, and reports it
//! to GitHub (crier); then its stdout and stderr are searched for each secret, as itself or
//! base64-encoded anywhere, and for any JWT.

use crate::local_restart::{local_command, open_and_deliver, write_config};
use github_standin::GitHubStandIn;
use prow_test_harness::process::assert_no_secrets;
use prow_test_harness::secrets::TracedProcess;
use prow_test_harness::standin_world::{REPO, acme_widgets};
use std::time::{Duration, Instant};
const HMAC: &str = "hmac-LEAKCHECK-local-3e5f7a";
const TOKEN: &str = "ghp_LEAKCHECKlocal0123456789abcdefghiJ";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_or_webhook_secret_in_prow_locals_trace_log() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "presubmits:\n  acme/widgets:\n  - name: unit\n    always_run: true\n    decorate: true\n    spec: {containers: [{image: local, command: [/bin/sh, -c], args: [\"echo tested\"]}]}\n",
        HMAC,
        TOKEN,
    );
    let standin = GitHubStandIn::start(acme_widgets()).await.unwrap();
    let port = crate::free_port();
    let command = local_command(dir.path(), &standin.url(), port);
    let running = TracedProcess::start(command, dir.path(), port).unwrap();

    let hook = format!("http://127.0.0.1:{port}/hook");
    let head = open_and_deliver(&standin, &hook, HMAC, "A change").await;
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
    assert_no_secrets(
        &log,
        &[("the GitHub token", TOKEN), ("the HMAC secret", HMAC)],
    );
}
