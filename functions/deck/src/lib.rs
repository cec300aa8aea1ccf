//! The `deck` function (upstream: deck), Prow's web front end. It reads ProwJobs through the job
//! store, runs' files through the artifact store (S3), tide's pools and hook's plugin help over
//! HTTP, and serves upstream's pages and JSON: the job list (`/`), a run (`/view/s3/...`), a job's
//! history, tide's pools and history, command help, `/prowjobs.js`, `/prowjob`, `/badge.svg`.
//! It keeps nothing of its own: the job list is read again when it is a few seconds old.
//!
//! Boundary: this crate reads and answers; what a page shows is `prow-deck`'s.

mod actions;
mod pages;
mod runs;
pub mod sources;

pub use actions::OAuthSettings;
pub use prow_deck::session::CookieSecret;
pub use sources::{HttpSources, Sources};

use axum::Router;
use axum::routing::get;
use prow_deck::joblist::{JobRow, visible};
use prow_ports::artifacts::Buckets;
use prow_ports::clock::Clock;
use prow_ports::store::{JobStore, StoreError};
use prow_runtime::{ConfigHandle, FunctionContext};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a read of the job list serves before it is read again (upstream deck re-lists on a
/// timer too).
pub const DEFAULT_JOB_LIST_AGE: Duration = Duration::from_secs(3);
/// Jobs read from the store at a time.
const LIST_PAGE: usize = 500;

/// What deck reads through.
pub struct DeckOptions {
    pub jobs: Arc<dyn JobStore>,
    pub buckets: Arc<dyn Buckets>,
    /// Tide's pools and hook's plugin help.
    pub sources: Arc<dyn Sources>,
    pub clock: Arc<dyn Clock>,
    /// Show hidden jobs and repositories (`--show-hidden`).
    pub show_hidden: bool,
    /// Buckets readable besides those the configuration names (local mode's own).
    pub extra_buckets: Vec<String>,
    pub job_list_age: Duration,
    /// GitHub as deck's bot sees it: org and team memberships, `/test` trust, for who may rerun.
    pub github: Option<Arc<dyn prow_ports::github::GitHubClient>>,
    /// Signing in with GitHub (`--github-oauth-config-file`).
    pub sign_in: Option<OAuthSettings>,
    /// Signs sessions and CSRF tokens (`--cookie-secret`); without it deck takes no POST.
    pub cookie_secret: Option<CookieSecret>,
    /// `POST /rerun` creates the job (`--rerun-creates-job`).
    pub rerun_creates_job: bool,
    /// For signing in (the code exchange, who signed in).
    pub http: reqwest::Client,
    /// The build clusters, for a running job's output (`/log`); none shows no live output.
    pub executor: Option<Arc<dyn prow_ports::executor::Executor>>,
    /// The configuration files, served as they are at `/config` and `/plugin-config`.
    pub config_files: Option<prow_config::ConfigPaths>,
}

#[derive(Clone)]
pub struct Deck(Arc<Inner>);

struct Inner {
    options: DeckOptions,
    config: ConfigHandle,
    snapshot: std::sync::Mutex<Option<Arc<Snapshot>>>,
    /// Held while the list is read, so one read serves everyone waiting.
    reading: tokio::sync::Mutex<()>,
    /// A read in the background is under way.
    refreshing: std::sync::atomic::AtomicBool,
    /// The buckets the configuration names, worked out once per configuration it loads.
    buckets: std::sync::Mutex<Option<AllowedBuckets>>,
}

struct AllowedBuckets {
    config: Arc<prow_config::Config>,
    names: Arc<std::collections::BTreeSet<String>>,
}

/// One read of the job list: the jobs this deck may show, their rows in list order, and what
/// the list page draws from all of them (the filters' choices, the queue chart), drawn once.
pub(crate) struct Snapshot {
    read_at: Instant,
    /// In list order, as the rows.
    pub(crate) jobs: Vec<prow_deck::api::KeptJob>,
    pub(crate) rows: Vec<JobRow>,
    pub(crate) choices: prow_deck::joblist::Choices,
    pub(crate) queue_chart: String,
}

impl Deck {
    pub fn new(options: DeckOptions, config: ConfigHandle) -> Deck {
        Deck(Arc::new(Inner {
            options,
            config,
            snapshot: std::sync::Mutex::new(None),
            reading: tokio::sync::Mutex::new(()),
            buckets: std::sync::Mutex::new(None),
            refreshing: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/", get(pages::index))
            .route("/prowjobs.js", get(pages::prowjobs_js))
            .route("/prowjob", get(pages::prowjob))
            .route("/badge.svg", get(pages::badge))
            .route("/tide", get(pages::tide))
            .route("/tide.js", get(pages::tide_js))
            .route("/tide-history", get(pages::tide_history))
            .route("/tide-history.js", get(pages::tide_history_js))
            .route("/command-help", get(pages::command_help))
            .route("/configured-jobs", get(pages::configured_index))
            .route("/configured-jobs/", get(pages::configured_index))
            .route("/configured-jobs/{org}/{repo}", get(pages::configured_jobs))
            .route("/plugin-help", get(pages::plugin_help_redirect))
            .route("/plugin-help.js", get(pages::plugin_help_js))
            .route("/static/deck.css", get(pages::stylesheet))
            .route("/static/deck.js", get(pages::script))
            .route("/view/s3/{bucket}", get(runs::view_bucket))
            .route("/view/s3/{bucket}/", get(runs::view_bucket))
            .route("/view/s3/{bucket}/{*path}", get(runs::view))
            .route("/artifact/s3/{bucket}/{*key}", get(runs::artifact))
            .route("/job-history/s3/{bucket}/{*path}", get(runs::job_history))
            .route("/pr-history", get(runs::pr_history))
            .route("/log", get(runs::live_log))
            .route("/config", get(pages::config_file))
            .route("/plugin-config", get(pages::plugin_config_file))
            .route("/github-login", get(actions::github_login))
            .route(
                "/github-login/redirect",
                get(actions::github_login_redirect),
            )
            .route("/github-logout", get(actions::github_logout))
            .route(
                "/rerun",
                get(actions::rerun_show).post(actions::rerun_create),
            )
            .route("/abort", get(actions::abort_show).post(actions::abort))
            .with_state(self)
    }

    pub(crate) fn options(&self) -> &DeckOptions {
        &self.0.options
    }

    pub(crate) fn config(&self) -> Arc<prow_config::Config> {
        self.0.config.current()
    }

    fn current(&self) -> Option<Arc<Snapshot>> {
        self.0
            .snapshot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The jobs and rows. The first reader reads them (others arriving meanwhile wait for that
    /// read); afterwards a list older than `job_list_age` is still served while one read in the
    /// background replaces it, so no reader waits for the store (upstream deck re-lists on a
    /// timer). A `job_list_age` of zero reads anew for every request.
    pub(crate) async fn snapshot(&self) -> Result<Arc<Snapshot>, StoreError> {
        use std::sync::atomic::Ordering;
        let age = self.0.options.job_list_age;
        if !age.is_zero()
            && let Some(snapshot) = self.current()
        {
            if snapshot.read_at.elapsed() >= age && !self.0.refreshing.swap(true, Ordering::AcqRel)
            {
                let deck = self.clone();
                tokio::spawn(async move {
                    if let Err(error) = deck.read_list().await {
                        tracing::warn!(%error, "reading the job list again");
                    }
                    deck.0.refreshing.store(false, Ordering::Release);
                });
            }
            return Ok(snapshot);
        }
        let _reading = self.0.reading.lock().await;
        if !age.is_zero()
            && let Some(snapshot) = self.current()
        {
            return Ok(snapshot);
        }
        self.read_list_locked().await
    }

    async fn read_list(&self) -> Result<Arc<Snapshot>, StoreError> {
        let _reading = self.0.reading.lock().await;
        self.read_list_locked().await
    }

    async fn read_list_locked(&self) -> Result<Arc<Snapshot>, StoreError> {
        let config = self.config();
        let hidden_repos = &config.prow.deck.hidden_repos;
        let show_hidden = self.0.options.show_hidden;
        // Read a page at a time and kept compact, so the parsed jobs of one page are all that is
        // held besides the kept list.
        let mut kept: Vec<(JobRow, prow_deck::api::KeptJob)> = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = self
                .0
                .options
                .jobs
                .list_page("", LIST_PAGE, next.as_deref())
                .await?;
            for job in page
                .jobs
                .iter()
                .filter(|job| visible(job, hidden_repos, show_hidden))
            {
                let compact = prow_deck::api::KeptJob::of(job)
                    .map_err(|e| StoreError::Backend(format!("keeping {}: {e}", job.name())))?;
                kept.push((JobRow::from_job(job), compact));
            }
            match page.continue_from {
                Some(token) => next = Some(token),
                None => break,
            }
        }
        prow_deck::joblist::sort_newest_first(&mut kept, |(row, _)| row);
        let (rows, jobs): (Vec<JobRow>, Vec<prow_deck::api::KeptJob>) = kept.into_iter().unzip();
        let choices = prow_deck::joblist::Choices::of(&rows);
        let queue_chart = prow_deck::charts::queue_depth(
            &rows,
            self.0.options.clock.now(),
            jiff::SignedDuration::from_hours(6),
            72,
        );
        let snapshot = Arc::new(Snapshot {
            read_at: Instant::now(),
            jobs,
            rows,
            choices,
            queue_chart,
        });
        *self
            .0
            .snapshot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// Whether links may name `bucket`.
    pub(crate) fn bucket_allowed(&self, bucket: &str) -> bool {
        if self.0.options.extra_buckets.iter().any(|b| b == bucket) {
            return true;
        }
        let config = self.config();
        let names = {
            let mut cached = self
                .0
                .buckets
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match cached.as_ref() {
                Some(known) if Arc::ptr_eq(&known.config, &config) => known.names.clone(),
                _ => {
                    let names = Arc::new(prow_deck::allowed_buckets(&config));
                    *cached = Some(AllowedBuckets {
                        config: config.clone(),
                        names: names.clone(),
                    });
                    names
                }
            }
        };
        names.contains(bucket)
    }
}

/// The function as deployed: ProwJobs in the cluster it runs in, runs in S3 with
/// `--s3-credentials-file` (else the AWS default chain), tide and hook at `--tide-url` and
/// `--hook-url`.
pub fn app(context: &FunctionContext) -> anyhow::Result<Router> {
    let credentials = match &context.args.s3_credentials_file {
        Some(path) => prow_artifacts::S3Credentials::from_file(path)?,
        None => prow_artifacts::S3Credentials::default(),
    };
    let buckets = prow_runtime::block_on_at_startup(prow_artifacts::S3Buckets::new(credentials))?;
    let args = &context.args.deck;
    let sign_in = match &args.github_oauth_config_file {
        Some(path) => Some(OAuthSettings::from_file(
            path,
            &context.args.github_endpoint,
        )?),
        None => None,
    };
    let cookie_secret = match &args.cookie_secret {
        Some(path) => Some(actions::cookie_secret(path)?),
        None => None,
    };
    anyhow::ensure!(
        sign_in.is_none() || cookie_secret.is_some(),
        "--github-oauth-config-file needs --cookie-secret to sign sessions"
    );
    let github = context
        .github()?
        .map(|g| Arc::new(g) as Arc<dyn prow_ports::github::GitHubClient>);
    let (jobs, clusters) = context.job_store_and_build_clusters()?;
    Ok(Deck::new(
        DeckOptions {
            jobs,
            buckets: Arc::new(buckets),
            sources: Arc::new(HttpSources::new(
                args.tide_url.clone(),
                args.hook_url.clone(),
            )?),
            clock: context.clock.clone(),
            show_hidden: args.show_hidden,
            extra_buckets: Vec::new(),
            job_list_age: DEFAULT_JOB_LIST_AGE,
            github,
            sign_in,
            cookie_secret,
            rerun_creates_job: args.rerun_creates_job,
            http: http_client()?,
            executor: Some(clusters),
            config_files: Some(context.args.config_paths()),
        },
        context.config.clone(),
    )
    .router())
}

/// The client deck signs people in with.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(actions::SIGN_IN_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}
