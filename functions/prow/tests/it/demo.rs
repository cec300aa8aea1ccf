//! `prow local --demo`, the README's first command, run as a newcomer runs it: its output shows a
//! job passing and a job failing on a pull request, their statuses and the failure comment.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use std::process::Command;

#[test]
fn the_demo_shows_a_pull_requests_jobs_statuses_and_failure_comment() {
    let state = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_prow"))
        .args(["local", "--demo", "--exit-when-done"])
        .arg(format!("--state-dir={}", state.path().display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "alice (an org member) opened PR #1 on demo-org/hello",
        "job unit-tests: started as a local process",
        "job unit-tests: finished, success",
        "job lint: finished, failure",
        "status unit-tests on the PR head: success (Job succeeded.)",
        "status lint on the PR head: failure (Job failed.)",
        "comment by the bot on PR #1:",
        "@alice: The following test **failed**",
        "`/test lint`",
        "done: unit-tests passed, lint failed",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    let log = std::fs::read_dir(
        state
            .path()
            .join("artifacts/prow-artifacts/pr-logs/pull/demo-org_hello/1/lint"),
    )
    .unwrap()
    .filter_map(Result::ok)
    .find(|e| e.path().is_dir())
    .map(|e| std::fs::read_to_string(e.path().join("build-log.txt")).unwrap())
    .unwrap();
    assert!(log.contains("line is 142 characters long"), "{log}");
}
