//! An S3-compatible server over a local folder (s3s + s3s-fs), served in-process on a loopback
//! port with real SigV4 checking, so artifacts go through aws-sdk-s3 exactly as to S3. Objects are
//! plain files under `<root>/<bucket>/<key>`. Local mode keeps its artifacts here; tests use it as
//! their S3.

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use std::net::SocketAddr;
use std::path::Path;

pub struct LocalS3Server {
    address: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl LocalS3Server {
    /// Serves `root` on `address` (port 0 picks a free one), with `buckets` created as folders,
    /// accepting only `access_key` / `secret_key`.
    pub async fn serve(
        root: &Path,
        buckets: &[&str],
        address: SocketAddr,
        access_key: &str,
        secret_key: &str,
    ) -> std::io::Result<LocalS3Server> {
        for bucket in buckets {
            std::fs::create_dir_all(root.join(bucket))?;
        }
        let fs = s3s_fs::FileSystem::new(root)
            .map_err(|e| std::io::Error::other(format!("s3s-fs over {}: {e:?}", root.display())))?;
        let service = {
            let mut builder = S3ServiceBuilder::new(fs);
            builder.set_auth(SimpleAuth::from_single(access_key, secret_key));
            builder.build()
        };
        let listener = tokio::net::TcpListener::bind(address).await?;
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
        Ok(LocalS3Server { address, server })
    }

    /// `http://127.0.0.1:PORT`, the endpoint URL for aws-sdk-s3 (with path-style addressing).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for LocalS3Server {
    fn drop(&mut self) {
        self.server.abort();
    }
}
