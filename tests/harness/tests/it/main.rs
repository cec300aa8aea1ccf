//! The integration tests of `prow-test-harness`, one binary (one link) for all of them.

mod kube;
mod manifests;
mod pubsub;
mod s3;
mod startup;
