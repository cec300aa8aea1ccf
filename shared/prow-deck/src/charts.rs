//! The charts deck draws from what it read: a job's run durations, the queue of pending and
//! running jobs over time, a repository's pass rate by day.

use crate::history::Run;
use crate::html::duration;
use crate::joblist::JobRow;
use crate::svg::{Bar, Series, bars, lines};
use jiff::{SignedDuration, Timestamp};
use prow_api::ProwJobState;

/// Each run's duration, oldest on the left, coloured by its result; a bar links to its run.
pub fn run_durations(bucket: &str, runs: &[Run]) -> String {
    let chart: Vec<Bar> = runs
        .iter()
        .rev()
        .map(|run| {
            let seconds = run.duration().unwrap_or(0);
            Bar {
                value: seconds as f64,
                class: match run.result() {
                    "SUCCESS" => "success",
                    "FAILURE" => "failure",
                    "PENDING" => "pending",
                    "ABORTED" => "aborted",
                    _ => "unknown",
                },
                title: format!(
                    "#{} {} in {}",
                    run.build_id,
                    run.result().to_ascii_lowercase(),
                    duration(SignedDuration::from_secs(seconds))
                ),
                link: Some(format!("/view/s3/{bucket}/{}", run.folder)),
            }
        })
        .collect();
    bars("Run durations", &chart, "s")
}

/// The queue over the `window` before `now`, in `buckets` equal slices: how many jobs waited for a
/// pod (triggered, not yet pending) and how many ran (pending: the pod exists) at some time in
/// each slice, from the jobs' start, pending and completion times. A slice counts a job even if
/// it ran for a second of it, so short jobs show.
pub fn queue_depth(
    rows: &[JobRow],
    now: Timestamp,
    window: SignedDuration,
    buckets: usize,
) -> String {
    let buckets = buckets.max(2);
    let from = now - window;
    let step = window / buckets as i32;
    let mut counts = vec![(0usize, 0usize); buckets];
    // Whether [start, end) overlaps slice `i`.
    let overlaps = |start: Timestamp, end: Timestamp, i: usize| {
        let slice_start = from + step * i as i32;
        let slice_end = slice_start + step;
        start < slice_end && end > slice_start
    };
    for row in rows {
        let Some(started) = row.started else { continue };
        // A running job's interval reaches just past now, so the last slice counts it.
        let ended = row.finished.unwrap_or(now + SignedDuration::from_nanos(1));
        if ended < from {
            continue;
        }
        let running_from = row.pending_since.unwrap_or(ended).clamp(started, ended);
        for (i, count) in counts.iter_mut().enumerate() {
            if running_from > started && overlaps(started, running_from, i) {
                count.0 += 1;
            }
            if ended > running_from && overlaps(running_from, ended, i) {
                count.1 += 1;
            }
        }
    }
    let last = (buckets - 1) as f64;
    let at = |i: usize| i as f64 / last;
    let waiting = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (at(i), c.0 as f64))
        .collect();
    let running = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (at(i), c.1 as f64))
        .collect();
    lines(
        "Jobs waiting and running",
        &[
            Series {
                name: "waiting for a pod".into(),
                class: "pending",
                points: waiting,
            },
            Series {
                name: "running".into(),
                class: "running",
                points: running,
            },
        ],
        "",
        &format!("{}h ago", window.as_hours()),
        "now",
    )
}

/// The share of finished runs that passed, per day over the last `days` days.
pub fn pass_rate(rows: &[&JobRow], now: Timestamp, days: i64) -> String {
    let days = days.max(1);
    let mut per_day = vec![(0u32, 0u32); days as usize];
    for row in rows {
        let (Some(finished), Some(state)) = (row.finished, row.state) else {
            continue;
        };
        let age = now.duration_since(finished).as_hours() / 24;
        if !(0..days).contains(&age) {
            continue;
        }
        let day = &mut per_day[(days - 1 - age) as usize];
        day.1 += 1;
        if state == ProwJobState::Success {
            day.0 += 1;
        }
    }
    let last = (days.max(2) - 1) as f64;
    let points: Vec<(f64, f64)> = per_day
        .iter()
        .enumerate()
        .filter(|(_, (_, total))| *total > 0)
        .map(|(i, (passed, total))| (i as f64 / last, 100.0 * *passed as f64 / *total as f64))
        .collect();
    lines(
        "Pass rate by day",
        &[Series {
            name: "passed %".into(),
            class: "rate",
            points,
        }],
        "%",
        &format!("{days} days ago"),
        "today",
    )
}
