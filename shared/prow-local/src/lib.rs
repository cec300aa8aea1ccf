//! Adapters for local mode (`prow local`), where there is no cluster: the embedded job store
//! ([`EmbeddedJobStore`]). The local executor joins it with the controller.

mod store;

pub use store::EmbeddedJobStore;
