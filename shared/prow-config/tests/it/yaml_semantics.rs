//! YAML read as upstream Prow reads it (gopkg.in/yaml.v2 through sigs.k8s.io/yaml), one rule per
//! row: what a job file says, and what the loaded job or the diagnostic is.

use prow_config::{Config, LoadOptions, Periodic, Source, Sources, load_sources};

fn sources(jobs: &str) -> Sources {
    Sources {
        config: Source::new("config.yaml", ""),
        job_files: vec![Source::new("jobs.yaml", jobs)],
        plugins: None,
    }
}

/// The configuration and its diagnostics as checkconfig prints them, or the printed errors.
fn load(jobs: &str, strict: bool) -> Result<(Config, Vec<String>), Vec<String>> {
    match load_sources(&sources(jobs), LoadOptions { strict }) {
        Ok(loaded) => Ok((
            loaded.config,
            loaded.warnings.iter().map(ToString::to_string).collect(),
        )),
        Err(error) => Err(error.diagnostics.iter().map(ToString::to_string).collect()),
    }
}

const POD: &str = "  spec:\n    containers:\n    - image: alpine\n";

/// A periodic job with `body` after its name and interval, and a pod spec at the end if `body`
/// has none.
fn periodic(body: &str) -> String {
    let spec = if body.contains("spec:") { "" } else { POD };
    format!("periodics:\n- name: p\n  interval: 1h\n{body}{spec}")
}

fn only_periodic(config: &Config) -> &Periodic {
    assert_eq!(config.jobs.periodics.len(), 1);
    &config.jobs.periodics[0]
}

fn command(config: &Config) -> Vec<String> {
    let spec = only_periodic(config)
        .base
        .spec
        .as_ref()
        .expect("a pod spec");
    spec.containers[0].command.clone().unwrap_or_default()
}

fn label(config: &Config, key: &str) -> String {
    only_periodic(config)
        .base
        .labels
        .get(key)
        .cloned()
        .unwrap_or_default()
}

fn annotation(config: &Config, key: &str) -> String {
    only_periodic(config)
        .base
        .annotations
        .get(key)
        .cloned()
        .unwrap_or_default()
}

#[test]
fn values_read_as_go_reads_them() {
    type Check = fn(&Config) -> String;
    let table: &[(&str, String, Check, &str)] = &[
        (
            "a list item holding only a comment is an empty text",
            periodic(&format!(
                "{POD}      command:\n      - run\n      - # FIXME\n      - --flag\n"
            )),
            |c| command(c).join("|"),
            "run||--flag",
        ),
        (
            "where upstream coerces (a periodic's tags), a number is its text, as a 32-bit float",
            periodic("  tags: [1.10, 0777, 1e6, 1.23456789, yes, off]\n"),
            |c| only_periodic(c).tags.join(" "),
            "1.1 511 1e+06 1.2345679 true false",
        ),
        (
            "where upstream coerces (a preset's env), a number is its text",
            format!(
                "presets:\n- env:\n  - name: N\n    value: 15000\n{}",
                periodic("")
            ),
            |c| c.jobs.presets[0].env[0].value.clone().unwrap_or_default(),
            "15000",
        ),
        (
            "YAML 1.1 booleans: yes, on, y, Off",
            periodic("  hidden: on\n  skip_submodules: y\n  skip_fetch_head: Off\n"),
            |c| {
                let job = &only_periodic(c).base;
                format!(
                    "{} {} {}",
                    job.hidden, job.utility.skip_submodules, job.utility.skip_fetch_head
                )
            },
            "true true false",
        ),
        (
            "a date stays the text it was written as (yaml.v2 keeps it a string)",
            periodic("  annotations:\n    since: 2024-1-2\n    quoted: '2024-01-02'\n"),
            |c| format!("{} {}", annotation(c, "since"), annotation(c, "quoted")),
            "2024-1-2 2024-01-02",
        ),
        (
            "null is the zero value of any field",
            periodic(
                "  labels: ~\n  hidden: null\n  max_concurrency:\n  cluster:\n  spec:\n    containers:\n    - image: alpine\n      args: null\n",
            ),
            |c| {
                let job = only_periodic(c);
                format!(
                    "{:?} {} {} {}",
                    job.base.labels.len(),
                    job.base.hidden,
                    job.base.max_concurrency,
                    job.base.cluster
                )
            },
            "0 false 0 default",
        ),
        (
            "a whole number written as a float fills an integer field",
            periodic("  max_concurrency: 2.0\n"),
            |c| only_periodic(c).base.max_concurrency.to_string(),
            "2",
        ),
        (
            "a merge overwrites the keys before it; the keys after it win (yaml.v2)",
            format!(
                "base: &base {{labels: {{from: base}}, hidden: true}}\n{}",
                periodic("  hidden: false\n  <<: *base\n  labels: {from: job}\n")
            ),
            |c| format!("{} {}", label(c, "from"), only_periodic(c).base.hidden),
            "job true",
        ),
        (
            "in a list of merges the first wins",
            format!(
                "a: &a {{labels: {{x: a}}}}\nb: &b {{labels: {{x: b}}, hidden: true}}\n{}",
                periodic("  <<: [*a, *b]\n")
            ),
            |c| format!("{} {}", label(c, "x"), only_periodic(c).base.hidden),
            "a true",
        ),
        (
            "a byte order mark is skipped",
            format!("\u{feff}{}", periodic("")),
            |c| only_periodic(c).base.name.clone(),
            "p",
        ),
    ];
    for (rule, text, check, expected) in table {
        let (config, _) = load(text, false).unwrap_or_else(|e| panic!("{rule}: {e:?}"));
        assert_eq!(check(&config), *expected, "{rule}");
    }
}

#[test]
fn what_go_accepts_silently_but_is_likely_a_mistake_is_a_warning_and_an_error_under_strict() {
    let table: &[(&str, String, &str)] = &[
        (
            "a repeated key keeps its last value",
            periodic("  max_concurrency: 1\n  max_concurrency: 2\n"),
            r#"jobs.yaml:5:3: warning: job "p": key "max_concurrency" is given twice (first at line 4); Prow uses this last value"#,
        ),
        (
            "a key in another case than its field",
            periodic("  Hidden: true\n"),
            r#"jobs.yaml:4:3: warning: job "p": key "Hidden" is read as "hidden": Prow matches keys ignoring case, but other tools do not"#,
        ),
        (
            "a second document is never read",
            format!(
                "{}---\nperiodics:\n- name: q\n  interval: 1h\n",
                periodic("")
            ),
            "jobs.yaml:7:1: warning: a second YAML document starts here; Prow reads only the first document of a file, so this and everything after it is ignored",
        ),
    ];
    for (rule, text, expected) in table {
        let (config, warnings) = load(text, false).unwrap_or_else(|e| panic!("{rule}: {e:?}"));
        assert_eq!(config.jobs.periodics.len(), 1, "{rule}");
        assert_eq!(warnings, [expected.to_string()], "{rule}");
        let errors = load(text, true).expect_err(rule);
        assert_eq!(
            errors,
            [expected.replace("warning:", "error:")],
            "{rule} under --strict"
        );
    }
    let (config, _) = load(
        &periodic("  max_concurrency: 1\n  max_concurrency: 2\n"),
        false,
    )
    .unwrap();
    assert_eq!(
        only_periodic(&config).base.max_concurrency,
        2,
        "the last value wins"
    );
}

#[test]
fn files_with_no_content_load_as_empty() {
    for text in [
        "",
        "\n\n",
        "# only a comment\n",
        "---\n",
        "---\n...\n",
        "~\n",
        "null\n",
    ] {
        let (config, warnings) = load(text, false).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        assert_eq!(
            config.jobs.counts().to_string(),
            "presubmits: 0, postsubmits: 0, periodics: 0"
        );
        assert!(warnings.is_empty(), "{text:?}: {warnings:?}");
    }
}

#[test]
fn what_go_refuses_is_an_error_in_prows_words_with_its_position_and_job() {
    let table: &[(&str, String, &str)] = &[
        (
            "a tab indenting a key",
            "periodics:\n- name: p\n\tinterval: 1h\n".to_string(),
            "jobs.yaml:2:9: error: not valid YAML: while scanning a plain scalar, found a tab",
        ),
        (
            "text in a boolean field",
            periodic("  hidden: maybe\n"),
            r#"jobs.yaml:4:11: error: job "p": hidden: found the text "maybe", expected true or false"#,
        ),
        (
            "a fraction in an integer field",
            periodic("  max_concurrency: 2.5\n"),
            r#"jobs.yaml:4:20: error: job "p": max_concurrency: found the number 2.5, expected a whole number"#,
        ),
        (
            "text in an integer field",
            periodic("  max_concurrency: \"2\"\n"),
            r#"jobs.yaml:4:20: error: job "p": max_concurrency: found the text "2", expected a whole number"#,
        ),
        (
            "a number in a job's annotations, where upstream does not coerce",
            periodic("  annotations:\n    version: 1.10\n"),
            r#"jobs.yaml:5:14: error: job "p": annotations.version: found the number 1.1, expected a text; put the value in quotes to keep it as written"#,
        ),
        (
            "a boolean in a container's env value",
            periodic(&format!(
                "{POD}      env:\n      - name: X\n        value: yes\n"
            )),
            r#"jobs.yaml:9:16: error: job "p": spec.containers[0].env[0].value: found true, expected a text; put the value in quotes to keep it as written"#,
        ),
        (
            "a list where a mapping belongs",
            periodic("  labels: [a, b]\n"),
            r#"jobs.yaml:4:11: error: job "p": labels: found a list, expected a mapping of keys to values"#,
        ),
        (
            "a job that is not a mapping",
            "periodics:\n- just-a-name\n".to_string(),
            "jobs.yaml:2:3: error: periodics[0]: found the text \"just-a-name\", expected a mapping of keys to values",
        ),
        (
            "a mapping in a text field of a container",
            periodic(&format!("{POD}      command:\n      - {{a: b}}\n")),
            r#"jobs.yaml:8:9: error: job "p": spec.containers[0].command[0]: found a mapping, expected a text"#,
        ),
        (
            "a merge of something that is not a mapping",
            "x: &x [1]\nperiodics:\n- name: p\n  <<: *x\n".to_string(),
            "jobs.yaml:1:8: error: the merge key << needs a mapping or a list of mappings",
        ),
        (
            "an alias to an anchor never defined",
            "periodics:\n- *nowhere\n".to_string(),
            "jobs.yaml:2:3: error: not valid YAML: ",
        ),
    ];
    for (rule, text, expected) in table {
        let errors = load(text, false).expect_err(rule);
        assert_eq!(errors.len(), 1, "{rule}: {errors:?}");
        assert!(
            errors[0].starts_with(expected),
            "{rule}:\n  expected: {expected}\n  actual:   {}",
            errors[0]
        );
        for library_word in [
            "serde",
            "struct ",
            "Option<",
            "i64",
            "u64",
            "String",
            "saphyr",
            "granit",
            "Deserialize",
        ] {
            assert!(
                !errors[0].contains(library_word),
                "{rule}: {library_word} in {}",
                errors[0]
            );
        }
    }
}
