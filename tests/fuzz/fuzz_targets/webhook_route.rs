//! hook's `POST /hook` as GitHub reaches it (the `routes` feature): the real router, driven in
//! memory with `tower::ServiceExt::oneshot` on a current-thread runtime, headers and body from the
//! input, each event handed to a sink that accepts it (or, in one mode, refuses it) so nothing
//! leaves the process. The inputs are `webhook_intake`'s.
//!
//! Input: the first line picks how the delivery is signed, the lines after it up to an empty
//! line are headers (`Name: value`), the rest is the body:
//! - `signed`: `X-Hub-Signature-256` is set to the body's valid signature, so the payload is read;
//! - `forged`: signed with a secret hook does not hold;
//! - `scoped` / `scoped-org`: hook's secret file is upstream's scoped form (`'*'` and `octo-org`
//!   tokens) and the body is signed with the `*` or the org token;
//! - `refused`: signed, but the sink refuses the event (hook must answer 503 and forget it);
//! - anything else: the headers as given (unsigned, or a signature the input carries).
//!
//! Every delivery is posted twice, so the second is a redelivery of the first.

#![no_main]

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use hook::{Handoff, Hook, HookOptions, PluginRegistry};
use libfuzzer_sys::fuzz_target;
use prow_fuzz::fatal;
use prow_github::webhook::signature;
use prow_ports::clock::ManualClock;
use prow_ports::events::{CloudEvent, EventError, EventSink, SinkFuture};
use prow_runtime::{ConfigHandle, Metrics};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tower::ServiceExt;

const SECRET: &[u8] = b"fuzz-hmac-secret";
const ORG_SECRET: &[u8] = b"fuzz-org-secret";
const FORGED_SECRET: &[u8] = b"not-the-secret";
const SCOPED_SECRET_FILE: &str = "'*':\n- value: fuzz-hmac-secret\n  created_at: 2024-01-01T00:00:00Z\nocto-org:\n- value: fuzz-org-secret\n";
/// The webhook limit hook is given here: small, so the size check is reached too.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A sink that takes every event, or refuses every one.
struct Sink {
    accept: bool,
}

impl EventSink for Sink {
    fn send<'a>(&'a self, _event: &'a CloudEvent) -> SinkFuture<'a> {
        let accept = self.accept;
        Box::pin(async move {
            if accept {
                Ok(())
            } else {
                Err(EventError::Refused {
                    sink: "http://sink.invalid".into(),
                    status: 500,
                })
            }
        })
    }
}

struct Hooks {
    runtime: tokio::runtime::Runtime,
    single: axum::Router,
    scoped: axum::Router,
    refusing: axum::Router,
}

fn config() -> ConfigHandle {
    use prow_config::{LoadOptions, Source, Sources};
    let sources = Sources {
        config: Source::new("config.yaml", "pod_namespace: test-pods\n"),
        job_files: vec![],
        plugins: Some(Source::new(
            "plugins.yaml",
            "plugins:\n  octo-org:\n    plugins: [lgtm, label, hold, trigger]\n",
        )),
    };
    match prow_config::load_sources(&sources, LoadOptions::default()) {
        Ok(loaded) => ConfigHandle::new(loaded.config),
        Err(error) => fatal("the fuzz configuration does not load", &error),
    }
}

fn router(secret_file: &[u8], accept: bool) -> axum::Router {
    let path = std::env::temp_dir().join(format!(
        "prow-fuzz-hmac-{}-{}",
        std::process::id(),
        secret_file.len()
    ));
    if let Err(error) = std::fs::write(&path, secret_file) {
        fatal("writing the HMAC secret file", &error);
    }
    let hook = Hook::new(
        config(),
        &Metrics::new("hook"),
        HookOptions {
            hmac_secret_file: path.clone(),
            github: None,
            handoff: Handoff::Sink(Arc::new(Sink { accept })),
            plugins: PluginRegistry::for_hook(),
            max_body_bytes: MAX_BODY_BYTES,
            dedupe_window: Duration::from_secs(3600),
            clock: Arc::new(ManualClock::new(jiff::Timestamp::UNIX_EPOCH)),
            images: None,
            config_maps: None,
        },
    );
    // Read once at start-up; hook keeps the secret when the file is gone.
    let _ = std::fs::remove_file(&path);
    match hook {
        Ok(hook) => hook.router(),
        Err(error) => fatal("starting hook", &error),
    }
}

static HOOKS: LazyLock<Hooks> = LazyLock::new(|| {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => fatal("starting the runtime", &error),
    };
    Hooks {
        runtime,
        single: router(SECRET, true),
        scoped: router(SCOPED_SECRET_FILE.as_bytes(), true),
        refusing: router(SECRET, false),
    }
});

fuzz_target!(|data: &[u8]| {
    let hooks = &*HOOKS;
    let input = prow_fuzz::Request::parse(data);
    let body = input.body;
    let (router, key) = match input.first_line {
        b"signed" => (&hooks.single, Some(SECRET)),
        b"forged" => (&hooks.single, Some(FORGED_SECRET)),
        b"scoped" => (&hooks.scoped, Some(SECRET)),
        b"scoped-org" => (&hooks.scoped, Some(ORG_SECRET)),
        b"refused" => (&hooks.refusing, Some(SECRET)),
        _ => (&hooks.single, None),
    };
    for _ in 0..2 {
        let mut request = Request::builder().method(Method::POST).uri("/hook");
        for (name, value) in &input.headers {
            let is_signature = name.eq_ignore_ascii_case(b"x-hub-signature-256");
            if key.is_some() && is_signature {
                continue;
            }
            if let (Ok(name), Ok(value)) =
                (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
            {
                request = request.header(name, value);
            }
        }
        if let Some(key) = key {
            request = request.header("x-hub-signature-256", signature(key, body));
        }
        let Ok(request) = request.body(Body::from(body.to_vec())) else {
            return;
        };
        hooks.runtime.block_on(async {
            // The router's error type is `Infallible`.
            let Ok(response) = router.clone().oneshot(request).await;
            let status = response.status();
            // GitHub is answered 2xx, 4xx or (a failed hand-off) 503: never another 5xx.
            assert!(
                status.is_success()
                    || status.is_client_error()
                    || status == axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "hook answered {status}"
            );
            let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
        });
    }
});
