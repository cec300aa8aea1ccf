//! The integration tests of `prow-github`, one binary (one link) for all of them.

mod events;
mod webhook;
