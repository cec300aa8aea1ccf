//! `config_updater:` in `plugins.yaml` (upstream `plugins.ConfigUpdater`): which files of the
//! configuration repository feed which ConfigMap keys, in which clusters and namespaces.

use crate::diagnostics::{Diagnostic, DiagnosticKind, YamlPath};
use crate::yaml::nullable;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ConfigUpdater {
    /// Repository path or glob (`**/` for any depth, `*` within a segment, `{a,b}`) to its map.
    #[serde(default, deserialize_with = "nullable")]
    pub maps: BTreeMap<String, ConfigMapSpec>,
    /// Compress every file (maps may say otherwise).
    #[serde(default)]
    pub gzip: bool,
    /// Named sets of clusters and namespaces maps may refer to.
    #[serde(default, deserialize_with = "nullable")]
    pub cluster_groups: BTreeMap<String, ClusterGroup>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ConfigMapSpec {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// Keys spread over these ConfigMaps by the first byte of their SHA-256.
    #[serde(default, deserialize_with = "nullable")]
    pub partitioned_names: Vec<String>,
    /// The key; by default the file's name (or its path with `/` as `-`).
    #[serde(default, deserialize_with = "nullable")]
    pub key: String,
    #[serde(default)]
    pub gzip: Option<bool>,
    /// Cluster alias to namespaces; `""` is the ProwJob namespace.
    #[serde(default, deserialize_with = "nullable")]
    pub clusters: BTreeMap<String, Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub cluster_groups: Vec<String>,
    #[serde(default)]
    pub use_full_path_as_key: bool,
    /// Only merges to these orgs or `org/repo`s update the map (all when empty).
    #[serde(default, deserialize_with = "nullable")]
    pub allowed_repos: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub denied_repos: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ClusterGroup {
    #[serde(default, deserialize_with = "nullable")]
    pub clusters: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub namespaces: Vec<String>,
}

impl ConfigUpdater {
    /// Upstream's defaults: without maps, `config.yaml` and `plugins.yaml` under `config/prow/`.
    pub fn maps_or_default(&self) -> BTreeMap<String, ConfigMapSpec> {
        if !self.maps.is_empty() {
            return self.maps.clone();
        }
        [
            ("config/prow/config.yaml", "config"),
            ("config/prow/plugins.yaml", "plugins"),
        ]
        .into_iter()
        .map(|(path, name)| {
            (
                path.to_string(),
                ConfigMapSpec {
                    name: name.into(),
                    ..ConfigMapSpec::default()
                },
            )
        })
        .collect()
    }

    /// Where a map's keys go: its clusters and namespaces (from `cluster_groups` when it names
    /// them; `default` and the ProwJob namespace when it names nothing).
    pub fn targets(&self, spec: &ConfigMapSpec, prowjob_namespace: &str) -> Vec<(String, String)> {
        let mut clusters: Vec<(String, String)> = Vec::new();
        for (cluster, namespaces) in &spec.clusters {
            for namespace in namespaces {
                clusters.push((cluster.clone(), namespace.clone()));
            }
        }
        for group in spec
            .cluster_groups
            .iter()
            .filter_map(|g| self.cluster_groups.get(g))
        {
            for cluster in &group.clusters {
                for namespace in &group.namespaces {
                    clusters.push((cluster.clone(), namespace.clone()));
                }
            }
        }
        if spec.clusters.is_empty() && spec.cluster_groups.is_empty() {
            clusters.push(("default".into(), String::new()));
        }
        for (_, namespace) in &mut clusters {
            if namespace.is_empty() {
                *namespace = prowjob_namespace.to_string();
            }
        }
        clusters.sort();
        clusters.dedup();
        clusters
    }

    /// Whether a merge to `org/repo` may update the map (upstream `IsAllowed`).
    pub fn allows(spec: &ConfigMapSpec, org: &str, repo: &str) -> bool {
        let full = format!("{org}/{repo}");
        let names = |list: &[String]| list.iter().any(|e| *e == full || e == org);
        if names(&spec.denied_repos) {
            return false;
        }
        spec.allowed_repos.is_empty() || names(&spec.allowed_repos)
    }

    /// The pattern of the first map (in pattern order) a repository file feeds.
    pub fn map_for<'a>(
        maps: &'a BTreeMap<String, ConfigMapSpec>,
        file: &str,
    ) -> Option<(&'a String, &'a ConfigMapSpec)> {
        maps.iter().find(|(pattern, _)| glob_matches(pattern, file))
    }

    /// The key a file is stored under in `spec`'s map.
    pub fn key_for(spec: &ConfigMapSpec, file: &str) -> String {
        if !spec.key.is_empty() {
            spec.key.clone()
        } else if spec.use_full_path_as_key {
            file.replace('/', "-")
        } else {
            file.rsplit('/').next().unwrap_or(file).to_string()
        }
    }

    /// The ConfigMap name a key goes to (one of `partitioned_names` when set).
    pub fn name_for(spec: &ConfigMapSpec, key: &str) -> String {
        if spec.partitioned_names.is_empty() {
            return spec.name.clone();
        }
        use sha2::Digest;
        let first = sha2::Sha256::digest(key.as_bytes())[0];
        spec.partitioned_names[usize::from(first) % spec.partitioned_names.len()].clone()
    }

    /// Upstream's checks of the section, each at its key.
    pub(crate) fn check(&self, file: &Arc<str>) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        let root = YamlPath::root().key("config_updater");
        let mut at = |path: YamlPath, message: String| {
            found.push(Diagnostic::error(
                DiagnosticKind::Invalid,
                file.clone(),
                path,
                format!("config_updater: {message}"),
            ));
        };
        let mut written: BTreeMap<(String, String, String, String), &str> = BTreeMap::new();
        for (pattern, spec) in &self.maps {
            let path = root.clone().key("maps").key(pattern.as_str());
            if !spec.name.is_empty() && !spec.partitioned_names.is_empty() {
                at(
                    path.clone().key("partitioned_names"),
                    "'name' and 'partitioned_names' are mutually exclusive".into(),
                );
            }
            if spec.name.is_empty() && spec.partitioned_names.is_empty() {
                at(
                    path.clone(),
                    format!("maps.{pattern} names no ConfigMap (give name)"),
                );
            }
            if spec.partitioned_names.len() > 256 {
                at(
                    path.clone().key("partitioned_names"),
                    "at most 256 partitioned_names".into(),
                );
            }
            if !spec.clusters.is_empty() && !spec.cluster_groups.is_empty() {
                at(
                    path.clone().key("cluster_groups"),
                    format!("maps.{pattern} contains both clusters and cluster_groups"),
                );
            }
            for (i, group) in spec.cluster_groups.iter().enumerate() {
                if !self.cluster_groups.contains_key(group) {
                    at(
                        path.clone().key("cluster_groups").index(i),
                        format!(
                            "maps.{pattern}.cluster_groups.{i} references inexistent cluster group named {group}"
                        ),
                    );
                }
            }
            for (key, list) in [
                ("allowed_repos", &spec.allowed_repos),
                ("denied_repos", &spec.denied_repos),
            ] {
                for (i, entry) in list.iter().enumerate() {
                    let (org, rest) = entry.split_once('/').unwrap_or((entry, ""));
                    if org.is_empty() || rest.contains('/') {
                        at(
                            path.clone().key(key).index(i),
                            format!("{key} entry {entry:?} is not an org or org/repo"),
                        );
                    }
                }
            }
            let key = Self::key_for(spec, pattern.rsplit('/').next().unwrap_or(pattern));
            let name = if spec.partitioned_names.is_empty() {
                spec.name.clone()
            } else {
                spec.partitioned_names.join(",")
            };
            for (cluster, namespaces) in &spec.clusters {
                for namespace in namespaces {
                    let target = (
                        name.clone(),
                        namespace.clone(),
                        cluster.clone(),
                        key.clone(),
                    );
                    if let Some(first) = written.insert(target, pattern) {
                        at(
                            path.clone(),
                            format!(
                                "key {key} in configmap {name} updated with more than one file ({first} and {pattern})"
                            ),
                        );
                    }
                }
            }
        }
        found
    }
}

/// Whether `path` matches `pattern` as upstream's zglob matches: a pattern without `*` is a
/// plain path; `**/` is any number of directories, `*` any text within a segment, `{a,b}` either.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == path;
    }
    let mut regex = String::from("^");
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("**/") {
            regex.push_str("(.*/)?");
            rest = after;
            continue;
        }
        if let Some(after) = rest.strip_prefix("**") {
            regex.push_str(".*");
            rest = after;
            continue;
        }
        match c {
            '*' => regex.push_str("[^/]*"),
            '{' => regex.push('('),
            '}' => regex.push(')'),
            ',' if regex.contains('(') => regex.push('|'),
            c => regex.push_str(&regex::escape(&c.to_string())),
        }
        rest = &rest[c.len_utf8()..];
    }
    regex.push('$');
    regex::Regex::new(&regex).is_ok_and(|re| re.is_match(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn globs_match_as_upstreams_zglob() {
        let cases = [
            ("config/prow/config.yaml", "config/prow/config.yaml", true),
            ("config/prow/config.yaml", "config/prow/plugins.yaml", false),
            ("config/jobs/**/*.{yaml,yml}", "config/jobs/a.yaml", true),
            (
                "config/jobs/**/*.{yaml,yml}",
                "config/jobs/k8s/sig-x/b.yml",
                true,
            ),
            (
                "config/jobs/**/*.{yaml,yml}",
                "config/jobs/k8s/b.json",
                false,
            ),
            ("config/jobs/**/*.{yaml,yml}", "other/jobs/a.yaml", false),
            ("prow/*.yaml", "prow/sub/a.yaml", false),
            ("{a,b}.yaml", "a.yaml", false),
            ("file?.yaml", "file1.yaml", false),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(glob_matches(pattern, path), expected, "{pattern} ~ {path}");
        }
    }

    #[test]
    fn keys_names_and_access() {
        let spec = ConfigMapSpec {
            name: "job-config".into(),
            allowed_repos: vec!["kubernetes".into()],
            denied_repos: vec!["kubernetes/secret".into()],
            ..ConfigMapSpec::default()
        };
        assert_eq!(
            ConfigUpdater::key_for(&spec, "config/jobs/a/b.yaml"),
            "b.yaml"
        );
        let full = ConfigMapSpec {
            use_full_path_as_key: true,
            ..spec.clone()
        };
        assert_eq!(
            ConfigUpdater::key_for(&full, "config/jobs/a/b.yaml"),
            "config-jobs-a-b.yaml"
        );
        assert!(ConfigUpdater::allows(&spec, "kubernetes", "test-infra"));
        assert!(!ConfigUpdater::allows(&spec, "kubernetes", "secret"));
        assert!(!ConfigUpdater::allows(&spec, "other", "repo"));
        let partitioned = ConfigMapSpec {
            name: String::new(),
            partitioned_names: vec!["jobs-0".into(), "jobs-1".into()],
            ..ConfigMapSpec::default()
        };
        let names: BTreeSet<String> = ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]
            .iter()
            .map(|k| ConfigUpdater::name_for(&partitioned, k))
            .collect();
        assert_eq!(
            names.len(),
            2,
            "keys spread over both partitions: {names:?}"
        );
    }

    #[test]
    fn targets_default_to_the_prowjob_namespace_of_the_default_cluster() {
        let updater = ConfigUpdater {
            cluster_groups: [(
                "trusted".to_string(),
                ClusterGroup {
                    clusters: vec!["a".into(), "b".into()],
                    namespaces: vec!["ns".into()],
                },
            )]
            .into(),
            ..ConfigUpdater::default()
        };
        let bare = ConfigMapSpec::default();
        assert_eq!(
            updater.targets(&bare, "prow"),
            [("default".to_string(), "prow".to_string())]
        );
        let grouped = ConfigMapSpec {
            cluster_groups: vec!["trusted".into()],
            ..ConfigMapSpec::default()
        };
        assert_eq!(
            updater.targets(&grouped, "prow"),
            [
                ("a".to_string(), "ns".to_string()),
                ("b".to_string(), "ns".to_string())
            ]
        );
    }
}
