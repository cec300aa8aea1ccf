//! GitHub deliveries as hook forwards them, carrying whatever signature a test gives: for the
//! tests of what a function refuses.

use prow_ports::events::{CloudEvent, GITHUB_EVENT_TYPE_PREFIX, NewEvent, SIGNATURE_EXTENSION};

/// A CloudEvent as hook forwards the GitHub delivery `event` of `repo`, with `signature` (if
/// any) as its `ghsignature`.
pub fn github_event_signed(
    id: &str,
    event: &str,
    repo: &str,
    payload: Vec<u8>,
    signature: Option<String>,
) -> anyhow::Result<CloudEvent> {
    Ok(NewEvent {
        id: id.into(),
        source: format!("https://github.com/{repo}"),
        event_type: format!("{GITHUB_EVENT_TYPE_PREFIX}{event}"),
        extensions: signature
            .map(|s| vec![(SIGNATURE_EXTENSION.to_string(), s)])
            .unwrap_or_default(),
        data: payload,
        ..NewEvent::default()
    }
    .build()?)
}
