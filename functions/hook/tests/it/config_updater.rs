//! config-updater end to end: a pull request merged through the GitHub stand-in reaches hook's
//! plugin, which writes the ConfigMap on a real kube-apiserver (the Kubernetes test environment)
//! through the same adapter hook uses when deployed. A good job change updates exactly its key;
//! a broken one changes nothing and the comment names the file and line.

use crate::support::Bench;
use github_standin::{NewPullRequest, World};
use k8s_openapi::api::core::v1::ConfigMap;
use prow_test_harness::KubeTestEnv;
use prow_test_harness::kube::create_namespace;
use std::sync::Arc;

const REPO: &str = "acme/config";
const UNIT: &str = "presubmits:\n  acme/app:\n  - name: unit\n    always_run: true\n    spec: {containers: [{image: alpine}]}\n";
const LINT: &str =
    "presubmits:\n  acme/app:\n  - name: lint\n    spec: {containers: [{image: alpine}]}\n";
const PLUGINS: &str = "plugins:\n  acme/config: [config-updater]\nconfig_updater:\n  maps:\n    config/jobs/**/*.yaml:\n      name: job-config\n";

async fn merge(bench: &Bench, number: u64) -> String {
    let url = format!("{}/repos/{REPO}/pulls/{number}/merge", bench.standin.url());
    let answer: serde_json::Value = reqwest::Client::new()
        .put(url)
        .header("authorization", "token ghp_bench")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["merged"], true, "{answer}");
    answer["sha"].as_str().unwrap().to_string()
}

fn open(bench: &Bench, head: &str, unit: &str) -> u64 {
    bench
        .world()
        .open_pull_request_with(&NewPullRequest {
            repo: REPO.into(),
            author: "alice".into(),
            head: head.into(),
            base: None,
            title: "Change the unit job".into(),
            body: String::new(),
            files: vec![("config/jobs/unit.yaml".into(), unit.into())],
            draft: false,
            labels: Vec::new(),
        })
        .unwrap()
        .0
}

/// The last comment on pull request `number`.
fn last_comment(bench: &Bench, number: u64) -> String {
    let world = bench.world();
    let comments = &world.issue(REPO, number).unwrap().comments;
    comments.last().unwrap().body.clone()
}

#[tokio::test]
async fn a_merged_job_change_updates_its_key_and_a_broken_one_nothing() {
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let client = env.client().await.unwrap();
    let namespace = create_namespace(&client, "config-updater").await.unwrap();
    let config_maps: kube::Api<ConfigMap> = kube::Api::namespaced(client.clone(), &namespace);
    let seeded: ConfigMap = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "job-config", "namespace": namespace},
        "data": {"unit.yaml": UNIT, "lint.yaml": LINT},
    }))
    .unwrap();
    config_maps
        .create(&Default::default(), &seeded)
        .await
        .unwrap();

    // The configuration hook runs on, as the mounted ConfigMaps would give it.
    let dir = tempfile::tempdir().unwrap();
    let config_yaml = format!("prowjob_namespace: {namespace}\n");
    std::fs::write(dir.path().join("config.yaml"), &config_yaml).unwrap();
    std::fs::write(dir.path().join("plugins.yaml"), PLUGINS).unwrap();
    std::fs::create_dir(dir.path().join("jobs")).unwrap();
    std::fs::write(dir.path().join("jobs/unit.yaml"), UNIT).unwrap();
    std::fs::write(dir.path().join("jobs/lint.yaml"), LINT).unwrap();
    let writer = prow_kube::config_maps::ConfigMapWriter::new(
        [("default".to_string(), client.clone())].into(),
    );
    let deployed = prow_runtime::config_maps::DeployedConfigMaps {
        writer,
        paths: prow_config::ConfigPaths {
            config_path: dir.path().join("config.yaml"),
            job_config_path: Some(dir.path().join("jobs")),
            plugin_config: Some(dir.path().join("plugins.yaml")),
        },
    };

    let mut world = World::new(crate::support::BOT);
    world.add_org("acme", &["alice"]).add_repo(REPO);
    world.push(
        REPO,
        "main",
        "Jobs",
        &[
            ("config/jobs/unit.yaml", UNIT),
            ("config/jobs/lint.yaml", LINT),
        ],
    );
    world.outbox.clear();
    let bench = Bench::start_full(world, &config_yaml, PLUGINS, Some(Arc::new(deployed))).await;

    let changed = UNIT.replace("always_run: true", "always_run: false");
    let good = open(&bench, "faster-unit", &changed);
    bench.settle().await;
    let sha = merge(&bench, good).await;
    bench.settle().await;
    let after = config_maps.get("job-config").await.unwrap();
    let data = after.data.clone().unwrap();
    assert_eq!(data["unit.yaml"], changed, "the changed file's key");
    assert_eq!(data["lint.yaml"], LINT, "the other key as it was");
    assert_eq!(data["VERSION"], sha);
    assert_eq!(data.len(), 3, "{data:?}");
    let said = last_comment(&bench, good);
    assert!(
        said.contains(&format!(
            "Updated the `job-config` configmap in namespace `{namespace}` at cluster `default`"
        )),
        "{said}"
    );

    let broken = format!("{changed}    max_concurrency: lots\n");
    let bad = open(&bench, "broken-unit", &broken);
    bench.settle().await;
    merge(&bench, bad).await;
    bench.settle().await;
    let unchanged = config_maps.get("job-config").await.unwrap();
    assert_eq!(
        unchanged.metadata.resource_version, after.metadata.resource_version,
        "a configuration that does not load is not written"
    );
    let said = last_comment(&bench, bad);
    assert!(said.contains("`config/jobs/unit.yaml:6:"), "{said}");
    assert!(said.contains("no ConfigMap was updated"), "{said}");
}
