use super::*;
use crate::{LoadOptions, Sources, load_sources};

const CENTRAL: &str =
    "in_repo_config:\n  enabled: {\"*\": true}\n  allowed_clusters:\n    org/repo: [trusted]\n";
const CENTRAL_JOBS: &str = "presets:\n- labels: {preset-go: \"true\"}\n  env: [{name: GOPROXY, value: https://proxy.golang.org}]\npresubmits:\n  org/repo:\n  - name: central-unit\n    always_run: true\n    spec: {containers: [{image: alpine}]}\n";

fn central() -> Config {
    let sources = Sources {
        config: Source::new("config.yaml", CENTRAL),
        job_files: vec![Source::new("jobs.yaml", CENTRAL_JOBS)],
        plugins: None,
    };
    load_sources(&sources, LoadOptions { strict: true })
        .expect("the central configuration loads")
        .config
}

fn load(text: &str) -> Result<InRepoJobs, Vec<String>> {
    load_in_repo(&central(), "org/repo", &[Source::new(PROW_YAML, text)])
        .map_err(|problems| problems.iter().map(ToString::to_string).collect())
}

#[test]
fn enabling_follows_the_most_specific_key() {
    let config: InRepoConfig = crate::yaml::parse(
        "enabled: {\"*\": true, org: false, org/special: true}\nallowed_clusters: {org: [build]}\n",
    )
    .expect("parses")
    .0;
    assert!(config.enabled_for("other", "repo"));
    assert!(!config.enabled_for("org", "repo"));
    assert!(config.enabled_for("org", "special"));
    assert!(
        !InRepoConfig::default().enabled_for("org", "repo"),
        "off by default"
    );
    assert!(config.allows_cluster("build", "org", "repo"));
    assert!(
        config.allows_cluster("default", "org", "repo"),
        "`*` is [default] unless set"
    );
    assert!(!config.allows_cluster("build", "other", "repo"));
}

#[test]
fn the_prow_folder_wins_over_the_file() {
    let tree = [
        ".prow.yaml",
        "README.md",
        ".prow/b.yml",
        ".prow/a/x.yaml",
        ".prow/notes.txt",
    ];
    assert_eq!(in_repo_files(tree), [".prow/a/x.yaml", ".prow/b.yml"]);
    assert_eq!(in_repo_files([".prow.yaml", "src/main.rs"]), [".prow.yaml"]);
    assert!(in_repo_files(["src/main.rs"]).is_empty());
    assert!(is_in_repo_config_path(".prow/jobs.yaml"));
    assert!(is_in_repo_config_path(".prow.yaml"));
    assert!(!is_in_repo_config_path("prow.yaml"));
}

#[test]
fn in_repo_jobs_are_defaulted_as_central_ones() {
    let jobs = load(
        "presets:\n- labels: {preset-cache: \"true\"}\n  env: [{name: CACHE, value: on}]\npresubmits:\n- name: in-repo-unit\n  always_run: true\n  labels: {preset-go: \"true\", preset-cache: \"true\"}\n  unknown_key: accepted\n  spec: {containers: [{image: golang}]}\npostsubmits:\n- name: in-repo-build\n  cluster: trusted\n  spec: {containers: [{image: golang}]}\n",
    )
    .expect("valid");
    let [presubmit] = jobs.presubmits.as_slice() else {
        panic!("one presubmit: {jobs:?}");
    };
    assert_eq!(presubmit.reporter.context, "in-repo-unit");
    assert_eq!(presubmit.base.cluster, "default");
    assert!(presubmit.trigger_matches("/test in-repo-unit"));
    let env: Vec<String> = presubmit.base.spec.as_ref().unwrap().containers[0]
        .env
        .iter()
        .flatten()
        .map(|e| e.name.clone())
        .collect();
    assert!(
        env.contains(&"GOPROXY".to_string()),
        "central preset: {env:?}"
    );
    assert!(
        env.contains(&"CACHE".to_string()),
        "the file's own preset: {env:?}"
    );
    assert_eq!(jobs.postsubmits[0].base.cluster, "trusted");
}

#[test]
fn what_fails_an_in_repo_configuration_is_located() {
    let cases = [
        (
            "a name a central job has",
            "presubmits:\n- name: central-unit\n  spec: {containers: [{image: alpine}]}\n",
            ".prow.yaml:2:3: error: job \"central-unit\": duplicated presubmit job on org/repo",
        ),
        (
            "a cluster not allowed",
            "presubmits:\n- name: privileged\n  cluster: admin\n  spec: {containers: [{image: alpine}]}\n",
            ".prow.yaml:2:3: error: job \"privileged\": cluster \"admin\" is not allowed",
        ),
        ("not YAML", "presubmits:\n- name: [broken\n", ".prow.yaml:"),
        (
            "a bad value",
            "presubmits:\n- name: lint\n  max_concurrency: lots\n  spec: {containers: [{image: alpine}]}\n",
            ".prow.yaml:3:20: error: job \"lint\": max_concurrency",
        ),
    ];
    for (name, text, expected) in cases {
        let problems = load(text).expect_err(name);
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{name}: {problems:#?} lacks {expected:?}"
        );
    }
}
