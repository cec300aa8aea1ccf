//! GitHub misbehaving, on demand (the stand-in's fault injection), against the real client over
//! HTTP: what is sent again, what is not, and what the caller sees. A read or an idempotent write
//! survives up to three 5xx answers and a short secondary rate limit; a comment is never posted
//! twice; a slow GitHub is waited for.

use crate::standin::{client, world};
use github_standin::GitHubStandIn;
use prow_metrics::Metrics;
use prow_ports::github::{GitHubClient, GitHubError, IssueNumber, RepoRef, Sha, Status};
use std::time::{Duration, Instant};

fn repo() -> RepoRef {
    RepoRef::new("acme", "widgets")
}

fn calls_to(standin: &GitHubStandIn, method: &str, path: &str) -> Vec<u16> {
    standin
        .calls()
        .iter()
        .filter(|c| c.method == method && c.uri.contains(path))
        .map(|c| c.status)
        .collect()
}

#[tokio::test]
async fn each_fault_kind_is_survived_where_resending_is_safe_and_never_duplicates_a_comment() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let metrics = Metrics::new("test");
    let github = client(&standin, false, &metrics);
    let head = standin.world().repo("acme/widgets").unwrap().issues[&1]
        .pull
        .as_ref()
        .unwrap()
        .head_sha
        .clone();
    let sha = Sha::new(head);
    let status = Status {
        state: "pending".into(),
        target_url: String::new(),
        description: "Job triggered.".into(),
        context: "unit".into(),
    };
    let mut table = Vec::new();

    // Reads: 500, 502 and 503 up to three times in a row are survived.
    for code in [500, 502, 503] {
        for times in 1..=3 {
            standin
                .world()
                .fail_next("GET", "/issues/1/labels", code, times);
            let labels = github.issue_labels(&repo(), IssueNumber(1)).await;
            assert!(labels.is_ok(), "GET after {times}x {code}: {labels:?}");
            table.push(format!("GET labels, {times}x {code}: survived"));
        }
    }
    // A fourth is not: the caller fails, and its event is redelivered.
    standin.world().fail_next("GET", "/issues/1/labels", 503, 4);
    assert!(github.issue_labels(&repo(), IssueNumber(1)).await.is_err());
    table.push("GET labels, 4x 503: error to the caller (redelivered)".into());

    // A status is set again safely.
    standin.world().fail_next("POST", "/statuses/", 502, 2);
    github.create_status(&repo(), &sha, &status).await.unwrap();
    assert_eq!(calls_to(&standin, "POST", "/statuses/"), [502, 502, 201]);
    table.push("POST status, 2x 502: survived".into());

    // A comment is never posted blindly again: one call, an error, no comment.
    standin
        .world()
        .fail_next("POST", "/issues/1/comments", 502, 1);
    let comment = github
        .create_comment(&repo(), IssueNumber(1), "/retest")
        .await;
    assert!(
        matches!(comment, Err(GitHubError::Api { status: 502, .. })),
        "{comment:?}"
    );
    assert_eq!(calls_to(&standin, "POST", "/issues/1/comments"), [502]);
    assert!(
        standin.world().repo("acme/widgets").unwrap().issues[&1]
            .comments
            .is_empty()
    );
    table.push("POST comment, 1x 502: not resent, error to the caller".into());

    // A secondary rate limit with a short retry-after: a read waits and is sent once more; a
    // comment is not resent and the caller learns until when.
    standin.world().limit_next("GET", "/issues/1/labels", 1, 1);
    let started = Instant::now();
    github.issue_labels(&repo(), IssueNumber(1)).await.unwrap();
    let waited = started.elapsed();
    table.push(format!(
        "GET labels, secondary limit retry-after 1: survived after {} ms",
        waited.as_millis()
    ));
    standin
        .world()
        .limit_next("POST", "/issues/1/comments", 1, 1);
    let limited = github
        .create_comment(&repo(), IssueNumber(1), "/retest")
        .await;
    assert!(
        matches!(
            limited,
            Err(GitHubError::RateLimited { .. } | GitHubError::Deferred { .. })
        ),
        "{limited:?}"
    );
    assert!(
        standin.world().repo("acme/widgets").unwrap().issues[&1]
            .comments
            .is_empty()
    );
    table.push("POST comment, secondary limit: not resent, rate-limited error".into());

    // A slow GitHub (2 s) is waited for.
    standin
        .world()
        .slow_next("GET", "/issues/1/labels", Duration::from_secs(2), 1);
    let started = Instant::now();
    github.issue_labels(&repo(), IssueNumber(1)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(2));
    table.push("GET labels, 2 s late: survived".into());

    eprintln!("GitHub faults, by kind:\n  {}", table.join("\n  "));
}
