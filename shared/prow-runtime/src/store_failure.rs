//! A job store call that failed, with what it was for: the store error the functions that act on
//! ProwJobs keep in their own error enums.

use prow_ports::Failure;
use prow_ports::store::StoreError;

/// A job store call made for `what` (`reading unit-1`, `listing ProwJobs`) that failed.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct StoreFailure {
    pub what: String,
    #[source]
    pub source: StoreError,
}

impl StoreFailure {
    /// For `map_err` on a store call made for `what`.
    pub fn doing(what: impl Into<String>) -> impl FnOnce(StoreError) -> StoreFailure {
        let what = what.into();
        move |source| StoreFailure { what, source }
    }
}

impl Failure for StoreFailure {
    fn kind(&self) -> &'static str {
        self.source.kind()
    }

    /// The store is retried whatever it answered: a conflict or an outage may pass.
    fn retryable(&self) -> bool {
        true
    }
}
