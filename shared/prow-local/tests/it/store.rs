//! The embedded job store keeps the job store contract, survives a restart, and survives a
//! kill -9 in the middle of an update without losing an acknowledged change or tearing a file.

use prow_local::EmbeddedJobStore;
use prow_ports::store::JobStore;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn keeps_the_job_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedJobStore::open(dir.path()).unwrap();
    prow_test_harness::contract::job_store_contract(&store)
        .await
        .unwrap();
}

#[tokio::test]
async fn jobs_survive_a_restart_and_versions_keep_rising() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let store = EmbeddedJobStore::open(dir.path()).unwrap();
        prow_test_harness::contract::job_store_contract(&store)
            .await
            .unwrap();
        store.list("").await.unwrap()
    };
    let store = EmbeddedJobStore::open(dir.path()).unwrap();
    assert_eq!(store.list("").await.unwrap(), before);
    let mut job = store.get("a").await.unwrap();
    let old: u64 = job
        .metadata
        .resource_version
        .clone()
        .unwrap()
        .parse()
        .unwrap();
    job.status.description = "after restart".into();
    let updated = store.update(&job).await.unwrap();
    let new: u64 = updated.metadata.resource_version.unwrap().parse().unwrap();
    let highest = before
        .iter()
        .map(|j| {
            j.metadata
                .resource_version
                .as_deref()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .max()
        .unwrap();
    assert!(
        new > highest && new > old,
        "versions never repeat after a restart"
    );
}

#[tokio::test]
async fn names_that_are_not_kubernetes_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedJobStore::open(dir.path()).unwrap();
    for name in ["../escape", "UPPER", "", ".hidden"] {
        let job: prow_api::ProwJob = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name}, "spec": {"type": "periodic", "job": "j"}
        }))
        .unwrap();
        assert!(store.create(&job).await.is_err(), "{name:?}");
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing was written"
    );
}

#[tokio::test]
async fn a_kill_9_mid_update_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3 {
        // The helper binary updates one job forever; it is killed mid-write.
        let mut writer = Command::new(env!("CARGO_BIN_EXE_embedded-store-writer"))
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(writer.stdout.take().unwrap()).lines();
        let mut acknowledged = 0u64;
        // Let it write a few hundred updates, then kill it without warning.
        let mut seen = 0;
        while seen < 200 + round * 97 {
            let line = lines.next().unwrap().unwrap();
            if let Some(version) = line.strip_prefix("acknowledged ") {
                acknowledged = version.parse().unwrap();
                seen += 1;
            }
        }
        Command::new("kill")
            .args(["-9", &writer.id().to_string()])
            .status()
            .unwrap();
        writer.wait().unwrap();
        let store = EmbeddedJobStore::open(dir.path()).unwrap();
        let job = store.get("victim").await.unwrap();
        let stored: u64 = job.metadata.resource_version.unwrap().parse().unwrap();
        assert!(
            stored >= acknowledged,
            "round {round}: acknowledged {acknowledged}, stored {stored}"
        );
        assert!(
            job.status.description.starts_with("update "),
            "the job is whole"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "tmp"))
            .collect();
        assert!(leftovers.is_empty(), "open cleans up interrupted writes");
    }
}
