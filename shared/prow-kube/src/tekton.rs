//! The executor of `tekton-pipeline` jobs: a `tekton.dev/v1` PipelineRun per job, named after
//! it, in the build cluster the job names ([`prow_plank::pipeline`] builds it and reads its
//! status). Stopping a job cancels its run (`spec.status: CancelledRunFinally`, so `finally`
//! tasks still run), as upstream's pipeline controller does; garbage collection deletes it.

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use prow_api::ProwJob;
use prow_plank::pipeline;
use prow_ports::clock::{Clock, SystemClock};
use prow_ports::executor::{Executor, ExecutorError, ExecutorFuture, RunObservation, Workload};
use std::collections::BTreeMap;
use std::sync::Arc;

fn resource() -> ApiResource {
    ApiResource {
        group: "tekton.dev".into(),
        version: "v1".into(),
        api_version: pipeline::API_VERSION.into(),
        kind: "PipelineRun".into(),
        plural: "pipelineruns".into(),
    }
}

/// PipelineRuns in the build clusters, by alias; in the job's `namespace`, else `namespace`.
pub struct TektonExecutor {
    clusters: BTreeMap<String, kube::Client>,
    namespace: String,
    /// Dates a PipelineRun the API server has not stamped yet.
    clock: Arc<dyn Clock>,
}

impl TektonExecutor {
    pub fn new(clusters: BTreeMap<String, kube::Client>, namespace: &str) -> TektonExecutor {
        TektonExecutor {
            clusters,
            namespace: namespace.to_string(),
            clock: SystemClock::shared(),
        }
    }

    /// The same executor reading the time from `clock`.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> TektonExecutor {
        TektonExecutor { clock, ..self }
    }

    fn runs(&self, job: &ProwJob) -> Result<Api<DynamicObject>, ExecutorError> {
        let alias = if job.spec.cluster.is_empty() {
            crate::clusters::DEFAULT_CLUSTER
        } else {
            job.spec.cluster.as_str()
        };
        let client = self.clusters.get(alias).ok_or_else(|| {
            ExecutorError::terminal(job, format!("unknown cluster alias {alias:?}"))
        })?;
        let namespace = if job.spec.namespace.is_empty() {
            &self.namespace
        } else {
            &job.spec.namespace
        };
        Ok(Api::namespaced_with(client.clone(), namespace, &resource()))
    }

    fn namespace_of<'a>(&'a self, job: &'a ProwJob) -> &'a str {
        if job.spec.namespace.is_empty() {
            &self.namespace
        } else {
            &job.spec.namespace
        }
    }
}

fn as_value(object: &DynamicObject) -> serde_json::Value {
    serde_json::to_value(object).unwrap_or_default()
}

impl Executor for TektonExecutor {
    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<RunObservation>> {
        Box::pin(async move {
            let run = self
                .runs(job)?
                .get_opt(job.name())
                .await
                .map_err(|e| ExecutorError::retryable(job, e))?;
            let now = self.clock.now();
            Ok(run.map(|run| pipeline::observe_pipeline_run(&as_value(&run), now)))
        })
    }

    fn start<'a>(&'a self, job: &'a ProwJob, build_id: &'a str) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            let value = pipeline::pipeline_run_for(job, self.namespace_of(job), build_id)
                .ok_or_else(|| ExecutorError::terminal(job, "the job has no pipeline_run_spec"))?;
            let run: DynamicObject =
                serde_json::from_value(value).map_err(|e| ExecutorError::terminal(job, e))?;
            match self.runs(job)?.create(&Default::default(), &run).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
                // The API server refuses what it cannot store: starting again cannot help.
                Err(kube::Error::Api(status)) if status.code == 422 || status.code == 400 => Err(
                    ExecutorError::terminal(job, format!("start pipeline: {}", status.message)),
                ),
                Err(error) => Err(ExecutorError::retryable(job, error)),
            }
        })
    }

    fn stop<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            let cancel = serde_json::json!({"spec": {"status": pipeline::CANCELLED}});
            match self
                .runs(job)?
                .patch(job.name(), &PatchParams::default(), &Patch::Merge(cancel))
                .await
            {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
                Err(error) => Err(ExecutorError::retryable(job, error)),
            }
        })
    }

    fn workloads(&self) -> ExecutorFuture<'_, Vec<Workload>> {
        Box::pin(async move {
            let mut all = Vec::new();
            let params = ListParams::default()
                .labels(&format!("{}=true", prow_api::labels::CREATED_BY_PROW));
            for (alias, client) in &self.clusters {
                // In the pod namespace, as pods are listed (least privilege: a Role there);
                // a job that names another namespace keeps its run until its own clean-up.
                let api: Api<DynamicObject> =
                    Api::namespaced_with(client.clone(), &self.namespace, &resource());
                let runs = match api.list(&params).await {
                    Ok(runs) => runs,
                    // A cluster without Tekton has no runs.
                    Err(kube::Error::Api(status)) if status.code == 404 => continue,
                    Err(error) => {
                        return Err(ExecutorError {
                            job: String::new(),
                            reason: format!("listing PipelineRuns in cluster {alias:?}: {error}"),
                            terminal: false,
                            held: None,
                        });
                    }
                };
                for run in runs {
                    let value = as_value(&run);
                    let Some(created) = run.metadata.creation_timestamp.as_ref().map(|t| t.0)
                    else {
                        continue;
                    };
                    let name = run.metadata.name.clone().unwrap_or_default();
                    all.push(Workload {
                        job: crate::executor::job_of(&run.metadata, &name),
                        name,
                        namespace: run.metadata.namespace.clone().unwrap_or_default(),
                        cluster: alias.clone(),
                        agent: prow_api::TEKTON_AGENT.into(),
                        created,
                        started: value["status"]["startTime"]
                            .as_str()
                            .and_then(|t| t.parse().ok()),
                    });
                }
            }
            Ok(all)
        })
    }

    fn remove<'a>(&'a self, workload: &'a Workload) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            let Some(client) = self.clusters.get(&workload.cluster) else {
                return Ok(());
            };
            let api: Api<DynamicObject> =
                Api::namespaced_with(client.clone(), &workload.namespace, &resource());
            match api.delete(&workload.name, &DeleteParams::default()).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
                Err(error) => Err(ExecutorError {
                    job: workload.job.clone(),
                    reason: format!("deleting PipelineRun {}: {error}", workload.name),
                    terminal: false,
                    held: None,
                }),
            }
        })
    }
}
