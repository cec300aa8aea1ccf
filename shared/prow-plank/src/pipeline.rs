//! The PipelineRun a `tekton-pipeline` job runs as (upstream `cmd/pipeline`), and what its status
//! says, without I/O. The run is named after the ProwJob, in the job's `namespace` (the pod
//! namespace unless the job names another), with the labels and annotations Prow puts on pods;
//! the job's `pipeline_run_spec` (or `tekton_pipeline_run_spec.v1beta1`, read as upstream reads
//! it, as a `tekton.dev/v1` spec) with Prow's environment appended to its `params` under the
//! environment variables' names (`PROW_JOB_ID`, `JOB_SPEC`, `BUILD_ID`, `REPO_OWNER`, ...); a
//! parameter the job already sets keeps its value (upstream appends a duplicate, which Tekton
//! refuses).

use crate::pod::{job_env, pod_labels_and_annotations};
use k8s_openapi::jiff::Timestamp;
use prow_api::ProwJob;
use prow_ports::executor::{RunObservation, RunPhase};
use serde_json::{Value, json};

/// The API version of the PipelineRuns made.
pub const API_VERSION: &str = "tekton.dev/v1";
/// What an abort sets `spec.status` to: cancel the tasks, then run the `finally` ones.
pub const CANCELLED: &str = "CancelledRunFinally";

/// The job's pipeline run spec, as upstream reads it (`tekton_pipeline_run_spec.v1beta1` first).
pub fn run_spec(job: &ProwJob) -> Option<&Value> {
    job.spec
        .tekton_pipeline_run_spec
        .as_ref()
        .and_then(|t| t.get("v1beta1"))
        .or(job.spec.pipeline_run_spec.as_ref())
}

/// The PipelineRun of `job` with `build_id` in `namespace`; `None` when the job has no spec.
pub fn pipeline_run_for(job: &ProwJob, namespace: &str, build_id: &str) -> Option<Value> {
    let mut spec = run_spec(job)?.clone();
    let (labels, annotations) = pod_labels_and_annotations(job, build_id);
    let env = job_env(job, build_id);
    let params = spec
        .as_object_mut()?
        .entry("params")
        .or_insert_with(|| json!([]));
    if let Some(params) = params.as_array_mut() {
        let given: Vec<String> = params
            .iter()
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect();
        for (name, value) in env {
            if !given.contains(&name) {
                params.push(json!({"name": name, "value": value}));
            }
        }
    }
    Some(json!({
        "apiVersion": API_VERSION,
        "kind": "PipelineRun",
        "metadata": {
            "name": job.name(),
            "namespace": namespace,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": spec,
    }))
}

fn time(value: &Value) -> Option<Timestamp> {
    value.as_str().and_then(|t| t.parse().ok())
}

/// What the controller needs to know of a PipelineRun, in the shape it reads a pod in: its
/// `Succeeded` condition `True` is success, `False` failure (a cancelled run too), `Unknown` or
/// none pending until it started and running after; done without a condition is an error.
pub fn observe_pipeline_run(run: &Value, now: Timestamp) -> RunObservation {
    let status = &run["status"];
    let succeeded = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Succeeded");
    let started = time(&status["startTime"]);
    let finished = time(&status["completionTime"]).is_some();
    let phase = match succeeded.map(|c| c["status"].as_str().unwrap_or_default()) {
        Some("True") => RunPhase::Succeeded,
        Some("False") => RunPhase::Failed,
        _ if finished && succeeded.is_none() => RunPhase::Unknown,
        _ if started.is_some() => RunPhase::Running,
        _ => RunPhase::Pending,
    };
    RunObservation {
        phase,
        created: time(&run["metadata"]["creationTimestamp"]).unwrap_or(now),
        started,
        deleting: !run["metadata"]["deletionTimestamp"].is_null(),
        unexpected_stop: None,
        all_containers_succeeded: phase == RunPhase::Succeeded,
        build_id: run["metadata"]["labels"][prow_api::labels::PROW_BUILD_ID]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        detail: run_message(run),
    }
}

/// The condition's message (else its reason), for a job's description.
pub fn run_message(run: &Value) -> Option<String> {
    let condition = run["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Succeeded")?;
    [&condition["message"], &condition["reason"]]
        .into_iter()
        .find_map(|v| v.as_str().filter(|s| !s.is_empty()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests;
