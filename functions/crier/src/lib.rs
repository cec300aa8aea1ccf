//! The `crier` function: reports ProwJob status (upstream crier). Woken by Knative
//! ApiServerSource events for ProwJobs, it reads the job and lets each enabled reporter (GitHub,
//! Pub/Sub, Slack) report the job's state unless `status.prev_report_states` says it already
//! has; then it writes the reported states back to the job. A reporter that fails in a way
//! retrying can mend answers 5xx, so the event is redelivered; what was reported is recorded
//! first, so a redelivery reports nothing twice. A PingSource resync reports whatever was
//! missed.
//!
//! Boundary: decisions (what to report, the comment, the messages) are `prow-crier`'s; this
//! crate reads the job store, calls the reporters' ports and records the outcome.

pub mod github;
mod metrics;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use metrics::CrierMetrics;
use prow_api::{ProwJob, ProwJobState};
use prow_crier::{GITHUB_REPORTER, PUBSUB_REPORTER, ReportTemplateError, SLACK_REPORTER};
use prow_plank::url::JobUrls;
use prow_ports::Failure;
use prow_ports::clock::Clock;
use prow_ports::events::{ProwEvent, Wake};
use prow_ports::github::GitHubError;
use prow_ports::pubsub::{Publish, PublishError};
use prow_ports::slack::{SlackError, SlackPoster};
use prow_ports::store::{JobStore, StoreError, update_fresh};
use prow_runtime::cloudevents::ReceivedEvent;
use prow_runtime::locks::KeyedLocks;
use prow_runtime::store_failure::StoreFailure;
use prow_runtime::{ConfigHandle, FunctionContext, Outcome};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use github::{GitHubReporter, ReportAs};

/// Why a report did not happen. [`Failure::retryable`] says whether the event is redelivered
/// (GitHub 5xx, rate limits, the network, Pub/Sub or Slack unavailable) or the report given up
/// (a missing topic, a channel Slack refuses, a template that does not render): logged and
/// counted.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{what}: {source}")]
    GitHub {
        what: &'static str,
        #[source]
        source: GitHubError,
    },
    #[error(transparent)]
    PubSub(#[from] PublishError),
    #[error(transparent)]
    Slack(#[from] SlackError),
    #[error(transparent)]
    Store(#[from] StoreFailure),
    #[error(transparent)]
    Template(#[from] ReportTemplateError),
    #[error("Gerrit: {0}")]
    Gerrit(#[from] prow_gerrit::sync::SyncError),
    /// Several reports failed; retried when any of them may pass.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Several(Vec<ReportError>),
}

impl ReportError {
    pub(crate) fn github(what: &'static str) -> impl FnOnce(GitHubError) -> ReportError {
        move |source| ReportError::GitHub { what, source }
    }
}

impl Failure for ReportError {
    fn kind(&self) -> &'static str {
        match self {
            ReportError::GitHub { source, .. } => source.kind(),
            ReportError::PubSub(error) => error.kind(),
            ReportError::Slack(error) => error.kind(),
            ReportError::Store(error) => error.kind(),
            ReportError::Template(_) => "report_template",
            ReportError::Gerrit(_) => "gerrit_report",
            ReportError::Several(errors) => errors.first().map_or("report", |e| e.kind()),
        }
    }

    fn retryable(&self) -> bool {
        match self {
            ReportError::GitHub { source, .. } => source.retryable(),
            ReportError::PubSub(error) => error.retryable(),
            ReportError::Slack(error) => error.retryable(),
            ReportError::Store(error) => error.retryable(),
            ReportError::Template(_) => false,
            ReportError::Gerrit(_) => true,
            ReportError::Several(errors) => errors.iter().any(Failure::retryable),
        }
    }
}

/// The reporters to run and what they need.
pub struct CrierOptions {
    pub store: Arc<dyn JobStore>,
    pub github: Option<GitHubReporter>,
    pub pubsub: Option<Arc<dyn Publish>>,
    pub slack: Option<Arc<dyn SlackPoster>>,
    /// Reviews with votes on Gerrit changes, for the jobs the Gerrit adapter started.
    pub gerrit: Option<Arc<dyn prow_ports::gerrit::GerritClient>>,
    /// `--report-agent`: report only jobs of this agent to GitHub.
    pub report_agent: Option<String>,
    /// For the report latency.
    pub clock: Arc<dyn Clock>,
}

#[derive(Clone)]
pub struct Crier(Arc<Inner>);

struct Inner {
    options: CrierOptions,
    config: ConfigHandle,
    metrics: CrierMetrics,
    jobs: KeyedLocks,
}

/// What happened to one job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reported {
    /// Reporters that reported the job's state now.
    pub reported: Vec<&'static str>,
    /// Reporters that failed for good (logged).
    pub failed: Vec<&'static str>,
}

impl Crier {
    pub fn new(
        options: CrierOptions,
        config: ConfigHandle,
        metrics: &prow_runtime::Metrics,
    ) -> Crier {
        Crier(Arc::new(Inner {
            options,
            config,
            metrics: CrierMetrics::register(metrics),
            jobs: KeyedLocks::default(),
        }))
    }

    pub fn router(self) -> Router {
        Router::new().route("/", post(receive)).with_state(self)
    }

    /// The reporters that would report `job`'s current state now.
    fn due(&self, job: &ProwJob) -> Vec<&'static str> {
        let config = self.0.config.current();
        let options = &self.0.options;
        let mut due = Vec::new();
        if options.github.is_some()
            && prow_crier::github::reports(
                job,
                &config.prow.github_reporter,
                options.report_agent.as_deref(),
            )
        {
            due.push(GITHUB_REPORTER);
        }
        if options.pubsub.is_some() && prow_crier::pubsub::reports(job) {
            due.push(PUBSUB_REPORTER);
        }
        if options.slack.is_some()
            && !matches!(
                prow_crier::slack::message(job, &config.prow.slack_reporter_configs),
                Ok(None)
            )
        {
            due.push(SLACK_REPORTER);
        }
        if options.gerrit.is_some() && job.spec.report && prow_gerrit::sync::reportable(job) {
            due.push(prow_gerrit::sync::REPORTER);
        }
        due.retain(|reporter| !prow_crier::already_reported(job, reporter));
        due
    }

    /// Reports job `name`'s current state to every reporter that has not yet reported it, and
    /// records them. An error means some report should be retried (what did succeed is recorded).
    pub async fn report_job(&self, name: &str) -> Result<Reported, ReportError> {
        let _locked = self.0.jobs.lock(name).await;
        let store = &self.0.options.store;
        let job = match store.get(name).await {
            Ok(job) => job,
            Err(StoreError::NotFound(_)) => return Ok(Reported::default()),
            Err(source) => {
                let what = format!("reading {name}");
                return Err(StoreFailure { what, source }.into());
            }
        };
        let Some(state) = job.status.state else {
            return Ok(Reported::default());
        };
        let mut outcome = Reported::default();
        let mut retry = Vec::new();
        for reporter in self.due(&job) {
            // A report GitHub may have taken just before an earlier crier died is checked, not
            // sent blindly again; any other is marked in flight first.
            let resuming = prow_crier::in_flight(&job, reporter) == Some(state);
            if reporter == GITHUB_REPORTER && !resuming {
                self.mark_in_flight(name, reporter, state).await?;
            }
            match self.report(reporter, &job, resuming).await {
                Ok(()) => {
                    self.0.metrics.result(reporter, true);
                    if let Some(completed) = &job.status.completion_time {
                        let seconds = self
                            .0
                            .options
                            .clock
                            .now()
                            .duration_since(completed.0)
                            .as_secs_f64();
                        self.0.metrics.latency(reporter, seconds.max(0.0));
                    }
                    tracing::info!(prowjob = name, job = %job.spec.job, reporter, state = state.as_str(), "reported");
                    outcome.reported.push(reporter);
                }
                Err(error) if !error.retryable() => {
                    self.0.metrics.result(reporter, false);
                    tracing::error!(prowjob = name, reporter, %error, "reporting failed; not retrying");
                    outcome.failed.push(reporter);
                }
                Err(error) => {
                    self.0.metrics.result(reporter, false);
                    tracing::warn!(prowjob = name, reporter, %error, "reporting failed; will retry");
                    retry.push(error);
                }
            }
        }
        if !outcome.reported.is_empty() {
            self.record(name, state, &outcome.reported).await?;
        }
        match retry.len() {
            0 => Ok(outcome),
            1 => Err(retry.remove(0)),
            _ => Err(ReportError::Several(retry)),
        }
    }

    async fn report(
        &self,
        reporter: &str,
        job: &ProwJob,
        resuming: bool,
    ) -> Result<(), ReportError> {
        let config = self.0.config.current();
        let options = &self.0.options;
        match (reporter, &options.github, &options.pubsub, &options.slack) {
            (GITHUB_REPORTER, Some(github), _, _) => {
                github
                    .report(job, &config, options.store.as_ref(), resuming)
                    .await
            }
            (PUBSUB_REPORTER, _, Some(publisher), _) => {
                let urls = JobUrls::from_config(&config.prow.plank);
                let Some(message) = prow_crier::pubsub::message(job, &urls) else {
                    return Ok(());
                };
                let data = serde_json::to_vec(&message).unwrap_or_default();
                publisher
                    .publish(&message.topic_path(), data, BTreeMap::new())
                    .await
                    .map(drop)
                    .map_err(ReportError::from)
            }
            (SLACK_REPORTER, _, _, Some(poster)) => {
                let message = prow_crier::slack::message(job, &config.prow.slack_reporter_configs)?;
                let Some(message) = message else {
                    return Ok(());
                };
                poster
                    .post(&message.host, &message.channel, &message.text)
                    .await
                    .map_err(ReportError::from)
            }
            (prow_gerrit::sync::REPORTER, _, _, _) => match &options.gerrit {
                Some(gerrit) => {
                    // One report per change at a time: its jobs finishing together must not
                    // each report the whole patch set (upstream locks the same way).
                    let change = job.spec.refs.as_ref().map_or_else(String::new, |r| {
                        let pull = r.pulls.first().map_or(0, |p| p.number);
                        format!("gerrit:{}/{}#{pull}", r.org, r.repo)
                    });
                    let _change = self.0.jobs.lock(&change).await;
                    prow_gerrit::sync::report(gerrit.as_ref(), options.store.as_ref(), job)
                        .await
                        .map_err(ReportError::from)
                }
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Marks a report of `state` by `reporter` in flight on the job, before it is made.
    async fn mark_in_flight(
        &self,
        name: &str,
        reporter: &str,
        state: ProwJobState,
    ) -> Result<(), ReportError> {
        update_fresh(self.0.options.store.as_ref(), name, 8, |job| {
            prow_crier::mark_in_flight(job, reporter, state);
            true
        })
        .await
        .map_err(StoreFailure::doing(format!(
            "marking a report in flight on {name}"
        )))?;
        Ok(())
    }

    /// Writes `state` into `prev_report_states` for `reporters`, re-reading the job when another
    /// writer (the controller) changed it meanwhile.
    async fn record(
        &self,
        name: &str,
        state: ProwJobState,
        reporters: &[&'static str],
    ) -> Result<(), ReportError> {
        let recorded = update_fresh(self.0.options.store.as_ref(), name, 8, |job| {
            for reporter in reporters {
                prow_crier::mark_reported(job, reporter, state);
            }
            true
        })
        .await;
        recorded.map_err(StoreFailure::doing(format!(
            "recording the report on {name}"
        )))?;
        Ok(())
    }

    /// Every job some reporter has not reported yet (the resync ping), read a page at a time.
    pub async fn resync(&self) -> Result<usize, ReportError> {
        let store = &self.0.options.store;
        let mut next = None;
        let mut reported = 0;
        let mut errors = Vec::new();
        loop {
            let page = store
                .list_page("", 500, next.as_deref())
                .await
                .map_err(StoreFailure::doing("listing ProwJobs"))?;
            for job in page.jobs.iter().filter(|j| !self.due(j).is_empty()) {
                match self.report_job(job.name()).await {
                    Ok(outcome) => reported += usize::from(!outcome.reported.is_empty()),
                    Err(error) => {
                        tracing::warn!(prowjob = job.name(), %error, "reporting failed");
                        errors.push(error);
                    }
                }
            }
            next = page.continue_from;
            if next.is_none() {
                break;
            }
        }
        if errors.is_empty() {
            Ok(reported)
        } else {
            Err(ReportError::Several(errors))
        }
    }
}

async fn receive(State(crier): State<Crier>, ReceivedEvent(event): ReceivedEvent) -> Outcome {
    let result = match event.wake() {
        Ok(Wake::Ping) => crier
            .resync()
            .await
            .map(|n| format!("resync reported {n} jobs")),
        Ok(Wake::Object(object)) if object.kind == "ProwJob" && object.action != "delete" => crier
            .report_job(&object.name)
            .await
            .map(|outcome| format!("reported to {:?}", outcome.reported)),
        Ok(Wake::Object(object)) => {
            return Outcome::done(format!("ignored: {} {}", object.kind, object.name));
        }
        Ok(Wake::Other(event_type)) => {
            return Outcome::done(format!("ignored: event type {event_type}"));
        }
        Err(error) => return Outcome::refused(StatusCode::BAD_REQUEST, error.to_string()),
    };
    match result {
        Ok(text) => Outcome::done(text),
        Err(error) => Outcome::failed("reporting", &error),
    }
}

/// Slack tokens from `--slack-token-file` (host `*`) and `--additional-slack-token-files`.
fn slack_tokens(args: &prow_runtime::ReporterArgs) -> anyhow::Result<BTreeMap<String, String>> {
    let read = |path: &std::path::Path| -> anyhow::Result<String> {
        let token = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading the Slack token {}: {e}", path.display()))?;
        Ok(token.trim().to_string())
    };
    let mut tokens = BTreeMap::new();
    if let Some(path) = &args.slack_token_file {
        tokens.insert(prow_crier::slack::DEFAULT_HOST.to_string(), read(path)?);
    }
    for entry in &args.additional_slack_token_files {
        let (host, path) = entry.split_once('=').ok_or_else(|| {
            anyhow::anyhow!("--additional-slack-token-files {entry:?}: expected host=path")
        })?;
        tokens.insert(host.to_string(), read(std::path::Path::new(path))?);
    }
    anyhow::ensure!(
        !tokens.is_empty(),
        "--slack-workers needs --slack-token-file or --additional-slack-token-files"
    );
    Ok(tokens)
}

/// The function as deployed: ProwJobs in `prowjob_namespace` of the cluster it runs in; the
/// reporters the `--*-workers` flags switch on (at least one, as upstream requires).
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    let args = &context.args;
    let reporters = &args.reporters;
    anyhow::ensure!(
        reporters.github_workers
            + reporters.pubsub_workers
            + reporters.slack_workers
            + reporters.gerrit_workers
            > 0,
        "crier has no reporter: set --github-workers, --pubsub-workers, --slack-workers or --gerrit-workers above 0"
    );
    let gerrit = if reporters.gerrit_workers > 0 {
        let client = match &args.cookiefile {
            Some(path) => prow_gerrit_http::HttpGerrit::from_file(path)?,
            None => prow_gerrit_http::HttpGerrit::new(None)?,
        };
        Some(Arc::new(client) as Arc<dyn prow_ports::gerrit::GerritClient>)
    } else {
        None
    };
    let github = if reporters.github_workers > 0 {
        let client = context.github()?.ok_or_else(|| {
            anyhow::anyhow!("--github-workers needs --github-token-path or --github-app-id")
        })?;
        let report_as: ReportAs = reporters.github_report_as.parse()?;
        Some(GitHubReporter::new(Arc::new(client), report_as))
    } else {
        None
    };
    let pubsub = (reporters.pubsub_workers > 0)
        .then(|| Arc::new(prow_pubsub::PubSubPublishers::from_env()) as Arc<dyn Publish>);
    let slack = if reporters.slack_workers > 0 {
        Some(Arc::new(prow_slack::SlackWebApi::new(
            &reporters.slack_endpoint,
            slack_tokens(reporters)?,
        )) as Arc<dyn SlackPoster>)
    } else {
        None
    };
    Ok(Crier::new(
        CrierOptions {
            store: context.job_store()?,
            github,
            pubsub,
            slack,
            gerrit,
            report_agent: reporters.report_agent.clone().filter(|a| !a.is_empty()),
            clock: context.clock.clone(),
        },
        context.config.clone(),
        &context.metrics,
    )
    .router())
}
