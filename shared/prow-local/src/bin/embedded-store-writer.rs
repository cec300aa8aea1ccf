//! A helper for the embedded store's crash test (`tests/it/store.rs`): opens the store in the
//! folder named by its one argument and updates one job forever, printing each resourceVersion
//! once the update has returned, until it is killed. Not part of any deployment.

use prow_local::EmbeddedJobStore;
use prow_ports::store::JobStore;
use std::io::Write;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: embedded-store-writer DIR"))?;
    let store = EmbeddedJobStore::open(dir)?;
    let mut job = match store.get("victim").await {
        Ok(job) => job,
        Err(_) => {
            let job: prow_api::ProwJob = serde_json::from_value(serde_json::json!({
                "metadata": {"name": "victim", "labels": {"prow.k8s.io/job": "victim"}},
                "spec": {"type": "periodic", "job": "victim", "pod_spec": {"containers": [{"name": "test", "image": "alpine"}]}},
                "status": {"state": "pending"}
            }))?;
            store.create(&job).await?
        }
    };
    let mut out = std::io::stdout().lock();
    for n in 0u64.. {
        job.status.description = format!("update {n} {}", "x".repeat(2000));
        job = store.update(&job).await?;
        writeln!(
            out,
            "acknowledged {}",
            job.metadata.resource_version.as_deref().unwrap_or_default()
        )?;
        out.flush()?;
    }
    Ok(())
}
