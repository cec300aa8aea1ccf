//! config-updater's ConfigMaps port as deployed: writes through the Kubernetes API
//! ([`prow_kube::config_maps::ConfigMapWriter`]), and the running configuration read from the
//! files this function reads its own from (`--config-path`, `--job-config-path`,
//! `--plugin-config`).

use prow_config::ConfigPaths;
use prow_ports::PortFuture;
use prow_ports::config_maps::{
    ConfigMapError, ConfigMapTarget, ConfigMapUpdate, ConfigMaps, RunningConfig,
};

pub struct DeployedConfigMaps {
    pub writer: prow_kube::config_maps::ConfigMapWriter,
    pub paths: ConfigPaths,
}

/// The configuration files at `paths`, as text.
pub fn read_running_config(paths: &ConfigPaths) -> Result<RunningConfig, ConfigMapError> {
    let sources = prow_config::read_sources(paths).map_err(|problems| {
        ConfigMapError::Read(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let pair = |source: &prow_config::Source| (source.name.to_string(), source.text.clone());
    Ok(RunningConfig {
        config: pair(&sources.config),
        plugins: sources.plugins.as_ref().map(pair),
        job_files: sources.job_files.iter().map(pair).collect(),
    })
}

impl ConfigMaps for DeployedConfigMaps {
    fn update<'a>(
        &'a self,
        target: &'a ConfigMapTarget,
        update: &'a ConfigMapUpdate,
    ) -> PortFuture<'a, (), ConfigMapError> {
        Box::pin(self.writer.write(target, update))
    }

    fn running_config(&self) -> PortFuture<'_, RunningConfig, ConfigMapError> {
        Box::pin(async move {
            let paths = self.paths.clone();
            tokio::task::spawn_blocking(move || read_running_config(&paths))
                .await
                .map_err(|e| ConfigMapError::Read(e.to_string()))?
        })
    }
}
