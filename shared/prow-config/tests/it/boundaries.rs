//! The domain crates stay free of I/O stacks: no async runtime, HTTP, or cloud client may enter
//! their dependency graph, so they stay quick to build and easy to test.

use std::collections::{HashMap, HashSet};
use std::process::Command;

const FORBIDDEN: [&str; 10] = [
    "tokio",
    "hyper",
    "axum",
    "reqwest",
    "octocrab",
    "kube",
    "kube-client",
    "aws-sdk-s3",
    "google-cloud-pubsub",
    "lambda_http",
];

fn normal_dependencies_of(package: &str) -> HashSet<String> {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    let nodes: HashMap<&str, &serde_json::Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let root = names
        .iter()
        .find(|(_, name)| **name == package)
        .map(|(id, _)| *id)
        .expect("package is in the workspace");
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        for dep in nodes[id]["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null());
            let dep_id = dep["pkg"].as_str().unwrap_or_default();
            if normal && seen.insert(names[dep_id].to_string()) {
                stack.push(dep_id);
            }
        }
    }
    seen
}

#[test]
fn domain_crates_pull_in_no_io_stack() {
    for package in [
        "prow-ports",
        "prow-api",
        "prow-config",
        "prow-github",
        "prow-plank",
        "prow-template",
        "prow-trigger",
        "prow-horologium",
        "prow-sinker",
        "prow-crier",
        "prow-tide",
    ] {
        let dependencies = normal_dependencies_of(package);
        let found: Vec<&str> = FORBIDDEN
            .iter()
            .copied()
            .filter(|f| dependencies.contains(*f))
            .collect();
        assert!(found.is_empty(), "{package} depends on {found:?}");
        assert!(
            dependencies.contains("serde"),
            "the walk found {package}'s dependencies"
        );
    }
}
