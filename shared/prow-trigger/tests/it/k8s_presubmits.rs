//! Trigger's choices over Kubernetes' real presubmits (`../shared/corpus/k8s-prow`): a PR touching
//! only docs, one staging package, the feature gates, or 1,000 files; each command. Where the
//! answer depends on `run_if_changed`, it is checked against an independent computation: the
//! job's regex applied to the files directly.

use prow_config::Presubmit;
use prow_trigger::filter::{Contexts, Filter, for_comment, needs_changes, select};
use std::collections::BTreeSet;

/// kubernetes/kubernetes' presubmits from the corpus, loaded once.
fn presubmits() -> Option<&'static [Presubmit]> {
    prow_corpus::kubernetes()
        .map(|loaded| loaded.config.jobs.presubmits["kubernetes/kubernetes"].as_slice())
}

/// The presubmits that always run on master: what every PR gets.
const ALWAYS: [&str; 11] = [
    "pull-kubernetes-cmd",
    "pull-kubernetes-conformance-kind-ga-only-parallel",
    "pull-kubernetes-dependencies",
    "pull-kubernetes-e2e-gce",
    "pull-kubernetes-e2e-kind",
    "pull-kubernetes-integration",
    "pull-kubernetes-linter-hints",
    "pull-kubernetes-node-e2e-containerd",
    "pull-kubernetes-typecheck",
    "pull-kubernetes-unit",
    "pull-kubernetes-verify",
];

fn names(jobs: &[&Presubmit]) -> BTreeSet<String> {
    jobs.iter().map(|j| j.name().to_string()).collect()
}

fn with(extra: &[&str]) -> BTreeSet<String> {
    ALWAYS.iter().chain(extra).map(|s| s.to_string()).collect()
}

/// The independent answer for `/test all` on master: always_run jobs, plus jobs whose
/// `run_if_changed` matches a file (no Kubernetes presubmit uses `skip_if_only_changed`).
fn expected_test_all(jobs: &[Presubmit], files: &[String]) -> BTreeSet<String> {
    jobs.iter()
        .filter(|j| j.brancher.should_run("master"))
        .filter(|j| {
            assert!(j.changes.skip_if_only_changed.is_empty(), "{}", j.name());
            j.always_run
                || (!j.changes.run_if_changed.is_empty() && {
                    let re = regex::Regex::new(&j.changes.run_if_changed).unwrap();
                    files.iter().any(|f| re.is_match(f))
                })
        })
        .map(|j| j.name().to_string())
        .collect()
}

#[test]
fn a_new_pr_runs_what_its_files_imply() {
    let Some(jobs) = presubmits() else { return };
    assert_eq!(jobs.len(), 461);
    let files = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let thousand: Vec<String> = (0..1000)
        .map(|i| match i {
            0 => "test/e2e_node/eviction_test.go".to_string(),
            1 => "pkg/proxy/nftables/proxier.go".to_string(),
            n => format!("pkg/registry/core/generated{n}/strategy.go"),
        })
        .collect();
    let cases: Vec<(&str, Vec<String>, BTreeSet<String>)> = vec![
        (
            "docs only",
            files(&["CHANGELOG/CHANGELOG-1.35.md", "README.md"]),
            with(&[]),
        ),
        (
            "one staging package",
            files(&["staging/src/k8s.io/client-go/rest/client.go"]),
            with(&["pull-kubernetes-apidiff-client-go"]),
        ),
        (
            "the feature gates",
            files(&["pkg/features/kube_features.go"]),
            with(&[
                "pull-kubernetes-e2e-gce-cos-alpha-features",
                "pull-kubernetes-e2e-kind-alpha-beta-enabled",
                "pull-kubernetes-e2e-kind-alpha-beta-enabled-conformance",
                "pull-kubernetes-e2e-kind-alpha-beta-features",
                "pull-kubernetes-e2e-kind-beta-enabled",
                "pull-kubernetes-e2e-kind-beta-features",
            ]),
        ),
        (
            "1,000 files",
            thousand.clone(),
            with(&[
                "pull-kubernetes-e2e-kind-nftables",
                "pull-kubernetes-e2e-kind-nftables-ipv6",
                "pull-kubernetes-node-kubelet-serial-containerd",
                "pull-kubernetes-node-kubelet-serial-containerd-slow",
            ]),
        ),
    ];
    for (case, changed, expected) in cases {
        assert!(needs_changes(&[Filter::TestAll], jobs, "master"));
        let selected = names(&select(&[Filter::TestAll], jobs, "master", Some(&changed)).unwrap());
        assert_eq!(selected, expected, "{case}");
        assert_eq!(
            selected,
            expected_test_all(jobs, &changed),
            "{case}: oracle"
        );
    }
    // Without the files, a choice that depends on them is refused rather than guessed.
    assert!(select(&[Filter::TestAll], jobs, "master", None).is_err());
}

#[test]
fn release_branches_run_their_own_jobs() {
    let Some(jobs) = presubmits() else { return };
    let on_master = select(&[Filter::TestAll], jobs, "master", Some(&[])).unwrap();
    let on_release = select(&[Filter::TestAll], jobs, "release-1.34", Some(&[])).unwrap();
    assert!(!on_release.is_empty());
    // Same names, other job definitions: the release branch's own copies run.
    for job in &on_release {
        assert!(job.brancher.should_run("release-1.34"), "{}", job.name());
        assert!(
            !on_master.iter().any(|m| std::ptr::eq(*m, *job)),
            "{} is master's definition",
            job.name()
        );
    }
}

#[test]
fn each_command_selects_as_upstream() {
    let Some(jobs) = presubmits() else { return };
    let docs = vec!["README.md".to_string()];
    let failed_unit = Contexts {
        failed: ["pull-kubernetes-unit".to_string()].into(),
        all: ALWAYS.iter().map(|s| s.to_string()).collect(),
    };
    let nothing_reported = Contexts::default();
    let optional_failed = Contexts {
        failed: ["pull-kubernetes-unit", "pull-kubernetes-linter-hints"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        all: ALWAYS.iter().map(|s| s.to_string()).collect(),
    };
    let cases: Vec<(&str, &Contexts, BTreeSet<String>)> = vec![
        ("/test all", &nothing_reported, with(&[])),
        ("/ok-to-test", &nothing_reported, with(&[])),
        // Forced: runs although no file matches its run_if_changed.
        (
            "/test pull-kubernetes-e2e-kind-kms",
            &nothing_reported,
            ["pull-kubernetes-e2e-kind-kms".to_string()].into(),
        ),
        (
            "/test pull-kubernetes-unit pull-kubernetes-verify",
            &nothing_reported,
            ["pull-kubernetes-unit", "pull-kubernetes-verify"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        (
            "/retest",
            &failed_unit,
            ["pull-kubernetes-unit".to_string()].into(),
        ),
        ("/retest", &nothing_reported, with(&[])),
        (
            "/retest-required",
            &optional_failed,
            ["pull-kubernetes-unit".to_string()].into(),
        ),
        ("/test nonexistent-job", &nothing_reported, BTreeSet::new()),
        ("/lgtm", &nothing_reported, BTreeSet::new()),
    ];
    for (comment, contexts, expected) in cases {
        let filters = for_comment(comment, true, contexts);
        let selected = names(&select(&filters, jobs, "master", Some(&docs)).unwrap());
        assert_eq!(selected, expected, "{comment}");
    }
    let linter = jobs
        .iter()
        .find(|j| j.name() == "pull-kubernetes-linter-hints")
        .unwrap();
    assert!(linter.optional, "the corpus's optional always-run job");
    // `/ok-to-test` is not a command where the repo ignores it.
    let filters = for_comment("/ok-to-test", false, &nothing_reported);
    assert!(
        select(&filters, jobs, "master", Some(&docs))
            .unwrap()
            .is_empty()
    );
    // `/test-manual-required`: required jobs that only run when asked for.
    let filters = for_comment("/test-manual-required", true, &nothing_reported);
    for job in select(&filters, jobs, "master", Some(&docs)).unwrap() {
        assert!(
            !job.optional && job.needs_explicit_trigger(),
            "{}",
            job.name()
        );
    }
}
