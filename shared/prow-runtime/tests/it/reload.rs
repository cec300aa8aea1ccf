//! Configuration reload: edits are picked up, broken edits keep the last good configuration, and
//! a ConfigMap-style symlink swap counts as an edit.

use prow_config::ConfigPaths;
use prow_ports::clock::SystemClock;
use prow_runtime::{ConfigWatcher, Metrics, ReloadOutcome};
use std::path::Path;
use std::sync::Arc;

const CONFIG: &str = "pod_namespace: test-pods\n";

fn presubmits(names: &[&str]) -> String {
    let mut text = String::from("presubmits:\n  org/repo:\n");
    for name in names {
        text.push_str(&format!(
            "  - name: {name}\n    spec: {{containers: [{{image: alpine}}]}}\n"
        ));
    }
    text
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

/// File times have a resolution; a rewrite within it could look unchanged, so tests also change
/// the size or wait a little.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(20));
}

#[test]
fn edits_reload_and_broken_edits_keep_the_last_good_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jobs = dir.path().join("jobs");
    std::fs::create_dir(&jobs).expect("mkdir");
    write(&dir.path().join("config.yaml"), CONFIG);
    write(&jobs.join("repo.yaml"), &presubmits(&["unit"]));
    let paths = ConfigPaths {
        config_path: dir.path().join("config.yaml"),
        job_config_path: Some(jobs.clone()),
        plugin_config: None,
    };
    let metrics = Arc::new(Metrics::new("test"));
    let mut watcher =
        ConfigWatcher::load(paths, metrics.clone(), SystemClock::shared()).expect("loads");
    let handle = watcher.handle();
    assert_eq!(handle.current().jobs.counts().presubmits, 1);
    assert_eq!(watcher.check(), ReloadOutcome::Unchanged);

    settle();
    write(&jobs.join("repo.yaml"), &presubmits(&["unit", "e2e"]));
    assert_eq!(watcher.check(), ReloadOutcome::Reloaded);
    assert_eq!(handle.current().jobs.counts().presubmits, 2);

    settle();
    write(
        &jobs.join("repo.yaml"),
        "presubmits:\n  org/repo:\n  - name: [broken\n",
    );
    assert_eq!(watcher.check(), ReloadOutcome::Rejected { errors: 1 });
    assert_eq!(
        handle.current().jobs.counts().presubmits,
        2,
        "the last good config stays"
    );
    assert_eq!(
        watcher.check(),
        ReloadOutcome::Unchanged,
        "a rejected edit is not retried until it changes"
    );

    settle();
    write(
        &jobs.join("new.yaml"),
        &presubmits(&["lint"]).replace("org/repo", "org/other"),
    );
    write(&jobs.join("repo.yaml"), &presubmits(&["unit"]));
    assert_eq!(watcher.check(), ReloadOutcome::Reloaded);
    assert_eq!(handle.current().jobs.counts().presubmits, 2);

    let text = metrics.encode();
    assert!(
        text.contains("prow_config_reloads_total{result=\"success\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("prow_config_reloads_total{result=\"failure\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("prow_configured_jobs{job_type=\"presubmit\"} 2"),
        "{text}"
    );
}

#[test]
fn a_configmap_symlink_swap_is_a_change() {
    // A ConfigMap volume: files are symlinks into `..data`, itself a symlink to a timestamped
    // directory that Kubernetes replaces atomically.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let first = root.join("..2026_11_27_1");
    std::fs::create_dir(&first).expect("mkdir");
    write(&first.join("config.yaml"), CONFIG);
    write(&first.join("jobs.yaml"), &presubmits(&["unit"]));
    std::os::unix::fs::symlink("..2026_11_27_1", root.join("..data")).expect("link");
    std::os::unix::fs::symlink("..data/config.yaml", root.join("config.yaml")).expect("link");
    std::os::unix::fs::symlink("..data/jobs.yaml", root.join("jobs.yaml")).expect("link");
    let paths = ConfigPaths {
        config_path: root.join("config.yaml"),
        job_config_path: Some(root.join("jobs.yaml")),
        plugin_config: None,
    };
    let mut watcher =
        ConfigWatcher::load(paths, Arc::new(Metrics::new("test")), SystemClock::shared())
            .expect("loads");
    assert_eq!(watcher.handle().current().jobs.counts().presubmits, 1);

    let second = root.join("..2026_11_27_2");
    std::fs::create_dir(&second).expect("mkdir");
    write(&second.join("config.yaml"), CONFIG);
    write(
        &second.join("jobs.yaml"),
        &presubmits(&["unit", "e2e", "lint"]),
    );
    std::os::unix::fs::symlink("..2026_11_27_2", root.join("..data_tmp")).expect("link");
    std::fs::rename(root.join("..data_tmp"), root.join("..data")).expect("swap");
    std::fs::remove_dir_all(&first).expect("cleanup");

    assert_eq!(watcher.check(), ReloadOutcome::Reloaded);
    assert_eq!(watcher.handle().current().jobs.counts().presubmits, 3);
}
