//! Security checks at trigger's two doors. `POST /`: a CloudEvent creates jobs only when GitHub's
//! signature (the `ghsignature` extension) holds for the payload it carries under the webhook
//! secret; a forged, unsigned, re-signed or retyped event creates no ProwJob and makes no GitHub
//! call. `POST /pubsub`: a push creates a job only with the push credential; without any
//! configured (the function's default) every push is refused.
//!
//! Who may run what on a PR (`/ok-to-test` and `/test` from an outsider) is
//! `events.rs::who_is_trusted_decides_what_runs`; the OIDC verifier's cases are `push_auth.rs`.

use axum::body::Body;
use axum::http::Request;
use github_standin::{GitHubStandIn, World};
use prow_local::EmbeddedJobStore;
use prow_ports::events::{CloudEvent, NewEvent};
use prow_ports::store::JobStore;
use prow_test_harness::HMAC_SECRET;
use prow_test_harness::events::{github_event, post_event_to};
use std::sync::Arc;
use tower::ServiceExt;
use trigger::push_auth::PushAuth;
use trigger::{Trigger, TriggerOptions};

const REPO: &str = "acme/widgets";

const JOBS: &str = r#"
presubmits:
  acme/widgets:
  - name: unit
    always_run: true
    spec: {containers: [{image: golang, command: [make, test]}]}
periodics:
- name: nightly
  interval: 24h
  spec: {containers: [{image: alpine, command: [make, nightly]}]}
"#;

const PLUGINS: &str = "triggers:\n- repos: [acme]\nplugins:\n  acme: {plugins: [trigger]}\n";

struct Setup {
    standin: GitHubStandIn,
    store: Arc<EmbeddedJobStore>,
    router: axum::Router,
    _state: tempfile::TempDir,
}

async fn setup(push_auth: PushAuth) -> Setup {
    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice", "prow-bot"]);
    world.add_repo(REPO);
    world.add_user("mallory");
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let metrics = prow_runtime::Metrics::new("trigger");
    let github = prow_github_octocrab::OctocrabGitHub::with_token(
        &standin.url(),
        "ghp_test",
        "trigger",
        &metrics,
    )
    .unwrap()
    .for_event("trigger");
    let config = prow_test_harness::strict_config(
        "prowjob_namespace: prow\npubsub_triggers:\n- {project: p, topics: [prow-jobs], allowed_clusters: [\"*\"]}\n",
        JOBS,
        Some(PLUGINS),
    );
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedJobStore::open(state.path()).unwrap());
    let trigger = Trigger::new(
        TriggerOptions {
            store: store.clone(),
            github: Some(Arc::new(github)),
            push_auth,
            dead_letter: None,
            clock: prow_ports::clock::SystemClock::shared(),
            hmac_secret_file: prow_test_harness::hmac_secret_file(state.path()).unwrap(),
        },
        prow_runtime::ConfigHandle::new(config),
        &metrics,
    )
    .unwrap();
    Setup {
        standin,
        store,
        router: trigger.router(),
        _state: state,
    }
}

impl Setup {
    /// The webhooks the stand-in queued: (event, delivery id, body).
    fn pending(&self) -> Vec<(String, String, Vec<u8>)> {
        self.standin
            .world()
            .outbox
            .drain(..)
            .map(|d| (d.event, d.id, d.body))
            .collect()
    }

    async fn jobs(&self) -> usize {
        self.store.list("").await.unwrap().len()
    }

    fn github_calls(&self) -> usize {
        self.standin.calls().len()
    }

    fn labels(&self, number: u64) -> Vec<String> {
        self.standin
            .world()
            .issue(REPO, number)
            .unwrap()
            .labels
            .clone()
    }
}

/// A CloudEvent as hook forwards `event`, with `signature` (if any) as its `ghsignature`.
fn event_with(id: &str, event: &str, payload: Vec<u8>, signature: Option<String>) -> CloudEvent {
    NewEvent {
        id: id.into(),
        source: format!("https://github.com/{REPO}"),
        event_type: format!("dev.prow.github.{event}"),
        extensions: signature
            .map(|s| vec![("ghsignature".to_string(), s)])
            .unwrap_or_default(),
        data: payload,
        ..NewEvent::default()
    }
    .build()
    .unwrap()
}

fn sign(payload: &[u8]) -> String {
    github_standin::signature(HMAC_SECRET, payload)
}

/// `payload` with the comment's author and the sender replaced by `login`.
fn as_author(payload: &[u8], login: &str) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(payload).unwrap();
    value["comment"]["user"]["login"] = login.into();
    value["sender"]["login"] = login.into();
    serde_json::to_vec(&value).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_event_github_did_not_sign_creates_no_job_and_calls_no_github() {
    let setup = setup(PushAuth::Refuse).await;
    // alice (a member) opens a PR: its webhook would start `unit`.
    setup.standin.world().open_pull_request(
        REPO,
        "alice",
        "feature",
        "A change",
        &[("a.go", "package a\n")],
    );
    let opened = setup.pending();
    let (_, opened_id, opened_body) = opened
        .iter()
        .find(|(event, _, _)| event == "pull_request")
        .cloned()
        .unwrap();
    // mallory (an outsider) opens one and vouches for it, genuinely signed by GitHub.
    let mallorys = setup.standin.world().open_pull_request(
        REPO,
        "mallory",
        "mallory-change",
        "Another change",
        &[("b.go", "package b\n")],
    );
    setup.pending();
    setup
        .standin
        .world()
        .comment(REPO, mallorys, "mallory", "/ok-to-test");
    let (_, _, mallorys_comment) = setup
        .pending()
        .into_iter()
        .find(|(event, _, _)| event == "issue_comment")
        .unwrap();
    let calls = setup.github_calls();

    let other_secret = github_standin::signature(b"not-the-webhook-secret", &opened_body);
    let impersonation = as_author(&mallorys_comment, "alice");
    let cases = [
        (
            "unsigned",
            event_with("f1", "pull_request", opened_body.clone(), None),
        ),
        (
            "an empty signature",
            event_with(
                "f2",
                "pull_request",
                opened_body.clone(),
                Some(String::new()),
            ),
        ),
        (
            "signed with another secret",
            event_with(
                "f3",
                "pull_request",
                opened_body.clone(),
                Some(other_secret),
            ),
        ),
        (
            "not a SHA-256 signature",
            event_with(
                "f4",
                "pull_request",
                opened_body.clone(),
                Some("sha1=0123456789abcdef0123456789abcdef01234567".into()),
            ),
        ),
        (
            "another delivery's genuine signature",
            event_with(
                "f5",
                "pull_request",
                opened_body.clone(),
                Some(sign(&mallorys_comment)),
            ),
        ),
        (
            "mallory's genuine comment, re-attributed to a member",
            event_with(
                "f6",
                "issue_comment",
                impersonation,
                Some(sign(&mallorys_comment)),
            ),
        ),
    ];
    for (case, event) in &cases {
        let (status, body) = post_event_to(&setup.router, "/", event).await.unwrap();
        assert_eq!(status, 403, "{case}: {body}");
        assert!(
            body.starts_with("the event is not signed by GitHub"),
            "{case}: {body}"
        );
    }
    assert_eq!(setup.jobs().await, 0, "no ProwJob was created");
    assert_eq!(
        setup.github_calls(),
        calls,
        "trigger asked GitHub nothing about a forged event"
    );
    assert!(
        !setup.labels(mallorys).contains(&"ok-to-test".to_string()),
        "the outsider's PR was not vouched for"
    );

    // The genuine events do act, so the refusals above are the signature's doing.
    let genuine = github_event(
        &opened_id,
        "pull_request",
        REPO,
        opened_body,
        Some(HMAC_SECRET),
    )
    .unwrap();
    assert_eq!(
        post_event_to(&setup.router, "/", &genuine).await.unwrap().0,
        200
    );
    assert_eq!(setup.jobs().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_event_retyped_or_not_from_github_creates_no_job() {
    let setup = setup(PushAuth::Refuse).await;
    let number = setup.standin.world().open_pull_request(
        REPO,
        "alice",
        "feature",
        "A change",
        &[("a.go", "package a\n")],
    );
    setup.pending();
    setup
        .standin
        .world()
        .comment(REPO, number, "alice", "/test unit");
    let (_, _, comment) = setup
        .pending()
        .into_iter()
        .find(|(event, _, _)| event == "issue_comment")
        .unwrap();
    let calls = setup.github_calls();
    // GitHub signed the body, not its event name: under another name it is read as that event,
    // and a comment is no pull request or push.
    for (id, event) in [("r1", "pull_request"), ("r2", "push"), ("r3", "issues")] {
        let retyped = event_with(id, event, comment.clone(), Some(sign(&comment)));
        let (status, body) = post_event_to(&setup.router, "/", &retyped).await.unwrap();
        // Acknowledged (a payload that can never be read is not worth a redelivery), and nothing
        // is created: a payload that is not the event's is given up, one that fits is not for
        // trigger.
        assert_eq!(status, 200, "as {event}: {body}");
        assert!(!body.contains("\"created\":[\""), "as {event}: {body}");
    }
    // Events that are not GitHub's (a ProwJob change, a ping) are ignored whatever they carry.
    for (id, event_type) in [
        ("n1", "dev.knative.apiserver.resource.add"),
        ("n2", "dev.knative.sources.ping"),
    ] {
        let event = NewEvent {
            id: id.into(),
            source: "https://kubernetes.default.svc".into(),
            event_type: event_type.into(),
            extensions: vec![("ghsignature".into(), sign(&comment))],
            data: comment.clone(),
            ..NewEvent::default()
        }
        .build()
        .unwrap();
        let (status, body) = post_event_to(&setup.router, "/", &event).await.unwrap();
        assert_eq!((status, body.starts_with("ignored")), (200, true), "{body}");
    }
    assert_eq!(setup.jobs().await, 0);
    assert_eq!(setup.github_calls(), calls);
}

/// A Pub/Sub push of upstream's `ProwJobEvent` for the `nightly` periodic.
fn push_body(message_id: &str) -> String {
    serde_json::json!({
        "message": {
            // base64 of {"name": "nightly"}
            "data": "eyJuYW1lIjogIm5pZ2h0bHkifQ==",
            "attributes": {"prow.k8s.io/pubsub.EventType": "prow.k8s.io/pubsub.PeriodicProwJobEvent"},
            "messageId": message_id,
        },
        "subscription": "projects/p/subscriptions/prow-jobs",
    })
    .to_string()
}

async fn push(router: &axum::Router, query: &str, bearer: Option<&str>, id: &str) -> u16 {
    let mut request =
        Request::post(format!("/pubsub{query}")).header("content-type", "application/json");
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(push_body(id))).unwrap())
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pubsub_push_without_the_push_credential_creates_no_job() {
    // Without TRIGGER_PUSH_AUDIENCE or TRIGGER_PUSH_TOKEN_FILE the function refuses every push.
    let closed = setup(PushAuth::Refuse).await;
    for (query, bearer) in [
        ("", None),
        ("?token=anything", None),
        ("", Some("anything")),
    ] {
        assert_eq!(push(&closed.router, query, bearer, "m0").await, 401);
    }
    assert_eq!(closed.jobs().await, 0);

    let shared = setup(PushAuth::Token("push-secret-7c1e".into())).await;
    for (case, query, bearer) in [
        ("no credential", "", None),
        ("a wrong token", "?token=push-secret-0000", None),
        ("the token's prefix", "?token=push-secret", None),
        ("the token and more", "?token=push-secret-7c1e0", None),
        ("an empty token", "?token=", None),
        ("a wrong bearer token", "", Some("push-secret-0000")),
        ("an empty bearer token", "", Some("")),
    ] {
        assert_eq!(
            push(&shared.router, query, bearer, "m1").await,
            401,
            "{case}"
        );
    }
    assert_eq!(shared.jobs().await, 0, "no ProwJob was created");
    // The credential does start the job, so the refusals above are its doing.
    assert_eq!(
        push(&shared.router, "?token=push-secret-7c1e", None, "m2").await,
        200
    );
    assert_eq!(
        push(&shared.router, "", Some("push-secret-7c1e"), "m3").await,
        200
    );
    assert_eq!(shared.jobs().await, 2);
}
