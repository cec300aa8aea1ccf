//! The integration tests of `prow-config`, one binary (one link) for all of them.

mod boundaries;
mod corpus;
mod defaults;
mod validation;
