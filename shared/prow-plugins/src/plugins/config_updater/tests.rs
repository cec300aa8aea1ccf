use super::*;
use crate::testing::{PR, load_config, plan_with, pull_request_event_with};
use crate::{Fact, Known};

const MERGE: &str = "mergesha000000000000000000000000000000000";

const PLUGINS: &str = "plugins:\n  kubernetes/test-infra: [config-updater]\nconfig_updater:\n  maps:\n    config/prow/config.yaml:\n      name: config\n    config/jobs/**/*.yaml:\n      name: job-config\n      gzip: true\n    label_sync/labels.yaml:\n      name: label-config\n      clusters:\n        build: [test-pods]\n";

fn config() -> Config {
    load_config("prowjob_namespace: prow\n", "", PLUGINS)
}

fn merged() -> crate::Delivery {
    pull_request_event_with(&PR, "closed", "alice", "bob", |payload| {
        payload["pull_request"]["merged"] = true.into();
        payload["pull_request"]["merge_commit_sha"] = MERGE.into();
        payload["pull_request"]["state"] = "closed".into();
    })
}

fn change(filename: &str, status: &str, previous: &str) -> PullRequestChange {
    PullRequestChange {
        filename: filename.into(),
        status: status.into(),
        previous_filename: previous.into(),
        ..PullRequestChange::default()
    }
}

fn running() -> RunningConfig {
    RunningConfig {
        config: (
            "/etc/config/config.yaml".into(),
            "prowjob_namespace: prow\n".into(),
        ),
        plugins: Some(("/etc/plugins/plugins.yaml".into(), PLUGINS.into())),
        job_files: vec![(
            "/etc/job-config/old.yaml".into(),
            "presubmits:\n  org/repo:\n  - name: old\n    spec: {containers: [{image: alpine}]}\n"
                .into(),
        )],
    }
}

fn facts(changes: Vec<PullRequestChange>, files: &[(&str, &str)]) -> Facts {
    let mut facts = Facts::new()
        .with(Fact::ChangedFiles(PR.clone()), Known::Changes(changes))
        .with(
            Fact::RunningConfig,
            Known::RunningConfig(Box::new(running())),
        );
    for (path, text) in files {
        facts.insert(
            Fact::file(&PR.repo, MERGE, path),
            Known::File(Some((*text).into())),
        );
    }
    facts
}

fn gunzip(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("gzip");
    text
}

const GOOD_JOB: &str =
    "presubmits:\n  org/repo:\n  - name: unit\n    spec: {containers: [{image: alpine}]}\n";

#[test]
fn only_a_merge_into_the_default_branch_updates() {
    let config = config();
    let opened = pull_request_event_with(&PR, "opened", "alice", "alice", |_| {});
    let unmerged = pull_request_event_with(&PR, "closed", "alice", "bob", |_| {});
    let other_branch = pull_request_event_with(&PR, "closed", "alice", "bob", |payload| {
        payload["pull_request"]["merged"] = true.into();
        payload["pull_request"]["merge_commit_sha"] = MERGE.into();
        payload["pull_request"]["base"]["ref"] = "release-1.0".into();
    });
    for delivery in [opened, unmerged, other_branch] {
        let actions = plan_with(&ConfigUpdaterPlugin, &delivery, &Facts::new(), &config)
            .expect("nothing to read");
        assert!(actions.is_empty(), "{actions:?}");
    }
    let unrelated = facts(vec![change("README.md", "modified", "")], &[]);
    let actions = plan_with(&ConfigUpdaterPlugin, &merged(), &unrelated, &config).expect("decided");
    assert!(actions.is_empty(), "no file the maps name: {actions:?}");
}

#[test]
fn a_merged_job_file_updates_its_key_and_says_so() {
    let facts = facts(
        vec![change("config/jobs/org/new.yaml", "added", "")],
        &[("config/jobs/org/new.yaml", GOOD_JOB)],
    );
    let actions = plan_with(&ConfigUpdaterPlugin, &merged(), &facts, &config()).expect("decided");
    let [
        Action::UpdateConfigMap { target, update },
        Action::Comment { body, .. },
    ] = actions.as_slice()
    else {
        panic!("an update and a comment: {actions:?}");
    };
    assert_eq!(
        *target,
        ConfigMapTarget {
            cluster: "default".into(),
            namespace: "prow".into(),
            name: "job-config".into()
        }
    );
    assert_eq!(update.version, MERGE);
    assert!(update.remove.is_empty());
    assert_eq!(update.set.len(), 1);
    assert_eq!(
        gunzip(&update.set["new.yaml"]),
        GOOD_JOB,
        "gzip: true compresses"
    );
    insta::assert_snapshot!(body);
}

#[test]
fn removed_and_renamed_files_delete_their_keys() {
    let facts = facts(
        vec![
            change("config/jobs/org/old.yaml", "removed", ""),
            change(
                "config/jobs/org/renamed.yaml",
                "renamed",
                "config/jobs/org/before.yaml",
            ),
            change("label_sync/labels.yaml", "modified", ""),
        ],
        &[
            ("config/jobs/org/renamed.yaml", GOOD_JOB),
            ("label_sync/labels.yaml", "default: {labels: []}\n"),
        ],
    );
    let actions = plan_with(&ConfigUpdaterPlugin, &merged(), &facts, &config()).expect("decided");
    let updates: Vec<(String, Vec<String>, Vec<String>)> = actions
        .iter()
        .filter_map(|a| match a {
            Action::UpdateConfigMap { target, update } => Some((
                target.to_string(),
                update.set.keys().cloned().collect(),
                update.remove.clone(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        updates,
        [
            (
                "test-pods/label-config in cluster build".to_string(),
                vec!["labels.yaml".to_string()],
                vec![]
            ),
            (
                "prow/job-config in cluster default".to_string(),
                vec!["renamed.yaml".to_string()],
                vec!["old.yaml".to_string(), "before.yaml".to_string()]
            ),
        ]
    );
    let Some(Action::Comment { body, .. }) = actions.last() else {
        panic!("a comment last: {actions:?}");
    };
    insta::assert_snapshot!(body);
}

#[test]
fn a_change_that_breaks_the_configuration_writes_nothing_and_says_where() {
    let broken = "presubmits:\n  org/repo:\n  - name: unit\n    spec: {containers: [{image: alpine}]}\n    max_concurrency: lots\n";
    let facts = facts(
        vec![change("config/jobs/org/new.yaml", "added", "")],
        &[("config/jobs/org/new.yaml", broken)],
    );
    let actions = plan_with(&ConfigUpdaterPlugin, &merged(), &facts, &config()).expect("decided");
    let [Action::Comment { body, .. }] = actions.as_slice() else {
        panic!("only a comment: {actions:?}");
    };
    assert!(body.contains("`config/jobs/org/new.yaml:5:"), "{body}");
    insta::assert_snapshot!(body);
    let duplicate = facts_with_duplicate();
    let actions =
        plan_with(&ConfigUpdaterPlugin, &merged(), &duplicate, &config()).expect("decided");
    assert!(
        matches!(actions.as_slice(), [Action::Comment { body, .. }] if body.contains("old")),
        "a job clashing with a running one is refused: {actions:?}"
    );
}

fn facts_with_duplicate() -> Facts {
    let clash =
        "presubmits:\n  org/repo:\n  - name: old\n    spec: {containers: [{image: alpine}]}\n";
    facts(
        vec![change("config/jobs/org/clash.yaml", "added", "")],
        &[("config/jobs/org/clash.yaml", clash)],
    )
}
