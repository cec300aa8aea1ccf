//! The integration tests of `prow-trigger`, one binary (one link) for all of them.

mod k8s_presubmits;
