//! The team corpus for tests and benchmarks: `../shared/corpus` beside the repository, or the
//! folder `PROW_CORPUS` names. It is read in place, never copied into the repository. Without it
//! a test says so and skips on a laptop; under `CI=true` it fails, so CI cannot pass by skipping.

use prow_config::{ConfigPaths, LoadOptions, Loaded};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Kubernetes' own Prow configuration, below the corpus root.
pub const KUBERNETES: &str = "k8s-prow/config";

/// The corpus root, if it holds `part` (a file or folder below it). Without it: a `SKIPPED` line
/// on a laptop, a panic under CI.
pub fn root(part: &str) -> Option<PathBuf> {
    let root = std::env::var_os("PROW_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if root.join(part).exists() {
        return Some(root);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the corpus is missing at {} and CI needs it",
        root.display()
    );
    eprintln!(
        "SKIPPED: corpus not found at {} (set PROW_CORPUS)",
        root.display()
    );
    None
}

/// `part` below the corpus root, if the corpus holds it (see [`root`]).
pub fn path(part: &str) -> Option<PathBuf> {
    root(part).map(|root| root.join(part))
}

/// The paths of Kubernetes' configuration in the corpus below `root`: `config.yaml`, the job
/// folder and, when `with_plugins`, `plugins.yaml`.
pub fn kubernetes_paths(root: &Path, with_plugins: bool) -> ConfigPaths {
    let config = root.join(KUBERNETES);
    ConfigPaths {
        config_path: config.join("prow/config.yaml"),
        job_config_path: Some(config.join("jobs")),
        plugin_config: with_plugins.then(|| config.join("prow/plugins.yaml")),
    }
}

/// Kubernetes' configuration and jobs (without its plugins), loaded once per test binary.
///
/// # Panics
/// When the corpus is there but does not load: every test reading it would fail anyway.
#[expect(
    clippy::panic,
    reason = "test support: the tests reading the corpus need it to load"
)]
pub fn kubernetes() -> Option<&'static Loaded> {
    static LOADED: OnceLock<Option<Loaded>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let root = root(KUBERNETES)?;
            let loaded = prow_config::load(&kubernetes_paths(&root, false), LoadOptions::default());
            Some(loaded.unwrap_or_else(|e| panic!("Kubernetes' configuration in the corpus: {e}")))
        })
        .as_ref()
}
