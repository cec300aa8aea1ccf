//! The `trigger` function (upstream: the trigger plugin and the `sub` Pub/Sub subscriber).
//! `POST /` takes hook's CloudEvents (`dev.prow.github.<event>`, binary or structured mode), checks
//! that GitHub signed them (the `ghsignature` extension against `--hmac-secret-file`: a CloudEvent
//! anyone else posts is refused), and runs the trigger plugin on them, which starts the
//! presubmits and postsubmits they call for; `POST /pubsub` takes Pub/Sub push deliveries of
//! upstream's `ProwJobEvent` messages. ProwJobs are created through the job store port with names
//! derived from what triggered them, so a redelivery creates nothing twice; the answer is 2xx only
//! once every job exists, so a failure is redelivered.
//!
//! Boundary: this crate authenticates, wires the ports and answers; the plugin decides
//! (`prow_plugins::plugins::trigger`).

pub mod pubsub;
pub mod push_auth;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prow_api::ProwJob;
use prow_plugins::delivery::DeliveryError;
use prow_plugins::registry::applies;
use prow_plugins::{Delivery, Occasion, Ports, Ran, RunError};
use prow_ports::Failure;
use prow_ports::clock::Clock;
use prow_ports::events::AttributesReader;
use prow_ports::github::GitHubClient;
use prow_ports::store::{JobStore, StoreError};
use prow_runtime::cloudevents::ReceivedEvent;
use prow_runtime::secret_file::SecretFile;
use prow_runtime::store_failure::StoreFailure;
use prow_runtime::{ConfigHandle, FunctionContext, Outcome};
use pubsub::{DeadLetter, MessageError};
use push_auth::PushAuth;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why an event was not handled. [`Failure::retryable`] decides: GitHub or the job store failing
/// in a way that may pass answers 5xx so the sender retries; an event that can never be handled
/// (malformed, an unknown job) is acknowledged, logged, and for Pub/Sub dead-lettered.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error(transparent)]
    Store(#[from] StoreFailure),
    #[error(transparent)]
    Message(#[from] MessageError),
    #[error(transparent)]
    Run(#[from] RunError),
}

impl Failure for TriggerError {
    fn kind(&self) -> &'static str {
        match self {
            TriggerError::Store(error) => error.kind(),
            TriggerError::Message(_) => "message_invalid",
            TriggerError::Run(error) => error.kind(),
        }
    }

    /// GitHub and the job store are retried whatever they answered (a 404 from GitHub may be
    /// its replication lag); what the event itself says never changes, nor does a missing port.
    fn retryable(&self) -> bool {
        match self {
            TriggerError::Store(error) => error.retryable(),
            TriggerError::Message(_) => false,
            TriggerError::Run(RunError::Gather(
                prow_plugins::finder::GatherError::Unavailable(..),
            )) => false,
            TriggerError::Run(
                RunError::Gather(_)
                | RunError::Apply(prow_plugins::apply::ApplyError::GitHub { .. }),
            ) => true,
            TriggerError::Run(error) => error.retryable(),
        }
    }
}

#[derive(Clone)]
pub struct Trigger(Arc<Inner>);

struct Inner {
    store: Arc<dyn JobStore>,
    github: Option<Arc<dyn GitHubClient>>,
    config: ConfigHandle,
    push_auth: PushAuth,
    dead_letter: Option<DeadLetter>,
    clock: Arc<dyn Clock>,
    /// Who may send GitHub events: what GitHub signed with this secret.
    secret: SecretFile,
    created: Family<Vec<(String, String)>, Counter>,
}

/// What the function is built from besides its configuration.
pub struct TriggerOptions {
    pub store: Arc<dyn JobStore>,
    pub github: Option<Arc<dyn GitHubClient>>,
    /// Who may push Pub/Sub messages.
    pub push_auth: PushAuth,
    pub dead_letter: Option<DeadLetter>,
    /// The start time of the ProwJobs it creates.
    pub clock: Arc<dyn Clock>,
    /// The webhook's HMAC secret file: only GitHub events signed with it are acted on.
    pub hmac_secret_file: std::path::PathBuf,
}

impl Trigger {
    /// Fails when the HMAC secret file cannot be read.
    pub fn new(
        options: TriggerOptions,
        config: ConfigHandle,
        metrics: &prow_runtime::Metrics,
    ) -> anyhow::Result<Trigger> {
        let created = Family::<Vec<(String, String)>, Counter>::default();
        metrics.register(
            "trigger_prowjobs_created",
            "ProwJobs trigger created, by job type",
            created.clone(),
        );
        Ok(Trigger(Arc::new(Inner {
            store: options.store,
            github: options.github,
            config,
            push_auth: options.push_auth,
            dead_letter: options.dead_letter,
            clock: options.clock,
            secret: SecretFile::open(options.hmac_secret_file)?,
            created,
        })))
    }

    /// Every route: CloudEvents at `/` and Pub/Sub pushes at `/pubsub`.
    pub fn router(self) -> Router {
        Router::new()
            .route("/", post(receive_event))
            .route("/pubsub", post(receive_push))
            .with_state(self)
    }

    /// Only `/pubsub`: for the public Service Pub/Sub pushes to (`TRIGGER_ROUTES=pubsub`), so
    /// that CloudEvents are taken only inside the cluster.
    pub fn pubsub_router(self) -> Router {
        Router::new()
            .route("/pubsub", post(receive_push))
            .with_state(self)
    }

    /// Creates the jobs; one that exists already (a redelivery) is fine. Returns the names of
    /// the jobs created now.
    async fn create(&self, jobs: Vec<ProwJob>) -> Result<Vec<String>, TriggerError> {
        let mut created = Vec::new();
        for job in jobs {
            match self.0.store.create(&job).await {
                Ok(_) => {
                    self.count_created(&job);
                    tracing::info!(prowjob = job.name(), job = %job.spec.job, "ProwJob created");
                    created.push(job.name().to_string());
                }
                Err(StoreError::AlreadyExists(_)) => {}
                Err(source) => {
                    let what = format!("creating {} ({})", job.name(), job.spec.job);
                    return Err(StoreFailure { what, source }.into());
                }
            }
        }
        Ok(created)
    }

    /// Runs the trigger plugin on a delivery hook forwarded (its signature already checked).
    pub async fn handle(&self, delivery: &Delivery) -> Result<Option<Ran>, TriggerError> {
        let config = self.0.config.current();
        let plugin = prow_plugins::plugins::trigger::Trigger;
        if !applies(&plugin, &config, delivery) {
            return Ok(None);
        }
        let ports = Ports {
            github: self.0.github.as_deref(),
            jobs: Some(self.0.store.as_ref()),
            images: None,
            config_maps: None,
            clock: self.0.clock.as_ref(),
        };
        let ran = prow_plugins::run(&plugin, Occasion::Delivery(delivery), &config, &ports).await?;
        for name in &ran.applied.created {
            tracing::info!(prowjob = %name, event_guid = %delivery.id, "ProwJob created");
        }
        for action in &ran.actions {
            if let prow_plugins::Action::CreateJobs(jobs) = action {
                for job in jobs
                    .iter()
                    .filter(|j| ran.applied.created.contains(&j.name().to_string()))
                {
                    self.count_created(job);
                }
            }
        }
        Ok(Some(ran))
    }

    fn count_created(&self, job: &ProwJob) {
        self.0
            .created
            .get_or_create(&vec![(
                "type".to_string(),
                job.spec.job_type.as_str().to_string(),
            )])
            .inc();
    }

    /// Handles one Pub/Sub push delivery.
    pub async fn handle_push(
        &self,
        envelope: &pubsub::PushEnvelope,
    ) -> Result<Vec<String>, TriggerError> {
        let config = self.0.config.current();
        let job = pubsub::prowjob_for(&config, &envelope.message, self.0.clock.now())?;
        pubsub::check_allowed(&config, &envelope.subscription, &job)?;
        self.create(vec![job]).await
    }

    async fn dead_letter(
        &self,
        envelope: &pubsub::PushEnvelope,
        reason: &str,
    ) -> Result<(), prow_ports::pubsub::PublishError> {
        let Some(dead_letter) = &self.0.dead_letter else {
            return Ok(());
        };
        let data = pubsub::decode(&envelope.message)
            .unwrap_or_else(|_| envelope.message.data.clone().into_bytes());
        let mut attributes: BTreeMap<String, String> = envelope.message.attributes.clone();
        attributes.insert("prow.k8s.io/dead-letter.reason".into(), reason.to_string());
        attributes.insert(
            "prow.k8s.io/dead-letter.subscription".into(),
            envelope.subscription.clone(),
        );
        attributes.insert(
            "prow.k8s.io/dead-letter.message-id".into(),
            envelope.message.message_id.clone(),
        );
        dead_letter.publish(data, attributes).await
    }
}

async fn receive_event(
    State(trigger): State<Trigger>,
    ReceivedEvent(event): ReceivedEvent,
) -> Outcome {
    let delivery = match Delivery::from_cloud_event(&event, &trigger.0.secret.current()) {
        Ok(delivery) => delivery,
        Err(error @ DeliveryError::Unsigned(_)) => {
            return Outcome::refused(StatusCode::FORBIDDEN, error.to_string());
        }
        Err(error @ DeliveryError::NotGitHub(_)) => {
            return Outcome::done(format!("ignored: {error}"));
        }
        Err(error @ DeliveryError::Payload(_)) => {
            return Outcome::give_up("payload_invalid", error.to_string());
        }
    };
    match trigger.handle(&delivery).await {
        Ok(Some(ran)) => Outcome::done(
            serde_json::json!({"created": ran.applied.created, "aborted": ran.applied.aborted})
                .to_string(),
        ),
        Ok(None) => Outcome::done("trigger is not enabled for the repository"),
        Err(error) => Outcome::failed(&format!("event {}", event.id()), &error),
    }
}

async fn receive_push(
    State(trigger): State<Trigger>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Outcome {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Err(reason) = trigger
        .0
        .push_auth
        .check(bearer, query.get("token").map(String::as_str))
        .await
    {
        tracing::warn!(%reason, "a Pub/Sub push was refused");
        return Outcome::refused(StatusCode::UNAUTHORIZED, "the push is not authenticated");
    }
    let envelope: pubsub::PushEnvelope = match serde_json::from_slice(&body) {
        Ok(envelope) => envelope,
        // Not a push envelope at all: nothing to redeliver or dead-letter.
        Err(error) => {
            return Outcome::refused(
                StatusCode::BAD_REQUEST,
                format!("not a push envelope: {error}"),
            );
        }
    };
    let id = envelope.message.message_id.clone();
    match trigger.handle_push(&envelope).await {
        Ok(created) => Outcome::done(serde_json::json!({"created": created}).to_string()),
        Err(error) if !error.retryable() => {
            tracing::warn!(message_id = %id, subscription = %envelope.subscription, %error, "message acknowledged without a job");
            match trigger.dead_letter(&envelope, &error.to_string()).await {
                Ok(()) => Outcome::done(format!("dead-lettered: {error}")),
                Err(publish) => Outcome::failed("dead-lettering", &publish),
            }
        }
        Err(error) => Outcome::failed(&format!("message {id}"), &error),
    }
}

/// The function as deployed: ProwJobs in `prowjob_namespace` of this cluster; GitHub through
/// the token or App flags; the dead-letter topic from `$TRIGGER_DEAD_LETTER_TOPIC`
/// (`projects/<p>/topics/<t>`). Pub/Sub pushes are verified as OIDC tokens for
/// `$TRIGGER_PUSH_AUDIENCE` (signed by Google, or the keys at `$TRIGGER_PUSH_JWKS_URL`), from
/// `$TRIGGER_PUSH_SERVICE_ACCOUNT` when set; or, for the emulator, with the shared token in
/// `$TRIGGER_PUSH_TOKEN_FILE`. With neither, pushes are refused. `$TRIGGER_ROUTES=pubsub` serves
/// only the Pub/Sub route (the public Service pushes reach), `all` (the default) every route.
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    let dead_letter = std::env::var("TRIGGER_DEAD_LETTER_TOPIC")
        .ok()
        .map(|topic| DeadLetter::new(&topic, Arc::new(prow_pubsub::PubSubPublishers::from_env())));
    let github = context
        .github()?
        .map(|client| Arc::new(client) as Arc<dyn GitHubClient>);
    if github.is_none() {
        tracing::warn!("no GitHub credentials: GitHub events cannot be handled");
    }
    let push_auth = match (
        std::env::var("TRIGGER_PUSH_AUDIENCE"),
        std::env::var("TRIGGER_PUSH_TOKEN_FILE"),
    ) {
        (Ok(audience), _) => PushAuth::Oidc(Box::new(push_auth::OidcVerifier::new(
            &std::env::var("TRIGGER_PUSH_JWKS_URL")
                .unwrap_or_else(|_| push_auth::GOOGLE_JWKS_URL.to_string()),
            &audience,
            std::env::var("TRIGGER_PUSH_SERVICE_ACCOUNT").ok(),
        ))),
        (Err(_), Ok(path)) => PushAuth::Token(
            std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("reading the push token {path}: {e}"))?
                .trim()
                .to_string(),
        ),
        _ => PushAuth::Refuse,
    };
    let trigger = Trigger::new(
        TriggerOptions {
            store: context.job_store()?,
            github,
            push_auth,
            dead_letter,
            clock: context.clock.clone(),
            hmac_secret_file: context.args.hmac_secret_file.clone(),
        },
        context.config.clone(),
        &context.metrics,
    )?;
    match std::env::var("TRIGGER_ROUTES").as_deref() {
        Err(std::env::VarError::NotPresent) | Ok("all") => Ok(trigger.router()),
        Ok("pubsub") => Ok(trigger.pubsub_router()),
        Ok(other) => anyhow::bail!("TRIGGER_ROUTES={other:?}: expected \"all\" or \"pubsub\""),
        Err(error) => anyhow::bail!("TRIGGER_ROUTES: {error}"),
    }
}
