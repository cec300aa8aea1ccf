//! What crier's tests share: crier's router over an embedded job store in a fresh folder, fed the
//! ApiServerSource events of the jobs a test moves on as the controller would.

use crier::{Crier, CrierOptions, GitHubReporter, ReportAs};
use github_standin::{GitHubStandIn, PullRequest};
use prow_api::{ProwJob, ProwJobState};
use prow_github_octocrab::OctocrabGitHub;
use prow_local::EmbeddedJobStore;
use prow_ports::pubsub::Publish;
use prow_ports::slack::SlackPoster;
use prow_test_harness::standin_world::{REPO, acme_widgets};
use std::sync::Arc;

/// The GitHub stand-in, where alice has opened a pull request `title` on acme/widgets with the
/// file `file` (its name and text) and no webhook is left queued; the pull request's number and
/// what GitHub holds of it.
pub(crate) async fn standin_with_pull(
    title: &str,
    file: (&str, &str),
) -> (GitHubStandIn, u64, PullRequest) {
    let mut world = acme_widgets();
    let number = world.open_pull_request(REPO, "alice", "feature", title, &[file]);
    let pull = world.pull(REPO, number).unwrap().clone();
    world.outbox.clear();
    (GitHubStandIn::start(world).await.unwrap(), number, pull)
}

/// Where crier reports to; a test leaves out what it does not check.
#[derive(Default)]
pub(crate) struct Reporters {
    pub(crate) github: Option<GitHubReporter>,
    pub(crate) pubsub: Option<Arc<dyn Publish>>,
    pub(crate) slack: Option<Arc<dyn SlackPoster>>,
}

/// crier's router over an embedded job store, and the metrics it counts into.
pub(crate) struct Bench {
    pub(crate) store: Arc<EmbeddedJobStore>,
    pub(crate) router: axum::Router,
    pub(crate) metrics: prow_runtime::Metrics,
    /// The URL of a job's run is this followed by the job's name.
    logs_url: &'static str,
    _state: tempfile::TempDir,
}

impl Bench {
    /// crier reporting to `reporters` under the configuration `config` (loaded strictly), the
    /// runs of its jobs under `logs_url`.
    pub(crate) fn start(
        reporters: Reporters,
        config: &str,
        metrics: prow_runtime::Metrics,
        logs_url: &'static str,
    ) -> Bench {
        let config = prow_test_harness::strict_config(config, "", None);
        let state = tempfile::tempdir().unwrap();
        let store = Arc::new(EmbeddedJobStore::open(state.path()).unwrap());
        let router = Crier::new(
            CrierOptions {
                store: store.clone(),
                github: reporters.github,
                pubsub: reporters.pubsub,
                slack: reporters.slack,
                gerrit: None,
                report_agent: None,
                clock: prow_ports::clock::SystemClock::shared(),
            },
            prow_runtime::ConfigHandle::new(config),
            &metrics,
        )
        .router();
        Bench {
            store,
            router,
            metrics,
            logs_url,
            _state: state,
        }
    }

    /// crier reporting to the stand-in as `report_as` under the configuration `config`, the runs of its
    /// jobs under `https://prow.example.com/view/s3/logs/`.
    pub(crate) fn reporting_to(
        standin: &GitHubStandIn,
        report_as: ReportAs,
        config: &str,
    ) -> Bench {
        let metrics = prow_runtime::Metrics::new("crier");
        let github =
            OctocrabGitHub::with_token(&standin.url(), "ghp_test", "crier", &metrics).unwrap();
        Bench::start(
            Reporters {
                github: Some(GitHubReporter::new(Arc::new(github), report_as)),
                ..Reporters::default()
            },
            config,
            metrics,
            "https://prow.example.com/view/s3/logs/",
        )
    }

    /// Moves the job on, as the controller does.
    pub(crate) async fn set_state(
        &self,
        name: &str,
        state: ProwJobState,
        description: &str,
    ) -> ProwJob {
        let url = format!("{}{name}", self.logs_url);
        prow_test_harness::events::set_job_state(
            self.store.as_ref(),
            name,
            state,
            description,
            &url,
        )
        .await
        .unwrap()
    }

    /// Moves the job on, as the controller does, and delivers the change's event twice.
    pub(crate) async fn move_and_deliver(
        &self,
        name: &str,
        state: ProwJobState,
        description: &str,
    ) {
        self.set_state(name, state, description).await;
        self.deliver_twice(name).await;
    }

    /// Posts the ApiServerSource event for the job's current version; the HTTP status.
    pub(crate) async fn post(&self, name: &str) -> u16 {
        prow_test_harness::events::post_job_update(self.store.as_ref(), &self.router, name)
            .await
            .unwrap()
    }

    /// Delivers the job's event twice, as an at-least-once broker may.
    pub(crate) async fn deliver_twice(&self, name: &str) {
        prow_test_harness::events::deliver_job_update_twice(
            self.store.as_ref(),
            &self.router,
            name,
        )
        .await
        .unwrap();
    }

    /// The lines of the metrics that start with `line_start`.
    pub(crate) fn metric(&self, line_start: &str) -> String {
        self.metrics
            .encode()
            .lines()
            .filter(|l| l.starts_with(line_start))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
