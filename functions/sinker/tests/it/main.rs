//! The integration tests of `sinker`, one binary (one link) for all of them.

mod sweep;
