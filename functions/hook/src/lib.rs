//! The `hook` function. Receives GitHub webhooks on `POST /hook`, verifies them, runs the chat-ops plugins and forwards each event as a CloudEvent. Webhook intake arrives with the hook issue; today the function serves the shared runtime's routes on its configuration.
//!
//! Boundary: `app` builds this function's routes from its [`FunctionContext`]; the runtime adds
//! `/healthz` and `/metrics` and serves them.

use axum::Router;
use prow_runtime::FunctionContext;

/// This function's own routes.
pub fn app(_context: &FunctionContext) -> Router {
    Router::new()
}
