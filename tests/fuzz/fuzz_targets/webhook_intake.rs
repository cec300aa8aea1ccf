//! What hook does with a webhook, through the library calls its `POST /hook` makes: the headers
//! it requires, the signature checked against the HMAC secret (`HmacSecret::verify`, which reads
//! the payload's origin only once a configured token signs it), the payload parsed by its
//! `X-GitHub-Event` (`Event::parse`), the plugins' view of it (`Delivery::new`, with the comment
//! view of comment-like events), and the CloudEvent hook hands on (`webhook_cloud_event`, as
//! `functions/hook/src/intake.rs` calls it). Whatever hook hands on, the functions it reaches must
//! accept: `Delivery::from_cloud_event` checks the signature again and must read the same event.
//! (`webhook_route`, behind the `routes` feature, drives hook's real router with the same inputs.)
//!
//! Input: the first line picks how the delivery is signed, the lines after it up to an empty
//! line are headers (`Name: value`), the rest is the body:
//! - `signed`: `X-Hub-Signature-256` is set to the body's valid signature, so the payload is read;
//! - `forged`: signed with a secret hook does not hold;
//! - `scoped` / `scoped-org`: the secret is upstream's scoped form (`'*'` and `octo-org` tokens)
//!   and the body is signed with the `*` or the org token;
//! - anything else (`refused` included): the headers as given.

#![no_main]

use libfuzzer_sys::fuzz_target;
use prow_fuzz::{Request, fatal};
use prow_github::webhook::{HmacSecret, signature};
use prow_github::{Event, payload_origin};
use prow_plugins::{Delivery, webhook_cloud_event};
use std::sync::LazyLock;

const SECRET: &[u8] = b"fuzz-hmac-secret";
const ORG_SECRET: &[u8] = b"fuzz-org-secret";
const FORGED_SECRET: &[u8] = b"not-the-secret";
const SCOPED_SECRET_FILE: &str = "'*':\n- value: fuzz-hmac-secret\n  created_at: 2024-01-01T00:00:00Z\nocto-org:\n- value: fuzz-org-secret\n";

fn secret(file: &[u8]) -> HmacSecret {
    match HmacSecret::parse(file) {
        Ok(secret) => secret,
        Err(error) => fatal("the fuzz HMAC secret", &error),
    }
}

static SINGLE: LazyLock<HmacSecret> = LazyLock::new(|| secret(SECRET));
static SCOPED: LazyLock<HmacSecret> = LazyLock::new(|| secret(SCOPED_SECRET_FILE.as_bytes()));

/// A header as hook reads it: text, not empty.
fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

fuzz_target!(|data: &[u8]| {
    let request = Request::parse(data);
    let (secret, key): (&HmacSecret, Option<&[u8]>) = match request.first_line {
        b"signed" => (&SINGLE, Some(SECRET)),
        b"forged" => (&SINGLE, Some(FORGED_SECRET)),
        b"scoped" => (&SCOPED, Some(SECRET)),
        b"scoped-org" => (&SCOPED, Some(ORG_SECRET)),
        _ => (&SINGLE, None),
    };
    let headers = request.header_map();
    let payload = request.body;
    // hook's order: event, delivery, signature, content type; then the signature, then the read.
    let (Some(event_name), Some(guid)) = (
        header(&headers, "x-github-event"),
        header(&headers, "x-github-delivery"),
    ) else {
        return;
    };
    let signature = match key {
        Some(key) => signature(key, payload),
        None => match header(&headers, "x-hub-signature-256") {
            Some(given) => given.to_string(),
            None => return,
        },
    };
    if header(&headers, "content-type") != Some("application/json") {
        return;
    }
    if secret
        .verify(payload, Some(&signature), payload_origin)
        .is_err()
    {
        return;
    }
    let Ok(event) = Event::parse(event_name, payload) else {
        return;
    };
    let delivery = Delivery::new(guid, event.clone());
    let _ = (delivery.repo(), delivery.issue());

    // hook answers 400 when it cannot build the event; what it builds must be accepted.
    let Ok(cloud_event) = webhook_cloud_event(
        &event,
        guid,
        &signature,
        payload,
        "2026-01-01T00:00:00Z",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_string(),
    ) else {
        return;
    };
    match Delivery::from_cloud_event(&cloud_event, secret) {
        Ok(forwarded) => assert_eq!(
            forwarded, delivery,
            "the functions read another event than hook read"
        ),
        Err(error) => panic!("hook handed on an event the functions refuse: {error}"),
    }
});
