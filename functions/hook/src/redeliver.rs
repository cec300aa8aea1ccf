//! Webhook recovery: hook records each delivery it handed on ([`DeliveryRecords`], in a bucket
//! every instance reads), and `POST /redeliver` (a ping) reads the deliveries GitHub made since
//! the last run and asks GitHub to send again those that failed or that no instance recorded,
//! each at most once (what to do is [`prow_github::redelivery`]'s decision; this is the I/O).
//!
//! Each delivery GitHub lists is judged once and asked for again at most once; a webhook is asked
//! for at most `max_redeliveries` times in all. The count is recorded before GitHub is asked: a
//! crash between the two loses that request rather than asking twice; a request GitHub refused
//! is taken back, so the next run may ask again. One run at a time per instance (a ping arriving during a run is answered
//! at once); deploy the reconciler's pings to one instance (`knative/hook.yaml`).

use crate::Hook;
use crate::metrics::Decision as DecisionLabel;
use jiff::Timestamp;
use prow_github::redelivery::{self, Decision, HookRef, RecoveryPolicy};
use prow_ports::artifacts::ArtifactStore;
use prow_ports::github::GitHubError;
use prow_ports::webhook_deliveries::WebhookDeliveries;
use prow_runtime::Outcome;
use std::collections::BTreeSet;
use std::sync::Arc;

const HANDLED: &str = "hook/deliveries/handled/";
const REDELIVERY: &str = "hook/deliveries/redelivery/";
const CHECKED: &str = "hook/deliveries/checked/";

/// Whether `guid` may name an object: GitHub's delivery ids are UUIDs. The header is not covered
/// by the signature, so anything else is not recorded (no key is built from it).
fn usable_guid(guid: &str) -> bool {
    !guid.is_empty()
        && guid.len() <= 64
        && guid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The delivery records in a bucket. Objects are small and never rewritten in place except a
/// redelivery's state; a lifecycle rule on `hook/deliveries/` expires them (Terraform).
#[derive(Clone)]
pub struct DeliveryRecords {
    store: Arc<dyn ArtifactStore>,
}

/// Why a record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Read(#[from] prow_ports::artifacts::ReadError),
    #[error(transparent)]
    Write(#[from] prow_ports::artifacts::UploadError),
}

impl DeliveryRecords {
    pub fn new(store: Arc<dyn ArtifactStore>) -> DeliveryRecords {
        DeliveryRecords { store }
    }

    /// Records that delivery `guid` was handed on at `at`. A guid that cannot name an object is
    /// not recorded.
    pub async fn record_handled(&self, guid: &str, at: Timestamp) -> Result<(), RecordError> {
        if !usable_guid(guid) {
            return Ok(());
        }
        let key = format!("{HANDLED}{guid}");
        self.store
            .put(&key, at.to_string().into_bytes(), "text/plain")
            .await?;
        Ok(())
    }

    pub async fn handled(&self, guid: &str) -> Result<bool, RecordError> {
        if !usable_guid(guid) {
            return Ok(false);
        }
        Ok(self.store.get(&format!("{HANDLED}{guid}")).await?.is_some())
    }

    /// How many redeliveries of `guid` were asked for (or are being asked for).
    async fn redeliveries_asked(&self, guid: &str) -> Result<u32, RecordError> {
        let count = self.store.get(&format!("{REDELIVERY}{guid}")).await?;
        Ok(count.map_or(0, |c| {
            String::from_utf8_lossy(&c).trim().parse().unwrap_or(1)
        }))
    }

    async fn set_redeliveries_asked(&self, guid: &str, count: u32) -> Result<(), RecordError> {
        let key = format!("{REDELIVERY}{guid}");
        self.store
            .put(&key, count.to_string().into_bytes(), "text/plain")
            .await?;
        Ok(())
    }

    /// The id of the newest delivery of `hook` decided so far.
    async fn checked_through(&self, hook: &HookRef) -> Result<Option<u64>, RecordError> {
        let key = checked_key(hook);
        let Some(body) = self.store.get(&key).await? else {
            return Ok(None);
        };
        Ok(String::from_utf8_lossy(&body).trim().parse().ok())
    }

    async fn set_checked_through(&self, hook: &HookRef, id: u64) -> Result<(), RecordError> {
        let key = checked_key(hook);
        self.store
            .put(&key, id.to_string().into_bytes(), "text/plain")
            .await?;
        Ok(())
    }
}

fn checked_key(hook: &HookRef) -> String {
    format!("{CHECKED}{}", hook.to_string().replace('/', "_"))
}

/// What the reconciler reads and where it asks.
pub struct Recovery {
    pub deliveries: Arc<dyn WebhookDeliveries>,
    pub hooks: Vec<HookRef>,
    pub policy: RecoveryPolicy,
    /// The least time between two runs started by `POST /redeliver`.
    pub min_interval: std::time::Duration,
}

/// What one run did, for the answer and the tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Deliveries judged this run.
    pub judged: usize,
    /// Redeliveries asked for, by guid.
    pub redelivered: Vec<String>,
    /// Lost deliveries whose one redelivery was already asked for.
    pub given_up: Vec<String>,
}

/// Why a run stopped; the next ping starts over from the last recorded point.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("reading the deliveries of {hook}: {source}")]
    GitHub {
        hook: String,
        #[source]
        source: GitHubError,
    },
    #[error("the delivery records: {0}")]
    Records(#[from] RecordError),
}

impl Hook {
    /// One reconciler run over every configured hook.
    pub async fn recover_deliveries(&self) -> Result<RecoveryReport, RecoveryError> {
        let (Some(recovery), Some(records)) = (&self.0.recovery, &self.0.records) else {
            return Ok(RecoveryReport::default());
        };
        let mut report = RecoveryReport::default();
        for hook in &recovery.hooks {
            self.recover_hook(recovery, records, hook, &mut report)
                .await?;
        }
        Ok(report)
    }

    async fn recover_hook(
        &self,
        recovery: &Recovery,
        records: &DeliveryRecords,
        hook: &HookRef,
        report: &mut RecoveryReport,
    ) -> Result<(), RecoveryError> {
        let github = |source| RecoveryError::GitHub {
            hook: hook.to_string(),
            source,
        };
        let now = self.0.clock.now();
        let checked = records.checked_through(hook).await?;
        let deliveries = recovery
            .deliveries
            .deliveries(hook, checked, now - recovery.policy.lookback)
            .await
            .map_err(github)?;
        let window = redelivery::window(&deliveries, checked, now, recovery.policy);
        // Asked for in this run: a webhook lost twice in one window is asked for once.
        let mut asked_now: BTreeSet<String> = BTreeSet::new();
        // Everything up to this id is decided; the cursor stops before a delivery left waiting.
        let mut decided_through = checked;
        for delivery in &window.due {
            if asked_now.contains(&delivery.guid) {
                decided_through = Some(delivery.id);
                continue;
            }
            let recorded = records.handled(&delivery.guid).await?;
            let asked = if recorded || !usable_guid(&delivery.guid) {
                0
            } else {
                records.redeliveries_asked(&delivery.guid).await?
            };
            if !recorded && !redelivery::ready(delivery, asked, now, recovery.policy) {
                break;
            }
            decided_through = Some(delivery.id);
            let decision =
                redelivery::decide(delivery, recorded, asked, recovery.policy.max_redeliveries);
            report.judged += 1;
            self.0
                .metrics
                .recovery_decisions
                .get_or_create(&DecisionLabel {
                    decision: decision.kind().to_string(),
                })
                .inc();
            match decision {
                Decision::Redeliver(why) => {
                    if !usable_guid(&delivery.guid) {
                        continue;
                    }
                    records
                        .set_redeliveries_asked(&delivery.guid, asked + 1)
                        .await?;
                    asked_now.insert(delivery.guid.clone());
                    if let Err(error) = recovery.deliveries.redeliver(hook, delivery.id).await {
                        records
                            .set_redeliveries_asked(&delivery.guid, asked)
                            .await?;
                        return Err(github(error));
                    }
                    tracing::info!(
                        hook = %hook,
                        delivery = delivery.id,
                        event_guid = %delivery.guid,
                        event_type = %delivery.event,
                        status = %delivery.status,
                        reason = ?why,
                        asked = asked + 1,
                        "asked GitHub to redeliver a lost webhook"
                    );
                    report.redelivered.push(delivery.guid.clone());
                }
                Decision::GivenUp => {
                    tracing::warn!(
                        hook = %hook,
                        delivery = delivery.id,
                        event_guid = %delivery.guid,
                        event_type = %delivery.event,
                        status = %delivery.status,
                        "a webhook was lost again after its last allowed redelivery; given up"
                    );
                    report.given_up.push(delivery.guid.clone());
                }
                Decision::Handled | Decision::Refused => {}
            }
        }
        if let Some(id) = decided_through
            && Some(id) != checked
        {
            records.set_checked_through(hook, id).await?;
        }
        Ok(())
    }
}

/// `POST /redeliver`: one reconciler run (woken by a ping). A ping arriving while a run is going
/// on is answered at once; a failed run is answered 503 so the ping is retried.
pub(crate) async fn serve(axum::extract::State(hook): axum::extract::State<Hook>) -> Outcome {
    let (Some(recovery), Some(_)) = (&hook.0.recovery, &hook.0.records) else {
        return Outcome::done("webhook recovery is not configured (--delivery-records)");
    };
    let Ok(mut last_run) = hook.0.recovery_running.try_lock() else {
        return Outcome::done("a recovery run is already going on");
    };
    // The route is as public as `/hook`: a flood of pings makes at most one run per interval.
    let now = hook.0.clock.now();
    if let Some(at) = *last_run {
        let since = now.duration_since(at);
        if since < jiff::SignedDuration::try_from(recovery.min_interval).unwrap_or_default() {
            return Outcome::done(format!("the last run was {} s ago", since.as_secs()));
        }
    }
    *last_run = Some(now);
    match hook.recover_deliveries().await {
        Ok(report) => Outcome::done(format!(
            "{} deliveries judged, {} redelivered, {} given up",
            report.judged,
            report.redelivered.len(),
            report.given_up.len()
        )),
        Err(error) => Outcome::retry("webhook_recovery", error.to_string()),
    }
}
