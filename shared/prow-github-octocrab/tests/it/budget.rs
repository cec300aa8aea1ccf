//! The budget governor against the stand-in's rate limit: shares by priority, GitHub's secondary
//! limits waited out for reads and never blindly repeated for a POST, a spent window deferred.

use github_standin::{GitHubStandIn, World};
use prow_github_octocrab::{Credentials, GitHubOptions, OctocrabGitHub, Priority};
use prow_metrics::Metrics;
use prow_ports::clock::SystemClock;
use prow_ports::github::{GitHubClient, GitHubError, IssueNumber, RepoRef};

/// The stand-in's demo world: example-org/app with alice's pull request #1.
fn world() -> World {
    github_standin::cli::demo_world(None)
}

fn client(standin: &GitHubStandIn, priority: Priority, metrics: &Metrics) -> OctocrabGitHub {
    OctocrabGitHub::new(
        GitHubOptions {
            priority,
            ..GitHubOptions::new(
                &standin.url(),
                Credentials::Token("ghp_budget".into()),
                "test",
                SystemClock::shared(),
            )
        },
        metrics,
    )
    .unwrap()
}

fn calls_to(standin: &GitHubStandIn, method: &str, path: &str) -> usize {
    standin
        .calls()
        .iter()
        .filter(|c| c.method == method && c.uri.starts_with(path))
        .count()
}

#[tokio::test]
async fn a_sweep_stops_at_its_reserve_while_replies_go_on() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let repo = RepoRef::new("example-org", "app");
    let metrics = Metrics::new("test");
    let sweep = client(&standin, Priority::Sweep, &metrics);
    // The first answer tells the governor the window: plenty left.
    sweep.is_member("example-org", "alice").await.unwrap();
    // Most of the window is then spent elsewhere (another component with the same token).
    standin.world().rate_limit_remaining = 1_200;
    sweep.is_member("example-org", "alice").await.unwrap();
    let sent = standin.calls().len();
    let deferred = sweep.pull_request(&repo, IssueNumber(1)).await.unwrap_err();
    assert!(
        matches!(&deferred, GitHubError::Deferred { reason, .. } if reason == "sweep priority, reserve"),
        "{deferred:?}"
    );
    assert_eq!(standin.calls().len(), sent, "a deferred call is not sent");
    // A webhook's reply with the same token still goes.
    let reply = sweep.with_priority(Priority::Interactive);
    assert_eq!(
        reply
            .pull_request(&repo, IssueNumber(1))
            .await
            .unwrap()
            .number,
        1
    );
    let ledger = metrics.encode();
    assert!(
        ledger.contains(
            "github_budget_deferred_total{component=\"test\",priority=\"sweep\",hold=\"reserve\"} 1"
        ),
        "{ledger}"
    );
}

#[tokio::test]
async fn a_secondary_limit_is_waited_out_for_a_read_and_never_repeated_for_a_post() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let repo = RepoRef::new("example-org", "app");
    let metrics = Metrics::new("test");
    let github = client(&standin, Priority::Interactive, &metrics);

    standin
        .world()
        .limit_next("GET", "/repos/example-org/app/pulls/1", 1, 1);
    let pull = github.pull_request(&repo, IssueNumber(1)).await.unwrap();
    assert_eq!(pull.number, 1);
    assert_eq!(
        calls_to(&standin, "GET", "/repos/example-org/app/pulls/1"),
        2,
        "refused once, sent again after retry-after"
    );
    assert!(
        metrics.encode().contains(
            "github_budget_waits_total{component=\"test\",priority=\"interactive\",hold=\"secondary_limit\"} 1"
        ),
        "{}",
        metrics.encode()
    );

    standin
        .world()
        .limit_next("POST", "/repos/example-org/app/issues/1/comments", 1, 1);
    let refused = github
        .create_comment(&repo, IssueNumber(1), "/lgtm")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, GitHubError::RateLimited { .. }),
        "{refused:?}"
    );
    assert_eq!(
        calls_to(&standin, "POST", "/repos/example-org/app/issues/1/comments"),
        1,
        "a POST is not repeated by the client: its event is redelivered instead"
    );
    let comments = standin
        .world()
        .repos
        .get("example-org/app")
        .and_then(|r| r.issues.get(&1))
        .map(|i| i.comments.len());
    assert_eq!(comments, Some(0), "nothing was posted");
}

#[tokio::test]
async fn a_spent_window_is_not_asked_again_until_it_resets() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let repo = RepoRef::new("example-org", "app");
    let metrics = Metrics::new("test");
    let github = client(&standin, Priority::Interactive, &metrics);
    github.is_member("example-org", "alice").await.unwrap();
    standin.world().rate_limit_remaining = 0;
    let refused = github
        .pull_request(&repo, IssueNumber(1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            GitHubError::RateLimited { .. } | GitHubError::Deferred { .. }
        ),
        "{refused:?}"
    );
    let sent = standin.calls().len();
    // The window resets in an hour: no call of any priority is sent meanwhile.
    for priority in [Priority::Interactive, Priority::Sync, Priority::Sweep] {
        let error = github
            .with_priority(priority)
            .pull_request(&repo, IssueNumber(1))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, GitHubError::Deferred { reason, .. } if reason.ends_with("exhausted")),
            "{priority:?}: {error:?}"
        );
    }
    assert_eq!(standin.calls().len(), sent);
}
