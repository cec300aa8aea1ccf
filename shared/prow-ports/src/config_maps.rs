//! The ConfigMaps port of the config-updater plugin: write the keys a merged change updates, and
//! read the configuration this deployment runs on, so a change can be checked before it is
//! written. Adapters: `prow-kube` (ConfigMaps in the cluster and the build clusters, server-side
//! apply), `prow local` (the files it reads its configuration from).

use crate::{Failure, PortFuture};
use std::collections::BTreeMap;

/// A ConfigMap in a cluster (`default` is the cluster the functions run in).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConfigMapTarget {
    pub cluster: String,
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for ConfigMapTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} in cluster {}",
            self.namespace, self.name, self.cluster
        )
    }
}

/// The keys to write and to remove, and the commit they come from (`VERSION`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigMapUpdate {
    /// Key to content; UTF-8 content goes to `data`, anything else (gzip) to `binaryData`.
    pub set: BTreeMap<String, Vec<u8>>,
    pub remove: Vec<String>,
    /// The merge commit, written as the `VERSION` key as upstream does.
    pub version: String,
}

/// The configuration files a deployment runs on, by name and text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunningConfig {
    pub config: (String, String),
    pub plugins: Option<(String, String)>,
    pub job_files: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigMapError {
    #[error("no client for cluster {0:?}: name it in the build-cluster kubeconfig")]
    UnknownCluster(String),
    #[error("writing ConfigMap {target}: {reason}")]
    Write { target: String, reason: String },
    #[error("reading the running configuration: {0}")]
    Read(String),
}

impl Failure for ConfigMapError {
    fn kind(&self) -> &'static str {
        match self {
            ConfigMapError::UnknownCluster(_) => "configmap_unknown_cluster",
            ConfigMapError::Write { .. } => "configmap_write",
            ConfigMapError::Read(_) => "configmap_read",
        }
    }

    fn retryable(&self) -> bool {
        !matches!(self, ConfigMapError::UnknownCluster(_))
    }
}

pub trait ConfigMaps: Send + Sync {
    /// Writes `update` to `target`, creating the ConfigMap if needed.
    fn update<'a>(
        &'a self,
        target: &'a ConfigMapTarget,
        update: &'a ConfigMapUpdate,
    ) -> PortFuture<'a, (), ConfigMapError>;

    /// The configuration as it runs now.
    fn running_config(&self) -> PortFuture<'_, RunningConfig, ConfigMapError>;
}
