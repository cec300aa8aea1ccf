//! Time as a port, so what depends on it is tested without waiting: functions read the time from
//! a [`Clock`]; production uses [`SystemClock`], tests and demos a [`ManualClock`] they advance.
//! [`SystemClock`] is the one place that reads the machine's clock.

use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex};

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Seconds since the Unix epoch (what `started.json` and `finished.json` record).
    fn unix_seconds(&self) -> i64 {
        self.now().as_second()
    }
}

/// The machine's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl SystemClock {
    /// The machine's clock, shared.
    pub fn shared() -> Arc<dyn Clock> {
        Arc::new(SystemClock)
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    pub fn set(&self, to: Timestamp) {
        match self.0.lock() {
            Ok(mut now) => *now = to,
            Err(poisoned) => *poisoned.into_inner() = to,
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut now = match self.0.lock() {
            Ok(now) => now,
            Err(poisoned) => poisoned.into_inner(),
        };
        *now = now.checked_add(by).unwrap_or(*now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        match self.0.lock() {
            Ok(now) => *now,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

/// `at` in RFC 3339 with seconds precision, UTC (a CloudEvent's `time`).
pub fn rfc3339(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
