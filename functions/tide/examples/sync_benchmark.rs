//! One tide sync over a large org: CPU time, peak memory, GitHub calls and GraphQL points, for
//! the first sync (every `tide` context to write) and the next (nothing changed). Run by
//! `scripts/bench-tide.sh`, which serves the world this writes with the GitHub stand-in binary
//! in another process, so the figures are tide's alone.
//!
//! ```text
//! sync_benchmark write-world FILE REPOS PRS_PER_REPO
//! sync_benchmark run STANDIN_URL REPOS PRS_PER_REPO
//! ```

#![expect(
    clippy::print_stdout,
    reason = "the figures are the benchmark's output"
)]

use anyhow::{Context, bail};
use prow_ports::clock::SystemClock;
use prow_ports::lease::MemoryLeases;
use prow_runtime::{ConfigHandle, Metrics};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;
use tide::{Tide, TideOptions};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |index: usize, default: usize| -> anyhow::Result<usize> {
        args.get(index)
            .map(|a| a.parse().with_context(|| format!("{a:?} is not a number")))
            .unwrap_or(Ok(default))
    };
    match args.first().map(String::as_str) {
        Some("write-world") => {
            let file = args.get(1).context("write-world FILE REPOS PRS_PER_REPO")?;
            std::fs::write(file, world(number(2, 500)?, number(3, 20)?))?;
            Ok(())
        }
        Some("run") => {
            let url = args.get(1).context("run STANDIN_URL REPOS PRS_PER_REPO")?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(run(url, number(2, 500)?, number(3, 20)?))
        }
        _ => bail!("usage: sync_benchmark write-world FILE REPOS PRS | run URL REPOS PRS"),
    }
}

fn repo(index: usize) -> String {
    format!("acme/repo-{index:03}")
}

/// The org: `repos` repositories of `prs` open pull requests each, all with lgtm and approved,
/// every tenth on hold.
fn world(repos: usize, prs: usize) -> String {
    let mut yaml =
        String::from("bot: prow-bot\norgs:\n  acme:\n    members: [alice, bob]\nrepos:\n");
    for r in 0..repos {
        let _ = write!(
            yaml,
            "  {}:\n    collaborators: {{prow-bot: admin}}\n    labels: [lgtm, approved, do-not-merge/hold]\n    pulls:\n",
            repo(r)
        );
        for p in 0..prs {
            let hold = if p % 10 == 9 {
                ", do-not-merge/hold"
            } else {
                ""
            };
            let _ = writeln!(
                yaml,
                "      - {{author: alice, title: Change {p}, head: change-{p}, files: {{change-{p}.txt: \"{p}\\n\"}}, labels: [lgtm, approved{hold}]}}"
            );
        }
    }
    yaml
}

/// Tide's configuration for the org: one query, one required presubmit in every repository.
fn config(repos: usize) -> anyhow::Result<prow_config::Config> {
    let tide = "tide:\n  queries:\n  - orgs: [acme]\n    labels: [lgtm, approved]\n    missingLabels: [do-not-merge/hold]\n";
    let mut jobs = String::from("presubmits:\n");
    for r in 0..repos {
        let _ = write!(
            jobs,
            "  {}:\n  - name: unit\n    always_run: true\n    spec: {{containers: [{{image: x}}]}}\n",
            repo(r)
        );
    }
    let sources = prow_config::Sources {
        config: prow_config::Source::new("config.yaml", tide),
        job_files: vec![prow_config::Source::new("jobs.yaml", &jobs)],
        plugins: None,
    };
    prow_config::load_sources(&sources, prow_config::LoadOptions { strict: true })
        .map(|loaded| loaded.config)
        .map_err(|problems| anyhow::anyhow!("{problems:?}"))
}

/// This thread's CPU time in seconds (`/proc/thread-self/stat`, in clock ticks of 10 ms).
fn thread_cpu() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat")?;
    let after_name = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<f64> {
        Ok(fields.get(i).context("short stat")?.parse::<f64>()?)
    };
    // utime and stime are fields 14 and 15; field 3 is the first after the name.
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

/// The process's peak resident memory in MiB (`VmHWM`).
fn peak_rss_mib() -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .context("no VmHWM")?;
    let kib: f64 = line
        .split_whitespace()
        .nth(1)
        .context("no VmHWM value")?
        .parse()?;
    Ok(kib / 1024.0)
}

/// The stand-in's call log since it was last cleared: (reads, writes, GraphQL requests).
async fn calls(http: &driver_api::Client, url: &str) -> anyhow::Result<(usize, usize, usize)> {
    let log: Vec<serde_json::Value> = http.get_json(&format!("{url}/_standin/calls")).await?;
    http.delete(&format!("{url}/_standin/calls")).await?;
    let graphql = log
        .iter()
        .filter(|c| c["uri"].as_str().is_some_and(|u| u.contains("/graphql")))
        .count();
    let reads = log.iter().filter(|c| c["method"] == "GET").count();
    Ok((reads, log.len() - reads - graphql, graphql))
}

async fn run(url: &str, repos: usize, prs: usize) -> anyhow::Result<()> {
    let config = config(repos)?;
    let metrics = Metrics::new("tide");
    let github =
        prow_github_octocrab::OctocrabGitHub::with_token(url, "prow-bot", "tide", &metrics)?;
    let dir = tempfile::tempdir()?;
    let store = Arc::new(prow_local::EmbeddedJobStore::open(dir.path().join("jobs"))?);
    let tide = Tide::new(
        TideOptions {
            github: Arc::new(github),
            jobs: store,
            leases: Arc::new(MemoryLeases::default()),
            clock: Arc::new(SystemClock),
            holder: "bench".into(),
            records: None,
        },
        ConfigHandle::new(config),
        &metrics,
    );
    let http = driver_api::Client::new()?;
    calls(&http, url).await?;
    let total = repos * prs;
    let pooled = total - repos * (prs / 10);
    println!(
        "{repos} repositories, {total} open pull requests ({pooled} in the pool); the least a sync can read: {} search pages for the pool, {} for the statuses of everything in scope, {repos} branch heads",
        pooled.div_ceil(37),
        total.div_ceil(37)
    );
    println!(
        "sync | wall s | CPU s | reads | writes | GraphQL requests | GraphQL points | statuses written"
    );
    for name in ["first", "nothing changed"] {
        let (cpu, started) = (thread_cpu()?, Instant::now());
        let report = tide.sync().await?;
        let (wall, cpu) = (started.elapsed().as_secs_f64(), thread_cpu()? - cpu);
        let (reads, writes, graphql) = calls(&http, url).await?;
        println!(
            "{name} | {wall:.2} | {cpu:.2} | {reads} | {writes} | {graphql} | {} | {}",
            report.graphql_points, report.statuses_written
        );
    }
    println!("peak RSS of the tide process: {:.0} MiB", peak_rss_mib()?);
    Ok(())
}

/// Two plain HTTP/1.1 requests to the stand-in's driver API over a TCP stream (the benchmark
/// needs no HTTP client beyond the one tide uses).
mod driver_api {
    use anyhow::Context;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    pub struct Client;

    impl Client {
        pub fn new() -> anyhow::Result<Client> {
            Ok(Client)
        }

        async fn request(&self, method: &str, url: &str) -> anyhow::Result<String> {
            let rest = url.strip_prefix("http://").context("an http:// URL")?;
            let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
            let mut stream = tokio::net::TcpStream::connect(host).await?;
            let request =
                format!("{method} /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
            stream.write_all(request.as_bytes()).await?;
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await?;
            let (_, body) = answer.split_once("\r\n\r\n").context("no body")?;
            Ok(body.to_string())
        }

        pub async fn get_json(&self, url: &str) -> anyhow::Result<Vec<serde_json::Value>> {
            Ok(serde_json::from_str(&self.request("GET", url).await?)?)
        }

        pub async fn delete(&self, url: &str) -> anyhow::Result<()> {
            self.request("DELETE", url).await.map(drop)
        }
    }
}
