//! Artifact store adapters ([`prow_ports::artifacts::ArtifactStore`]): [`S3ArtifactStore`] puts
//! objects into an S3 or S3-compatible bucket with aws-sdk-s3, reached with upstream's
//! `s3_credentials_secret` file ([`S3Credentials`]) or the AWS default chain;
//! [`DirectoryArtifactStore`] treats a folder as a bucket (`file://` buckets, `local_output_dir`).
//!
//! Boundary: the only crate that speaks S3; what goes where is `prow-api`'s layout and the pod
//! utilities'.

use prow_ports::artifacts::{
    ArtifactStore, Buckets, ListFuture, Listed, ReadError, ReadFuture, UploadError, UploadFuture,
};
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

/// Why the credentials file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("reading S3 credentials {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("S3 credentials {path} are not valid: {reason}")]
    Invalid { path: String, reason: String },
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
    pub fn from_file(path: &Path) -> Result<S3Credentials, CredentialsError> {
        let text = std::fs::read_to_string(path).map_err(|e| CredentialsError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| CredentialsError::Invalid {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
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
        let shared = shared_config(credentials).await;
        S3ArtifactStore::with_shared(bucket, credentials, &shared)
    }

    fn with_shared(
        bucket: &str,
        credentials: &S3Credentials,
        shared: &aws_config::SdkConfig,
    ) -> S3ArtifactStore {
        let mut builder = aws_sdk_s3::config::Builder::from(shared);
        if !credentials.access_key.is_empty() {
            builder = builder.credentials_provider(aws_sdk_s3::config::Credentials::new(
                &credentials.access_key,
                &credentials.secret_key,
                (!credentials.session_token.is_empty()).then(|| credentials.session_token.clone()),
                None,
                "s3-credentials-file",
            ));
        }
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

/// The SDK settings every bucket shares: the region, and the AWS default credential chain when the
/// file names no access key (it is not consulted otherwise).
async fn shared_config(credentials: &S3Credentials) -> aws_config::SdkConfig {
    let region = if credentials.region.is_empty() {
        "us-east-1".to_string()
    } else {
        credentials.region.clone()
    };
    let region = aws_sdk_s3::config::Region::new(region);
    if credentials.access_key.is_empty() {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(region)
            .load()
            .await
    } else {
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(region)
            .build()
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

    fn get<'a>(&'a self, key: &'a str) -> ReadFuture<'a> {
        Box::pin(async move {
            let failed = |reason: String| ReadError {
                key: key.to_string(),
                reason,
            };
            let answer = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await;
            match answer {
                Ok(object) => {
                    let body = object
                        .body
                        .collect()
                        .await
                        .map_err(|e| failed(e.to_string()))?;
                    Ok(Some(body.into_bytes().to_vec()))
                }
                Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                    Ok(None)
                }
                Err(error) => Err(failed(
                    aws_sdk_s3::error::DisplayErrorContext(error).to_string(),
                )),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> ListFuture<'a> {
        Box::pin(async move {
            let folder = folder_prefix(prefix);
            let mut listed = Vec::new();
            let mut pages = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&folder)
                .delimiter("/")
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| ReadError {
                    key: folder.clone(),
                    reason: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
                })?;
                for common in page.common_prefixes() {
                    if let Some(name) = common.prefix().and_then(|p| p.strip_prefix(&folder)) {
                        listed.push(Listed {
                            name: name.to_string(),
                            size: None,
                        });
                    }
                }
                for object in page.contents() {
                    let Some(name) = object.key().and_then(|k| k.strip_prefix(&folder)) else {
                        continue;
                    };
                    if !name.is_empty() {
                        listed.push(Listed {
                            name: name.to_string(),
                            size: Some(object.size().unwrap_or_default().max(0) as u64),
                        });
                    }
                }
            }
            listed.sort();
            Ok(listed)
        })
    }
}

/// `prefix` as a folder: `""` or ending in `/`.
fn folder_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}/")
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

    fn get<'a>(&'a self, key: &'a str) -> ReadFuture<'a> {
        Box::pin(async move {
            let failed = |reason: String| ReadError {
                key: key.to_string(),
                reason,
            };
            if key.split('/').any(|part| part == "..") {
                return Err(failed("the key leaves the bucket".into()));
            }
            match tokio::fs::read(self.root.join(key)).await {
                Ok(body) => Ok(Some(body)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(failed(error.to_string())),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> ListFuture<'a> {
        Box::pin(async move {
            let folder = folder_prefix(prefix);
            let failed = |reason: String| ReadError {
                key: folder.clone(),
                reason,
            };
            if folder.split('/').any(|part| part == "..") {
                return Err(failed("the key leaves the bucket".into()));
            }
            let mut entries = match tokio::fs::read_dir(self.root.join(&folder)).await {
                Ok(entries) => entries,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    return Ok(Vec::new());
                }
                Err(error) => return Err(failed(error.to_string())),
            };
            let mut listed = Vec::new();
            while let Some(entry) = entries
                .next_entry()
                .await
                .map_err(|e| failed(e.to_string()))?
            {
                let name = entry.file_name().to_string_lossy().to_string();
                let metadata = entry.metadata().await.map_err(|e| failed(e.to_string()))?;
                listed.push(if metadata.is_dir() {
                    Listed {
                        name: format!("{name}/"),
                        size: None,
                    }
                } else {
                    Listed {
                        name,
                        size: Some(metadata.len()),
                    }
                });
            }
            listed.sort();
            Ok(listed)
        })
    }
}

/// Buckets as folders under one root (`<root>/<bucket>/<key>`, as the local S3 server keeps them).
pub struct DirectoryBuckets {
    root: std::path::PathBuf,
}

impl DirectoryBuckets {
    pub fn new(root: impl Into<std::path::PathBuf>) -> DirectoryBuckets {
        DirectoryBuckets { root: root.into() }
    }
}

impl Buckets for DirectoryBuckets {
    fn bucket(&self, name: &str) -> Arc<dyn ArtifactStore> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Arc::new(NoBucket(name.to_string()));
        }
        Arc::new(DirectoryArtifactStore::new(self.root.join(name)))
    }
}

/// What a name that is no bucket's name opens: every read and write is refused.
struct NoBucket(String);

impl NoBucket {
    fn refusal(&self, key: &str) -> String {
        format!("{:?} is not a bucket name (reading {key})", self.0)
    }
}

impl ArtifactStore for NoBucket {
    fn put<'a>(&'a self, key: &'a str, _: Vec<u8>, _: &'a str) -> UploadFuture<'a> {
        Box::pin(async move {
            Err(UploadError {
                key: key.to_string(),
                reason: self.refusal(key),
            })
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> ReadFuture<'a> {
        Box::pin(async move {
            Err(ReadError {
                key: key.to_string(),
                reason: self.refusal(key),
            })
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> ListFuture<'a> {
        Box::pin(async move {
            Err(ReadError {
                key: prefix.to_string(),
                reason: self.refusal(prefix),
            })
        })
    }
}

/// S3 buckets with one set of credentials, each client made once.
pub struct S3Buckets {
    credentials: S3Credentials,
    opened: std::sync::Mutex<std::collections::HashMap<String, Arc<dyn ArtifactStore>>>,
    shared: aws_config::SdkConfig,
}

impl S3Buckets {
    pub async fn new(credentials: S3Credentials) -> S3Buckets {
        let shared = shared_config(&credentials).await;
        S3Buckets {
            credentials,
            opened: Default::default(),
            shared,
        }
    }
}

impl Buckets for S3Buckets {
    fn bucket(&self, name: &str) -> Arc<dyn ArtifactStore> {
        let mut opened = self
            .opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        opened
            .entry(name.to_string())
            .or_insert_with(|| {
                Arc::new(S3ArtifactStore::with_shared(
                    name,
                    &self.credentials,
                    &self.shared,
                ))
            })
            .clone()
    }
}

/// Another store's objects under a prefix (`s3://bucket/prefix` puts `key` at `prefix/key`).
pub struct PrefixedArtifactStore<S> {
    inner: S,
    prefix: String,
}

impl<S: ArtifactStore> PrefixedArtifactStore<S> {
    pub fn new(inner: S, prefix: &str) -> PrefixedArtifactStore<S> {
        PrefixedArtifactStore {
            inner,
            prefix: prefix.trim_matches('/').to_string(),
        }
    }

    fn key(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}/{key}", self.prefix)
        }
    }
}

impl<S: ArtifactStore> ArtifactStore for PrefixedArtifactStore<S> {
    fn put<'a>(&'a self, key: &'a str, body: Vec<u8>, content_type: &'a str) -> UploadFuture<'a> {
        Box::pin(async move { self.inner.put(&self.key(key), body, content_type).await })
    }

    fn get<'a>(&'a self, key: &'a str) -> ReadFuture<'a> {
        Box::pin(async move { self.inner.get(&self.key(key)).await })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> ListFuture<'a> {
        Box::pin(async move { self.inner.list(&self.key(prefix)).await })
    }
}

/// Why a store's URI could not be used.
#[derive(Debug, thiserror::Error)]
pub enum UriError {
    #[error("{0:?} is not a place to keep objects: use s3://bucket/prefix or a local folder")]
    Unsupported(String),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
}

/// The store a URI names: `s3://bucket/prefix` (with `credentials_file`, else the AWS default
/// chain), or a local folder (`file:///path`, `/path`).
pub async fn open_uri(
    uri: &str,
    credentials_file: Option<&Path>,
) -> Result<Box<dyn ArtifactStore>, UriError> {
    if let Some(rest) = uri.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(UriError::Unsupported(uri.to_string()));
        }
        let credentials = match credentials_file {
            Some(path) => S3Credentials::from_file(path)?,
            None => S3Credentials::default(),
        };
        let store = S3ArtifactStore::new(bucket, &credentials).await;
        return Ok(Box::new(PrefixedArtifactStore::new(store, prefix)));
    }
    let folder = uri.strip_prefix("file://").unwrap_or(uri);
    if !folder.starts_with('/') {
        return Err(UriError::Unsupported(uri.to_string()));
    }
    Ok(Box::new(DirectoryArtifactStore::new(folder)))
}
