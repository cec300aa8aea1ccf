//! The integration tests of `prow-crier`, one binary (one link) for all of them.

mod report;
