//! The integration tests of `controller`, one binary (one link) for all of them.

mod events;
mod local;
