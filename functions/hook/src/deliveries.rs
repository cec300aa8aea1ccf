//! Delivery ids seen recently. GitHub redelivers with the same `X-GitHub-Delivery` (by hand, or
//! by a retrying proxy); a delivery already handed on, or being handed on, is acknowledged and
//! dropped. The body's digest is remembered too: GitHub's signature covers the body but not the
//! delivery id, so a captured webhook sent again under a new id is a replay, and is dropped the
//! same way. Memory is bounded by the window and a cap.

use jiff::{SignedDuration, Timestamp};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

const MAX_REMEMBERED: usize = 200_000;

pub(crate) struct Deliveries {
    window: SignedDuration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// id -> handed on (true) or in flight (false)
    known: HashMap<String, bool>,
    /// body digest -> the id it came with
    bodies: HashMap<[u8; 32], String>,
    order: VecDeque<(Timestamp, String, [u8; 32])>,
}

/// What to do with a delivery.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Claim {
    /// New: hand it on, then `finish` or `abandon`.
    New,
    /// Being handed on by another request.
    InFlight,
    /// Already handed on.
    HandedOn,
    /// The same body came before under another id: a replay.
    Replay,
}

impl Deliveries {
    pub(crate) fn new(window: Duration) -> Self {
        Deliveries {
            window: SignedDuration::try_from(window).unwrap_or(SignedDuration::MAX),
            state: Mutex::new(State::default()),
        }
    }

    /// Claims delivery `id` whose body has SHA-256 `digest`, arriving at `now`.
    pub(crate) fn claim(&self, id: &str, digest: [u8; 32], now: Timestamp) -> Claim {
        let Ok(mut state) = self.state.lock() else {
            return Claim::New;
        };
        while let Some((at, _, _)) = state.order.front() {
            if now.duration_since(*at) < self.window && state.order.len() < MAX_REMEMBERED {
                break;
            }
            if let Some((_, old, old_digest)) = state.order.pop_front() {
                state.known.remove(&old);
                if state.bodies.get(&old_digest) == Some(&old) {
                    state.bodies.remove(&old_digest);
                }
            }
        }
        match state.known.get(id) {
            Some(true) => return Claim::HandedOn,
            Some(false) => return Claim::InFlight,
            None => {}
        }
        if state.bodies.contains_key(&digest) {
            return Claim::Replay;
        }
        state.known.insert(id.to_string(), false);
        state.bodies.insert(digest, id.to_string());
        state.order.push_back((now, id.to_string(), digest));
        Claim::New
    }

    /// The hand-off succeeded.
    pub(crate) fn finish(&self, id: &str) {
        if let Ok(mut state) = self.state.lock()
            && let Some(done) = state.known.get_mut(id)
        {
            *done = true;
        }
    }

    /// The hand-off failed: a redelivery must be tried again.
    pub(crate) fn abandon(&self, id: &str) {
        if let Ok(mut state) = self.state.lock() {
            state.known.remove(id);
            state.bodies.retain(|_, known| known != id);
            state.order.retain(|(_, known, _)| known != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [u8; 32] = [1; 32];
    const B: [u8; 32] = [2; 32];
    const T0: Timestamp = Timestamp::UNIX_EPOCH;

    #[test]
    fn a_delivery_is_new_once_and_again_after_a_failed_handoff() {
        let deliveries = Deliveries::new(Duration::from_secs(60));
        assert_eq!(deliveries.claim("a", A, T0), Claim::New);
        assert_eq!(deliveries.claim("a", A, T0), Claim::InFlight);
        deliveries.finish("a");
        assert_eq!(deliveries.claim("a", A, T0), Claim::HandedOn);
        assert_eq!(deliveries.claim("b", B, T0), Claim::New);
        deliveries.abandon("b");
        assert_eq!(
            deliveries.claim("b", B, T0),
            Claim::New,
            "retried after a failure"
        );
    }

    #[test]
    fn the_same_body_under_another_id_is_a_replay() {
        let deliveries = Deliveries::new(Duration::from_secs(60));
        assert_eq!(deliveries.claim("a", A, T0), Claim::New);
        deliveries.finish("a");
        assert_eq!(deliveries.claim("z", A, T0), Claim::Replay);
        assert_eq!(
            deliveries.claim("a", A, T0),
            Claim::HandedOn,
            "GitHub's redelivery"
        );
        // A body whose hand-off failed may come again under any id.
        assert_eq!(deliveries.claim("b", B, T0), Claim::New);
        deliveries.abandon("b");
        assert_eq!(deliveries.claim("y", B, T0), Claim::New);
    }

    #[test]
    fn ids_are_remembered_for_the_window_and_forgotten_after_it() {
        let deliveries = Deliveries::new(Duration::from_secs(60));
        let later = |seconds| T0 + SignedDuration::from_secs(seconds);
        assert_eq!(deliveries.claim("a", A, T0), Claim::New);
        deliveries.finish("a");
        assert_eq!(deliveries.claim("a", A, later(59)), Claim::HandedOn);
        assert_eq!(deliveries.claim("b", A, later(59)), Claim::Replay);
        assert_eq!(deliveries.claim("a", A, later(60)), Claim::New);
    }

    #[test]
    fn ids_are_forgotten_after_the_window() {
        let deliveries = Deliveries::new(Duration::ZERO);
        assert_eq!(deliveries.claim("a", A, T0), Claim::New);
        deliveries.finish("a");
        assert_eq!(deliveries.claim("a", A, T0), Claim::New);
    }
}
