//! The integration tests of `prow-horologium`, one binary (one link) for all of them.

mod k8s_day;
