//! sinker over 100,000 ProwJobs in the embedded store removes exactly the jobs an independent
//! computation of upstream's rules names, and a second run removes nothing; job pods (local
//! runs) go when their job finished long enough ago or is gone, and stay while it runs.

use jiff::{SignedDuration, Timestamp};
use prow_api::{ProwJob, ProwJobState};
use prow_config::{LoadOptions, Source, Sources};
use prow_local::{EmbeddedJobStore, LocalExecutor, LocalExecutorOptions};
use prow_ports::clock::ManualClock;
use prow_ports::executor::Executor;
use prow_ports::store::JobStore;
use sinker::Sinker;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

const TYPES: [&str; 4] = ["presubmit", "postsubmit", "periodic", "batch"];

fn config(periodics: usize, extra: &str) -> prow_config::Config {
    let mut jobs = String::from("periodics:\n");
    for i in 0..periodics {
        jobs.push_str(&format!(
            "- name: periodic-{i}\n  interval: 1h\n  spec: {{containers: [{{image: alpine, command: [\"true\"]}}]}}\n"
        ));
    }
    prow_config::load_sources(
        &Sources {
            config: Source::new("config.yaml", extra),
            job_files: vec![Source::new("jobs.yaml", jobs)],
            plugins: None,
        },
        LoadOptions { strict: true },
    )
    .unwrap()
    .config
}

/// The `i`th job: a mix of types, ages up to about 7.35 days, one in seven unfinished; periodic
/// runs spread over 50 job names, of which the configuration still has 40.
fn job(i: usize, now: Timestamp) -> ProwJob {
    let job_type = TYPES[i % 4];
    let name = if job_type == "periodic" {
        format!("periodic-{}", i % 50)
    } else {
        format!("{job_type}-job")
    };
    let age_ms = (i % 1000) as i64 * 635_040; // 0 .. 7.35 days
    let start = now - SignedDuration::from_millis(age_ms);
    let finished = !i.is_multiple_of(7);
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": format!("pj-{i:06}"), "resourceVersion": "1",
            "labels": {"prow.k8s.io/type": job_type, "prow.k8s.io/job": name}},
        "spec": {"type": job_type, "job": name, "agent": "kubernetes"},
        "status": {
            "state": if finished { "success" } else { "pending" },
            "startTime": start.to_string(),
            "completionTime": if finished { serde_json::Value::String((start + SignedDuration::from_mins(10)).to_string()) } else { serde_json::Value::Null },
        }
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sinker_removes_exactly_the_old_finished_jobs_of_100000() {
    const COUNT: usize = 100_000;
    let now: Timestamp = "2026-11-28T12:00:00Z".parse().unwrap();
    let state = tempfile::tempdir().unwrap();
    let dir = state.path().join("jobs");
    std::fs::create_dir_all(&dir).unwrap();
    let jobs: Vec<ProwJob> = (0..COUNT).map(|i| job(i, now)).collect();
    // Written as the store keeps them, then opened: the store reads them all back.
    for job in &jobs {
        std::fs::write(
            dir.join(format!("{}.json", job.name())),
            serde_json::to_vec(job).unwrap(),
        )
        .unwrap();
    }
    // The expected survivors, from the rules restated over the generated jobs.
    let week_ms = 7 * 24 * 3600 * 1000;
    let mut newest: HashMap<&str, (i64, &str)> = HashMap::new();
    for job in jobs
        .iter()
        .filter(|j| j.spec.job_type == prow_api::ProwJobType::Periodic)
    {
        let key = (
            job.status.start_time.as_ref().unwrap().0.as_millisecond(),
            job.name(),
        );
        let entry = newest.entry(job.spec.job.as_str()).or_insert(key);
        if key > *entry {
            *entry = key;
        }
    }
    let survivors: BTreeSet<String> = jobs
        .iter()
        .filter(|j| {
            let age =
                now.as_millisecond() - j.status.start_time.as_ref().unwrap().0.as_millisecond();
            let finished = j.status.completion_time.is_some();
            let periodic_index: Option<usize> = j
                .spec
                .job
                .strip_prefix("periodic-")
                .map(|n| n.parse().unwrap());
            let kept_newest =
                periodic_index.is_some_and(|n| n < 40) && newest[j.spec.job.as_str()].1 == j.name();
            !finished || age <= week_ms || kept_newest
        })
        .map(|j| j.name().to_string())
        .collect();
    let removed_count = COUNT - survivors.len();
    assert!(removed_count > 3000, "{removed_count}");
    drop(jobs);

    let store = Arc::new(EmbeddedJobStore::open(&dir).unwrap());
    let executor = Arc::new(LocalExecutor::new(
        state.path().join("runs"),
        LocalExecutorOptions::default(),
    ));
    let metrics = prow_runtime::Metrics::new("sinker");
    let sinker = Sinker::new(
        store.clone(),
        executor,
        prow_runtime::ConfigHandle::new(config(40, "")),
        Arc::new(ManualClock::new(now)),
        &metrics,
    );
    let swept = sinker.sweep().await.unwrap();
    assert!(swept.errors.is_empty(), "{:?}", swept.errors);
    assert_eq!(swept.jobs_seen, COUNT);
    assert_eq!(swept.jobs.values().sum::<usize>(), removed_count);
    let left: BTreeSet<String> = crate::job_names(store.as_ref()).await.into_iter().collect();
    assert_eq!(left.len(), survivors.len());
    assert!(left == survivors, "the survivors differ");
    // Inactive periodics lose even their newest run; active ones keep it.
    assert!(
        swept.jobs["aged-periodic"] > 0 && swept.jobs["aged"] > 0,
        "{:?}",
        swept.jobs
    );
    let again = sinker.sweep().await.unwrap();
    assert!(again.jobs.is_empty(), "{:?}", again.jobs);
    let exported = metrics.encode();
    assert!(
        exported.contains("sinker_prow_jobs_cleaned{reason=\"aged\"}"),
        "{exported}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_go_when_their_job_is_long_finished_or_gone() {
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedJobStore::open(state.path().join("jobs")).unwrap());
    let executor = Arc::new(LocalExecutor::new(
        state.path().join("runs"),
        LocalExecutorOptions::default(),
    ));
    let real_now = Timestamp::now();
    for name in ["finished-long-ago", "deleted", "running"] {
        let job: ProwJob = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name},
            "spec": {"type": "periodic", "job": name, "agent": "kubernetes",
                "pod_spec": {"containers": [{"image": "alpine", "command": ["true"]}]}},
            "status": {"state": "pending", "startTime": real_now.to_string()}
        }))
        .unwrap();
        let stored = store.create(&job).await.unwrap();
        executor.start(&stored, "1").await.unwrap();
    }
    let mut finished = store.get("finished-long-ago").await.unwrap();
    finished.status.state = Some(ProwJobState::Success);
    finished.status.completion_time = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        real_now,
    ));
    store.update(&finished).await.unwrap();
    store.delete("deleted").await.unwrap();
    let sinker = Sinker::new(
        store.clone(),
        executor.clone(),
        prow_runtime::ConfigHandle::new(config(0, "sinker:\n  terminated_pod_ttl: 30m\n")),
        // An hour later: past the 30 minute TTL, well within the day of max_pod_age.
        Arc::new(ManualClock::new(real_now + SignedDuration::from_hours(1))),
        &prow_runtime::Metrics::new("sinker"),
    );
    let swept = sinker.sweep().await.unwrap();
    assert!(swept.errors.is_empty(), "{:?}", swept.errors);
    assert_eq!(swept.pods_seen, 3);
    assert_eq!(
        swept.pods,
        [("orphaned", 1), ("ttled", 1)].into_iter().collect()
    );
    let left: Vec<String> = executor
        .workloads()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(left, vec!["running"]);
}
