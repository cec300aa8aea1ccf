//! The crier function reporting to the GitHub stand-in through the octocrab adapter, fed the
//! ApiServerSource events a ProwJob's changes produce: statuses and the failure comment over a
//! PR's life, every event delivered twice, GitHub answering 502, and check runs.

use crate::support::{Bench, standin_with_pull};
use crier::ReportAs;
use github_standin::GitHubStandIn;
use prow_api::{ProwJob, ProwJobState};
use prow_ports::store::JobStore;
use prow_test_harness::standin_world::REPO;

/// crier reporting to the GitHub stand-in, which holds alice's PR.
struct Setup {
    standin: GitHubStandIn,
    crier: Bench,
    pull: u64,
    head: String,
    base: String,
}

async fn setup(report_as: ReportAs, config: &str) -> Setup {
    let (standin, pull, pr) = standin_with_pull("Add a widget", ("w.go", "package w")).await;
    let crier = Bench::reporting_to(&standin, report_as, config);
    Setup {
        standin,
        crier,
        pull,
        head: pr.head_sha,
        base: pr.base_sha,
    }
}

impl std::ops::Deref for Setup {
    type Target = Bench;

    fn deref(&self) -> &Bench {
        &self.crier
    }
}

impl Setup {
    /// A presubmit of the PR, as trigger creates it.
    async fn trigger(&self, name: &str, context: &str, optional: bool) -> ProwJob {
        let job: ProwJob = serde_json::from_value(serde_json::json!({
            "apiVersion": "prow.k8s.io/v1",
            "kind": "ProwJob",
            "metadata": {"name": name, "labels": {
                "prow.k8s.io/refs.org": "acme", "prow.k8s.io/refs.repo": "widgets",
                "prow.k8s.io/refs.pull": self.pull.to_string(),
                "prow.k8s.io/is-optional": optional.to_string()
            }},
            "spec": {
                "type": "presubmit", "job": context, "report": true, "context": context,
                "rerun_command": format!("/test {context}"),
                "refs": {"org": "acme", "repo": "widgets", "base_ref": "main", "base_sha": self.base,
                         "pulls": [{"number": self.pull, "author": "alice", "sha": self.head}]}
            },
            "status": {"state": "triggered", "description": "Job triggered.",
                       "startTime": "2026-01-01T00:00:00Z"}
        }))
        .unwrap();
        self.store.create(&job).await.unwrap()
    }

    /// Every status set for `context` on the PR head, oldest first: (state, description).
    fn statuses(&self, context: &str) -> Vec<(String, String)> {
        let world = self.standin.world();
        world
            .repo(REPO)
            .unwrap()
            .statuses
            .get(&self.head)
            .into_iter()
            .flatten()
            .filter(|s| s.context == context)
            .map(|s| (s.state.clone(), s.description.clone()))
            .collect()
    }

    fn bot_comments(&self) -> Vec<String> {
        let world = self.standin.world();
        world
            .issue(REPO, self.pull)
            .unwrap()
            .comments
            .iter()
            .filter(|c| c.author == "prow-bot")
            .map(|c| c.body.clone())
            .collect()
    }
}

fn states(statuses: &[(String, String)]) -> Vec<&str> {
    statuses.iter().map(|(s, _)| s.as_str()).collect()
}

#[tokio::test]
async fn statuses_and_the_failure_comment_follow_a_jobs_life_reporting_each_state_once() {
    let setup = setup(ReportAs::Statuses, "prowjob_namespace: prow\n").await;
    setup.trigger("unit-1", "unit", false).await;
    setup.trigger("lint-1", "lint", true).await;
    setup.deliver_twice("unit-1").await;
    setup.deliver_twice("lint-1").await;
    setup
        .move_and_deliver("unit-1", ProwJobState::Pending, "Job triggered.")
        .await;
    setup
        .move_and_deliver("unit-1", ProwJobState::Failure, "Job failed.")
        .await;
    setup
        .move_and_deliver("lint-1", ProwJobState::Success, "Job succeeded.")
        .await;

    let unit = setup.statuses("unit");
    assert_eq!(
        states(&unit),
        ["pending", "pending", "failure"],
        "one status per state: {unit:?}"
    );
    let (_, description) = &unit[2];
    assert!(
        description.starts_with("Job failed.\u{2001}"),
        "{description}"
    );
    assert!(
        description.ends_with(&format!(" BaseSHA:{}", setup.base)),
        "{description}"
    );
    assert!(description.len() <= 140);
    assert_eq!(states(&setup.statuses("lint")), ["pending", "success"]);
    let job = setup.store.get("unit-1").await.unwrap();
    assert_eq!(
        job.status.prev_report_states.get("github-reporter"),
        Some(&ProwJobState::Failure)
    );

    let comments = setup.bot_comments();
    assert_eq!(comments.len(), 1, "{comments:#?}");
    insta::assert_snapshot!(
        "failure_comment",
        comments[0].replace(&setup.head, "<head sha>")
    );

    // /retest: a new run of unit passes; the comment goes away, the status turns green.
    setup.trigger("unit-2", "unit", false).await;
    setup.deliver_twice("unit-2").await;
    setup
        .move_and_deliver("unit-2", ProwJobState::Pending, "Job triggered.")
        .await;
    setup
        .move_and_deliver("unit-2", ProwJobState::Success, "Job succeeded.")
        .await;
    assert_eq!(
        states(&setup.statuses("unit")),
        [
            "pending", "pending", "failure", "pending", "pending", "success"
        ]
    );
    assert_eq!(
        setup.bot_comments(),
        Vec::<String>::new(),
        "all passed: no comment left"
    );
    let combined = setup.standin.world().combined_statuses(REPO, &setup.head);
    assert!(
        combined.iter().all(|s| s.state == "success"),
        "{combined:?}"
    );
}

#[tokio::test]
async fn a_502_from_github_is_retried_and_the_report_arrives() {
    let setup = setup(ReportAs::Statuses, "prowjob_namespace: prow\n").await;
    setup.trigger("unit-1", "unit", false).await;

    // Once: the client's own retry carries it.
    setup
        .standin
        .world()
        .fail_next("POST", "/statuses/", 502, 1);
    assert_eq!(setup.post("unit-1").await, 200);
    assert_eq!(states(&setup.statuses("unit")), ["pending"]);

    // GitHub down for longer than the client retries: the event is refused, then redelivered.
    setup
        .set_state("unit-1", ProwJobState::Failure, "Job failed.")
        .await;
    setup
        .standin
        .world()
        .fail_next("POST", "/statuses/", 502, 4);
    assert_eq!(
        setup.post("unit-1").await,
        500,
        "GitHub still failing: redeliver"
    );
    let job = setup.store.get("unit-1").await.unwrap();
    assert_eq!(
        job.status.prev_report_states.get("github-reporter"),
        Some(&ProwJobState::Triggered)
    );
    assert_eq!(setup.post("unit-1").await, 200, "the redelivery reports");
    assert_eq!(states(&setup.statuses("unit")), ["pending", "failure"]);
    assert_eq!(setup.bot_comments().len(), 1);
    let failed_calls = setup
        .standin
        .calls()
        .iter()
        .filter(|c| c.status == 502)
        .count();
    assert_eq!(failed_calls, 5);

    // A comment call failing also leads to a redelivery that posts it once.
    setup.trigger("e2e-1", "e2e", false).await;
    setup
        .set_state("e2e-1", ProwJobState::Failure, "Job failed.")
        .await;
    setup.standin.world().fail_next("GET", "/issues/", 502, 4);
    assert_eq!(setup.post("e2e-1").await, 500);
    assert_eq!(setup.post("e2e-1").await, 200);
    assert_eq!(setup.post("e2e-1").await, 200);
    let comments = setup.bot_comments();
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert!(
        comments[0].contains("e2e |") && comments[0].contains("unit |"),
        "{}",
        comments[0]
    );
}

#[tokio::test]
async fn check_runs_are_created_once_and_updated_as_the_job_moves() {
    let setup = setup(ReportAs::Both, "prowjob_namespace: prow\n").await;
    setup.trigger("unit-1", "unit", false).await;
    setup.deliver_twice("unit-1").await;
    setup
        .move_and_deliver("unit-1", ProwJobState::Pending, "Job triggered.")
        .await;
    {
        let world = setup.standin.world();
        let runs = &world.repo(REPO).unwrap().check_runs[&setup.head];
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].status, "in_progress");
    }
    setup
        .move_and_deliver("unit-1", ProwJobState::Aborted, "Job aborted.")
        .await;
    let world = setup.standin.world();
    let runs = &world.repo(REPO).unwrap().check_runs[&setup.head];
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(
        (run.name.as_str(), run.status.as_str()),
        ("unit", "completed")
    );
    assert_eq!(run.conclusion.as_deref(), Some("cancelled"));
    assert_eq!(run.external_id, "unit-1");
    assert_eq!(run.title, "Job aborted.");
    assert_eq!(
        run.details_url,
        "https://prow.example.com/view/s3/logs/unit-1"
    );
    // Statuses too, in `both`; an aborted job shows as a failure.
    drop(world);
    assert_eq!(
        states(&setup.statuses("unit")),
        ["pending", "pending", "failure"]
    );
}

#[tokio::test]
async fn repos_without_comments_and_summary_repos() {
    let setup = setup(
        ReportAs::Statuses,
        "prowjob_namespace: prow\ngithub_reporter:\n  no_comment_repos: [acme/widgets]\n",
    )
    .await;
    setup.trigger("unit-1", "unit", false).await;
    setup
        .move_and_deliver("unit-1", ProwJobState::Failure, "Job failed.")
        .await;
    assert_eq!(states(&setup.statuses("unit")), ["failure"]);
    assert!(setup.bot_comments().is_empty());

    let setup = setup_summary().await;
    setup.trigger("unit-1", "unit", false).await;
    setup.trigger("lint-1", "lint", true).await;
    setup
        .move_and_deliver("unit-1", ProwJobState::Success, "Job succeeded.")
        .await;
    assert!(
        setup.bot_comments().is_empty(),
        "lint still runs: no summary yet"
    );
    setup
        .move_and_deliver("lint-1", ProwJobState::Success, "Job succeeded.")
        .await;
    let comments = setup.bot_comments();
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0].starts_with("@alice: all tests **passed!**"),
        "{}",
        comments[0]
    );
}

async fn setup_summary() -> Setup {
    setup(
        ReportAs::Statuses,
        "prowjob_namespace: prow\ngithub_reporter:\n  summary_comment_repos: [acme]\n",
    )
    .await
}
