//! The real Pub/Sub emulator with Google's own Rust SDK (the crate our functions use): publish and
//! streaming pull, and push delivery to a local HTTP endpoint with the emulator's retry.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use base64::Engine;
use google_cloud_pubsub::client::{Publisher, Subscriber};
use google_cloud_pubsub::model::Message;
use prow_test_harness::PubSubEmulator;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PROJECT: &str = "prow-test";

fn anonymous() -> google_cloud_auth::credentials::Credentials {
    google_cloud_auth::credentials::anonymous::Builder::new().build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_and_streaming_pull_through_the_emulator() {
    let Some(emulator) = PubSubEmulator::start_or_skip().await.unwrap() else {
        return;
    };
    eprintln!("Pub/Sub emulator ready in {:?}", emulator.ready_after);
    emulator.create_topic(PROJECT, "prow-jobs").await.unwrap();
    emulator
        .create_subscription(PROJECT, "prow-jobs-pull", "prow-jobs", None)
        .await
        .unwrap();

    let publisher = Publisher::builder(format!("projects/{PROJECT}/topics/prow-jobs"))
        .with_endpoint(emulator.endpoint())
        .with_credentials(anonymous())
        .build()
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        let message = Message::new()
            .set_data(format!("{{\"name\":\"job-{i}\"}}"))
            .set_attributes([(
                "prow.k8s.io/pubsub.EventType",
                "prow.k8s.io/pubsub.PeriodicProwJobEvent",
            )]);
        ids.push(publisher.publish(message).await.unwrap());
    }
    assert_eq!(ids.len(), 3);

    let subscriber = Subscriber::builder()
        .with_endpoint(emulator.endpoint())
        .with_credentials(anonymous())
        .build()
        .await
        .unwrap();
    let mut stream = subscriber
        .subscribe(format!("projects/{PROJECT}/subscriptions/prow-jobs-pull"))
        .build();
    let mut received = Vec::new();
    while received.len() < 3 {
        let next = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("a message within 20 s");
        let (message, handler) = next.expect("stream open").expect("message");
        assert_eq!(
            message
                .attributes
                .get("prow.k8s.io/pubsub.EventType")
                .map(String::as_str),
            Some("prow.k8s.io/pubsub.PeriodicProwJobEvent")
        );
        received.push(String::from_utf8(message.data.to_vec()).unwrap());
        handler.ack();
    }
    received.sort();
    assert_eq!(
        received,
        [
            r#"{"name":"job-0"}"#,
            r#"{"name":"job-1"}"#,
            r#"{"name":"job-2"}"#
        ]
    );
}

type Pushes = Arc<Mutex<Vec<serde_json::Value>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_deliveries_arrive_as_the_json_envelope_and_are_retried_until_2xx() {
    let Some(emulator) = PubSubEmulator::start_or_skip().await.unwrap() else {
        return;
    };
    // The endpoint fails the first delivery, so the emulator must retry it.
    let pushes = Pushes::default();
    let app = Router::new()
        .route(
            "/push",
            post(
                |State(pushes): State<Pushes>, body: axum::body::Bytes| async move {
                    let envelope: serde_json::Value =
                        serde_json::from_slice(&body).expect("JSON envelope");
                    let mut pushes = pushes.lock().unwrap();
                    pushes.push(envelope);
                    if pushes.len() == 1 {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::NO_CONTENT
                    }
                },
            ),
        )
        .with_state(pushes.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    emulator.create_topic(PROJECT, "prow-events").await.unwrap();
    emulator
        .create_subscription(
            PROJECT,
            "prow-events-push",
            "prow-events",
            Some(&format!("http://{address}/push?token=t")),
        )
        .await
        .unwrap();
    let id = emulator
        .publish(
            PROJECT,
            "prow-events",
            b"{\"name\":\"ci-nightly\"}",
            &[("source", "test")],
        )
        .await
        .unwrap();

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while pushes.lock().unwrap().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the failed push was not retried within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pushes = pushes.lock().unwrap().clone();
    assert_eq!(pushes.len(), 2, "a 2xx stops redelivery");
    for envelope in &pushes {
        assert_eq!(
            envelope["subscription"],
            format!("projects/{PROJECT}/subscriptions/prow-events-push")
        );
        assert_eq!(envelope["message"]["messageId"], id.as_str());
        assert_eq!(envelope["message"]["attributes"]["source"], "test");
        assert!(envelope["message"]["publishTime"].is_string());
        let data = base64::engine::general_purpose::STANDARD
            .decode(envelope["message"]["data"].as_str().unwrap())
            .unwrap();
        assert_eq!(data, b"{\"name\":\"ci-nightly\"}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_publish_and_pull_round_trip() {
    let Some(emulator) = PubSubEmulator::start_or_skip().await.unwrap() else {
        return;
    };
    emulator
        .create_topic(PROJECT, "dead-letters")
        .await
        .unwrap();
    emulator
        .create_subscription(PROJECT, "dead-letters-pull", "dead-letters", None)
        .await
        .unwrap();
    emulator
        .publish(
            PROJECT,
            "dead-letters",
            b"bad",
            &[("reason", "unknown job")],
        )
        .await
        .unwrap();
    let messages = emulator
        .pull(PROJECT, "dead-letters-pull", 10)
        .await
        .unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].data, b"bad");
    assert_eq!(messages[0].attributes["reason"], "unknown job");
    assert!(
        emulator
            .pull(PROJECT, "dead-letters-pull", 10)
            .await
            .unwrap()
            .is_empty(),
        "acknowledged messages are gone"
    );
}
