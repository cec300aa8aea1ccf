//! The executor over Kubernetes: a job's pod, named after the job, in the build cluster's pod
//! namespace; what the pod does read back as a [`RunObservation`].

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use prow_api::ProwJob;
use prow_ports::executor::{Executor, ExecutorError, ExecutorFuture, Workload};
use prow_ports::executor::{RunObservation, RunPhase, StopCause};

pub struct KubeExecutor {
    pods: Api<Pod>,
    namespace: String,
}

impl KubeExecutor {
    /// Pods in `namespace` (upstream's `pod_namespace`) of the cluster `client` reaches.
    pub fn new(client: kube::Client, namespace: &str) -> KubeExecutor {
        KubeExecutor {
            pods: Api::namespaced(client, namespace),
            namespace: namespace.to_string(),
        }
    }
}

/// What the controller needs to know about a pod.
pub fn observe_pod(pod: &Pod) -> RunObservation {
    let status = pod.status.clone().unwrap_or_default();
    let containers = status.container_statuses.clone().unwrap_or_default();
    let terminated: Vec<_> = containers
        .iter()
        .filter_map(|c| c.state.as_ref().and_then(|s| s.terminated.as_ref()))
        .collect();
    let deleting = pod.metadata.deletion_timestamp.is_some();
    let unexpected_stop = if status.reason.as_deref() == Some("Evicted") {
        Some(StopCause::Evicted)
    } else if status.reason.as_deref() == Some("NodeLost") && deleting {
        Some(StopCause::NodeUnreachable)
    } else if terminated
        .iter()
        .any(|t| t.reason.as_deref() == Some("OOMKilled"))
    {
        Some(StopCause::OomKilled)
    } else {
        None
    };
    RunObservation {
        phase: match status.phase.as_deref() {
            Some("Pending") => RunPhase::Pending,
            Some("Running") => RunPhase::Running,
            Some("Succeeded") => RunPhase::Succeeded,
            Some("Failed") => RunPhase::Failed,
            _ => RunPhase::Unknown,
        },
        created: pod
            .metadata
            .creation_timestamp
            .as_ref()
            .map_or_else(k8s_openapi::jiff::Timestamp::now, |t| t.0),
        started: status.start_time.as_ref().map(|t| t.0),
        deleting,
        unexpected_stop,
        all_containers_succeeded: !containers.is_empty()
            && terminated.len() == containers.len()
            && terminated.iter().all(|t| t.exit_code == 0),
        build_id: pod
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(prow_api::labels::PROW_BUILD_ID))
            .cloned()
            .unwrap_or_default(),
        detail: None,
    }
}

/// The ProwJob a workload runs (its `prow.k8s.io/id` label), or the workload's own name when it
/// has no such label.
pub(crate) fn job_of(
    metadata: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    name: &str,
) -> String {
    metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(prow_api::labels::PROW_JOB_ID))
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

impl KubeExecutor {
    /// The job pods in the pod namespace, labelled for `cluster`.
    pub(crate) async fn pods_in(&self, cluster: &str) -> Result<Vec<Workload>, kube::Error> {
        let mut found = Vec::new();
        let mut params = ListParams::default()
            .labels(&format!("{}=true", prow_api::labels::CREATED_BY_PROW))
            .limit(500);
        loop {
            let page = self.pods.list(&params).await?;
            for pod in &page.items {
                let name = pod.metadata.name.clone().unwrap_or_default();
                // The API server stamps every pod; one without a stamp cannot be judged by age.
                let Some(created) = pod.metadata.creation_timestamp.as_ref().map(|t| t.0) else {
                    continue;
                };
                found.push(Workload {
                    job: job_of(&pod.metadata, &name),
                    name,
                    namespace: self.namespace.clone(),
                    cluster: cluster.to_string(),
                    agent: prow_api::KUBERNETES_AGENT.into(),
                    created,
                    started: pod
                        .status
                        .as_ref()
                        .and_then(|s| s.start_time.as_ref())
                        .map(|t| t.0),
                });
            }
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(found),
            }
        }
    }

    pub(crate) async fn delete_pod(&self, name: &str) -> Result<(), kube::Error> {
        match self.pods.delete(name, &DeleteParams::default()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(error) => Err(error),
        }
    }
}

impl Executor for KubeExecutor {
    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<RunObservation>> {
        Box::pin(async move {
            let pod = self
                .pods
                .get_opt(job.name())
                .await
                .map_err(|e| ExecutorError::retryable(job, e))?;
            Ok(pod.as_ref().map(observe_pod))
        })
    }

    fn start<'a>(&'a self, job: &'a ProwJob, build_id: &'a str) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            let pod = prow_plank::pod::pod_for(job, &self.namespace, build_id)
                .ok_or_else(|| ExecutorError::terminal(job, "the job has no pod_spec"))?;
            match self.pods.create(&PostParams::default(), &pod).await {
                Ok(_) => Ok(()),
                // Started by an earlier attempt: keep it.
                Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
                Err(error) => Err(ExecutorError::retryable(job, error)),
            }
        })
    }

    fn workloads(&self) -> ExecutorFuture<'_, Vec<Workload>> {
        Box::pin(async move {
            self.pods_in("").await.map_err(|reason| ExecutorError {
                job: String::new(),
                reason: format!("listing job pods: {reason}"),
                terminal: false,
                held: None,
            })
        })
    }

    fn remove<'a>(&'a self, pod: &'a Workload) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            self.delete_pod(&pod.name)
                .await
                .map_err(|reason| ExecutorError {
                    job: pod.job.clone(),
                    reason: format!("deleting pod {}: {reason}", pod.name),
                    terminal: false,
                    held: None,
                })
        })
    }

    fn log<'a>(
        &'a self,
        job: &'a ProwJob,
        tail_bytes: usize,
    ) -> ExecutorFuture<'a, Option<String>> {
        Box::pin(async move {
            let params = kube::api::LogParams {
                container: Some(prow_plank::pod::TEST_CONTAINER_NAME.to_string()),
                limit_bytes: Some(tail_bytes as i64),
                ..kube::api::LogParams::default()
            };
            match self.pods.logs(job.name(), &params).await {
                Ok(text) => Ok(Some(text)),
                Err(kube::Error::Api(status)) if status.code == 404 || status.code == 400 => {
                    Ok(None)
                }
                Err(error) => Err(ExecutorError::retryable(job, error)),
            }
        })
    }

    fn stop<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            match self.pods.delete(job.name(), &DeleteParams::default()).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
                Err(error) => Err(ExecutorError::retryable(job, error)),
            }
        })
    }
}
