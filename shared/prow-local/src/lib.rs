//! Adapters for local mode (`prow local`), where there is no cluster: the embedded job store
//! ([`EmbeddedJobStore`]) and the local executor ([`LocalExecutor`]), which runs a job's test
//! container as a local process with the pod utilities, and an in-process S3-compatible server
//! ([`LocalS3Server`]) for the artifacts.

mod executor;
mod policy;
mod s3;
mod store;

pub use executor::{LocalExecutor, LocalExecutorOptions};
pub use policy::{JobSelection, LOCAL_IMAGE, LocalRunPolicy};
pub use s3::LocalS3Server;
pub use store::EmbeddedJobStore;
