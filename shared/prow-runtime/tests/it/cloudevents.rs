//! CloudEvents over HTTP in both of Knative's modes, through the SDK's binding with Prow's
//! extensions and trace header kept.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue};
use prow_ports::events::{AttributesReader, CloudEvent, EventError, NewEvent, ProwEvent};
use prow_runtime::cloudevents::{from_http, to_http};

const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

fn event() -> CloudEvent {
    NewEvent {
        id: "72d3162e-cc78-11e3-81ab-4c9367dc0958".into(),
        source: "https://github.com/o/r".into(),
        event_type: "dev.prow.github.issue_comment".into(),
        time: Some("2026-11-28T01:00:00Z".into()),
        extensions: vec![
            ("action".into(), "created".into()),
            ("ghsignature".into(), "sha256=00".into()),
            ("traceparent".into(), TRACEPARENT.into()),
        ],
        data: br#"{"action":"created"}"#.to_vec(),
        ..NewEvent::default()
    }
    .build()
    .unwrap()
}

#[test]
fn binary_mode_round_trips() {
    let sent = event();
    let (headers, body) = to_http(&sent).unwrap();
    assert_eq!(headers["ce-specversion"], "1.0");
    assert_eq!(headers["ce-type"], "dev.prow.github.issue_comment");
    assert_eq!(headers["ce-ghsignature"], "sha256=00");
    assert_eq!(headers["traceparent"], TRACEPARENT);
    assert!(headers.get("ce-traceparent").is_none(), "{headers:?}");
    assert_eq!(headers["content-type"], "application/json");
    let received = from_http(&headers, Bytes::from(body)).unwrap();
    assert_eq!(received.id(), sent.id());
    assert_eq!(received.ty(), sent.ty());
    assert_eq!(received.source(), sent.source());
    assert_eq!(received.time(), sent.time());
    assert_eq!(&received.payload()[..], br#"{"action":"created"}"#);
    for name in ["action", "ghsignature", "traceparent"] {
        assert_eq!(
            received.extension_text(name),
            sent.extension_text(name),
            "{name}"
        );
    }
    assert_eq!(received.github_event(), Some("issue_comment"));
}

fn structured(body: serde_json::Value) -> Result<CloudEvent, EventError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/cloudevents+json; charset=utf-8"),
    );
    headers.insert("traceparent", HeaderValue::from_static(TRACEPARENT));
    from_http(&headers, Bytes::from(serde_json::to_vec(&body).unwrap()))
}

#[test]
fn structured_mode_reads_json_and_base64_data() {
    let with_json = structured(serde_json::json!({
        "specversion": "1.0", "id": "1", "source": "s", "type": "t",
        "datacontenttype": "application/json", "data": {"action": "created"},
        "ghsignature": "sha256=00", "action": "created"
    }))
    .unwrap();
    assert_eq!(&with_json.payload()[..], br#"{"action":"created"}"#);
    assert_eq!(
        with_json.extension_text("ghsignature").as_deref(),
        Some("sha256=00")
    );
    assert_eq!(
        with_json.extension_text("traceparent").as_deref(),
        Some(TRACEPARENT)
    );

    let with_base64 = structured(serde_json::json!({
        "specversion": "1.0", "id": "2", "source": "s", "type": "t",
        "data_base64": "eyJhIjoxfQ=="
    }))
    .unwrap();
    assert_eq!(&with_base64.payload()[..], br#"{"a":1}"#);
}

#[test]
fn events_missing_required_attributes_are_refused_by_name() {
    let error = structured(serde_json::json!({"specversion": "1.0", "source": "s", "type": "t"}))
        .unwrap_err();
    assert!(error.to_string().contains("id"), "{error}");
    let (mut headers, body) = to_http(&event()).unwrap();
    headers.remove("ce-source");
    let error = from_http(&headers, Bytes::from(body)).unwrap_err();
    assert!(error.to_string().contains("source"), "{error}");
    let error = from_http(&HeaderMap::new(), Bytes::from_static(b"{}")).unwrap_err();
    assert!(
        error.to_string().starts_with("not a valid CloudEvent"),
        "{error}"
    );
}
