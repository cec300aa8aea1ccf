//! Chaos against the functions as deployed: hook and trigger as separate processes, ProwJobs in a
//! control plane of the test's own. While pull requests are opened in the GitHub stand-in (which
//! delivers each webhook once, as GitHub does), hook and trigger are killed with SIGKILL at
//! seeded random moments and started again, and once the Kubernetes API server itself is stopped
//! for a while and started again. Webhooks that fail meanwhile (hook unreachable, or hook answering
//! 503 because trigger or the API server is down) are recovered by hook's reconciler, pinged each
//! second as the PingSource does. Afterwards every pull request has each of its jobs exactly once.

use crate::processes::{Files, Function, Running};
use github_standin::{DeliveryPolicy, GitHubStandIn, World};
use prow_e2e::TRIGGER_FOR_ACME;
use prow_test_harness::KubeTestEnv;
use prow_test_harness::SeededRandom;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const REPO: &str = "acme/widgets";
const SECRET: &[u8] = b"chaos-webhook-secret";
const PULLS: usize = 16;
const JOBS: [&str; 2] = ["unit", "lint"];
const JOB_CONFIG: &str = "presubmits:\n  acme/widgets:\n  - name: unit\n    always_run: true\n    spec: {containers: [{image: \"registry.k8s.io/unit:1\", command: [make, test]}]}\n  - name: lint\n    always_run: true\n    spec: {containers: [{image: \"registry.k8s.io/lint:1\", command: [make, lint]}]}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_functions_and_an_api_server_outage_lose_and_duplicate_no_job() {
    // A control plane of its own: its API server is stopped mid-run.
    let Some(kube) = tokio::task::spawn_blocking(KubeTestEnv::start)
        .await
        .unwrap()
        .unwrap()
    else {
        return;
    };
    let (store, namespace) = crate::job_store_in(&kube, "chaos").await;

    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice", "prow-bot"]);
    world.add_repo(REPO);
    world.outbox.clear();
    let mut standin = GitHubStandIn::start(world).await.unwrap();

    let files = Files::prow(
        &format!("prowjob_namespace: {namespace}\npod_namespace: test-pods\n"),
        JOB_CONFIG,
        Some(TRIGGER_FOR_ACME),
        SECRET,
    )
    .unwrap();
    let token = files.write("github-token", "ghp_chaos").unwrap();
    let records = files.path("delivery-records");
    std::fs::create_dir_all(&records).unwrap();
    let mut trigger = crate::start_trigger(&files, &standin.url(), &token, &kube).await;
    let mut hook: Running = Function::new("hook")
        .config_files(&files)
        .github(&standin.url(), &token)
        .sink(&trigger.url())
        .flag("--delivery-records", &records)
        .flag("--redeliver-hook", "repos/acme/widgets/hooks/1")
        // Five redeliveries at most, each waiting twice as long as the one before (1, 2, 4, 8,
        // 16 s): about 30 s of outage bridged (in a cluster, with the defaults, about an hour).
        .flag("--redeliver-settle", "1s")
        .flag("--redeliver-min-interval", "0s")
        .start()
        .await
        .unwrap();
    let hook_url = hook.url();
    standin.deliver_in_background(
        &format!("{hook_url}/hook"),
        SECRET,
        DeliveryPolicy {
            max_attempts: 1,
            timeout: Duration::from_secs(10),
            ..DeliveryPolicy::default()
        },
    );
    // The PingSource: hook's reconciler each second (refused while hook is down).
    let pinger = {
        let url = format!("{hook_url}/redeliver");
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            loop {
                let _ = client.post(&url).send().await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };

    let seed = SeededRandom::seed();
    eprintln!("chaos seed {seed}");
    let mut random = SeededRandom::new(seed);
    let (mut hook_kills, mut trigger_kills) = (0, 0);
    let outage_at = PULLS / 2;
    let mut pulls = Vec::new();
    for n in 0..PULLS {
        if n == outage_at {
            tokio::task::block_in_place(|| kube.stop_apiserver()).unwrap();
        }
        pulls.push(standin.world().open_pull_request(
            REPO,
            "alice",
            &format!("change-{n}"),
            &format!("Change {n}"),
            &[(&format!("f{n}.txt") as &str, "x\n")],
        ));
        tokio::time::sleep(Duration::from_millis(150 + random.below(350))).await;
        if n == outage_at + 2 {
            tokio::task::block_in_place(|| kube.start_apiserver()).unwrap();
        }
        match random.below(4) {
            0 => {
                hook.kill();
                hook_kills += 1;
                tokio::time::sleep(Duration::from_millis(random.below(600))).await;
                hook.restart().await.unwrap();
            }
            1 => {
                trigger.kill();
                trigger_kills += 1;
                tokio::time::sleep(Duration::from_millis(random.below(600))).await;
                trigger.restart().await.unwrap();
            }
            _ => {}
        }
    }

    let expected: Vec<(u64, String)> = pulls
        .iter()
        .flat_map(|&n| JOBS.iter().map(move |job| (n, job.to_string())))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut counts = BTreeMap::new();
    loop {
        if let Ok(now) = crate::jobs_by_pull(&store).await {
            counts = now;
        }
        if expected.iter().all(|key| counts.contains_key(key)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "jobs missing (seed {seed}): {:?}; deliveries: {:#?}",
            expected
                .iter()
                .filter(|key| !counts.contains_key(key))
                .collect::<Vec<_>>(),
            standin.world().delivery_attempts
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Let any late duplicate show itself.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts = crate::jobs_by_pull(&store).await.unwrap();
    pinger.abort();

    assert_eq!(
        counts.len(),
        expected.len(),
        "only the expected jobs (seed {seed}): {counts:?}"
    );
    assert!(
        counts.values().all(|&n| n == 1),
        "no job twice (seed {seed}): {counts:?}"
    );
    let world = standin.world();
    let attempts = &world.delivery_attempts;
    let refused_5xx = attempts
        .iter()
        .filter(|a| a.status_code.is_some_and(|s| s >= 500))
        .count();
    let unreachable = attempts.iter().filter(|a| a.status_code.is_none()).count();
    let redeliveries = attempts.iter().filter(|a| a.redelivery).count();
    assert!(
        refused_5xx > 0,
        "webhooks sent while the API server was down were answered 5xx, not acknowledged \
         (seed {seed}): {attempts:#?}"
    );
    eprintln!(
        "chaos (functions as processes): {hook_kills} hook kills, {trigger_kills} trigger kills, \
         one API server outage; {} deliveries: {refused_5xx} answered 5xx, {unreachable} \
         unreachable, {redeliveries} redeliveries; {} ProwJobs, 0 lost, 0 duplicated",
        attempts.len(),
        counts.len()
    );
}
