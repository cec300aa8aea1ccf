//! An S3-compatible server over a temporary folder: local mode's [`LocalS3Server`] (s3s +
//! s3s-fs, real SigV4 checking), so aws-sdk-s3 is exercised exactly as against S3. Objects are
//! plain files under `root()/<bucket>/<key>`.

use prow_local::LocalS3Server;
use std::path::Path;

/// Static test credentials the server accepts; any other key or secret is refused.
pub const ACCESS_KEY: &str = "prow-test-access";
pub const SECRET_KEY: &str = "prow-test-secret";

pub struct S3Server {
    server: LocalS3Server,
    root: tempfile::TempDir,
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
        Ok(S3Server { server, root })
    }

    /// `http://127.0.0.1:PORT`, the endpoint URL for aws-sdk-s3 (with path-style addressing).
    pub fn endpoint(&self) -> String {
        self.server.endpoint()
    }

    /// The folder the buckets live in.
    pub fn root(&self) -> &Path {
        self.root.path()
    }
}
