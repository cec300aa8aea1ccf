//! Logs and traces. Logs are JSON lines on stderr, filtered by `RUST_LOG` (default `info`). When
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, spans are also exported over OTLP/HTTP to that collector.

use anyhow::Context;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Flushes and stops trace export when dropped.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("flushing traces failed: {e}");
        }
    }
}

/// Installs the global subscriber for component `name`. Call once, outside the async runtime.
pub fn init_telemetry(name: &'static str) -> anyhow::Result<TelemetryGuard> {
    init_telemetry_with_default(name, "info")
}

/// As [`init_telemetry`], logging at `default_level` when `RUST_LOG` is not set.
pub fn init_telemetry_with_default(
    name: &'static str,
    default_level: &str,
) -> anyhow::Result<TelemetryGuard> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let logs = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(std::io::stderr);
    let provider = match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => {
            // The exporter reads the endpoint (and OTEL_EXPORTER_OTLP_HEADERS) itself.
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .build()
                .context("building the OTLP span exporter")?;
            let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| name.to_string());
            let resource = opentelemetry_sdk::Resource::builder()
                .with_service_name(service)
                .build();
            Some(
                SdkTracerProvider::builder()
                    .with_resource(resource)
                    .with_batch_exporter(exporter)
                    .build(),
            )
        }
        _ => None,
    };
    let traces = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer(name))
            .boxed()
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init()
        .context("installing the log subscriber")?;
    Ok(TelemetryGuard { provider })
}
