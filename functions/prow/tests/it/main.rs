//! The integration tests of `prow`, one binary (one link) for all of them.

mod checkconfig;
mod demo;
mod local_restart;
mod pod_utilities;
