//! ConfigMaps written for config-updater: a server-side apply of the ConfigMap's identity and
//! upstream's labels (which creates it when missing), then one merge patch that sets the changed
//! keys and deletes the removed ones, whoever wrote them; keys the change does not name are left
//! as they are (an apply of only the changed keys would drop the ones an earlier apply set). Text
//! goes to `data`, anything else (gzip) to `binaryData`, and a key moving between the two is
//! deleted from the other.

use prow_ports::config_maps::{ConfigMapError, ConfigMapTarget, ConfigMapUpdate};
use std::collections::BTreeMap;

/// The field manager of config-updater's writes.
pub const FIELD_MANAGER: &str = "prow-config-updater";

/// Clients by cluster alias (`default` is the cluster the function runs in).
#[derive(Clone)]
pub struct ConfigMapWriter {
    clients: BTreeMap<String, kube::Client>,
}

impl ConfigMapWriter {
    pub fn new(clients: BTreeMap<String, kube::Client>) -> ConfigMapWriter {
        ConfigMapWriter { clients }
    }

    /// The function's own cluster as `default`, and every context of the build-cluster
    /// kubeconfigs by name.
    pub async fn connect(
        sources: &crate::clusters::KubeconfigSources,
    ) -> anyhow::Result<ConfigMapWriter> {
        let mut clients = BTreeMap::new();
        if sources.kubeconfig.is_some() || sources.kubeconfig_dir.is_some() {
            for (alias, config) in crate::clusters::load(sources).await? {
                clients.insert(alias, kube::Client::try_from(config)?);
            }
        }
        if !clients.contains_key(crate::clusters::DEFAULT_CLUSTER) {
            clients.insert(
                crate::clusters::DEFAULT_CLUSTER.to_string(),
                kube::Client::try_default().await?,
            );
        }
        Ok(ConfigMapWriter { clients })
    }

    pub async fn write(
        &self,
        target: &ConfigMapTarget,
        update: &ConfigMapUpdate,
    ) -> Result<(), ConfigMapError> {
        use k8s_openapi::api::core::v1::ConfigMap;
        use kube::api::{Api, Patch, PatchParams};
        let client = self
            .clients
            .get(&target.cluster)
            .ok_or_else(|| ConfigMapError::UnknownCluster(target.cluster.clone()))?;
        let failed = |e: kube::Error| ConfigMapError::Write {
            target: target.to_string(),
            reason: e.to_string(),
        };
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), &target.namespace);
        let mut data = serde_json::Map::new();
        let mut binary = serde_json::Map::new();
        // The merge patch: keys set in one map are deleted from the other; removed keys from both.
        let mut clear_data = serde_json::Map::new();
        let mut clear_binary = serde_json::Map::new();
        for (key, bytes) in &update.set {
            match std::str::from_utf8(bytes) {
                Ok(text) => {
                    data.insert(key.clone(), text.into());
                    clear_binary.insert(key.clone(), serde_json::Value::Null);
                }
                Err(_) => {
                    use base64::Engine;
                    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
                    binary.insert(key.clone(), encoded.into());
                    clear_data.insert(key.clone(), serde_json::Value::Null);
                }
            }
        }
        if !update.version.is_empty() {
            data.insert("VERSION".into(), update.version.clone().into());
        }
        for key in &update.remove {
            clear_data.insert(key.clone(), serde_json::Value::Null);
            clear_binary.insert(key.clone(), serde_json::Value::Null);
        }
        let identity = serde_json::json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": target.name,
                "namespace": target.namespace,
                "labels": {
                    "app.kubernetes.io/name": "prow",
                    "app.kubernetes.io/component": "updateconfig-plugin",
                },
            },
        });
        api.patch(
            &target.name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(identity),
        )
        .await
        .map_err(failed)?;
        for (key, value) in data {
            clear_data.insert(key, value);
        }
        for (key, value) in binary {
            clear_binary.insert(key, value);
        }
        let keys = serde_json::json!({"data": clear_data, "binaryData": clear_binary});
        api.patch(&target.name, &PatchParams::default(), &Patch::Merge(keys))
            .await
            .map_err(failed)?;
        Ok(())
    }
}
