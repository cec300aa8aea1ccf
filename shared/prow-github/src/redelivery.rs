//! Recovery of webhooks that never arrived (no upstream Prow does this). GitHub keeps a hook's
//! recent deliveries (`GET /app/hook/deliveries`, or a repository's or organization's hook) but
//! never sends one again by itself. hook records every delivery it handed on; a reconciler woken
//! by a ping reads the deliveries made since it last looked and asks GitHub to redeliver
//! (`POST …/deliveries/{id}/attempts`) those that failed or that hook has no record of. Each
//! delivery GitHub lists is judged once, and redelivered at most once; a redelivery that fails is
//! a delivery of its own, judged in a later run, until the webhook has been asked for
//! [`RecoveryPolicy::max_redeliveries`] times (an outage longer than that many runs gives up).
//! This module decides, without I/O: which deliveries are due for a decision ([`window`]) and
//! what to do with each ([`decide`]).

use jiff::{SignedDuration, Timestamp};

/// One delivery in GitHub's list (each attempt, redeliveries included, is one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookDelivery {
    /// GitHub's id of this attempt; later attempts have larger ids.
    pub id: u64,
    /// `X-GitHub-Delivery`: the same for a delivery and its redeliveries.
    pub guid: String,
    pub delivered_at: Timestamp,
    pub redelivery: bool,
    /// `OK`, `Invalid HTTP Response: 503`, `failed to connect to host`, ...
    pub status: String,
    /// What the receiver answered; 0 when it was not reached.
    pub status_code: u16,
    pub event: String,
    pub action: Option<String>,
}

impl HookDelivery {
    /// The receiver answered 2xx.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status_code)
    }

    /// The receiver refused it as bad input (4xx): sending it again would be refused again.
    pub fn refused(&self) -> bool {
        (400..500).contains(&self.status_code)
    }
}

/// How far back and how soon deliveries are looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecoveryPolicy {
    /// Deliveries older than this are never redelivered (a stale event would start stale work).
    pub lookback: SignedDuration,
    /// Deliveries younger than this are left for the next run: hook may still be handing them on.
    pub settle: SignedDuration,
    /// How many times one webhook (one `X-GitHub-Delivery`) is asked for again at most.
    pub max_redeliveries: u32,
}

impl Default for RecoveryPolicy {
    fn default() -> Self {
        RecoveryPolicy {
            lookback: SignedDuration::from_hours(6),
            settle: SignedDuration::from_mins(2),
            max_redeliveries: 5,
        }
    }
}

/// The deliveries a run decides on, oldest first, and the id to remember as decided through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub due: Vec<HookDelivery>,
    /// The largest id decided so far (`checked_through` for the next run).
    pub checked_through: Option<u64>,
}

/// Whether paging (newest first) can stop at `delivery`: it was decided by an earlier run, or it
/// is older than the lookback.
pub fn seen_enough(
    delivery: &HookDelivery,
    checked_through: Option<u64>,
    now: Timestamp,
    policy: RecoveryPolicy,
) -> bool {
    checked_through.is_some_and(|id| delivery.id <= id)
        || delivery.delivered_at < now - policy.lookback
}

/// Of the deliveries read (any order), those due for a decision now: newer than what earlier
/// runs decided (`checked_through`) and than the lookback, older than the settle time; oldest
/// first. `checked_through` moves to the newest of them, so each delivery is decided once.
pub fn window(
    deliveries: &[HookDelivery],
    checked_through: Option<u64>,
    now: Timestamp,
    policy: RecoveryPolicy,
) -> Window {
    let settled_before = now - policy.settle;
    let mut due: Vec<HookDelivery> = deliveries
        .iter()
        .filter(|d| !seen_enough(d, checked_through, now, policy))
        .filter(|d| d.delivered_at <= settled_before)
        .cloned()
        .collect();
    due.sort_by_key(|d| d.id);
    due.dedup_by_key(|d| d.id);
    let checked_through = due.last().map(|d| d.id).max(checked_through);
    Window {
        due,
        checked_through,
    }
}

/// Whether `delivery`, a failure of a webhook already asked for `asked` times, may be judged now:
/// each redelivery waits twice as long as the one before (the settle time, then 2x, 4x, ...), so
/// a long outage is not spent in a few quick attempts.
pub fn ready(delivery: &HookDelivery, asked: u32, now: Timestamp, policy: RecoveryPolicy) -> bool {
    let factor = 1i32 << asked.min(16);
    let wait = policy
        .settle
        .checked_mul(factor)
        .unwrap_or(SignedDuration::MAX);
    delivery
        .delivered_at
        .checked_add(wait)
        .is_ok_and(|due| due <= now)
}

/// What to do with one delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// hook handed it on.
    Handled,
    /// hook refused it (4xx): bad input stays bad.
    Refused,
    /// Lost, and redeliveries were asked for as many times as allowed: given up.
    GivenUp,
    /// Lost: ask GitHub to send it again.
    Redeliver(LostBecause),
}

/// Why a delivery counts as lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LostBecause {
    /// GitHub could not deliver it (no connection, a timeout, a 5xx).
    Failed,
    /// GitHub delivered it, but hook has no record of handing it on.
    Unrecorded,
}

impl Decision {
    /// A label for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Decision::Handled => "handled",
            Decision::Refused => "refused",
            Decision::GivenUp => "given_up",
            Decision::Redeliver(LostBecause::Failed) => "redelivered_failed",
            Decision::Redeliver(LostBecause::Unrecorded) => "redelivered_unrecorded",
        }
    }
}

/// The decision for `delivery`, given whether hook recorded handing its guid on and how many
/// redeliveries of its guid were asked for before (`asked`, of at most `max`).
pub fn decide(delivery: &HookDelivery, recorded: bool, asked: u32, max: u32) -> Decision {
    if recorded {
        Decision::Handled
    } else if delivery.refused() {
        Decision::Refused
    } else if asked >= max {
        Decision::GivenUp
    } else if delivery.succeeded() {
        Decision::Redeliver(LostBecause::Unrecorded)
    } else {
        Decision::Redeliver(LostBecause::Failed)
    }
}

/// Where a hook's deliveries are read, in GitHub's own path form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HookRef {
    /// The GitHub App's webhook (`/app/hook`), read with the App's JWT.
    App,
    /// A repository's webhook (`/repos/{owner}/{repo}/hooks/{id}`).
    Repo {
        owner: String,
        repo: String,
        id: u64,
    },
    /// An organization's webhook (`/orgs/{org}/hooks/{id}`).
    Org { org: String, id: u64 },
}

/// Why a hook reference could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a webhook: expected `app`, `repos/OWNER/REPO/hooks/ID` or `orgs/ORG/hooks/ID`"
)]
pub struct HookRefError(pub String);

impl std::str::FromStr for HookRef {
    type Err = HookRefError;

    fn from_str(text: &str) -> Result<HookRef, HookRefError> {
        let error = || HookRefError(text.to_string());
        let parts: Vec<&str> = text.trim_matches('/').split('/').collect();
        let id = |s: &str| s.parse::<u64>().map_err(|_| error());
        match parts.as_slice() {
            ["app"] | ["app", "hook"] => Ok(HookRef::App),
            ["repos", owner, repo, "hooks", hook] if !owner.is_empty() && !repo.is_empty() => {
                Ok(HookRef::Repo {
                    owner: (*owner).to_string(),
                    repo: (*repo).to_string(),
                    id: id(hook)?,
                })
            }
            ["orgs", org, "hooks", hook] if !org.is_empty() => Ok(HookRef::Org {
                org: (*org).to_string(),
                id: id(hook)?,
            }),
            _ => Err(error()),
        }
    }
}

impl std::fmt::Display for HookRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HookRef::App => write!(f, "app/hook"),
            HookRef::Repo { owner, repo, id } => write!(f, "repos/{owner}/{repo}/hooks/{id}"),
            HookRef::Org { org, id } => write!(f, "orgs/{org}/hooks/{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).expect("in range")
    }

    fn delivery(id: u64, guid: &str, seconds: i64, status_code: u16) -> HookDelivery {
        HookDelivery {
            id,
            guid: guid.to_string(),
            delivered_at: at(seconds),
            redelivery: false,
            status: String::new(),
            status_code,
            event: "pull_request".to_string(),
            action: Some("opened".to_string()),
        }
    }

    #[test]
    fn decisions() {
        let ok = delivery(1, "a", 0, 200);
        let refused = delivery(2, "b", 0, 400);
        let unreachable = delivery(3, "c", 0, 0);
        let unavailable = delivery(4, "d", 0, 503);
        // (delivery, recorded, redeliveries asked before, of at most 2) -> decision
        let table = [
            (&ok, true, 0, Decision::Handled),
            (&unavailable, true, 2, Decision::Handled),
            (&refused, false, 0, Decision::Refused),
            (&ok, false, 0, Decision::Redeliver(LostBecause::Unrecorded)),
            (
                &unreachable,
                false,
                0,
                Decision::Redeliver(LostBecause::Failed),
            ),
            (
                &unavailable,
                false,
                1,
                Decision::Redeliver(LostBecause::Failed),
            ),
            (&unreachable, false, 2, Decision::GivenUp),
            (&ok, false, 3, Decision::GivenUp),
        ];
        for (delivery, recorded, asked, expected) in table {
            assert_eq!(
                decide(delivery, recorded, asked, 2),
                expected,
                "{delivery:?} recorded={recorded} asked={asked}"
            );
        }
    }

    #[test]
    fn the_window_skips_what_was_decided_what_is_too_old_and_what_is_too_new() {
        let policy = RecoveryPolicy {
            lookback: SignedDuration::from_hours(1),
            settle: SignedDuration::from_mins(2),
            max_redeliveries: 1,
        };
        let now = at(10_000);
        let deliveries = vec![
            delivery(9, "newest", 10_000 - 30, 0),
            delivery(8, "settled", 10_000 - 300, 0),
            delivery(7, "settled-too", 10_000 - 400, 200),
            delivery(5, "decided-before", 10_000 - 500, 0),
            delivery(2, "too-old", 10_000 - 4_000, 0),
        ];
        let window = window(&deliveries, Some(5), now, policy);
        let ids: Vec<u64> = window.due.iter().map(|d| d.id).collect();
        assert_eq!(ids, [7, 8], "oldest first, settled, undecided, recent");
        assert_eq!(window.checked_through, Some(8));

        let nothing = super::window(&deliveries[..1], Some(8), now, policy);
        assert!(nothing.due.is_empty());
        assert_eq!(
            nothing.checked_through,
            Some(8),
            "the mark never moves back"
        );

        let first_run = super::window(&deliveries, None, now, policy);
        let ids: Vec<u64> = first_run.due.iter().map(|d| d.id).collect();
        assert_eq!(ids, [5, 7, 8]);
        assert!(seen_enough(&deliveries[3], Some(5), now, policy));
        assert!(seen_enough(&deliveries[4], None, now, policy));
        assert!(!seen_enough(&deliveries[0], Some(5), now, policy));
    }

    #[test]
    fn each_redelivery_waits_twice_as_long_as_the_one_before() {
        let policy = RecoveryPolicy {
            lookback: SignedDuration::from_hours(6),
            settle: SignedDuration::from_mins(2),
            max_redeliveries: 5,
        };
        let failed = delivery(1, "a", 0, 503);
        // (asked before, minutes since it failed) -> ready
        for (asked, minutes, expected) in [
            (0, 2, true),
            (1, 3, false),
            (1, 4, true),
            (2, 7, false),
            (2, 8, true),
            (4, 31, false),
            (4, 32, true),
        ] {
            assert_eq!(
                ready(&failed, asked, at(minutes * 60), policy),
                expected,
                "asked {asked}, {minutes} min"
            );
        }
    }

    #[test]
    fn hook_references_read_as_githubs_paths() {
        for (text, expected) in [
            ("app", Ok(HookRef::App)),
            ("app/hook", Ok(HookRef::App)),
            (
                "repos/acme/widgets/hooks/12",
                Ok(HookRef::Repo {
                    owner: "acme".into(),
                    repo: "widgets".into(),
                    id: 12,
                }),
            ),
            (
                "/orgs/acme/hooks/7/",
                Ok(HookRef::Org {
                    org: "acme".into(),
                    id: 7,
                }),
            ),
            (
                "repos/acme/hooks/1",
                Err(HookRefError("repos/acme/hooks/1".into())),
            ),
            (
                "orgs/acme/hooks/x",
                Err(HookRefError("orgs/acme/hooks/x".into())),
            ),
        ] {
            assert_eq!(text.parse::<HookRef>(), expected, "{text}");
        }
        assert_eq!(
            "repos/acme/widgets/hooks/12"
                .parse::<HookRef>()
                .map(|h| h.to_string()),
            Ok("repos/acme/widgets/hooks/12".to_string())
        );
    }
}
