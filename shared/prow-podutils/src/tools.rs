//! The utilities as a decorated pod runs them: each reads upstream's JSON options from its
//! environment variable (and `JOB_SPEC`), does its part, and returns the exit code. The `prow`
//! binary runs them as `prow clonerefs|initupload|entrypoint|sidecar`, or by the name it is
//! invoked under (`/entrypoint`, `/clonerefs`, ...), as upstream's images are laid out.

use crate::clone::{CloneSource, clone_refs};
use crate::entrypoint::{self, DEFAULT_GRACE_PERIOD, DEFAULT_TIMEOUT};
use crate::storage::RunUpload;
use anyhow::Context;
use prow_api::downward::{Bucket, CloneRecord, JobSpec, RunResult, exit_codes};
use prow_api::pod_utilities::{
    CLONEREFS_OPTIONS, ClonerefsOptions, ENTRYPOINT_OPTIONS, EntrypointOptions, INITUPLOAD_OPTIONS,
    InitUploadOptions, SIDECAR_OPTIONS, SidecarOptions, UploadOptions,
};
use prow_artifacts::{DirectoryArtifactStore, S3ArtifactStore, S3Credentials};
use prow_ports::artifacts::ArtifactStore;
use prow_ports::clock::{Clock, SystemClock};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn options<T: serde::de::DeserializeOwned>(variable: &str) -> anyhow::Result<T> {
    let text = std::env::var(variable).with_context(|| format!("${variable} is not set"))?;
    serde_json::from_str(&text).with_context(|| format!("${variable} is not valid options JSON"))
}

fn job_spec() -> anyhow::Result<JobSpec> {
    options("JOB_SPEC")
}

/// The store `options` upload to: an `s3://` bucket (credentials from `s3_credentials_file`, or
/// the AWS default chain), a `file://` folder, or `local_output_dir`.
pub async fn store_for(options: &UploadOptions) -> anyhow::Result<Box<dyn ArtifactStore>> {
    if !options.storage.local_output_dir.is_empty() {
        return Ok(Box::new(DirectoryArtifactStore::new(
            &options.storage.local_output_dir,
        )));
    }
    let bucket = Bucket::parse(&options.storage.bucket);
    match bucket.provider.as_str() {
        "s3" => {
            let credentials = if options.s3_credentials_file.is_empty() {
                S3Credentials::default()
            } else {
                S3Credentials::from_file(Path::new(&options.s3_credentials_file))?
            };
            Ok(Box::new(
                S3ArtifactStore::new(&bucket.name, &credentials).await,
            ))
        }
        "file" => Ok(Box::new(DirectoryArtifactStore::new(&bucket.name))),
        other => anyhow::bail!(
            "bucket {:?}: the {other}:// provider is not supported by these pod utilities; use an s3:// or file:// bucket",
            options.storage.bucket
        ),
    }
}

/// clonerefs: clones every ref and writes the records to `log`. Failures are recorded, not
/// fatal (initupload reports them), unless `fail` is set.
pub async fn clonerefs() -> anyhow::Result<i32> {
    let options: ClonerefsOptions = options(CLONEREFS_OPTIONS)?;
    let source = CloneSource::default();
    let mut records = Vec::new();
    for refs in &options.refs {
        records.push(clone_refs(refs, Path::new(&options.src_root), &source).await);
    }
    for record in &records {
        eprint!("{}", crate::clone::format_record(record));
    }
    std::fs::write(&options.log, serde_json::to_vec(&records)?)
        .with_context(|| format!("writing the clone records to {}", options.log))?;
    let failed = records.iter().any(|r| r.failed);
    Ok(if failed && options.fail { 1 } else { 0 })
}

/// initupload: `started.json` and friends; fails when cloning failed.
pub async fn initupload() -> anyhow::Result<i32> {
    let options: InitUploadOptions = options(INITUPLOAD_OPTIONS)?;
    let spec = job_spec()?;
    let records: Vec<CloneRecord> = if options.log.is_empty() {
        Vec::new()
    } else {
        let text = std::fs::read(&options.log)
            .with_context(|| format!("reading the clone records {}", options.log))?;
        serde_json::from_slice(&text).context("the clone records are not valid")?
    };
    if options.upload.dry_run {
        eprintln!("dry run: would upload started.json for {}", spec.job);
        return Ok(0);
    }
    let store = store_for(&options.upload).await?;
    let upload = RunUpload::new(store.as_ref(), &options.upload.storage, &spec);
    let clone_failed = upload.started(&records, SystemClock.unix_seconds()).await?;
    Ok(if clone_failed { 1 } else { 0 })
}

fn nanos(value: u64, default: Duration) -> Duration {
    if value == 0 {
        default
    } else {
        Duration::from_nanos(value)
    }
}

/// Writes `code` to the marker file, atomically (a reader never sees a partial file).
fn mark(marker: &Path, code: i32) -> std::io::Result<()> {
    let temporary = marker.with_extension("tmp");
    std::fs::write(&temporary, code.to_string())?;
    std::fs::rename(&temporary, marker)
}

/// entrypoint: runs the wrapped command, writes its exit code to the marker file, and exits
/// with it. `copy_to` (place-entrypoint's `--copy-mode-only`) only copies this binary there.
pub async fn entrypoint(copy_to: Option<PathBuf>) -> anyhow::Result<i32> {
    if let Some(destination) = copy_to {
        let me = std::env::current_exe().context("finding this binary")?;
        std::fs::copy(&me, &destination)
            .with_context(|| format!("copying {} to {}", me.display(), destination.display()))?;
        return Ok(0);
    }
    let options: EntrypointOptions = options(ENTRYPOINT_OPTIONS)?;
    let wrapper = &options.wrapper;
    if !options.artifact_dir.is_empty() {
        std::fs::create_dir_all(&options.artifact_dir)
            .with_context(|| format!("creating {}", options.artifact_dir))?;
    }
    let (abort, aborted) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        interrupted().await;
        let _ = abort.send(true);
    });
    let process = entrypoint::Process {
        command: wrapper.args.clone(),
        env: Default::default(),
        workdir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        log: PathBuf::from(&wrapper.process_log),
        timeout: nanos(options.timeout, DEFAULT_TIMEOUT),
        grace_period: nanos(options.grace_period, DEFAULT_GRACE_PERIOD),
        echo: true,
        // In a pod the container's processes end with the pod.
        group_file: None,
    };
    let outcome = entrypoint::run(&process, aborted).await;
    let code = outcome.exit_code();
    mark(Path::new(&wrapper.marker_file), code)
        .with_context(|| format!("writing the marker file {}", wrapper.marker_file))?;
    Ok(if options.always_zero { 0 } else { code })
}

/// SIGINT or SIGTERM (Kubernetes deleting the pod).
async fn interrupted() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut interrupt), Ok(mut terminate)) => {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

/// sidecar: waits for every entry's marker file (or an interrupt), then uploads the logs,
/// artifacts and `finished.json`.
pub async fn sidecar() -> anyhow::Result<i32> {
    let options: SidecarOptions = options(SIDECAR_OPTIONS)?;
    let spec = job_spec()?;
    let markers: Vec<PathBuf> = options
        .entries
        .iter()
        .map(|e| PathBuf::from(&e.marker_file))
        .collect();
    let all_marked = async {
        while !markers.iter().all(|m| m.exists()) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let interrupted_first = tokio::select! {
        () = all_marked => false,
        () = interrupted(), if !options.ignore_interrupts => true,
    };
    let codes: Vec<Option<i32>> = markers
        .iter()
        .map(|m| {
            std::fs::read_to_string(m)
                .ok()
                .and_then(|t| t.trim().parse().ok())
        })
        .collect();
    let passed = !interrupted_first && codes.iter().all(|c| *c == Some(0));
    let aborted = interrupted_first || codes.contains(&Some(exit_codes::ABORTED));
    let result = if passed {
        RunResult::Success
    } else if aborted {
        RunResult::Aborted
    } else {
        RunResult::Failure
    };
    let single = options.entries.len() == 1;
    let mut log = Vec::new();
    for entry in &options.entries {
        let text = std::fs::read(&entry.process_log).unwrap_or_default();
        if single {
            log = text;
        } else {
            log.extend(format!("==> {} <==\n", entry.container_name).into_bytes());
            log.extend(text);
        }
    }
    if options.gcs_options.dry_run {
        eprintln!(
            "dry run: would upload the logs of {} ({result:?})",
            spec.job
        );
        return Ok(0);
    }
    let store = store_for(&options.gcs_options).await?;
    let upload = RunUpload::new(store.as_ref(), &options.gcs_options.storage, &spec);
    let artifacts = options.gcs_options.items.first().map(PathBuf::from);
    upload
        .finished_with_logs(
            log,
            artifacts.as_deref(),
            result,
            SystemClock.unix_seconds(),
        )
        .await?;
    Ok(if options.entry_error && !passed { 1 } else { 0 })
}

/// Runs the utility `name` (`clonerefs`, `initupload`, `entrypoint`, `sidecar`), or `None` when
/// `name` is not one. `args` are the utility's own flags (`--copy-mode-only`,
/// `--copy-destination=PATH`).
pub async fn run_utility(name: &str, args: &[String]) -> Option<anyhow::Result<i32>> {
    Some(match name {
        "clonerefs" => clonerefs().await,
        "initupload" => initupload().await,
        "sidecar" => sidecar().await,
        "entrypoint" => {
            let copy_only = args.iter().any(|a| a == "--copy-mode-only");
            let destination = args
                .iter()
                .find_map(|a| a.strip_prefix("--copy-destination="))
                .unwrap_or("/tools/entrypoint");
            entrypoint(copy_only.then(|| PathBuf::from(destination))).await
        }
        _ => return None,
    })
}
