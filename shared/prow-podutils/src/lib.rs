//! The pod utilities (upstream clonerefs, initupload, entrypoint, sidecar) in Rust:
//! [`clone`] checks out the code under test, [`entrypoint`] runs the test with a timeout, a grace
//! period and abort, [`storage`] uploads `started.json`, `finished.json`, `build-log.txt`,
//! `artifacts/` and `latest-build.txt` in upstream's layout. [`run_decorated`] does all four in
//! order, as a decorated pod's containers do, for the local executor; [`tools`] runs each one as
//! a decorated pod does, from upstream's JSON options in its environment.

pub mod clone;
pub mod entrypoint;
pub mod storage;
pub mod tools;

use prow_api::GcsConfiguration;
use prow_api::downward::{JobSpec, RunResult};
use prow_ports::artifacts::ArtifactStore;
use prow_ports::clock::Clock;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use storage::RunUpload;
use tokio::sync::watch;

/// Everything one decorated run needs.
pub struct DecoratedRun<'a> {
    pub spec: &'a JobSpec,
    /// The test container's command and args.
    pub command: Vec<String>,
    /// The job's environment ([`prow_api::downward::job_env`]) and the container's own.
    pub env: BTreeMap<String, String>,
    /// The run's own folder and `$GOPATH`: `src/` (code), `logs/` (process log, `artifacts/`).
    pub root: PathBuf,
    pub timeout: Duration,
    pub grace_period: Duration,
    /// Clone the refs first (decorated jobs without `skip_cloning`).
    pub clone: Option<clone::CloneSource>,
    /// Upload to this store in the layout of this configuration.
    pub upload: Option<(&'a dyn ArtifactStore, &'a GcsConfiguration)>,
    /// What `started.json` and `finished.json` record as the time.
    pub clock: &'a dyn Clock,
}

/// Where a decorated run records its process group (see [`entrypoint::stop_leftover`]).
pub const GROUP_FILE: &str = "process-group";

/// How a decorated run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReport {
    pub outcome: entrypoint::Outcome,
    pub result: RunResult,
    /// Upload problems (the run's result stands; what failed to upload is named here).
    pub upload_errors: Vec<String>,
}

/// clonerefs, initupload, entrypoint and sidecar, in that order, in `run.root`.
pub async fn run_decorated(run: DecoratedRun<'_>, abort: watch::Receiver<bool>) -> RunReport {
    let logs = run.root.join("logs");
    let artifacts = logs.join("artifacts");
    let mut upload_errors = Vec::new();
    if let Err(error) = std::fs::create_dir_all(&artifacts) {
        upload_errors.push(format!("creating {}: {error}", run.root.display()));
    }
    let mut records = Vec::new();
    let mut workdir = run.root.clone();
    if let Some(source) = &run.clone {
        let refs: Vec<_> = run.spec.refs.iter().chain(&run.spec.extra_refs).collect();
        for refs in &refs {
            records.push(clone::clone_refs(refs, &run.root, source).await);
        }
        // The tests run in the main repository (or the extra ref marked `workdir`).
        let main = run
            .spec
            .refs
            .as_ref()
            .or_else(|| run.spec.extra_refs.iter().find(|r| r.workdir))
            .or_else(|| run.spec.extra_refs.first());
        if let Some(main) = main {
            workdir = clone::clone_dir(&run.root, main);
        }
    }
    let uploader = run
        .upload
        .map(|(store, config)| RunUpload::new(store, config, run.spec));
    let clone_failed = records.iter().any(|r| r.failed);
    if let Some(uploader) = &uploader {
        match uploader.started(&records, run.clock.unix_seconds()).await {
            Ok(_) => {}
            Err(error) => upload_errors.push(error.to_string()),
        }
    }
    if clone_failed {
        return RunReport {
            outcome: entrypoint::Outcome::NotStarted,
            result: RunResult::Failure,
            upload_errors,
        };
    }
    let mut env = run.env.clone();
    env.insert("ARTIFACTS".into(), artifacts.to_string_lossy().into_owned());
    env.insert("GOPATH".into(), run.root.to_string_lossy().into_owned());
    let process = entrypoint::Process {
        command: run.command.clone(),
        env,
        workdir,
        log: logs.join("process-log.txt"),
        timeout: run.timeout,
        grace_period: run.grace_period,
        echo: false,
        group_file: Some(run.root.join(GROUP_FILE)),
    };
    let outcome = entrypoint::run(&process, abort).await;
    let result = match outcome {
        entrypoint::Outcome::Exited(0) => RunResult::Success,
        entrypoint::Outcome::Aborted => RunResult::Aborted,
        _ => RunResult::Failure,
    };
    if let Some(uploader) = &uploader {
        let log = std::fs::read(&process.log).unwrap_or_default();
        if let Err(error) = uploader
            .finished_with_logs(log, Some(&artifacts), result, run.clock.unix_seconds())
            .await
        {
            upload_errors.push(error.to_string());
        }
    }
    RunReport {
        outcome,
        result,
        upload_errors,
    }
}
