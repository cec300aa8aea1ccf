//! Uploads (upstream `pkg/gcsupload`, `initupload`, `sidecar`): a run's files to the bucket of its
//! decoration config, in upstream's layout ([`prow_api::downward::StoragePaths`]), through the
//! [`ArtifactStore`] port; [`S3ArtifactStore`] is the aws-sdk-s3 adapter for `s3://` buckets.

use prow_api::downward::{
    self, Bucket, CloneRecord, Finished, JobSpec, RunResult, Started, StoragePaths,
};
use prow_api::{GcsConfiguration, ProwJob};
use serde::Deserialize;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;

pub type UploadFuture<'a> = Pin<Box<dyn Future<Output = Result<(), UploadError>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
#[error("uploading {key}: {reason}")]
pub struct UploadError {
    pub key: String,
    pub reason: String,
}

/// A bucket: puts objects by key.
pub trait ArtifactStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, body: Vec<u8>, content_type: &'a str) -> UploadFuture<'a>;
}

/// Upstream's `s3_credentials_secret` file: how to reach an S3-compatible store.
#[derive(Clone, Default, Deserialize)]
pub struct S3Credentials {
    #[serde(default)]
    pub region: String,
    /// For MinIO and other S3-compatible servers.
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub insecure: bool,
    #[serde(default)]
    pub s3_force_path_style: bool,
    #[serde(default)]
    pub access_key: String,
    #[serde(default)]
    pub secret_key: String,
    #[serde(default)]
    pub session_token: String,
}

impl std::fmt::Debug for S3Credentials {
    /// Keys are secrets: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("s3_force_path_style", &self.s3_force_path_style)
            .finish_non_exhaustive()
    }
}

impl S3Credentials {
    /// Reads the JSON credentials file (upstream's `--s3-credentials-file`).
    pub fn from_file(path: &Path) -> anyhow::Result<S3Credentials> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading S3 credentials {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("S3 credentials {} are not valid: {e}", path.display()))
    }
}

pub struct S3ArtifactStore {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3ArtifactStore {
    /// A store for `bucket` with explicit credentials, or with the AWS default chain
    /// (environment, web identity, instance role) when `credentials` has no access key.
    pub async fn new(bucket: &str, credentials: &S3Credentials) -> S3ArtifactStore {
        let region = if credentials.region.is_empty() {
            "us-east-1".to_string()
        } else {
            credentials.region.clone()
        };
        let mut builder = if credentials.access_key.is_empty() {
            let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_sdk_s3::config::Region::new(region))
                .load()
                .await;
            aws_sdk_s3::config::Builder::from(&shared)
        } else {
            aws_sdk_s3::Config::builder()
                .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                .region(aws_sdk_s3::config::Region::new(region))
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    &credentials.access_key,
                    &credentials.secret_key,
                    (!credentials.session_token.is_empty())
                        .then(|| credentials.session_token.clone()),
                    None,
                    "s3-credentials-file",
                ))
        };
        if !credentials.endpoint.is_empty() {
            let endpoint = if credentials.endpoint.contains("://") {
                credentials.endpoint.clone()
            } else if credentials.insecure {
                format!("http://{}", credentials.endpoint)
            } else {
                format!("https://{}", credentials.endpoint)
            };
            builder = builder.endpoint_url(endpoint);
        }
        builder = builder.force_path_style(credentials.s3_force_path_style);
        S3ArtifactStore {
            client: aws_sdk_s3::Client::from_conf(builder.build()),
            bucket: bucket.to_string(),
        }
    }
}

impl ArtifactStore for S3ArtifactStore {
    fn put<'a>(&'a self, key: &'a str, body: Vec<u8>, content_type: &'a str) -> UploadFuture<'a> {
        Box::pin(async move {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type(content_type)
                .body(body.into())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| UploadError {
                    key: key.to_string(),
                    reason: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
                })
        })
    }
}

/// A folder as a bucket (`file://` buckets and `local_output_dir`): keys are paths under it.
pub struct DirectoryArtifactStore {
    root: std::path::PathBuf,
}

impl DirectoryArtifactStore {
    pub fn new(root: impl Into<std::path::PathBuf>) -> DirectoryArtifactStore {
        DirectoryArtifactStore { root: root.into() }
    }
}

impl ArtifactStore for DirectoryArtifactStore {
    fn put<'a>(&'a self, key: &'a str, body: Vec<u8>, _: &'a str) -> UploadFuture<'a> {
        Box::pin(async move {
            let failed = |reason: String| UploadError {
                key: key.to_string(),
                reason,
            };
            if key.split('/').any(|part| part == "..") {
                return Err(failed("the key leaves the bucket".into()));
            }
            let path = self.root.join(key);
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(|e| failed(e.to_string()))?;
            }
            tokio::fs::write(&path, body)
                .await
                .map_err(|e| failed(e.to_string()))
        })
    }
}

/// The content type upstream gives a file, by its name.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("json") => "application/json",
        Some("txt" | "log") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

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
        let key = format!("{}/{name}", self.paths.run);
        self.store.put(&key, body, content_type(name)).await
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
