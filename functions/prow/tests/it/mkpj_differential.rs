//! `prow mkpj` against upstream's on Kubernetes' configuration: the ProwJob of every periodic and
//! of a sample of presubmits (every branch's variant of a few names), field by field, ignoring
//! only the generated name and times. Upstream's side comes from `tests/upstream/pjdump`, which
//! builds each job as upstream's `cmd/mkpj` does but loads the configuration once; a few jobs are
//! also compared with upstream's `mkpj` binary itself, so the two upstream sides agree.

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

const SAMPLE: &str = "^pull-kubernetes-(unit|verify|e2e-kind|integration)$";
const REFS: [&str; 5] = [
    "--base-ref=master",
    "--base-sha=0123456789abcdef0123456789abcdef01234567",
    "--pull-number=4242",
    "--pull-sha=fedcba9876543210fedcba9876543210fedcba98",
    "--pull-author=alice",
];

fn request(job: &str) -> prow::mkpj::Request {
    prow::mkpj::Request {
        job: job.to_string(),
        base_ref: "master".into(),
        base_sha: "0123456789abcdef0123456789abcdef01234567".into(),
        pull_number: 4242,
        pull_sha: "fedcba9876543210fedcba9876543210fedcba98".into(),
        pull_author: "alice".into(),
        pull_head_ref: String::new(),
    }
}

/// The ProwJob a mkpj `command` prints, made [`comparable`]; the test fails when it does not run
/// (`runs` says what was expected) or exits with an error.
fn printed_job(command: &mut Command, runs: &str) -> Value {
    let printed = command.output().expect(runs);
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    comparable(prow_config::parse_generic(&String::from_utf8_lossy(&printed.stdout)).expect("YAML"))
}

/// The job without what is generated anew each time (name, times), and without empty values,
/// which each side may write or leave out.
fn comparable(mut job: Value) -> Value {
    // The newest upstream the module proxy serves (2024-06) predates `auxiliary` on extra refs
    // (upstream has it since), so its side drops it; ours keeps it.
    if let Some(extra_refs) = job
        .pointer_mut("/spec/extra_refs")
        .and_then(Value::as_array_mut)
    {
        for refs in extra_refs {
            if let Some(refs) = refs.as_object_mut() {
                refs.remove("auxiliary");
            }
        }
    }
    if let Some(metadata) = job.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("name");
        metadata.remove("creationTimestamp");
    }
    if let Some(status) = job.get_mut("status").and_then(Value::as_object_mut) {
        status.remove("startTime");
    }
    without_empty(job)
}

fn without_empty(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, without_empty(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_empty).collect()),
        other => other,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// The paths at which two values differ, with both sides.
fn differences(path: &str, upstream: &Value, ours: &Value, found: &mut Vec<String>) {
    match (upstream, ours) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                let (x, y) = (
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                );
                differences(&format!("{path}.{key}"), x, y, found);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}[{i}]"), x, y, found);
            }
        }
        // A resource quantity is kept as written here and canonicalized by upstream's Go type
        // (the API server canonicalizes it on write): `2000m` and `2` are one amount.
        (Value::String(a), Value::String(b))
            if path.contains(".resources.")
                && quantity(a).is_some()
                && quantity(a) == quantity(b) => {}
        (a, b) if a != b => found.push(format!("{path}: upstream {a}, ours {b}")),
        _ => {}
    }
}

/// A Kubernetes resource quantity's amount (`500m`, `2Gi`, `1e3`).
fn quantity(text: &str) -> Option<f64> {
    const SUFFIXES: [(&str, f64); 14] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
    ];
    let (number, scale) = SUFFIXES
        .iter()
        .find_map(|(suffix, scale)| text.strip_suffix(suffix).map(|n| (n, *scale)))
        .unwrap_or((text, 1.0));
    number.parse::<f64>().ok().map(|n| n * scale)
}

fn ours_json(job: &prow_api::ProwJob) -> Value {
    comparable(serde_json::to_value(job).expect("a ProwJob is JSON"))
}

#[test]
fn mkpj_builds_every_periodic_and_sampled_presubmits_as_upstream_does() {
    let Some(config_dir) = crate::kubernetes_config() else {
        return;
    };
    let Some(pjdump) = prow_test_harness::upstream_prow("pjdump").expect("pjdump builds") else {
        return;
    };
    let Some(mkpj) = prow_test_harness::upstream_prow("mkpj").expect("upstream mkpj builds") else {
        return;
    };
    let config_path = config_dir.join("prow/config.yaml");
    let jobs_path = config_dir.join("jobs");
    let flags = [
        format!("--config-path={}", config_path.display()),
        format!("--job-config-path={}", jobs_path.display()),
    ];
    let output = Command::new(&pjdump)
        .args(&flags)
        .arg(format!("--sample={SAMPLE}"))
        .args(REFS)
        .output()
        .expect("pjdump runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let upstream: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| comparable(serde_json::from_str(line).expect("JSON")))
        .collect();

    let paths = prow_config::ConfigPaths {
        config_path: config_path.clone(),
        job_config_path: Some(jobs_path.clone()),
        plugin_config: None,
    };
    let config = prow_config::load(&paths, prow_config::LoadOptions::default())
        .expect("loads")
        .config;
    let now = jiff::Timestamp::now();

    // Ours, keyed as upstream's lines are matched: (type, repo, job, occurrence).
    let mut ours: BTreeMap<(String, String, String, usize), Value> = BTreeMap::new();
    for periodic in &config.jobs.periodics {
        let job =
            prow::mkpj::prowjob(&config, &request(periodic.name()), "x", now).expect("builds");
        ours.insert(
            ("periodic".into(), String::new(), periodic.name().into(), 0),
            ours_json(&job),
        );
    }
    let sample = regex::Regex::new(SAMPLE).expect("a regex");
    for (repo, presubmits) in &config.jobs.presubmits {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for presubmit in presubmits.iter().filter(|p| sample.is_match(p.name())) {
            let occurrence = seen.entry(presubmit.name()).or_default();
            let (org, name) = repo.split_once('/').expect("org/repo");
            let refs = prow_api::Refs {
                org: org.into(),
                repo: name.into(),
                base_ref: "master".into(),
                base_sha: request("").base_sha,
                pulls: vec![prow_api::Pull {
                    number: 4242,
                    author: "alice".into(),
                    sha: request("").pull_sha,
                    ..prow_api::Pull::default()
                }],
                ..prow_api::Refs::default()
            };
            let spec = prow_trigger::jobs::presubmit_spec(
                presubmit,
                prow_api::ProwJobType::Presubmit,
                refs,
            );
            let job = prow_trigger::jobs::new_prowjob(
                "x",
                spec,
                &presubmit.base.labels,
                &presubmit.base.annotations,
                now,
            );
            ours.insert(
                (
                    "presubmit".into(),
                    repo.clone(),
                    presubmit.name().into(),
                    *occurrence,
                ),
                ours_json(&job),
            );
            *occurrence += 1;
        }
    }

    let mut occurrences: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for job in &upstream {
        let kind = job["spec"]["type"].as_str().unwrap_or_default().to_string();
        let name = job["spec"]["job"].as_str().unwrap_or_default().to_string();
        let repo = if kind == "periodic" {
            String::new()
        } else {
            format!(
                "{}/{}",
                job["spec"]["refs"]["org"].as_str().unwrap_or_default(),
                job["spec"]["refs"]["repo"].as_str().unwrap_or_default()
            )
        };
        let occurrence = occurrences
            .entry((kind.clone(), repo.clone(), name.clone()))
            .or_default();
        let key = (kind, repo, name, *occurrence);
        *occurrence += 1;
        match ours.remove(&key) {
            None => mismatches.push(format!("{key:?}: upstream builds it, ours does not")),
            Some(mine) => {
                let mut found = Vec::new();
                differences("", job, &mine, &mut found);
                if !found.is_empty() {
                    mismatches.push(format!("{key:?}:\n  {}", found.join("\n  ")));
                }
            }
        }
    }
    mismatches.extend(
        ours.keys()
            .map(|key| format!("{key:?}: ours builds it, upstream does not")),
    );
    let periodics = config.jobs.periodics.len();
    eprintln!(
        "compared {} ProwJobs ({periodics} periodics), {} differ",
        upstream.len(),
        mismatches.len()
    );
    assert!(upstream.len() > periodics, "presubmits were sampled");
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        upstream.len(),
        mismatches
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );

    // Upstream's mkpj itself agrees with pjdump's way of building, and ours prints the same.
    for job in ["ci-kubernetes-e2e-gci-gce", "ci-kubernetes-unit"] {
        let theirs = printed_job(
            Command::new(&mkpj).args(&flags).arg(format!("--job={job}")),
            "mkpj runs",
        );
        let mine = printed_job(
            Command::new(env!("CARGO_BIN_EXE_prow"))
                .arg("mkpj")
                .args(&flags)
                .arg(format!("--job={job}")),
            "prow mkpj runs",
        );
        let mut found = Vec::new();
        differences("", &theirs, &mine, &mut found);
        assert!(found.is_empty(), "{job}:\n  {}", found.join("\n  "));
    }
}
