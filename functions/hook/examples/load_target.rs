//! A server for `scripts/bench-hook.sh`: the real hook router, or a bare axum handler that only
//! reads the request body, on one loopback port.
//!
//!   load_target hook-sink SECRET_FILE PORT   hook handing events to an in-process CloudEvent sink
//!                                            over HTTP (as with K_SINK)
//!   load_target hook-local SECRET_FILE PORT  hook in local mode (no plugins registered)
//!   load_target bare PORT                    the baseline: read the body, answer 200 (and /healthz)

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a benchmark helper fails loudly"
)]

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use hook::{Handoff, Hook, HookOptions, PluginRegistry};
use prow_ports::events::EventSink;
use prow_runtime::cloudevents::HttpSink;
use std::sync::Arc;

async fn listen(port: &str, router: Router) {
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    axum::serve(listener, router).await.unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        match args.get(1).map(String::as_str) {
            Some("bare") => {
                let router =
                    Router::new()
                        .route(
                            "/hook",
                            post(|body: Bytes| async move {
                                (StatusCode::OK, format!("{}", body.len()))
                            }),
                        )
                        .route("/healthz", axum::routing::get(|| async { "ok" }));
                listen(&args[2], router).await;
            }
            Some(mode @ ("hook-sink" | "hook-local")) => {
                let handoff = if mode == "hook-sink" {
                    let sink = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let address = sink.local_addr().unwrap();
                    tokio::spawn(async move {
                        let router = Router::new()
                            .route("/", post(|_body: Bytes| async { StatusCode::ACCEPTED }));
                        axum::serve(sink, router).await.unwrap();
                    });
                    Handoff::Sink(
                        Arc::new(HttpSink::new(format!("http://{address}/"))) as Arc<dyn EventSink>
                    )
                } else {
                    Handoff::InProcess
                };
                let config = prow_runtime::ConfigHandle::new(prow_config::Config::default());
                let metrics = prow_runtime::Metrics::new("hook");
                let hook = Hook::new(
                    config,
                    &metrics,
                    HookOptions::new(args[2].clone().into(), handoff, PluginRegistry::default()),
                )
                .unwrap();
                listen(&args[3], hook.router()).await;
            }
            _ => eprintln!(
                "usage: load_target bare PORT | hook-sink SECRET PORT | hook-local SECRET PORT"
            ),
        }
    });
}
