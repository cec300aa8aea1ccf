//! Adapters for local mode (`prow local`), where there is no cluster: the embedded job store
//! ([`EmbeddedJobStore`]) and the local executor ([`LocalExecutor`]), which runs a job's test
//! container as a local process with the pod utilities.

mod executor;
mod store;

pub use executor::{LocalExecutor, LocalExecutorOptions};
pub use store::EmbeddedJobStore;
