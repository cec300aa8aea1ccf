//! Kubernetes' real `branch-protection:` and `config_updater:` sections (from the team corpus)
//! load and plan: every branch of every repository with presubmits resolves without error, and a
//! merged change to one of Kubernetes' job files becomes exactly its `job-config` key, or, broken,
//! a comment naming the file and line.

use prow_orgadmin::branchprotector;
use prow_plugins::testing::{PR, plan_with, pull_request_event_with};
use prow_plugins::{Action, Fact, Facts, Known};
use prow_ports::config_maps::RunningConfig;
use prow_ports::github::PullRequestChange;
use prow_ports::github_admin::{BranchInfo, RepoSettings};
use std::collections::BTreeMap;

fn load(config: &std::path::Path) -> prow_config::Config {
    let paths = prow_config::ConfigPaths {
        config_path: config.join("prow/config.yaml"),
        job_config_path: Some(config.join("jobs")),
        plugin_config: Some(config.join("prow/plugins.yaml")),
    };
    prow_config::load(&paths, prow_config::LoadOptions::default())
        .unwrap()
        .config
}

#[test]
fn kubernetes_branch_protection_plans_every_tested_branch() {
    let Some(dir) = crate::kubernetes_config() else {
        return;
    };
    let config = load(&dir);
    let protection = &config.prow.branch_protection;
    // GitHub as the jobs describe it: each repository with presubmits, branches main and master.
    let mut listed: BTreeMap<String, Vec<RepoSettings>> = BTreeMap::new();
    for full in config.jobs.presubmits.keys() {
        if let Some((org, repo)) = full.split_once('/') {
            listed
                .entry(org.to_string())
                .or_default()
                .push(RepoSettings {
                    name: repo.to_string(),
                    ..RepoSettings::default()
                });
        }
    }
    let branches = [
        BranchInfo {
            name: "master".into(),
            protected: false,
        },
        BranchInfo {
            name: "main".into(),
            protected: true,
        },
    ];
    let (mut protect, mut unprotect, mut errors) = (0, 0, Vec::new());
    let repos = branchprotector::repos_to_visit(&config, &listed);
    assert!(
        repos.len() > 100,
        "Kubernetes' orgs protect every repository: {}",
        repos.len()
    );
    for repo in &repos {
        if branchprotector::repo_unmanaged(protection, repo) {
            continue;
        }
        let presubmits = config.jobs.presubmits_for(&repo.to_string());
        for branch in branchprotector::branches_to_visit(protection, repo, &branches).unwrap() {
            let wanted = protection
                .resolve(&repo.org, &repo.name, &branch.name, presubmits)
                .map_err(|e| e.to_string())
                .and_then(|policy| {
                    branchprotector::desired(policy.as_ref(), repo, &branch, Default::default())
                        .map_err(|e| e.to_string())
                });
            match wanted {
                Ok(Some(Some(_))) => protect += 1,
                Ok(Some(None)) => unprotect += 1,
                Ok(None) => {}
                Err(error) => errors.push(error),
            }
        }
    }
    assert_eq!(errors, Vec::<String>::new());
    assert!(protect > 100, "{protect} branches protected");
    eprintln!(
        "kubernetes: {} repositories, {protect} branches to protect, {unprotect} to unprotect",
        repos.len()
    );
    let kubernetes = protection
        .resolve(
            "kubernetes",
            "kubernetes",
            "master",
            config.jobs.presubmits_for("kubernetes/kubernetes"),
        )
        .unwrap()
        .expect("kubernetes/kubernetes is protected");
    let contexts = kubernetes.required_status_checks.unwrap().contexts;
    assert!(contexts.contains(&"EasyCLA".to_string()), "{contexts:?}");
    assert!(
        contexts.len() > 3,
        "its required presubmits join EasyCLA: {contexts:?}"
    );
}

fn running(dir: &std::path::Path) -> RunningConfig {
    let paths = prow_config::ConfigPaths {
        config_path: dir.join("prow/config.yaml"),
        job_config_path: Some(dir.join("jobs")),
        plugin_config: Some(dir.join("prow/plugins.yaml")),
    };
    let sources = prow_config::read_sources(&paths).unwrap();
    let pair = |s: &prow_config::Source| (s.name.to_string(), s.text.clone());
    RunningConfig {
        config: pair(&sources.config),
        plugins: sources.plugins.as_ref().map(pair),
        job_files: sources.job_files.iter().map(pair).collect(),
    }
}

#[test]
fn kubernetes_config_updater_writes_one_job_key_or_refuses_a_broken_file() {
    let Some(dir) = crate::kubernetes_config() else {
        return;
    };
    let config = load(&dir);
    let path = "config/jobs/kubernetes/sig-testing/coverage.yaml";
    let text =
        std::fs::read_to_string(dir.join("jobs/kubernetes/sig-testing/coverage.yaml")).unwrap();
    let merge = "mergesha000000000000000000000000000000000";
    let merged = pull_request_event_with(&PR, "closed", "alice", "bob", |payload| {
        payload["pull_request"]["merged"] = true.into();
        payload["pull_request"]["merge_commit_sha"] = merge.into();
    });
    let facts = |content: &str| {
        Facts::new()
            .with(
                Fact::ChangedFiles(PR.clone()),
                Known::Changes(vec![PullRequestChange {
                    filename: path.into(),
                    status: "modified".into(),
                    ..PullRequestChange::default()
                }]),
            )
            .with(
                Fact::RunningConfig,
                Known::RunningConfig(Box::new(running(&dir))),
            )
            .with(
                Fact::File {
                    repo: PR.repo.clone(),
                    git_ref: merge.into(),
                    path: path.into(),
                },
                Known::File(Some(content.into())),
            )
    };
    let plugin = prow_plugins::plugins::config_updater::ConfigUpdaterPlugin;
    let actions = plan_with(&plugin, &merged, &facts(&text), &config).unwrap();
    let updates: Vec<String> = actions
        .iter()
        .filter_map(|a| match a {
            Action::UpdateConfigMap { target, update } => Some(format!(
                "{target}: {:?} removed {:?}",
                update.set.keys().collect::<Vec<_>>(),
                update.remove
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        updates,
        ["default/job-config in cluster test-infra-trusted: [\"coverage.yaml\"] removed []"]
    );
    let broken = text.replacen("name:", "name: [", 1);
    let actions = plan_with(&plugin, &merged, &facts(&broken), &config).unwrap();
    let [Action::Comment { body, .. }] = actions.as_slice() else {
        panic!("only a comment: {actions:?}");
    };
    assert!(body.contains(&format!("`{path}:")), "{body}");
}
