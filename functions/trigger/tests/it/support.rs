//! What trigger's tests share: trigger over an embedded job store in a fresh folder, asking the
//! GitHub stand-in, and the Pub/Sub push of the `nightly` periodic.

use github_standin::{GitHubStandIn, World};
use prow_github_octocrab::OctocrabGitHub;
use prow_local::EmbeddedJobStore;
use prow_ports::github::GitHubClient;
use prow_test_harness::standin_world::REPO;
use std::sync::Arc;
use trigger::pubsub::DeadLetter;
use trigger::push_auth::PushAuth;
use trigger::{Trigger, TriggerOptions};

/// The presubmit `unit` of acme/widgets and the periodic `nightly`.
pub(crate) const UNIT_AND_NIGHTLY: &str = r#"
presubmits:
  acme/widgets:
  - name: unit
    always_run: true
    spec: {containers: [{image: golang, command: [make, test]}]}
periodics:
- name: nightly
  interval: 24h
  spec: {containers: [{image: alpine, command: [make, nightly]}]}
"#;

/// trigger and the embedded job store it creates ProwJobs in; the store's folder lives as long
/// as `state`.
pub(crate) struct Embedded {
    pub(crate) trigger: Trigger,
    pub(crate) store: Arc<EmbeddedJobStore>,
    pub(crate) state: tempfile::TempDir,
}

/// trigger under `config`, asking `github`, taking pushes with `push_auth`, and checking GitHub
/// events against the harness's HMAC secret.
pub(crate) fn embedded_trigger(
    config: prow_config::Config,
    github: Option<Arc<dyn GitHubClient>>,
    push_auth: PushAuth,
    dead_letter: Option<DeadLetter>,
    metrics: &prow_runtime::Metrics,
) -> Embedded {
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedJobStore::open(state.path()).unwrap());
    let trigger = Trigger::new(
        TriggerOptions {
            store: store.clone(),
            github,
            push_auth,
            dead_letter,
            clock: prow_ports::clock::SystemClock::shared(),
            hmac_secret_file: prow_test_harness::hmac_secret_file(state.path()).unwrap(),
        },
        prow_runtime::ConfigHandle::new(config),
        metrics,
    )
    .unwrap();
    Embedded {
        trigger,
        store,
        state,
    }
}

/// A client of the stand-in with a token, its calls counted as trigger's.
pub(crate) fn github_client(
    standin: &GitHubStandIn,
    metrics: &prow_runtime::Metrics,
) -> OctocrabGitHub {
    OctocrabGitHub::with_token(&standin.url(), "ghp_test", "trigger", metrics).unwrap()
}

/// trigger's event routes over an embedded job store, asking the GitHub stand-in.
pub(crate) struct Bench {
    pub(crate) standin: GitHubStandIn,
    pub(crate) store: Arc<EmbeddedJobStore>,
    pub(crate) router: axum::Router,
    _state: tempfile::TempDir,
}

impl Bench {
    /// The stand-in serving `world`, and trigger under `config` asking it and taking pushes with
    /// `push_auth`.
    pub(crate) async fn start(
        world: World,
        config: prow_config::Config,
        push_auth: PushAuth,
    ) -> Bench {
        let standin = GitHubStandIn::start(world).await.unwrap();
        let metrics = prow_runtime::Metrics::new("trigger");
        let github = github_client(&standin, &metrics).for_event("trigger");
        let embedded = embedded_trigger(config, Some(Arc::new(github)), push_auth, None, &metrics);
        Bench {
            standin,
            store: embedded.store,
            router: embedded.trigger.router(),
            _state: embedded.state,
        }
    }

    /// The labels of issue or PR `number` of acme/widgets.
    pub(crate) fn labels(&self, number: u64) -> Vec<String> {
        self.standin
            .world()
            .issue(REPO, number)
            .unwrap()
            .labels
            .clone()
    }
}

/// A Pub/Sub push of upstream's `ProwJobEvent` for the `nightly` periodic, from the
/// subscription `prow-jobs` of project `p`.
pub(crate) fn nightly_push(message_id: &str) -> serde_json::Value {
    serde_json::json!({
        "message": {
            // base64 of {"name": "nightly"}
            "data": "eyJuYW1lIjogIm5pZ2h0bHkifQ==",
            "attributes": {"prow.k8s.io/pubsub.EventType": "prow.k8s.io/pubsub.PeriodicProwJobEvent"},
            "messageId": message_id,
        },
        "subscription": "projects/p/subscriptions/prow-jobs",
    })
}
