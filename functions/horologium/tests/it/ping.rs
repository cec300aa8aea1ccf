//! The horologium function woken by pings (each sent twice, as a redelivering broker might)
//! over three simulated hours, with the time from a manual clock and runs in the embedded store,
//! finished by a stand-in controller: each periodic runs as its schedule says, never while its
//! previous run is unfinished, and never twice for one slot.

use axum::body::Body;
use horologium::Horologium;
use jiff::{SignedDuration, Timestamp};
use prow_api::ProwJobState;
use prow_local::EmbeddedJobStore;
use prow_ports::clock::{Clock, ManualClock};
use prow_ports::store::JobStore;
use std::collections::BTreeMap;
use std::sync::Arc;
use tower::ServiceExt;

const JOBS: &str = r#"
periodics:
- name: half-hourly
  cron: "*/30 * * * *"
  spec: {containers: [{image: alpine, command: ['true']}]}
- name: hourly-interval
  interval: 1h
  spec: {containers: [{image: alpine, command: ['true']}]}
- name: cooldown
  minimum_interval: 45m
  spec: {containers: [{image: alpine, command: ['true']}]}
- name: slow-every-10m
  cron: "*/10 * * * *"
  spec: {containers: [{image: alpine, command: ['true']}]}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_start_each_periodic_on_schedule_once() {
    let config = prow_test_harness::strict_config("", JOBS, None);
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedJobStore::open(state.path()).unwrap());
    let start: Timestamp = "2026-11-28T00:00:30Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let metrics = prow_runtime::Metrics::new("horologium");
    let router = Horologium::new(
        store.clone(),
        prow_runtime::ConfigHandle::new(config),
        clock.clone(),
        &metrics,
    )
    .router();
    // How long a run of each job takes (what the controller would report).
    let durations: BTreeMap<&str, i64> = [
        ("half-hourly", 5),
        ("hourly-interval", 5),
        ("cooldown", 20),
        ("slow-every-10m", 25),
    ]
    .into();
    for _minute in 0..180 {
        for _ in 0..2 {
            let request = axum::http::Request::post("/")
                .header("ce-specversion", "1.0")
                .header("ce-id", "ping")
                .header(
                    "ce-source",
                    "/apis/v1/namespaces/prow/pingsources/horologium",
                )
                .header("ce-type", "dev.knative.sources.ping")
                .body(Body::empty())
                .unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), 200);
        }
        // The controller finishes runs that have taken their time.
        let now = clock.now();
        for mut job in store.list("").await.unwrap() {
            let started = job.status.start_time.as_ref().unwrap().0;
            let took = durations[job.spec.job.as_str()];
            if !job.complete() && now.duration_since(started) >= SignedDuration::from_mins(took) {
                job.status.state = Some(ProwJobState::Success);
                job.status.completion_time =
                    Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now));
                store.update(&job).await.unwrap();
            }
        }
        clock.advance(SignedDuration::from_mins(1));
    }
    let mut starts: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for job in store.list("").await.unwrap() {
        let minute = job
            .status
            .start_time
            .as_ref()
            .unwrap()
            .0
            .duration_since(start)
            .as_mins();
        starts.entry(job.spec.job.clone()).or_default().push(minute);
    }
    for list in starts.values_mut() {
        list.sort();
    }
    // First pings start everything at once; then:
    // - half-hourly: each :00 and :30 (runs take 5 min, never overlap);
    assert_eq!(starts["half-hourly"], vec![0, 30, 60, 90, 120, 150]);
    // - hourly-interval: more than an hour after the last start (pings are each minute);
    assert_eq!(starts["hourly-interval"], vec![0, 61, 122]);
    // - cooldown: more than 45 min after the last run finished (runs take 20 min);
    assert_eq!(starts["cooldown"], vec![0, 66, 132]);
    // - every 10 min, but runs take 25 min: the fires during a run coalesce into one run at the
    //   first ping after it finished (runs finish after that minute's pings).
    assert_eq!(starts["slow-every-10m"], vec![0, 26, 52, 78, 104, 130, 156]);
}
