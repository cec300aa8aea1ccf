//! The crier function's Pub/Sub reporter against the real emulator (messages pulled and checked
//! against upstream's schema), and its Slack reporter against a server speaking Slack's
//! `chat.postMessage`; every event delivered twice.

use crate::support::{Bench, Reporters};
use prow_api::{ProwJob, ProwJobState};
use prow_ports::pubsub::Publish;
use prow_ports::slack::SlackPoster;
use prow_ports::store::JobStore;
use prow_slack::SlackWebApi;
use prow_test_harness::PubSubEmulator;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const PROJECT: &str = "prow-test";

const CONFIG: &str = r#"
prowjob_namespace: prow
plank:
  job_url_prefix_config:
    '*': https://prow.example.com/view/
slack_reporter_configs:
  '*':
    job_types_to_report: [periodic]
    job_states_to_report: [failure, error]
    channel: ci-alerts
"#;

fn setup(pubsub: Option<Arc<dyn Publish>>, slack: Option<Arc<dyn SlackPoster>>) -> Bench {
    Bench::start(
        Reporters {
            pubsub,
            slack,
            ..Reporters::default()
        },
        CONFIG,
        prow_runtime::Metrics::new("crier"),
        "https://prow.example.com/view/s3/prow-logs/logs/nightly-build/",
    )
}

fn periodic(name: &str, topic: &str) -> ProwJob {
    serde_json::from_value(json!({
        "apiVersion": "prow.k8s.io/v1",
        "kind": "ProwJob",
        "metadata": {"name": name, "labels": {
            "prow.k8s.io/pubsub.project": PROJECT,
            "prow.k8s.io/pubsub.topic": topic,
            "prow.k8s.io/pubsub.runID": format!("run-{name}")
        }},
        "spec": {
            "type": "periodic", "job": "nightly-build",
            "extra_refs": [{"org": "acme", "repo": "widgets", "base_ref": "main"}]
        },
        "status": {"state": "triggered", "description": "Job triggered.", "startTime": "2026-01-01T00:00:00Z"}
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_messages_reach_the_emulator_once_per_state_in_upstreams_schema() {
    let Some(emulator) = PubSubEmulator::start_or_skip().await.unwrap() else {
        return;
    };
    emulator
        .create_topic(PROJECT, "prow-results")
        .await
        .unwrap();
    emulator
        .create_subscription(PROJECT, "results-pull", "prow-results", None)
        .await
        .unwrap();
    let setup = setup(
        Some(Arc::new(prow_pubsub::PubSubPublishers::new(Some(
            emulator.endpoint(),
        )))),
        None,
    );

    setup
        .store
        .create(&periodic("nightly-1", "prow-results"))
        .await
        .unwrap();
    setup.deliver_twice("nightly-1").await;
    setup
        .move_and_deliver("nightly-1", ProwJobState::Pending, "Job triggered.")
        .await;
    setup
        .move_and_deliver("nightly-1", ProwJobState::Success, "Job succeeded.")
        .await;

    let mut messages = Vec::new();
    for _ in 0..20 {
        messages.extend(emulator.pull(PROJECT, "results-pull", 10).await.unwrap());
        if messages.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    messages.extend(emulator.pull(PROJECT, "results-pull", 10).await.unwrap());
    let bodies: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| serde_json::from_slice(&m.data).unwrap())
        .collect();
    let statuses: Vec<&str> = bodies
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["triggered", "pending", "success"], "{bodies:#?}");
    assert_eq!(
        bodies[2],
        json!({
            "project": PROJECT,
            "topic": "prow-results",
            "runid": "run-nightly-1",
            "status": "success",
            "url": "https://prow.example.com/view/s3/prow-logs/logs/nightly-build/nightly-1",
            "gcs_path": "s3://prow-logs/logs/nightly-build/nightly-1",
            "refs": [{"org": "acme", "repo": "widgets", "base_ref": "main"}],
            "job_type": "periodic",
            "job_name": "nightly-build",
            "message": "Job succeeded."
        })
    );
    assert_eq!(
        setup.metric("crier_reporting_results"),
        "crier_reporting_results{reporter=\"pubsub-reporter\",result=\"success\"} 3"
    );

    // A topic that does not exist is a mistake retrying cannot mend: acknowledged, counted.
    setup
        .store
        .create(&periodic("nightly-2", "no-such-topic"))
        .await
        .unwrap();
    assert_eq!(setup.post("nightly-2").await, 200);
    let job = setup.store.get("nightly-2").await.unwrap();
    assert!(job.status.prev_report_states.is_empty());
    assert!(
        setup
            .metric("crier_reporting_results")
            .contains("crier_reporting_results{reporter=\"pubsub-reporter\",result=\"error\"} 1"),
        "{}",
        setup.metric("crier_reporting_results")
    );
}

/// Slack's `chat.postMessage`, recording what it is sent; answers 503 `unavailable` times first.
#[derive(Clone, Default)]
struct SlackServer {
    posts: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    unavailable: Arc<Mutex<usize>>,
}

async fn start_slack(server: SlackServer) -> String {
    use axum::http::{HeaderMap, StatusCode};
    let app = axum::Router::new().route(
        "/api/chat.postMessage",
        axum::routing::post(
            |axum::extract::State(server): axum::extract::State<SlackServer>,
             headers: HeaderMap,
             axum::Json(body): axum::Json<serde_json::Value>| async move {
                {
                    let mut unavailable = server.unavailable.lock().unwrap();
                    if *unavailable > 0 {
                        *unavailable -= 1;
                        return (
                            StatusCode::SERVICE_UNAVAILABLE,
                            axum::Json(json!({"ok": false})),
                        );
                    }
                }
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                if body["channel"] == "archived" {
                    return (
                        StatusCode::OK,
                        axum::Json(json!({"ok": false, "error": "is_archived"})),
                    );
                }
                server.posts.lock().unwrap().push((auth, body));
                (StatusCode::OK, axum::Json(json!({"ok": true, "ts": "1.0"})))
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app.with_state(server)).await });
    format!("http://{address}/api")
}

#[tokio::test]
async fn slack_hears_about_failed_periodics_once_even_when_slack_fails_first() {
    let server = SlackServer::default();
    let endpoint = start_slack(server.clone()).await;
    let poster = SlackWebApi::new(
        &endpoint,
        BTreeMap::from([("*".to_string(), "xoxb-secret".to_string())]),
    );
    let setup = setup(None, Some(Arc::new(poster)));
    let mut job = periodic("nightly-1", "unused");
    job.metadata.labels = None;
    setup.store.create(&job).await.unwrap();
    setup.deliver_twice("nightly-1").await;
    setup
        .move_and_deliver("nightly-1", ProwJobState::Pending, "Job triggered.")
        .await;
    assert!(
        server.posts.lock().unwrap().is_empty(),
        "only failures are reported"
    );

    setup
        .set_state("nightly-1", ProwJobState::Failure, "Job failed.")
        .await;
    *server.unavailable.lock().unwrap() = 1;
    assert_eq!(
        setup.post("nightly-1").await,
        500,
        "Slack unavailable: redeliver"
    );
    setup.deliver_twice("nightly-1").await;
    let posts = server.posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 1, "{posts:#?}");
    let (auth, body) = &posts[0];
    assert_eq!(auth, "Bearer xoxb-secret");
    assert_eq!(body["channel"], "ci-alerts");
    assert_eq!(
        body["text"],
        "Job nightly-build of type periodic ended with state failure. <https://prow.example.com/view/s3/prow-logs/logs/nightly-build/nightly-1|View logs>"
    );

    // A channel Slack refuses for good is logged, not retried forever.
    let mut archived = periodic("nightly-2", "unused");
    archived.metadata.labels = None;
    archived.spec.reporter_config = Some(prow_api::ReporterConfig {
        slack: Some(prow_api::SlackReporterConfig {
            channel: "archived".into(),
            ..Default::default()
        }),
    });
    setup.store.create(&archived).await.unwrap();
    setup
        .set_state(
            "nightly-2",
            ProwJobState::Error,
            "Pod got deleted unexpectedly",
        )
        .await;
    assert_eq!(setup.post("nightly-2").await, 200);
    assert_eq!(server.posts.lock().unwrap().len(), 1);
}
