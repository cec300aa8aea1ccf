//! A repository's in-repo configuration at a commit, through the contents API instead of a
//! clone: the YAML files under `.prow/` (listed folder by folder), or `.prow.yaml` when there
//! are none. A commit never changes, so the answer is kept in the response cache under the
//! commit's SHA, where every instance sharing the cache finds it: each file is read once per
//! commit, whichever function or instance asks.

use crate::OctocrabGitHub;
use crate::endpoints as ep;
use prow_ports::github::{GitHubError, RepoRef, Sha};
use prow_ports::github_cache::{CacheKey, CachedResponse};

/// A lock per commit being read.
#[derive(Default)]
pub(crate) struct ReadLocks(
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
);

impl ReadLocks {
    fn for_key(&self, key: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Locks nobody holds or waits for are dropped as others are added.
        locks.retain(|_, lock| std::sync::Arc::strong_count(lock) > 1);
        locks.entry(key.to_string()).or_default().clone()
    }
}

const PROW_DIR: &str = ".prow";
const PROW_YAML: &str = ".prow.yaml";

fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

impl OctocrabGitHub {
    pub(crate) async fn read_config_files(
        &self,
        repo: &RepoRef,
        sha: &Sha,
    ) -> Result<Vec<(String, String)>, GitHubError> {
        let key = CacheKey::new(
            "GET",
            &format!("in-repo-config:{repo}@{sha}"),
            "commit",
            &[],
        );
        let lock = self.inner.config_reads.for_key(key.as_str());
        let _reading = lock.lock().await;
        match self.inner.cache.get(&key).await {
            Ok(Some(kept)) => {
                if let Ok(files) = serde_json::from_slice(&kept.body) {
                    self.count_lookup(&ep::CONTENTS, "hit");
                    return Ok(files);
                }
            }
            Ok(None) => {}
            Err(error) => self.cache_failed(&ep::CONTENTS, &error),
        }
        let files = self.walk_config_files(repo, sha).await?;
        let body = serde_json::to_vec(&files).map_err(|e| GitHubError::Decode {
            path: PROW_DIR.into(),
            reason: e.to_string(),
        })?;
        let entry = CachedResponse {
            etag: None,
            last_modified: None,
            link: None,
            body,
        };
        self.count_lookup(&ep::CONTENTS, "miss");
        if let Err(error) = self.inner.cache.put(&key, entry).await {
            self.cache_failed(&ep::CONTENTS, &error);
        }
        Ok(files)
    }

    /// The contents API's answer for `path` at `sha`; `None` when there is nothing there.
    async fn contents(
        &self,
        repo: &RepoRef,
        path: &str,
        sha: &Sha,
    ) -> Result<Option<serde_json::Value>, GitHubError> {
        let route = format!(
            "{}?ref={}",
            Self::repo_path(&ep::CONTENTS, repo, &[path]),
            crate::segment(&sha.to_string())
        );
        match self.get(&ep::CONTENTS, &route, &repo.org).await {
            Ok(answer) => Ok(Some(answer)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn walk_config_files(
        &self,
        repo: &RepoRef,
        sha: &Sha,
    ) -> Result<Vec<(String, String)>, GitHubError> {
        let mut paths = Vec::new();
        let mut folders = vec![PROW_DIR.to_string()];
        while let Some(folder) = folders.pop() {
            let Some(serde_json::Value::Array(entries)) = self.contents(repo, &folder, sha).await?
            else {
                continue;
            };
            for entry in entries {
                let path = entry["path"].as_str().unwrap_or_default().to_string();
                match entry["type"].as_str() {
                    Some("dir") => folders.push(path),
                    Some("file") if is_yaml(&path) => paths.push(path),
                    _ => {}
                }
            }
        }
        if paths.is_empty() {
            paths.push(PROW_YAML.to_string());
        }
        paths.sort();
        let mut files = Vec::new();
        for path in paths {
            let Some(answer) = self.contents(repo, &path, sha).await? else {
                continue;
            };
            use base64::Engine;
            let encoded: String = answer["content"]
                .as_str()
                .unwrap_or_default()
                .split_whitespace()
                .collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| GitHubError::Decode {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            files.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
        Ok(files)
    }
}
