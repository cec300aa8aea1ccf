//! Webhook recovery end to end: the GitHub stand-in delivers webhooks to hook over HTTP as GitHub
//! does (one attempt, never retried) while losing some on demand, hook records each one it hands
//! on in a real S3 server, and the reconciler asks GitHub to redeliver exactly the lost ones, once.

use crate::served::serve;
use crate::support::secret_file;
use axum::http::StatusCode;
use github_standin::{DeliveryDrop, DeliveryPolicy, GitHubStandIn, World};
use hook::{DeliveryRecords, Handoff, Hook, HookOptions, PluginRegistry, Recovery, RecoveryReport};
use prow_github::redelivery::{HookRef, RecoveryPolicy};
use prow_github_octocrab::OctocrabGitHub;
use prow_ports::events::{AttributesReader, CloudEvent, EventSink, SinkFuture};
use prow_runtime::{ConfigHandle, Metrics};
use prow_test_harness::{ACCESS_KEY, S3Server, SECRET_KEY};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &[u8] = b"recovery-secret";
const REPO: &str = "acme/widgets";

/// The broker as hook sees it: what it accepted, by delivery id.
#[derive(Default)]
struct Broker(Mutex<BTreeMap<String, usize>>);

impl EventSink for Broker {
    fn send<'a>(&'a self, event: &'a CloudEvent) -> SinkFuture<'a> {
        *self
            .0
            .lock()
            .unwrap()
            .entry(event.id().to_string())
            .or_default() += 1;
        Box::pin(async { Ok(()) })
    }
}

impl Broker {
    fn received(&self) -> BTreeMap<String, usize> {
        self.0.lock().unwrap().clone()
    }
}

struct Setup {
    standin: GitHubStandIn,
    hook: Hook,
    broker: Arc<Broker>,
    s3: S3Server,
    _secret: tempfile::NamedTempFile,
}

async fn setup() -> Setup {
    setup_allowing(1).await
}

/// [`setup`] asking for each webhook at most `max_redeliveries` times.
async fn setup_allowing(max_redeliveries: u32) -> Setup {
    setup_full(max_redeliveries, Duration::ZERO).await
}

/// [`setup_allowing`] with at least `min_interval` between two runs the route starts.
async fn setup_full(max_redeliveries: u32, min_interval: Duration) -> Setup {
    let mut world = World::new("k8s-ci-robot");
    world.add_org("acme", &["alice"]).add_repo(REPO);
    world.open_issue(REPO, "alice", "flaky test");
    let mut standin = GitHubStandIn::start(world).await.unwrap();
    standin.world().outbox.clear();
    let metrics = Arc::new(Metrics::new("hook"));
    let github = OctocrabGitHub::with_token(&standin.url(), "ghp_hook", "hook", &metrics).unwrap();
    let secret = secret_file(SECRET);
    let broker = Arc::new(Broker::default());
    let s3 = S3Server::start_with_faults(&["records"]).await.unwrap();
    let credentials = prow_artifacts::S3Credentials {
        endpoint: s3.endpoint(),
        s3_force_path_style: true,
        access_key: ACCESS_KEY.into(),
        secret_key: SECRET_KEY.into(),
        ..prow_artifacts::S3Credentials::default()
    };
    let records = prow_artifacts::S3ArtifactStore::new("records", &credentials).await;
    let hook = Hook::new(
        ConfigHandle::new(prow_config::Config::default()),
        &metrics,
        HookOptions::new(
            secret.path().to_path_buf(),
            Handoff::Sink(broker.clone()),
            PluginRegistry::for_hook(),
        ),
    )
    .unwrap()
    .with_recovery(
        DeliveryRecords::new(Arc::new(records)),
        Some(Recovery {
            deliveries: Arc::new(github),
            hooks: vec!["repos/acme/widgets/hooks/1".parse::<HookRef>().unwrap()],
            policy: RecoveryPolicy {
                lookback: jiff::SignedDuration::from_hours(1),
                settle: jiff::SignedDuration::ZERO,
                max_redeliveries,
            },
            min_interval,
        }),
    )
    .unwrap();
    let address = serve(hook.clone().router()).await;
    // GitHub's behaviour: one attempt per delivery, never retried by itself.
    standin.deliver_in_background(
        &format!("http://{address}/hook"),
        SECRET,
        DeliveryPolicy {
            max_attempts: 1,
            ..DeliveryPolicy::default()
        },
    );
    Setup {
        standin,
        hook,
        broker,
        s3,
        _secret: secret,
    }
}

/// Polls `condition` every 10 ms, at most `tries` times; whether it came true.
async fn eventually(tries: usize, condition: impl Fn() -> bool) -> bool {
    for _ in 0..tries {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

impl Setup {
    /// Comments `count` times on the issue (each a webhook).
    fn comment(&self, count: usize) {
        let mut world = self.standin.world();
        for n in 0..count {
            world.comment(REPO, 1, "alice", &format!("comment {n}"));
        }
    }

    /// Comments once while GitHub cannot reach hook for its next `lost` deliveries, then waits
    /// for GitHub's `attempt`-th delivery attempt in all.
    async fn comment_lost(&self, lost: usize, attempt: usize) {
        self.standin
            .world()
            .drop_next_deliveries(DeliveryDrop::Unreachable, lost);
        self.comment(1);
        self.attempts(attempt).await;
    }

    /// Waits until GitHub has made `count` delivery attempts in all.
    async fn attempts(&self, count: usize) {
        let made = || self.standin.world().delivery_attempts.len();
        if !eventually(500, || made() >= count).await {
            panic!("GitHub made {} of {count} delivery attempts", made());
        }
    }

    /// One reconciler run, which must succeed; its report.
    async fn recover(&self) -> RecoveryReport {
        self.hook.recover_deliveries().await.unwrap()
    }

    /// Pings `POST /redeliver` as the PingSource does; the status and the answer's text.
    async fn ping(&self) -> (StatusCode, String) {
        let response = tower::ServiceExt::oneshot(
            self.hook.clone().router(),
            axum::http::Request::post("/redeliver")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).to_string())
    }

    fn redelivery_requests(&self) -> usize {
        self.standin
            .calls()
            .iter()
            .filter(|c| c.method == "POST" && c.uri.ends_with("/attempts"))
            .count()
    }
}

#[tokio::test]
async fn lost_webhooks_are_redelivered_once_and_only_the_lost_ones() {
    let setup = setup().await;
    // Ten webhooks: two never reach hook (GitHub could not connect), one is swallowed by
    // something in between that answered 200.
    {
        let mut world = setup.standin.world();
        world.drop_next_deliveries(DeliveryDrop::Unreachable, 2);
        world.drop_next_deliveries(DeliveryDrop::Swallowed, 1);
    }
    setup.comment(10);
    setup.attempts(10).await;
    let guids: Vec<String> = setup
        .standin
        .world()
        .delivery_attempts
        .iter()
        .map(|a| a.guid.clone())
        .collect();
    let lost = &guids[..3];
    assert_eq!(setup.broker.received().len(), 7, "three were lost");

    let report = setup.recover().await;
    assert_eq!(report.judged, 10);
    assert_eq!(
        report.redelivered, lost,
        "exactly the lost ones, oldest first"
    );
    assert!(report.given_up.is_empty());
    setup.attempts(13).await;
    let received = setup.broker.received();
    assert_eq!(
        received.len(),
        10,
        "every webhook reached the broker: {received:?}"
    );
    assert!(
        received.values().all(|&n| n == 1),
        "each once: {received:?}"
    );

    // The next run judges only the three redeliveries (handled) and asks for nothing.
    let again = setup.recover().await;
    assert_eq!(again.judged, 3);
    assert!(again.redelivered.is_empty());
    assert_eq!(setup.redelivery_requests(), 3);
    let nothing = setup.recover().await;
    assert_eq!(nothing.judged, 0, "each delivery is judged once");
}

#[tokio::test]
async fn a_webhook_lost_again_is_asked_for_again_up_to_the_limit_then_given_up() {
    let setup = setup_allowing(2).await;
    // Lost, and so are its first two redeliveries (an outage lasting two runs).
    setup.comment_lost(3, 1).await;
    let report = setup.recover().await;
    assert_eq!(report.redelivered.len(), 1);
    setup.attempts(2).await;
    let report = setup.recover().await;
    assert_eq!(
        report.judged, 1,
        "the failed redelivery is a delivery of its own"
    );
    assert_eq!(report.redelivered.len(), 1, "asked for a second time");
    setup.attempts(3).await;
    assert!(setup.broker.received().is_empty());
    let report = setup.recover().await;
    assert_eq!(report.judged, 1);
    assert!(report.redelivered.is_empty(), "at most twice per webhook");
    assert_eq!(report.given_up.len(), 1);
    assert_eq!(setup.redelivery_requests(), 2);

    // Within the limit, an outage is bridged: lost once, its one redelivery arrives.
    setup.comment_lost(1, 4).await;
    let report = setup.recover().await;
    assert_eq!(report.redelivered.len(), 1);
    setup.attempts(5).await;
    assert_eq!(setup.broker.received().len(), 1);
}

#[tokio::test]
async fn a_failed_redelivery_request_is_asked_again_and_a_failed_listing_answers_503() {
    let setup = setup().await;
    setup.comment_lost(1, 1).await;
    setup.standin.world().fail_next("POST", "/attempts", 502, 1);
    let first = setup.hook.recover_deliveries().await;
    assert!(first.is_err(), "{first:?} {:?}", setup.standin.calls());
    // Over HTTP, a run that fails answers 5xx so the ping is sent again.
    setup
        .standin
        .world()
        .fail_next("GET", "/hooks/1/deliveries", 503, 4);
    let (status, _) = setup.ping().await;
    assert!(status.is_server_error(), "{status}");
    let report = setup.recover().await;
    assert_eq!(
        report.redelivered.len(),
        1,
        "asked again after GitHub's 502"
    );
    setup.attempts(2).await;
    assert_eq!(setup.broker.received().len(), 1);
}

#[tokio::test]
async fn a_record_that_could_not_be_written_is_written_by_the_redelivery_and_s3_down_fails_a_run() {
    let setup = setup_allowing(3).await;
    let faults = setup.s3.faults().unwrap();
    // S3 refuses the record's PUT (three 503s: longer than the SDK retries): the webhook is
    // still acknowledged, the broker has it.
    faults.fail_next(503, 3);
    setup.comment(1);
    setup.attempts(1).await;
    assert!(setup.standin.world().delivery_attempts[0].succeeded());
    eventually(200, || setup.broker.received().len() == 1).await;
    assert_eq!(setup.broker.received().len(), 1);

    // Unrecorded: redelivered once; hook drops the duplicate and writes the missing record.
    let report = setup.recover().await;
    assert_eq!(report.redelivered.len(), 1);
    setup.attempts(2).await;
    let report = setup.recover().await;
    assert_eq!(report.judged, 1);
    assert!(report.redelivered.is_empty(), "the redelivery recorded it");
    assert_eq!(setup.redelivery_requests(), 1);
    let received = setup.broker.received();
    assert!(received.values().all(|&n| n == 1), "{received:?}");

    // S3 down during a run: the run fails (the ping is answered 5xx and sent again).
    faults.fail_next(503, 3);
    assert!(setup.hook.recover_deliveries().await.is_err());
}

#[tokio::test]
async fn a_flood_of_pings_makes_one_run_per_interval() {
    let setup = setup_full(1, Duration::from_secs(60)).await;
    let (status, first) = setup.ping().await;
    assert_eq!(status, 200, "{first}");
    for _ in 0..20 {
        let (status, text) = setup.ping().await;
        assert_eq!(status, 200);
        assert!(text.contains("the last run was"), "{text}");
    }
    let listings = setup
        .standin
        .calls()
        .iter()
        .filter(|c| c.uri.contains("/deliveries"))
        .count();
    assert_eq!(listings, 1, "21 pings, one run, one listing");
}
