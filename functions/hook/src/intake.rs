//! `POST /hook`: GitHub's webhook, checked in upstream's order (event header, delivery header,
//! signature header, content type), then size, then signature, and only then read.

use crate::deliveries::Claim;
use crate::metrics::{EventType, ResponseCode};
use crate::{Handoff, Hook};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use prow_github::{Event, payload_origin};
use prow_plugins::webhook_cloud_event;
use prow_ports::clock::rfc3339;
use prow_ports::events::ProwEvent;
use prow_runtime::cloudevents::traceparent;
use sha2::Digest;
use std::time::Instant;

/// How long a webhook's body may take to arrive (GitHub gives the whole exchange 10 s).
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether reading a body failed for its size (not for a connection cut short).
fn over_the_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Why a delivery was refused: the answer GitHub sees and the metric's reason.
struct Refusal {
    status: StatusCode,
    reason: &'static str,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, reason: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            reason,
            message: message.into(),
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

pub(crate) async fn receive(State(hook): State<Hook>, headers: HeaderMap, body: Body) -> Response {
    let (status, message) = match accept(&hook, &headers, body).await {
        Ok(message) => (StatusCode::OK, message.to_string()),
        Err(refusal) => {
            hook.0.metrics.reject(refusal.reason);
            tracing::info!(
                status = refusal.status.as_u16(),
                reason = refusal.reason,
                event_guid = header(&headers, "x-github-delivery").unwrap_or_default(),
                "webhook refused: {}",
                refusal.message
            );
            (refusal.status, refusal.message)
        }
    };
    hook.0
        .metrics
        .responses
        .get_or_create(&ResponseCode {
            response_code: status.as_u16().to_string(),
        })
        .inc();
    (status, message).into_response()
}

async fn accept(hook: &Hook, headers: &HeaderMap, body: Body) -> Result<&'static str, Refusal> {
    let event_name = header(headers, "x-github-event").ok_or_else(|| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "missing_event",
            "400 Bad Request: Missing X-GitHub-Event Header",
        )
    })?;
    let guid = header(headers, "x-github-delivery").ok_or_else(|| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "missing_delivery",
            "400 Bad Request: Missing X-GitHub-Delivery Header",
        )
    })?;
    let signature = header(headers, "x-hub-signature-256").ok_or_else(|| {
        Refusal::new(
            StatusCode::FORBIDDEN,
            "missing_signature",
            "403 Forbidden: Missing X-Hub-Signature-256",
        )
    })?;
    if header(headers, "content-type") != Some("application/json") {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "content_type",
            "400 Bad Request: Hook only accepts content-type: application/json - please reconfigure this hook on GitHub",
        ));
    }
    let limit = hook.0.max_body_bytes;
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("413 Payload Too Large: the limit is {limit} bytes"),
        )
    };
    if header(headers, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length > limit)
    {
        return Err(too_large());
    }
    // A sender that stops half-way is not waited for longer than GitHub itself waits.
    let payload =
        match tokio::time::timeout(BODY_READ_TIMEOUT, axum::body::to_bytes(body, limit)).await {
            Ok(Ok(payload)) => payload,
            Ok(Err(error)) if over_the_limit(&error) => return Err(too_large()),
            Ok(Err(_)) => {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "unreadable_body",
                    "400 Bad Request: the body ended before its Content-Length",
                ));
            }
            Err(_) => {
                return Err(Refusal::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "body_timeout",
                    format!(
                        "408 Request Timeout: the body did not arrive within {} s",
                        BODY_READ_TIMEOUT.as_secs()
                    ),
                ));
            }
        };

    hook.secret()
        .verify(&payload, Some(signature), payload_origin)
        .map_err(|rejection| {
            Refusal::new(
                StatusCode::FORBIDDEN,
                rejection.kind(),
                format!("403 Forbidden: {rejection}"),
            )
        })?;

    // Signed by us: now it may be read.
    let event = Event::parse(event_name, &payload).map_err(|error| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_payload",
            format!("400 Bad Request: {error}"),
        )
    })?;
    hook.0
        .metrics
        .webhooks
        .get_or_create(&EventType {
            event_type: event_name.to_string(),
        })
        .inc();

    let digest: [u8; 32] = sha2::Sha256::digest(&payload).into();
    let claim = hook.0.deliveries.claim(guid, digest, hook.0.clock.now());
    if claim == Claim::Replay {
        hook.0.metrics.reject("replayed");
        tracing::warn!(
            event_guid = guid,
            event_type = event_name,
            "a body already received under another delivery id: a replay, dropped"
        );
        return Ok("Event already received. Have a nice day.");
    }
    if claim != Claim::New {
        // A redelivery of one handed on here: its record may be what was missing (the write
        // failed), so it is written again.
        if claim == Claim::HandedOn && matches!(hook.0.handoff, Handoff::Sink(_)) {
            hook.record_handled(guid).await;
        }
        hook.0.metrics.duplicates.inc();
        tracing::info!(
            event_guid = guid,
            event_type = event_name,
            "duplicate delivery dropped"
        );
        return Ok("Event already received. Have a nice day.");
    }
    let cloud_event = webhook_cloud_event(
        &event,
        guid,
        signature,
        &payload,
        &rfc3339(hook.0.clock.now()),
        traceparent(guid),
    )
    .map_err(|error| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_payload",
            format!("400 Bad Request: {error}"),
        )
    })?;
    let repo = event
        .repo()
        .map(|r| r.full_name.clone())
        .unwrap_or_default();
    let started = Instant::now();
    match &hook.0.handoff {
        Handoff::Sink(sink) => {
            if let Err(error) = sink.send(&cloud_event).await {
                hook.0.deliveries.abandon(guid);
                tracing::error!(event_guid = guid, error = %error, "hand-off failed");
                return Err(Refusal::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "handoff_failed",
                    "503 Service Unavailable: the event could not be handed on; redeliver it",
                ));
            }
        }
        Handoff::InProcess => {
            let hook = hook.clone();
            // Parsed once: the plugins get the typed event.
            let verified = crate::verified::Verified {
                delivery: prow_plugins::Delivery::new(guid, event),
                signature: signature.to_string(),
                payload: Bytes::from(cloud_event.payload().into_owned()),
            };
            // Recorded once the plugins ran: a process killed before loses no record of an
            // event it did not finish, so the reconciler redelivers it.
            tokio::spawn(async move {
                let guid = verified.delivery.id.clone();
                hook.dispatch_in_process(verified).await;
                hook.record_handled(&guid).await;
            });
        }
    }
    if matches!(hook.0.handoff, Handoff::Sink(_)) {
        hook.record_handled(guid).await;
    }
    hook.0
        .metrics
        .handoff_seconds
        .observe(started.elapsed().as_secs_f64());
    hook.0.deliveries.finish(guid);
    tracing::info!(
        event_guid = guid,
        event_type = event_name,
        repo,
        "event handed on"
    );
    Ok("Event received. Have a nice day.")
}
