//! The integration tests of `prow-plank`, one binary (one link) for all of them.

mod plan;
