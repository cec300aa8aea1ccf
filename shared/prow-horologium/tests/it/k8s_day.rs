//! A simulated day of Kubernetes' 1,335 periodics (`../shared/corpus/k8s-prow`): pinged every
//! minute, each runs exactly when its schedule says (checked against an independent count of
//! each schedule's firings), two instances pinged at once ask for the same runs, and a repeated
//! ping asks for nothing more.

use chrono::{TimeZone, Utc};
use k8s_openapi::jiff::Timestamp;
use prow_config::{CronSchedule, Periodic};
use prow_horologium::{LastRun, Schedules};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Kubernetes' periodics from the corpus.
fn periodics() -> Option<Vec<Periodic>> {
    prow_corpus::kubernetes().map(|loaded| loaded.config.jobs.periodics.to_vec())
}

const MINUTE_MS: i64 = 60_000;
const DAY_MINUTES: i64 = 24 * 60;

fn millis(text: &str) -> i64 {
    let d: prow_api::Duration = text.parse().unwrap();
    d.as_std().as_millis() as i64
}

/// How many runs a periodic gets in the day, counted from its schedule alone: for cron, the
/// minutes in which it fires at least once (a ping each minute starts one run for them); for
/// intervals, stepping from the last start.
fn expected_runs(periodic: &Periodic, seed_ms: i64, t0_ms: i64) -> usize {
    let ping = |m: i64| t0_ms + m * MINUTE_MS;
    let every = |interval: i64| {
        let (mut last, mut runs) = (seed_ms, 0);
        for m in 1..=DAY_MINUTES {
            if ping(m) - last > interval {
                last = ping(m);
                runs += 1;
            }
        }
        runs
    };
    if !periodic.cron.is_empty() {
        return match CronSchedule::parse(&periodic.cron).unwrap() {
            CronSchedule::Every(d) => every(d.as_std().as_millis() as i64),
            // Every firing of the day, each counted in the minute whose ping sees it first.
            CronSchedule::Cron(cron) => cron
                .iter_after(Utc.timestamp_millis_opt(seed_ms).unwrap())
                .map(|fired| fired.timestamp_millis())
                .take_while(|&fired| fired <= ping(DAY_MINUTES))
                .map(|fired| (fired - t0_ms + MINUTE_MS - 1).div_euclid(MINUTE_MS).max(1))
                .collect::<BTreeSet<i64>>()
                .len(),
        };
    }
    if !periodic.minimum_interval.is_empty() {
        return every(millis(&periodic.minimum_interval));
    }
    every(millis(&periodic.interval))
}

#[test]
fn a_day_of_kubernetes_periodics_runs_what_the_schedules_imply() {
    let Some(periodics) = periodics() else { return };
    assert_eq!(periodics.len(), 1335);
    let t0: Timestamp = "2026-11-28T00:00:00Z".parse().unwrap();
    let t0_ms = t0.as_millisecond();
    let seed_ms = t0_ms - 1000;
    // Every periodic ran (and finished) just before the day began.
    let mut latest: HashMap<String, LastRun> = periodics
        .iter()
        .map(|p| {
            (
                p.name().to_string(),
                LastRun {
                    name: format!("seed-{}", p.name()),
                    started_ms: seed_ms,
                    completed_ms: Some(seed_ms),
                },
            )
        })
        .collect();
    let schedules = Schedules::new(&periodics);
    assert!(
        schedules.unschedulable.is_empty(),
        "{:?}",
        schedules.unschedulable
    );
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut runs: BTreeMap<String, usize> = BTreeMap::new();
    for minute in 1..=DAY_MINUTES {
        let now = Timestamp::from_millisecond(t0_ms + minute * MINUTE_MS).unwrap();
        let name = |d: &prow_horologium::Due| {
            (
                d.periodic.name().to_string(),
                prow_trigger::jobs::job_name(&d.trigger_id(), d.periodic.name()),
            )
        };
        let first: Vec<(String, String)> = schedules.due(&latest, now).iter().map(name).collect();
        // Two instances woken by the same ping read the same runs (checked every quarter hour).
        let checked = minute % 15 == 0;
        if checked {
            let second: Vec<(String, String)> =
                schedules.due(&latest, now).iter().map(name).collect();
            assert_eq!(
                first, second,
                "two instances at {now} ask for the same runs"
            );
        }
        for (job, prowjob) in first {
            assert!(
                created.insert(prowjob.clone()),
                "{prowjob} ({job}) asked for twice"
            );
            *runs.entry(job.clone()).or_default() += 1;
            // Each run finishes within the minute.
            latest.insert(
                job,
                LastRun {
                    name: prowjob,
                    started_ms: now.as_millisecond(),
                    completed_ms: Some(now.as_millisecond()),
                },
            );
        }
        // A repeated ping after the runs were created starts nothing.
        if checked {
            assert!(schedules.due(&latest, now).is_empty(), "at {now}");
        }
    }
    let mut total = 0;
    for periodic in &periodics {
        let expected = expected_runs(periodic, seed_ms, t0_ms);
        assert_eq!(
            runs.get(periodic.name()).copied().unwrap_or(0),
            expected,
            "{} (cron {:?}, interval {:?}, minimum_interval {:?})",
            periodic.name(),
            periodic.cron,
            periodic.interval,
            periodic.minimum_interval
        );
        total += expected;
    }
    eprintln!("{total} runs of {} periodics in a day", periodics.len());
    assert!(total > 1335);
}
