//! The prepared configuration: jobs read back from it are the jobs the YAML gives, field by field;
//! it is used only while it matches the files, rewritten when it does not, and a damaged one
//! never loses a job.

use crate::corpus::{corpus, k8s_paths};
use prow_config::{
    ConfigPaths, JobConfig, LoadOptions, Loaded, PreparedUse, Unusable, load_prepared,
};
use serde_json::{Value, json};
use std::path::Path;

/// Every job as upstream's YAML keys with defaults written out, plus where it was defined.
fn jobs_as_json(jobs: &JobConfig) -> Value {
    fn entry<T: serde::Serialize>(job: &T, source: &prow_config::JobSource) -> Value {
        json!({"job": job, "file": &*source.file, "path": format!("{:?}", source.path)})
    }
    let presubmits: serde_json::Map<String, Value> = jobs
        .presubmits
        .iter()
        .map(|(repo, jobs)| {
            let jobs = jobs.iter().map(|j| entry(j, &j.base.source)).collect();
            (repo.clone(), Value::Array(jobs))
        })
        .collect();
    let postsubmits: serde_json::Map<String, Value> = jobs
        .postsubmits
        .iter()
        .map(|(repo, jobs)| {
            let jobs = jobs.iter().map(|j| entry(j, &j.base.source)).collect();
            (repo.clone(), Value::Array(jobs))
        })
        .collect();
    let periodics: Vec<Value> = jobs
        .periodics
        .iter()
        .map(|j| entry(j, &j.base.source))
        .collect();
    json!({
        "presubmits": presubmits,
        "postsubmits": postsubmits,
        "periodics": periodics,
        "decorate_all_jobs": jobs.decorate_all_jobs,
    })
}

fn load(paths: &ConfigPaths, prepared: &Path) -> (Loaded, PreparedUse) {
    load_prepared(paths, prepared, LoadOptions::default()).expect("loads")
}

#[test]
fn kubernetes_jobs_read_back_from_the_prepared_file_as_from_the_yaml() {
    let Some(corpus) = corpus() else { return };
    let paths = k8s_paths(&corpus);
    let dir = tempfile::tempdir().expect("tempdir");
    let prepared = dir.path().join("prepared");

    let (from_yaml, used) = load(&paths, &prepared);
    assert!(
        matches!(
            &used,
            PreparedUse::Written {
                reason: Unusable::Missing
            }
        ),
        "{used:?}"
    );
    let (from_prepared, used) = load(&paths, &prepared);
    assert_eq!(used, PreparedUse::Read);

    // Counts and repositories come from the index, before anything is decoded.
    let (yaml_jobs, prepared_jobs) = (&from_yaml.config.jobs, &from_prepared.config.jobs);
    assert_eq!(prepared_jobs.counts(), yaml_jobs.counts());
    assert!(format!("{prepared_jobs:?}").contains("stored jobs"));
    assert_eq!(
        prepared_jobs.presubmits.keys().collect::<Vec<_>>(),
        yaml_jobs.presubmits.keys().collect::<Vec<_>>()
    );
    // One repository decodes on its own.
    let k8s = prepared_jobs.presubmits_for("kubernetes/kubernetes");
    assert_eq!(
        k8s.len(),
        yaml_jobs.presubmits_for("kubernetes/kubernetes").len()
    );
    // Their regexes (triggers, branches, changed files) behave as the YAML's.
    let yaml_k8s = yaml_jobs.presubmits_for("kubernetes/kubernetes");
    for (read, loaded) in k8s.iter().zip(yaml_k8s) {
        assert_eq!(read.name(), loaded.name());
        for branch in ["master", "release-1.34", "feature-x"] {
            assert_eq!(
                read.brancher.should_run(branch),
                loaded.brancher.should_run(branch)
            );
        }
        let comment = format!("/test {}", loaded.name());
        assert!(read.trigger_matches(&comment), "{comment}");
        assert_eq!(
            read.trigger_matches("/test all"),
            loaded.trigger_matches("/test all")
        );
        for changes in [&["docs/README.md"][..], &["pkg/kubelet/kubelet.go"]] {
            assert_eq!(
                read.changes.runs_against_changes(changes),
                loaded.changes.runs_against_changes(changes)
            );
        }
    }

    // Then every job, field by field, with its file and place in it.
    assert_eq!(jobs_as_json(prepared_jobs), jobs_as_json(yaml_jobs));
    // config.yaml and plugins.yaml are read from their YAML either way.
    assert_eq!(
        from_prepared.config.prow.prowjob_namespace,
        from_yaml.config.prow.prowjob_namespace
    );
    assert_eq!(
        from_prepared.config.plugins.plugins.len(),
        from_yaml.config.plugins.plugins.len()
    );
}

/// A small configuration in a temporary folder.
struct Small {
    dir: tempfile::TempDir,
    paths: ConfigPaths,
    prepared: std::path::PathBuf,
}

fn small() -> Small {
    let dir = tempfile::tempdir().expect("tempdir");
    let jobs = dir.path().join("jobs");
    std::fs::create_dir(&jobs).expect("mkdir");
    std::fs::write(dir.path().join("config.yaml"), "pod_namespace: test-pods\n").expect("write");
    std::fs::write(
        jobs.join("repo.yaml"),
        "presubmits:\n  org/repo:\n  - name: unit\n    run_if_changed: '^src/'\n    spec: {containers: [{image: alpine}]}\n\
         periodics:\n- name: nightly\n  interval: 24h\n  spec: {containers: [{image: alpine}]}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("plugins.yaml"), "plugins: {org: [size]}\n").expect("write");
    let paths = ConfigPaths {
        config_path: dir.path().join("config.yaml"),
        job_config_path: Some(jobs),
        plugin_config: Some(dir.path().join("plugins.yaml")),
    };
    let prepared = dir.path().join("state/prepared");
    std::fs::create_dir(dir.path().join("state")).expect("mkdir");
    Small {
        dir,
        paths,
        prepared,
    }
}

#[test]
fn a_changed_job_file_makes_it_stale_and_it_is_rewritten() {
    let small = small();
    let (_, used) = load(&small.paths, &small.prepared);
    assert!(matches!(used, PreparedUse::Written { .. }), "{used:?}");
    assert_eq!(load(&small.paths, &small.prepared).1, PreparedUse::Read);

    // plugins.yaml is not part of the jobs: changing it keeps the prepared file valid.
    std::fs::write(
        small.dir.path().join("plugins.yaml"),
        "plugins: {org: [size, lgtm]}\n",
    )
    .expect("write");
    let (loaded, used) = load(&small.paths, &small.prepared);
    assert_eq!(used, PreparedUse::Read);
    assert_eq!(loaded.config.plugins.plugins["org"].plugins.len(), 2);

    let jobs = small.dir.path().join("jobs/repo.yaml");
    let text = std::fs::read_to_string(&jobs).expect("read");
    std::fs::write(&jobs, text.replace("name: unit", "name: lint")).expect("write");
    let (loaded, used) = load(&small.paths, &small.prepared);
    assert!(
        matches!(
            &used,
            PreparedUse::Written {
                reason: Unusable::Changed
            }
        ),
        "{used:?}"
    );
    assert_eq!(
        loaded.config.jobs.presubmits_for("org/repo")[0].name(),
        "lint"
    );
    let (loaded, used) = load(&small.paths, &small.prepared);
    assert_eq!(used, PreparedUse::Read);
    assert_eq!(
        loaded.config.jobs.presubmits_for("org/repo")[0].name(),
        "lint"
    );

    // A new job file counts too.
    std::fs::write(
        small.dir.path().join("jobs/more.yaml"),
        "postsubmits:\n  org/repo:\n  - name: deploy\n    spec: {containers: [{image: alpine}]}\n",
    )
    .expect("write");
    let (loaded, used) = load(&small.paths, &small.prepared);
    assert!(matches!(used, PreparedUse::Written { .. }), "{used:?}");
    assert_eq!(loaded.config.jobs.counts().postsubmits, 1);
}

#[test]
fn a_damaged_group_is_read_from_the_yaml_instead() {
    let small = small();
    let (from_yaml, _) = load(&small.paths, &small.prepared);
    // Flip one byte inside the stored jobs (after the two header lines).
    let mut bytes = std::fs::read(&small.prepared).expect("read");
    let body = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .map(|(i, _)| i + 1)
        .expect("two header lines");
    let at = body
        + bytes[body..]
            .windows(4)
            .position(|w| w == b"unit")
            .expect("a job named unit is stored");
    bytes[at] = b'X';
    std::fs::write(&small.prepared, &bytes).expect("write");

    let (loaded, used) = load(&small.paths, &small.prepared);
    assert_eq!(used, PreparedUse::Read, "the index itself is intact");
    let unit = &loaded.config.jobs.presubmits_for("org/repo")[0];
    assert_eq!(
        unit.name(),
        "unit",
        "taken from the YAML, not the damaged bytes"
    );
    assert!(unit.changes.runs_against_changes(&["src/main.rs"]));
    assert_eq!(
        jobs_as_json(&loaded.config.jobs),
        jobs_as_json(&from_yaml.config.jobs)
    );
}

#[test]
fn another_version_or_an_unreadable_index_is_replaced() {
    let small = small();
    load(&small.paths, &small.prepared);
    let text = std::fs::read(&small.prepared).expect("read");
    let newline = text.iter().position(|b| *b == b'\n').expect("first line");
    let mut older = b"prow-prepared-config 0 0.0.1".to_vec();
    older.extend_from_slice(&text[newline..]);
    std::fs::write(&small.prepared, older).expect("write");
    let (_, used) = load(&small.paths, &small.prepared);
    assert!(
        matches!(
            &used,
            PreparedUse::Written {
                reason: Unusable::OtherVersion { .. }
            }
        ),
        "{used:?}"
    );

    let mut broken = text[..=newline].to_vec();
    broken.extend_from_slice(b"{not json\n");
    std::fs::write(&small.prepared, broken).expect("write");
    let (loaded, used) = load(&small.paths, &small.prepared);
    assert!(
        matches!(
            &used,
            PreparedUse::Written {
                reason: Unusable::UnreadableIndex { .. }
            }
        ),
        "{used:?}"
    );
    assert_eq!(loaded.config.jobs.counts().presubmits, 1);
    assert_eq!(load(&small.paths, &small.prepared).1, PreparedUse::Read);
}

#[test]
fn an_unwritable_place_still_loads_the_yaml_and_says_why() {
    let small = small();
    let prepared = small.dir.path().join("no-such-folder/prepared");
    let (loaded, used) = load(&small.paths, &prepared);
    match &used {
        PreparedUse::NotWritten { error, .. } => assert!(error.contains("No such file"), "{error}"),
        other => panic!("expected NotWritten, got {other:?}"),
    }
    assert!(used.to_string().contains("could not write"), "{used}");
    assert_eq!(loaded.config.jobs.counts().periodics, 1);
    // Nothing is left behind in the folder the file was to go to.
    assert!(!small.dir.path().join("no-such-folder").exists());
}

#[test]
fn invalid_yaml_is_refused_even_with_a_prepared_file() {
    let small = small();
    load(&small.paths, &small.prepared);
    std::fs::write(
        small.dir.path().join("jobs/repo.yaml"),
        "presubmits: [broken\n",
    )
    .expect("write");
    let error = load_prepared(&small.paths, &small.prepared, LoadOptions::default())
        .expect_err("the YAML is the source of truth");
    assert!(error.to_string().contains("repo.yaml"), "{error}");
    std::fs::write(small.dir.path().join("config.yaml"), "pod_namespace: [\n").expect("write");
    let error = load_prepared(&small.paths, &small.prepared, LoadOptions::default())
        .expect_err("config.yaml is checked too");
    assert!(error.to_string().contains("config.yaml"), "{error}");
}
