//! hook over real HTTP: GitHub's webhooks in at `/hook`, CloudEvents out to a sink, plugins and
//! external plugins run from CloudEvents that come back, and every refusal counted.

use crate::served::{Served, Wiring};
use hook::{Handoff, Hook, HookOptions, PluginRegistry};
use prow_config::{LoadOptions, Source, Sources};
use prow_github::webhook::signature;
use prow_github_octocrab::OctocrabGitHub;
use prow_plugins::{Action, EventKind, Fact, Facts, Input, NeedFacts, Plugin, PluginHelp};
use prow_ports::events::{AttributesReader, ProwEvent};
use prow_runtime::ConfigHandle;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &[u8] = b"hook-test-secret";

const PLUGINS_YAML: &str = r#"
plugins:
  Codertocat:
    plugins: [yuks, shrug]
  octo-org/octo-repo:
    plugins: [yuks]
external_plugins:
  Codertocat/Hello-World:
  - name: needs-comments
    endpoint: ENDPOINT
    events: [issue_comment]
  - name: everything
    endpoint: ENDPOINT
"#;

fn config(external_endpoint: &str) -> ConfigHandle {
    let sources = Sources {
        config: Source::new("config.yaml", "pod_namespace: test-pods\n"),
        job_files: vec![],
        plugins: Some(Source::new(
            "plugins.yaml",
            PLUGINS_YAML.replace("ENDPOINT", external_endpoint),
        )),
    };
    ConfigHandle::new(
        prow_config::load_sources(&sources, LoadOptions::default())
            .unwrap()
            .config,
    )
}

/// Records every event it is given; `failing` then asks for a fact from a GitHub that cannot be
/// reached, so it fails in a way a retry may mend.
struct Recorder {
    name: &'static str,
    seen: Arc<Mutex<Vec<String>>>,
    fail: bool,
}

impl Plugin for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }
    fn events(&self) -> &'static [EventKind] {
        &[EventKind::PullRequest, EventKind::GenericComment]
    }
    fn help(&self, _config: &prow_config::Config, enabled_repos: &[String]) -> PluginHelp {
        PluginHelp {
            description: format!("records events (enabled in {})", enabled_repos.join(", ")),
            events: vec!["pull_request".into()],
            commands: vec![prow_plugins::Command {
                usage: "/record".into(),
                description: "Records.".into(),
                who_can_use: "Anyone".into(),
                examples: vec!["/record".into()],
                featured: false,
            }],
            ..PluginHelp::default()
        }
    }
    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        if !facts.is_empty() {
            return Ok(vec![]);
        }
        let delivery = input.delivery().unwrap();
        let what = match &delivery.comment {
            Some(comment) => format!("{} comment {:?}", delivery.event.name(), comment.body),
            None => delivery.event.name().to_string(),
        };
        self.seen.lock().unwrap().push(what);
        if self.fail {
            return Err(NeedFacts::one(Fact::BotLogin));
        }
        Ok(vec![])
    }
}

/// hook over HTTP with the test's plugins (yuks records, shrug fails) and external plugins;
/// `local_mode` runs them in-process rather than handing events on to the sink.
async fn start_hook(local_mode: bool) -> Served {
    start_hook_with(local_mode, hook::DEFAULT_MAX_BODY_BYTES).await
}

/// [`start_hook`] taking bodies up to `max_body_bytes`.
async fn start_hook_with(local_mode: bool, max_body_bytes: usize) -> Served {
    Served::start(SECRET, |wiring: &Wiring| {
        // The test's plugins take names of upstream plugins this project does not build (yuks
        // records, shrug fails): plugins.yaml refuses a name upstream does not know.
        let plugins = PluginRegistry::default()
            .with(Arc::new(Recorder {
                name: "yuks",
                seen: wiring.recorded.clone(),
                fail: false,
            }))
            .with(Arc::new(Recorder {
                name: "shrug",
                seen: Arc::default(),
                fail: true,
            }));
        let handoff = if local_mode {
            Handoff::InProcess
        } else {
            wiring.sink_handoff()
        };
        // Nothing listens there: a plugin that needs GitHub fails as when GitHub is down.
        let github = OctocrabGitHub::with_token(
            &format!(
                "http://127.0.0.1:{}",
                prow_test_harness::free_port().unwrap()
            ),
            "ghp_test",
            "hook",
            &wiring.metrics,
        )
        .unwrap();
        Hook::new(
            config(&format!("http://{}/", wiring.external)),
            &wiring.metrics,
            HookOptions {
                github: Some(Arc::new(github) as Arc<dyn prow_ports::github::EventGitHub>),
                max_body_bytes,
                ..HookOptions::new(wiring.secret_file.clone(), handoff, plugins)
            },
        )
        .unwrap()
    })
    .await
}

/// (event, file, body) for every corpus example.
fn examples() -> Vec<(String, String, Vec<u8>)> {
    let Some(root) =
        prow_test_harness::corpus("github-webhooks").map(|c| c.join("github-webhooks"))
    else {
        return vec![];
    };
    let mut all = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap().flatten() {
        if !dir.file_type().unwrap().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
            all.push((
                dir.file_name().to_string_lossy().to_string(),
                file.file_name().to_string_lossy().to_string(),
                std::fs::read(file.path()).unwrap(),
            ));
        }
    }
    all.sort();
    all
}

#[tokio::test]
async fn every_corpus_webhook_yields_exactly_one_cloud_event_and_a_redelivery_none() {
    let examples = examples();
    if examples.is_empty() {
        return;
    }
    let hook = start_hook(false).await;
    for (index, (event, file, body)) in examples.iter().enumerate() {
        let guid = format!("delivery-{index}");
        let (status, text) = hook.deliver(event, &guid, body).await;
        assert_eq!(status, 200, "{event}/{file}: {text}");
    }
    let events = hook.handed_on();
    assert_eq!(events.len(), examples.len());
    for (index, ((event, file, body), sent)) in examples.iter().zip(&events).enumerate() {
        assert_eq!(sent.id(), format!("delivery-{index}"), "{event}/{file}");
        assert_eq!(sent.ty(), format!("dev.prow.github.{event}"));
        assert_eq!(
            &sent.payload()[..],
            &body[..],
            "the payload is forwarded unchanged"
        );
        assert_eq!(
            sent.extension_text("ghsignature"),
            Some(signature(SECRET, body))
        );
        let value: serde_json::Value = serde_json::from_slice(body).unwrap();
        if let Some(full_name) = value["repository"]["full_name"].as_str() {
            assert_eq!(
                sent.source().to_string(),
                format!("https://github.com/{full_name}")
            );
        }
        if let Some(action) = value["action"].as_str() {
            assert_eq!(sent.extension_text("action").as_deref(), Some(action));
        }
        let traceparent = sent.extension_text("traceparent").unwrap();
        assert_eq!(traceparent.len(), 55, "{traceparent}");
        assert!(traceparent.starts_with("00-"));
    }
    // The same deliveries again: acknowledged, and nothing new handed on.
    for (index, (event, _, body)) in examples.iter().enumerate() {
        let (status, _) = hook
            .deliver(event, &format!("delivery-{index}"), body)
            .await;
        assert_eq!(status, 200);
    }
    assert_eq!(hook.handed_on().len(), examples.len());
    let metrics = hook.metrics.encode();
    assert!(
        metrics.contains(&format!(
            "hook_duplicate_deliveries_total {}",
            examples.len()
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("prow_webhook_counter{event_type=\"pull_request\"} 56"),
        "{metrics}"
    );
}

#[tokio::test]
async fn refusals_get_the_right_status_no_event_and_a_metric() {
    let hook = start_hook_with(false, 64 * 1024).await;
    let body =
        br#"{"action":"opened","repository":{"full_name":"o/r","name":"r","owner":{"login":"o"}}}"#;
    let good = signature(SECRET, body);
    let wrong_secret = signature(b"not-the-secret", body);
    let mut flipped = body.to_vec();
    flipped[12] ^= 0x01;
    let sha1_only = format!("sha1={}", &good[7..47]);
    let truncated = good[..40].to_string();
    let not_json = b"{this is not json";
    let not_json_signature = signature(SECRET, not_json);
    let big = vec![b' '; 65 * 1024];
    let big_signature = signature(SECRET, &big);
    // (case, extra headers, body, expected status, expected rejection reason)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [u8], u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "wrong secret",
            vec![("X-Hub-Signature-256", &wrong_secret)],
            body,
            403,
            "signature_mismatch",
        ),
        (
            "one flipped byte",
            vec![("X-Hub-Signature-256", &good)],
            &flipped,
            403,
            "signature_mismatch",
        ),
        (
            "truncated signature",
            vec![("X-Hub-Signature-256", &truncated)],
            body,
            403,
            "malformed_signature",
        ),
        ("missing signature", vec![], body, 403, "missing_signature"),
        (
            "SHA-1 only",
            vec![("X-Hub-Signature", &sha1_only)],
            body,
            403,
            "missing_signature",
        ),
        (
            "SHA-1 value in the SHA-256 header",
            vec![("X-Hub-Signature-256", &sha1_only)],
            body,
            403,
            "malformed_signature",
        ),
        (
            "valid signature over invalid JSON",
            vec![("X-Hub-Signature-256", &not_json_signature)],
            not_json,
            400,
            "invalid_payload",
        ),
        (
            "body over the limit",
            vec![("X-Hub-Signature-256", &big_signature)],
            &big,
            413,
            "too_large",
        ),
    ];
    for (name, extra, payload, status, reason) in cases {
        let mut headers = vec![
            ("X-GitHub-Event", "pull_request"),
            ("X-GitHub-Delivery", "d-1"),
            ("Content-Type", "application/json"),
        ];
        headers.extend(extra);
        let (got, text) = hook.post(&headers, payload).await;
        assert_eq!(got, status, "{name}: {text}");
        let metrics = hook.metrics.encode();
        assert!(
            metrics.contains(&format!(
                "hook_webhook_rejections_total{{reason=\"{reason}\"}}"
            )),
            "{name}: no {reason} metric in\n{metrics}"
        );
    }
    let signed = [
        ("X-Hub-Signature-256", good.as_str()),
        ("Content-Type", "application/json"),
    ];
    for (name, headers, status) in [
        (
            "missing event header",
            vec![("X-GitHub-Delivery", "d-1"), signed[0], signed[1]],
            400,
        ),
        (
            "missing delivery header",
            vec![("X-GitHub-Event", "pull_request"), signed[0], signed[1]],
            400,
        ),
        (
            "wrong content type",
            vec![
                ("X-GitHub-Event", "pull_request"),
                ("X-GitHub-Delivery", "d-1"),
                signed[0],
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            400,
        ),
    ] {
        let (got, text) = hook.post(&headers, body).await;
        assert_eq!(got, status, "{name}: {text}");
    }
    assert!(hook.handed_on().is_empty(), "nothing refused was handed on");
    let metrics = hook.metrics.encode();
    assert!(
        metrics.contains("prow_webhook_response_codes{response_code=\"403\"} 6"),
        "{metrics}"
    );
    assert!(
        metrics.contains("prow_webhook_response_codes{response_code=\"400\"} 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains("prow_webhook_response_codes{response_code=\"413\"} 1"),
        "{metrics}"
    );
    // The upstream names are exposed exactly, without a `_total` suffix.
    assert!(
        metrics.contains("# TYPE prow_webhook_response_codes unknown"),
        "{metrics}"
    );
    // The hook still works after all that.
    let (status, _) = hook.deliver("ping", "d-ok", body).await;
    assert_eq!(status, 200);
    assert_eq!(hook.handed_on().len(), 1);
}

#[tokio::test]
async fn a_failed_handoff_answers_503_and_loses_nothing_on_redelivery() {
    let hook = start_hook(false).await;
    let body = br#"{"zen":"Keep it logically awesome.","hook_id":1,"repository":{"full_name":"o/r","name":"r","owner":{"login":"o"}}}"#;
    hook.sink.failing.store(true, Ordering::SeqCst);
    let (status, _) = hook.deliver("ping", "d-retry", body).await;
    assert_eq!(status, 503, "GitHub must see the failure");
    hook.sink.failing.store(false, Ordering::SeqCst);
    let (status, _) = hook.deliver("ping", "d-retry", body).await;
    assert_eq!(
        status, 200,
        "the redelivery is not mistaken for a duplicate"
    );
    let events = hook.handed_on();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id(), "d-retry");
}

fn comment_payload(body: &str, repo: &str) -> Vec<u8> {
    let (org, name) = repo.split_once('/').unwrap();
    serde_json::to_vec(&serde_json::json!({
        "action": "created",
        "issue": {"number": 7, "title": "t", "user": {"login": "author"}, "pull_request": {"url": "x"}},
        "comment": {"id": 99, "body": body, "user": {"login": "reviewer"}},
        "repository": {"name": name, "full_name": repo, "owner": {"login": org}},
        "sender": {"login": "reviewer"}
    }))
    .unwrap()
}

#[tokio::test]
async fn plugins_run_from_the_cloud_event_that_comes_back_and_only_from_a_signed_one() {
    let hook = start_hook(false).await;
    let body = comment_payload("/record please", "Codertocat/Hello-World");
    assert_eq!(
        hook.deliver("issue_comment", "d-plugin", &body).await.0,
        200
    );
    assert!(
        hook.recorded.lock().unwrap().is_empty(),
        "no plugin runs before the event comes back"
    );
    let event = hook.handed_on().pop().unwrap();

    let (status, text) = hook.post_event("/plugins/yuks", &event).await;
    assert_eq!(
        (status, text.as_str()),
        (200, "yuks: 0 action(s), 0 already done")
    );
    assert_eq!(
        *hook.recorded.lock().unwrap(),
        ["issue_comment comment \"/record please\""]
    );

    // A failing plugin answers 5xx, so the broker retries that plugin alone.
    assert_eq!(hook.post_event("/plugins/shrug", &event).await.0, 500);
    assert_eq!(hook.post_event("/plugins/nonexistent", &event).await.0, 404);

    // Anything not signed by GitHub is refused, whatever it claims.
    let mut forged = event.clone();
    forged.set_data_unchecked(comment_payload("/lgtm", "Codertocat/Hello-World"));
    assert_eq!(hook.post_event("/plugins/yuks", &forged).await.0, 403);
    let mut unsigned = event.clone();
    unsigned.remove_extension("ghsignature");
    assert_eq!(hook.post_event("/plugins/yuks", &unsigned).await.0, 403);
    assert_eq!(
        hook.recorded.lock().unwrap().len(),
        1,
        "neither ran the plugin"
    );

    // Not enabled for this repository: acknowledged, not run.
    let elsewhere = comment_payload("/record", "someone/else");
    assert_eq!(
        hook.deliver("issue_comment", "d-elsewhere", &elsewhere)
            .await
            .0,
        200
    );
    let event = hook.handed_on().pop().unwrap();
    assert_eq!(
        hook.post_event("/plugins/yuks", &event).await,
        (200, "yuks does not apply".to_string())
    );
    assert_eq!(hook.recorded.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn external_plugins_get_the_original_payload_and_headers_for_their_events() {
    let hook = start_hook(false).await;
    let comment = comment_payload("/hello", "Codertocat/Hello-World");
    assert_eq!(
        hook.deliver("issue_comment", "d-ext", &comment).await.0,
        200
    );
    let event = hook.handed_on().pop().unwrap();
    assert_eq!(
        hook.post_event("/external-plugins/needs-comments", &event)
            .await
            .0,
        200
    );
    assert_eq!(
        hook.post_event("/external-plugins/everything", &event)
            .await
            .0,
        200
    );
    let forwarded = hook.forwarded.lock().unwrap().clone();
    assert_eq!(forwarded.len(), 2);
    for (headers, body) in &forwarded {
        assert_eq!(body, &comment);
        assert_eq!(headers["x-github-event"], "issue_comment");
        assert_eq!(headers["x-github-delivery"], "d-ext");
        assert_eq!(
            headers["x-hub-signature-256"],
            signature(SECRET, &comment).as_str()
        );
        assert_eq!(headers["user-agent"], "ProwHook");
    }
    // A push is not among `needs-comments`' events.
    let push = br#"{"ref":"refs/heads/main","before":"a","after":"b","repository":{"name":"Hello-World","full_name":"Codertocat/Hello-World","owner":{"login":"Codertocat"}},"sender":{"login":"x"}}"#;
    assert_eq!(hook.deliver("push", "d-push", push).await.0, 200);
    let event = hook.handed_on().pop().unwrap();
    let (status, text) = hook
        .post_event("/external-plugins/needs-comments", &event)
        .await;
    assert_eq!(
        (status, text.as_str()),
        (200, "needs-comments does not take this event")
    );
    assert_eq!(hook.forwarded.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn plugin_help_describes_plugins_as_upstream_does() {
    let hook = start_hook(false).await;
    let text = reqwest::get(format!("{}/plugin-help", hook.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let help: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        help["RepoPlugins"]["Codertocat"],
        serde_json::json!(["yuks", "shrug"])
    );
    assert_eq!(
        help["RepoPlugins"][""],
        serde_json::json!(["shrug", "yuks"])
    );
    assert_eq!(
        help["RepoExternalPlugins"][""],
        serde_json::json!(["everything", "needs-comments"])
    );
    assert_eq!(help["AllRepos"], serde_json::json!(["octo-org/octo-repo"]));
    assert_eq!(
        help["PluginHelp"]["yuks"]["Description"],
        "records events (enabled in Codertocat, octo-org/octo-repo)"
    );
    assert_eq!(
        help["PluginHelp"]["yuks"]["Commands"][0]["Usage"],
        "/record"
    );
    assert_eq!(
        help["RepoExternalPlugins"]["Codertocat/Hello-World"],
        serde_json::json!(["needs-comments", "everything"])
    );
    assert_eq!(
        help["ExternalPluginHelp"]["everything"]["Description"],
        "an external plugin"
    );
}

#[tokio::test]
async fn without_a_sink_plugins_run_in_process() {
    let hook = start_hook(true).await;
    let body = comment_payload("/record locally", "Codertocat/Hello-World");
    assert_eq!(hook.deliver("issue_comment", "d-local", &body).await.0, 200);
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if !hook.recorded.lock().unwrap().is_empty()
                && hook.forwarded.lock().unwrap().len() == 2
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the plugin and both external plugins ran");
    assert_eq!(
        *hook.recorded.lock().unwrap(),
        ["issue_comment comment \"/record locally\""]
    );
}

#[tokio::test]
async fn webhooks_from_the_github_stand_in_are_accepted() {
    use github_standin::{GitHubStandIn, World};
    let hook = start_hook(false).await;
    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice"]).add_repo("acme/widgets");
    let standin = GitHubStandIn::start(world).await.unwrap();
    standin.world().open_pull_request(
        "acme/widgets",
        "alice",
        "feature",
        "Add a widget",
        &[("w.go", "package w\n")],
    );
    let delivered = standin
        .deliver_pending(&format!("{}/hook", hook.url()), SECRET)
        .await
        .unwrap();
    assert!(!delivered.is_empty());
    assert!(
        delivered.iter().all(|(_, status)| *status == 200),
        "{delivered:?}"
    );
    let events = hook.handed_on();
    assert_eq!(events.len(), delivered.len());
    assert!(
        events
            .iter()
            .any(|e| e.ty() == "dev.prow.github.pull_request"
                && *e.source() == "https://github.com/acme/widgets"
                && e.extension_text("action").as_deref() == Some("opened"))
    );
}
