//! Pub/Sub push deliveries as trigger decodes them: the body read as Pub/Sub's push envelope
//! (`PushEnvelope`, message id and time in either spelling), the message's base64 data as
//! upstream's `ProwJobEvent`, the ProwJob it asks for (`prowjob_for`: a periodic, presubmit or
//! postsubmit of a small configuration, with the message's refs, environment, labels and
//! annotations), and whether its subscription may ask for it (`check_allowed`). trigger's own
//! `functions/trigger/src/pubsub.rs` is compiled in here, so the code fuzzed is the function's
//! without building its Pub/Sub and Kubernetes clients. (`pubsub_route`, behind the `routes`
//! feature, drives trigger's real `/pubsub` route.)
//!
//! Input (`pubsub_route`'s): a first line (the query string there), headers (`Name: value`) up to
//! an empty line, then the body.

#![no_main]

#[path = "../../../functions/trigger/src/pubsub.rs"]
#[expect(
    dead_code,
    reason = "trigger's module, compiled in whole; the dead-letter sender is not fuzzed"
)]
mod pubsub;

use libfuzzer_sys::fuzz_target;
use prow_config::{Config, LoadOptions, Source, Sources};
use prow_fuzz::{Request, fatal};
use pubsub::{PushEnvelope, check_allowed, decode, prowjob_for};
use std::sync::LazyLock;

use prow_fuzz::pubsub_config::{CONFIG_YAML, JOBS_YAML};

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    let sources = Sources {
        config: Source::new("config.yaml", CONFIG_YAML),
        job_files: vec![Source::new("jobs.yaml", JOBS_YAML)],
        plugins: None,
    };
    match prow_config::load_sources(&sources, LoadOptions { strict: true }) {
        Ok(loaded) => loaded.config,
        Err(error) => fatal("the fuzz configuration does not load", &error),
    }
});

fuzz_target!(|data: &[u8]| {
    let request = Request::parse(data);
    // Not an envelope: trigger answers 400 and that is all.
    let Ok(envelope) = serde_json::from_slice::<PushEnvelope>(request.body) else {
        return;
    };
    let now = k8s_openapi::jiff::Timestamp::UNIX_EPOCH;
    if let Ok(job) = prowjob_for(&CONFIG, &envelope.message, now)
        && check_allowed(&CONFIG, &envelope.subscription, &job).is_ok()
    {
        // The job trigger creates is sent to the job store as JSON.
        let _ = serde_json::to_vec(&job);
    }
    // What a message that can never start a job is dead-lettered with.
    let _ =
        decode(&envelope.message).unwrap_or_else(|_| envelope.message.data.clone().into_bytes());
});
