//! The artifact store port: a bucket that takes a run's files by key (upstream's GCS or S3
//! bucket of a job's `gcs_configuration`).

use crate::{Failure, PortFuture};

pub type UploadFuture<'a> = PortFuture<'a, (), UploadError>;
pub type ReadFuture<'a> = PortFuture<'a, Option<Vec<u8>>, ReadError>;
pub type ListFuture<'a> = PortFuture<'a, Vec<Listed>, ReadError>;

/// One entry of a folder's listing: an object, or a folder (a common prefix) under it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listed {
    /// The entry's name inside the listed folder: `build-log.txt`, or `artifacts/` for a folder.
    pub name: String,
    /// The object's size in bytes; `None` for a folder.
    pub size: Option<u64>,
}

impl Listed {
    pub fn is_folder(&self) -> bool {
        self.size.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("reading {key}: {reason}")]
pub struct ReadError {
    pub key: String,
    pub reason: String,
}

impl Failure for ReadError {
    fn kind(&self) -> &'static str {
        "artifact_read"
    }

    fn retryable(&self) -> bool {
        true
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("uploading {key}: {reason}")]
pub struct UploadError {
    pub key: String,
    pub reason: String,
}

impl Failure for UploadError {
    fn kind(&self) -> &'static str {
        "artifact_upload"
    }

    fn retryable(&self) -> bool {
        true
    }
}

/// A bucket: puts, gets and lists objects by key.
pub trait ArtifactStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, body: Vec<u8>, content_type: &'a str) -> UploadFuture<'a>;
    /// The object at `key`; `None` when there is none.
    fn get<'a>(&'a self, key: &'a str) -> ReadFuture<'a>;
    /// What is directly in the folder `prefix` (`logs/job/`; `""` for the bucket's top), sorted by
    /// name, as an S3 listing with the delimiter `/` gives it. Empty when there is nothing.
    fn list<'a>(&'a self, prefix: &'a str) -> ListFuture<'a>;
}

/// Buckets by name, for a reader that follows links naming them (deck's `/view/s3/<bucket>/`).
pub trait Buckets: Send + Sync {
    fn bucket(&self, name: &str) -> std::sync::Arc<dyn ArtifactStore>;
}
