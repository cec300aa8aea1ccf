//! Security checks at hook's two edges, over real HTTP, each counting what got past: GitHub's
//! webhooks at `/hook` (forged, replayed, truncated, oversized and wrongly typed deliveries, and
//! the status GitHub sees for each), and the CloudEvents the broker brings back to
//! `/plugins/{name}` and `/external-plugins/{name}` (nothing runs, nothing is forwarded, unless
//! GitHub's signature holds for the payload the event carries).
//!
//! `intake.rs` covers the plain refusals (wrong secret, a flipped byte, a malformed, missing or
//! SHA-1 signature, invalid JSON, a body over the limit, missing headers, the content type); the
//! tests here go after what an attacker would try next.

use crate::served::{Served, Wiring};
use hook::{Hook, HookOptions, PluginRegistry};
use prow_github::webhook::signature;
use prow_plugins::{Action, EventKind, Facts, Input, NeedFacts, Plugin, PluginHelp};
use prow_ports::events::{AttributesReader, CloudEvent, NewEvent};
use prow_runtime::ConfigHandle;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &[u8] = b"security-test-secret";
/// The body limit of the hook under test.
const LIMIT: usize = 64 * 1024;
const REPO: &str = "acme/widgets";
const ACCEPTED: &str = "Event received. Have a nice day.";
const ALREADY: &str = "Event already received. Have a nice day.";

/// A plugin that records the comments it is run on.
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Plugin for Recorder {
    fn name(&self) -> &'static str {
        "yuks"
    }
    fn events(&self) -> &'static [EventKind] {
        &[EventKind::GenericComment]
    }
    fn help(&self, _config: &prow_config::Config, _enabled_repos: &[String]) -> PluginHelp {
        PluginHelp::default()
    }
    fn plan(&self, input: &Input<'_>, _facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        if let Some(comment) = input.delivery().and_then(|d| d.comment.as_ref()) {
            self.0.lock().unwrap().push(comment.body.clone());
        }
        Ok(vec![])
    }
}

/// hook handing on to a recording sink, with one recording plugin and one external plugin
/// (taking every event) enabled for [`REPO`].
async fn start_front() -> Served {
    Served::start(SECRET, |wiring: &Wiring| {
        let plugins_yaml = format!(
            "plugins:\n  {REPO}:\n    plugins: [yuks]\nexternal_plugins:\n  {REPO}:\n  - name: everything\n    endpoint: http://{}/\n",
            wiring.external
        );
        let config = prow_test_harness::strict_config("", "", Some(&plugins_yaml));
        let plugins = PluginRegistry::default().with(Arc::new(Recorder(wiring.recorded.clone())));
        Hook::new(
            ConfigHandle::new(config),
            &wiring.metrics,
            HookOptions {
                max_body_bytes: LIMIT,
                ..HookOptions::new(wiring.secret_file.clone(), wiring.sink_handoff(), plugins)
            },
        )
        .unwrap()
    })
    .await
}

/// The head of a `POST /hook` to `front` signed for `body`, declaring `content_length`.
fn raw_head(front: &Served, guid: &str, body: &[u8], content_length: usize) -> String {
    format!(
        "POST /hook HTTP/1.1\r\nHost: {}\r\nX-GitHub-Event: issue_comment\r\nX-GitHub-Delivery: {guid}\r\nX-Hub-Signature-256: {}\r\nContent-Type: application/json\r\nContent-Length: {content_length}\r\nConnection: close\r\n\r\n",
        front.address,
        signature(SECRET, body)
    )
}

/// Writes `request` on a fresh connection (then closes the writing half when `close_write`) and
/// reads for at most `wait`: the status of the answer, or `None` when none came.
async fn exchange(
    address: SocketAddr,
    request: &[u8],
    close_write: bool,
    wait: Duration,
) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    if close_write {
        stream.shutdown().await.unwrap();
    }
    let mut answer = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    let _ = read;
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// An `issue_comment` payload: `author` commented `body` on PR 7 of [`REPO`].
fn comment(body: &str, author: &str, action: &str) -> Vec<u8> {
    let (org, name) = REPO.split_once('/').unwrap();
    serde_json::to_vec(&serde_json::json!({
        "action": action,
        "issue": {"number": 7, "title": "A change", "body": "The PR's description.",
                  "user": {"login": "alice"}, "pull_request": {"url": "x"}},
        "comment": {"id": 99, "body": body, "user": {"login": author}},
        "repository": {"name": name, "full_name": REPO, "owner": {"login": org}},
        "sender": {"login": author}
    }))
    .unwrap()
}

#[tokio::test]
async fn a_signature_over_another_body_is_refused_and_nothing_is_handed_on() {
    let front = start_front().await;
    let genuine = comment("looks good", "alice", "created");
    let genuine_signature = signature(SECRET, &genuine);
    let forged = comment("/lgtm", "alice", "created");
    let mut extended = genuine.clone();
    extended.extend_from_slice(b"\n");
    let mut prefixed = b" ".to_vec();
    prefixed.extend_from_slice(&genuine);
    let zeros = format!("sha256={}", "0".repeat(64));
    let upper = genuine_signature.to_uppercase();
    // (case, signature header, body)
    let cases: [(&str, &str, &[u8]); 5] = [
        (
            "a genuine delivery's signature on another body",
            &genuine_signature,
            &forged,
        ),
        ("a byte appended", &genuine_signature, &extended),
        ("a byte prepended", &genuine_signature, &prefixed),
        ("an all-zero digest", &zeros, &genuine),
        ("the prefix in capitals", &upper, &genuine),
    ];
    for (case, signature, body) in cases {
        let (status, text) = front
            .deliver_signed("issue_comment", "d-forged", signature, body)
            .await;
        assert_eq!(status, 403, "{case}: {text}");
        assert!(text.starts_with("403 Forbidden"), "{case}: {text}");
    }
    assert!(front.handed_on().is_empty(), "nothing forged was handed on");
    // The genuine delivery, under the id the forgeries used, is not mistaken for a redelivery.
    assert_eq!(
        front
            .deliver_signed("issue_comment", "d-forged", &genuine_signature, &genuine)
            .await,
        (200, ACCEPTED.to_string())
    );
    assert_eq!(front.handed_on().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_delivery_id_is_handed_on_once_even_when_sent_at_the_same_time() {
    let front = start_front().await;
    let body = comment("/retest", "alice", "created");
    // The first hand-off is held in flight while the copies arrive.
    front.sink.delay_ms.store(300, Ordering::SeqCst);
    let copies = (0..8).map(|_| front.deliver("issue_comment", "d-replayed", &body));
    let answers = futures_util::future::join_all(copies).await;
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "{answers:?}"
    );
    let accepted = answers.iter().filter(|(_, text)| text == ACCEPTED).count();
    let dropped = answers.iter().filter(|(_, text)| text == ALREADY).count();
    assert_eq!((accepted, dropped), (1, 7), "{answers:?}");
    // And again later, once the first hand-off is done.
    front.sink.delay_ms.store(0, Ordering::SeqCst);
    assert_eq!(
        front.deliver("issue_comment", "d-replayed", &body).await,
        (200, ALREADY.to_string())
    );
    let handed_on = front.handed_on();
    assert_eq!(handed_on.len(), 1, "one hand-off for one delivery id");
    assert_eq!(handed_on[0].id(), "d-replayed");
}

/// GitHub's signature covers the body only, not `X-GitHub-Delivery`: hook remembers each body's
/// digest for its dedupe window (an hour), so a captured delivery sent again under a new id is
/// recognised as a replay and dropped.
#[tokio::test]
async fn a_valid_body_replayed_under_a_new_delivery_id_is_dropped() {
    let front = start_front().await;
    let body = comment("/retest", "alice", "created");
    assert_eq!(
        front.deliver("issue_comment", "d-original", &body).await,
        (200, ACCEPTED.to_string())
    );
    // The signature covers the body, not the delivery id: the same body under a new id is a
    // replay of a captured webhook. It is acknowledged (the sender learns nothing) and dropped.
    let (status, _) = front.deliver("issue_comment", "d-replay", &body).await;
    assert_eq!(status, 200);
    let ids: Vec<String> = front
        .handed_on()
        .iter()
        .map(|e| e.id().to_string())
        .collect();
    assert_eq!(ids, ["d-original"]);
}

#[tokio::test]
async fn a_truncated_body_is_never_handed_on() {
    let front = start_front().await;
    let body = comment("/ok-to-test", "alice", "created");
    let cut = &body[..body.len() / 2];

    // Cut short, with a Content-Length that matches what was sent: the signature of the whole
    // body does not hold for half of it.
    let mut request = raw_head(&front, "d-cut", &body, cut.len()).into_bytes();
    request.extend_from_slice(cut);
    assert_eq!(
        exchange(front.address, &request, false, Duration::from_secs(5)).await,
        Some(403)
    );

    // A Content-Length larger than what was sent, and the sender then closes its side: the body
    // cannot be read whole, and is refused (400: it ended before its Content-Length) rather
    // than passed on.
    let mut request = raw_head(&front, "d-short", &body, body.len()).into_bytes();
    request.extend_from_slice(cut);
    let status = exchange(front.address, &request, true, Duration::from_secs(5)).await;
    assert!(
        status.is_none_or(|s| s == 400),
        "a truncated body answered {status:?}"
    );

    // ... or keeps the connection open: hook waits for the rest as long as GitHub would (10 s),
    // then answers 408 and lets go.
    let mut request = raw_head(&front, "d-stalled", &body, body.len()).into_bytes();
    request.extend_from_slice(cut);
    assert_eq!(
        exchange(front.address, &request, false, Duration::from_secs(15)).await,
        Some(408)
    );

    assert!(
        front.handed_on().is_empty(),
        "nothing truncated was handed on"
    );
    // None of those ids was claimed: the real delivery, whole, goes through.
    assert_eq!(
        front.deliver("issue_comment", "d-short", &body).await,
        (200, ACCEPTED.to_string())
    );
    assert_eq!(front.handed_on().len(), 1);
}

#[tokio::test]
async fn an_oversized_body_is_refused_413_before_it_is_read() {
    let front = start_front().await;
    let small = comment("hello", "alice", "created");

    // Declared too large: refused on the headers alone, though not one byte of the body came.
    let started = Instant::now();
    let head = raw_head(&front, "d-declared", &small, LIMIT + 1);
    assert_eq!(
        exchange(
            front.address,
            head.as_bytes(),
            false,
            Duration::from_secs(5)
        )
        .await,
        Some(413)
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    // Sent without a length (chunked), and never finished: hook stops reading at the limit.
    let head = raw_head(&front, "d-chunked", &small, 0)
        .replace("Content-Length: 0\r\n", "Transfer-Encoding: chunked\r\n");
    let mut request = head.into_bytes();
    let chunk = vec![b' '; 16 * 1024];
    for _ in 0..(LIMIT / chunk.len() + 2) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    // No terminating chunk: the body never ends.
    assert_eq!(
        exchange(front.address, &request, false, Duration::from_secs(5)).await,
        Some(413)
    );

    // The same over reqwest, signed correctly: still 413, and nothing handed on.
    let mut big = small.clone();
    big.truncate(big.len() - 1);
    big.extend(std::iter::repeat_n(b' ', LIMIT));
    big.push(b'}');
    let (status, text) = front.deliver("issue_comment", "d-big", &big).await;
    assert_eq!(status, 413, "{text}");
    assert_eq!(
        text,
        format!("413 Payload Too Large: the limit is {LIMIT} bytes")
    );
    assert!(front.handed_on().is_empty());
}

#[tokio::test]
async fn wrongly_typed_webhooks_are_refused_or_acted_on_by_nothing() {
    let front = start_front().await;
    let genuine = comment("/lgtm", "alice", "created");

    // A signed issue comment sent again under another X-GitHub-Event (the header is not
    // signed): refused where the payload is not that event's.
    for event in ["push", "pull_request", "status", "check_run"] {
        let (status, text) = front
            .deliver(event, &format!("d-as-{event}"), &genuine)
            .await;
        assert_eq!(status, 400, "as {event}: {text}");
        assert!(
            text.starts_with(&format!(
                "400 Bad Request: the {event} payload is not valid"
            )),
            "as {event}: {text}"
        );
    }
    // Signed bodies that are not a JSON object, under a known or an unknown event.
    let not_objects: [(&str, &[u8]); 4] = [
        ("issue_comment", b"[1, 2, 3]"),
        ("made_up_event", b"[1, 2, 3]"),
        ("made_up_event", b"\"text\""),
        ("issue_comment", b"payload=%7B%7D"),
    ];
    for (event, body) in not_objects {
        let (status, text) = front.deliver(event, "d-not-object", body).await;
        assert_eq!(status, 400, "{event} {body:?}: {text}");
    }
    // Content types GitHub can be set to but Prow does not take (form-encoded is GitHub's other
    // choice), or variants of JSON's.
    for content_type in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json; charset=utf-8",
        "",
    ] {
        let (status, text) = front
            .post(
                &[
                    ("X-GitHub-Event", "issue_comment"),
                    ("X-GitHub-Delivery", "d-content-type"),
                    ("X-Hub-Signature-256", &signature(SECRET, &genuine)),
                    ("Content-Type", content_type),
                ],
                &genuine,
            )
            .await;
        assert_eq!(status, 400, "{content_type:?}: {text}");
    }
    assert!(
        front.handed_on().is_empty(),
        "nothing refused was handed on"
    );

    // Where the payload happens to fit the claimed event, it is handed on as that event, and
    // acted on as that event: a comment sent as an `issues` event has no comment in it, so a
    // comment plugin does not run on it. The same signed body again, as a `ping` under another
    // id, is a replay: acknowledged and dropped.
    assert_eq!(
        front.deliver("issues", "d-as-issues", &genuine).await.0,
        200
    );
    assert_eq!(front.deliver("ping", "d-as-ping", &genuine).await.0, 200);
    // An event type Prow does not know, with a JSON object: acknowledged and handed on (as
    // upstream answers 200 to events it ignores), and no plugin takes it.
    assert_eq!(
        front
            .deliver("made_up_event", "d-unknown", br#"{"action": "x"}"#)
            .await
            .0,
        200
    );
    let handed_on = front.handed_on();
    let types: Vec<String> = handed_on.iter().map(|e| e.ty().to_string()).collect();
    assert_eq!(
        types,
        ["dev.prow.github.issues", "dev.prow.github.made_up_event"]
    );
    for event in &handed_on {
        let (status, text) = front.post_event("/plugins/yuks", event).await;
        assert_eq!((status, text.as_str()), (200, "yuks does not apply"));
    }
    assert!(front.recorded.lock().unwrap().is_empty(), "no plugin ran");
}

/// CloudEvents the broker would bring back, built as hook builds them.
fn cloud_event(id: &str, event: &str, payload: Vec<u8>, signature: Option<String>) -> CloudEvent {
    prow_test_harness::signed_events::github_event_signed(id, event, REPO, payload, signature)
        .unwrap()
}

#[tokio::test]
async fn forged_cloud_events_run_no_plugin_and_reach_no_external_plugin() {
    let front = start_front().await;
    let genuine = comment("a genuine comment", "alice", "created");
    let genuine_signature = signature(SECRET, &genuine);
    let forged = comment("/lgtm", "mallory", "created");
    let cases = [
        (
            "unsigned",
            cloud_event("e1", "issue_comment", forged.clone(), None),
            403,
        ),
        (
            "signed with another secret",
            cloud_event(
                "e2",
                "issue_comment",
                forged.clone(),
                Some(signature(b"not-the-secret", &forged)),
            ),
            403,
        ),
        (
            "a genuine event's signature on another payload",
            cloud_event(
                "e3",
                "issue_comment",
                forged.clone(),
                Some(genuine_signature.clone()),
            ),
            403,
        ),
        (
            "an empty signature",
            cloud_event("e4", "issue_comment", forged.clone(), Some(String::new())),
            403,
        ),
        (
            "a genuine event retyped as a push",
            cloud_event(
                "e5",
                "push",
                genuine.clone(),
                Some(genuine_signature.clone()),
            ),
            400,
        ),
    ];
    for (case, event, expected) in &cases {
        for path in ["/plugins/yuks", "/external-plugins/everything"] {
            let (status, text) = front.post_event(path, event).await;
            assert_eq!(status, *expected, "{case} at {path}: {text}");
        }
    }
    // Not a CloudEvent at all.
    let response = reqwest::Client::new()
        .post(format!("http://{}/plugins/yuks", front.address))
        .header("Content-Type", "application/json")
        .body(forged.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(front.recorded.lock().unwrap().is_empty(), "no plugin ran");
    assert!(
        front.forwarded.lock().unwrap().is_empty(),
        "nothing reached the external plugin"
    );

    // The genuine event does run both, so the refusals above are the signature's doing.
    let event = cloud_event(
        "e6",
        "issue_comment",
        genuine.clone(),
        Some(genuine_signature),
    );
    assert_eq!(front.post_event("/plugins/yuks", &event).await.0, 200);
    assert_eq!(
        front
            .post_event("/external-plugins/everything", &event)
            .await,
        (200, "forwarded to everything".to_string())
    );
    assert_eq!(*front.recorded.lock().unwrap(), ["a genuine comment"]);
    let forwarded: Vec<Vec<u8>> = front
        .forwarded
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| body.clone())
        .collect();
    assert_eq!(forwarded, [genuine]);
}

#[tokio::test]
async fn a_ping_at_a_plugin_route_reads_nothing_it_carries() {
    let front = start_front().await;
    // A "ping" (not signed: PingSources sign nothing) carrying a comment: the plugin route treats
    // it as a sweep, which a plugin that does not sweep ignores; the payload is not read.
    let ping = NewEvent {
        id: "p1".into(),
        source: "https://github.com/acme/widgets".into(),
        event_type: "dev.knative.sources.ping".into(),
        data: comment("/lgtm", "mallory", "created"),
        ..NewEvent::default()
    }
    .build()
    .unwrap();
    assert_eq!(
        front.post_event("/plugins/yuks", &ping).await,
        (200, "yuks does not sweep".to_string())
    );
    // External plugins take GitHub events only: a ping is not one.
    assert_eq!(
        front
            .post_event("/external-plugins/everything", &ping)
            .await
            .0,
        400
    );
    assert!(front.recorded.lock().unwrap().is_empty());
    assert!(front.forwarded.lock().unwrap().is_empty());
}
