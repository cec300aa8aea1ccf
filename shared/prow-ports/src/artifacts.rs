//! The artifact store port: a bucket that takes a run's files by key (upstream's GCS or S3
//! bucket of a job's `gcs_configuration`).

use crate::{Failure, PortFuture};

pub type UploadFuture<'a> = PortFuture<'a, (), UploadError>;
pub type ReadFuture<'a> = PortFuture<'a, Option<Vec<u8>>, ReadError>;

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

/// A bucket: puts and gets objects by key.
pub trait ArtifactStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, body: Vec<u8>, content_type: &'a str) -> UploadFuture<'a>;
    /// The object at `key`; `None` when there is none.
    fn get<'a>(&'a self, key: &'a str) -> ReadFuture<'a>;
}
