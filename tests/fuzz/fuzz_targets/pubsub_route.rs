//! Pub/Sub push deliveries as trigger takes them at `POST /pubsub` (the `routes` feature): the
//! real router, driven in memory, authenticated with the shared push token (`PushAuth::Token`),
//! the envelope decoded and its `ProwJobEvent` turned into a ProwJob against a small
//! configuration, created in a job store that keeps nothing; messages that can never start a job
//! go to a dead-letter topic that accepts everything. `pubsub::prowjob_for` is also called
//! directly on the decoded envelope.
//!
//! Input (`pubsub_push`'s): the first line is the query string (`token` alone stands for the valid
//! `token=<secret>`), then headers (`Name: value`) up to an empty line, then the body.

#![no_main]

use axum::body::Body;
use axum::http::{Method, Request};
use libfuzzer_sys::fuzz_target;
use prow_api::ProwJob;
use prow_config::{Config, LoadOptions, Source, Sources};
use prow_fuzz::fatal;
use prow_ports::clock::ManualClock;
use prow_ports::pubsub::{Publish, PublishFuture};
use prow_ports::store::{JobChanges, JobStore, Page, StoreError, StoreFuture};
use prow_runtime::{ConfigHandle, Metrics};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};
use tower::ServiceExt;
use trigger::pubsub::{DeadLetter, PushEnvelope, prowjob_for};
use trigger::push_auth::PushAuth;
use trigger::{Trigger, TriggerOptions};

const PUSH_TOKEN: &str = "fuzz-push-token";

use prow_fuzz::pubsub_config::{CONFIG_YAML, JOBS_YAML};

/// Takes every job and keeps none.
struct Store;

impl JobStore for Store {
    fn create<'a>(&'a self, job: &'a ProwJob) -> StoreFuture<'a, ProwJob> {
        Box::pin(async move { Ok(job.clone()) })
    }
    fn get<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ProwJob> {
        Box::pin(async move { Err(StoreError::NotFound(name.to_string())) })
    }
    fn list<'a>(&'a self, _selector: &'a str) -> StoreFuture<'a, Vec<ProwJob>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn list_page<'a>(
        &'a self,
        _selector: &'a str,
        _limit: usize,
        _continue_from: Option<&'a str>,
    ) -> StoreFuture<'a, Page> {
        Box::pin(async { Ok(Page::default()) })
    }
    fn update<'a>(&'a self, job: &'a ProwJob) -> StoreFuture<'a, ProwJob> {
        Box::pin(async move { Ok(job.clone()) })
    }
    fn delete<'a>(&'a self, _name: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    fn watch<'a>(&'a self, _selector: &'a str) -> StoreFuture<'a, JobChanges> {
        Box::pin(async { Err(StoreError::Backend("no watch here".into())) })
    }
}

/// A dead-letter topic that takes everything.
struct Topic;

impl Publish for Topic {
    fn publish<'a>(
        &'a self,
        _topic: &'a str,
        _data: Vec<u8>,
        _attributes: BTreeMap<String, String>,
    ) -> PublishFuture<'a> {
        Box::pin(async { Ok("1".to_string()) })
    }
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    config: Config,
    router: axum::Router,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let sources = Sources {
        config: Source::new("config.yaml", CONFIG_YAML),
        job_files: vec![Source::new("jobs.yaml", JOBS_YAML)],
        plugins: None,
    };
    let config = match prow_config::load_sources(&sources, LoadOptions { strict: true }) {
        Ok(loaded) => loaded.config,
        Err(error) => fatal("the fuzz configuration does not load", &error),
    };
    let secret = std::env::temp_dir().join(format!("prow-fuzz-push-{}", std::process::id()));
    if let Err(error) = std::fs::write(&secret, "fuzz-hmac-secret") {
        fatal("writing the HMAC secret file", &error);
    }
    let trigger = Trigger::new(
        TriggerOptions {
            store: Arc::new(Store),
            github: None,
            push_auth: PushAuth::Token(PUSH_TOKEN.to_string()),
            dead_letter: Some(DeadLetter::new("projects/p/topics/dead", Arc::new(Topic))),
            clock: Arc::new(ManualClock::new(jiff::Timestamp::UNIX_EPOCH)),
            hmac_secret_file: secret.clone(),
        },
        ConfigHandle::new(config.clone()),
        &Metrics::new("trigger"),
    );
    let _ = std::fs::remove_file(&secret);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => fatal("starting the runtime", &error),
    };
    match trigger {
        Ok(trigger) => Fixture {
            runtime,
            config,
            router: trigger.pubsub_router(),
        },
        Err(error) => fatal("starting trigger", &error),
    }
});

fuzz_target!(|data: &[u8]| {
    let fixture = &*FIXTURE;
    let input = prow_fuzz::Request::parse(data);
    let uri = match input.first_line {
        b"token" => format!("/pubsub?token={PUSH_TOKEN}"),
        other => format!("/pubsub?{}", String::from_utf8_lossy(other)),
    };
    let mut request = Request::builder().method(Method::POST).uri(uri);
    for (name, value) in input.header_map() {
        if let Some(name) = name {
            request = request.header(name, value);
        }
    }
    let body = input.body;

    if let Ok(envelope) = serde_json::from_slice::<PushEnvelope>(body) {
        let _ = prowjob_for(
            &fixture.config,
            &envelope.message,
            jiff::Timestamp::UNIX_EPOCH,
        );
    }

    let Ok(request) = request.body(Body::from(body.to_vec())) else {
        return;
    };
    fixture.runtime.block_on(async {
        // The router's error type is `Infallible`.
        let Ok(response) = fixture.router.clone().oneshot(request).await;
        let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
    });
});
