//! `prow local --demo`, the README's first command, run as a newcomer runs it: its output shows a
//! job passing and a job failing on a pull request, their statuses and the failure comment.

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
    insta::assert_snapshot!("demo_comment_and_summary", what_a_person_reads(&stdout));
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

/// The failure comment as the demo prints it and the closing summary: the parts of the output
/// whose order does not depend on which job finishes first. Ports, SHAs, build ids and the state
/// folder are replaced by placeholders.
fn what_a_person_reads(stdout: &str) -> String {
    let mut kept = Vec::new();
    let mut in_comment = false;
    for line in stdout.lines() {
        if line.contains("comment by the bot on PR #1:") {
            in_comment = true;
            kept.push(line.split_once("] ").map_or(line, |(_, rest)| rest));
            continue;
        }
        if in_comment {
            if line.starts_with("    ") || line.is_empty() {
                kept.push(line);
                continue;
            }
            in_comment = false;
        }
        if ["statuses:", "comments:", "artifacts:", "metrics:", "deck:"]
            .iter()
            .any(|p| line.starts_with(p))
        {
            kept.push(line);
        }
    }
    let text = kept.join("\n");
    let text = regex::Regex::new(r"127\.0\.0\.1:\d+")
        .unwrap()
        .replace_all(&text, "127.0.0.1:[port]");
    let text = regex::Regex::new(r"\b[0-9a-f]{40}\b")
        .unwrap()
        .replace_all(&text, "[sha]");
    let text = regex::Regex::new(r"/(lint|unit-tests)/\d+")
        .unwrap()
        .replace_all(&text, "/$1/[build]");
    regex::Regex::new(r"/tmp/[^/ ]+")
        .unwrap()
        .replace_all(&text, "[state-dir]")
        .into_owned()
}
