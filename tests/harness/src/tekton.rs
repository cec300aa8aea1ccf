//! Tekton on the Kubernetes test environment: its real CRDs (from `../shared/corpus/tekton-crds`)
//! and a small driver that moves PipelineRuns as Tekton's controller would, as kwok moves pods:
//! a new run starts (`startTime`, `Succeeded: Unknown/Running`); a moment later it succeeds, or
//! fails when a parameter `PROW_TEST_OUTCOME` is `failure` (the job's `pipeline_run_spec` sets
//! it); a run whose `spec.status` asks to cancel ends `False/Cancelled`.

use anyhow::Context;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use serde_json::{Value, json};
use std::time::Duration;

/// Applies Tekton's PipelineRun CRD (v1 served and stored; its conversion webhook left out, as
/// only v1 is used). `Ok(false)` when the corpus is missing (see [`crate::corpus`]).
pub async fn install(client: &kube::Client) -> anyhow::Result<bool> {
    let Some(corpus) = crate::corpus("tekton-crds") else {
        return Ok(false);
    };
    let path = corpus.join("tekton-crds/300-pipelinerun.yaml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut crd: Value = serde_saphyr::from_str(&text).context("the PipelineRun CRD")?;
    // Conversion needs Tekton's webhook; every client here speaks v1, the stored version.
    crd["spec"]["conversion"] = json!({"strategy": "None"});
    let dir = tempfile::tempdir()?;
    let stripped = dir.path().join("pipelinerun.yaml");
    std::fs::write(&stripped, serde_json::to_string(&crd)?)?;
    crate::kube::apply_crd(client, &stripped).await?;
    Ok(true)
}

fn resource() -> ApiResource {
    ApiResource {
        group: "tekton.dev".into(),
        version: "v1".into(),
        api_version: "tekton.dev/v1".into(),
        kind: "PipelineRun".into(),
        plural: "pipelineruns".into(),
    }
}

/// Moves the PipelineRuns of `namespace` until dropped.
pub struct PipelineRunDriver {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for PipelineRunDriver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The status a run moves to next, if it moves: started, then done once it has run `run_for`.
pub fn next_status(run: &Value, run_for: Duration) -> Option<Value> {
    let status = &run["status"];
    let done = status["completionTime"].is_string();
    if done {
        return None;
    }
    let condition = |state: &str, reason: &str, message: &str| {
        json!({"type": "Succeeded", "status": state, "reason": reason, "message": message,
               "lastTransitionTime": now()})
    };
    let cancelled = run["spec"]["status"]
        .as_str()
        .is_some_and(|s| s.starts_with("Cancelled") || s.starts_with("Stopped"));
    let Some(started) = status["startTime"].as_str() else {
        if cancelled {
            return Some(json!({"completionTime": now(),
                "conditions": [condition("False", "Cancelled", "PipelineRun was cancelled")]}));
        }
        return Some(json!({"startTime": now(),
            "conditions": [condition("Unknown", "Running", "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0")]}));
    };
    if cancelled {
        return Some(json!({"startTime": started, "completionTime": now(),
            "conditions": [condition("False", "Cancelled", "PipelineRun \"cancelled\" was cancelled")]}));
    }
    let started: k8s_openapi::jiff::Timestamp = started.parse().ok()?;
    let elapsed = k8s_openapi::jiff::Timestamp::now().duration_since(started);
    if elapsed < k8s_openapi::jiff::SignedDuration::try_from(run_for).unwrap_or_default() {
        return None;
    }
    let fails = run["spec"]["params"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| p["name"] == "PROW_TEST_OUTCOME" && p["value"] == "failure");
    let ended = if fails {
        condition(
            "False",
            "Failed",
            "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0",
        )
    } else {
        condition(
            "True",
            "Succeeded",
            "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0",
        )
    };
    Some(json!({"startTime": started.to_string(), "completionTime": now(), "conditions": [ended]}))
}

impl PipelineRunDriver {
    /// Drives every PipelineRun in `namespace`; each runs for `run_for` before it ends.
    pub fn start(client: kube::Client, namespace: &str, run_for: Duration) -> PipelineRunDriver {
        let api: Api<DynamicObject> = Api::namespaced_with(client, namespace, &resource());
        let task = tokio::spawn(async move {
            loop {
                if let Ok(runs) = api.list(&ListParams::default()).await {
                    for run in runs {
                        let Some(name) = run.metadata.name.clone() else {
                            continue;
                        };
                        let value = serde_json::to_value(&run).unwrap_or_default();
                        if let Some(status) = next_status(&value, run_for) {
                            let patch = json!({"status": status});
                            let _ = api
                                .patch_status(&name, &PatchParams::default(), &Patch::Merge(patch))
                                .await;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        PipelineRunDriver { task }
    }
}
