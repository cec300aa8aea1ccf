//! Build clusters by alias, as upstream configures them: `--kubeconfig` (one file) and/or
//! `--kubeconfig-dir` (a mounted Secret of kubeconfig files, those ending in `--kubeconfig-suffix`
//! when it is set); every context is a build cluster named by the context. Without either, the
//! cluster the function runs in is the only one, `default`. A job's `spec.cluster` names its
//! cluster (empty means `default`), and [`BuildClusters`] sends its pod there.

use crate::KubeExecutor;
use prow_api::ProwJob;
use prow_ports::executor::RunObservation;
use prow_ports::executor::{Executor, ExecutorError, ExecutorFuture, Workload};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The alias of the cluster the function runs in, and of jobs with no `cluster`.
pub const DEFAULT_CLUSTER: &str = "default";

/// Where build cluster credentials come from (upstream's flags).
#[derive(Clone, Debug, Default)]
pub struct KubeconfigSources {
    pub kubeconfig: Option<PathBuf>,
    pub kubeconfig_dir: Option<PathBuf>,
    pub kubeconfig_suffix: Option<String>,
}

fn files(sources: &KubeconfigSources) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = sources.kubeconfig.iter().cloned().collect();
    if let Some(dir) = &sources.kubeconfig_dir {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("reading --kubeconfig-dir {}: {e}", dir.display()))?;
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            // Secret volumes hold `..data` links and hidden folders beside the keys.
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.starts_with('.'))
            })
            .filter(|p| p.is_file())
            .filter(|p| match &sources.kubeconfig_suffix {
                Some(suffix) => p.to_string_lossy().ends_with(suffix.as_str()),
                None => true,
            })
            .collect();
        found.sort();
        files.extend(found);
    } else if sources.kubeconfig_suffix.is_some() {
        anyhow::bail!("--kubeconfig-dir must be set if --kubeconfig-suffix is set");
    }
    Ok(files)
}

/// Every build cluster's client configuration, by alias. Two files defining the same context is
/// an error (upstream refuses it too), so a job never lands in a cluster by accident.
pub async fn load(sources: &KubeconfigSources) -> anyhow::Result<BTreeMap<String, kube::Config>> {
    let mut clusters = BTreeMap::new();
    let mut defined_in: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in files(sources)? {
        let kubeconfig = kube::config::Kubeconfig::read_from(&file)
            .map_err(|e| anyhow::anyhow!("reading kubeconfig {}: {e}", file.display()))?;
        for context in &kubeconfig.contexts {
            if let Some(first) = defined_in.insert(context.name.clone(), file.clone()) {
                anyhow::bail!(
                    "context {:?} is defined in both {} and {}",
                    context.name,
                    first.display(),
                    file.display()
                );
            }
            let options = kube::config::KubeConfigOptions {
                context: Some(context.name.clone()),
                ..Default::default()
            };
            let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
                .await
                .map_err(|e| {
                    anyhow::anyhow!("context {:?} in {}: {e}", context.name, file.display())
                })?;
            clusters.insert(context.name.clone(), config);
        }
    }
    if !clusters.contains_key(DEFAULT_CLUSTER) {
        match kube::Config::incluster() {
            Ok(config) => {
                clusters.insert(DEFAULT_CLUSTER.to_string(), config);
            }
            Err(error) if clusters.is_empty() => {
                anyhow::bail!(
                    "no build cluster: no --kubeconfig or --kubeconfig-dir, and not in a cluster ({error})"
                )
            }
            Err(_) => {}
        }
    }
    Ok(clusters)
}

/// The executor over several build clusters: each job's pod goes to the cluster its
/// `spec.cluster` names. An alias no cluster has ends the job in `error`.
pub struct BuildClusters {
    clusters: BTreeMap<String, KubeExecutor>,
    /// The clients the executors were made with, for the other kinds of workload.
    clients: BTreeMap<String, kube::Client>,
}

impl BuildClusters {
    pub fn new(clusters: BTreeMap<String, KubeExecutor>) -> BuildClusters {
        BuildClusters {
            clusters,
            clients: BTreeMap::new(),
        }
    }

    /// Pods in `pod_namespace` of each cluster `clients` names.
    pub fn of_clients(
        clients: BTreeMap<String, kube::Client>,
        pod_namespace: &str,
    ) -> BuildClusters {
        BuildClusters {
            clusters: clients
                .iter()
                .map(|(alias, client)| {
                    (
                        alias.clone(),
                        KubeExecutor::new(client.clone(), pod_namespace),
                    )
                })
                .collect(),
            clients,
        }
    }

    /// PipelineRuns (`tekton-pipeline` jobs) in the same clusters, in `pod_namespace` unless a
    /// job names its own.
    pub fn tekton(&self, pod_namespace: &str) -> crate::tekton::TektonExecutor {
        crate::tekton::TektonExecutor::new(self.clients.clone(), pod_namespace)
    }

    /// Every kind of job these clusters run, by agent: pods (`kubernetes`) and PipelineRuns
    /// (`tekton-pipeline`).
    pub fn by_agent(self, pod_namespace: &str) -> prow_ports::executor::ByAgent {
        let tekton = self.tekton(pod_namespace);
        prow_ports::executor::ByAgent::default()
            .with(prow_api::TEKTON_AGENT, std::sync::Arc::new(tekton))
            .with(prow_api::KUBERNETES_AGENT, std::sync::Arc::new(self))
    }

    /// Clients for `configs`, pods in `pod_namespace` of each.
    pub fn connect(
        configs: BTreeMap<String, kube::Config>,
        pod_namespace: &str,
    ) -> anyhow::Result<BuildClusters> {
        let mut clients = BTreeMap::new();
        for (alias, config) in configs {
            let client = kube::Client::try_from(config)
                .map_err(|e| anyhow::anyhow!("build cluster {alias:?}: {e}"))?;
            clients.insert(alias, client);
        }
        Ok(BuildClusters::of_clients(clients, pod_namespace))
    }

    pub fn aliases(&self) -> impl Iterator<Item = &str> {
        self.clusters.keys().map(String::as_str)
    }

    fn cluster(&self, job: &ProwJob) -> Result<&KubeExecutor, ExecutorError> {
        let alias = if job.spec.cluster.is_empty() {
            DEFAULT_CLUSTER
        } else {
            job.spec.cluster.as_str()
        };
        self.clusters
            .get(alias)
            .ok_or_else(|| ExecutorError::terminal(job, format!("unknown cluster alias {alias:?}")))
    }
}

impl Executor for BuildClusters {
    fn observe<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, Option<RunObservation>> {
        Box::pin(async move { self.cluster(job)?.observe(job).await })
    }

    fn start<'a>(&'a self, job: &'a ProwJob, build_id: &'a str) -> ExecutorFuture<'a, ()> {
        Box::pin(async move { self.cluster(job)?.start(job, build_id).await })
    }

    fn stop<'a>(&'a self, job: &'a ProwJob) -> ExecutorFuture<'a, ()> {
        Box::pin(async move { self.cluster(job)?.stop(job).await })
    }

    fn log<'a>(
        &'a self,
        job: &'a ProwJob,
        tail_bytes: usize,
    ) -> ExecutorFuture<'a, Option<String>> {
        Box::pin(async move { self.cluster(job)?.log(job, tail_bytes).await })
    }

    fn workloads(&self) -> ExecutorFuture<'_, Vec<Workload>> {
        Box::pin(async move {
            let mut all = Vec::new();
            for (alias, cluster) in &self.clusters {
                all.extend(
                    cluster
                        .pods_in(alias)
                        .await
                        .map_err(|reason| ExecutorError {
                            job: String::new(),
                            reason: format!("listing job pods in cluster {alias:?}: {reason}"),
                            terminal: false,
                            held: None,
                        })?,
                );
            }
            Ok(all)
        })
    }

    fn remove<'a>(&'a self, pod: &'a Workload) -> ExecutorFuture<'a, ()> {
        Box::pin(async move {
            let Some(cluster) = self.clusters.get(&pod.cluster) else {
                return Ok(());
            };
            cluster
                .delete_pod(&pod.name)
                .await
                .map_err(|reason| ExecutorError {
                    job: pod.job.clone(),
                    reason: format!("deleting pod {} in {:?}: {reason}", pod.name, pod.cluster),
                    terminal: false,
                    held: None,
                })
        })
    }
}

/// The client for the cluster the function runs in (in-cluster, or `$KUBECONFIG`'s current
/// context), where ProwJobs live, and the build clusters: those `sources` name, or without any,
/// that same cluster as `default`. Pods go to `pod_namespace` of each.
pub async fn connect(
    sources: &KubeconfigSources,
    pod_namespace: &str,
) -> anyhow::Result<(kube::Client, BuildClusters)> {
    let client = kube::Client::try_default().await?;
    let clusters = if sources.kubeconfig.is_some() || sources.kubeconfig_dir.is_some() {
        BuildClusters::connect(load(sources).await?, pod_namespace)?
    } else {
        BuildClusters::of_clients(
            [(DEFAULT_CLUSTER.to_string(), client.clone())].into(),
            pod_namespace,
        )
    };
    tracing::info!(clusters = ?clusters.aliases().collect::<Vec<_>>(), "build clusters");
    Ok((client, clusters))
}
