//! hook and trigger as separate processes under ten times a large org's webhook rate (Kubernetes'
//! org sees a few webhooks a second at its peak): the GitHub stand-in's `pull_request` `opened`
//! webhooks for distinct pull requests by org members, signed, sent to hook at a fixed rate
//! whatever is still in flight (open loop); hook hands each to trigger as a CloudEvent (`K_SINK`)
//! and answers only once trigger has created its ProwJobs in a real kube-apiserver. Nothing may be
//! refused, lost or created twice, and neither function may log an error. It prints the answers'
//! latency percentiles, when the last ProwJob existed and each function's peak RSS and CPU time.
//!
//! CI runs 20 s at 50 webhooks/s; `PROW_LOAD_SECONDS` and `PROW_LOAD_RATE` change both, and
//! `scripts/bench-load.sh` runs it against release binaries (`PROW_BIN_DIR`).

use crate::processes::{Files, Function, Running};
use github_standin::{Delivery, GitHubStandIn, World};
use prow_e2e::{TRIGGER_FOR_ACME, millis, quantile};
use prow_test_harness::KubeTestEnv;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORG: &str = "acme";
const REPO: &str = "acme/widgets";
const SECRET: &[u8] = b"load-webhook-secret";
/// The presubmits every pull request starts (both `always_run`).
const JOBS: [&str; 2] = ["unit", "lint"];
/// Pull requests are opened by this many different org members, each checked by trigger.
const AUTHORS: usize = 25;

const JOB_CONFIG: &str = r#"
presubmits:
  acme/widgets:
  - name: unit
    always_run: true
    spec: {containers: [{image: "registry.k8s.io/unit:1", command: [make, test]}]}
  - name: lint
    always_run: true
    spec: {containers: [{image: "registry.k8s.io/lint:1", command: [make, lint]}]}
"#;

fn config(namespace: &str) -> String {
    format!("prowjob_namespace: {namespace}\npod_namespace: test-pods\n")
}

/// A positive number from the environment variable `name`, or `default`.
fn setting(name: &str, default: f64) -> f64 {
    match std::env::var(name) {
        Ok(text) => match text.parse::<f64>() {
            Ok(value) if value > 0.0 => value,
            _ => panic!("{name}={text:?} is not a positive number"),
        },
        Err(_) => default,
    }
}

/// A world of `prs` open pull requests on one repository, opened by org members; its outbox
/// holds the webhooks GitHub sent for them.
fn world_with_pull_requests(prs: usize) -> World {
    let mut world = World::new("prow-bot");
    let authors: Vec<String> = (0..AUTHORS).map(|i| format!("dev{i}")).collect();
    let mut members: Vec<&str> = authors.iter().map(String::as_str).collect();
    members.push("prow-bot");
    world.add_org(ORG, &members);
    world.add_repo(REPO);
    // Every call trigger makes counts against the core limit; the load is not about it.
    world.rate_limit = 1_000_000;
    world.rate_limit_remaining = 1_000_000;
    for i in 0..prs {
        world.open_pull_request(
            REPO,
            &authors[i % AUTHORS],
            &format!("load-{i}"),
            &format!("Change {i}"),
            &[(&format!("src/change_{i}.go"), "package src\n")],
        );
    }
    world
}

/// One webhook's answer: when it was due, how long hook took to answer, and the status (0 when
/// the request itself failed).
struct Answer {
    latency: Duration,
    status: u16,
    error: Option<String>,
}

/// Each delivery with its `X-Hub-Signature-256`.
fn sign(deliveries: Vec<Delivery>) -> Vec<(Delivery, String)> {
    deliveries
        .into_iter()
        .map(|d| {
            let signature = github_standin::signature(SECRET, &d.body);
            (d, signature)
        })
        .collect()
}

/// Sends `signed` to `url` at `rate` a second, the first now, each on schedule whether or not
/// earlier ones were answered; the latency of each counts from when it was due.
async fn send_open_loop(url: &str, signed: Vec<(Delivery, String)>, rate: f64) -> Vec<Answer> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let url: Arc<str> = Arc::from(url);
    let period = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(signed.len());
    for (i, (delivery, signature)) in signed.into_iter().enumerate() {
        let due = start + period.mul_f64(i as f64);
        tokio::time::sleep_until(due).await;
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let sent = client
                .post(&*url)
                .header("X-GitHub-Event", &delivery.event)
                .header("X-GitHub-Delivery", &delivery.id)
                .header("X-Hub-Signature-256", signature)
                .header("Content-Type", "application/json")
                .body(delivery.body)
                .send()
                .await;
            let (status, error) = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response.text().await.unwrap_or_default();
                    let error = (!(200..300).contains(&status)).then_some(body);
                    (status, error)
                }
                Err(error) => (0, Some(error.to_string())),
            };
            Answer {
                latency: due.elapsed(),
                status,
                error,
            }
        }));
    }
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// The machine's busy and total CPU time so far, in clock ticks (`/proc/stat`).
fn machine_cpu() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    let total: u64 = ticks.iter().take(8).sum();
    (total - idle, total)
}

/// The CPU time so far of this process's descendants named `kube-apiserver` and `etcd` (the
/// shared control plane `KubeTestEnv` started), by name.
fn control_plane_cpu() -> BTreeMap<String, Duration> {
    let mut parents = BTreeMap::new();
    let mut names = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let (Some((_, name_rest)), Some((_, rest))) = (stat.split_once('('), stat.rsplit_once(')'))
        else {
            continue;
        };
        let name = name_rest
            .rsplit_once(')')
            .map_or("", |(n, _)| n)
            .to_string();
        let ppid: u32 = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        parents.insert(pid, ppid);
        names.insert(pid, name);
    }
    let me = std::process::id();
    let descends = |mut pid: u32| {
        while let Some(&parent) = parents.get(&pid) {
            if parent == me {
                return true;
            }
            pid = parent;
        }
        false
    };
    let mut cpu = BTreeMap::new();
    for (&pid, name) in &names {
        if ["kube-apiserver", "etcd"].contains(&name.as_str()) && descends(pid) {
            *cpu.entry(name.clone()).or_insert(Duration::ZERO) +=
                crate::processes::cpu_time(pid).unwrap_or_default();
        }
    }
    cpu
}

fn report(function: &Running) -> String {
    format!(
        "{} peak RSS {:.1} MiB, CPU {:.2} s, {} warnings",
        function.name(),
        function.rss_peak_mib(),
        function.cpu_time().as_secs_f64(),
        function.count_at("WARN"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_load_through_hook_and_trigger_processes() {
    let seconds = setting("PROW_LOAD_SECONDS", 20.0);
    let rate = setting("PROW_LOAD_RATE", 50.0);
    let count = (seconds * rate).round() as usize;
    let Some(kube) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let (store, namespace) = crate::job_store_in(kube, "load").await;

    let standin = GitHubStandIn::start(world_with_pull_requests(count))
        .await
        .unwrap();
    // The pushes that made the pull requests' branches went before; the load is their opening.
    let deliveries: Vec<Delivery> = std::mem::take(&mut standin.world().outbox)
        .into_iter()
        .filter(|d| d.event == "pull_request")
        .collect();
    assert_eq!(deliveries.len(), count);
    let numbers: Vec<u64> = deliveries
        .iter()
        .map(|d| d.payload()["number"].as_u64().unwrap())
        .collect();

    let files = Files::prow(
        &config(&namespace),
        JOB_CONFIG,
        Some(TRIGGER_FOR_ACME),
        SECRET,
    )
    .unwrap();
    let token = files.write("github-token", "ghp_load").unwrap();
    let trigger = crate::start_trigger(&files, &standin.url(), &token, kube).await;
    let hook = Function::new("hook")
        .config_files(&files)
        .sink(&trigger.url())
        .start()
        .await
        .unwrap();

    let signed = sign(deliveries);
    let (busy_before, total_before) = machine_cpu();
    let own_before = crate::processes::cpu_time(std::process::id()).unwrap_or_default();
    let control_plane_before = control_plane_cpu();
    let started = Instant::now();
    let answers = send_open_loop(&format!("{}/hook", hook.url()), signed, rate).await;
    let answered_in = started.elapsed();
    let (busy_after, total_after) = machine_cpu();
    let busy = (busy_after - busy_before) as f64 / (total_after - total_before).max(1) as f64;
    let own = crate::processes::cpu_time(std::process::id()).unwrap_or_default() - own_before;
    let control_plane: Vec<String> = control_plane_cpu()
        .into_iter()
        .map(|(name, after)| {
            let before = control_plane_before.get(&name).copied().unwrap_or_default();
            format!("{name} {:.2}", after.saturating_sub(before).as_secs_f64())
        })
        .collect();

    // Every answer was given once trigger created the jobs; the list confirms it.
    let expected = numbers.len() * JOBS.len();
    let mut counts = crate::jobs_by_pull(&store).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while counts.len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        counts = crate::jobs_by_pull(&store).await.unwrap();
    }
    let listed_in = started.elapsed();

    let mut latencies: Vec<Duration> = answers.iter().map(|a| a.latency).collect();
    latencies.sort();
    let refused: Vec<&Answer> = answers
        .iter()
        .filter(|a| !(200..300).contains(&a.status))
        .collect();
    let lost: Vec<(u64, &str)> = numbers
        .iter()
        .flat_map(|&n| JOBS.iter().map(move |&job| (n, job)))
        .filter(|(n, job)| !counts.contains_key(&(*n, job.to_string())))
        .collect();
    let duplicated = counts.values().filter(|&&c| c > 1).count();
    let unexpected = counts.len() + lost.len() - expected;
    eprintln!(
        "load: {count} webhooks at {rate}/s over {seconds} s (open loop), hook and trigger as processes"
    );
    eprintln!(
        "  answered: {} 2xx, {} not; latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        answers.len() - refused.len(),
        refused.len(),
        millis(quantile(&latencies, 0.5)),
        millis(quantile(&latencies, 0.9)),
        millis(quantile(&latencies, 0.99)),
        millis(latencies.last().copied().unwrap_or_default()),
    );
    eprintln!(
        "  ProwJobs: {} of {expected} expected, {} lost, {duplicated} duplicated, {unexpected} unexpected; the last existed {:.2} s after the first webhook was sent ({:.0} ms after the last; hook answers once they exist), all listed at {:.2} s",
        counts.values().sum::<usize>(),
        lost.len(),
        answered_in.as_secs_f64(),
        millis(answered_in.saturating_sub(Duration::from_secs_f64((count - 1) as f64 / rate))),
        listed_in.as_secs_f64(),
    );
    eprintln!("  {}; {}", report(&hook), report(&trigger));
    let calls = standin.calls();
    let not_modified = calls.iter().filter(|c| c.status == 304).count();
    let mut endpoints: BTreeMap<String, usize> = BTreeMap::new();
    for call in &calls {
        let path = call.uri.split('?').next().unwrap_or_default();
        let shape: Vec<&str> = path
            .split('/')
            .map(|s| {
                if s.chars().any(|c| c.is_ascii_digit()) {
                    "*"
                } else {
                    s
                }
            })
            .collect();
        *endpoints
            .entry(format!("{} {}", call.method, shape.join("/")))
            .or_insert(0) += 1;
    }
    eprintln!(
        "  GitHub: {} calls from trigger ({not_modified} answered 304 Not Modified): {endpoints:?}",
        calls.len()
    );
    eprintln!(
        "  while sending: the machine's {} cores {:.0}% busy; CPU-s of the sender and stand-in (this test process) {:.2}, {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        busy * 100.0,
        own.as_secs_f64(),
        control_plane.join(", ")
    );

    let errors: Vec<String> = hook.errors().into_iter().chain(trigger.errors()).collect();
    assert!(
        refused.is_empty(),
        "{} webhooks were not answered 2xx, e.g. {}: {:?}",
        refused.len(),
        refused[0].status,
        refused[0].error
    );
    assert!(lost.is_empty(), "ProwJobs never created: {lost:?}");
    assert_eq!(duplicated, 0, "ProwJobs created twice: {counts:?}");
    assert_eq!(unexpected, 0, "ProwJobs nobody asked for: {counts:?}");
    assert!(
        errors.is_empty(),
        "hook or trigger logged errors ({} and {}): {errors:#?}",
        hook.log_path().display(),
        trigger.log_path().display()
    );
}
