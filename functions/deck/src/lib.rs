//! The `deck` function. The web front end: jobs, logs, merge queue, plugin help. It serves no
//! pages yet: only the shared runtime's routes on its configuration.
//!
//! Boundary: `app` builds this function's routes from its [`FunctionContext`]; the runtime adds
//! `/healthz` and `/metrics` and serves them.

use axum::Router;
use prow_runtime::FunctionContext;

/// This function's own routes.
pub fn app(_context: &FunctionContext) -> anyhow::Result<Router> {
    Ok(Router::new())
}
