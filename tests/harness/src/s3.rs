//! An S3-compatible server over a local folder (s3s + s3s-fs), served in-process on a free
//! loopback port with real SigV4 checking, so aws-sdk-s3 is exercised exactly as against S3.
//! Objects are plain files under `root()/<bucket>/<key>`.

use anyhow::Context;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use std::net::SocketAddr;
use std::path::Path;

/// Static test credentials the server accepts; any other key or secret is refused.
pub const ACCESS_KEY: &str = "prow-test-access";
pub const SECRET_KEY: &str = "prow-test-secret";

pub struct S3Server {
    address: SocketAddr,
    root: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl S3Server {
    /// Serves a fresh temporary folder on `127.0.0.1:0`, with `buckets` created (as folders).
    pub async fn start(buckets: &[&str]) -> anyhow::Result<S3Server> {
        let root = tempfile::Builder::new().prefix("s3-").tempdir()?;
        for bucket in buckets {
            std::fs::create_dir_all(root.path().join(bucket))
                .with_context(|| format!("creating bucket {bucket}"))?;
        }
        let fs =
            s3s_fs::FileSystem::new(root.path()).map_err(|e| anyhow::anyhow!("s3s-fs: {e:?}"))?;
        let service = {
            let mut builder = S3ServiceBuilder::new(fs);
            builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            builder.build()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let http = ConnBuilder::new(TokioExecutor::new());
            while let Ok((socket, _)) = listener.accept().await {
                let connection = http
                    .serve_connection(TokioIo::new(socket), service.clone())
                    .into_owned();
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });
        Ok(S3Server {
            address,
            root,
            server,
        })
    }

    /// `http://127.0.0.1:PORT`, the endpoint URL for aws-sdk-s3 (with path-style addressing).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The folder the buckets live in.
    pub fn root(&self) -> &Path {
        self.root.path()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.server.abort();
    }
}
