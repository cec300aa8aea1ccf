//! The fast YAML reader and the full parser read every YAML file of the corpus to the same tree,
//! and the fast reader reads every Prow configuration file of it itself (see
//! `shared/prow-config/src/yaml/fast.rs`).

use crate::corpus::corpus;
use prow_config::{Readers, compare_readers};
use std::path::{Path, PathBuf};

fn yaml_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, files);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(path);
        }
    }
}

#[test]
fn both_readers_read_the_corpus_alike_and_the_fast_one_reads_all_prow_configuration() {
    let Some(corpus) = corpus() else { return };
    let mut files = Vec::new();
    yaml_files(&corpus, &mut files);
    files.sort();
    assert!(files.len() > 600, "the corpus has its YAML files");
    let mut declined = Vec::new();
    let mut prow_files_declined = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a corpus file");
        let name = file.display().to_string();
        match compare_readers(&text) {
            Readers::Agree => {}
            Readers::FastDeclined { reason, line } => {
                declined.push(format!("{name}:{line} {reason}"));
                if name.contains("k8s-prow") || name.contains("prow-integration") {
                    prow_files_declined += 1;
                }
            }
            Readers::Disagree { fast, full } => {
                panic!("{name}: the readers disagree\nfast: {fast}\nfull: {full}")
            }
        }
    }
    eprintln!(
        "the fast reader read {} of {} files; left to the full parser:\n{}",
        files.len() - declined.len(),
        files.len(),
        declined.join("\n")
    );
    assert_eq!(
        prow_files_declined, 0,
        "every Prow configuration file of the corpus is read by the fast reader"
    );
}

/// `depth` mappings, each the only value of the one before (`k:` indented one step further).
fn nested_mappings(depth: usize) -> String {
    (0..depth)
        .map(|i| format!("{}k:\n", "  ".repeat(i)))
        .collect()
}

// Found while fuzzing config_load (tests/fuzz/regressions/config_load): the fast reader
// recursed once per level with no bound, so a deeply nested file (a pull request's .prow.yaml,
// say) overflowed the stack and killed the process; and beyond the full parser's 255 levels it
// read what the full parser refuses. It now leaves deep files to the full parser, whose error
// the user sees.
#[test]
fn deeply_nested_files_are_refused_with_the_full_parsers_error_not_a_stack_overflow() {
    assert!(matches!(
        compare_readers(&nested_mappings(64)),
        Readers::Agree
    ));
    match compare_readers(&nested_mappings(65)) {
        Readers::FastDeclined { reason, line } => {
            assert_eq!(
                (reason, line),
                ("block collections nested deeper than it reads", 65)
            );
        }
        other => panic!("the fast reader read 65 levels: {other:?}"),
    }
    let lists: String = (0..300).map(|i| format!("{}-\n", "  ".repeat(i))).collect();
    assert!(matches!(
        compare_readers(&lists),
        Readers::FastDeclined { .. }
    ));

    // Loading, on a test thread's 2 MiB stack (as small as a tokio worker's).
    let sources = prow_config::Sources {
        config: prow_config::Source::new("config.yaml", ""),
        job_files: vec![prow_config::Source::new("jobs.yaml", nested_mappings(3000))],
        plugins: None,
    };
    let error = prow_config::load_sources(&sources, prow_config::LoadOptions::default())
        .expect_err("3000 levels do not load");
    let printed: Vec<String> = error.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(
        printed[0].starts_with("jobs.yaml:") && printed[0].contains("recursion limit exceeded"),
        "{printed:?}"
    );

    let config = prow_config::Config::default();
    let in_repo = [prow_config::Source::new(
        ".prow.yaml",
        nested_mappings(3000),
    )];
    let problems = prow_config::load_in_repo(&config, "o/r", &in_repo)
        .expect_err("a pull request's deeply nested .prow.yaml does not load");
    assert!(
        problems[0].to_string().contains("recursion limit exceeded"),
        "{problems:?}"
    );
}

// Found by fuzzing config_load (tests/fuzz/regressions/config_load/
// empty-block-scalar-at-end.yaml): the fast reader placed an empty block scalar that ends the text
// after the text's last line, where the full parser places it on its header, so a problem with it
// was reported on a line the file does not have.
#[test]
fn an_empty_block_scalar_ending_a_file_is_reported_on_its_own_line() {
    for text in ["a: |\n", "a: >-\n\n\n", "- |\n"] {
        assert!(
            !matches!(compare_readers(text), Readers::Disagree { .. }),
            "{text:?}"
        );
    }
    let sources = prow_config::Sources {
        config: prow_config::Source::new("config.yaml", ""),
        job_files: vec![prow_config::Source::new(
            "jobs.yaml",
            "periodics:\n- name: p\n  interval: 1h\n  spec: {containers: [{image: a}]}\n  max_concurrency: |\n\n",
        )],
        plugins: None,
    };
    let error = prow_config::load_sources(&sources, prow_config::LoadOptions::default())
        .expect_err("an empty max_concurrency does not load");
    let printed: Vec<String> = error.diagnostics.iter().map(ToString::to_string).collect();
    // The value is on line 5, at its `|`; the fast reader said line 7, after the text's end.
    assert_eq!(
        printed,
        [
            "jobs.yaml:5:20: error: job \"p\": max_concurrency: found the text \"\", expected a whole number"
        ]
    );
}
