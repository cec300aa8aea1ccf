//! Differential test of configuration loading: generated job files full of YAML's corner cases
//! (repeated keys, nulls, YAML 1.1 scalars, numbers where text belongs, anchors and merges, keys
//! in other cases, extra documents, byte order marks, tabs) are given to upstream Prow's
//! `checkconfig` and to ours, which must agree on accepting or refusing each one; when both
//! accept, upstream's own loader (`tests/upstream/configdump`) and ours must read the same jobs
//! with the same values.
//!
//! `PROW_DIFF_CASES` sets the number of cases (default 40, bounded for CI); `PROW_DIFF_SEED` the
//! seed. Without Go the test skips with a message (and fails under `CI=true`).

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// A small deterministic generator (splitmix64), so a failing case can be replayed by its seed.
struct Cases(u64);

impl Cases {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Keys added to a job, one entry per mutation (lines without indentation).
const JOB_EXTRAS: &[&str] = &[
    "max_concurrency: 1\nmax_concurrency: 2",
    "max_concurrency: 2.0",
    "max_concurrency: 2.5",
    "max_concurrency: \"2\"",
    "max_concurrency: 0x10",
    "max_concurrency: 010",
    "max_concurrency: 1_0",
    "max_concurrency: ~",
    "max_concurrency: yes",
    "max_concurrency: -3",
    "hidden: yes",
    "hidden: on",
    "hidden: y",
    "hidden: \"true\"",
    "hidden: 1",
    "hidden: maybe",
    "hidden: ~",
    "hidden: Off",
    "hidden: TRUE",
    "labels:\n  a: b",
    "labels:\n  a: 1.10",
    "labels:\n  a: yes",
    "labels:\n  a: ~",
    "labels:\n  a: 2024-01-02",
    "labels: ~",
    "labels: [a]",
    "labels:\n  1: b",
    "labels:\n  a: b\n  a: c",
    "annotations:\n  a: 1.10",
    "annotations:\n  a: \"1.10\"",
    "annotations:\n  a: 2024-01-02",
    "annotations:\n  a: 2024-1-2 3:04:05",
    "annotations:\n  a: 2024-02-30",
    "annotations:\n  a: 0777",
    "annotations:\n  a: null",
    "annotations:\n  name: 5",
    "annotations:\n  a: 'it''s'",
    "annotations:\n  a: |\n    two\n    lines",
    "Name: other",
    "NAME: other",
    "Hidden: true",
    "hidden: false\nHidden: true",
    "max_Concurrency: 4",
    "alwys_run: true",
    "<<: *common",
    "<<: [*common, *other]",
    "max_concurrency: 9\n<<: *common",
    "<<: *common\nmax_concurrency: 9",
    "<<: *list",
    "\"<<\": *common",
    "labels: *nowhere",
    "cluster: 5",
    "namespace: ~",
    "agent: kubernetes\nagent: kubernetes",
    // What the fast reader reads itself (see prow-config's yaml/fast.rs).
    "annotations:\n  a: one\n    two\n\n\n    three   # c\n  b: x",
    "annotations:\n  a: >\n    one\n    two\n\n      deeper\n    three\n\n  b: x",
    "annotations:\n  a: >-\n    x\n    y\n  b: |+\n    z\n\n  c: |-\n    w\n\n",
    "annotations:\n  a: |2\n     lead\n  b: >1+\n   c\n",
    "annotations:\n  a: | # comment\n    # kept\n  # dropped\n  b: x",
    "annotations:\n  a: \"esc \\t \\u00e9 \\x41 \\\\ \\\"q\\\" \\N \\_\"",
    "annotations:\n  a: \"\\/\"",
    "annotations:\n  a: \"\\'\"",
    "annotations: {a: b, 'c': \"d\", e: 1.10}",
    "annotations:\n  a: text # comment\n  b: a#b\n  c: x:y\n  d: -1",
    "annotations:\n  \"quoted key\": v\n  'k2' : v2",
    "annotations:\n  a:\n  b: ~\n  c:   # nothing",
    "annotations:\n  a: b: c",
    "annotations:\n  a: [b,\n    c]",
    "labels:\n    deep: a\n  shallow: b",
    "annotations:\n  é: ü\n  a: \"ñ\"",
];

/// Keys added to a job's container.
const CONTAINER_EXTRAS: &[&str] = &[
    "args:\n- a\n- # FIXME\n- b",
    "args: [a, ~]",
    "args: [a, 1]",
    "args: [a, yes]",
    "args: [a, \"1\"]",
    "args: [a, 2024-01-02]",
    "env:\n- name: X\n  value: 1",
    "env:\n- name: X\n  value: \"1\"",
    "env:\n- NAME: X\n  value: a",
    "env:\n- name: X\n  Name: Z",
    "resources:\n  requests:\n    cpu: 2\n    memory: 1Gi",
    "resources:\n  requests:\n    cpu: 0.5",
    "workingDir: 1",
    "tty: yes",
    "command: [run, run]",
    "args:\n  - one\n  -\n  - two\n    continued\n  - - nested",
    "args:\n- |\n  script\n  line\n- >-\n  folded\n  text\n-   \"q\"",
    "args:\n- |\n  ends the file",
    "args: [\"a b\", 'c', [nested]]",
    "args: [a, b, ]",
    "command:\n- a\n- b: c",
];

const PERIODIC_EXTRAS: &[&str] = &[
    "tags: [1.10, yes, a, 0777]",
    "tags: [~]",
    "interval: 1h\ninterval: 2h",
    "cron: 5",
];

const PRESETS: &[&str] = &[
    "presets:\n- labels: {preset: x}\n  env:\n  - name: P\n    value: 15000\n",
    "presets:\n- labels: {preset: x}\n  env:\n  - name: P\n    value: yes\n",
    "presets:\n- labels: {preset: x}\n  env:\n  - {name: P, value: 1.10}\n",
];

const PREFIXES: &[&str] = &[
    "",
    "",
    "",
    "\u{feff}",
    "---\n",
    "%YAML 1.1\n---\n",
    "# a comment\n",
];
const SUFFIXES: &[&str] = &[
    "",
    "",
    "",
    "---\nperiodics:\n- name: ignored\n  interval: 1h\n",
    "...\n",
    "---\n",
];

const ANCHORS: &str = "common: &common {hidden: true, max_concurrency: 3}\nother: &other {max_concurrency: 4, labels: {o: x}}\nlist: &list [1]\n";

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|line| format!("{by}{line}\n")).collect()
}

/// One generated job file.
fn case(cases: &mut Cases) -> String {
    let mut text = String::new();
    text.push_str(cases.pick(PREFIXES));
    // Anchors send a file to the full parser; most files leave them out so the fast reader
    // gets its share (a job's alias to a missing anchor is an error both sides must report).
    if cases.chance(40) {
        text.push_str(ANCHORS);
    }
    if cases.chance(30) {
        text.push_str(cases.pick(PRESETS));
    }
    let mut periodics = String::new();
    let mut presubmits = String::new();
    for n in 0..=cases.below(3) {
        let mut extras = String::new();
        for _ in 0..cases.below(3) {
            extras.push_str(cases.pick(JOB_EXTRAS));
            extras.push('\n');
        }
        let periodic = cases.chance(50);
        if periodic && cases.chance(30) {
            extras.push_str(cases.pick(PERIODIC_EXTRAS));
            extras.push('\n');
        }
        let mut container = "- image: alpine\n  command: [run]\n".to_string();
        if cases.chance(50) {
            container.push_str(&indent(cases.pick(CONTAINER_EXTRAS), "  "));
        }
        let labels = if cases.chance(20) {
            "labels: {preset: x}\n"
        } else {
            ""
        };
        let body = format!(
            "name: job{n}\n{}{labels}{extras}spec:\n  containers:\n{}",
            if periodic {
                "interval: 1h\n"
            } else {
                "always_run: true\n"
            },
            indent(&container, "  ")
        );
        // A job may repeat `labels:`; the generator's own label then comes first.
        let mut job = indent(&body, "  ");
        job.replace_range(0..1, "-");
        if periodic {
            periodics.push_str(&job);
        } else {
            presubmits.push_str(&indent(&job, "  "));
        }
    }
    if !periodics.is_empty() {
        text.push_str("periodics:\n");
        text.push_str(&periodics);
    }
    if !presubmits.is_empty() {
        text.push_str("presubmits:\n  org/repo:\n");
        text.push_str(&presubmits);
    }
    if cases.chance(3) {
        // A tab where YAML allows only spaces.
        if let Some(at) = text.find("\n  name:") {
            text.replace_range(at + 1..at + 3, "\t");
        }
    }
    let suffix = cases.pick(SUFFIXES);
    if suffix.is_empty() && cases.chance(30) {
        // A file that ends without a line break, maybe in a block scalar.
        text.pop();
    }
    text.push_str(suffix);
    text
}

/// The values compared, as upstream's `configdump` prints them, from our loaded configuration.
fn ours(config: &prow_config::Config) -> Value {
    fn job(base: &prow_config::JobBase) -> Value {
        let container = base.spec.as_ref().and_then(|spec| spec.containers.first());
        json!({
            "name": base.name,
            "max_concurrency": base.max_concurrency,
            "hidden": base.hidden,
            "labels": base.labels,
            "annotations": base.annotations,
            "command": container.and_then(|c| c.command.clone()),
            "args": container.and_then(|c| c.args.clone()),
        })
    }
    let mut jobs = BTreeMap::new();
    for (repo, presubmits) in &config.jobs.presubmits {
        for (i, presubmit) in presubmits.iter().enumerate() {
            jobs.insert(format!("presubmit:{repo}:{i}"), job(&presubmit.base));
        }
    }
    for (repo, postsubmits) in &config.jobs.postsubmits {
        for (i, postsubmit) in postsubmits.iter().enumerate() {
            jobs.insert(format!("postsubmit:{repo}:{i}"), job(&postsubmit.base));
        }
    }
    for (i, periodic) in config.jobs.periodics.iter().enumerate() {
        jobs.insert(format!("periodic:{i}"), job(&periodic.base));
    }
    let counts = config.jobs.counts();
    normalize(json!({
        "presubmits": counts.presubmits,
        "postsubmits": counts.postsubmits,
        "periodics": counts.periodics,
        "jobs": jobs,
    }))
}

/// Empty maps and lists and nulls mean the same to both sides.
fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter_map(|(k, v)| {
                    let v = normalize(v);
                    let empty = matches!(&v, Value::Null)
                        || matches!(&v, Value::Object(m) if m.is_empty())
                        || matches!(&v, Value::Array(a) if a.is_empty());
                    (!empty).then_some((k, v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        other => other,
    }
}

fn run(command: &Path, args: &[&str], dir: &Path) -> (bool, String, String) {
    let output = Command::new(command)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the command runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn upstream_and_ours_accept_the_same_files_and_read_the_same_values() {
    let Some(checkconfig) =
        prow_test_harness::upstream_prow("checkconfig").expect("upstream checkconfig builds")
    else {
        return;
    };
    let Some(configdump) =
        prow_test_harness::upstream_prow("configdump").expect("configdump builds")
    else {
        return;
    };
    let count: usize = std::env::var("PROW_DIFF_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("PROW_DIFF_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(22);
    let mut cases = Cases(seed);
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("config.yaml"),
        "prowjob_namespace: default\n",
    )
    .expect("writes");
    let flags = ["--config-path=config.yaml", "--job-config-path=jobs.yaml"];
    let ours_bin = Path::new(env!("CARGO_BIN_EXE_prow"));
    let mut mismatches = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for number in 0..count {
        let text = case(&mut cases);
        std::fs::write(dir.path().join("jobs.yaml"), &text).expect("writes");
        let (upstream_ok, _, upstream_err) = run(&checkconfig, &flags, dir.path());
        let mut our_args = vec!["checkconfig"];
        our_args.extend(flags);
        let (our_ok, _, our_err) = run(ours_bin, &our_args, dir.path());
        let last = |text: &str| {
            text.lines()
                .rfind(|l| l.contains("error"))
                .unwrap_or_default()
                .to_string()
        };
        if upstream_ok != our_ok {
            mismatches.push(format!(
                "case {number} (seed {seed}): upstream {}, ours {}\n--- jobs.yaml ---\n{text}--- upstream ---\n{}\n--- ours ---\n{}\n",
                if upstream_ok { "accepts" } else { "refuses" },
                if our_ok { "accepts" } else { "refuses" },
                last(&upstream_err),
                our_err.trim(),
            ));
            continue;
        }
        if !upstream_ok {
            refused += 1;
            continue;
        }
        accepted += 1;
        let (dumped, dump_out, dump_err) = run(&configdump, &flags, dir.path());
        assert!(
            dumped,
            "configdump failed on an accepted case {number}: {dump_err}\n{text}"
        );
        let theirs = normalize(serde_json::from_str(&dump_out).expect("configdump prints JSON"));
        let paths = prow_config::ConfigPaths {
            config_path: dir.path().join("config.yaml"),
            job_config_path: Some(dir.path().join("jobs.yaml")),
            plugin_config: None,
        };
        let loaded = prow_config::load(&paths, prow_config::LoadOptions::default())
            .expect("ours accepted it");
        let mine = ours(&loaded.config);
        if theirs != mine {
            mismatches.push(format!(
                "case {number} (seed {seed}): both accept, values differ\n--- jobs.yaml ---\n{text}--- upstream ---\n{theirs:#}\n--- ours ---\n{mine:#}\n"
            ));
        }
    }
    eprintln!(
        "{count} cases: {accepted} accepted by both, {refused} refused by both, {} differ",
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(accepted > 0 && refused > 0, "the cases cover both outcomes");
}
