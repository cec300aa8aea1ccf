//! Loading Kubernetes' whole Prow configuration (parse, merge, default, validate) against a bare
//! YAML parse of the same files into a generic value tree, both from memory, in the same run; and
//! the two YAML readers building the loader's tree of the same files.
//! `scripts/bench-config.sh` runs this and adds peak memory.

use criterion::{Criterion, criterion_group, criterion_main};
use prow_config::{LoadOptions, Sources};
use std::hint::black_box;

fn corpus_sources() -> Option<Sources> {
    let corpus = prow_corpus::root(prow_corpus::KUBERNETES)?;
    let paths = prow_corpus::kubernetes_paths(&corpus, true);
    match prow_config::read_sources(&paths) {
        Ok(sources) => Some(sources),
        Err(errors) => {
            eprintln!(
                "SKIPPED: the corpus at {} does not read: {errors:?}",
                corpus.display()
            );
            None
        }
    }
}

fn load_corpus(c: &mut Criterion) {
    let Some(sources) = corpus_sources() else {
        return;
    };
    let texts: Vec<&str> = std::iter::once(&sources.config)
        .chain(&sources.job_files)
        .chain(&sources.plugins)
        .map(|s| s.text.as_str())
        .collect();
    let mut group = c.benchmark_group("k8s-prow corpus");
    group.sample_size(10);
    group.bench_function("bare YAML parse to generic tree", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(prow_config::parse_generic(text).ok());
            }
        })
    });
    for (name, reader) in [
        ("YAML tree, fast reader", prow_config::YamlReader::Fast),
        ("YAML tree, full parser", prow_config::YamlReader::Full),
    ] {
        assert!(
            texts
                .iter()
                .all(|text| prow_config::read_tree(text, reader)),
            "{name} reads every file"
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                for text in &texts {
                    black_box(prow_config::read_tree(text, reader));
                }
            })
        });
    }
    group.bench_function("full load (parse, merge, default, validate)", |b| {
        b.iter(|| black_box(prow_config::load_sources(&sources, LoadOptions::default()).is_ok()))
    });
    group.finish();
}

criterion_group!(benches, load_corpus);
criterion_main!(benches);
