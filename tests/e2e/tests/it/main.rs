//! The integration tests of `prow-e2e`, one binary (one link) for all of them.

mod pull_request;
