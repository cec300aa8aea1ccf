//! Which periodic jobs are due now (upstream's horologium), for a function that a cron ping wakes
//! instead of a loop that runs forever. Nothing here keeps state between pings: each decision is
//! made from the newest run of each periodic and the time, and names the run after the schedule
//! slot it fills, so two pings (or two instances) in the same slot ask for the same ProwJob and
//! the store creates it once.
//!
//! - No run yet: due now (slot `first`).
//! - The previous run is not finished: never due (no overlap).
//! - `cron` (robfig's syntax in UTC, `@every` too): due when a fire time has passed since the
//!   previous run started; fires missed while it ran coalesce into one run (slot: the fire time).
//! - `interval`: due once more than the interval has passed since the previous run started.
//! - `minimum_interval`: due once more than it has passed since the previous run finished.
//!   (Slot of both: after the previous run.)

use chrono::{DateTime, TimeZone, Utc};
use k8s_openapi::jiff::Timestamp;
use prow_api::{ProwJob, ProwJobType};
use prow_config::{CronSchedule, Periodic};
use std::collections::HashMap;

/// The newest run of a periodic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastRun {
    pub name: String,
    /// Milliseconds since the Unix epoch.
    pub started_ms: i64,
    pub completed_ms: Option<i64>,
}

/// The newest run of each periodic job among `jobs` (upstream `GetLatestProwJobs`), by start time.
pub fn latest_runs<'a>(jobs: impl IntoIterator<Item = &'a ProwJob>) -> HashMap<String, LastRun> {
    let mut latest: HashMap<String, LastRun> = HashMap::new();
    for job in jobs {
        if job.spec.job_type != ProwJobType::Periodic {
            continue;
        }
        let Some(start) = job.status.start_time.as_ref() else {
            continue;
        };
        let run = LastRun {
            name: job.name().to_string(),
            started_ms: start.0.as_millisecond(),
            completed_ms: job
                .status
                .completion_time
                .as_ref()
                .map(|t| t.0.as_millisecond()),
        };
        match latest.get(&job.spec.job) {
            Some(seen) if (seen.started_ms, &seen.name) >= (run.started_ms, &run.name) => {}
            _ => {
                latest.insert(job.spec.job.clone(), run);
            }
        }
    }
    latest
}

/// A periodic to start now, and the slot that names its run.
#[derive(Clone, Debug)]
pub struct Due<'a> {
    pub periodic: &'a Periodic,
    pub slot: String,
}

impl Due<'_> {
    /// What the run's ProwJob name is derived from.
    pub fn trigger_id(&self) -> String {
        format!("horologium:{}", self.slot)
    }
}

fn utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn parse_duration(text: &str) -> Option<i64> {
    text.parse::<prow_api::Duration>()
        .ok()
        .map(|d| i64::try_from(d.as_std().as_millis()).unwrap_or(i64::MAX))
}

/// Why a periodic cannot be scheduled (the config loader refuses these; a job that still gets
/// here is skipped, not fatal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unschedulable {
    pub job: String,
    pub reason: String,
}

/// How a periodic is scheduled, parsed once.
#[derive(Clone, Debug)]
enum Rule {
    Cron(Box<croner::Cron>),
    /// Since the previous start (`interval`, `@every`).
    SinceStart(i64),
    /// Since the previous completion (`minimum_interval`).
    SinceCompletion(i64),
}

/// The periodics with their schedules parsed, ready to be asked what is due (parse once per
/// configuration, not per ping).
#[derive(Debug)]
pub struct Schedules<'a> {
    rules: Vec<(&'a Periodic, Rule)>,
    /// The first fire after a start, by (rule, start): it only changes when a new run starts.
    next_fire: std::sync::Mutex<HashMap<(usize, i64), Option<i64>>>,
    /// Periodics whose schedule does not parse (the config loader refuses these; one that still
    /// gets here is skipped).
    pub unschedulable: Vec<Unschedulable>,
}

impl<'a> Schedules<'a> {
    pub fn new(periodics: impl IntoIterator<Item = &'a Periodic>) -> Schedules<'a> {
        let mut rules = Vec::new();
        let mut unschedulable = Vec::new();
        for periodic in periodics {
            let problem = |reason: String| Unschedulable {
                job: periodic.name().to_string(),
                reason,
            };
            let rule = if !periodic.cron.is_empty() {
                match CronSchedule::parse(&periodic.cron) {
                    Ok(CronSchedule::Cron(cron)) => Ok(Rule::Cron(cron)),
                    Ok(CronSchedule::Every(every)) => Ok(Rule::SinceStart(
                        i64::try_from(every.as_std().as_millis()).unwrap_or(i64::MAX),
                    )),
                    Err(error) => Err(problem(error.to_string())),
                }
            } else if !periodic.minimum_interval.is_empty() {
                parse_duration(&periodic.minimum_interval)
                    .map(Rule::SinceCompletion)
                    .ok_or_else(|| {
                        problem(format!(
                            "minimum_interval {:?} is not a duration",
                            periodic.minimum_interval
                        ))
                    })
            } else {
                parse_duration(&periodic.interval)
                    .map(Rule::SinceStart)
                    .ok_or_else(|| {
                        problem(format!(
                            "interval {:?} is not a duration",
                            periodic.interval
                        ))
                    })
            };
            match rule {
                Ok(rule) => rules.push((periodic, rule)),
                Err(problem) => unschedulable.push(problem),
            }
        }
        Schedules {
            rules,
            next_fire: std::sync::Mutex::new(HashMap::new()),
            unschedulable,
        }
    }

    /// The periodics due at `now`, given the newest run of each.
    pub fn due(&self, latest: &HashMap<String, LastRun>, now: Timestamp) -> Vec<Due<'a>> {
        let now_ms = now.as_millisecond();
        let mut due = Vec::new();
        for (index, (periodic, rule)) in self.rules.iter().enumerate() {
            let periodic = *periodic;
            let Some(previous) = latest.get(periodic.name()) else {
                due.push(Due {
                    periodic,
                    slot: "first".into(),
                });
                continue;
            };
            let Some(completed_ms) = previous.completed_ms else {
                continue;
            };
            let slot = match rule {
                Rule::Cron(cron) => self
                    .first_fire_after(index, cron, previous.started_ms)
                    .filter(|fired| *fired <= now_ms)
                    .map(|fired| utc(fired).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                Rule::SinceStart(interval) => (now_ms - previous.started_ms > *interval)
                    .then(|| format!("after:{}", previous.name)),
                Rule::SinceCompletion(minimum) => {
                    (now_ms - completed_ms > *minimum).then(|| format!("after:{}", previous.name))
                }
            };
            if let Some(slot) = slot {
                due.push(Due { periodic, slot });
            }
        }
        due
    }
}

impl Schedules<'_> {
    fn first_fire_after(&self, index: usize, cron: &croner::Cron, started_ms: i64) -> Option<i64> {
        let compute = || {
            cron.find_next_occurrence(&utc(started_ms), false)
                .ok()
                .map(|fired| fired.timestamp_millis())
        };
        match self.next_fire.lock() {
            Ok(mut cache) => *cache.entry((index, started_ms)).or_insert_with(compute),
            Err(_) => compute(),
        }
    }
}

/// The periodics due at `now` (parsing their schedules first; see [`Schedules`]).
pub fn due<'a>(
    periodics: &'a [Periodic],
    latest: &HashMap<String, LastRun>,
    now: Timestamp,
) -> (Vec<Due<'a>>, Vec<Unschedulable>) {
    let schedules = Schedules::new(periodics);
    let due = schedules.due(latest, now);
    (due, schedules.unschedulable)
}
