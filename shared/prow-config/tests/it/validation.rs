//! Each validation rule, as a table of small configs and the exact line `checkconfig` prints:
//! file, line, column, job and reason.

use prow_config::{LoadOptions, Source, Sources, load_sources};

const POD: &str =
    "    spec:\n      containers:\n      - image: alpine\n        command: ['true']\n";
const PERIODIC_POD: &str =
    "  spec:\n    containers:\n    - image: alpine\n      command: ['true']\n";

fn sources(jobs: &str) -> Sources {
    Sources {
        config: Source::new("config.yaml", "plank:\n  job_queue_capacities: {gpu: 1}\n"),
        job_files: vec![Source::new("jobs.yaml", jobs)],
        plugins: None,
    }
}

/// Every diagnostic of a load, rendered as checkconfig prints it.
fn rendered(jobs: &str, strict: bool) -> Vec<String> {
    match load_sources(&sources(jobs), LoadOptions { strict }) {
        Ok(loaded) => loaded.warnings.iter().map(ToString::to_string).collect(),
        Err(error) => error.diagnostics.iter().map(ToString::to_string).collect(),
    }
}

fn presubmit(name: &str, extra: &str) -> String {
    format!("  - name: {name}\n{extra}{POD}")
}

#[test]
fn each_rule_reports_file_line_column_and_job() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "same name twice on the same branch",
            format!(
                "presubmits:\n  o/r:\n{}{}",
                presubmit("unit", "    branches: [main]\n"),
                presubmit("unit", "    branches: [main, dev]\n")
            ),
            vec![
                "jobs.yaml:9:5: error: job \"unit\": duplicated presubmit job on o/r: it could run on the same branch as the job defined in jobs.yaml",
            ],
        ),
        (
            "same name on disjoint release branches is fine",
            format!(
                "presubmits:\n  o/r:\n{}{}",
                presubmit("unit", "    branches: [release-1.30]\n"),
                presubmit("unit", "    branches: [release-1.31]\n")
            ),
            vec![],
        ),
        (
            "invalid trigger regex",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    trigger: '(?m)^/test (unit'\n    rerun_command: /test unit\n")),
            vec!["jobs.yaml:4:5: error: job \"unit\": could not compile trigger regex: unclosed group"],
        ),
        (
            "rerun command the trigger does not match",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    trigger: '/test unit'\n    rerun_command: /retest unit\n")),
            vec!["jobs.yaml:5:5: error: job \"unit\": rerun command \"/retest unit\" does not match trigger \"/test unit\""],
        ),
        (
            "trigger without rerun command",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    trigger: '/test unit'\n")),
            vec!["jobs.yaml:4:5: error: job \"unit\": either both of trigger and rerun_command must be set, or neither"],
        ),
        (
            "invalid run_if_changed regex",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    run_if_changed: '^docs/[a-'\n")),
            vec!["jobs.yaml:4:5: error: job \"unit\": could not compile run_if_changed regex \"^docs/[a-\": unclosed character class"],
        ),
        (
            "invalid branches regex",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    branches: ['release-(']\n")),
            vec!["jobs.yaml:4:5: error: job \"unit\": could not compile branches regex \"release-(\": unclosed group"],
        ),
        (
            "run_if_changed with skip_if_only_changed",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    run_if_changed: a\n    skip_if_only_changed: b\n")),
            vec!["jobs.yaml:5:5: error: job \"unit\": job declares run_if_changed and skip_if_only_changed, which are mutually exclusive"],
        ),
        (
            "always_run with run_if_changed",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    always_run: true\n    run_if_changed: a\n")),
            vec!["jobs.yaml:5:5: error: job \"unit\": job is set to always run but also declares run_if_changed targets, which are mutually exclusive"],
        ),
        (
            "two jobs reporting to one context",
            format!(
                "presubmits:\n  o/r:\n{}{}",
                presubmit("unit", "    context: ci/unit\n"),
                presubmit("unit2", "    context: ci/unit\n")
            ),
            vec!["jobs.yaml:10:5: error: job \"unit2\": jobs unit and unit2 report to the same GitHub context \"ci/unit\""],
        ),
        (
            "kubernetes job without a spec",
            "presubmits:\n  o/r:\n  - name: unit\n    always_run: true\n".to_string(),
            vec!["jobs.yaml:3:5: error: job \"unit\": kubernetes jobs require a spec"],
        ),
        (
            "reserved environment variable",
            "presubmits:\n  o/r:\n  - name: unit\n    spec:\n      containers:\n      - image: a\n        env:\n        - {name: PULL_NUMBER, value: '1'}\n".to_string(),
            vec!["jobs.yaml:4:5: error: job \"unit\": env PULL_NUMBER is reserved"],
        ),
        (
            "decorated container without a command",
            "presubmits:\n  o/r:\n  - name: unit\n    decorate: true\n    decoration_config:\n      utility_images: {clonerefs: a, initupload: b, entrypoint: c, sidecar: d}\n      gcs_configuration: {bucket: s3://logs, path_strategy: explicit}\n    spec:\n      containers:\n      - image: a\n".to_string(),
            vec!["jobs.yaml:8:5: error: job \"unit\": decorated job containers must specify command and/or args"],
        ),
        (
            "unknown job queue",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    job_queue_name: tpu\n")),
            vec!["jobs.yaml:4:5: error: job \"unit\": invalid job queue name tpu: not in plank.job_queue_capacities"],
        ),
        (
            "invalid cron",
            format!("periodics:\n- name: nightly\n  cron: '61 * * * *'\n{}", PERIODIC_POD),
            vec!["jobs.yaml:3:3: error: job \"nightly\": invalid cron string \"61 * * * *\": Component error: Number out of bounds."],
        ),
        (
            "invalid interval",
            format!("periodics:\n- name: hourly\n  interval: 1hour\n{}", PERIODIC_POD),
            vec!["jobs.yaml:3:3: error: job \"hourly\": cannot parse duration: invalid duration \"1hour\": unknown unit"],
        ),
        (
            "cron and interval together",
            format!("periodics:\n- name: both\n  cron: '@daily'\n  interval: 1h\n{}", PERIODIC_POD),
            vec!["jobs.yaml:4:3: error: job \"both\": cron, interval, and minimum_interval are mutually exclusive"],
        ),
        (
            "no schedule",
            format!("periodics:\n- name: never\n{}", PERIODIC_POD),
            vec!["jobs.yaml:2:3: error: job \"never\": at least one of cron, interval, or minimum_interval must be set"],
        ),
        (
            "periodic name used twice",
            format!(
                "periodics:\n- name: p\n  interval: 1h\n{pod}- name: p\n  interval: 2h\n{pod}",
                pod = PERIODIC_POD
            ),
            vec!["jobs.yaml:8:3: error: job \"p\": duplicated periodic job \"p\" (first defined in jobs.yaml)"],
        ),
        (
            "negative max_concurrency",
            format!("postsubmits:\n  o/r:\n{}", presubmit("push", "    max_concurrency: -1\n")),
            vec!["jobs.yaml:4:5: error: job \"push\": max_concurrency: -1 must be a non-negative number"],
        ),
        (
            "wrong type",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    always_run: sometimes\n")),
            vec![r#"jobs.yaml:4:17: error: job "unit": always_run: found the text "sometimes", expected true or false"#],
        ),
        (
            "unknown field is a warning",
            format!("presubmits:\n  o/r:\n{}", presubmit("unit", "    alwyas_run: true\n")),
            vec!["jobs.yaml:4:5: warning: job \"unit\": unknown field \"alwyas_run\" at presubmits.o/r[0].alwyas_run"],
        ),
    ];
    let mut failures = Vec::new();
    for (name, jobs, expected) in cases {
        let actual = rendered(&jobs, false);
        if actual != expected {
            failures.push(format!("case: {name}\n  expected: {expected:?}\n  actual:   {actual:?}\n--- jobs.yaml ---\n{jobs}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unknown_fields_are_errors_under_strict() {
    let jobs = format!(
        "presubmits:\n  o/r:\n{}",
        presubmit("unit", "    alwyas_run: true\n")
    );
    assert!(load_sources(&sources(&jobs), LoadOptions { strict: false }).is_ok());
    let error = load_sources(&sources(&jobs), LoadOptions { strict: true }).unwrap_err();
    assert_eq!(
        error
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "jobs.yaml:4:5: error: job \"unit\": unknown field \"alwyas_run\" at presubmits.o/r[0].alwyas_run"
        ]
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let jobs = format!(
        "presubmits:\n  o/r:\n{}{}periodics:\n- name: p\n{}",
        presubmit("a", "    run_if_changed: '('\n"),
        presubmit("b", "    branches: ['[']\n"),
        PERIODIC_POD
    );
    let error = load_sources(&sources(&jobs), LoadOptions::default()).unwrap_err();
    assert_eq!(error.errors().count(), 3, "{error}");
}

#[test]
fn a_broken_file_does_not_hide_problems_in_others() {
    let mut both = sources(&format!(
        "presubmits:\n  o/r:\n{}",
        presubmit("unit", "    branches: ['(']\n")
    ));
    both.job_files
        .push(Source::new("broken.yaml", "presubmits: [\n"));
    let error = load_sources(&both, LoadOptions::default()).unwrap_err();
    let files: Vec<&str> = error.diagnostics.iter().map(|d| d.file.as_ref()).collect();
    assert_eq!(files, ["jobs.yaml", "broken.yaml"]);
}

#[test]
fn checkconfig_output_for_a_broken_config() {
    let jobs = format!(
        "presubmits:\n  org/repo:\n{}{}periodics:\n- name: nightly\n  cron: '0 25 * * *'\n  labels: {{preset-x: 'true'}}\n  spec:\n    containers:\n    - image: a\n      args: [run]\n      volumeMounts:\n      - {{name: cache, mountPath: /cache}}\n",
        presubmit(
            "unit",
            "    branches: [main]\n    skip_if_only_changed: '\\.md$'\n    always_run: true\n"
        ),
        presubmit("unit", "    context: unit\n")
    );
    let text = rendered(&jobs, false).join("\n");
    insta::assert_snapshot!(text);
}

#[test]
fn a_broken_plank_template_is_reported_at_its_line() {
    let sources = Sources {
        config: Source::new(
            "config.yaml",
            "plank:\n  job_url_template: 'https://x/{{.Spec.Job}}/{{if .Spec.Refs}}'\n",
        ),
        job_files: vec![],
        plugins: None,
    };
    let error = load_sources(&sources, LoadOptions { strict: false }).unwrap_err();
    let lines: Vec<String> = error.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        vec![
            "config.yaml:2:3: error: invalid template: template: column 25: unexpected EOF: {{if}} has no {{end}}"
        ]
    );
}

#[test]
fn plugin_sections_are_typed_and_checked_as_upstream_checks_them() {
    let plugins = "\
lgtm:
- repos: [acme]
  review_acts_as_lgtm: true
  sticky: yes
size:
  s: 50
  m: 30
blunderbuss:
  request_count: 0
welcome:
- repos: [acme/widgets]
- repos: [acme/widgets]
require_matching_label:
- org: acme
  repo: acme/widgets
  regexp: ^kind/
  missing_label: needs-kind
  prs: true
";
    let sources = Sources {
        config: Source::new("config.yaml", ""),
        job_files: vec![],
        plugins: Some(Source::new("plugins.yaml", plugins)),
    };
    let error = load_sources(&sources, LoadOptions { strict: true }).unwrap_err();
    let lines: Vec<String> = error.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        vec![
            "plugins.yaml:4:3: error: unknown field \"sticky\" at lgtm[0].sticky",
            "plugins.yaml:5:1: error: invalid size plugin configuration - one of the smaller sizes is bigger than a larger one",
            "plugins.yaml:9:3: error: invalid request_count: 0 (needs to be positive)",
            "plugins.yaml:12:11: error: The repo \"acme/widgets\" is duplicated in the 'welcome' plugin configuration.",
            "plugins.yaml:14:3: error: 'repo' may not contain '/'; specify the organization with 'org'",
        ],
        "{lines:#?}"
    );
}

#[test]
fn enabled_plugin_names_are_checked_as_upstream_checks_them() {
    let plugins = "\
plugins:
  acme:
    plugins: [lgtm, lgmt, dog]
  acme/widgets:
    plugins: [hold, lgtm]
  acme/gadgets: [shrug]
  other:
    plugins: [dog]
";
    let sources = Sources {
        config: Source::new("config.yaml", ""),
        job_files: vec![],
        plugins: Some(Source::new("plugins.yaml", plugins)),
    };
    let error = load_sources(&sources, LoadOptions { strict: true }).unwrap_err();
    let lines: Vec<String> = error.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        vec![
            "plugins.yaml:3:21: error: unknown plugin: lgmt",
            "plugins.yaml:3:27: warning: plugin \"dog\" is upstream's but not built into this Prow: it does nothing here (enabled for acme, other)",
            "plugins.yaml:4:3: error: plugins [\"lgtm\"] are duplicated for widgets and acme",
            "plugins.yaml:6:18: warning: plugin \"shrug\" is upstream's but not built into this Prow: it does nothing here (enabled for acme/gadgets)",
        ],
        "{lines:#?}"
    );
}
