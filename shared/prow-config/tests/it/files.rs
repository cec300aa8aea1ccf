//! Reading the files: gzip-compressed files as upstream's config-updater stores them, and
//! unreadable content reported with the file's name.

use prow_config::{ConfigPaths, LoadOptions};
use std::io::Write;
use std::path::Path;

const JOBS: &str =
    "periodics:\n- name: nightly\n  interval: 24h\n  spec: {containers: [{image: alpine}]}\n";

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

fn paths(dir: &Path) -> ConfigPaths {
    ConfigPaths {
        config_path: dir.join("config.yaml"),
        job_config_path: Some(dir.join("jobs")),
        plugin_config: None,
    }
}

fn folder(config: &[u8], jobs: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("jobs")).unwrap();
    std::fs::write(dir.path().join("config.yaml"), config).unwrap();
    // Same name as the plain file: config-updater keeps the key and compresses the content.
    std::fs::write(dir.path().join("jobs/periodics.yaml"), jobs).unwrap();
    dir
}

#[test]
fn gzip_compressed_files_read_as_their_text() {
    let config = "pod_namespace: test-pods\n";
    let plain = folder(config.as_bytes(), JOBS.as_bytes());
    let compressed = folder(&gzip(config), &gzip(JOBS));
    let plain = prow_config::load(&paths(plain.path()), LoadOptions::default()).unwrap();
    let compressed = prow_config::load(&paths(compressed.path()), LoadOptions::default()).unwrap();
    assert_eq!(compressed.config.prow.pod_namespace, "test-pods");
    assert_eq!(compressed.config.jobs.counts(), plain.config.jobs.counts());
    let nightly = &compressed.config.jobs.periodics[0];
    assert_eq!(
        (nightly.name(), nightly.interval.as_str()),
        ("nightly", "24h")
    );
    assert_eq!(nightly.base.namespace.as_deref(), Some("test-pods"));
}

#[test]
fn a_damaged_or_binary_file_is_an_error_naming_it() {
    let mut damaged = gzip(JOBS);
    damaged.truncate(damaged.len() / 2);
    let dir = folder(b"pod_namespace: test-pods\n", &damaged);
    let error = prow_config::load(&paths(dir.path()), LoadOptions::default()).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("periodics.yaml") && text.contains("not valid gzip"),
        "{text}"
    );

    let dir = folder(b"pod_namespace: test-pods\n", &[0xff, 0xfe, b'a', 0x80]);
    let text = prow_config::load(&paths(dir.path()), LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("periodics.yaml") && text.contains("not UTF-8"),
        "{text}"
    );
}
