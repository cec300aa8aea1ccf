//! `prow local` killed with SIGKILL in the middle of a running job and started again on the same
//! state directory: the job is neither lost nor started twice by trigger; the run the dead process
//! left behind is stopped, the job is revived and ends `success`, and the PR shows it.

use github_standin::GitHubStandIn;
use prow_test_harness::standin_world::{REPO, acme_widgets};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
const SECRET: &str = "restart-secret";

pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Writes `prow local`'s configuration into `dir`: decorated jobs run here, the job file `jobs`,
/// trigger for acme, and the webhook secret `hmac` and the GitHub token `token`.
pub(crate) fn write_config(dir: &Path, jobs: &str, hmac: &str, token: &str) {
    std::fs::write(
        dir.join("config.yaml"),
        "prowjob_namespace: prow\npod_namespace: test-pods\nplank:\n  default_decoration_config_entries:\n  - config:\n      timeout: 5m\n      grace_period: 2s\n      utility_images: {clonerefs: l, initupload: l, entrypoint: l, sidecar: l}\n      gcs_configuration: {bucket: s3://prow-artifacts, path_strategy: explicit}\n",
    )
    .unwrap();
    std::fs::write(dir.join("jobs.yaml"), jobs).unwrap();
    std::fs::write(
        dir.join("plugins.yaml"),
        "triggers:\n- repos: [acme]\nplugins:\n  acme: {plugins: [trigger]}\n",
    )
    .unwrap();
    std::fs::write(dir.join("hmac"), hmac).unwrap();
    std::fs::write(dir.join("token"), token).unwrap();
}

/// `prow local` on the configuration [`write_config`] wrote into `dir`, asking the GitHub at
/// `standin`, keeping its state in `dir` and listening on `port`.
pub(crate) fn local_command(dir: &Path, standin: &str, port: u16) -> Command {
    let path = |name: &str| dir.join(name).display().to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_prow"));
    command
        .arg("local")
        .arg(format!("--config-path={}", path("config.yaml")))
        .arg(format!("--job-config-path={}", path("jobs.yaml")))
        .arg(format!("--plugin-config={}", path("plugins.yaml")))
        .arg(format!("--hmac-secret-file={}", path("hmac")))
        .arg(format!("--github-token-path={}", path("token")))
        .arg(format!("--github-endpoint={standin}"))
        .arg(format!("--state-dir={}", path("state")))
        .arg(format!("--address=127.0.0.1:{port}"));
    command
}

/// alice opens a pull request on the stand-in and its webhooks are delivered to `hook`, signed
/// with `secret`, each answered 200; its head commit.
pub(crate) async fn open_and_deliver(
    standin: &GitHubStandIn,
    hook: &str,
    secret: &str,
    title: &str,
) -> String {
    let pr =
        standin
            .world()
            .open_pull_request(REPO, "alice", "feature", title, &[("a.txt", "a\n")]);
    let head = standin.world().pull(REPO, pr).unwrap().head_sha.clone();
    for (delivery, status) in standin
        .deliver_pending(hook, secret.as_bytes())
        .await
        .unwrap()
    {
        assert_eq!(status, 200, "{}", delivery.event);
    }
    head
}

fn start(dir: &Path, standin: &str, port: u16) -> Running {
    start_with(dir, standin, port, &[])
}

/// `prow local` on `dir`'s configuration with `extra` flags, once it listens on `port`.
pub(crate) fn start_with(dir: &Path, standin: &str, port: u16, extra: &[String]) -> Running {
    let child = local_command(dir, standin, port)
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
    write_config(
        dir.path(),
        &format!(
            "presubmits:\n  acme/widgets:\n  - name: slow\n    always_run: true\n    decorate: true\n    spec: {{containers: [{{image: local, command: [/bin/sh, -c], args: [\"echo start-$$ >> {runs}; sleep 3; echo end-$$ >> {runs}\"]}}]}}\n",
            runs = runs.display()
        ),
        SECRET,
        "ghp_restart",
    );
    let standin = GitHubStandIn::start(acme_widgets()).await.unwrap();
    let port = crate::free_port();
    let first = start(dir.path(), &standin.url(), port);

    let hook = format!("http://127.0.0.1:{port}/hook");
    let head = open_and_deliver(&standin, &hook, SECRET, "Change").await;
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
