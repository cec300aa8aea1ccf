//! Real local servers for tests, started by the test that needs them on a free loopback port and
//! stopped when dropped: Google's Pub/Sub emulator ([`PubSubEmulator`]) and an S3-compatible
//! store over a local folder ([`S3Server`], in-process), and a Kubernetes control plane with a
//! fake kubelet ([`KubeTestEnv`], built from Go modules), headless Chromium driven over
//! WebDriver ([`Browser`]), and Redis ([`RedisServer`], Debian's package). A missing prerequisite
//! skips with a message on a laptop and fails under `CI=true`.
//!
//! Boundary: test infrastructure; production code never depends on it.

mod browser;
pub mod contract;
pub mod deploy;
pub mod events;
pub mod executor;
pub mod fault_proxy;
pub mod git_repo;
pub mod kube;
pub mod memory;
pub mod process;
mod pubsub;
mod redis;
mod s3;
pub mod secrets;
pub mod signed_events;
pub mod standin_world;
pub mod tekton;
mod upstream;

pub use browser::{Browser, Element};
pub use kube::KubeTestEnv;
pub use pubsub::{DEFAULT_LAUNCHER, PubSubEmulator, ReceivedMessage};
pub use redis::RedisServer;
pub use s3::{ACCESS_KEY, S3Server, SECRET_KEY};
pub use upstream::upstream_prow;

/// `config.yaml`, one job file and `plugins.yaml` as given, loaded strictly as `checkconfig
/// --strict` would; a test whose configuration does not load fails here, naming the problems.
#[expect(
    clippy::panic,
    reason = "test infrastructure: a test's configuration that does not load fails the test"
)]
pub fn strict_config(config: &str, jobs: &str, plugins: Option<&str>) -> prow_config::Config {
    use prow_config::{LoadOptions, Source, Sources};
    let sources = Sources {
        config: Source::new("config.yaml", config),
        job_files: vec![Source::new("jobs.yaml", jobs)],
        plugins: plugins.map(|text| Source::new("plugins.yaml", text)),
    };
    match prow_config::load_sources(&sources, LoadOptions { strict: true }) {
        Ok(loaded) => loaded.config,
        Err(problems) => panic!("the test's configuration does not load: {problems:?}"),
    }
}

/// An embedded job store in a fresh folder; the folder goes when the guard is dropped.
pub fn embedded_store() -> std::io::Result<(
    std::sync::Arc<prow_local::EmbeddedJobStore>,
    tempfile::TempDir,
)> {
    let dir = tempfile::tempdir()?;
    let store = prow_local::EmbeddedJobStore::open(dir.path().join("jobs"))
        .map_err(std::io::Error::other)?;
    Ok((std::sync::Arc::new(store), dir))
}

/// The webhook HMAC secret tests sign GitHub deliveries with.
pub const HMAC_SECRET: &[u8] = b"test-webhook-secret";

/// [`HMAC_SECRET`] in a file in `dir`, as `--hmac-secret-file` reads it.
pub fn hmac_secret_file(dir: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    let path = dir.join("hmac");
    std::fs::write(&path, HMAC_SECRET)?;
    Ok(path)
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()
        .map(|a| a.port())
}

/// The team corpus (`../shared/corpus` beside the repository, or `PROW_CORPUS`), if it holds
/// `part`. Without it a test says so and skips on a laptop; under `CI=true` it fails.
pub use prow_corpus::root as corpus;

/// A small deterministic generator for tests that pick random moments: seeded from the clock,
/// the seed printed by the test, so a failing run can be repeated with [`SeededRandom::new`].
pub struct SeededRandom(u64);

impl SeededRandom {
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom(seed)
    }

    /// A seed from the clock.
    pub fn seed() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    }

    /// A number below `bound` (0 for a bound of 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound.max(1)
    }
}
