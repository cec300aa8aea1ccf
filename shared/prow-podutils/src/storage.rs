//! Uploads (upstream `pkg/gcsupload`, `initupload`, `sidecar`): a run's files to the bucket of its
//! decoration config, in upstream's layout ([`prow_api::downward::StoragePaths`]), through the
//! [`ArtifactStore`] port (adapters in `prow-artifacts`).

use prow_api::downward::{
    self, Bucket, CloneRecord, Finished, JobSpec, RunResult, Started, StoragePaths, content_type,
};
use prow_api::{GcsConfiguration, ProwJob};
use prow_ports::artifacts::{ArtifactStore, UploadError};
use std::path::Path;

/// One run's uploads.
pub struct RunUpload<'a> {
    pub store: &'a dyn ArtifactStore,
    pub bucket: Bucket,
    pub paths: StoragePaths,
    pub spec: &'a JobSpec,
}

impl<'a> RunUpload<'a> {
    pub fn new(
        store: &'a dyn ArtifactStore,
        config: &GcsConfiguration,
        spec: &'a JobSpec,
    ) -> RunUpload<'a> {
        RunUpload {
            store,
            bucket: Bucket::parse(&config.bucket),
            paths: StoragePaths::for_spec(config, spec),
            spec,
        }
    }

    async fn put_in_run(&self, name: &str, body: Vec<u8>) -> Result<(), UploadError> {
        self.store
            .put(&self.paths.run_file(name), body, content_type(name))
            .await
    }

    fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
        serde_json::to_vec_pretty(value).unwrap_or_default()
    }

    /// initupload: `started.json`, the clone records and log, `latest-build.txt` and the PR
    /// alias; after a failed clone also the clone log as `build-log.txt` and a FAILURE
    /// `finished.json`. Returns whether cloning failed.
    pub async fn started(
        &self,
        clone_records: &[CloneRecord],
        now: i64,
    ) -> Result<bool, UploadError> {
        let mut clone_failed = false;
        if !clone_records.is_empty() {
            let log: String = clone_records
                .iter()
                .map(crate::clone::format_record)
                .collect();
            clone_failed = clone_records.iter().any(|r| r.failed);
            self.put_in_run(downward::files::CLONE_RECORDS, Self::json(&clone_records))
                .await?;
            self.put_in_run(downward::files::CLONE_LOG, log.clone().into_bytes())
                .await?;
            if clone_failed {
                self.put_in_run(downward::files::BUILD_LOG, log.into_bytes())
                    .await?;
                self.finished(RunResult::Failure, now).await?;
            }
        }
        let started = Started::for_spec(self.spec, clone_records, now);
        self.put_in_run(downward::files::STARTED, Self::json(&started))
            .await?;
        if let Some(alias) = &self.paths.alias {
            let full = format!(
                "{}://{}/{}",
                self.bucket.provider, self.bucket.name, self.paths.run
            );
            self.store
                .put(alias, full.into_bytes(), content_type(alias))
                .await?;
        }
        for latest in &self.paths.latest_build {
            self.store
                .put(
                    latest,
                    self.spec.build_id.clone().into_bytes(),
                    content_type(latest),
                )
                .await?;
        }
        Ok(clone_failed)
    }

    /// sidecar: `build-log.txt`, everything under `artifacts_dir` as `artifacts/...`, and
    /// `finished.json` last, so a reader that sees it sees the rest.
    pub async fn finished_with_logs(
        &self,
        build_log: Vec<u8>,
        artifacts_dir: Option<&Path>,
        result: RunResult,
        now: i64,
    ) -> Result<(), UploadError> {
        self.put_in_run(downward::files::BUILD_LOG, build_log)
            .await?;
        if let Some(dir) = artifacts_dir {
            for (relative, path) in walk(dir) {
                let body = tokio::fs::read(&path).await.map_err(|e| UploadError {
                    key: relative.clone(),
                    reason: e.to_string(),
                })?;
                self.put_in_run(
                    &format!("{}/{relative}", downward::files::ARTIFACTS_DIR),
                    body,
                )
                .await?;
            }
        }
        self.finished(result, now).await
    }

    pub async fn finished(&self, result: RunResult, now: i64) -> Result<(), UploadError> {
        self.put_in_run(
            downward::files::FINISHED,
            Self::json(&Finished::new(self.spec, result, now)),
        )
        .await
    }

    /// crier's blob reporter: the ProwJob as it ended.
    pub async fn prowjob(&self, job: &ProwJob) -> Result<(), UploadError> {
        self.put_in_run(downward::files::PROWJOB, Self::json(job))
            .await
    }
}

/// Every file under `dir` (following no links), as (relative path with `/`, full path), sorted.
pub fn walk(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(path),
                Ok(t) if t.is_file() => {
                    if let Ok(relative) = path.strip_prefix(dir) {
                        let relative = relative
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/");
                        files.push((relative, path));
                    }
                }
                _ => {}
            }
        }
    }
    files.sort();
    files
}
