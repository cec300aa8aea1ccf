//! The controller over the embedded store and the local executor: real shell scripts that pass,
//! fail, time out and are aborted end in the right states, and their logs and metadata land in
//! the harness's S3-compatible server in upstream's layout, uploaded with aws-sdk-s3. A
//! presubmit's PR is cloned from a real git repository and merged onto its base first.

use controller::{Controller, ControllerOptions};
use prow_api::{ProwJob, ProwJobState};
use prow_artifacts::{S3ArtifactStore, S3Credentials};
use prow_local::{EmbeddedJobStore, LocalExecutor, LocalExecutorOptions};
use prow_podutils::clone::CloneSource;
use prow_ports::store::JobStore;
use prow_test_harness::git_repo::repository_with_pull;
use prow_test_harness::{ACCESS_KEY, S3Server, SECRET_KEY};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const BUCKET: &str = "prow-logs";

/// `<root>/acme/widgets.git` with a commit on main and PR 7 at `refs/pull/7/head`, as GitHub
/// serves a pull request. Returns (base sha, pr sha).
fn repository(root: &Path) -> (String, String) {
    repository_with_pull(
        &root.join("acme/widgets.git"),
        ("README.md", "widgets\n"),
        7,
        ("from-pr.txt", "change from the pull request\n"),
    )
    .unwrap()
}

fn decoration(timeout: &str) -> serde_json::Value {
    serde_json::json!({"timeout": timeout, "grace_period": "1s",
        "gcs_configuration": {"bucket": format!("s3://{BUCKET}"), "path_strategy": "explicit"}})
}

fn job(name: &str, job_type: &str, script: &str, timeout: &str) -> serde_json::Value {
    serde_json::json!({
        "metadata": {"name": name, "labels": {"prow.k8s.io/job": name}},
        "spec": {"type": job_type, "job": name, "agent": "kubernetes",
            "decoration_config": decoration(timeout),
            "pod_spec": {"containers": [{"image": "alpine", "command": ["/bin/sh", "-c"],
                "args": [script], "env": [{"name": "GREETING", "value": "hello"}]}]}},
        "status": {"state": "triggered", "startTime": "2026-11-28T11:00:00Z"}
    })
}

async fn settle(controller: &Controller, store: &dyn JobStore, name: &str) -> ProwJob {
    for _ in 0..400 {
        controller.reconcile_job(name).await.unwrap();
        let job = store.get(name).await.unwrap();
        if job.complete() {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{name} did not finish: {:?}",
        store.get(name).await.unwrap().status
    );
}

fn read(root: &Path, key: &str) -> String {
    std::fs::read_to_string(root.join(BUCKET).join(key))
        .unwrap_or_else(|e| panic!("{key} is not in the bucket: {e}"))
}

fn json(root: &Path, key: &str) -> serde_json::Value {
    serde_json::from_str(&read(root, key)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_jobs_pass_fail_time_out_and_abort_with_upstreams_uploads() {
    let s3 = S3Server::start(&[BUCKET]).await.unwrap();
    let state = tempfile::tempdir().unwrap();
    let git_root = tempfile::tempdir().unwrap();
    let (base_sha, pr_sha) = repository(git_root.path());

    let credentials = S3Credentials {
        endpoint: s3.endpoint(),
        s3_force_path_style: true,
        access_key: ACCESS_KEY.into(),
        secret_key: SECRET_KEY.into(),
        ..S3Credentials::default()
    };
    let artifacts = Arc::new(S3ArtifactStore::new(BUCKET, &credentials).await);
    let store = Arc::new(EmbeddedJobStore::open(state.path().join("jobs")).unwrap());
    let executor = Arc::new(LocalExecutor::new(
        state.path().join("runs"),
        LocalExecutorOptions {
            clone_source: Some(CloneSource {
                base_url: format!("file://{}", git_root.path().display()),
            }),
            artifacts: Some(artifacts.clone()),
            ..LocalExecutorOptions::default()
        },
    ));
    let metrics = prow_runtime::Metrics::new("controller");
    let config = prow_runtime::ConfigHandle::new(prow_config::Config::default());
    let controller = Controller::new(
        ControllerOptions {
            artifacts: Some(artifacts),
            ..ControllerOptions::new(store.clone(), executor)
        },
        config,
        &metrics,
    );

    let passes = job(
        "passes",
        "periodic",
        "echo $GREETING from $JOB_NAME; mkdir -p $ARTIFACTS/junit; echo '<testsuite/>' > $ARTIFACTS/junit/junit_01.xml",
        "1m",
    );
    let mut fails = job(
        "fails",
        "presubmit",
        "echo checked out $(git rev-parse HEAD^2); cat from-pr.txt README.md; exit 3",
        "1m",
    );
    fails["spec"]["refs"] = serde_json::json!({"org": "acme", "repo": "widgets",
        "base_ref": "main", "base_sha": base_sha,
        "pulls": [{"number": 7, "author": "alice", "sha": pr_sha}]});
    let times_out = job("times-out", "periodic", "echo start; sleep 30", "1s");
    let aborted = job("aborted", "periodic", "echo start; sleep 30", "1m");
    for job in [&passes, &fails, &times_out, &aborted] {
        store
            .create(&serde_json::from_value(job.clone()).unwrap())
            .await
            .unwrap();
    }

    // Abort one while it runs, as `/abort` in deck or a newer push would.
    controller.reconcile_job("aborted").await.unwrap();
    let mut running = store.get("aborted").await.unwrap();
    assert_eq!(running.status.state, Some(ProwJobState::Pending));
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.status.state = Some(ProwJobState::Aborted);
    store.update(&running).await.unwrap();

    let root = s3.root();
    let passes = settle(&controller, store.as_ref(), "passes").await;
    assert_eq!(passes.status.state, Some(ProwJobState::Success));
    let run = format!("logs/passes/{}", passes.status.build_id);
    assert_eq!(
        read(root, &format!("{run}/build-log.txt")),
        "hello from passes\n"
    );
    assert_eq!(
        read(root, &format!("{run}/artifacts/junit/junit_01.xml")),
        "<testsuite/>\n"
    );
    assert_eq!(
        read(root, "logs/passes/latest-build.txt"),
        passes.status.build_id
    );
    let finished = json(root, &format!("{run}/finished.json"));
    assert_eq!(finished["passed"], true);
    assert_eq!(finished["result"], "SUCCESS");
    assert!(finished["timestamp"].as_i64().unwrap() > 1_700_000_000);
    assert!(json(root, &format!("{run}/started.json"))["timestamp"].is_i64());
    let uploaded: ProwJob =
        serde_json::from_value(json(root, &format!("{run}/prowjob.json"))).unwrap();
    assert_eq!(uploaded.status.state, Some(ProwJobState::Success));

    let fails = settle(&controller, store.as_ref(), "fails").await;
    assert_eq!(fails.status.state, Some(ProwJobState::Failure));
    assert_eq!(fails.status.description, "Job failed.");
    let build = &fails.status.build_id;
    let run = format!("pr-logs/pull/acme_widgets/7/fails/{build}");
    assert_eq!(
        read(root, &format!("{run}/build-log.txt")),
        format!("checked out {pr_sha}\nchange from the pull request\nwidgets\n"),
        "the PR is merged onto its base and the test runs in the repository"
    );
    let started = json(root, &format!("{run}/started.json"));
    assert_eq!(started["pull"], "7");
    assert_eq!(
        started["repos"]["acme/widgets"],
        format!("main:{base_sha},7:{pr_sha}")
    );
    let merge_sha = started["repo-commit"].as_str().unwrap();
    assert_ne!(merge_sha, pr_sha, "repo-commit is the merge clonerefs made");
    let records = json(root, &format!("{run}/clone-records.json"));
    assert_eq!(records[0]["failed"], false);
    assert_eq!(records[0]["final_sha"], merge_sha);
    assert_eq!(
        json(root, &format!("{run}/finished.json"))["result"],
        "FAILURE"
    );
    assert_eq!(
        json(root, &format!("{run}/finished.json"))["revision"],
        pr_sha
    );
    assert_eq!(
        read(root, &format!("pr-logs/directory/fails/{build}.txt")),
        format!("s3://{BUCKET}/{run}")
    );
    assert_eq!(
        read(root, "pr-logs/directory/fails/latest-build.txt"),
        *build
    );
    assert_eq!(
        read(root, "pr-logs/pull/acme_widgets/7/fails/latest-build.txt"),
        *build
    );

    let times_out = settle(&controller, store.as_ref(), "times-out").await;
    assert_eq!(times_out.status.state, Some(ProwJobState::Failure));
    let run = format!("logs/times-out/{}", times_out.status.build_id);
    let log = read(root, &format!("{run}/build-log.txt"));
    assert!(log.starts_with("start\n"), "{log}");
    assert!(log.contains("did not finish before 1s timeout"), "{log}");
    assert_eq!(
        json(root, &format!("{run}/finished.json"))["result"],
        "FAILURE"
    );

    let aborted = settle(&controller, store.as_ref(), "aborted").await;
    assert_eq!(aborted.status.state, Some(ProwJobState::Aborted));
    let run = format!("logs/aborted/{}", aborted.status.build_id);
    assert_eq!(
        json(root, &format!("{run}/finished.json"))["result"],
        "ABORTED"
    );
    assert_eq!(json(root, &format!("{run}/finished.json"))["passed"], false);
    assert!(
        !state.path().join("runs/aborted").exists(),
        "an aborted run's folder goes, like its pod"
    );

    // Reconciling finished jobs again changes and uploads nothing more.
    let before = std::fs::read_dir(root.join(BUCKET).join("logs"))
        .unwrap()
        .count();
    for name in ["passes", "fails", "times-out", "aborted"] {
        let job = store.get(name).await.unwrap();
        controller.reconcile_job(name).await.unwrap();
        assert_eq!(store.get(name).await.unwrap(), job, "{name}");
    }
    assert_eq!(
        std::fs::read_dir(root.join(BUCKET).join("logs"))
            .unwrap()
            .count(),
        before
    );
}

/// A run that was going when the process died (a restart of `prow local`) is seen as stopped
/// unexpectedly, like a pod on a lost node: it is started again (counted as a revival) and the
/// job ends in the new run's result, not stuck pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_interrupted_by_a_restart_is_revived() {
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedJobStore::open(state.path().join("jobs")).unwrap());
    let marker = state.path().join("first-run-started");
    let script = format!(
        "if [ -f {m} ]; then echo second run; exit 0; fi; touch {m}; sleep 30",
        m = marker.display()
    );
    let mut spec = job("restarted", "periodic", &script, "1m");
    spec["spec"]
        .as_object_mut()
        .unwrap()
        .remove("decoration_config");
    store
        .create(&serde_json::from_value(spec).unwrap())
        .await
        .unwrap();
    let config = prow_runtime::ConfigHandle::new(prow_config::Config::default());
    // A controller process on the state directory, counting into `metrics`.
    let start = |metrics: &prow_runtime::Metrics| {
        Controller::new(
            ControllerOptions::new(
                store.clone(),
                Arc::new(LocalExecutor::new(
                    state.path().join("runs"),
                    LocalExecutorOptions::default(),
                )),
            ),
            config.clone(),
            metrics,
        )
    };
    let metrics = prow_runtime::Metrics::new("controller");
    let before_restart = start(&metrics);
    before_restart.reconcile_job("restarted").await.unwrap();
    for _ in 0..100 {
        if marker.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(marker.exists(), "the first run started");

    // A new process on the same state directory.
    let after_restart = start(&prow_runtime::Metrics::new("controller"));
    let job = settle(&after_restart, store.as_ref(), "restarted").await;
    assert_eq!(job.status.state, Some(ProwJobState::Success));
    assert_eq!(job.status.pod_revival_count, 1);
}

/// The controller's clock decides the timeouts: a run past plank's running timeout (48 h by
/// default) is aborted and its process stopped, without the test waiting 48 hours.
#[tokio::test]
async fn a_run_past_the_running_timeout_is_aborted_on_the_controllers_clock() {
    use prow_ports::clock::{Clock, ManualClock};
    let state = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new("2026-11-28T11:00:00Z".parse().unwrap()));
    let store = Arc::new(EmbeddedJobStore::open(state.path().join("jobs")).unwrap());
    let executor = Arc::new(LocalExecutor::new(
        state.path().join("runs"),
        LocalExecutorOptions {
            clock: clock.clone(),
            ..LocalExecutorOptions::default()
        },
    ));
    let controller = Controller::new(
        ControllerOptions {
            clock: clock.clone(),
            ..ControllerOptions::new(store.clone(), executor)
        },
        prow_runtime::ConfigHandle::new(prow_config::Config::default()),
        &prow_runtime::Metrics::new("controller"),
    );
    let mut spec = job("forever", "periodic", "sleep 600", "72h");
    spec["spec"]["decoration_config"]["gcs_configuration"]["bucket"] = "".into();
    store
        .create(&serde_json::from_value(spec).unwrap())
        .await
        .unwrap();
    // One reconcile of the job; the job as it is stored afterwards.
    let reconciled = async || {
        controller.reconcile_job("forever").await.unwrap();
        store.get("forever").await.unwrap()
    };
    controller.reconcile_job("forever").await.unwrap();
    assert_eq!(
        reconciled().await.status.state,
        Some(ProwJobState::Pending),
        "running"
    );

    clock.advance(jiff::SignedDuration::from_hours(47));
    assert_eq!(
        reconciled().await.status.state,
        Some(ProwJobState::Pending),
        "47 h is within the running timeout"
    );

    clock.advance(jiff::SignedDuration::from_hours(2));
    let job = reconciled().await;
    assert_eq!(job.status.state, Some(ProwJobState::Aborted));
    assert_eq!(job.status.description, "Pod running timeout.");
    assert_eq!(
        job.status.completion_time.unwrap().0,
        clock.now(),
        "completed at the controller's time"
    );
}
