//! Real local servers for tests, started by the test that needs them on a free loopback port and
//! stopped when dropped: Google's Pub/Sub emulator ([`PubSubEmulator`]). A missing prerequisite
//! skips with a message on a laptop and fails under `CI=true`.
//!
//! Boundary: test infrastructure; production code never depends on it.

mod pubsub;

pub use pubsub::{DEFAULT_LAUNCHER, PubSubEmulator, ReceivedMessage};

/// A loopback port nothing listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()
        .map(|a| a.port())
}
