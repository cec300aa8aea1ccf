//! A GitHub delivery whose signature held: the typed event (parsed once), with the payload and
//! signature kept for external plugins, which get GitHub's bytes and headers unchanged.

use crate::Hook;
use axum::body::Bytes;
use axum::http::StatusCode;
use prow_plugins::Delivery;
use prow_plugins::delivery::DeliveryError;
use prow_ports::events::{CloudEvent, ProwEvent, SIGNATURE_EXTENSION};
use prow_runtime::Outcome;

pub(crate) struct Verified {
    pub delivery: Delivery,
    /// GitHub's `X-Hub-Signature-256`.
    pub signature: String,
    /// The payload as GitHub signed it.
    pub payload: Bytes,
}

impl Verified {
    /// The delivery a CloudEvent from the broker carries, checked as hook checked the webhook: it
    /// must carry a GitHub signature that the HMAC secret confirms, so nothing but what GitHub
    /// sent can run a plugin.
    pub(crate) fn check(hook: &Hook, cloud_event: &CloudEvent) -> Result<Verified, Outcome> {
        let delivery = Delivery::from_cloud_event(cloud_event, &hook.secret()).map_err(
            |error| match error {
                DeliveryError::Unsigned(_) => {
                    Outcome::refused(StatusCode::FORBIDDEN, error.to_string())
                }
                other => Outcome::refused(StatusCode::BAD_REQUEST, other.to_string()),
            },
        )?;
        Ok(Verified {
            delivery,
            signature: cloud_event
                .extension_text(SIGNATURE_EXTENSION)
                .unwrap_or_default(),
            payload: Bytes::from(cloud_event.payload().into_owned()),
        })
    }
}
