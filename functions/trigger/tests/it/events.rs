//! The trigger function fed the webhooks the GitHub stand-in sends, as hook forwards them
//! (CloudEvents over HTTP), with GitHub reached through the octocrab adapter and ProwJobs in the
//! embedded store: the trusted-user matrix, every command, a push to a PR, a push to a branch,
//! and every event delivered three times starting each job once.

use crate::support::Bench;
use github_standin::Permission;
use prow_api::{ProwJob, ProwJobState};
use prow_ports::store::JobStore;
use prow_test_harness::events::{github_event, post_event_to};
use prow_test_harness::standin_world::{REPO, acme_widgets};
use std::collections::BTreeMap;

const JOBS: &str = r#"
presubmits:
  acme/widgets:
  - name: unit
    always_run: true
    spec: {containers: [{image: golang, command: [make, test]}]}
  - name: lint
    always_run: true
    optional: true
    spec: {containers: [{image: golang, command: [make, lint]}]}
  - name: docs-check
    run_if_changed: '^docs/'
    spec: {containers: [{image: golang, command: [make, docs]}]}
  - name: e2e
    spec: {containers: [{image: golang, command: [make, e2e]}]}
postsubmits:
  acme/widgets:
  - name: post-build
    branches: [main]
    spec: {containers: [{image: golang, command: [make, release]}]}
"#;

const PLUGINS: &str = r#"
triggers:
- repos: [acme]
  trusted_apps: [renovate]
plugins:
  acme: {plugins: [trigger]}
"#;

/// trigger and the stand-in, with what this file asks of them.
struct Setup(Bench);

impl std::ops::Deref for Setup {
    type Target = Bench;

    fn deref(&self) -> &Bench {
        &self.0
    }
}

async fn setup() -> Setup {
    let mut world = acme_widgets();
    world.add_collaborator(REPO, "carol", Permission::Write);
    for user in ["mallory", "renovate[bot]"] {
        world.add_user(user);
    }
    world.outbox.clear();
    let config = prow_test_harness::strict_config("prowjob_namespace: prow\n", JOBS, Some(PLUGINS));
    Setup(
        Bench::start(
            world,
            config,
            trigger::push_auth::PushAuth::Token("push-secret".into()),
        )
        .await,
    )
}

impl Setup {
    /// Sends every queued webhook to the function `times` times, as hook forwards them.
    async fn deliver(&self, times: usize) {
        loop {
            let pending: Vec<_> = self.standin.world().outbox.drain(..).collect();
            if pending.is_empty() {
                return;
            }
            for delivery in pending {
                let event = github_event(
                    &delivery.id,
                    &delivery.event,
                    REPO,
                    delivery.body.clone(),
                    Some(prow_test_harness::HMAC_SECRET),
                )
                .unwrap();
                for _ in 0..times {
                    let (status, body) = post_event_to(&self.router, "/", &event).await.unwrap();
                    assert_eq!(status, 200, "{} {body}", delivery.event);
                }
            }
        }
    }

    async fn jobs(&self, pull: u64) -> Vec<ProwJob> {
        self.store
            .list(&format!("prow.k8s.io/refs.pull={pull}"))
            .await
            .unwrap()
    }

    /// Job name -> how many ProwJobs of it, for the PR.
    async fn counts(&self, pull: u64) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for job in self.jobs(pull).await {
            *counts.entry(job.spec.job.clone()).or_default() += 1;
        }
        counts
    }

    fn comments(&self, number: u64) -> Vec<String> {
        self.standin
            .world()
            .issue(REPO, number)
            .unwrap()
            .comments
            .iter()
            .map(|c| c.body.clone())
            .collect()
    }

    fn open(&self, author: &str, files: &[(&str, &str)]) -> u64 {
        self.standin.world().open_pull_request(
            REPO,
            author,
            &format!("{author}-change"),
            "A change",
            files,
        )
    }

    fn comment(&self, number: u64, author: &str, body: &str) {
        self.standin.world().comment(REPO, number, author, body);
    }
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

const CODE: &[(&str, &str)] = &[("widget.go", "package widgets\n")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_is_trusted_decides_what_runs() {
    let setup = setup().await;
    // (author, what a new PR from them runs)
    let cases: [(&str, &[(&str, usize)]); 4] = [
        ("alice", &[("lint", 1), ("unit", 1)]),
        ("carol", &[("lint", 1), ("unit", 1)]),
        ("renovate[bot]", &[("lint", 1), ("unit", 1)]),
        ("mallory", &[]),
    ];
    for (author, expected) in cases {
        let number = setup.open(author, CODE);
        setup.deliver(3).await;
        assert_eq!(setup.counts(number).await, counts(expected), "{author}");
        if author == "mallory" {
            assert_eq!(setup.labels(number), vec!["needs-ok-to-test"]);
            let comments = setup.comments(number);
            assert_eq!(comments.len(), 1, "{comments:?}");
            assert!(comments[0].starts_with("Hi @mallory. Thanks for your PR."));
        }
    }
    let outsiders_pr = 4;

    // The outsider cannot vouch for themselves, nor run a job by name: told once each, though
    // every webhook arrives three times.
    setup.comment(outsiders_pr, "mallory", "/ok-to-test");
    setup.comment(outsiders_pr, "mallory", "/test unit");
    setup.deliver(3).await;
    assert!(setup.jobs(outsiders_pr).await.is_empty());
    let refusals = setup
        .comments(outsiders_pr)
        .iter()
        .filter(|c| {
            c.starts_with("@mallory: Cannot trigger testing until a trusted user reviews the PR")
        })
        .count();
    assert_eq!(refusals, 2);

    // A member can: the PR is trusted from now on.
    setup.comment(outsiders_pr, "alice", "/ok-to-test");
    setup.deliver(1).await;
    assert_eq!(
        setup.counts(outsiders_pr).await,
        counts(&[("lint", 1), ("unit", 1)])
    );
    assert_eq!(setup.labels(outsiders_pr), vec!["ok-to-test"]);
    // ... and new pushes to it run without asking again.
    setup
        .standin
        .world()
        .push_to_pull_request(REPO, outsiders_pr, "more", CODE);
    setup.deliver(1).await;
    assert_eq!(
        setup.counts(outsiders_pr).await,
        counts(&[("lint", 2), ("unit", 2)])
    );
    // The outsider may not revoke it; a member may.
    setup.comment(outsiders_pr, "mallory", "/ok-to-test cancel");
    setup.deliver(1).await;
    assert_eq!(setup.labels(outsiders_pr), vec!["ok-to-test"]);
    setup.comment(outsiders_pr, "alice", "/ok-to-test cancel");
    setup.deliver(1).await;
    assert_eq!(setup.labels(outsiders_pr), vec!["needs-ok-to-test"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_command_starts_what_it_names() {
    let setup = setup().await;
    let number = setup.open("alice", &[("docs/guide.md", "# Guide\n")]);
    setup.deliver(1).await;
    assert_eq!(
        setup.counts(number).await,
        counts(&[("docs-check", 1), ("lint", 1), ("unit", 1)]),
        "a docs change runs the docs job too"
    );

    setup.comment(number, "alice", "/test e2e");
    setup.deliver(1).await;
    assert_eq!(setup.counts(number).await["e2e"], 1);

    setup.comment(number, "alice", "/test all");
    setup.deliver(1).await;
    assert_eq!(
        setup.counts(number).await,
        counts(&[("docs-check", 2), ("e2e", 1), ("lint", 2), ("unit", 2)]),
        "/test all does not run jobs that must be asked for"
    );

    // `unit` failed on the head: /retest runs it alone, labelled as a retest.
    let head = setup
        .standin
        .world()
        .pull(REPO, number)
        .unwrap()
        .head_sha
        .clone();
    for (context, state) in [
        ("unit", "failure"),
        ("lint", "success"),
        ("docs-check", "success"),
    ] {
        setup
            .standin
            .world()
            .add_status(REPO, &head, context, state);
    }
    setup.comment(number, "alice", "/retest");
    setup.deliver(1).await;
    let retests: Vec<ProwJob> = setup
        .jobs(number)
        .await
        .into_iter()
        .filter(|j| {
            j.metadata
                .labels
                .as_ref()
                .unwrap()
                .get("prow.k8s.io/retest")
                == Some(&"true".into())
        })
        .collect();
    assert_eq!(retests.len(), 1);
    assert_eq!(retests[0].spec.job, "unit");

    // Help: `/test ?`, and a job that does not exist.
    setup.comment(number, "alice", "/test ?");
    setup.comment(number, "alice", "/test nonexistent");
    setup.deliver(1).await;
    let comments = setup.comments(number);
    let help: Vec<&String> = comments
        .iter()
        .filter(|c| c.contains("The following commands are available to trigger required jobs:"))
        .collect();
    assert_eq!(help.len(), 2, "{comments:?}");
    assert!(help[1].contains("The specified target(s) for `/test` were not found."));
    assert!(help[1].contains("/test e2e") && help[1].contains("/test unit"));
    // A later /test prunes the help replies.
    setup.comment(number, "alice", "/test lint");
    setup.deliver(1).await;
    assert!(
        !setup
            .comments(number)
            .iter()
            .any(|c| c.contains("The following commands are available")),
        "help replies are pruned"
    );
    // Commands quoted in code do nothing.
    let before = setup.jobs(number).await.len();
    setup.comment(number, "alice", "```\n/test all\n```");
    setup.deliver(1).await;
    assert_eq!(setup.jobs(number).await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_aborts_running_jobs_and_every_event_starts_each_job_once() {
    let setup = setup().await;
    let number = setup.open("alice", CODE);
    // Every webhook three times from here on.
    setup.deliver(3).await;
    assert_eq!(
        setup.counts(number).await,
        counts(&[("lint", 1), ("unit", 1)])
    );
    let first: Vec<String> = setup
        .jobs(number)
        .await
        .iter()
        .map(|j| j.name().to_string())
        .collect();

    setup
        .standin
        .world()
        .push_to_pull_request(REPO, number, "fix", CODE);
    setup.deliver(3).await;
    let jobs = setup.jobs(number).await;
    assert_eq!(jobs.len(), 4);
    for job in &jobs {
        if first.contains(&job.name().to_string()) {
            assert_eq!(
                job.status.state,
                Some(ProwJobState::Aborted),
                "{}",
                job.name()
            );
            assert_eq!(job.status.description, "Aborted by trigger plugin.");
        } else {
            assert_eq!(
                job.status.state,
                Some(ProwJobState::Triggered),
                "{}",
                job.name()
            );
        }
    }
    // The new jobs test the new head on the base, with upstream's refs, labels and annotations.
    let new_unit = jobs
        .iter()
        .find(|j| j.spec.job == "unit" && j.status.state == Some(ProwJobState::Triggered))
        .unwrap();
    let pull = setup.standin.world().pull(REPO, number).unwrap().clone();
    let refs = new_unit.spec.refs.as_ref().unwrap();
    assert_eq!((refs.org.as_str(), refs.repo.as_str()), ("acme", "widgets"));
    assert_eq!(refs.base_ref, "main");
    assert_eq!(refs.base_sha, pull.base_sha);
    assert_eq!(refs.pulls[0].sha, pull.head_sha);
    assert_eq!(refs.pulls[0].author, "alice");
    let labels = new_unit.metadata.labels.as_ref().unwrap();
    for (key, value) in [
        ("created-by-prow", "true"),
        ("prow.k8s.io/job", "unit"),
        ("prow.k8s.io/type", "presubmit"),
        ("prow.k8s.io/refs.org", "acme"),
        ("prow.k8s.io/refs.repo", "widgets"),
        ("prow.k8s.io/refs.base_ref", "main"),
        ("prow.k8s.io/refs.pull", &number.to_string()),
        ("prow.k8s.io/is-optional", "false"),
        ("prow.k8s.io/context", "unit"),
    ] {
        assert_eq!(labels.get(key).map(String::as_str), Some(value), "{key}");
    }
    assert_eq!(new_unit.spec.rerun_command, "/test unit");
    assert!(new_unit.spec.report);
    assert!(new_unit.status.start_time.is_some());

    // Comments three times: one job each. On a trusted PR anyone may ask for a job (upstream).
    setup.comment(number, "alice", "/test e2e");
    setup.comment(number, "mallory", "/test e2e");
    setup.deliver(3).await;
    assert_eq!(setup.counts(number).await["e2e"], 2);

    // A push to main starts its postsubmit, once.
    setup
        .standin
        .world()
        .push(REPO, "main", "release", &[("VERSION", "1.0\n")]);
    setup.deliver(3).await;
    let post: Vec<ProwJob> = setup
        .store
        .list("prow.k8s.io/type=postsubmit")
        .await
        .unwrap();
    assert_eq!(post.len(), 1);
    assert_eq!(post[0].spec.job, "post-build");
    assert_eq!(post[0].spec.refs.as_ref().unwrap().base_ref, "main");

    // Closing the PR aborts what is still running.
    setup.standin.world().close(REPO, number);
    setup.deliver(3).await;
    assert!(
        setup
            .jobs(number)
            .await
            .iter()
            .all(|j| j.status.state == Some(ProwJobState::Aborted))
    );
}
