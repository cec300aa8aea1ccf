//! What handling an event came to, and how that is answered over HTTP as Knative's delivery
//! expects: 2xx when done or given up (the sender must not send it again), 5xx to have it
//! redelivered, 4xx for a request that is not acceptable at all (malformed, unauthenticated, too
//! large). Every event route of every function answers with an [`Outcome`]; the answer is logged
//! once, 5xx detail stays in the log, and the count is kept by outcome and kind
//! (`prow_event_outcomes_total`, see [`crate::trace_requests`]).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use prow_ports::Failure;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Handled; the text says what was done.
    Done(String),
    /// Not handled now; sending it again may succeed.
    Retry { kind: &'static str, reason: String },
    /// Never handled: retrying cannot help (an unknown job, a payload that can never be read).
    /// Acknowledged, so it is not sent again; logged and counted.
    GiveUp { kind: &'static str, reason: String },
    /// Not acceptable as a request: the sender gets `status` and the reason.
    Refused { status: StatusCode, reason: String },
}

/// The labels of `prow_event_outcomes_total`, left on the response for the request layer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
    pub kind: &'static str,
}

impl Outcome {
    pub fn done(text: impl Into<String>) -> Outcome {
        Outcome::Done(text.into())
    }

    pub fn retry(kind: &'static str, reason: impl Into<String>) -> Outcome {
        Outcome::Retry {
            kind,
            reason: reason.into(),
        }
    }

    pub fn give_up(kind: &'static str, reason: impl Into<String>) -> Outcome {
        Outcome::GiveUp {
            kind,
            reason: reason.into(),
        }
    }

    pub fn refused(status: StatusCode, reason: impl Into<String>) -> Outcome {
        Outcome::Refused {
            status,
            reason: reason.into(),
        }
    }

    /// A port's failure while doing `what`: retried when it may pass, given up otherwise.
    pub fn failed(what: &str, error: &dyn Failure) -> Outcome {
        let reason = format!("{what}: {error}");
        if error.retryable() {
            Outcome::retry(error.kind(), reason)
        } else {
            Outcome::give_up(error.kind(), reason)
        }
    }

    /// Whether the sender should send the event again.
    pub fn is_retry(&self) -> bool {
        matches!(self, Outcome::Retry { .. })
    }

    pub fn labels(&self) -> OutcomeLabels {
        match self {
            Outcome::Done(_) => OutcomeLabels {
                outcome: "done",
                kind: "",
            },
            Outcome::Retry { kind, .. } => OutcomeLabels {
                outcome: "retry",
                kind,
            },
            Outcome::GiveUp { kind, .. } => OutcomeLabels {
                outcome: "give_up",
                kind,
            },
            Outcome::Refused { .. } => OutcomeLabels {
                outcome: "refused",
                kind: "bad_request",
            },
        }
    }
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let labels = self.labels();
        let mut response = match self {
            Outcome::Done(text) => (StatusCode::OK, text).into_response(),
            Outcome::Retry { kind, reason } => {
                tracing::error!(kind, %reason, "the event failed; it will be redelivered");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("failed ({kind}); send it again"),
                )
                    .into_response()
            }
            Outcome::GiveUp { kind, reason } => {
                tracing::warn!(kind, %reason, "the event was given up");
                (StatusCode::OK, format!("given up: {reason}")).into_response()
            }
            Outcome::Refused { status, reason } => {
                tracing::warn!(status = status.as_u16(), %reason, "the request was refused");
                (status, reason).into_response()
            }
        };
        response.extensions_mut().insert(labels);
        response
    }
}
