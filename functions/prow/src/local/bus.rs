//! The in-process event bus of local mode: what Knative's broker, ApiServerSources and
//! PingSources do in a cluster, done inside one process with the same CloudEvents, so the same
//! handlers run. Each event is posted to its subscribers' routers; a 5xx answer is redelivered with
//! backoff (as the broker redelivers), a 4xx is logged and dropped.

use axum::Router;
use axum::body::Body;
use prow_ports::events::{AttributesReader, CloudEvent, EventError, EventSink, SinkFuture};
use std::sync::RwLock;
use std::time::Duration;
use tower::ServiceExt;

/// How often a failing delivery is tried before it is given up (about two minutes in all).
const ATTEMPTS: u32 = 10;
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// A function's router, as a subscriber.
#[derive(Clone)]
pub struct Subscriber {
    pub name: &'static str,
    pub router: Router,
    /// The path events are posted to (`/` for most functions).
    pub path: String,
}

impl Subscriber {
    pub fn new(name: &'static str, router: Router) -> Subscriber {
        Subscriber {
            name,
            router,
            path: "/".into(),
        }
    }

    /// Posts `event` once; the HTTP status, or 503 when the router could not answer.
    pub async fn post(&self, event: &CloudEvent) -> u16 {
        let Ok((headers, body)) = prow_runtime::cloudevents::to_http(event) else {
            return 400;
        };
        let Ok(mut request) = axum::http::Request::post(self.path.as_str()).body(Body::from(body))
        else {
            return 400;
        };
        *request.headers_mut() = headers;
        match self.router.clone().oneshot(request).await {
            Ok(response) => response.status().as_u16(),
            Err(never) => match never {},
        }
    }

    /// Posts `event` until it is accepted, refused (4xx), or the attempts run out; whether it was
    /// settled (accepted, or refused for good).
    pub async fn deliver(&self, event: &CloudEvent) -> bool {
        let mut wait = FIRST_RETRY;
        for attempt in 1..=ATTEMPTS {
            let status = self.post(event).await;
            match status {
                200..=299 => return true,
                400..=499 => {
                    tracing::warn!(subscriber = self.name, event_id = %event.id(), event_type = %event.ty(), status, "event refused; dropped");
                    return true;
                }
                _ => {
                    tracing::info!(subscriber = self.name, event_id = %event.id(), status, attempt, "delivery failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(LONGEST_WAIT);
                }
            }
        }
        tracing::error!(subscriber = self.name, event_id = %event.id(), "delivery given up");
        false
    }
}

/// Hook's sink: GitHub events go to trigger (and hook's own plugins).
pub struct GitHubEventBus {
    subscribers: RwLock<Vec<Subscriber>>,
}

impl GitHubEventBus {
    pub fn new(subscribers: Vec<Subscriber>) -> GitHubEventBus {
        GitHubEventBus {
            subscribers: RwLock::new(subscribers),
        }
    }

    pub fn subscribe(&self, subscriber: Subscriber) {
        match self.subscribers.write() {
            Ok(mut subscribers) => subscribers.push(subscriber),
            Err(poisoned) => poisoned.into_inner().push(subscriber),
        }
    }

    fn subscribers(&self) -> Vec<Subscriber> {
        match self.subscribers.read() {
            Ok(subscribers) => subscribers.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl EventSink for GitHubEventBus {
    /// Accepted once every subscriber has taken the event (with the bus's retries), so that
    /// hook acknowledges GitHub, and records the delivery as handled, only for work that was
    /// done: a process killed before loses nothing the webhook reconciler cannot redeliver.
    fn send<'a>(&'a self, event: &'a CloudEvent) -> SinkFuture<'a> {
        let deliveries: Vec<_> = self
            .subscribers()
            .into_iter()
            .map(|subscriber| async move { (subscriber.name, subscriber.deliver(event).await) })
            .collect();
        Box::pin(async move {
            let results = futures_util::future::join_all(deliveries).await;
            match results.into_iter().find(|(_, accepted)| !accepted) {
                None => Ok(()),
                Some((name, _)) => Err(EventError::Unreachable {
                    sink: name.to_string(),
                    reason: "the subscriber did not accept the event".to_string(),
                }),
            }
        })
    }
}
