//! Load generator: one `/lgtm` comment from its webhook reaching `/hook` to the `lgtm` label on
//! the pull request, through the whole of `prow local` (hook's intake, the event bus, the lgtm
//! plugin's facts read and its label written through the octocrab adapter) against the GitHub
//! stand-in over HTTP. One pull request after another: bob, a reviewer in OWNERS, comments
//! `/lgtm`, its signed webhook is posted, and the label is watched for in the stand-in's state.
//! The GitHub calls each event caused are counted from the stand-in's call log.
//!
//! `cargo run --release -p prow-e2e --example lgtm_latency [EVENTS] [PLUGINS]`
//! (default 200, `lgtm`; PLUGINS is a comma-separated list enabled for the org, e.g.
//! `trigger,lgtm,approve,hold,size`).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark tool reports on stdout and stops loudly"
)]

use github_standin::{GitHubStandIn, Permission};
use prow_e2e::LOAD_REPO as REPO;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SECRET: &[u8] = b"lgtm-latency-secret";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events = prow_e2e::count_argument(1, 200);
    let plugins = std::env::args().nth(2).unwrap_or_else(|| "lgtm".into());
    let state = tempfile::tempdir().unwrap();
    let plugins = format!(
        "triggers:\n- repos: [acme]\nplugins:\n  acme: {{plugins: [{}]}}\n",
        plugins.replace(',', ", ")
    );
    let config = prow_e2e::load_config("prowjob_namespace: prow\n", None, Some(&plugins)).unwrap();

    let mut world = prow_e2e::load_world(&["alice", "bob", "prow-bot"]);
    world.add_collaborator(REPO, "bob", Permission::Write);
    world.add_collaborator(REPO, "alice", Permission::Admin);
    world.push(
        REPO,
        "main",
        "Add OWNERS",
        &[("OWNERS", "approvers: [alice]\nreviewers: [bob]\n")],
    );
    let numbers: Vec<u64> = (0..events)
        .map(|i| {
            world.open_pull_request(
                REPO,
                "alice",
                &format!("change-{i}"),
                "A change",
                &[("a.txt", &format!("{i}\n"))],
            )
        })
        .collect();
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let local = prow_e2e::start_local(&standin.url(), config, state.path(), SECRET)
        .await
        .unwrap();
    let hook = format!("{}/hook", local.url());

    let mut latencies = Vec::with_capacity(events);
    let mut calls_per_event = Vec::with_capacity(events);
    let mut by_endpoint: BTreeMap<String, usize> = BTreeMap::new();
    for number in numbers {
        standin.world().calls.clear();
        standin
            .world()
            .comment(REPO, number, "bob", "/lgtm")
            .unwrap();
        let sent = Instant::now();
        let delivered = standin.deliver_pending(&hook, SECRET).await.unwrap();
        assert!(delivered.iter().all(|(_, status)| *status == 200));
        let deadline = sent + Duration::from_secs(30);
        loop {
            let labelled = standin
                .world()
                .issue(REPO, number)
                .is_some_and(|i| i.labels.iter().any(|l| l == "lgtm"));
            if labelled {
                break;
            }
            assert!(Instant::now() < deadline, "PR {number} got no lgtm label");
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        latencies.push(sent.elapsed());
        // The event's work is done when no call has come for 100 ms; its own webhooks (the
        // label's `labeled`) are not replayed, so each event is counted alone.
        let mut seen = usize::MAX;
        loop {
            let now = standin.world().calls.len();
            if now == seen {
                break;
            }
            seen = now;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let calls = std::mem::take(&mut standin.world().calls);
        calls_per_event.push(calls.len());
        for call in calls {
            let path = call.uri.split('?').next().unwrap_or_default();
            let shape: Vec<&str> = path
                .split('/')
                .map(|part| {
                    if part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
                        "{n}"
                    } else {
                        part
                    }
                })
                .collect();
            *by_endpoint
                .entry(format!("{} {}", call.method, shape.join("/")))
                .or_default() += 1;
        }
        standin.world().outbox.clear();
    }
    latencies.sort();
    let at = |q: f64| prow_e2e::millis(prow_e2e::quantile(&latencies, q));
    println!(
        "{events} /lgtm events (plugins: {plugins}), webhook at /hook -> lgtm label on the PR: median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
    );
    calls_per_event.sort_unstable();
    println!(
        "GitHub calls per event: min {}, median {}, max {} (first event includes GET /user once per process)",
        calls_per_event[0],
        calls_per_event[calls_per_event.len() / 2],
        calls_per_event[calls_per_event.len() - 1],
    );
    for (endpoint, count) in by_endpoint {
        println!(
            "  {endpoint}: {:.2} per event",
            count as f64 / events as f64
        );
    }
}
