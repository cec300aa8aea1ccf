//! The budget governor's state: one [`Budget`] per credentials identity and rate-limit resource,
//! learnt from every answer and consulted before every call (the decisions are
//! `prow_github::budget`'s).

use http::HeaderMap;
use jiff::Timestamp;
use prow_github::budget::{Admission, Budget, BudgetPolicy, Observation, Priority, Resource};
use std::collections::HashMap;
use std::sync::Mutex;

pub(crate) struct Governor {
    policy: BudgetPolicy,
    budgets: Mutex<HashMap<(String, Resource), Budget>>,
}

impl Governor {
    pub fn new(policy: BudgetPolicy) -> Governor {
        Governor {
            policy,
            budgets: Mutex::default(),
        }
    }

    fn with<T>(&self, identity: &str, resource: Resource, act: impl FnOnce(&mut Budget) -> T) -> T {
        // Each change is one small update; a panic elsewhere cannot leave a budget half-written.
        let mut budgets = self
            .budgets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        act(budgets.entry((identity.to_string(), resource)).or_default())
    }

    /// May a call go now? If so, it is counted as sent.
    pub fn admit(
        &self,
        identity: &str,
        resource: Resource,
        priority: Priority,
        write: bool,
        now: Timestamp,
    ) -> Admission {
        self.with(identity, resource, |budget| {
            let admission = budget.admit(priority, write, now, &self.policy);
            if admission == Admission::Go {
                budget.spend(write, now, &self.policy);
            }
            admission
        })
    }

    /// Counts a call sent after waiting.
    pub fn spent(&self, identity: &str, resource: Resource, write: bool, now: Timestamp) {
        self.with(identity, resource, |budget| {
            budget.spend(write, now, &self.policy);
        });
    }

    /// Learns from an answer's headers.
    pub fn observe(&self, identity: &str, resource: Resource, headers: &HeaderMap, now: Timestamp) {
        let seen = observation(headers);
        self.with(identity, resource, |budget| budget.observe(seen, now));
    }

    pub fn remaining(&self, identity: &str, resource: Resource) -> Option<u64> {
        self.with(identity, resource, |budget| budget.remaining())
    }
}

/// The rate-limit headers of an answer.
pub(crate) fn observation(headers: &HeaderMap) -> Observation {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
    };
    let unsigned = |name: &str| number(name).and_then(|n| u64::try_from(n).ok());
    Observation {
        limit: unsigned("x-ratelimit-limit"),
        remaining: unsigned("x-ratelimit-remaining"),
        reset: number("x-ratelimit-reset"),
        retry_after: unsigned("retry-after"),
    }
}
