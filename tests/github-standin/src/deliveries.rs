//! Webhook delivery: one signed POST per queued event with GitHub's headers, and, for
//! standalone mode, a background task that sends the outbox in order as events happen,
//! retrying a delivery with backoff while the receiver is unreachable or answers 5xx, and
//! recording every attempt (GitHub's "recent deliveries").

use crate::events::{Delivery, signature};
use crate::world::{World, timestamp};
use serde::Serialize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One attempt to deliver one webhook.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// GitHub's numeric id of this delivery (each attempt is a delivery of its own in GitHub's
    /// API, increasing with time).
    pub id: u64,
    /// `X-GitHub-Delivery`, the same on every attempt of one delivery.
    pub guid: String,
    /// Whether this attempt is a redelivery (asked for through the API, or a retry).
    pub redelivery: bool,
    /// `X-GitHub-Event`.
    pub event: String,
    /// The payload's `action`, when it has one.
    pub action: Option<String>,
    /// The payload's `repository.full_name`, when it has one.
    pub repository: Option<String>,
    /// 1 for the first try.
    pub attempt: u32,
    /// The repository's id, when the payload names one.
    pub repository_id: Option<u64>,
    /// The App installation the payload names, when it names one.
    pub installation_id: Option<u64>,
    /// What the receiver answered; `None` when it could not be reached.
    pub status_code: Option<u16>,
    /// Why the receiver could not be reached.
    pub error: Option<String>,
    /// When the attempt was made (wall clock, RFC 3339).
    pub delivered_at: String,
    pub duration_ms: u64,
}

impl DeliveryAttempt {
    /// Whether the receiver took it (a 2xx).
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// How hard the background deliverer tries.
#[derive(Clone, Debug)]
pub struct DeliveryPolicy {
    /// Attempts per delivery before it is given up (at least 1).
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles for each further one.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// How often an empty outbox is looked at again.
    pub poll: Duration,
}

impl Default for DeliveryPolicy {
    /// Eight attempts over about 25 seconds: enough for a receiver started after the stand-in.
    fn default() -> Self {
        DeliveryPolicy {
            max_attempts: 8,
            first_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(20),
        }
    }
}

impl DeliveryPolicy {
    /// The wait after failed attempt `attempt` (1-based).
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.first_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// Posts `delivery` to `url` signed with `secret`, as GitHub's hookshot does; the HTTP status.
pub(crate) async fn post(
    client: &reqwest::Client,
    url: &str,
    secret: &[u8],
    delivery: &Delivery,
) -> Result<u16, reqwest::Error> {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "GitHub-Hookshot/stand-in")
        .header("x-github-event", &delivery.event)
        .header("x-github-delivery", &delivery.id)
        .header("x-github-hook-id", "1")
        .header("x-hub-signature-256", signature(secret, &delivery.body))
        .body(delivery.body.clone())
        .send()
        .await?;
    Ok(response.status().as_u16())
}

fn locked(world: &Mutex<World>) -> MutexGuard<'_, World> {
    match world.lock() {
        Ok(world) => world,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn now_rfc3339() -> String {
    timestamp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

/// Delivers the outbox to `url` until the task is aborted: oldest first, each delivery retried
/// before the next is sent, so the receiver sees events in the order they happened.
pub(crate) async fn deliver_forever(
    world: Arc<Mutex<World>>,
    url: String,
    secret: Vec<u8>,
    policy: DeliveryPolicy,
) {
    let client = match reqwest::Client::builder().timeout(policy.timeout).build() {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot build the webhook client; nothing is delivered");
            return;
        }
    };
    loop {
        let next = {
            let mut world = locked(&world);
            let next = (!world.outbox.is_empty()).then(|| world.outbox.remove(0));
            if let Some(delivery) = &next {
                world
                    .delivered
                    .insert(delivery.id.clone(), delivery.clone());
            }
            next
        };
        match next {
            Some(delivery) => deliver_one(&world, &client, &url, &secret, &policy, &delivery).await,
            None => tokio::time::sleep(policy.poll).await,
        }
    }
}

async fn deliver_one(
    world: &Mutex<World>,
    client: &reqwest::Client,
    url: &str,
    secret: &[u8],
    policy: &DeliveryPolicy,
    delivery: &Delivery,
) {
    let payload = delivery.payload();
    let action = payload["action"].as_str().map(str::to_string);
    let repository = payload["repository"]["full_name"]
        .as_str()
        .map(str::to_string);
    let repository_id = payload["repository"]["id"].as_u64();
    let installation_id = payload["installation"]["id"].as_u64();
    for attempt in 1..=policy.max_attempts.max(1) {
        let started = Instant::now();
        let delivered_at = now_rfc3339();
        let dropped = locked(world).drops.pop_front();
        let (status_code, error) = match dropped {
            // Lost on the way: GitHub records that it could not connect; nothing arrives.
            Some(DeliveryDrop::Unreachable) => {
                (None, Some("failed to connect to host".to_string()))
            }
            // Taken by something in between that answered 200: GitHub records success,
            // nothing arrives.
            Some(DeliveryDrop::Swallowed) => (Some(200), None),
            None => match post(client, url, secret, delivery).await {
                Ok(status) => (Some(status), None),
                Err(error) => (None, Some(error.to_string())),
            },
        };
        let record = {
            let mut world = locked(world);
            let id = world.next_id();
            DeliveryAttempt {
                id,
                guid: delivery.id.clone(),
                redelivery: delivery.redelivery || attempt > 1,
                event: delivery.event.clone(),
                action: action.clone(),
                repository: repository.clone(),
                repository_id,
                installation_id,
                attempt,
                status_code,
                error,
                delivered_at,
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            }
        };
        // A 4xx is the receiver refusing this payload: sending it again would not change that.
        // A dropped delivery is not retried either (GitHub itself never retries).
        let retry = dropped.is_none() && status_code.is_none_or(|s| s >= 500);
        tracing::info!(
            event = %record.event,
            action = record.action.as_deref().unwrap_or("-"),
            guid = %record.guid,
            attempt,
            status = ?record.status_code,
            error = record.error.as_deref().unwrap_or(""),
            dropped = ?dropped,
            "webhook delivery"
        );
        locked(world).delivery_attempts.push(record);
        if !retry {
            return;
        }
        if attempt < policy.max_attempts {
            tokio::time::sleep(policy.backoff(attempt)).await;
        }
    }
    tracing::warn!(guid = %delivery.id, event = %delivery.event, "webhook delivery given up");
}

/// How a delivery is lost on its way to the receiver, on demand
/// ([`World::drop_next_deliveries`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryDrop {
    /// GitHub could not connect: recorded as a failed delivery.
    Unreachable,
    /// Something in between answered 200 and dropped it: recorded as delivered.
    Swallowed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let policy = DeliveryPolicy {
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..DeliveryPolicy::default()
        };
        let waits: Vec<u128> = (1..=4).map(|a| policy.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 350, 350]);
    }
}
