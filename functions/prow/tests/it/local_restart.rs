//! `prow local` killed with SIGKILL in the middle of a running job and started again on the same
//! state directory: the job is neither lost nor started twice by trigger; the run the dead process
//! left behind is stopped, the job is revived and ends `success`, and the PR shows it.

use github_standin::{GitHubStandIn, World};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REPO: &str = "acme/widgets";
const SECRET: &str = "restart-secret";

pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn write_config(dir: &Path, runs: &Path) {
    std::fs::write(
        dir.join("config.yaml"),
        "prowjob_namespace: prow\npod_namespace: test-pods\nplank:\n  default_decoration_config_entries:\n  - config:\n      timeout: 5m\n      grace_period: 2s\n      utility_images: {clonerefs: l, initupload: l, entrypoint: l, sidecar: l}\n      gcs_configuration: {bucket: s3://prow-artifacts, path_strategy: explicit}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("jobs.yaml"),
        format!(
            "presubmits:\n  acme/widgets:\n  - name: slow\n    always_run: true\n    decorate: true\n    spec: {{containers: [{{image: local, command: [/bin/sh, -c], args: [\"echo start-$$ >> {runs}; sleep 3; echo end-$$ >> {runs}\"]}}]}}\n",
            runs = runs.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("plugins.yaml"),
        "triggers:\n- repos: [acme]\nplugins:\n  acme: {plugins: [trigger]}\n",
    )
    .unwrap();
    std::fs::write(dir.join("hmac"), SECRET).unwrap();
    std::fs::write(dir.join("token"), "ghp_restart").unwrap();
}

fn start(dir: &Path, standin: &str, port: u16) -> Running {
    start_with(dir, standin, port, &[])
}

/// `prow local` on `dir`'s configuration with `extra` flags, once it listens on `port`.
pub(crate) fn start_with(dir: &Path, standin: &str, port: u16, extra: &[String]) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_prow"))
        .arg("local")
        .arg(format!(
            "--config-path={}",
            dir.join("config.yaml").display()
        ))
        .arg(format!(
            "--job-config-path={}",
            dir.join("jobs.yaml").display()
        ))
        .arg(format!(
            "--plugin-config={}",
            dir.join("plugins.yaml").display()
        ))
        .arg(format!("--hmac-secret-file={}", dir.join("hmac").display()))
        .arg(format!(
            "--github-token-path={}",
            dir.join("token").display()
        ))
        .arg(format!("--github-endpoint={standin}"))
        .arg(format!("--state-dir={}", dir.join("state").display()))
        .arg(format!("--address=127.0.0.1:{port}"))
        .arg("--bucket=prow-artifacts")
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "prow local did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    running
}

async fn wait_for(what: &str, seconds: u64, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_local_process_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs.txt");
    write_config(dir.path(), &runs);
    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice", "prow-bot"]);
    world.add_repo(REPO);
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let port = crate::free_port();
    let first = start(dir.path(), &standin.url(), port);

    let pr =
        standin
            .world()
            .open_pull_request(REPO, "alice", "feature", "Change", &[("a.txt", "a\n")]);
    let head = standin
        .world()
        .issue(REPO, pr)
        .unwrap()
        .pull
        .clone()
        .unwrap()
        .head_sha;
    let hook = format!("http://127.0.0.1:{port}/hook");
    for (delivery, status) in standin
        .deliver_pending(&hook, SECRET.as_bytes())
        .await
        .unwrap()
    {
        assert_eq!(status, 200, "{}", delivery.event);
    }
    let read_runs = || std::fs::read_to_string(&runs).unwrap_or_default();
    wait_for("the job's process to start", 20, || {
        read_runs().contains("start-")
    })
    .await;

    drop(first); // SIGKILL: no chance to clean up
    let _second = start(dir.path(), &standin.url(), port);

    let final_status = || {
        standin
            .world()
            .combined_statuses(REPO, &head)
            .into_iter()
            .find(|s| s.context == "slow")
            .map(|s| s.state)
    };
    wait_for("the revived job to succeed", 40, || {
        final_status().as_deref() == Some("success")
    })
    .await;

    let text = read_runs();
    let starts = text.lines().filter(|l| l.starts_with("start-")).count();
    let ends: Vec<&str> = text.lines().filter(|l| l.starts_with("end-")).collect();
    assert_eq!(starts, 2, "the interrupted run and its revival: {text}");
    assert_eq!(
        ends.len(),
        1,
        "the leftover of the killed run was stopped: {text}"
    );
    let jobs = std::fs::read_dir(dir.path().join("state/jobs"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(jobs, 1, "one ProwJob: the webhook was not acted on twice");
}
