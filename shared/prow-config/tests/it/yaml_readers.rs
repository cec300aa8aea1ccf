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
