//! The integration tests of `crier`, one binary (one link) for all of them.

mod github;
mod pubsub_slack;
