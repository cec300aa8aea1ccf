//! Security checks at trigger's two doors. `POST /`: a CloudEvent creates jobs only when GitHub's
//! signature (the `ghsignature` extension) holds for the payload it carries under the webhook
//! secret; a forged, unsigned, re-signed or retyped event creates no ProwJob and makes no GitHub
//! call. `POST /pubsub`: a push creates a job only with the push credential; without any
//! configured (the function's default) every push is refused.
//!
//! Who may run what on a PR (`/ok-to-test` and `/test` from an outsider) is
//! `events.rs::who_is_trusted_decides_what_runs`; the OIDC verifier's cases are `push_auth.rs`.

use crate::support::{Bench, UNIT_AND_NIGHTLY, nightly_push};
use axum::body::Body;
use axum::http::Request;
use prow_ports::events::{CloudEvent, NewEvent};
use prow_ports::store::JobStore;
use prow_test_harness::HMAC_SECRET;
use prow_test_harness::events::{github_event, post_event_to};
use prow_test_harness::signed_events::github_event_signed;
use prow_test_harness::standin_world::{REPO, acme_widgets};
use tower::ServiceExt;
use trigger::push_auth::PushAuth;

const PLUGINS: &str = "triggers:\n- repos: [acme]\nplugins:\n  acme: {plugins: [trigger]}\n";

/// trigger and the stand-in, with what this file asks of them.
struct Setup(Bench);

impl std::ops::Deref for Setup {
    type Target = Bench;

    fn deref(&self) -> &Bench {
        &self.0
    }
}

async fn setup(push_auth: PushAuth) -> Setup {
    let mut world = acme_widgets();
    world.add_user("mallory");
    world.outbox.clear();
    let config = prow_test_harness::strict_config(
        "prowjob_namespace: prow\npubsub_triggers:\n- {project: p, topics: [prow-jobs], allowed_clusters: [\"*\"]}\n",
        UNIT_AND_NIGHTLY,
        Some(PLUGINS),
    );
    Setup(Bench::start(world, config, push_auth).await)
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

    /// `author` opens a PR from `branch` changing `file`; its number and the webhooks it queued.
    fn open(
        &self,
        author: &str,
        branch: &str,
        title: &str,
        file: (&str, &str),
    ) -> (u64, Vec<(String, String, Vec<u8>)>) {
        let number = self
            .standin
            .world()
            .open_pull_request(REPO, author, branch, title, &[file]);
        (number, self.pending())
    }

    /// `author` comments `body` on PR `number`; the payload of the `issue_comment` webhook.
    fn comment(&self, number: u64, author: &str, body: &str) -> Vec<u8> {
        self.standin.world().comment(REPO, number, author, body);
        let (_, _, payload) = self
            .pending()
            .into_iter()
            .find(|(event, _, _)| event == "issue_comment")
            .unwrap();
        payload
    }

    async fn jobs(&self) -> usize {
        self.store.list("").await.unwrap().len()
    }

    fn github_calls(&self) -> usize {
        self.standin.calls().len()
    }
}

/// A CloudEvent as hook forwards `event`, with `signature` (if any) as its `ghsignature`.
fn event_with(id: &str, event: &str, payload: Vec<u8>, signature: Option<String>) -> CloudEvent {
    github_event_signed(id, event, REPO, payload, signature).unwrap()
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
    let (_, opened) = setup.open("alice", "feature", "A change", ("a.go", "package a\n"));
    let (_, opened_id, opened_body) = opened
        .iter()
        .find(|(event, _, _)| event == "pull_request")
        .cloned()
        .unwrap();
    // mallory (an outsider) opens one and vouches for it, genuinely signed by GitHub.
    let (mallorys, _) = setup.open(
        "mallory",
        "mallory-change",
        "Another change",
        ("b.go", "package b\n"),
    );
    let mallorys_comment = setup.comment(mallorys, "mallory", "/ok-to-test");
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
    let (number, _) = setup.open("alice", "feature", "A change", ("a.go", "package a\n"));
    let comment = setup.comment(number, "alice", "/test unit");
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

async fn push(router: &axum::Router, query: &str, bearer: Option<&str>, id: &str) -> u16 {
    let mut request =
        Request::post(format!("/pubsub{query}")).header("content-type", "application/json");
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = router
        .clone()
        .oneshot(
            request
                .body(Body::from(nightly_push(id).to_string()))
                .unwrap(),
        )
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
