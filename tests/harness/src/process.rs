//! For tests that run a function's binary: its configuration and secret files in a folder of
//! their own, a namespace for its ProwJobs in the test control plane, CloudEvents posted to it
//! over HTTP, and the check that its log shows no secret.

use crate::KubeTestEnv;
use crate::secrets::{jwts, leaks};
use prow_ports::events::CloudEvent;

/// A fresh folder for a process's configuration and secret files; gone when dropped.
pub struct FileDir(tempfile::TempDir);

impl FileDir {
    pub fn new() -> std::io::Result<FileDir> {
        Ok(FileDir(tempfile::tempdir()?))
    }

    pub fn path(&self) -> &std::path::Path {
        self.0.path()
    }

    /// Writes `text` to the file `name` in the folder; its path, as a flag takes it.
    pub fn file(&self, name: &str, text: &str) -> std::io::Result<String> {
        let path = self.0.path().join(name);
        std::fs::write(&path, text)?;
        Ok(path.display().to_string())
    }
}

/// A namespace of its own in the shared test control plane ([`KubeTestEnv::shared`]), and a
/// client of the control plane.
pub struct KubeNamespace {
    pub env: &'static KubeTestEnv,
    pub client: kube::Client,
    pub name: String,
}

impl KubeNamespace {
    /// A fresh namespace named after `prefix`; `None` where the control plane cannot run here (the
    /// test then skips, or fails under `CI=true`, as [`KubeTestEnv::shared`] decides).
    pub async fn create(prefix: &str) -> anyhow::Result<Option<KubeNamespace>> {
        let Some(env) = KubeTestEnv::shared()? else {
            return Ok(None);
        };
        let client = env.client().await?;
        let name = crate::kube::create_namespace(&client, prefix).await?;
        Ok(Some(KubeNamespace { env, client, name }))
    }
}

/// Posts `event` in binary mode to `url` over HTTP, as the broker does; the status and body of
/// the answer.
pub async fn post_event_over_http(url: &str, event: &CloudEvent) -> anyhow::Result<(u16, String)> {
    let (headers, body) = prow_runtime::cloudevents::to_http(event)?;
    let response = reqwest::Client::new()
        .post(url)
        .headers(headers)
        .body(body)
        .send()
        .await?;
    Ok((response.status().as_u16(), response.text().await?))
}

/// Fails the test when any `(name, secret)` of `secrets` shows in `log`, in any form, or when the
/// log holds a signed JWT.
pub fn assert_no_secrets(log: &str, secrets: &[(&str, &str)]) {
    let leaked = leaks(log, secrets);
    assert!(leaked.is_empty(), "secrets in the log: {leaked:?}");
    assert_eq!(jwts(log), Vec::<String>::new(), "a signed JWT in the log");
}
