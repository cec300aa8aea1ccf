use super::*;

fn job(spec: Value) -> ProwJob {
    serde_json::from_value(json!({
        "metadata": {"name": "3f1a", "labels": {"prow.k8s.io/job": "pull-app-tekton"}},
        "spec": {
            "type": "presubmit", "job": "pull-app-tekton", "agent": prow_api::TEKTON_AGENT,
            "pipeline_run_spec": spec,
            "refs": {"org": "acme", "repo": "app", "base_ref": "main", "base_sha": "b".repeat(40),
                     "pulls": [{"number": 7, "author": "alice", "sha": "a".repeat(40)}]},
        },
        "status": {"state": "triggered"},
    }))
    .expect("a ProwJob")
}

#[test]
fn a_job_becomes_a_pipeline_run_with_prows_environment_as_params() {
    let job = job(json!({
        "pipelineRef": {"name": "build"},
        "params": [{"name": "REPO_OWNER", "value": "kept"}],
    }));
    let run = pipeline_run_for(&job, "test-pods", "1234").expect("a spec");
    assert_eq!(run["apiVersion"], "tekton.dev/v1");
    assert_eq!(run["metadata"]["name"], "3f1a");
    assert_eq!(run["metadata"]["namespace"], "test-pods");
    assert_eq!(run["metadata"]["labels"]["created-by-prow"], "true");
    assert_eq!(run["metadata"]["labels"]["prow.k8s.io/build-id"], "1234");
    assert_eq!(run["metadata"]["labels"]["prow.k8s.io/type"], "presubmit");
    assert_eq!(run["spec"]["pipelineRef"]["name"], "build");
    let params: BTreeMap<String, String> = run["spec"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        params["REPO_OWNER"], "kept",
        "a parameter the job sets keeps its value"
    );
    assert_eq!(params["PROW_JOB_ID"], "3f1a");
    assert_eq!(params["BUILD_ID"], "1234");
    assert_eq!(params["PULL_NUMBER"], "7");
    assert_eq!(params["JOB_TYPE"], "presubmit");
    let spec: Value = serde_json::from_str(&params["JOB_SPEC"]).expect("JSON");
    assert_eq!(spec["job"], "pull-app-tekton");
    assert_eq!(
        run["spec"]["params"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == "REPO_OWNER")
            .count(),
        1,
        "no duplicate parameter"
    );
    let mut without = job.clone();
    without.spec.pipeline_run_spec = None;
    assert!(pipeline_run_for(&without, "test-pods", "1").is_none());
}

use std::collections::BTreeMap;

#[test]
fn a_runs_status_reads_as_a_pods() {
    let now: Timestamp = "2026-12-06T12:00:00Z".parse().unwrap();
    let run = |status: Value| json!({"metadata": {"creationTimestamp": "2026-12-06T11:00:00Z", "labels": {"prow.k8s.io/build-id": "9"}}, "status": status});
    let cases = [
        ("just created", json!({}), RunPhase::Pending, None),
        (
            "started",
            json!({"startTime": "2026-12-06T11:01:00Z", "conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running"}]}),
            RunPhase::Running,
            Some("Running"),
        ),
        (
            "succeeded",
            json!({"startTime": "2026-12-06T11:01:00Z", "completionTime": "2026-12-06T11:05:00Z", "conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded", "message": "Tasks Completed: 2"}]}),
            RunPhase::Succeeded,
            Some("Tasks Completed: 2"),
        ),
        (
            "failed",
            json!({"startTime": "2026-12-06T11:01:00Z", "completionTime": "2026-12-06T11:05:00Z", "conditions": [{"type": "Succeeded", "status": "False", "reason": "Failed"}]}),
            RunPhase::Failed,
            Some("Failed"),
        ),
        (
            "done without a condition",
            json!({"completionTime": "2026-12-06T11:05:00Z"}),
            RunPhase::Unknown,
            None,
        ),
    ];
    for (name, status, phase, message) in cases {
        let run = run(status);
        let seen = observe_pipeline_run(&run, now);
        assert_eq!(seen.phase, phase, "{name}");
        assert_eq!(seen.build_id, "9", "{name}");
        assert_eq!(run_message(&run).as_deref(), message, "{name}");
    }
}
