//! ProwJobs run: against the real kube-apiserver with kwok as the kubelet, a triggered job gets a
//! pod, the pod runs to completion, and the job ends in the right state with the right fields; an
//! aborted job's pod is deleted; a status write that conflicts is retried, not lost.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::api::Api;
use prow_api::{ProwJob, ProwJobState};
use prow_kube::{KubeExecutor, KubeJobStore};
use prow_plank::reconcile::{Reconciled, reconcile, reconcile_until_settled};
use prow_plank::{Capacity, PlankSettings, PodAction};
use prow_ports::executor::Executor;
use prow_ports::store::JobStore;
use prow_test_harness::KubeTestEnv;
use prow_test_harness::kube::{
    OUTCOME_ANNOTATION, RUN_FOR_ANNOTATION, apply_crd, create_namespace,
};
use std::time::Duration;

struct Cluster {
    store: KubeJobStore,
    executor: KubeExecutor,
    pods: Api<Pod>,
}

async fn cluster(prefix: &str) -> Option<Cluster> {
    let env = KubeTestEnv::shared().unwrap()?;
    let client = env.client().await.unwrap();
    let crd = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(crd.path(), prow_kube::prowjob_crd_yaml().unwrap()).unwrap();
    apply_crd(&client, crd.path()).await.unwrap();
    // ProwJobs and their pods in separate namespaces, as upstream's prowjob_namespace and
    // pod_namespace.
    let jobs = create_namespace(&client, &format!("{prefix}-jobs"))
        .await
        .unwrap();
    let pods = create_namespace(&client, &format!("{prefix}-pods"))
        .await
        .unwrap();
    Some(Cluster {
        store: KubeJobStore::new(client.clone(), &jobs),
        executor: KubeExecutor::new(client.clone(), &pods),
        pods: Api::namespaced(client, &pods),
    })
}

fn triggered(name: &str, annotations: serde_json::Value) -> ProwJob {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"prow.k8s.io/job": "unit"}, "annotations": annotations},
        "spec": {
            "type": "presubmit", "job": "unit", "agent": "kubernetes", "report": true,
            "refs": {"org": "acme", "repo": "widgets", "base_ref": "main", "base_sha": "abc",
                     "pulls": [{"number": 7, "author": "alice", "sha": "def"}]},
            "pod_spec": {"containers": [{"image": "golang:1.26", "command": ["make", "test"]}]}
        },
        "status": {"state": "triggered", "startTime": "2026-11-28T00:00:00Z"}
    }))
    .unwrap()
}

impl Cluster {
    /// One reconciliation now, with upstream's default limits.
    async fn step(&self, name: &str, build_id: &str) -> Reconciled {
        reconcile(
            &self.store,
            &self.executor,
            name,
            Timestamp::now(),
            &PlankSettings::default(),
            Capacity::Available,
            build_id,
        )
        .await
        .unwrap()
    }

    /// Reconciliations retried past status conflicts, now, with upstream's default limits.
    async fn settle(&self, name: &str, build_id: &str) -> Reconciled {
        reconcile_until_settled(
            &self.store,
            &self.executor,
            name,
            Timestamp::now(),
            &PlankSettings::default(),
            Capacity::Available,
            build_id,
        )
        .await
        .unwrap()
    }
}

/// Reconciles until the job is complete (as the controller does on each pod event).
async fn run_to_completion(cluster: &Cluster, name: &str) -> ProwJob {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let done = cluster.settle(name, "1001").await;
            if done.job.complete() {
                return done.job;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the job completes")
}

#[tokio::test]
async fn a_triggered_job_runs_in_a_pod_and_ends_in_the_pods_outcome() {
    let Some(cluster) = cluster("lifecycle").await else {
        return;
    };
    cluster
        .store
        .create(&triggered(
            "passes",
            serde_json::json!({RUN_FOR_ANNOTATION: "1s"}),
        ))
        .await
        .unwrap();
    cluster
        .store
        .create(&triggered(
            "fails",
            serde_json::json!({RUN_FOR_ANNOTATION: "1s", OUTCOME_ANNOTATION: "fail"}),
        ))
        .await
        .unwrap();

    // Triggered -> pending with a pod.
    let first = cluster.step("passes", "1001").await;
    assert_eq!(first.pod, PodAction::Start);
    assert_eq!(first.job.status.state, Some(ProwJobState::Pending));
    assert_eq!(first.job.status.pod_name, "passes");
    assert_eq!(first.job.status.build_id, "1001");
    assert_eq!(first.job.status.description, "Job triggered.");
    let pod = cluster.pods.get("passes").await.unwrap();
    let labels = pod.metadata.labels.unwrap();
    assert_eq!(labels["prow.k8s.io/build-id"], "1001");
    assert_eq!(labels["prow.k8s.io/refs.pull"], "7");
    // The same reconciliation again changes nothing and starts no second pod.
    let again = cluster.step("passes", "1002").await;
    assert_eq!(again.pod, PodAction::None);
    assert!(!again.status_written);

    let passed = run_to_completion(&cluster, "passes").await;
    assert_eq!(passed.status.state, Some(ProwJobState::Success));
    assert_eq!(passed.status.description, "Job succeeded.");
    assert!(passed.status.completion_time.is_some() && passed.status.pending_time.is_some());
    assert_eq!(passed.status.build_id, "1001");

    let failed = run_to_completion(&cluster, "fails").await;
    assert_eq!(failed.status.state, Some(ProwJobState::Failure));
    assert_eq!(failed.status.description, "Job failed.");
}

#[tokio::test]
async fn an_aborted_jobs_pod_is_deleted() {
    let Some(cluster) = cluster("abort").await else {
        return;
    };
    cluster
        .store
        .create(&triggered(
            "long",
            serde_json::json!({RUN_FOR_ANNOTATION: "10m"}),
        ))
        .await
        .unwrap();
    cluster.settle("long", "1").await;
    // Wait until kwok runs it, then abort the job as a new push would.
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let job = cluster.store.get("long").await.unwrap();
            if let Some(observed) = cluster.executor.observe(&job).await.unwrap()
                && observed.phase == prow_ports::executor::RunPhase::Running
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the pod runs");
    let mut job = cluster.store.get("long").await.unwrap();
    job.status.state = Some(ProwJobState::Aborted);
    cluster.store.update(&job).await.unwrap();

    let aborted = cluster.settle("long", "1").await;
    assert_eq!(aborted.pod, PodAction::Delete);
    assert!(aborted.job.status.completion_time.is_some());
    tokio::time::timeout(Duration::from_secs(30), async {
        while cluster.pods.get_opt("long").await.unwrap().is_some() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the pod is gone");
    let settled = cluster.step("long", "1").await;
    assert_eq!(
        (settled.pod, settled.status_written),
        (PodAction::None, false)
    );
}

/// A store that changes the job under the reconciler once, the way another writer would.
struct Interfering<'a> {
    inner: &'a KubeJobStore,
    interfered: std::sync::atomic::AtomicBool,
}

impl JobStore for Interfering<'_> {
    fn create<'a>(&'a self, job: &'a ProwJob) -> prow_ports::store::StoreFuture<'a, ProwJob> {
        self.inner.create(job)
    }
    fn get<'a>(&'a self, name: &'a str) -> prow_ports::store::StoreFuture<'a, ProwJob> {
        self.inner.get(name)
    }
    fn list<'a>(&'a self, selector: &'a str) -> prow_ports::store::StoreFuture<'a, Vec<ProwJob>> {
        self.inner.list(selector)
    }
    fn update<'a>(&'a self, job: &'a ProwJob) -> prow_ports::store::StoreFuture<'a, ProwJob> {
        Box::pin(async move {
            if !self
                .interfered
                .swap(true, std::sync::atomic::Ordering::SeqCst)
            {
                // Someone else (crier, say) writes first.
                let mut theirs = self.inner.get(job.name()).await?;
                theirs
                    .status
                    .prev_report_states
                    .insert("github-reporter".into(), ProwJobState::Triggered);
                self.inner.update(&theirs).await?;
            }
            self.inner.update(job).await
        })
    }
    fn delete<'a>(&'a self, name: &'a str) -> prow_ports::store::StoreFuture<'a, ()> {
        self.inner.delete(name)
    }
    fn watch<'a>(
        &'a self,
        selector: &'a str,
    ) -> prow_ports::store::StoreFuture<'a, prow_ports::store::JobChanges> {
        self.inner.watch(selector)
    }
    fn list_page<'a>(
        &'a self,
        selector: &'a str,
        limit: usize,
        continue_from: Option<&'a str>,
    ) -> prow_ports::store::StoreFuture<'a, prow_ports::store::Page> {
        self.inner.list_page(selector, limit, continue_from)
    }
}

#[tokio::test]
async fn a_conflicting_status_write_is_retried_and_both_changes_survive() {
    let Some(cluster) = cluster("conflict").await else {
        return;
    };
    cluster
        .store
        .create(&triggered("contended", serde_json::json!({})))
        .await
        .unwrap();
    let interfering = Interfering {
        inner: &cluster.store,
        interfered: false.into(),
    };
    let done = reconcile_until_settled(
        &interfering,
        &cluster.executor,
        "contended",
        Timestamp::now(),
        &PlankSettings::default(),
        Capacity::Available,
        "5",
    )
    .await
    .unwrap();
    assert!(done.status_written);
    let stored = cluster.store.get("contended").await.unwrap();
    assert_eq!(
        stored.status.state,
        Some(ProwJobState::Pending),
        "the controller's change"
    );
    assert_eq!(
        stored.status.prev_report_states.get("github-reporter"),
        Some(&ProwJobState::Triggered),
        "the other writer's change"
    );
    let pods = cluster.pods.list(&Default::default()).await.unwrap();
    assert_eq!(
        pods.items.len(),
        1,
        "the retry adopted the pod instead of starting another"
    );
}

/// Build clusters come from a folder of kubeconfig files (a mounted Secret), one per context; a
/// job runs in the cluster its `cluster` names, and a job naming no known cluster ends in error
/// at once instead of being retried forever.
#[tokio::test]
async fn jobs_run_in_the_build_cluster_they_name() {
    let Some(cluster) = cluster("clusters").await else {
        return;
    };
    let env = KubeTestEnv::shared().unwrap().unwrap();
    let mut kubeconfig: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(env.kubeconfig()).unwrap()).unwrap();
    kubeconfig["contexts"][0]["name"] = "build-a".into();
    kubeconfig["current-context"] = "build-a".into();
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(
        secret.path().join("build-a.kubeconfig"),
        serde_json::to_vec(&kubeconfig).unwrap(),
    )
    .unwrap();
    // What a Secret volume holds beside its keys, and a file without the suffix: both ignored.
    std::fs::create_dir(secret.path().join("..data")).unwrap();
    std::fs::write(secret.path().join("README"), "not a kubeconfig").unwrap();
    let configs = prow_kube::clusters::load(&prow_kube::clusters::KubeconfigSources {
        kubeconfig: None,
        kubeconfig_dir: Some(secret.path().to_path_buf()),
        kubeconfig_suffix: Some(".kubeconfig".into()),
    })
    .await
    .unwrap();
    assert_eq!(configs.keys().collect::<Vec<_>>(), vec!["build-a"]);
    let pod_namespace = cluster.pods.namespace().unwrap().to_string();
    let clusters = prow_kube::clusters::BuildClusters::connect(configs, &pod_namespace).unwrap();

    let mut job = triggered("in-build-a", serde_json::json!({RUN_FOR_ANNOTATION: "1s"}));
    job.spec.cluster = "build-a".into();
    cluster.store.create(&job).await.unwrap();
    let mut lost = triggered("in-nowhere", serde_json::json!({}));
    lost.spec.cluster = "missing".into();
    cluster.store.create(&lost).await.unwrap();

    let settle = |name: &'static str| {
        let (store, clusters) = (&cluster.store, &clusters);
        async move {
            reconcile_until_settled(
                store,
                clusters,
                name,
                Timestamp::now(),
                &PlankSettings::default(),
                Capacity::Available,
                "2002",
            )
            .await
            .unwrap()
        }
    };
    let started = settle("in-build-a").await;
    assert_eq!(started.pod, PodAction::Start);
    assert!(cluster.pods.get_opt("in-build-a").await.unwrap().is_some());
    let done = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let done = settle("in-build-a").await;
            if done.job.complete() {
                return done.job;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(done.status.state, Some(ProwJobState::Success));

    let failed = settle("in-nowhere").await;
    assert_eq!(failed.job.status.state, Some(ProwJobState::Error));
    assert_eq!(
        failed.job.status.description,
        "Terminal error: unknown cluster alias \"missing\"."
    );
    assert!(failed.job.complete());
    let again = settle("in-nowhere").await;
    assert!(!again.status_written, "a finished job is left alone");
}
