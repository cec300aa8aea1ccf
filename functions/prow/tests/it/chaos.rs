//! Chaos: a stream of webhooks (pull requests opened in the GitHub stand-in, and the corpus's
//! real payloads of other events) into `prow local` while the process is killed with SIGKILL at
//! random moments and started again on the same state. GitHub behaves as GitHub: one attempt per
//! delivery, never retried by itself; what was lost while the process was down is recovered by
//! hook's reconciler (`--redeliver-hook`). Afterwards every pull request has its two jobs exactly
//! once, each of its statuses reported once and in order, and exactly one failure comment.

use crate::local_restart::{Running, start_with, write_config};
use github_standin::{DeliveryPolicy, GitHubStandIn};
use prow_test_harness::SeededRandom;
use prow_test_harness::standin_world::{REPO, acme_widgets};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
const SECRET: &str = "chaos-secret";
const PULLS: usize = 12;

/// The corpus's payloads of events that start nothing here, as if about this repository.
fn corpus_events() -> Vec<(String, Vec<u8>)> {
    let Some(corpus) = prow_test_harness::corpus("github-webhooks") else {
        return Vec::new();
    };
    let mut events = Vec::new();
    for event in [
        "issues",
        "issue_comment",
        "label",
        "create",
        "delete",
        "status",
        "check_run",
    ] {
        let folder = corpus.join("github-webhooks").join(event);
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths
            .iter()
            .filter(|p| p.to_string_lossy().ends_with(".payload.json"))
        {
            let mut payload: serde_json::Value =
                serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            if payload["repository"].is_object() {
                payload["repository"]["full_name"] = REPO.into();
            }
            events.push((event.to_string(), serde_json::to_vec(&payload).unwrap()));
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_prow_local_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "presubmits:\n  acme/widgets:\n  - name: unit\n    always_run: true\n    decorate: true\n    spec: {containers: [{image: local, command: [/bin/sh, -c], args: [\"echo ok\"]}]}\n  - name: lint\n    always_run: true\n    decorate: true\n    spec: {containers: [{image: local, command: [/bin/sh, -c], args: [\"echo bad; exit 1\"]}]}\n",
        SECRET,
        "ghp_chaos",
    );
    let mut standin = GitHubStandIn::start(acme_widgets()).await.unwrap();
    let port = crate::free_port();
    let url = standin.url();
    let extra = [
        "--tick-seconds=1".to_string(),
        "--max-local-runs=8".to_string(),
        "--redeliver-hook=repos/acme/widgets/hooks/1".to_string(),
        "--redeliver-settle=2s".to_string(),
        "--redeliver-min-interval=0s".to_string(),
    ];
    let start = || start_with(dir.path(), &url, port, &extra);
    let mut process: Option<Running> = Some(start());
    // GitHub's behaviour: one attempt per delivery.
    standin.deliver_in_background(
        &format!("http://127.0.0.1:{port}/hook"),
        SECRET.as_bytes(),
        DeliveryPolicy {
            max_attempts: 1,
            timeout: Duration::from_secs(10),
            ..DeliveryPolicy::default()
        },
    );

    let seed = SeededRandom::seed();
    eprintln!("chaos seed {seed}");
    let mut random = SeededRandom::new(seed);
    let corpus = corpus_events();
    let mut corpus = corpus.into_iter();
    let mut kills = 0;
    let mut pulls = Vec::new();
    for n in 0..PULLS {
        {
            let mut world = standin.world();
            let number = world.open_pull_request(
                REPO,
                "alice",
                &format!("change-{n}"),
                &format!("Change {n}"),
                &[(&format!("f{n}.txt") as &str, "x\n")],
            );
            pulls.push(number);
            for (event, body) in corpus.by_ref().take(3) {
                let id = format!("corpus-{n}-{event}-{}", random.below(1 << 30));
                world.outbox.push(github_standin::Delivery {
                    event,
                    id,
                    body,
                    redelivery: false,
                });
            }
        }
        tokio::time::sleep(Duration::from_millis(100 + random.below(400))).await;
        // About one pull request in three, the process dies (SIGKILL) and is started again
        // after a moment: whatever was being done, and whatever arrived meanwhile, is at risk.
        if random.below(3) == 0 {
            drop(process.take());
            kills += 1;
            tokio::time::sleep(Duration::from_millis(random.below(800))).await;
            process = Some(start());
        }
    }
    // At least one kill, whatever the dice said.
    if kills == 0 {
        drop(process.take());
        kills += 1;
        process = Some(start());
    }
    let lost_deliveries = standin
        .world()
        .delivery_attempts
        .iter()
        .filter(|a| !a.succeeded())
        .count();

    // Each pull request's two jobs reported: unit success, lint failure.
    let heads: Vec<String> = pulls
        .iter()
        .map(|&n| standin.world().pull(REPO, n).unwrap().head_sha.clone())
        .collect();
    let finished = |standin: &GitHubStandIn| {
        heads.iter().all(|head| {
            let states: BTreeMap<String, String> = standin
                .world()
                .combined_statuses(REPO, head)
                .into_iter()
                .map(|s| (s.context, s.state))
                .collect();
            states.get("unit").map(String::as_str) == Some("success")
                && states.get("lint").map(String::as_str) == Some("failure")
        })
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while !finished(&standin) {
        assert!(
            Instant::now() < deadline,
            "not every pull request was tested and reported (seed {seed})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Let any late duplicate show itself.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let jobs: Vec<serde_json::Value> = std::fs::read_dir(dir.path().join("state/jobs"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
        .collect();
    let mut per_pull: BTreeMap<(u64, String), usize> = BTreeMap::new();
    for job in &jobs {
        let number = job["spec"]["refs"]["pulls"][0]["number"].as_u64().unwrap();
        let name = job["spec"]["job"].as_str().unwrap().to_string();
        *per_pull.entry((number, name)).or_default() += 1;
    }
    assert_eq!(
        jobs.len(),
        PULLS * 2,
        "two jobs per pull request (seed {seed}): {per_pull:?}"
    );
    assert!(
        per_pull.values().all(|&n| n == 1),
        "no job twice (seed {seed}): {per_pull:?}"
    );

    // Statuses: in order, pending then the result, per job, each report once: a report crier
    // began before it was killed is checked against GitHub before it is made again.
    let world = standin.world();
    let mut status_reports = 0;
    let mut repeated = 0;
    for head in &heads {
        let statuses = &world.repo(REPO).unwrap().statuses[head];
        status_reports += statuses.len();
        for context in ["unit", "lint"] {
            // A report is a state and its description ("Job triggered.", "Job started.", ...).
            let mut reports: Vec<(&str, &str)> = statuses
                .iter()
                .filter(|s| s.context == context)
                .map(|s| (s.state.as_str(), s.description.as_str()))
                .collect();
            let reported = reports.len();
            reports.dedup();
            repeated += reported - reports.len();
            let mut states: Vec<&str> = reports.iter().map(|(state, _)| *state).collect();
            states.dedup();
            // A job that ends before crier looks is reported once, with its result.
            let result = if context == "unit" {
                "success"
            } else {
                "failure"
            };
            assert!(
                states == ["pending", result] || states == [result],
                "{context} on {head}, in order (seed {seed}): {reports:?}"
            );
        }
    }
    assert_eq!(repeated, 0, "a status reported twice (seed {seed})");
    for &number in &pulls {
        let comments = world.issue(REPO, number).unwrap().comments.len();
        assert_eq!(
            comments, 1,
            "one failure comment on #{number} (seed {seed})"
        );
    }
    let redeliveries = world
        .delivery_attempts
        .iter()
        .filter(|a| a.redelivery)
        .count();
    let mut outcome: BTreeMap<&str, bool> = BTreeMap::new();
    for attempt in &world.delivery_attempts {
        *outcome.entry(attempt.guid.as_str()).or_default() |= attempt.succeeded();
    }
    let first_lost: Vec<&str> = world
        .delivery_attempts
        .iter()
        .filter(|a| !a.redelivery && !a.succeeded())
        .map(|a| a.guid.as_str())
        .collect();
    let recovered = first_lost.iter().filter(|g| outcome[**g]).count();
    eprintln!(
        "chaos: {kills} kills, {} deliveries ({} corpus), {lost_deliveries} attempts failed, \
         {} webhooks lost while down of which {recovered} recovered ({redeliveries} \
         redeliveries), {} ProwJobs (0 duplicated), {status_reports} status \
         reports ({repeated} repeated), {PULLS} failure comments (0 duplicated)",
        world.delivery_attempts.len(),
        world
            .delivery_attempts
            .iter()
            .filter(|a| a.guid.starts_with("corpus-"))
            .count(),
        first_lost.len(),
        jobs.len()
    );
    drop(world);
    drop(process);
}
