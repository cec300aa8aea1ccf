//! For `scripts/bench-controller.sh`: creates N triggered ProwJobs, then reconciles each once
//! (triggered -> pod started -> pending), and prints the time and peak memory.
//!
//!   reconcile_many embedded N          embedded store in a temp dir, an executor that starts
//!                                      pods instantly (no process)
//!   reconcile_many kube N KUBECONFIG   the Kubernetes store and executor (pods under kwok)

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a benchmark helper fails loudly and reports on stdout"
)]

use k8s_openapi::jiff::Timestamp;
use prow_api::ProwJob;
use prow_plank::reconcile::reconcile;
use prow_plank::{Capacity, PlankSettings};
use prow_ports::executor::RunObservation;
use prow_ports::executor::{Executor, ExecutorFuture};
use prow_ports::store::JobStore;
use prow_test_harness::executor::running_now;
use prow_test_harness::memory::peak_rss_mib;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Starts "pods" by remembering them.
#[derive(Default)]
struct InstantExecutor(Mutex<HashSet<String>>);

impl Executor for InstantExecutor {
    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<RunObservation>> {
        Box::pin(async move {
            Ok(self
                .0
                .lock()
                .unwrap()
                .contains(job.name())
                .then(running_now))
        })
    }
    fn start<'a>(&'a self, job: &'a ProwJob, _: &'a str) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            self.0.lock().unwrap().insert(job.name().to_string());
            Ok(())
        })
    }
    fn stop<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            self.0.lock().unwrap().remove(job.name());
            Ok(())
        })
    }
    fn workloads(&self) -> ExecutorFuture<'_, Vec<prow_ports::executor::Workload>> {
        Box::pin(async move {
            let now = Timestamp::now();
            Ok(self
                .0
                .lock()
                .unwrap()
                .iter()
                .map(|name| prow_ports::executor::Workload {
                    name: name.clone(),
                    job: name.clone(),
                    namespace: String::new(),
                    cluster: String::new(),
                    agent: String::new(),
                    created: now,
                    started: Some(now),
                })
                .collect())
        })
    }
    fn remove<'a>(&'a self, pod: &'a prow_ports::executor::Workload) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            self.0.lock().unwrap().remove(&pod.name);
            Ok(())
        })
    }
}

fn job(index: usize) -> ProwJob {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": format!("bench-{index:05}"), "labels": {"prow.k8s.io/job": "bench"},
                     "annotations": {"testenv/run-for": "10m"}},
        "spec": {"type": "periodic", "job": "bench", "agent": "kubernetes",
                 "pod_spec": {"containers": [{"image": "alpine", "command": ["true"],
                                              "resources": {"requests": {"cpu": "1m", "memory": "1Mi"}}}]}},
        "status": {"state": "triggered", "startTime": "2026-11-28T00:00:00Z"}
    }))
    .unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args[2].parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let _dir = tempfile::tempdir().unwrap();
        let (store, executor): (Arc<dyn JobStore>, Arc<dyn Executor>) = match args[1].as_str() {
            "embedded" => (
                Arc::new(prow_local::EmbeddedJobStore::open(_dir.path()).unwrap()),
                Arc::new(InstantExecutor::default()),
            ),
            "kube" => {
                let kubeconfig = kube::config::Kubeconfig::read_from(&args[3]).unwrap();
                let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await.unwrap();
                let client = kube::Client::try_from(config).unwrap();
                (
                    Arc::new(prow_kube::KubeJobStore::new(client.clone(), "default")),
                    Arc::new(prow_kube::KubeExecutor::new(client, "default")),
                )
            }
            other => panic!("unknown mode {other}"),
        };
        let started = Instant::now();
        for index in 0..count {
            store.create(&job(index)).await.unwrap();
        }
        let created = started.elapsed();
        let started = Instant::now();
        // 8 reconciliations at a time, as a controller instance would run them.
        let names: Vec<String> = (0..count).map(|i| format!("bench-{i:05}")).collect();
        let chunks: Vec<Vec<String>> = names.chunks(count.div_ceil(8)).map(<[String]>::to_vec).collect();
        let mut tasks = Vec::new();
        for chunk in chunks {
            let (store, executor) = (store.clone(), executor.clone());
            tasks.push(tokio::spawn(async move {
                for name in chunk {
                    let done = reconcile(store.as_ref(), executor.as_ref(), &name, Timestamp::now(), &PlankSettings::default(), Capacity::Available, "1")
                        .await
                        .unwrap();
                    assert!(done.status_written);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let reconciled = started.elapsed();
        let pending = store.list("prow.k8s.io/job=bench").await.unwrap().iter().filter(|j| j.status.state == Some(prow_api::ProwJobState::Pending)).count();
        assert_eq!(pending, count);
        println!(
            "{}: {count} jobs created in {:.2} s; reconciled to pods in {:.2} s ({:.0} jobs/s); peak RSS {:.1} MiB",
            args[1],
            created.as_secs_f64(),
            reconciled.as_secs_f64(),
            count as f64 / reconciled.as_secs_f64(),
            peak_rss_mib()
        );
    });
}
