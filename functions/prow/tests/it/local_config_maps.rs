//! config-updater in `prow local`: the ConfigMaps of Prow's configuration are the files local
//! mode reads, so a merged change lands in them (and the watcher reloads it); other ConfigMaps
//! are folders under the state directory.

use prow::local::config_maps::LocalConfigMaps;
use prow_ports::config_maps::{ConfigMapTarget, ConfigMapUpdate, ConfigMaps};

fn target(name: &str) -> ConfigMapTarget {
    ConfigMapTarget {
        cluster: "default".into(),
        namespace: "prow".into(),
        name: name.into(),
    }
}

#[tokio::test]
async fn prow_configuration_maps_are_the_files_local_mode_reads() {
    let dir = tempfile::tempdir().unwrap();
    let jobs = dir.path().join("jobs");
    std::fs::create_dir(&jobs).unwrap();
    std::fs::write(dir.path().join("config.yaml"), "prowjob_namespace: prow\n").unwrap();
    std::fs::write(jobs.join("old.yaml"), "presubmits: {}\n").unwrap();
    let local = LocalConfigMaps {
        paths: prow_config::ConfigPaths {
            config_path: dir.path().join("config.yaml"),
            job_config_path: Some(jobs.clone()),
            plugin_config: None,
        },
        state_dir: dir.path().join("state"),
    };
    let update = ConfigMapUpdate {
        set: [("new.yaml".to_string(), b"periodics: []\n".to_vec())].into(),
        remove: vec!["old.yaml".into()],
        version: "abc".into(),
    };
    local.update(&target("job-config"), &update).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(jobs.join("new.yaml")).unwrap(),
        "periodics: []\n"
    );
    assert!(!jobs.join("old.yaml").exists(), "a removed key's file goes");
    assert!(
        !jobs.join("VERSION").exists(),
        "no stray file among the jobs"
    );
    let config = ConfigMapUpdate {
        set: [(
            "config.yaml".to_string(),
            b"prowjob_namespace: jobs\n".to_vec(),
        )]
        .into(),
        ..ConfigMapUpdate::default()
    };
    local.update(&target("config"), &config).await.unwrap();
    let running = local.running_config().await.unwrap();
    assert_eq!(running.config.1, "prowjob_namespace: jobs\n");
    assert_eq!(running.job_files.len(), 1);
    let labels = ConfigMapUpdate {
        set: [("labels.yaml".to_string(), b"default: {}\n".to_vec())].into(),
        version: "abc".into(),
        ..ConfigMapUpdate::default()
    };
    local
        .update(&target("label-config"), &labels)
        .await
        .unwrap();
    let folder = dir
        .path()
        .join("state/configmaps/default/prow/label-config");
    assert_eq!(
        std::fs::read_to_string(folder.join("labels.yaml")).unwrap(),
        "default: {}\n"
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("VERSION")).unwrap(),
        "abc"
    );
}
