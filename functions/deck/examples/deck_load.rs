//! For `scripts/bench-deck.sh`: N ProwJobs (default 20,000) shaped like a large org's (200
//! repositories, 1,000 job names, pull requests by 300 authors, every state), deck serving them
//! over HTTP, and a client measuring what a reader waits for:
//!
//! - the first page of `/` and `/prowjobs.js`: latency (median, p99) and bytes, with deck's
//!   job list fresh (read within `job_list_age`, as under steady traffic) and read anew for every
//!   request (`job_list_age` 0: the list read from the store each time);
//! - a filtered page (`/?repo=...&state=failure`);
//! - with Chromium installed, the time from navigation to the job list rendered (the load event,
//!   and the wall time until WebDriver finds the rows).
//!
//!   deck_load embedded N              the embedded store in a temporary folder
//!   deck_load kube N KUBECONFIG       ProwJobs in a real kube-apiserver (namespace `default`)

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a benchmark helper fails loudly and reports on stdout"
)]

use deck::{Deck, DeckOptions};
use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use prow_api::ProwJob;
use prow_ports::clock::SystemClock;
use prow_ports::store::JobStore;
use prow_runtime::ConfigHandle;
use prow_test_harness::memory::{current_rss_mib, peak_rss_mib};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const STATES: [&str; 6] = [
    "success", "success", "success", "failure", "pending", "aborted",
];

fn job(i: usize, now: Timestamp) -> ProwJob {
    let repo = format!("repo-{:03}", i % 200);
    let name = format!("pull-{repo}-job-{}", i % 5);
    let state = STATES[i % STATES.len()];
    let started = now - SignedDuration::from_secs((i as i64) * 7);
    let mut status = json!({
        "startTime": started.to_string(),
        "pendingTime": (started + SignedDuration::from_secs(15)).to_string(),
        "state": state,
        "build_id": format!("{}", 1_700_000_000 + i),
        "url": format!("/view/s3/prow-artifacts/pr-logs/pull/org_{repo}/{}/{name}/{}", i % 5000, 1_700_000_000 + i),
        "description": "Job succeeded.",
    });
    if state != "pending" {
        status["completionTime"] =
            json!((started + SignedDuration::from_secs(300 + (i % 900) as i64)).to_string());
    }
    serde_json::from_value(json!({
        "apiVersion": "prow.k8s.io/v1", "kind": "ProwJob",
        "metadata": {
            "name": format!("bench-{i:06}"),
            "labels": {"created-by-prow": "true", "prow.k8s.io/type": "presubmit", "prow.k8s.io/job": name, "prow.k8s.io/refs.org": "org", "prow.k8s.io/refs.repo": repo},
            "annotations": {"prow.k8s.io/job": name},
        },
        "spec": {
            "type": "presubmit", "job": name, "agent": "kubernetes", "cluster": "default",
            "namespace": "test-pods", "report": true, "context": name, "rerun_command": format!("/test {name}"),
            "refs": {
                "org": "org", "repo": repo, "base_ref": "main", "base_sha": format!("{:040x}", i),
                "pulls": [{"number": i % 5000, "author": format!("author-{}", i % 300), "sha": format!("{:040x}", i * 31),
                           "link": format!("https://github.com/org/{repo}/pull/{}", i % 5000)}],
            },
            "pod_spec": {"containers": [{"name": "test", "image": "golang:1.26", "command": ["make"], "args": ["test", "-j4"],
                          "resources": {"requests": {"cpu": "2", "memory": "4Gi"}}}]},
            "decoration_config": {"timeout": "2h", "grace_period": "15s",
                                  "utility_images": {"clonerefs": "c", "initupload": "i", "entrypoint": "e", "sidecar": "s"},
                                  "gcs_configuration": {"bucket": "s3://prow-artifacts", "path_strategy": "explicit"}},
        },
        "status": status,
    }))
    .unwrap()
}

struct Figures {
    median_ms: f64,
    p99_ms: f64,
    bytes: usize,
}

async fn measure(http: &reqwest::Client, url: &str, requests: usize) -> Figures {
    let mut times = Vec::with_capacity(requests);
    let mut bytes = 0;
    for _ in 0..requests {
        let started = Instant::now();
        let body = http.get(url).send().await.unwrap().bytes().await.unwrap();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        bytes = body.len();
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    Figures {
        median_ms: at(0.5),
        p99_ms: at(0.99),
        bytes,
    }
}

async fn serve(store: Arc<dyn JobStore>, job_list_age: Duration) -> String {
    let config = prow_config::Config::default();
    let deck = Deck::new(
        DeckOptions {
            jobs: store,
            buckets: Arc::new(prow_artifacts::DirectoryBuckets::new(std::env::temp_dir())),
            sources: Arc::new(deck::HttpSources::new(None, None).unwrap()),
            clock: SystemClock::shared(),
            show_hidden: false,
            extra_buckets: Vec::new(),
            job_list_age,
            github: None,
            sign_in: None,
            cookie_secret: None,
            rerun_creates_job: false,
            http: deck::http_client().unwrap(),
            executor: None,
            config_files: None,
        },
        ConfigHandle::new(config),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, deck.router()).await.unwrap() });
    format!("http://{address}")
}

/// Median of 5: the browser's load event, and the wall time from asking WebDriver to navigate
/// to the job list's rows being found in the rendered page.
async fn painted(url: &str) -> Option<(f64, f64)> {
    let browser = prow_test_harness::Browser::start_or_skip().await.ok()??;
    let mut walls = Vec::new();
    let mut loads = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        browser.goto(url).await.unwrap();
        browser
            .wait_for("#jobs tbody tr", Duration::from_secs(30))
            .await
            .unwrap();
        walls.push(started.elapsed().as_secs_f64() * 1000.0);
        let timing = browser
            .execute(
                "return performance.getEntriesByType('navigation')[0].loadEventEnd;",
                json!([]),
            )
            .await
            .unwrap();
        loads.push(timing.as_f64().unwrap_or(-1.0));
        browser.goto("about:blank").await.unwrap();
    }
    walls.sort_by(|a, b| a.partial_cmp(b).unwrap());
    loads.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Some((loads[2], walls[2]))
}

async fn run(label: &str, store: Arc<dyn JobStore>, count: usize) {
    let now = Timestamp::now();
    let started = Instant::now();
    futures_util::stream::iter(0..count)
        .map(|i| {
            let store = store.clone();
            async move { store.create(&job(i, now)).await.unwrap() }
        })
        .buffer_unordered(32)
        .count()
        .await;
    println!(
        "{label}: {count} ProwJobs created in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let fresh = serve(store.clone(), deck::DEFAULT_JOB_LIST_AGE).await;
    let anew = serve(store.clone(), Duration::ZERO).await;
    let http = reqwest::Client::new();
    let first = Instant::now();
    http.get(format!("{fresh}/"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    println!(
        "{label}: the first request (reading the list) took {:.0} ms",
        first.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "{label}: RSS after the first read: {:.0} MiB",
        current_rss_mib()
    );
    for (what, base, path, requests) in [
        ("first page of /, list fresh", &fresh, "/", 200),
        (
            "filtered page, list fresh",
            &fresh,
            "/?repo=org/repo-007&state=failure",
            200,
        ),
        ("/prowjobs.js, list fresh", &fresh, "/prowjobs.js", 20),
        (
            "/prowjobs.js?omit=pod_spec,decoration_config, list fresh",
            &fresh,
            "/prowjobs.js?omit=annotations,labels,decoration_config,pod_spec",
            20,
        ),
        ("first page of /, list read anew", &anew, "/", 10),
        ("/prowjobs.js, list read anew", &anew, "/prowjobs.js", 5),
    ] {
        let figures = measure(&http, &format!("{base}{path}"), requests).await;
        println!(
            "{label}: {what}: median {:.1} ms, p99 {:.1} ms, {:.0} KiB ({requests} requests)",
            figures.median_ms,
            figures.p99_ms,
            figures.bytes as f64 / 1024.0
        );
    }
    match painted(&format!("{fresh}/")).await {
        Some((load, wall)) => println!(
            "{label}: Chromium, median of 5: load event {load:.0} ms after navigation; rows rendered {wall:.0} ms after asking to navigate"
        ),
        None => println!("{label}: Chromium is not installed; no paint figures"),
    }
    println!("{label}: peak RSS {:.0} MiB", peak_rss_mib());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        match args.get(1).map(String::as_str) {
            Some("embedded") => {
                let dir = tempfile::tempdir().unwrap();
                let store = prow_local::EmbeddedJobStore::open(dir.path().join("jobs")).unwrap();
                run("embedded", Arc::new(store), count).await;
            }
            Some("kube") => {
                let kubeconfig = kube::config::Kubeconfig::read_from(&args[3]).unwrap();
                let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                    .await
                    .unwrap();
                let client = kube::Client::try_from(config).unwrap();
                run(
                    "kube",
                    Arc::new(prow_kube::KubeJobStore::new(client, "default")),
                    count,
                )
                .await;
            }
            _ => panic!("usage: deck_load embedded|kube N [KUBECONFIG]"),
        }
    });
}
