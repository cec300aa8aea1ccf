//! Real local servers for tests, started by the test that needs them on a free loopback port and
//! stopped when dropped: Google's Pub/Sub emulator ([`PubSubEmulator`]) and an S3-compatible
//! store over a local folder ([`S3Server`], in-process), and a Kubernetes control plane with a
//! fake kubelet ([`KubeTestEnv`], built from Go modules). A missing prerequisite
//! skips with a message on a laptop and fails under `CI=true`.
//!
//! Boundary: test infrastructure; production code never depends on it.

pub mod contract;
pub mod kube;
mod pubsub;
mod s3;

pub use kube::KubeTestEnv;
pub use pubsub::{DEFAULT_LAUNCHER, PubSubEmulator, ReceivedMessage};
pub use s3::{ACCESS_KEY, S3Server, SECRET_KEY};

/// A loopback port nothing listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()
        .map(|a| a.port())
}
