//! An S3-compatible server over a temporary folder: local mode's [`LocalS3Server`] (s3s +
//! s3s-fs, real SigV4 checking), so aws-sdk-s3 is exercised exactly as against S3. Objects are
//! plain files under `root()/<bucket>/<key>`.

use crate::fault_proxy::FaultProxy;
use prow_local::LocalS3Server;
use std::path::Path;

/// Static test credentials the server accepts; any other key or secret is refused.
pub const ACCESS_KEY: &str = "prow-test-access";
pub const SECRET_KEY: &str = "prow-test-secret";

pub struct S3Server {
    server: LocalS3Server,
    root: tempfile::TempDir,
    /// In front of the server when faults are wanted ([`S3Server::start_with_faults`]).
    faults: Option<FaultProxy>,
}

impl S3Server {
    /// Serves a fresh temporary folder on `127.0.0.1:0`, with `buckets` created (as folders).
    pub async fn start(buckets: &[&str]) -> anyhow::Result<S3Server> {
        let root = tempfile::Builder::new().prefix("s3-").tempdir()?;
        let server = LocalS3Server::serve(
            root.path(),
            buckets,
            ([127, 0, 0, 1], 0).into(),
            ACCESS_KEY,
            SECRET_KEY,
        )
        .await?;
        Ok(S3Server {
            server,
            root,
            faults: None,
        })
    }

    /// [`S3Server::start`] behind a [`FaultProxy`]: [`S3Server::faults`] makes the next calls
    /// fail (500 `InternalError`, 503 `SlowDown`) or answer late.
    pub async fn start_with_faults(buckets: &[&str]) -> anyhow::Result<S3Server> {
        let mut server = S3Server::start(buckets).await?;
        server.faults = Some(FaultProxy::start(&server.server.endpoint()).await?);
        Ok(server)
    }

    /// The fault injector, when started with one.
    pub fn faults(&self) -> Option<&FaultProxy> {
        self.faults.as_ref()
    }

    /// `http://127.0.0.1:PORT`, the endpoint URL for aws-sdk-s3 (with path-style addressing).
    pub fn endpoint(&self) -> String {
        match &self.faults {
            Some(proxy) => proxy.url(),
            None => self.server.endpoint(),
        }
    }

    /// The folder the buckets live in.
    pub fn root(&self) -> &Path {
        self.root.path()
    }
}
