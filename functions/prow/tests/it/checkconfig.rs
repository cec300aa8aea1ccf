//! `prow checkconfig` as scripts call it: exit code, the counts line, and problems on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn checkconfig(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prow"))
        .arg("checkconfig")
        .args(args)
        .output()
        .expect("prow runs")
}

/// Runs checkconfig on a whole configuration and checks it succeeds; returns its last stdout line.
fn check_ok(config: &Path, jobs: &Path, plugins: &Path, extra: &[&str]) -> (String, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "--config-path".as_ref(),
        config.as_os_str(),
        "--job-config-path".as_ref(),
        jobs.as_os_str(),
        "--plugin-config".as_ref(),
        plugins.as_os_str(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let output = checkconfig(&args);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{stderr}");
    (last_stdout_line(&output), stderr)
}

fn last_stdout_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_shipped_example_configuration_is_valid_under_strict() {
    let config = repo_root().join("knative/config");
    let (counts, stderr) = check_ok(
        &config.join("config.yaml"),
        &config.join("jobs"),
        &config.join("plugins.yaml"),
        &["--strict"],
    );
    assert_eq!(counts, "presubmits: 2, postsubmits: 1, periodics: 3");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn kubernetes_configuration_counts() {
    let Some(config) = crate::kubernetes_config() else {
        return;
    };
    let (counts, _) = check_ok(
        &config.join("prow/config.yaml"),
        &config.join("jobs"),
        &config.join("prow/plugins.yaml"),
        &[],
    );
    assert_eq!(
        counts,
        "presubmits: 2261, postsubmits: 253, periodics: 1335"
    );
}

#[test]
fn problems_are_listed_with_their_location_and_the_exit_code_is_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("config.yaml"), "pod_namespace: pods\n").expect("write");
    let jobs = dir.path().join("jobs");
    std::fs::create_dir(&jobs).expect("mkdir");
    std::fs::write(
        jobs.join("a.yaml"),
        "periodics:\n- name: nightly\n  cron: '0 3 * *'\n  spec: {containers: [{image: a}]}\n",
    )
    .expect("write");
    std::fs::write(
        jobs.join("b.yaml"),
        "presubmits:\n  o/r:\n  - name: unit\n    run_if_changed: '(docs'\n    spec: {containers: [{image: a}]}\n",
    )
    .expect("write");
    let output = checkconfig(&[
        "--config-path".as_ref(),
        dir.path().join("config.yaml").as_os_str(),
        "--job-config-path".as_ref(),
        jobs.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no counts line on failure");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let a = jobs.join("a.yaml");
    let b = jobs.join("b.yaml");
    let expected = format!(
        "{}:3:3: error: job \"nightly\": invalid cron string \"0 3 * *\": expected 5 or 6 fields, found 4\n\
         {}:4:5: error: job \"unit\": could not compile run_if_changed regex \"(docs\": unclosed group\n\
         checkconfig: 2 error(s) found\n",
        a.display(),
        b.display()
    );
    assert_eq!(stderr, expected);
}

#[test]
fn a_missing_file_is_named() {
    let output = checkconfig(&[
        "--config-path".as_ref(),
        "/nonexistent/config.yaml".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "/nonexistent/config.yaml: error: cannot read file: No such file or directory"
        ),
        "{stderr}"
    );
}
