//! HTTP serving: the base routes, a span per request, and graceful shutdown. Knative sends
//! SIGTERM before removing a pod; requests in flight finish before the process exits.

use crate::outcome::OutcomeLabels;
use anyhow::Context;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prow_metrics::{EventOutcomeLabels, Metrics};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::Instrument;

/// `GET /healthz` and `GET /metrics`, every function's.
pub fn base_routes(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(serve_metrics))
        .with_state(metrics)
}

async fn serve_metrics(State(metrics): State<Arc<Metrics>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.encode(),
    )
        .into_response()
}

/// Wraps every route in a span per request, and counts the outcomes of event routes.
pub fn trace_requests(router: Router, metrics: Arc<Metrics>) -> Router {
    router.layer(middleware::from_fn_with_state(metrics, trace_request))
}

/// Opens a span per request (the route, not the raw path, so IDs do not explode cardinality),
/// logs server errors once, and counts each [`crate::Outcome`] an event route answered with.
async fn trace_request(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_string(),
        |p| p.as_str().to_string(),
    );
    let span = tracing::info_span!("request", method = %request.method(), route = %route);
    async move {
        let started = std::time::Instant::now();
        let response = next.run(request).await;
        if let Some(labels) = response.extensions().get::<OutcomeLabels>() {
            metrics
                .event_outcomes
                .get_or_create(&EventOutcomeLabels {
                    route: route.clone(),
                    outcome: labels.outcome.to_string(),
                    kind: labels.kind.to_string(),
                })
                .inc();
        }
        let status = response.status();
        if status.is_server_error() {
            tracing::error!(
                status = status.as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request failed"
            );
        } else {
            tracing::debug!(
                status = status.as_u16(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "request served"
            );
        }
        response
    }
    .instrument(span)
    .await
}

/// Serves on `address` until SIGTERM or Ctrl-C.
pub async fn serve_http(router: Router, address: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address}"))?;
    tracing::info!(address = %listener.local_addr().unwrap_or(address), "serving");
    serve_until(listener, router, shutdown_signal()).await
}

/// Serves on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP")
}

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down");
}
