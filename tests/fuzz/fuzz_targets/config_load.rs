//! Prow's configuration from text, as the functions load it: `config.yaml`, one job-config file
//! and `plugins.yaml` through `prow_config::load_sources` (strict, as `checkconfig` does, and
//! lenient, as the functions start), an in-repository `.prow.yaml` (a pull request's own text)
//! through `load_in_repo`, and each text through `parse_generic`. The two YAML readers (the fast
//! one for block-style configuration and the full parser) must read a text alike whenever the
//! fast one reads it at all.
//!
//! Input: up to four texts separated by NUL bytes: `config.yaml`, the job file, `plugins.yaml`,
//! `.prow.yaml`. A missing one is empty (no plugins.yaml at all when there are fewer than three).

#![no_main]

use libfuzzer_sys::fuzz_target;
use prow_config::{LoadOptions, Readers, Source, Sources, compare_readers};

/// A known difference, the full parser's (granit-parser 2.2): when a text ends in a line of
/// spaces with no line break, a block scalar before it loses its last line break (`a: |\n  go\n `
/// is `go` to it, `go\n` to the fast reader, to libyaml and to go-yaml). Only files the fast
/// reader leaves to the full parser are read that way, and only their scalar's final line break
/// differs. See tests/fuzz/regressions/README.md.
fn ends_with_a_line_of_spaces(text: &str) -> bool {
    let last_line = text.rsplit('\n').next().unwrap_or_default();
    !last_line.is_empty() && last_line.bytes().all(|b| b == b' ')
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parts: Vec<&str> = text.splitn(4, '\0').collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or_default();

    for text in &parts {
        let _ = prow_config::parse_generic(text);
        if let Readers::Disagree { fast, full } = compare_readers(text)
            && !ends_with_a_line_of_spaces(text)
        {
            panic!("the YAML readers disagree\nfast: {fast}\nfull: {full}");
        }
    }

    let sources = Sources {
        config: Source::new("config.yaml", part(0)),
        job_files: vec![Source::new("jobs/fuzz.yaml", part(1))],
        plugins: (parts.len() >= 3).then(|| Source::new("plugins.yaml", part(2))),
    };
    let mut loaded = None;
    for strict in [true, false] {
        if let Ok(result) = prow_config::load_sources(&sources, LoadOptions { strict }) {
            loaded = Some(result.config);
        }
    }
    if parts.len() == 4 {
        let config = loaded.unwrap_or_default();
        let files = [Source::new(".prow.yaml", part(3))];
        let _ = prow_config::load_in_repo(&config, "kubernetes/test-infra", &files);
    }
});
