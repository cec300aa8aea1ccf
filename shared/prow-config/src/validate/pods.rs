//! What a job's pod spec may not hold: what decoration adds (containers, volumes, mounts, the
//! job environment), and what a pod spec must hold.

use k8s_openapi::api::core::v1::PodSpec;
use prow_api::ProwJobType;
use std::collections::HashSet;

const DECORATION_CONTAINERS: [&str; 4] = ["clonerefs", "initupload", "place-entrypoint", "sidecar"];
const DECORATION_VOLUMES: [&str; 5] =
    ["logs", "code", "tools", "gcs-credentials", "s3-credentials"];
const TEST_CONTAINER_MOUNTS: [&str; 3] = ["logs", "code", "tools"];
const TEST_CONTAINER_MOUNT_PATHS: [&str; 3] = ["/logs", "/home/prow/go", "/tools"];

/// Environment variables decoration sets for a job type (upstream `downwardapi.EnvForType`).
fn reserved_env(job_type: ProwJobType) -> Vec<&'static str> {
    let mut env = vec![
        "CI",
        "JOB_NAME",
        "JOB_SPEC",
        "JOB_TYPE",
        "PROW_JOB_ID",
        "BUILD_ID",
        "BUILD_NUMBER",
    ];
    let refs = [
        "REPO_OWNER",
        "REPO_NAME",
        "SRC_BASE",
        "SRC_HOST",
        "PULL_BASE_REF",
        "PULL_BASE_SHA",
        "PULL_REFS",
    ];
    let pull = [
        "PULL_NUMBER",
        "PULL_PULL_SHA",
        "PULL_HEAD_REF",
        "PULL_TITLE",
    ];
    match job_type {
        ProwJobType::Periodic => {}
        ProwJobType::Postsubmit | ProwJobType::Batch => env.extend(refs),
        ProwJobType::Presubmit => {
            env.extend(refs);
            env.extend(pull);
        }
    }
    env
}

/// Upstream `validatePodSpec`: the pod spec must leave room for decoration.
pub(super) fn check_pod_spec(
    job_type: ProwJobType,
    spec: &PodSpec,
    decorated: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let unsupported: Vec<&str> = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() != Some("Always"))
        .map(|c| c.name.as_str())
        .collect();
    if !unsupported.is_empty() {
        problems.push(format!("pod spec may not use init containers (sidecar containers are supported): {unsupported:?}"));
    }
    if spec.containers.is_empty() {
        problems.push("pod spec must specify at least 1 container, found: 0".to_string());
        return problems;
    }
    if spec.containers.len() > 1 && !decorated {
        problems.push(format!(
            "pod utility decoration must be enabled to use multiple containers: {}",
            spec.containers.len()
        ));
        return problems;
    }
    if spec.containers.len() > 1 {
        let mut names = HashSet::new();
        for container in &spec.containers {
            if container.name.is_empty() {
                problems.push("container does not have name. all containers must have names when defining multiple containers".to_string());
            }
            if !names.insert(container.name.as_str()) {
                problems.push(format!(
                    "container named {:?} is defined more than once",
                    container.name
                ));
            }
            if DECORATION_CONTAINERS.contains(&container.name.as_str()) {
                problems.push(format!(
                    "container name {} is reserved for decoration",
                    container.name
                ));
            }
        }
    }
    let reserved = reserved_env(job_type);
    for container in &spec.containers {
        let mut names = HashSet::new();
        for env in container.env.iter().flatten() {
            if !names.insert(env.name.as_str()) {
                problems.push(format!(
                    "env var named {:?} is defined more than once",
                    env.name
                ));
            }
            if reserved.contains(&env.name.as_str()) {
                problems.push(format!("env {} is reserved", env.name));
            }
        }
    }
    let mut volumes = HashSet::new();
    for volume in spec.volumes.iter().flatten() {
        if !volumes.insert(volume.name.as_str()) {
            problems.push(format!(
                "volume named {:?} is defined more than once",
                volume.name
            ));
        }
        if DECORATION_VOLUMES.contains(&volume.name.as_str()) {
            problems.push(format!("volume {} is reserved for decoration", volume.name));
        }
    }
    for container in &spec.containers {
        for mount in container.volume_mounts.iter().flatten() {
            if !volumes.contains(mount.name.as_str())
                && !DECORATION_VOLUMES.contains(&mount.name.as_str())
            {
                problems.push(format!("volumeMount named {:?} is undefined", mount.name));
            }
            if TEST_CONTAINER_MOUNTS.contains(&mount.name.as_str()) {
                problems.push(format!(
                    "volumeMount name {} is reserved for decoration",
                    mount.name
                ));
            }
            if TEST_CONTAINER_MOUNT_PATHS.contains(&mount.mount_path.as_str()) {
                problems.push(format!(
                    "mount {} at {} conflicts with decoration mount",
                    mount.name, mount.mount_path
                ));
            }
        }
    }
    problems
}
