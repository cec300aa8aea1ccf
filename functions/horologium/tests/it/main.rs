//! The integration tests of `horologium`, one binary (one link) for all of them.

mod ping;
