//! Load generator: latency from a pull request's webhook reaching `/hook` to its job's process
//! starting, through the whole of `prow local` (hook, the event bus, trigger, the job store, the
//! controller, the local executor with its `started.json` upload). One PR after another, each
//! opened on the GitHub stand-in, its signed webhook posted, and the moment the job's first
//! command runs read back from the file it writes.
//!
//! `cargo run --release -p prow-e2e --example pr_latency [PRS]` (default 100).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark tool reports on stdout and stops loudly"
)]

use github_standin::GitHubStandIn;
use prow_e2e::{LOAD_REPO as REPO, TRIGGER_FOR_ACME};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SECRET: &[u8] = b"latency-secret";

fn nanos_now() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let prs = prow_e2e::count_argument(1, 100);
    let state = tempfile::tempdir().unwrap();
    let marks = state.path().join("marks");
    std::fs::create_dir_all(&marks).unwrap();
    let config = "prowjob_namespace: prow\npod_namespace: test-pods\nplank:\n  default_decoration_config_entries:\n  - config:\n      timeout: 5m\n      grace_period: 2s\n      utility_images: {clonerefs: l, initupload: l, entrypoint: l, sidecar: l}\n      gcs_configuration: {bucket: s3://prow-artifacts, path_strategy: explicit}\n";
    let jobs = format!(
        "presubmits:\n  acme/widgets:\n  - name: unit\n    always_run: true\n    decorate: true\n    spec: {{containers: [{{image: l, command: [/bin/sh, -c], args: [\"date +%s%N > {}/$PULL_NUMBER\"]}}]}}\n",
        marks.display()
    );
    let config = prow_e2e::load_config(config, Some(&jobs), Some(TRIGGER_FOR_ACME)).unwrap();
    let mut world = prow_e2e::load_world(&["alice", "prow-bot"]);
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let local = prow_e2e::start_local(&standin.url(), config, state.path(), SECRET)
        .await
        .unwrap();
    let hook = format!("{}/hook", local.url());

    let mut latencies = Vec::with_capacity(prs);
    for i in 0..prs {
        let number = standin.world().open_pull_request(
            REPO,
            "alice",
            &format!("change-{i}"),
            "A change",
            &[("a.txt", &format!("{i}\n"))],
        );
        let sent = nanos_now();
        let delivered = standin.deliver_pending(&hook, SECRET).await.unwrap();
        assert!(delivered.iter().all(|(_, status)| *status == 200));
        let mark = marks.join(number.to_string());
        let deadline = Instant::now() + Duration::from_secs(30);
        let started: u128 = loop {
            if let Ok(text) = std::fs::read_to_string(&mark)
                && let Ok(value) = text.trim().parse()
            {
                break value;
            }
            assert!(Instant::now() < deadline, "PR {number}'s job did not start");
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        latencies.push(Duration::from_nanos(
            u64::try_from(started.saturating_sub(sent)).unwrap_or(u64::MAX),
        ));
    }
    latencies.sort();
    let at = |q: f64| prow_e2e::millis(prow_e2e::quantile(&latencies, q));
    println!(
        "{prs} PR events, webhook at /hook -> job process started: median {:.1} ms, p90 {:.1} ms, min {:.1} ms, max {:.1} ms",
        at(0.5),
        at(0.9),
        at(0.0),
        at(1.0),
    );
}
