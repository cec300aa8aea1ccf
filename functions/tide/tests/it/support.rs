//! A tide bench: the stand-in's world, tide on the octocrab client, ProwJobs in an embedded
//! store, the time on a manual clock.

use github_standin::{GitHubStandIn, Permission, World};
use prow_local::EmbeddedJobStore;
use prow_ports::clock::ManualClock;
use prow_ports::lease::{Leases, MemoryLeases};
use prow_ports::store::JobStore;
use prow_runtime::{ConfigHandle, Metrics};
use std::sync::{Arc, MutexGuard};
use tide::{Tide, TideOptions};

pub const BOT: &str = "merge-bot";
pub const REPO: &str = "acme/widgets";

/// Tide's query for acme/widgets, one required presubmit (`unit`) and one optional (`lint`).
pub const CONFIG: &str = r#"
tide:
  queries:
  - repos: [acme/widgets]
    labels: [lgtm, approved]
    missingLabels: [do-not-merge/hold]
  pr_status_base_urls:
    "*": https://prow.example/pr
"#;
pub const JOBS: &str = r#"
presubmits:
  acme/widgets:
  - name: unit
    always_run: true
    spec: {containers: [{image: x}]}
  - name: lint
    always_run: true
    optional: true
    spec: {containers: [{image: x}]}
"#;

pub struct Bench {
    pub standin: GitHubStandIn,
    pub metrics: Metrics,
    pub store: Arc<EmbeddedJobStore>,
    pub leases: Arc<MemoryLeases>,
    pub tide: Tide,
    _dir: tempfile::TempDir,
}

impl Bench {
    pub async fn start(world: World) -> Bench {
        Bench::start_with(world, CONFIG).await
    }

    /// A bench with another `config.yaml` (the same jobs).
    pub async fn start_with(world: World, config: &str) -> Bench {
        let standin = GitHubStandIn::start(world).await.unwrap();
        standin.world().outbox.clear();
        let metrics = Metrics::new("tide");
        // Tide's searches and statuses are the subject here, not GitHub's write pace: a sync that
        // sets a thousand statuses is not slowed to 80 a minute.
        let github = prow_github_octocrab::OctocrabGitHub::new(
            prow_github_octocrab::GitHubOptions {
                budget: prow_github_octocrab::BudgetPolicy {
                    write_burst: 100_000,
                    writes_per_minute: 6_000_000,
                    ..prow_github_octocrab::BudgetPolicy::default()
                },
                ..prow_github_octocrab::GitHubOptions::new(
                    &standin.url(),
                    prow_github_octocrab::Credentials::Token("ghp_tide".into()),
                    "tide",
                    prow_ports::clock::SystemClock::shared(),
                )
            },
            &metrics,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(EmbeddedJobStore::open(dir.path().join("jobs")).unwrap());
        let leases = Arc::new(MemoryLeases::default());
        let clock = Arc::new(ManualClock::new(
            jiff::Timestamp::from_second(1_800_000_000).unwrap(),
        ));
        let config = prow_test_harness::strict_config(config, JOBS, None);
        let tide = Tide::new(
            TideOptions {
                github: Arc::new(github),
                jobs: store.clone(),
                leases: leases.clone(),
                clock,
                holder: "tide-test".into(),
                records: Some(Arc::new(prow_artifacts::DirectoryArtifactStore::new(
                    dir.path().join("bucket"),
                ))
                    as Arc<dyn prow_ports::artifacts::ArtifactStore>),
            },
            ConfigHandle::new(config),
            &metrics,
        );
        Bench {
            standin,
            metrics,
            store,
            leases,
            tide,
            _dir: dir,
        }
    }

    /// `GET path` on tide's router: (status, JSON body).
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        use tower::ServiceExt;
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = self.tide.clone().router().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap_or_default())
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.standin.world()
    }

    /// Every call that changed something (not a GET, not a GraphQL read), in order.
    pub fn writes(&self) -> Vec<String> {
        self.standin
            .calls()
            .into_iter()
            .filter(|c| c.method != "GET" && !c.uri.ends_with("/graphql"))
            .map(|c| format!("{} {}", c.method, c.uri))
            .collect()
    }

    pub fn forget_calls(&self) {
        self.world().calls.clear();
    }

    /// Whether pull request `number` of [`REPO`] has been merged.
    pub fn merged(&self, number: u64) -> bool {
        self.world().pull(REPO, number).unwrap().merged
    }

    /// The `tide` context of a pull request's head: (state, description).
    pub fn tide_status(&self, number: u64) -> Option<(String, String)> {
        let world = self.world();
        let sha = world.pull(REPO, number)?.head_sha.clone();
        world
            .combined_statuses(REPO, &sha)
            .into_iter()
            .find(|s| s.context == "tide")
            .map(|s| (s.state, s.description))
    }

    /// Marks every ProwJob `state` (what the controller does when the jobs end).
    pub async fn finish_jobs(&self, state: prow_api::ProwJobState) {
        for mut job in self.store.list("").await.unwrap() {
            job.status.state = Some(state);
            self.store.update(&job).await.unwrap();
        }
    }

    /// Marks the running ProwJobs whose tested pull requests `which` picks `state`.
    pub async fn finish_jobs_where(
        &self,
        which: impl Fn(&[u64]) -> bool,
        state: prow_api::ProwJobState,
    ) {
        for mut job in self.store.list("").await.unwrap() {
            let pulls: Vec<u64> = job
                .spec
                .refs
                .as_ref()
                .map(|r| r.pulls.iter().map(|p| p.number).collect())
                .unwrap_or_default();
            let running = matches!(
                job.status.state,
                Some(prow_api::ProwJobState::Triggered | prow_api::ProwJobState::Pending)
            );
            if running && which(&pulls) {
                job.status.state = Some(state);
                self.store.update(&job).await.unwrap();
            }
        }
    }

    pub async fn jobs(&self) -> Vec<prow_api::ProwJob> {
        self.store.list("").await.unwrap()
    }

    pub fn lease_holder(&self) -> &dyn Leases {
        self.leases.as_ref()
    }
}

/// A world with the bot (allowed to write to acme/widgets) and org acme.
pub fn world() -> World {
    let mut world = World::new(BOT);
    world.add_org("acme", &["alice", "bob", BOT]);
    world.add_repo(REPO);
    world.add_collaborator(REPO, BOT, Permission::Admin);
    world
}

/// Opens a pull request by alice with `labels` and `unit` green on its head.
pub fn ready_pull_request(world: &mut World, branch: &str, labels: &[&str]) -> u64 {
    let number = world.open_pull_request(
        REPO,
        "alice",
        branch,
        &format!("Change {branch}"),
        &[(&format!("{branch}.go"), "package widgets\n")],
    );
    for label in labels {
        world.label_as(REPO, number, label, "bob");
    }
    let sha = world.pull(REPO, number).unwrap().head_sha.clone();
    world.add_status(REPO, &sha, "unit", "success");
    number
}
