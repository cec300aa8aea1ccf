//! config-updater in `prow local`: the ConfigMaps holding Prow's configuration are the files local
//! mode reads it from (`config` is `--config-path`, `plugins` is `--plugin-config`, `job-config`
//! the files of `--job-config-path`, by key), so a merged change reloads the running system as a
//! ConfigMap volume would. Other ConfigMaps are folders of files under
//! `<state>/configmaps/<cluster>/<namespace>/<name>/`.

use prow_config::ConfigPaths;
use prow_ports::PortFuture;
use prow_ports::config_maps::{
    ConfigMapError, ConfigMapTarget, ConfigMapUpdate, ConfigMaps, RunningConfig,
};
use std::path::{Path, PathBuf};

pub struct LocalConfigMaps {
    pub paths: ConfigPaths,
    pub state_dir: PathBuf,
}

impl LocalConfigMaps {
    /// The file a key of `target` is.
    fn file_for(&self, target: &ConfigMapTarget, key: &str) -> Option<PathBuf> {
        let plain = Path::new(key).file_name()?;
        match target.name.as_str() {
            "config" => Some(self.paths.config_path.clone()),
            "plugins" => self.paths.plugin_config.clone(),
            name if name.starts_with("job-config") => {
                let dir = self.paths.job_config_path.as_ref()?;
                Some(if dir.is_dir() {
                    dir.join(plain)
                } else {
                    dir.clone()
                })
            }
            _ => Some(
                self.state_dir
                    .join("configmaps")
                    .join(&target.cluster)
                    .join(&target.namespace)
                    .join(&target.name)
                    .join(plain),
            ),
        }
    }

    fn write(&self, target: &ConfigMapTarget, update: &ConfigMapUpdate) -> std::io::Result<()> {
        let is_prow_config = matches!(target.name.as_str(), "config" | "plugins")
            || target.name.starts_with("job-config");
        let mut files: Vec<(String, Option<&[u8]>)> = update
            .set
            .iter()
            .map(|(key, bytes)| (key.clone(), Some(bytes.as_slice())))
            .collect();
        files.extend(update.remove.iter().map(|key| (key.clone(), None)));
        if !is_prow_config && !update.version.is_empty() {
            files.push(("VERSION".into(), Some(update.version.as_bytes())));
        }
        for (key, content) in files {
            let Some(path) = self.file_for(target, &key) else {
                continue;
            };
            match content {
                Some(bytes) => {
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    // Written beside and renamed, so a reload never reads half a file.
                    let partial = path.with_extension("partial");
                    std::fs::write(&partial, bytes)?;
                    std::fs::rename(&partial, &path)?;
                }
                None => match std::fs::remove_file(&path) {
                    Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                        return Err(error);
                    }
                    _ => {}
                },
            }
        }
        Ok(())
    }
}

impl ConfigMaps for LocalConfigMaps {
    fn update<'a>(
        &'a self,
        target: &'a ConfigMapTarget,
        update: &'a ConfigMapUpdate,
    ) -> PortFuture<'a, (), ConfigMapError> {
        Box::pin(async move {
            self.write(target, update)
                .map_err(|error| ConfigMapError::Write {
                    target: target.to_string(),
                    reason: error.to_string(),
                })
        })
    }

    fn running_config(&self) -> PortFuture<'_, RunningConfig, ConfigMapError> {
        Box::pin(async move { prow_runtime::config_maps::read_running_config(&self.paths) })
    }
}
