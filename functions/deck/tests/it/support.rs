//! A deck over an embedded job store, a real S3-compatible server for the runs, and fixed answers
//! for tide and hook; requests go through its router.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use deck::sources::SourceError;
use deck::{Deck, DeckOptions, Sources};
use http_body_util::BodyExt;
use jiff::Timestamp;
use prow_api::ProwJob;
use prow_artifacts::{S3Buckets, S3Credentials};
use prow_plugins::help::Help;
use prow_ports::PortFuture;
use prow_ports::artifacts::{ArtifactStore, Buckets};
use prow_ports::clock::ManualClock;
use prow_ports::store::JobStore;
use prow_runtime::ConfigHandle;
use prow_test_harness::{ACCESS_KEY, S3Server, SECRET_KEY};
use prow_tide::record::{PoolForDeck, Record};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

pub const BUCKET: &str = "prow-artifacts";
/// The bench's now.
pub const NOW: &str = "2026-03-01T12:00:00Z";

/// What every bench's configuration has: namespaces, and decorated jobs uploading to [`BUCKET`].
const BASE_CONFIG: &str = r#"
prowjob_namespace: default
pod_namespace: test-pods
plank:
  default_decoration_config_entries:
  - config:
      gcs_configuration: {bucket: "s3://prow-artifacts", path_strategy: explicit}
      s3_credentials_secret: s3-credentials
      utility_images: {clonerefs: "c:1", initupload: "i:1", entrypoint: "e:1", sidecar: "s:1"}
"#;

/// [`BASE_CONFIG`] with `more` (YAML keys at the top level).
pub fn config_with(more: &str) -> String {
    format!("{BASE_CONFIG}{more}")
}

pub const CONFIG_MORE: &str = r#"deck:
  hidden_repos: [secret-org]
tide:
  queries:
  - repos: [org/app]
    labels: [lgtm, approved]
    missingLabels: [do-not-merge/hold]
"#;

/// Tide's and hook's answers, as a test sets them; `None` is "not connected".
#[derive(Default)]
pub struct FixedSources {
    pub pools: Mutex<Option<Vec<PoolForDeck>>>,
    pub history: Mutex<Option<BTreeMap<String, Vec<Record>>>>,
    pub help: Mutex<Option<Help>>,
}

impl Sources for FixedSources {
    fn tide_pools(&self) -> PortFuture<'_, Vec<PoolForDeck>, SourceError> {
        let answer = self.pools.lock().unwrap().clone();
        Box::pin(async move { answer.ok_or(SourceError::NotConnected("tide")) })
    }

    fn tide_history(&self) -> PortFuture<'_, BTreeMap<String, Vec<Record>>, SourceError> {
        let answer = self.history.lock().unwrap().clone();
        Box::pin(async move { answer.ok_or(SourceError::NotConnected("tide")) })
    }

    fn plugin_help(&self) -> PortFuture<'_, Help, SourceError> {
        let answer = self.help.lock().unwrap().clone();
        Box::pin(async move { answer.ok_or(SourceError::NotConnected("hook")) })
    }
}

pub struct Bench {
    pub router: Router,
    pub store: Arc<dyn JobStore>,
    pub bucket: Arc<dyn ArtifactStore>,
    pub sources: Arc<FixedSources>,
    pub s3: S3Server,
    _dir: tempfile::TempDir,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// What a bench differs in.
pub struct Setup<'a> {
    pub config: &'a str,
    /// One job config file.
    pub jobs: &'a str,
    pub show_hidden: bool,
    /// GitHub for memberships and signing in (the stand-in's OAuth App `deck-client`).
    pub github: Option<&'a github_standin::GitHubStandIn>,
    pub rerun_creates_job: bool,
    /// Zero reads the list anew for every request.
    pub job_list_age: Duration,
    /// Where running jobs' output is read (`/log`).
    pub executor: Option<Arc<dyn prow_ports::executor::Executor>>,
}

/// The benches' usual configuration: hidden `secret-org`, one tide query.
pub fn config() -> &'static str {
    static CONFIG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CONFIG.get_or_init(|| config_with(CONFIG_MORE))
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Setup {
            config: config(),
            jobs: "",
            show_hidden: false,
            github: None,
            rerun_creates_job: true,
            job_list_age: Duration::ZERO,
            executor: None,
        }
    }
}

/// The cookie secret benches sign with.
pub const COOKIE_SECRET: &[u8] = b"a-test-cookie-secret-of-32-bytes-or-more";

impl Bench {
    pub async fn start() -> Bench {
        Bench::build(Setup::default()).await
    }

    pub async fn with(config: &str, show_hidden: bool) -> Bench {
        Bench::build(Setup {
            config,
            show_hidden,
            ..Setup::default()
        })
        .await
    }

    pub async fn build(setup: Setup<'_>) -> Bench {
        let Setup {
            config,
            jobs,
            show_hidden,
            github,
            rerun_creates_job,
            job_list_age,
            executor,
        } = setup;
        let s3 = S3Server::start(&[BUCKET, "elsewhere"]).await.unwrap();
        let buckets = Arc::new(
            S3Buckets::new(S3Credentials {
                endpoint: s3.endpoint(),
                s3_force_path_style: true,
                access_key: ACCESS_KEY.into(),
                secret_key: SECRET_KEY.into(),
                ..S3Credentials::default()
            })
            .await,
        );
        let (store, dir) = prow_test_harness::embedded_store().unwrap();
        let sources = Arc::new(FixedSources::default());
        let config = prow_test_harness::strict_config(config, jobs, None);
        let deck = Deck::new(
            DeckOptions {
                jobs: store.clone(),
                buckets: buckets.clone(),
                sources: sources.clone(),
                clock: Arc::new(ManualClock::new(NOW.parse().unwrap())),
                show_hidden,
                extra_buckets: Vec::new(),
                job_list_age,
                github: github.map(|standin| {
                    Arc::new(
                        prow_github_octocrab::OctocrabGitHub::new(
                            prow_github_octocrab::GitHubOptions::new(
                                &standin.url(),
                                prow_github_octocrab::Credentials::Token("deck-token".into()),
                                "deck",
                                Arc::new(ManualClock::new(NOW.parse().unwrap())),
                            ),
                            &prow_runtime::Metrics::new("deck"),
                        )
                        .unwrap(),
                    ) as Arc<dyn prow_ports::github::GitHubClient>
                }),
                sign_in: github.map(|standin| deck::OAuthSettings {
                    client_id: "deck-client".into(),
                    client_secret: "deck-secret".into(),
                    redirect_url: "http://deck.test/github-login/redirect".into(),
                    final_redirect_url: String::new(),
                    scopes: Vec::new(),
                    web_url: standin.url(),
                    api_url: standin.url(),
                }),
                cookie_secret: Some(deck::CookieSecret::new(COOKIE_SECRET).unwrap()),
                rerun_creates_job,
                http: deck::http_client().unwrap(),
                executor,
                config_files: None,
            },
            ConfigHandle::new(config),
        );
        Bench {
            router: deck.router(),
            store,
            bucket: buckets.bucket(BUCKET),
            sources,
            s3,
            _dir: dir,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// A request as a browser with `cookies` (a `Cookie` header) sends it.
    pub async fn get_with(&self, path: &str, cookies: &str) -> Answer {
        self.send(
            Request::get(path)
                .header("cookie", cookies)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A POST with `cookies` and, when given, the CSRF token.
    pub async fn post(&self, path: &str, cookies: &str, csrf: Option<&str>) -> Answer {
        let mut request = Request::post(path).header("cookie", cookies);
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn add(&self, job: ProwJob) {
        self.store.create(&job).await.unwrap();
    }

    pub async fn put(&self, key: &str, body: impl Into<Vec<u8>>) {
        self.bucket
            .put(key, body.into(), "text/plain")
            .await
            .unwrap();
    }

    /// Puts a run's files into `folder` of the bucket: (name under the folder, content) each.
    pub async fn put_run(&self, folder: &str, files: Vec<(&str, Vec<u8>)>) {
        for (name, body) in files {
            self.put(&format!("{folder}/{name}"), body).await;
        }
    }
}

/// A ProwJob: `name` of `job`, `kind` (`presubmit`, `periodic`...), in `state`, on `repo` with
/// an optional pull request `(number, author)`, started `started_minutes` before [`NOW`] and
/// running for `minutes` (still running when `None`).
pub struct JobFixture<'a> {
    pub name: &'a str,
    pub job: &'a str,
    pub kind: &'a str,
    pub state: &'a str,
    pub repo: &'a str,
    pub pull: Option<(u64, &'a str)>,
    pub started_minutes: i64,
    pub minutes: Option<i64>,
}

impl JobFixture<'_> {
    pub fn build(&self) -> ProwJob {
        let now: Timestamp = NOW.parse().unwrap();
        let started = now - jiff::SignedDuration::from_mins(self.started_minutes);
        let (org, repo) = self.repo.split_once('/').unwrap_or(("", ""));
        let mut refs =
            json!({"org": org, "repo": repo, "base_ref": "main", "base_sha": "b".repeat(40)});
        if let Some((number, author)) = self.pull {
            refs["pulls"] = json!([{
                "number": number, "author": author, "sha": "a".repeat(40),
                "link": format!("https://github.com/{}/pull/{number}", self.repo)
            }]);
        }
        let mut status = json!({
            "startTime": started.to_string(),
            "pendingTime": (started + jiff::SignedDuration::from_secs(20)).to_string(),
            "state": self.state,
            "build_id": format!("{}", 1000 + self.started_minutes),
            "url": format!("/view/s3/{BUCKET}/logs/{}/{}", self.job, 1000 + self.started_minutes),
        });
        if let Some(minutes) = self.minutes {
            status["completionTime"] =
                json!((started + jiff::SignedDuration::from_mins(minutes)).to_string());
        }
        let mut spec = json!({
            "type": self.kind, "job": self.job, "agent": "kubernetes", "cluster": "default",
            "pod_spec": {"containers": [{"name": "test", "image": "golang:1.26", "command": ["make", "test"]}]},
            "decoration_config": {"timeout": "2h"},
        });
        if !self.repo.is_empty() {
            spec["refs"] = refs;
        }
        serde_json::from_value(json!({
            "apiVersion": "prow.k8s.io/v1", "kind": "ProwJob",
            "metadata": {
                "name": self.name,
                "labels": {"prow.k8s.io/job": self.job, "prow.k8s.io/type": self.kind},
                "annotations": {"prow.k8s.io/job": self.job},
            },
            "spec": spec,
            "status": status,
        }))
        .unwrap()
    }
}

/// `a2`: alice's PR #7's `pull-app-lint`, failed after a minute, 40 minutes ago.
pub fn failed_lint() -> JobFixture<'static> {
    JobFixture {
        name: "a2",
        job: "pull-app-lint",
        kind: "presubmit",
        state: "failure",
        repo: "org/app",
        pull: Some((7, "alice")),
        started_minutes: 40,
        minutes: Some(1),
    }
}

/// `h1`: a presubmit of `secret-org`, which `deck.hidden_repos` hides.
pub fn hidden_unit() -> JobFixture<'static> {
    JobFixture {
        name: "h1",
        job: "pull-secret-unit",
        kind: "presubmit",
        state: "success",
        repo: "secret-org/vault",
        pull: Some((1, "carol")),
        started_minutes: 10,
        minutes: Some(2),
    }
}

/// A bench with the jobs of [`seed_jobs`].
pub async fn bench_with_jobs() -> Bench {
    let bench = Bench::start().await;
    seed_jobs(&bench).await;
    bench
}

/// A few jobs of every kind and state, for the list's tests.
pub async fn seed_jobs(bench: &Bench) {
    let fixtures = [
        JobFixture {
            name: "a1",
            job: "pull-app-unit",
            kind: "presubmit",
            state: "success",
            repo: "org/app",
            pull: Some((7, "alice")),
            started_minutes: 50,
            minutes: Some(4),
        },
        failed_lint(),
        JobFixture {
            name: "a3",
            job: "pull-app-unit",
            kind: "presubmit",
            state: "pending",
            repo: "org/app",
            pull: Some((8, "bob")),
            started_minutes: 5,
            minutes: None,
        },
        JobFixture {
            name: "b1",
            job: "post-lib-build",
            kind: "postsubmit",
            state: "success",
            repo: "org/lib",
            pull: None,
            started_minutes: 30,
            minutes: Some(12),
        },
        JobFixture {
            name: "c1",
            job: "ci-nightly",
            kind: "periodic",
            state: "failure",
            repo: "",
            pull: None,
            started_minutes: 120,
            minutes: Some(62),
        },
        hidden_unit(),
    ];
    for fixture in fixtures {
        bench.add(fixture.build()).await;
    }
}

/// HTML with a line break before each block element, so a snapshot's diff shows what changed.
pub fn readable(html: &str) -> String {
    let blocks = regex::Regex::new(
        r"<(tr|div|section|h1|h2|p|table|thead|tbody|li|ul|figure|details|dl|dt|dd|form|label|header|main|nav|polyline|rect|svg|pre|a rel|g|text)\b",
    )
    .unwrap();
    let html = blocks.replace_all(html, "\n<$1");
    // The CSRF token is bound to a random cookie.
    regex::Regex::new(r#"data-csrf="[^"]+""#)
        .unwrap()
        .replace_all(&html, r#"data-csrf="[csrf]""#)
        .into_owned()
}
