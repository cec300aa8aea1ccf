//! The integration tests of `hook`, one binary (one link) for all of them.

mod intake;
mod process;
