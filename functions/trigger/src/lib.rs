//! The `trigger` function (upstream: the trigger plugin and the `sub` Pub/Sub subscriber).
//! `POST /` takes hook's CloudEvents (`dev.prow.github.<event>`, binary or structured mode) and
//! starts the presubmits and postsubmits they call for; `POST /pubsub` takes Pub/Sub push
//! deliveries of upstream's `ProwJobEvent` messages. ProwJobs are created through the job store
//! port with names derived from what triggered them, so a redelivery creates nothing twice; the
//! answer is 2xx only once every job exists, so a failure is redelivered.
//!
//! Boundary: this crate gathers facts through the GitHub port and acts; the decisions are
//! `prow-trigger`'s.

mod github;
pub mod pubsub;
pub mod push_auth;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use k8s_openapi::jiff::Timestamp;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prow_api::ProwJob;
use prow_api::store::{JobStore, StoreError};
use prow_github::Event;
use prow_github::client::GitHubClient;
use prow_github::comment::GenericCommentEvent;
use prow_runtime::cloudevents::{CloudEvent, GITHUB_EVENT_TYPE_PREFIX};
use prow_runtime::{ConfigHandle, FunctionContext};
use pubsub::DeadLetter;
use push_auth::PushAuth;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why an event was not handled.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// It may work next time (GitHub or the job store failed): answer 5xx, the sender retries.
    #[error("{0}")]
    Retry(String),
    /// It never will (malformed, unknown job): acknowledge, log, dead-letter.
    #[error("{0}")]
    Permanent(String),
}

#[derive(Clone)]
pub struct Trigger(Arc<Inner>);

struct Inner {
    store: Arc<dyn JobStore>,
    github: Option<Arc<dyn GitHubClient>>,
    config: ConfigHandle,
    push_auth: PushAuth,
    dead_letter: Option<DeadLetter>,
    created: Family<Vec<(String, String)>, Counter>,
}

/// What the function is built from besides its configuration.
pub struct TriggerOptions {
    pub store: Arc<dyn JobStore>,
    pub github: Option<Arc<dyn GitHubClient>>,
    /// Who may push Pub/Sub messages.
    pub push_auth: PushAuth,
    pub dead_letter: Option<DeadLetter>,
}

impl Trigger {
    pub fn new(
        options: TriggerOptions,
        config: ConfigHandle,
        metrics: &prow_runtime::Metrics,
    ) -> Trigger {
        let created = Family::<Vec<(String, String)>, Counter>::default();
        metrics.register(
            "trigger_prowjobs_created",
            "ProwJobs trigger created, by job type",
            created.clone(),
        );
        Trigger(Arc::new(Inner {
            store: options.store,
            github: options.github,
            config,
            push_auth: options.push_auth,
            dead_letter: options.dead_letter,
            created,
        }))
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/", post(receive_event))
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
                    self.0
                        .created
                        .get_or_create(&vec![(
                            "type".to_string(),
                            job.spec.job_type.as_str().to_string(),
                        )])
                        .inc();
                    tracing::info!(prowjob = job.name(), job = %job.spec.job, "ProwJob created");
                    created.push(job.name().to_string());
                }
                Err(StoreError::AlreadyExists(_)) => {}
                Err(e) => {
                    return Err(TriggerError::Retry(format!(
                        "creating {} ({}): {e}",
                        job.name(),
                        job.spec.job
                    )));
                }
            }
        }
        Ok(created)
    }

    /// Handles one of hook's events.
    pub async fn handle(&self, event: &CloudEvent) -> Result<github::Handled, TriggerError> {
        let Some(name) = event.event_type.strip_prefix(GITHUB_EVENT_TYPE_PREFIX) else {
            return Err(TriggerError::Permanent(format!(
                "not a GitHub event: {}",
                event.event_type
            )));
        };
        let parsed =
            Event::parse(name, &event.data).map_err(|e| TriggerError::Permanent(e.to_string()))?;
        match &parsed {
            Event::PullRequest(pr) => self.pull_request(pr, &event.id).await,
            Event::Push(push) => self.push(push, &event.id).await,
            Event::IssueComment(_)
            | Event::PullRequestReview(_)
            | Event::PullRequestReviewComment(_) => {
                match GenericCommentEvent::from_event(&parsed, &event.id) {
                    Some(comment) => self.comment(&comment, &event.id).await,
                    None => Ok(github::Handled::default()),
                }
            }
            _ => Ok(github::Handled::default()),
        }
    }

    /// Handles one Pub/Sub push delivery.
    pub async fn handle_push(
        &self,
        envelope: &pubsub::PushEnvelope,
    ) -> Result<Vec<String>, TriggerError> {
        let config = self.0.config.current();
        let job = pubsub::prowjob_for(&config, &envelope.message, Timestamp::now())?;
        self.create(vec![job]).await
    }

    async fn dead_letter(
        &self,
        envelope: &pubsub::PushEnvelope,
        reason: &str,
    ) -> Result<(), String> {
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
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let event = match CloudEvent::from_http(&headers, body) {
        Ok(event) => event,
        Err(error) => return (StatusCode::BAD_REQUEST, error.to_string()),
    };
    match trigger.handle(&event).await {
        Ok(handled) => (
            StatusCode::OK,
            serde_json::json!({"created": handled.created, "aborted": handled.aborted, "note": handled.note})
                .to_string(),
        ),
        Err(TriggerError::Permanent(reason)) => {
            tracing::warn!(event_id = %event.id, %reason, "event dropped");
            (StatusCode::OK, format!("dropped: {reason}"))
        }
        Err(TriggerError::Retry(reason)) => {
            tracing::error!(event_id = %event.id, %reason, "event failed; it will be redelivered");
            (StatusCode::INTERNAL_SERVER_ERROR, format!("failed, retry: {reason}"))
        }
    }
}

async fn receive_push(
    State(trigger): State<Trigger>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
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
        return (
            StatusCode::UNAUTHORIZED,
            "the push is not authenticated".into(),
        );
    }
    let envelope: pubsub::PushEnvelope = match serde_json::from_slice(&body) {
        Ok(envelope) => envelope,
        // Not a push envelope at all: nothing to redeliver or dead-letter.
        Err(error) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("not a push envelope: {error}"),
            );
        }
    };
    let id = envelope.message.message_id.clone();
    match trigger.handle_push(&envelope).await {
        Ok(created) => (
            StatusCode::OK,
            serde_json::json!({"created": created}).to_string(),
        ),
        Err(TriggerError::Permanent(reason)) => {
            tracing::warn!(message_id = %id, subscription = %envelope.subscription, %reason, "message acknowledged without a job");
            match trigger.dead_letter(&envelope, &reason).await {
                Ok(()) => (StatusCode::OK, format!("dead-lettered: {reason}")),
                Err(error) => {
                    tracing::error!(message_id = %id, %error, "dead-lettering failed; the message will be redelivered");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "dead-lettering failed".into(),
                    )
                }
            }
        }
        Err(TriggerError::Retry(reason)) => {
            tracing::error!(message_id = %id, %reason, "message failed; it will be redelivered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("failed, retry: {reason}"),
            )
        }
    }
}

/// The function as deployed: ProwJobs in `prowjob_namespace` of this cluster; GitHub through
/// the token or App flags; the dead-letter topic from `$TRIGGER_DEAD_LETTER_TOPIC`
/// (`projects/<p>/topics/<t>`). Pub/Sub pushes are verified as OIDC tokens for
/// `$TRIGGER_PUSH_AUDIENCE` (signed by Google, or the keys at `$TRIGGER_PUSH_JWKS_URL`), from
/// `$TRIGGER_PUSH_SERVICE_ACCOUNT` when set; or, for the emulator, with the shared token in
/// `$TRIGGER_PUSH_TOKEN_FILE`. With neither, pushes are refused.
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    use prow_github_octocrab::OctocrabGitHub;
    let config = context.config.current();
    let args = &context.args;
    let dead_letter_topic = std::env::var("TRIGGER_DEAD_LETTER_TOPIC").ok();
    let client = prow_runtime::block_on_at_startup(kube::Client::try_default())??;
    let dead_letter = dead_letter_topic
        .map(|topic| DeadLetter::new(&topic, Arc::new(prow_pubsub::PubSubPublishers::from_env())));
    let github = OctocrabGitHub::from_args(args, "trigger", &context.metrics)?
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
    let store = Arc::new(prow_kube::KubeJobStore::new(
        client,
        &config.prow.prowjob_namespace,
    ));
    Ok(Trigger::new(
        TriggerOptions {
            store,
            github,
            push_auth,
            dead_letter,
        },
        context.config.clone(),
        &context.metrics,
    )
    .router())
}
