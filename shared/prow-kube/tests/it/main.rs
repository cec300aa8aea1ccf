//! The integration tests of `prow-kube`, one binary (one link) for all of them.

mod crd;
mod lifecycle;
