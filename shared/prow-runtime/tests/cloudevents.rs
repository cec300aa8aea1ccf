//! CloudEvents over HTTP in both of Knative's modes.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue};
use prow_runtime::cloudevents::{CloudEvent, CloudEventError};

fn event() -> CloudEvent {
    CloudEvent {
        id: "72d3162e-cc78-11e3-81ab-4c9367dc0958".into(),
        source: "https://github.com/o/r".into(),
        event_type: "dev.prow.github.issue_comment".into(),
        time: Some("2026-11-28T01:00:00Z".into()),
        subject: None,
        extensions: vec![
            ("action".into(), "created".into()),
            ("ghsignature".into(), "sha256=00".into()),
            (
                "traceparent".into(),
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into(),
            ),
        ],
        data: Bytes::from_static(br#"{"action":"created"}"#),
    }
}

#[test]
fn binary_mode_round_trips() {
    let sent = event();
    let headers = sent.binary_headers().unwrap();
    assert_eq!(headers["ce-specversion"], "1.0");
    assert_eq!(headers["ce-type"], "dev.prow.github.issue_comment");
    assert_eq!(headers["ce-ghsignature"], "sha256=00");
    assert_eq!(
        headers["traceparent"],
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    );
    assert_eq!(headers["content-type"], "application/json");
    let received = CloudEvent::from_http(&headers, sent.data.clone()).unwrap();
    assert_eq!(received, sent);
    assert_eq!(received.github_event(), Some("issue_comment"));
}

fn structured(body: serde_json::Value) -> Result<CloudEvent, CloudEventError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/cloudevents+json; charset=utf-8"),
    );
    headers.insert(
        "traceparent",
        HeaderValue::from_static("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    );
    CloudEvent::from_http(&headers, Bytes::from(serde_json::to_vec(&body).unwrap()))
}

#[test]
fn structured_mode_reads_json_and_base64_data() {
    let with_json = structured(serde_json::json!({
        "specversion": "1.0", "id": "1", "source": "s", "type": "t",
        "datacontenttype": "application/json", "data": {"action": "created"},
        "ghsignature": "sha256=00", "action": "created"
    }))
    .unwrap();
    assert_eq!(&with_json.data[..], br#"{"action":"created"}"#);
    assert_eq!(with_json.extension("ghsignature"), Some("sha256=00"));
    assert_eq!(with_json.extension("traceparent").map(str::len), Some(55));

    let with_base64 = structured(serde_json::json!({
        "specversion": "1.0", "id": "2", "source": "s", "type": "t",
        "data_base64": "eyJhIjoxfQ=="
    }))
    .unwrap();
    assert_eq!(&with_base64.data[..], br#"{"a":1}"#);
}

#[test]
fn events_missing_required_attributes_are_refused_by_name() {
    let error = structured(serde_json::json!({"specversion": "1.0", "source": "s", "type": "t"}))
        .unwrap_err();
    assert_eq!(error.to_string(), "not a CloudEvent: missing id");
    let mut headers = event().binary_headers().unwrap();
    headers.remove("ce-source");
    let error = CloudEvent::from_http(&headers, Bytes::new()).unwrap_err();
    assert_eq!(error.to_string(), "not a CloudEvent: missing ce-source");
    let error = CloudEvent::from_http(&HeaderMap::new(), Bytes::from_static(b"{}")).unwrap_err();
    assert!(error.to_string().contains("ce-specversion"), "{error}");
}
