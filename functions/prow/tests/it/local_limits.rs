//! `prow local` started with Kubernetes' own configuration (1,335 periodics, images of every
//! kind), as a team trying its configuration would: without opt-ins no periodic starts and no
//! command runs on the host; with `--periodics` the periodics start, but those whose image is not
//! the local marker are held back saying why, never run, and the local ones run at most
//! `--max-local-runs` at a time, the others waiting with the reason in their description.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Three local periodics; each notes its start and end in `{marks}`.
fn sleepers(marks: &Path) -> String {
    let marks = marks.display();
    ["a", "b", "c"]
        .iter()
        .map(|name| {
            format!(
                "- name: local-sleeper-{name}\n  interval: 1h\n  decorate: false\n  spec: {{containers: [{{image: local, command: [/bin/sh, -c, 'echo start >> {marks}; sleep 2; echo end >> {marks}']}}]}}\n"
            )
        })
        .fold("periodics:\n".to_string(), |all, job| all + &job)
}

fn start(dir: &Path, config: &Path, port: u16, extra: &[&str]) -> Running {
    let log = std::fs::File::create(dir.join(format!("log-{port}.txt"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_prow"))
        .arg("local")
        .arg(format!("--config-path={}", config.display()))
        .arg(format!("--job-config-path={}", dir.join("jobs").display()))
        .arg(format!("--hmac-secret-file={}", dir.join("hmac").display()))
        .arg(format!(
            "--state-dir={}",
            dir.join(format!("state-{port}")).display()
        ))
        .arg(format!("--address=127.0.0.1:{port}"))
        .arg("--tick-seconds=1")
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let running = Running(child);
    // Loading Kubernetes' configuration in a debug build takes a few seconds.
    let deadline = Instant::now() + Duration::from_secs(120);
    while reqwest::blocking::get(format!("http://127.0.0.1:{port}/healthz")).is_err() {
        assert!(Instant::now() < deadline, "prow local did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    running
}

/// Every ProwJob as deck lists it: (ProwJob name, job, state, description).
fn jobs(port: u16) -> Vec<(String, String, String, String)> {
    let body: Value = reqwest::blocking::get(format!("http://127.0.0.1:{port}/prowjobs.js"))
        .and_then(reqwest::blocking::Response::json)
        .expect("deck lists the jobs");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            (
                text(&item["metadata"]["name"]),
                text(&item["spec"]["job"]),
                text(&item["status"]["state"]),
                text(&item["status"]["description"]),
            )
        })
        .collect()
}

/// The runs started on this machine (one folder each).
fn runs(dir: &Path, port: u16) -> BTreeSet<String> {
    std::fs::read_dir(dir.join(format!("state-{port}/runs")))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn kubernetes_configuration_in_local_mode_starts_nothing_unasked_and_holds_the_limits() {
    let Some(corpus) = crate::kubernetes_config() else {
        return;
    };
    let (config, k8s_jobs) = (corpus.join("prow/config.yaml"), corpus.join("jobs"));
    let dir = tempfile::tempdir().unwrap();
    let jobs_dir = dir.path().join("jobs");
    std::fs::create_dir(&jobs_dir).unwrap();
    std::os::unix::fs::symlink(&k8s_jobs, jobs_dir.join("kubernetes")).unwrap();
    let marks = dir.path().join("marks");
    std::fs::write(jobs_dir.join("local-sleepers.yaml"), sleepers(&marks)).unwrap();
    std::fs::write(dir.path().join("hmac"), "local-limits").unwrap();

    // No opt-ins: several ticks pass, nothing is created, nothing runs.
    let port = crate::free_port();
    let system = start(dir.path(), &config, port, &[]);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(jobs(port), Vec::new(), "no periodic starts unasked");
    assert!(runs(dir.path(), port).is_empty(), "nothing ran on the host");
    drop(system);
    let log = std::fs::read_to_string(dir.path().join(format!("log-{port}.txt"))).unwrap();
    assert!(
        log.contains("periodics are not started in local mode unless asked")
            && log.contains("\"held\":1338"),
        "the log says what is held back and how to start it:\n{log}"
    );

    // Periodics asked for, one run at a time: only the local sleepers run, one after another.
    let port = crate::free_port();
    let _system = start(
        dir.path(),
        &config,
        port,
        &["--periodics", "--max-local-runs=1"],
    );
    // The sleepers' own marks show whether two ever ran at once.
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::read_to_string(&marks).map_or(0, |m| m.lines().count()) < 6 {
        assert!(Instant::now() < deadline, "the sleepers did not all run");
        std::thread::sleep(Duration::from_millis(100));
    }
    let marks = std::fs::read_to_string(&marks).unwrap();
    assert_eq!(
        marks.lines().collect::<Vec<_>>(),
        ["start", "end", "start", "end", "start", "end"],
        "at most --max-local-runs run at once"
    );
    let log = std::fs::read_to_string(dir.path().join(format!("log-{port}.txt"))).unwrap();
    assert!(
        log.contains("Waiting: all 1 local run slots are busy (--max-local-runs)."),
        "a sleeper waited for a slot, saying so:\n{log}"
    );
    // Deck's list catches up: the sleepers succeeded, every other job is held with its reason.
    let listed = loop {
        let listed = jobs(port);
        let settled = listed.iter().all(|(_, job, state, description)| {
            if job.starts_with("local-sleeper-") {
                state == "success"
            } else {
                !description.is_empty()
            }
        });
        if settled && listed.len() > 3 {
            break listed;
        }
        assert!(Instant::now() < deadline, "the jobs did not settle");
        std::thread::sleep(Duration::from_millis(200));
    };
    let kubernetes: Vec<_> = listed
        .iter()
        .filter(|j| !j.1.starts_with("local-sleeper-"))
        .collect();
    assert!(
        kubernetes.len() > 100,
        "Kubernetes' interval periodics started: {}",
        kubernetes.len()
    );
    for (_, job, state, description) in &kubernetes {
        assert_eq!(state, "triggered", "{job} is held, not run");
        assert!(
            description.starts_with("Held back: prow local runs a job's command on this machine only when its image is \"local\""),
            "{job}: {description}"
        );
    }
    let sleeper_runs: BTreeSet<String> = listed
        .iter()
        .filter(|j| j.1.starts_with("local-sleeper-"))
        .map(|j| j.0.clone())
        .collect();
    assert_eq!(
        runs(dir.path(), port),
        sleeper_runs,
        "only the local jobs ran on the host"
    );
}
