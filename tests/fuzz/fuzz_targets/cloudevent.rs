//! CloudEvents as Knative delivers them to the functions: headers and body through the
//! CloudEvents SDK's HTTP binding, binary mode (`ce-*` headers) and structured mode
//! (`content-type: application/cloudevents+json`), with the trace context copied from its own
//! headers as `prow_runtime::cloudevents::from_http` does; read as the functions read them
//! (`ProwEvent::wake`, `github_event`, `payload`, `apiserver_object`); and, for a GitHub event,
//! `Delivery::from_cloud_event`, which checks the `ghsignature` extension against the HMAC
//! secret before reading the payload.
//!
//! Input: a first line, then headers (`Name: value`) up to an empty line, then the body. When
//! the first line is `signed`, the decoded event's `ghsignature` is set to its payload's valid
//! signature, so the payload is read as a GitHub event.

#![no_main]

use cloudevents::binding::http::to_event;
use libfuzzer_sys::fuzz_target;
use prow_fuzz::{Request, fatal};
use prow_github::webhook::{HmacSecret, signature};
use prow_plugins::Delivery;
use prow_ports::events::{ProwEvent, SIGNATURE_EXTENSION, TRACEPARENT_EXTENSION};
use std::sync::LazyLock;

const SECRET: &[u8] = b"fuzz-hmac-secret";

static HMAC: LazyLock<HmacSecret> = LazyLock::new(|| match HmacSecret::parse(SECRET) {
    Ok(secret) => secret,
    Err(error) => fatal("the fuzz HMAC secret", &error),
});

fuzz_target!(|data: &[u8]| {
    let request = Request::parse(data);
    let headers = request.header_map();
    let Ok(mut event) = to_event(&headers, request.body.to_vec()) else {
        return;
    };
    for name in [TRACEPARENT_EXTENSION, "tracestate"] {
        if event.extension(name).is_none()
            && let Some(value) = headers.get(name).and_then(|v| v.to_str().ok())
        {
            event.set_extension(name, value.to_string());
        }
    }
    let _ = event.wake();
    let _ = event.extension_text(SIGNATURE_EXTENSION);

    if event.github_event().is_some() {
        if request.first_line == b"signed" {
            let signed = signature(SECRET, &event.payload());
            event.set_extension(SIGNATURE_EXTENSION, signed);
        }
        let _ = Delivery::from_cloud_event(&event, &HMAC);
    }
});
