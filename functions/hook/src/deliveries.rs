//! Delivery ids seen recently. GitHub redelivers with the same `X-GitHub-Delivery` (by hand, or
//! by a retrying proxy); a delivery already handed on, or being handed on, is acknowledged and
//! dropped. Memory is bounded by the window and a cap.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_REMEMBERED: usize = 200_000;

pub(crate) struct Deliveries {
    window: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// id -> handed on (true) or in flight (false)
    known: HashMap<String, bool>,
    order: VecDeque<(Instant, String)>,
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
}

impl Deliveries {
    pub(crate) fn new(window: Duration) -> Self {
        Deliveries {
            window,
            state: Mutex::new(State::default()),
        }
    }

    pub(crate) fn claim(&self, id: &str) -> Claim {
        let Ok(mut state) = self.state.lock() else {
            return Claim::New;
        };
        let now = Instant::now();
        while let Some((at, _)) = state.order.front() {
            if now.duration_since(*at) < self.window && state.order.len() < MAX_REMEMBERED {
                break;
            }
            if let Some((_, old)) = state.order.pop_front() {
                state.known.remove(&old);
            }
        }
        match state.known.get(id) {
            Some(true) => return Claim::HandedOn,
            Some(false) => return Claim::InFlight,
            None => {}
        }
        state.known.insert(id.to_string(), false);
        state.order.push_back((now, id.to_string()));
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
            state.order.retain(|(_, known)| known != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_is_new_once_and_again_after_a_failed_handoff() {
        let deliveries = Deliveries::new(Duration::from_secs(60));
        assert_eq!(deliveries.claim("a"), Claim::New);
        assert_eq!(deliveries.claim("a"), Claim::InFlight);
        deliveries.finish("a");
        assert_eq!(deliveries.claim("a"), Claim::HandedOn);
        assert_eq!(deliveries.claim("b"), Claim::New);
        deliveries.abandon("b");
        assert_eq!(deliveries.claim("b"), Claim::New, "retried after a failure");
    }

    #[test]
    fn ids_are_forgotten_after_the_window() {
        let deliveries = Deliveries::new(Duration::ZERO);
        assert_eq!(deliveries.claim("a"), Claim::New);
        deliveries.finish("a");
        assert_eq!(deliveries.claim("a"), Claim::New);
    }
}
