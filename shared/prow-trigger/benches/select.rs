//! The decision for one PR event against all of kubernetes/kubernetes' presubmits (the corpus's
//! 461), with 10 and with 1,000 changed files: which jobs run, and their ProwJobs built.
//!
//! `cargo bench -p prow-trigger --bench select`

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark fails loudly"
)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use prow_api::StringMap;
use prow_trigger::filter::{Filter, select};
use std::hint::black_box;

fn changed_files(count: usize) -> Vec<String> {
    // A spread like a real PR's: packages, staging, tests, one feature gate.
    (0..count)
        .map(|i| match i % 5 {
            0 => format!("pkg/controller/generated{i}/controller.go"),
            1 => format!("staging/src/k8s.io/api/generated{i}/types.go"),
            2 => format!("test/e2e/generated{i}/e2e_test.go"),
            3 => format!("cmd/kubelet/app/generated{i}.go"),
            _ if i == 4 => "pkg/features/kube_features.go".to_string(),
            _ => format!("hack/lib/generated{i}.sh"),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let Some(loaded) = prow_corpus::kubernetes() else {
        return;
    };
    let presubmits = &loaded.config.jobs.presubmits["kubernetes/kubernetes"];
    let pr: prow_github::events::PullRequest = serde_json::from_value(serde_json::json!({
        "number": 123456, "user": {"login": "alice"}, "title": "Make it faster",
        "html_url": "https://github.com/kubernetes/kubernetes/pull/123456",
        "head": {"ref": "faster", "sha": "0123456789abcdef0123456789abcdef01234567"},
        "base": {"ref": "master", "sha": "89abcdef0123456789abcdef0123456789abcdef",
                 "repo": {"owner": {"login": "kubernetes"}, "name": "kubernetes",
                          "full_name": "kubernetes/kubernetes",
                          "html_url": "https://github.com/kubernetes/kubernetes"}}
    }))
    .unwrap();
    let mut group = c.benchmark_group("pr_event_kubernetes_presubmits");
    for count in [10, 1000] {
        let files = changed_files(count);
        let selected = select(&[Filter::TestAll], presubmits, "master", Some(&files)).unwrap();
        println!(
            "{count} changed files: {} of {} presubmits run",
            selected.len(),
            presubmits.len()
        );
        group.bench_with_input(BenchmarkId::new("select", count), &files, |b, files| {
            b.iter(|| {
                select(
                    &[Filter::TestAll],
                    black_box(presubmits),
                    "master",
                    Some(files),
                )
                .unwrap()
                .len()
            })
        });
        let now = jiff::Timestamp::now();
        group.bench_with_input(
            BenchmarkId::new("select_and_build_prowjobs", count),
            &files,
            |b, files| {
                b.iter(|| {
                    let selected = select(
                        &[Filter::TestAll],
                        black_box(presubmits),
                        "master",
                        Some(files),
                    )
                    .unwrap();
                    let refs = prow_trigger::jobs::pull_refs(&pr, &pr.base.sha);
                    selected
                        .iter()
                        .map(|job| {
                            prow_trigger::jobs::presubmit(
                                job,
                                refs.clone(),
                                "delivery-1",
                                &StringMap::new(),
                                now,
                            )
                        })
                        .collect::<Vec<_>>()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
