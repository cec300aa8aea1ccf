//! Two GitHub clients (two instances of a function, or one before and after it scaled to zero)
//! sharing one Redis cache against the GitHub stand-in.

use github_standin::{GitHubStandIn, World};
use prow_github_octocrab::{Credentials, GitHubOptions, OctocrabGitHub};
use prow_metrics::Metrics;
use prow_ports::clock::SystemClock;
use prow_ports::github::{GitHubClient, IssueNumber, RepoRef};
use prow_ports::github_cache::ResponseCache;
use prow_redis::{RedisOptions, RedisResponseCache};
use prow_test_harness::RedisServer;
use std::sync::Arc;
use std::time::Duration;

/// The stand-in's demo world: example-org/app with alice's pull request #1.
fn world() -> World {
    github_standin::cli::demo_world(None)
}

/// A fresh instance: its own client and metrics, the shared store.
fn instance(standin: &GitHubStandIn, cache: Arc<dyn ResponseCache>) -> (OctocrabGitHub, Metrics) {
    let metrics = Metrics::new("test");
    let github = OctocrabGitHub::new(
        GitHubOptions {
            cache,
            ..GitHubOptions::new(
                &standin.url(),
                Credentials::Token("ghp_shared".into()),
                "trigger",
                SystemClock::shared(),
            )
        },
        &metrics,
    )
    .unwrap();
    (github, metrics)
}

fn redis_cache(server: &RedisServer) -> Arc<dyn ResponseCache> {
    Arc::new(
        RedisResponseCache::new(RedisOptions {
            pause: Duration::from_millis(200),
            ..RedisOptions::new(&server.url())
        })
        .unwrap(),
    )
}

#[tokio::test]
async fn a_read_one_instance_made_is_free_for_the_next_and_an_outage_only_costs_quota() {
    let Some(mut server) = RedisServer::start_or_skip().unwrap() else {
        return;
    };
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let repo = RepoRef::new("example-org", "app");
    let quota = || standin.world().rate_limit_remaining;

    // The first instance pays for the pull request, its files and the org's members.
    let (first, _) = instance(&standin, redis_cache(&server));
    let pull = first.pull_request(&repo, IssueNumber(1)).await.unwrap();
    let files = first
        .pull_request_changes(&repo, IssueNumber(1))
        .await
        .unwrap();
    let before = quota();

    // A new instance (the function scaled to zero in between) reads the same: all 304s.
    let (second, metrics) = instance(&standin, redis_cache(&server));
    assert_eq!(
        second.pull_request(&repo, IssueNumber(1)).await.unwrap(),
        pull
    );
    assert_eq!(
        second
            .pull_request_changes(&repo, IssueNumber(1))
            .await
            .unwrap(),
        files
    );
    assert_eq!(quota(), before, "the second instance's reads cost nothing");
    let ledger = metrics.encode();
    assert!(
        ledger.contains(
            "github_cache_lookups_total{component=\"trigger\",store=\"redis\",result=\"hit\"} 2"
        ),
        "{ledger}"
    );

    // The store goes down: reads are still answered, in full, at full price.
    server.stop();
    let (third, metrics) = instance(&standin, redis_cache(&server));
    for _ in 0..3 {
        assert_eq!(
            third.pull_request(&repo, IssueNumber(1)).await.unwrap(),
            pull
        );
    }
    assert_eq!(quota(), before - 3, "without the store every read is paid");
    let ledger = metrics.encode();
    assert!(
        ledger.contains(
            "github_cache_lookups_total{component=\"trigger\",store=\"redis\",result=\"error\"}"
        ),
        "{ledger}"
    );

    // It comes back empty; after the pause the instance uses it again without a restart.
    server.restart().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        third.pull_request(&repo, IssueNumber(1)).await.unwrap(),
        pull
    );
    let after_refill = quota();
    let (fourth, _) = instance(&standin, redis_cache(&server));
    assert_eq!(
        fourth.pull_request(&repo, IssueNumber(1)).await.unwrap(),
        pull
    );
    assert_eq!(quota(), after_refill, "the refilled entry is shared again");

    // A change on GitHub is seen at once: the 304 is GitHub's answer, not the cache's guess.
    if let Some(repo) = standin.world().repos.get_mut("example-org/app") {
        repo.issues
            .values_mut()
            .for_each(|issue| issue.title = "Add two widgets".into());
    }
    assert_eq!(
        fourth
            .pull_request(&repo, IssueNumber(1))
            .await
            .unwrap()
            .title,
        "Add two widgets"
    );
}
