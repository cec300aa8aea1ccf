//! Jobs from Pub/Sub through the real emulator: upstream `sub` messages published to a topic
//! whose push subscription points at the running function become ProwJobs; a malformed message,
//! one naming an unknown job and one from a subscription `pubsub_triggers` does not list are
//! acknowledged and dead-lettered once, not redelivered forever; a push without the token is
//! refused.

use crate::support::embedded_trigger;
use prow_ports::store::JobStore;
use prow_test_harness::PubSubEmulator;
use std::sync::Arc;
use std::time::Duration;
use trigger::pubsub::{DeadLetter, EVENT_TYPE_ATTRIBUTE, PERIODIC_EVENT, POSTSUBMIT_EVENT};

const PROJECT: &str = "prow-test";
const TOKEN: &str = "push-secret-3f9a";

const JOBS: &str = r#"
periodics:
- name: nightly
  interval: 24h
  spec: {containers: [{image: alpine, command: [make, nightly], env: [{name: MODE, value: full}]}]}
postsubmits:
  acme/widgets:
  - name: post-build
    branches: [main]
    spec: {containers: [{image: alpine, command: [make, release]}]}
"#;

/// Publishes `data` to `topic` of the test project as upstream's `event_type`; the message id.
async fn publish(emulator: &PubSubEmulator, topic: &str, data: &[u8], event_type: &str) -> String {
    emulator
        .publish(PROJECT, topic, data, &[(EVENT_TYPE_ATTRIBUTE, event_type)])
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_messages_pushed_by_the_emulator_become_prowjobs() {
    let Some(emulator) = PubSubEmulator::start_or_skip().await.unwrap() else {
        return;
    };
    emulator.create_topic(PROJECT, "prow-jobs").await.unwrap();
    emulator
        .create_topic(PROJECT, "prow-dead-letter")
        .await
        .unwrap();
    emulator
        .create_subscription(PROJECT, "dead-letter-pull", "prow-dead-letter", None)
        .await
        .unwrap();

    // The push subscription may request jobs on any cluster; `other-push` is not listed.
    let config = prow_test_harness::strict_config(
        "pubsub_triggers:\n- project: prow-test\n  topics: [prow-jobs-push]\n  allowed_clusters: [\"*\"]\n",
        JOBS,
        None,
    );
    let dead_letter = DeadLetter::new(
        &format!("projects/{PROJECT}/topics/prow-dead-letter"),
        Arc::new(prow_pubsub::PubSubPublishers::new(Some(
            emulator.endpoint(),
        ))),
    );
    let metrics = prow_runtime::Metrics::new("trigger");
    let embedded = embedded_trigger(
        config,
        None,
        trigger::push_auth::PushAuth::Token(TOKEN.into()),
        Some(dead_letter),
        &metrics,
    );
    let store = embedded.store;
    // As the public Service pushes reach runs it (TRIGGER_ROUTES=pubsub).
    let router = embedded.trigger.pubsub_router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    // CloudEvents are not taken there: they stay inside the cluster.
    let event_route = reqwest::Client::new()
        .post(format!("http://{address}/"))
        .header("ce-specversion", "1.0")
        .header("ce-id", "1")
        .header("ce-source", "https://github.com/o/r")
        .header("ce-type", "dev.prow.github.pull_request")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(event_route.status(), 404);

    // Without the token: refused.
    let refused = reqwest::Client::new()
        .post(format!("http://{address}/pubsub"))
        .json(&serde_json::json!({"message": {"data": "", "messageId": "1"}, "subscription": "s"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    emulator
        .create_subscription(
            PROJECT,
            "prow-jobs-push",
            "prow-jobs",
            Some(&format!("http://{address}/pubsub?token={TOKEN}")),
        )
        .await
        .unwrap();
    let periodic = publish(&emulator, "prow-jobs", br#"{"name": "nightly", "envs": {"MODE": "quick"}, "labels": {"team": "infra"}, "annotations": {"requested-by": "release-bot"}}"#, PERIODIC_EVENT).await;
    let postsubmit = publish(&emulator, "prow-jobs", br#"{"name": "post-build", "refs": {"org": "acme", "repo": "widgets", "base_ref": "main", "base_sha": "abc123"}}"#, POSTSUBMIT_EVENT).await;
    publish(&emulator, "prow-jobs", b"{not json", PERIODIC_EVENT).await;
    publish(
        &emulator,
        "prow-jobs",
        br#"{"name": "no-such-job"}"#,
        PERIODIC_EVENT,
    )
    .await;

    // A subscription config.yaml does not list may not request jobs.
    emulator.create_topic(PROJECT, "other-jobs").await.unwrap();
    emulator
        .create_subscription(
            PROJECT,
            "other-push",
            "other-jobs",
            Some(&format!("http://{address}/pubsub?token={TOKEN}")),
        )
        .await
        .unwrap();
    publish(
        &emulator,
        "other-jobs",
        br#"{"name": "nightly"}"#,
        PERIODIC_EVENT,
    )
    .await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let jobs = loop {
        let jobs = store.list("").await.unwrap();
        if jobs.len() >= 2 || tokio::time::Instant::now() > deadline {
            break jobs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    let nightly = jobs.iter().find(|j| j.spec.job == "nightly").unwrap();
    assert_eq!(
        nightly.name(),
        prow_trigger::jobs::job_name(&periodic, "nightly"),
        "named after the message"
    );
    assert_eq!(nightly.spec.job_type, prow_api::ProwJobType::Periodic);
    let env = &nightly.spec.pod_spec.as_ref().unwrap().containers[0]
        .env
        .as_ref()
        .unwrap();
    assert_eq!(
        env.iter()
            .find(|v| v.name == "MODE")
            .and_then(|v| v.value.as_deref()),
        Some("quick"),
        "the message's envs override the job's"
    );
    assert_eq!(
        nightly
            .metadata
            .labels
            .as_ref()
            .unwrap()
            .get("team")
            .map(String::as_str),
        Some("infra")
    );
    assert_eq!(
        nightly
            .metadata
            .annotations
            .as_ref()
            .unwrap()
            .get("requested-by")
            .map(String::as_str),
        Some("release-bot")
    );
    let post = jobs.iter().find(|j| j.spec.job == "post-build").unwrap();
    assert_eq!(
        post.name(),
        prow_trigger::jobs::job_name(&postsubmit, "post-build")
    );
    assert_eq!(post.spec.refs.as_ref().unwrap().base_sha, "abc123");

    // The three bad messages are dead-lettered, each once, with the reason.
    let mut dead = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while dead.len() < 3 && tokio::time::Instant::now() < deadline {
        dead.extend(
            emulator
                .pull(PROJECT, "dead-letter-pull", 10)
                .await
                .unwrap(),
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Had they been refused, the emulator would push them again within its ack deadline.
    tokio::time::sleep(Duration::from_secs(3)).await;
    dead.extend(
        emulator
            .pull(PROJECT, "dead-letter-pull", 10)
            .await
            .unwrap(),
    );
    assert_eq!(dead.len(), 3, "{dead:?}");
    let reasons: Vec<String> = dead
        .iter()
        .map(|m| {
            m.attributes["prow.k8s.io/dead-letter.reason"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("is not a ProwJobEvent")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("no periodic job named \"no-such-job\"")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains(
            "subscription \"projects/prow-test/subscriptions/other-push\" is not one of config.yaml's pubsub_triggers"
        )),
        "{reasons:?}"
    );
    assert!(dead.iter().any(|m| m.data == b"{not json"));
    assert_eq!(
        store.list("").await.unwrap().len(),
        2,
        "nothing more was created"
    );
}
