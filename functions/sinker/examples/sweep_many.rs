//! Benchmark: sinker over N ProwJobs (default 100,000) in the embedded store, about 5% of them
//! old enough to go. Prints the time to open the store, the sweep's time and removals, and the
//! process's peak memory.
//!
//! `cargo run --release -p sinker --example sweep_many [N]`

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark fails loudly and prints its figures"
)]

use jiff::{SignedDuration, Timestamp};
use prow_local::{EmbeddedJobStore, LocalExecutor, LocalExecutorOptions};
use prow_ports::clock::ManualClock;
use std::sync::Arc;
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map_or(100_000, |n| n.parse().unwrap());
    let now: Timestamp = "2026-11-28T12:00:00Z".parse().unwrap();
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().join("jobs");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..count {
        let kind = ["presubmit", "postsubmit", "periodic"][i % 3];
        let start = now - SignedDuration::from_millis((i % 1000) as i64 * 635_040);
        let job = serde_json::json!({
            "apiVersion": "prow.k8s.io/v1", "kind": "ProwJob",
            "metadata": {"name": format!("pj-{i:07}"), "resourceVersion": "1",
                "labels": {"prow.k8s.io/type": kind, "prow.k8s.io/job": format!("{kind}-{}", i % 40)}},
            "spec": {"type": kind, "job": format!("{kind}-{}", i % 40), "agent": "kubernetes"},
            "status": {"state": "success", "startTime": start.to_string(),
                "completionTime": (start + SignedDuration::from_mins(10)).to_string()}
        });
        std::fs::write(
            dir.join(format!("pj-{i:07}.json")),
            serde_json::to_vec(&job).unwrap(),
        )
        .unwrap();
    }
    let began = Instant::now();
    let store = Arc::new(EmbeddedJobStore::open(&dir).unwrap());
    let opened = began.elapsed();
    let config = prow_config::Config::default();
    let sinker = sinker::Sinker::new(
        store,
        Arc::new(LocalExecutor::new(
            state.path().join("runs"),
            LocalExecutorOptions::default(),
        )),
        prow_runtime::ConfigHandle::new(config),
        Arc::new(ManualClock::new(now)),
        &prow_runtime::Metrics::new("sinker"),
    );
    let began = Instant::now();
    let swept = sinker.sweep().await.unwrap();
    let took = began.elapsed();
    println!(
        "sinker: {count} jobs; store opened in {:.2} s; sweep {:.2} s, removed {:?}; peak RSS {:.1} MiB",
        opened.as_secs_f64(),
        took.as_secs_f64(),
        swept.jobs,
        peak_rss_mib()
    );
}
