//! The integration tests of `prow-runtime`, one binary (one link) for all of them.

mod cloudevents;
mod reload;
mod serve;
