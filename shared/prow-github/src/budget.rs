//! The budget governor's decisions, without I/O: whether a GitHub call may go now, should wait a
//! moment, or is deferred (left for a later event or ping) so that more urgent work keeps its
//! share of the rate limit.
//!
//! GitHub gives a token an hourly budget per resource (`core` REST: 5,000, or up to 15,000 for an
//! App installation on a large org; `graphql` points; `search`: 30 a minute), reported on every
//! answer (`x-ratelimit-limit`, `-remaining`, `-reset`, `-resource`), and secondary limits on
//! bursts, answered with 403 or 429 and `retry-after`. The governor learns the budget from those
//! headers ([`Budget::observe`]) and decides per call ([`Budget::admit`]):
//!
//! - each [`Priority`] may spend only down to its reserve: a periodic sweep stops while a quarter
//!   of the window is left, a tide status refresh at a tenth, a webhook's reply spends the rest;
//! - after a secondary limit nothing is sent until its `retry-after` has passed;
//! - writes (content GitHub creates: comments, statuses, labels) go through a token bucket at
//!   GitHub's documented pace, 80 a minute with bursts of 20;
//! - a call that may wait ([`BudgetPolicy::max_wait`]) waits; one that may not is deferred, and
//!   the caller answers so that its event is redelivered or its ping comes again.

use jiff::{SignedDuration, Timestamp};

/// Who is asking, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// A reply to a person's webhook: a command's label or comment, trigger's jobs, crier's status.
    Interactive,
    /// Keeping merge state fresh: tide's pool syncs and status contexts.
    Sync,
    /// Background sweeps: periodic reconcilers, org and branch administration.
    Sweep,
}

impl Priority {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Interactive => "interactive",
            Priority::Sync => "sync",
            Priority::Sweep => "sweep",
        }
    }
}

/// The rate-limit resource a call spends, as GitHub's `x-ratelimit-resource` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    Core,
    Graphql,
    Search,
}

impl Resource {
    /// The resource a path spends (`/graphql`, `/search/...`, everything else `core`).
    pub fn of_path(path: &str) -> Resource {
        if path.starts_with("/graphql") {
            Resource::Graphql
        } else if path.starts_with("/search/") {
            Resource::Search
        } else {
            Resource::Core
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Core => "core",
            Resource::Graphql => "graphql",
            Resource::Search => "search",
        }
    }
}

/// The governor's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetPolicy {
    /// The share of the window (0..1) each priority leaves to the more urgent ones.
    pub reserve_sync: f64,
    pub reserve_sweep: f64,
    /// Writes allowed in a burst, and their pace after it (per minute).
    pub write_burst: u32,
    pub writes_per_minute: u32,
}

impl Default for BudgetPolicy {
    fn default() -> BudgetPolicy {
        BudgetPolicy {
            reserve_sync: 0.10,
            reserve_sweep: 0.25,
            write_burst: 20,
            writes_per_minute: 80,
        }
    }
}

impl BudgetPolicy {
    fn reserve(&self, priority: Priority) -> f64 {
        match priority {
            Priority::Interactive => 0.0,
            Priority::Sync => self.reserve_sync,
            Priority::Sweep => self.reserve_sweep,
        }
    }

    /// How long a call of `priority` may wait in the process before it is deferred instead: a
    /// reply waits out a short limit (upstream's client waits up to two minutes; a function's
    /// request has less), a sync a little, a sweep not at all.
    pub fn max_wait(&self, priority: Priority) -> SignedDuration {
        match priority {
            Priority::Interactive => SignedDuration::from_secs(30),
            Priority::Sync => SignedDuration::from_secs(10),
            Priority::Sweep => SignedDuration::ZERO,
        }
    }
}

/// What the rate-limit headers of one answer said.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// When the window resets (Unix seconds).
    pub reset: Option<i64>,
    /// `retry-after` of a refused answer (a secondary limit), in seconds.
    pub retry_after: Option<u64>,
}

/// Why a call was not sent now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// The window is down to the reserve of more urgent work.
    Reserve,
    /// The window is spent.
    Exhausted,
    /// GitHub asked to back off (`retry-after`).
    SecondaryLimit,
    /// Writes are coming faster than GitHub's content-creation pace.
    WritePace,
}

impl Hold {
    pub fn as_str(self) -> &'static str {
        match self {
            Hold::Reserve => "reserve",
            Hold::Exhausted => "exhausted",
            Hold::SecondaryLimit => "secondary_limit",
            Hold::WritePace => "write_pace",
        }
    }
}

/// The decision for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Go,
    /// Send after waiting this long.
    Wait {
        wait: SignedDuration,
        hold: Hold,
    },
    /// Do not send; the work comes again (redelivery, the next ping) after `until`.
    Defer {
        until: Timestamp,
        hold: Hold,
    },
}

/// One token's budget for one resource, as last observed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Budget {
    limit: Option<u64>,
    remaining: Option<u64>,
    reset: Option<Timestamp>,
    blocked_until: Option<Timestamp>,
    /// Write tokens left in the bucket, and when it was last filled.
    write_tokens: Option<f64>,
    writes_filled_at: Option<Timestamp>,
}

impl Budget {
    /// Learns from an answer's headers at `now`.
    pub fn observe(&mut self, seen: Observation, now: Timestamp) {
        if let Some(limit) = seen.limit {
            self.limit = Some(limit);
        }
        if let Some(remaining) = seen.remaining {
            self.remaining = Some(remaining);
        }
        if let Some(reset) = seen.reset {
            self.reset = Timestamp::from_second(reset).ok();
        }
        if let Some(after) = seen.retry_after {
            let until = now.saturating_add(SignedDuration::from_secs(after as i64));
            if let Ok(until) = until {
                self.blocked_until = Some(self.blocked_until.map_or(until, |b| b.max(until)));
            }
        }
    }

    /// What the window has left at `now`, if known: a window past its reset is full again.
    fn left(&self, now: Timestamp) -> Option<(u64, u64, Timestamp)> {
        let (limit, remaining, reset) = (self.limit?, self.remaining?, self.reset?);
        if reset <= now {
            return None;
        }
        Some((limit, remaining, reset))
    }

    /// Whether a call of `priority` (a write when `write`) may be sent at `now`.
    pub fn admit(
        &self,
        priority: Priority,
        write: bool,
        now: Timestamp,
        policy: &BudgetPolicy,
    ) -> Admission {
        let decide = |until: Timestamp, hold: Hold| {
            let wait = until.duration_since(now);
            if wait <= SignedDuration::ZERO {
                Admission::Go
            } else if wait <= policy.max_wait(priority) {
                Admission::Wait { wait, hold }
            } else {
                Admission::Defer { until, hold }
            }
        };
        if let Some(until) = self.blocked_until
            && until > now
        {
            return decide(until, Hold::SecondaryLimit);
        }
        if let Some((limit, remaining, reset)) = self.left(now) {
            let reserve = (limit as f64 * policy.reserve(priority)).ceil() as u64;
            if remaining == 0 {
                return decide(reset, Hold::Exhausted);
            }
            if remaining <= reserve {
                return decide(reset, Hold::Reserve);
            }
        }
        if write {
            let tokens = self.write_tokens_at(now, policy);
            if tokens < 1.0 {
                let per_second = f64::from(policy.writes_per_minute.max(1)) / 60.0;
                let wait = SignedDuration::from_secs_f64((1.0 - tokens) / per_second);
                return match now.saturating_add(wait) {
                    Ok(until) => decide(until, Hold::WritePace),
                    Err(_) => Admission::Go,
                };
            }
        }
        Admission::Go
    }

    fn write_tokens_at(&self, now: Timestamp, policy: &BudgetPolicy) -> f64 {
        let burst = f64::from(policy.write_burst.max(1));
        match (self.write_tokens, self.writes_filled_at) {
            (Some(tokens), Some(at)) => {
                let seconds = now.duration_since(at).as_secs_f64().max(0.0);
                let per_second = f64::from(policy.writes_per_minute.max(1)) / 60.0;
                (tokens + seconds * per_second).min(burst)
            }
            _ => burst,
        }
    }

    /// Counts a call being sent at `now` (before its answer brings the true figures).
    pub fn spend(&mut self, write: bool, now: Timestamp, policy: &BudgetPolicy) {
        if let Some(remaining) = self.remaining.as_mut() {
            *remaining = remaining.saturating_sub(1);
        }
        if write {
            let tokens = self.write_tokens_at(now, policy);
            self.write_tokens = Some((tokens - 1.0).max(0.0));
            self.writes_filled_at = Some(now);
        }
    }

    /// The remaining count as last observed, for logs.
    pub fn remaining(&self) -> Option<u64> {
        self.remaining
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + second).expect("a valid time")
    }

    fn budget(limit: u64, remaining: u64, reset_in: i64) -> Budget {
        let mut budget = Budget::default();
        budget.observe(
            Observation {
                limit: Some(limit),
                remaining: Some(remaining),
                reset: Some(at(reset_in).as_second()),
                retry_after: None,
            },
            at(0),
        );
        budget
    }

    #[test]
    fn each_priority_spends_down_to_its_reserve() {
        use Admission::*;
        let policy = BudgetPolicy::default();
        let later = |hold| Defer {
            until: at(600),
            hold,
        };
        let wait = |hold| Wait {
            wait: SignedDuration::from_secs(5),
            hold,
        };
        // (remaining of 5,000, window resets in, priority, decision)
        let cases = [
            (4_000, 600, Priority::Sweep, Go),
            (1_251, 600, Priority::Sweep, Go),
            (1_250, 600, Priority::Sweep, later(Hold::Reserve)),
            (1_250, 600, Priority::Sync, Go),
            (500, 600, Priority::Sync, later(Hold::Reserve)),
            (500, 5, Priority::Sync, wait(Hold::Reserve)),
            (500, 600, Priority::Interactive, Go),
            (1, 600, Priority::Interactive, Go),
            (0, 600, Priority::Interactive, later(Hold::Exhausted)),
            (0, 5, Priority::Interactive, wait(Hold::Exhausted)),
            (
                0,
                5,
                Priority::Sweep,
                Defer {
                    until: at(5),
                    hold: Hold::Exhausted,
                },
            ),
        ];
        for (remaining, reset_in, priority, expected) in cases {
            let admitted =
                budget(5_000, remaining, reset_in).admit(priority, false, at(0), &policy);
            assert_eq!(
                admitted, expected,
                "{remaining} left, reset in {reset_in}s, {priority:?}"
            );
        }
    }

    #[test]
    fn a_window_past_its_reset_is_full_again() {
        let spent = budget(5_000, 0, 60);
        let policy = BudgetPolicy::default();
        assert!(matches!(
            spent.admit(Priority::Sweep, false, at(59), &policy),
            Admission::Defer { .. }
        ));
        assert_eq!(
            spent.admit(Priority::Sweep, false, at(60), &policy),
            Admission::Go
        );
    }

    #[test]
    fn nothing_is_known_before_the_first_answer() {
        let policy = BudgetPolicy::default();
        for priority in [Priority::Interactive, Priority::Sync, Priority::Sweep] {
            assert_eq!(
                Budget::default().admit(priority, true, at(0), &policy),
                Admission::Go
            );
        }
    }

    #[test]
    fn retry_after_holds_every_call_until_it_passes() {
        let policy = BudgetPolicy::default();
        let mut limited = budget(5_000, 4_000, 3_000);
        limited.observe(
            Observation {
                retry_after: Some(20),
                ..Observation::default()
            },
            at(0),
        );
        assert_eq!(
            limited.admit(Priority::Interactive, false, at(0), &policy),
            Admission::Wait {
                wait: SignedDuration::from_secs(20),
                hold: Hold::SecondaryLimit
            }
        );
        assert_eq!(
            limited.admit(Priority::Sync, false, at(0), &policy),
            Admission::Defer {
                until: at(20),
                hold: Hold::SecondaryLimit
            }
        );
        assert_eq!(
            limited.admit(Priority::Sweep, false, at(20), &policy),
            Admission::Go
        );
        // A shorter retry-after seen later does not shorten the hold.
        limited.observe(
            Observation {
                retry_after: Some(1),
                ..Observation::default()
            },
            at(2),
        );
        assert!(matches!(
            limited.admit(Priority::Interactive, false, at(10), &policy),
            Admission::Wait { .. }
        ));
    }

    #[test]
    fn writes_keep_githubs_content_creation_pace() {
        let policy = BudgetPolicy::default();
        let mut budget = Budget::default();
        for _ in 0..20 {
            assert_eq!(
                budget.admit(Priority::Interactive, true, at(0), &policy),
                Admission::Go
            );
            budget.spend(true, at(0), &policy);
        }
        // The burst is spent: the 21st write waits for the bucket (80 a minute: 0.75 s a write).
        assert_eq!(
            budget.admit(Priority::Interactive, true, at(0), &policy),
            Admission::Wait {
                wait: SignedDuration::from_millis(750),
                hold: Hold::WritePace
            }
        );
        // A sweep may not wait, so its write is deferred; reads are not paced.
        assert!(matches!(
            budget.admit(Priority::Sweep, true, at(0), &policy),
            Admission::Defer {
                hold: Hold::WritePace,
                ..
            }
        ));
        assert_eq!(
            budget.admit(Priority::Sweep, false, at(0), &policy),
            Admission::Go
        );
        // Three seconds later four writes have refilled.
        assert_eq!(
            budget.admit(Priority::Interactive, true, at(3), &policy),
            Admission::Go
        );
    }

    #[test]
    fn spending_counts_down_until_the_next_answer_corrects_it() {
        let policy = BudgetPolicy::default();
        let mut budget = budget(5_000, 1_252, 600);
        budget.spend(false, at(0), &policy);
        assert_eq!(
            budget.admit(Priority::Sweep, false, at(0), &policy),
            Admission::Go
        );
        budget.spend(false, at(0), &policy);
        assert_eq!(budget.remaining(), Some(1_250));
        assert!(matches!(
            budget.admit(Priority::Sweep, false, at(0), &policy),
            Admission::Defer {
                hold: Hold::Reserve,
                ..
            }
        ));
    }

    #[test]
    fn resources_follow_the_path() {
        assert_eq!(Resource::of_path("/graphql"), Resource::Graphql);
        assert_eq!(Resource::of_path("/search/issues?q=x"), Resource::Search);
        assert_eq!(Resource::of_path("/repos/o/r/pulls"), Resource::Core);
    }
}
