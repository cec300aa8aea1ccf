//! Defaults and presets, applied as upstream applies them at load.

use prow_config::{Config, LoadOptions, Source, Sources, load_sources};

fn load(config: &str, jobs: &str) -> Config {
    let sources = Sources {
        config: Source::new("config.yaml", config),
        job_files: vec![Source::new("jobs.yaml", jobs)],
        plugins: None,
    };
    let loaded = load_sources(&sources, LoadOptions { strict: true });
    if let Err(error) = &loaded {
        eprintln!("{error}");
    }
    loaded
        .expect("the configuration loads (problems above)")
        .config
}

const DECORATION_DEFAULTS: &str = "
pod_namespace: test-pods
plank:
  default_decoration_config_entries:
  - config:
      timeout: 2h
      grace_period: 15m
      utility_images: {clonerefs: c:1, initupload: i:1, entrypoint: e:1, sidecar: s:1}
      gcs_configuration: {bucket: s3://logs, path_strategy: explicit}
      gcs_credentials_secret: service-account
  - repo: kubernetes
    config:
      timeout: 3h
  - cluster: arm
    config:
      gcs_credentials_secret: ''
";

#[test]
fn job_fields_default_as_upstream() {
    let config = load(
        "pod_namespace: test-pods\n",
        "presubmits:\n  o/r:\n  - name: unit\n    spec: {containers: [{image: a}]}\npostsubmits:\n  o/r:\n  - name: push\n    spec: {containers: [{image: a}]}\n",
    );
    let unit = &config.jobs.presubmits_for("o/r")[0];
    assert_eq!(unit.reporter.context, "unit");
    assert_eq!(unit.trigger, r"(?m)^/test( | .* )unit,?($|\s.*)");
    assert_eq!(unit.rerun_command, "/test unit");
    assert!(unit.trigger_matches("/test unit"));
    assert_eq!(unit.base.agent, "kubernetes");
    assert_eq!(unit.base.cluster, "default");
    assert_eq!(unit.base.namespace.as_deref(), Some("test-pods"));
    assert_eq!(unit.base.utility.decorate, Some(false));
    assert!(unit.base.utility.decoration_config.is_none());
    assert_eq!(
        unit.base
            .prowjob_defaults
            .as_ref()
            .map(|d| d.tenant_id.as_str()),
        Some("GlobalDefaultID")
    );
    assert_eq!(
        config.jobs.postsubmits_for("o/r")[0].reporter.context,
        "push"
    );
    assert_eq!(config.prow.prowjob_namespace, "default");
    assert_eq!(
        config.prow.sinker.max_prowjob_age.map(|d| d.to_string()),
        Some("168h0m0s".into())
    );
    assert_eq!(
        config.prow.sinker.terminated_pod_ttl,
        config.prow.sinker.max_pod_age
    );
}

#[test]
fn decoration_defaults_merge_in_order_and_the_job_wins() {
    let jobs = "
decorate_all_jobs: true
presubmits:
  kubernetes/kubernetes:
  - name: k8s
    spec: {containers: [{image: a, command: [make]}]}
  other/repo:
  - name: on-arm
    cluster: arm
    decoration_config: {grace_period: 1m}
    spec: {containers: [{image: a, command: [make]}]}
  - name: undecorated
    decorate: false
    spec: {containers: [{image: a}]}
";
    // decorate_all_jobs only counts in config.yaml, as upstream.
    let config = load(
        &format!("{DECORATION_DEFAULTS}decorate_all_jobs: true\n"),
        jobs.replace("decorate_all_jobs: true\n", "").as_str(),
    );
    let k8s = config.jobs.presubmits_for("kubernetes/kubernetes")[0]
        .base
        .utility
        .decoration_config
        .clone()
        .expect("decorated");
    assert_eq!(
        k8s.timeout.map(|d| d.to_string()),
        Some("3h0m0s".into()),
        "org entry overrides *"
    );
    assert_eq!(
        k8s.grace_period.map(|d| d.to_string()),
        Some("15m0s".into())
    );
    assert_eq!(
        k8s.utility_images.as_ref().map(|u| u.sidecar.as_str()),
        Some("s:1")
    );
    assert_eq!(
        k8s.gcs_credentials_secret.as_deref(),
        Some("service-account")
    );

    let other = &config.jobs.presubmits_for("other/repo");
    let arm = other[0]
        .base
        .utility
        .decoration_config
        .clone()
        .expect("decorated");
    assert_eq!(arm.timeout.map(|d| d.to_string()), Some("2h0m0s".into()));
    assert_eq!(
        arm.grace_period.map(|d| d.to_string()),
        Some("1m0s".into()),
        "job's own wins"
    );
    assert_eq!(
        arm.gcs_credentials_secret.as_deref(),
        Some(""),
        "cluster entry sets an empty secret"
    );
    assert_eq!(other[1].base.utility.decorate, Some(false));
    assert!(other[1].base.utility.decoration_config.is_none());
}

#[test]
fn presets_add_env_and_volumes_to_jobs_whose_labels_match() {
    let jobs = "
presets:
- labels: {preset-service-account: 'true'}
  env: [{name: GOOGLE_APPLICATION_CREDENTIALS, value: /etc/sa/key.json}]
  volumes: [{name: sa, secret: {secretName: sa}}]
  volumeMounts: [{name: sa, mountPath: /etc/sa}]
- env: [{name: EVERYWHERE, value: '1'}]
periodics:
- name: with-preset
  interval: 1h
  labels: {preset-service-account: 'true'}
  decorate: true
  decoration_config:
    utility_images: {clonerefs: c, initupload: i, entrypoint: e, sidecar: s}
    gcs_configuration: {bucket: s3://logs, path_strategy: explicit}
  spec: {containers: [{name: a, image: a, command: [a]}, {image: b, name: b, command: [b]}], volumes: []}
- name: without
  interval: 1h
  spec: {containers: [{image: a}]}
";
    let config = load("decorate_all_jobs: false\n", jobs);
    let with = config.jobs.periodics[0].base.spec.as_ref().expect("spec");
    for container in &with.containers {
        let names: Vec<&str> = container
            .env
            .iter()
            .flatten()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(names, ["GOOGLE_APPLICATION_CREDENTIALS", "EVERYWHERE"]);
        assert_eq!(container.volume_mounts.iter().flatten().count(), 1);
    }
    assert_eq!(
        with.volumes
            .iter()
            .flatten()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>(),
        ["sa"]
    );
    let without = config.jobs.periodics[1].base.spec.as_ref().expect("spec");
    let names: Vec<&str> = without.containers[0]
        .env
        .iter()
        .flatten()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["EVERYWHERE"]);
}

#[test]
fn a_preset_that_collides_with_the_job_is_an_error() {
    let sources = Sources {
        config: Source::new("config.yaml", ""),
        job_files: vec![Source::new(
            "jobs.yaml",
            "presets:\n- env: [{name: X, value: '1'}]\nperiodics:\n- name: p\n  interval: 1h\n  spec: {containers: [{image: a, env: [{name: X, value: '2'}]}]}\n",
        )],
        plugins: None,
    };
    let error = load_sources(&sources, LoadOptions::default()).unwrap_err();
    assert_eq!(
        error.diagnostics[0].to_string(),
        "jobs.yaml:4:3: error: job \"p\": failed to merge presets for podspec: env var duplicated in pod spec: X"
    );
}

#[test]
fn anchors_and_merge_keys_in_job_files() {
    let jobs = "
.base: &base
  decorate: false
  always_run: true
  labels: {team: infra}
  spec: {containers: [{image: golang, command: [make]}]}
presubmits:
  o/r:
  - <<: *base
    name: unit
  - <<: *base
    name: lint
    always_run: false
    run_if_changed: '\\.go$'
";
    // `.base` is not a job-config key: a warning, as upstream's strict check would say.
    let sources = Sources {
        config: Source::new("config.yaml", ""),
        job_files: vec![Source::new("jobs.yaml", jobs)],
        plugins: None,
    };
    let loaded = load_sources(&sources, LoadOptions::default()).expect("loads");
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!(
        loaded.warnings[0].to_string(),
        "jobs.yaml:2:1: warning: unknown field \".base\" at .base"
    );
    let jobs = loaded.config.jobs.presubmits_for("o/r");
    assert!(jobs[0].always_run);
    assert_eq!(jobs[0].base.labels["team"], "infra");
    assert!(!jobs[1].always_run, "explicit key overrides the merged one");
    assert_eq!(jobs[1].changes.run_if_changed, r"\.go$");
    assert_eq!(jobs[1].base.spec, jobs[0].base.spec);
}

#[test]
fn decoration_map_form_orders_star_then_org_then_repo() {
    let config = "
plank:
  default_decoration_configs:
    o/r: {timeout: 3h}
    '*': {timeout: 1h, grace_period: 10s, utility_images: {clonerefs: c, initupload: i, entrypoint: e, sidecar: s}, gcs_configuration: {bucket: b, path_strategy: explicit}}
    o: {timeout: 2h}
";
    let jobs = "presubmits:\n  o/r:\n  - {name: a, decorate: true, spec: {containers: [{image: x, command: [run]}]}}\n  o/s:\n  - {name: b, decorate: true, spec: {containers: [{image: x, command: [run]}]}}\n";
    let config = load(config, jobs);
    let timeout = |repo: &str| {
        config.jobs.presubmits_for(repo)[0]
            .base
            .utility
            .decoration_config
            .as_ref()
            .and_then(|d| d.timeout)
            .map(|d| d.to_string())
    };
    assert_eq!(timeout("o/r"), Some("3h0m0s".into()));
    assert_eq!(timeout("o/s"), Some("2h0m0s".into()));
}
