//! The integration tests of `prow-local`, one binary (one link) for all of them.

mod store;
