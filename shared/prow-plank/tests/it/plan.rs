//! The controller's decisions, case by case as upstream's plank makes them.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use prow_api::{ProwJob, ProwJobState};
use prow_plank::{Capacity, PlankSettings, PodAction, plan};
use prow_ports::executor::{RunObservation, RunPhase, StopCause};

fn now() -> Timestamp {
    "2026-11-28T12:00:00Z".parse().unwrap()
}

fn ago(minutes: i64) -> Timestamp {
    now() - SignedDuration::from_mins(minutes)
}

fn job(state: ProwJobState) -> ProwJob {
    let mut job: ProwJob = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "pj-1", "labels": {"prow.k8s.io/job": "unit"}},
        "spec": {"type": "presubmit", "job": "unit", "agent": "kubernetes",
                 "pod_spec": {"containers": [{"image": "golang", "command": ["make", "test"]}]}},
        "status": {"state": "triggered", "startTime": "2026-11-28T11:00:00Z"}
    }))
    .unwrap();
    job.status.state = Some(state);
    if state != ProwJobState::Triggered {
        job.status.pod_name = "pj-1".into();
        job.status.build_id = "100".into();
        job.status.pending_time = Some(Time(ago(30)));
    }
    job
}

fn pod(phase: RunPhase, started_minutes_ago: Option<i64>) -> RunObservation {
    RunObservation {
        phase,
        created: ago(started_minutes_ago.unwrap_or(1) + 1),
        started: started_minutes_ago.map(ago),
        deleting: false,
        unexpected_stop: None,
        all_containers_succeeded: phase == RunPhase::Succeeded,
        build_id: "100".into(),
        detail: None,
    }
}

/// (case, job, pod, expected pod action, expected (state, description, completes))
type Case = (
    &'static str,
    ProwJob,
    Option<RunObservation>,
    PodAction,
    Option<(ProwJobState, &'static str, bool)>,
);

#[test]
fn each_case_decides_as_upstream() {
    let limits = PlankSettings::default();
    let mut decorated = job(ProwJobState::Pending);
    decorated.spec.decoration_config =
        Some(serde_json::from_value(serde_json::json!({"pod_running_timeout": "1h"})).unwrap());
    let evicted = |revivals: i64, error_on_eviction: bool| {
        let mut j = job(ProwJobState::Pending);
        j.status.pod_revival_count = revivals;
        j.spec.error_on_eviction = error_on_eviction;
        j
    };
    let stopped = |cause| RunObservation {
        phase: RunPhase::Failed,
        unexpected_stop: Some(cause),
        ..pod(RunPhase::Failed, Some(5))
    };
    let cases: Vec<Case> = vec![
        (
            "triggered job gets a pod",
            job(ProwJobState::Triggered),
            None,
            PodAction::Start,
            Some((ProwJobState::Pending, "Job triggered.", false)),
        ),
        (
            "a pod from a lost write is adopted",
            job(ProwJobState::Triggered),
            Some(pod(RunPhase::Running, Some(1))),
            PodAction::None,
            Some((ProwJobState::Pending, "Job triggered.", false)),
        ),
        (
            "running pod: nothing to do",
            job(ProwJobState::Pending),
            Some(pod(RunPhase::Running, Some(5))),
            PodAction::None,
            None,
        ),
        (
            "succeeded pod",
            job(ProwJobState::Pending),
            Some(pod(RunPhase::Succeeded, Some(5))),
            PodAction::None,
            Some((ProwJobState::Success, "Job succeeded.", true)),
        ),
        (
            "succeeded phase, a container did not finish",
            job(ProwJobState::Pending),
            Some(RunObservation {
                all_containers_succeeded: false,
                ..pod(RunPhase::Succeeded, Some(5))
            }),
            PodAction::None,
            Some((
                ProwJobState::Error,
                "Pod was in succeeded phase but some containers didn't finish",
                true,
            )),
        ),
        (
            "failed pod",
            job(ProwJobState::Pending),
            Some(pod(RunPhase::Failed, Some(5))),
            PodAction::None,
            Some((ProwJobState::Failure, "Job failed.", true)),
        ),
        (
            "missing pod is started again",
            job(ProwJobState::Pending),
            None,
            PodAction::Start,
            Some((ProwJobState::Pending, "", false)),
        ),
        (
            "unscheduled too long",
            job(ProwJobState::Pending),
            Some(RunObservation {
                created: ago(6),
                ..pod(RunPhase::Pending, None)
            }),
            PodAction::Delete,
            Some((ProwJobState::Error, "Pod scheduling timeout.", true)),
        ),
        (
            "pending too long",
            job(ProwJobState::Pending),
            Some(pod(RunPhase::Pending, Some(11))),
            PodAction::Delete,
            Some((ProwJobState::Error, "Pod pending timeout.", true)),
        ),
        (
            "running too long",
            job(ProwJobState::Pending),
            Some(pod(RunPhase::Running, Some(49 * 60))),
            PodAction::Delete,
            Some((ProwJobState::Aborted, "Pod running timeout.", true)),
        ),
        (
            "the job's own running timeout wins",
            decorated,
            Some(pod(RunPhase::Running, Some(61))),
            PodAction::Delete,
            Some((ProwJobState::Aborted, "Pod running timeout.", true)),
        ),
        (
            "evicted: revived",
            evicted(0, false),
            Some(stopped(StopCause::Evicted)),
            PodAction::Delete,
            Some((ProwJobState::Pending, "", false)),
        ),
        (
            "evicted with error_on_eviction",
            evicted(0, true),
            Some(stopped(StopCause::Evicted)),
            PodAction::None,
            Some((
                ProwJobState::Error,
                "Job pod was evicted by the cluster.",
                true,
            )),
        ),
        (
            "evicted too often",
            evicted(3, false),
            Some(stopped(StopCause::Evicted)),
            PodAction::None,
            Some((
                ProwJobState::Error,
                "Job pod reached max revivals (3) after being stopped unexpectedly (evicted)",
                true,
            )),
        ),
        (
            "OOM killed",
            job(ProwJobState::Pending),
            Some(stopped(StopCause::OomKilled)),
            PodAction::None,
            Some((
                ProwJobState::Error,
                "Job pod was OOM killed by the cluster.",
                true,
            )),
        ),
        (
            "pod deleted under a running job",
            job(ProwJobState::Pending),
            Some(RunObservation {
                deleting: true,
                ..pod(RunPhase::Running, Some(5))
            }),
            PodAction::None,
            Some((ProwJobState::Error, "Pod got deleted unexpectedly", true)),
        ),
        (
            "aborted job's pod is deleted",
            job(ProwJobState::Aborted),
            Some(pod(RunPhase::Running, Some(5))),
            PodAction::Delete,
            Some((ProwJobState::Aborted, "", true)),
        ),
        (
            "finished job: nothing",
            job(ProwJobState::Success),
            Some(pod(RunPhase::Succeeded, Some(5))),
            PodAction::None,
            None,
        ),
    ];
    for (case, job, observed, action, expected) in cases {
        let decided = plan(
            &job,
            observed.as_ref(),
            now(),
            &limits,
            Capacity::Available,
            "200",
        );
        assert_eq!(decided.pod, action, "{case}");
        match (expected, decided.status) {
            (None, None) => {}
            (Some((state, description, completes)), Some(status)) => {
                assert_eq!(status.state, Some(state), "{case}");
                if !description.is_empty() {
                    assert_eq!(status.description, description, "{case}");
                }
                assert_eq!(status.completion_time.is_some(), completes, "{case}");
                assert_eq!(
                    status.start_time, job.status.start_time,
                    "{case}: start time kept"
                );
            }
            (expected, got) => panic!("{case}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn a_triggered_job_records_its_pod_and_build() {
    let decided = plan(
        &job(ProwJobState::Triggered),
        None,
        now(),
        &PlankSettings::default(),
        Capacity::Available,
        "200",
    );
    let status = decided.status.unwrap();
    assert_eq!(
        (status.pod_name.as_str(), status.build_id.as_str()),
        ("pj-1", "200")
    );
    assert_eq!(status.pending_time, Some(Time(now())));
    let adopted = plan(
        &job(ProwJobState::Triggered),
        Some(&pod(RunPhase::Pending, None)),
        now(),
        &PlankSettings::default(),
        Capacity::Available,
        "200",
    );
    assert_eq!(
        adopted.status.unwrap().build_id,
        "100",
        "the running pod's build id is kept"
    );
}

#[test]
fn no_capacity_means_no_pod_yet() {
    let decided = plan(
        &job(ProwJobState::Triggered),
        None,
        now(),
        &PlankSettings::default(),
        Capacity::Full,
        "200",
    );
    assert_eq!((decided.pod, decided.status), (PodAction::None, None));
}

#[test]
fn reconciling_the_same_observation_twice_changes_nothing_the_second_time() {
    let limits = PlankSettings::default();
    for observed in [
        pod(RunPhase::Succeeded, Some(5)),
        pod(RunPhase::Failed, Some(5)),
        RunObservation {
            created: ago(6),
            ..pod(RunPhase::Pending, None)
        },
        RunObservation {
            deleting: true,
            ..pod(RunPhase::Running, Some(5))
        },
    ] {
        let mut job = job(ProwJobState::Pending);
        let first = plan(
            &job,
            Some(&observed),
            now(),
            &limits,
            Capacity::Available,
            "200",
        );
        job.status = first.status.unwrap();
        let later = now() + SignedDuration::from_secs(30);
        let second = plan(
            &job,
            Some(&observed),
            later,
            &limits,
            Capacity::Available,
            "201",
        );
        assert_eq!(second.status, None, "{observed:?}");
        assert_eq!(second.pod, PodAction::None, "{observed:?}");
    }
    // An aborted job whose pod is gone is finished once.
    let mut aborted = job(ProwJobState::Aborted);
    aborted.status = plan(&aborted, None, now(), &limits, Capacity::Available, "200")
        .status
        .unwrap();
    let again = plan(&aborted, None, now(), &limits, Capacity::Available, "200");
    assert_eq!((again.pod, again.status), (PodAction::None, None));
}

#[test]
fn waiting_pods_are_looked_at_again_when_their_timeout_would_fire() {
    let running = plan(
        &job(ProwJobState::Pending),
        Some(&pod(RunPhase::Running, Some(60))),
        now(),
        &PlankSettings::default(),
        Capacity::Available,
        "200",
    );
    assert_eq!(
        running.requeue_after,
        Some(std::time::Duration::from_secs(47 * 3600))
    );
    let unscheduled = plan(
        &job(ProwJobState::Pending),
        Some(&RunObservation {
            created: ago(2),
            ..pod(RunPhase::Pending, None)
        }),
        now(),
        &PlankSettings::default(),
        Capacity::Available,
        "200",
    );
    assert_eq!(
        unscheduled.requeue_after,
        Some(std::time::Duration::from_secs(3 * 60))
    );
}

#[test]
fn the_pod_carries_upstreams_labels_and_environment() {
    let mut job = job(ProwJobState::Triggered);
    job.spec.refs = Some(serde_json::from_value(serde_json::json!({
        "org": "kubernetes", "repo": "test-infra", "base_ref": "master", "base_sha": "abc",
        "pulls": [{"number": 42, "author": "alice", "sha": "def", "title": "Fix it", "head_ref": "fix"}]
    })).unwrap());
    let pod = prow_plank::pod::pod_for(&job, "test-pods", "300").unwrap();
    let labels = pod.metadata.labels.as_ref().unwrap();
    for (key, value) in [
        ("created-by-prow", "true"),
        ("prow.k8s.io/id", "pj-1"),
        ("prow.k8s.io/build-id", "300"),
        ("prow.k8s.io/job", "unit"),
        ("prow.k8s.io/type", "presubmit"),
        ("prow.k8s.io/refs.org", "kubernetes"),
        ("prow.k8s.io/refs.repo", "test-infra"),
        ("prow.k8s.io/refs.pull", "42"),
        ("prow.k8s.io/refs.base_ref", "master"),
    ] {
        assert_eq!(labels.get(key).map(String::as_str), Some(value), "{key}");
    }
    let spec = pod.spec.unwrap();
    assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
    assert_eq!(
        spec.containers[0].name, "test",
        "the only container is named as upstream names it"
    );
    assert_eq!(
        spec.automount_service_account_token,
        Some(false),
        "no API token unless asked for"
    );
    let env: std::collections::BTreeMap<String, String> = spec.containers[0]
        .env
        .clone()
        .unwrap()
        .into_iter()
        .map(|v| (v.name, v.value.unwrap()))
        .collect();
    for (key, value) in [
        ("CI", "true"),
        ("JOB_NAME", "unit"),
        ("JOB_TYPE", "presubmit"),
        ("BUILD_ID", "300"),
        ("BUILD_NUMBER", "300"),
        ("PROW_JOB_ID", "pj-1"),
        ("REPO_OWNER", "kubernetes"),
        ("REPO_NAME", "test-infra"),
        ("PULL_BASE_REF", "master"),
        ("PULL_BASE_SHA", "abc"),
        ("PULL_REFS", "master:abc,42:def"),
        ("PULL_NUMBER", "42"),
        ("PULL_PULL_SHA", "def"),
        ("PULL_HEAD_REF", "fix"),
        ("PULL_TITLE", "Fix it"),
        ("SRC_HOST", "github.com"),
        ("SRC_BASE", "kubernetes/test-infra"),
    ] {
        assert_eq!(env.get(key).map(String::as_str), Some(value), "{key}");
    }
    let job_spec: serde_json::Value = serde_json::from_str(&env["JOB_SPEC"]).unwrap();
    assert_eq!(job_spec["buildid"], "300");
    assert_eq!(job_spec["prowjobid"], "pj-1");
    assert_eq!(job_spec["refs"]["pulls"][0]["number"], 42);
}

/// Kubernetes' own URL settings: decorated jobs link through `job_url_prefix_config` to their
/// storage path; without decoration the Go template renders.
#[test]
fn the_job_url_follows_the_prefix_config_or_the_template() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/k8s-prow/config/prow/config.yaml");
    let Ok(text) = std::fs::read_to_string(&corpus) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "the corpus is missing under CI: {}",
            corpus.display()
        );
        eprintln!("SKIPPED: no corpus at {}", corpus.display());
        return;
    };
    let config: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let plank = &config["plank"];
    let urls = prow_plank::url::JobUrls {
        prefixes: serde_json::from_value(plank["job_url_prefix_config"].clone()).unwrap(),
        omit_storage_provider: false,
        template: Some(
            prow_template::Template::parse(plank["job_url_template"].as_str().unwrap()).unwrap(),
        ),
    };
    let settings = PlankSettings {
        job_urls: urls,
        ..PlankSettings::default()
    };
    let mut presubmit = job(ProwJobState::Triggered);
    presubmit.spec.refs = Some(
        serde_json::from_value(serde_json::json!({"org": "kubernetes-sigs", "repo": "kind",
            "base_ref": "main", "pulls": [{"number": 77, "author": "a", "sha": "s"}]}))
        .unwrap(),
    );
    let url = |job: &ProwJob| {
        plan(job, None, now(), &settings, Capacity::Available, "555")
            .status
            .unwrap()
            .url
    };
    assert_eq!(
        url(&presubmit),
        "https://prow.k8s.io/view/gs/kubernetes-ci-logs/pr-logs/pull/sigs.k8s.io_kind/77/unit/555/"
    );
    presubmit.spec.decoration_config = Some(
        serde_json::from_value(serde_json::json!({"gcs_configuration": {
            "bucket": "kubernetes-ci-logs", "path_strategy": "legacy",
            "default_org": "kubernetes", "default_repo": "kubernetes"}}))
        .unwrap(),
    );
    assert_eq!(
        url(&presubmit),
        "https://prow.k8s.io/view/gs/kubernetes-ci-logs/pr-logs/pull/kubernetes-sigs_kind/77/unit/555"
    );
}

/// A decorated job's pod has upstream's shape: clonerefs, initupload and place-entrypoint before
/// the test, the test command wrapped by `/tools/entrypoint`, a sidecar, and each utility's
/// options in upstream's JSON environment variables.
#[test]
fn a_decorated_pod_carries_the_pod_utilities_as_upstream_does() {
    let mut job = job(ProwJobState::Triggered);
    job.spec.refs = Some(
        serde_json::from_value(serde_json::json!({
            "org": "kubernetes", "repo": "test-infra", "base_ref": "master", "base_sha": "abc",
            "pulls": [{"number": 42, "author": "alice", "sha": "def"}]
        }))
        .unwrap(),
    );
    job.spec.decoration_config = Some(
        serde_json::from_value(serde_json::json!({
            "timeout": "2h", "grace_period": "15m",
            "utility_images": {"clonerefs": "img/clonerefs", "initupload": "img/initupload",
                               "entrypoint": "img/entrypoint", "sidecar": "img/sidecar"},
            "gcs_configuration": {"bucket": "s3://prow-logs", "path_strategy": "explicit"},
            "s3_credentials_secret": "s3-credentials"
        }))
        .unwrap(),
    );
    let pod = prow_plank::pod::pod_for(&job, "test-pods", "300").unwrap();
    let spec = pod.spec.unwrap();
    let names = |containers: &[k8s_openapi::api::core::v1::Container]| {
        containers
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(spec.init_containers.as_deref().unwrap()),
        ["clonerefs", "initupload", "place-entrypoint"]
    );
    assert_eq!(names(&spec.containers), ["test", "sidecar"]);
    let env = |container: &k8s_openapi::api::core::v1::Container, name: &str| -> String {
        container
            .env
            .iter()
            .flatten()
            .find(|v| v.name == name)
            .and_then(|v| v.value.clone())
            .unwrap_or_else(|| panic!("{} has no {name}", container.name))
    };
    let test = &spec.containers[0];
    assert_eq!(
        test.command.as_deref(),
        Some(&["/tools/entrypoint".to_string()][..])
    );
    assert_eq!(test.args, None);
    assert_eq!(
        test.working_dir.as_deref(),
        Some("/home/prow/go/src/github.com/kubernetes/test-infra")
    );
    assert_eq!(env(test, "ARTIFACTS"), "/logs/artifacts");
    let entrypoint: serde_json::Value =
        serde_json::from_str(&env(test, "ENTRYPOINT_OPTIONS")).unwrap();
    assert_eq!(
        entrypoint,
        serde_json::json!({"timeout": 7_200_000_000_000u64, "grace_period": 900_000_000_000u64,
            "artifact_dir": "/logs/artifacts", "args": ["make", "test"], "container_name": "test",
            "process_log": "/logs/process-log.txt", "marker_file": "/logs/marker-file.txt",
            "metadata_file": "/logs/artifacts/metadata.json"})
    );
    let init = spec.init_containers.as_ref().unwrap();
    let clonerefs: serde_json::Value =
        serde_json::from_str(&env(&init[0], "CLONEREFS_OPTIONS")).unwrap();
    assert_eq!(clonerefs["src_root"], "/home/prow/go");
    assert_eq!(clonerefs["log"], "/logs/clone.json");
    assert_eq!(clonerefs["refs"][0]["pulls"][0]["sha"], "def");
    let initupload: serde_json::Value =
        serde_json::from_str(&env(&init[1], "INITUPLOAD_OPTIONS")).unwrap();
    assert_eq!(
        initupload,
        serde_json::json!({"bucket": "s3://prow-logs", "path_strategy": "explicit",
            "s3_credentials_file": "/secrets/s3-storage/service-account.json",
            "dry_run": false, "log": "/logs/clone.json"})
    );
    assert_eq!(
        init[2].args.as_deref(),
        Some(&["--copy-mode-only".to_string()][..])
    );
    let sidecar: serde_json::Value =
        serde_json::from_str(&env(&spec.containers[1], "SIDECAR_OPTIONS")).unwrap();
    assert_eq!(
        sidecar["gcs_options"]["items"],
        serde_json::json!(["/logs/artifacts"])
    );
    assert_eq!(
        sidecar["entries"][0]["marker_file"],
        "/logs/marker-file.txt"
    );
    let job_spec: serde_json::Value =
        serde_json::from_str(&env(&spec.containers[1], "JOB_SPEC")).unwrap();
    assert_eq!(job_spec["buildid"], "300");
    let volumes: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(volumes, ["logs", "tools", "s3-credentials", "code"]);
    assert_eq!(spec.termination_grace_period_seconds, Some(1125));
}
