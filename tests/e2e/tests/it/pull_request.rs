//! The whole system (`prow local`: hook, trigger, controller, crier, horologium, sinker in one
//! process) driven only through its outside interfaces: the GitHub stand-in sends signed webhooks
//! to `/hook` (every one twice), jobs run as local processes, results come back as statuses and
//! comments on the stand-in's pull requests and as artifacts in the local bucket; time for the
//! periodic and the garbage collector is advanced by an injected clock.

use github_standin::{GitHubStandIn, World};
use jiff::{SignedDuration, Timestamp};
use prow::local::{LocalOptions, LocalSystem};
use prow_api::{ProwJob, ProwJobState, ProwJobType};
use prow_e2e::TRIGGER_FOR_ACME;
use prow_github_octocrab::OctocrabGitHub;
use prow_ports::clock::ManualClock;
use prow_ports::store::JobStore;
use std::path::Path;
use std::sync::Arc;

const REPO: &str = "acme/widgets";
const SECRET: &[u8] = b"e2e-webhook-secret";
const BUCKET: &str = "prow-artifacts";

const CONFIG: &str = r#"
prowjob_namespace: prow
pod_namespace: test-pods
sinker:
  max_prowjob_age: 48h
  max_pod_age: 48h
plank:
  job_url_prefix_config:
    '*': http://prow.local/view/
  default_decoration_config_entries:
  - config:
      timeout: 5m
      grace_period: 2s
      utility_images: {clonerefs: local, initupload: local, entrypoint: local, sidecar: local}
      gcs_configuration: {bucket: s3://prow-artifacts, path_strategy: explicit}
"#;

fn jobs(release: &Path) -> String {
    format!(
        r#"
presubmits:
  acme/widgets:
  - name: unit
    always_run: true
    decorate: true
    spec: {{containers: [{{image: local, command: [/bin/sh, -c], args: ["echo unit tests pass; mkdir -p $ARTIFACTS; echo '<testsuite/>' > $ARTIFACTS/junit.xml"]}}]}}
  - name: lint
    always_run: true
    decorate: true
    spec: {{containers: [{{image: local, command: [/bin/sh, -c], args: ["echo lint fails; exit 1"]}}]}}
  - name: slow
    always_run: true
    decorate: true
    spec: {{containers: [{{image: local, command: [/bin/sh, -c], args: ["while [ ! -f {release} ]; do sleep 0.05; done; echo released"]}}]}}
periodics:
- name: nightly
  interval: 24h
  decorate: true
  spec: {{containers: [{{image: local, command: [/bin/sh, -c], args: ["echo nightly build"]}}]}}
"#,
        release = release.display()
    )
}

struct System {
    standin: GitHubStandIn,
    local: LocalSystem,
    clock: Arc<ManualClock>,
    release: std::path::PathBuf,
    _state: tempfile::TempDir,
}

async fn start() -> System {
    let state = tempfile::tempdir().unwrap();
    let release = state.path().join("release-slow-jobs");
    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice", "prow-bot"]);
    world.add_user("mallory");
    world.add_repo(REPO);
    world.push(
        REPO,
        "main",
        "Add OWNERS",
        &[("OWNERS", "approvers: [alice]\n")],
    );
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let config = prow_e2e::load_config(CONFIG, Some(&jobs(&release)), Some(TRIGGER_FOR_ACME));
    let options = prow_e2e::local_options(config.unwrap(), state.path(), SECRET).unwrap();
    let github =
        OctocrabGitHub::with_token(&standin.url(), "ghp_e2e", "prow-local", &options.metrics)
            .unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp::now()));
    let local = LocalSystem::start(LocalOptions {
        github: Some(github),
        clock: clock.clone(),
        bucket: BUCKET.into(),
        ..options
    })
    .await
    .unwrap();
    System {
        standin,
        local,
        clock,
        release,
        _state: state,
    }
}

impl System {
    /// Sends every queued webhook to `/hook` twice, signed, and checks hook took each.
    async fn deliver(&self) {
        {
            let mut world = self.standin.world();
            let again = world.outbox.clone();
            world.outbox.extend(again);
        }
        let url = format!("{}/hook", self.local.url());
        for (delivery, status) in self.standin.deliver_pending(&url, SECRET).await.unwrap() {
            assert_eq!(
                status, 200,
                "hook refused {} {}",
                delivery.event, delivery.id
            );
        }
    }

    async fn jobs(&self) -> Vec<ProwJob> {
        self.local.store.list("").await.unwrap()
    }

    /// Presubmits of PR `number` named `name`, oldest first.
    async fn runs(&self, number: u64, name: &str) -> Vec<ProwJob> {
        let mut runs: Vec<ProwJob> = self
            .jobs()
            .await
            .into_iter()
            .filter(|j| j.spec.job == name && crate::pull_of(j).is_some_and(|p| p.number == number))
            .collect();
        runs.sort_by_key(|j| j.status.build_id.clone());
        runs
    }

    fn head(&self, number: u64) -> String {
        self.standin
            .world()
            .pull(REPO, number)
            .unwrap()
            .head_sha
            .clone()
    }

    fn base(&self, number: u64) -> String {
        self.standin
            .world()
            .pull(REPO, number)
            .unwrap()
            .base_sha
            .clone()
    }

    /// `(context, state, description)` of every status on `sha`, oldest first.
    fn statuses(&self, sha: &str) -> Vec<(String, String, String)> {
        let world = self.standin.world();
        world
            .repo(REPO)
            .unwrap()
            .statuses
            .get(sha)
            .into_iter()
            .flatten()
            .map(|s| (s.context.clone(), s.state.clone(), s.description.clone()))
            .collect()
    }

    fn latest_status(&self, sha: &str, context: &str) -> Option<String> {
        self.statuses(sha)
            .into_iter()
            .rev()
            .find(|(c, _, _)| c == context)
            .map(|(_, state, _)| state)
    }

    fn bot_comments(&self, number: u64) -> Vec<String> {
        let world = self.standin.world();
        world
            .issue(REPO, number)
            .unwrap()
            .comments
            .iter()
            .filter(|c| c.author == "prow-bot")
            .map(|c| c.body.clone())
            .collect()
    }

    fn artifact(&self, key: &str) -> Option<String> {
        std::fs::read_to_string(self.local.artifacts_root.join(BUCKET).join(key)).ok()
    }
}

fn state(job: &ProwJob) -> Option<ProwJobState> {
    job.status.state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pull_requests_life_through_the_whole_system() {
    let system = start().await;

    // A trusted author opens a PR: its three presubmits run as local processes.
    let pr = system.standin.world().open_pull_request(
        REPO,
        "alice",
        "feature",
        "Add a widget",
        &[("widget.go", "package widgets\n")],
    );
    system.deliver().await;
    let head = system.head(pr);
    let base = system.base(pr);
    crate::eventually("unit passes and lint fails", 20, || async {
        system.latest_status(&head, "unit").as_deref() == Some("success")
            && system.latest_status(&head, "lint").as_deref() == Some("failure")
    })
    .await;
    for context in ["unit", "lint", "slow"] {
        let statuses: Vec<_> = system
            .statuses(&head)
            .into_iter()
            .filter(|(c, _, _)| c == context)
            .collect();
        assert_eq!(
            statuses[0].1, "pending",
            "{context} starts pending: {statuses:?}"
        );
        for (_, _, description) in &statuses {
            assert!(
                description.ends_with(&format!(" BaseSHA:{base}")),
                "{context}: {description:?}"
            );
        }
    }
    assert_eq!(
        system.latest_status(&head, "slow").as_deref(),
        Some("pending")
    );
    crate::eventually("the failure comment", 20, || async {
        !system.bot_comments(pr).is_empty()
    })
    .await;
    let comments = system.bot_comments(pr);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert!(
        comments[0].contains(&format!("lint | {head} |")),
        "{}",
        comments[0]
    );
    assert!(comments[0].contains("`/test lint`"), "{}", comments[0]);
    for name in ["unit", "lint", "slow"] {
        assert_eq!(system.runs(pr, name).await.len(), 1, "{name} started once");
    }

    // /retest reruns only the failed job.
    system.standin.world().comment(REPO, pr, "alice", "/retest");
    system.deliver().await;
    crate::eventually("lint rerun and failed", 20, || async {
        let lint = system.runs(pr, "lint").await;
        lint.len() == 2 && lint.iter().all(ProwJob::complete)
    })
    .await;
    assert_eq!(
        system.runs(pr, "unit").await.len(),
        1,
        "unit passed: not rerun"
    );
    assert_eq!(
        system.runs(pr, "slow").await.len(),
        1,
        "slow is running: not rerun"
    );

    // A push aborts what still runs for the old head and starts everything for the new one.
    let new_head = system
        .standin
        .world()
        .push_to_pull_request(
            REPO,
            pr,
            "Fix lint",
            &[("widget.go", "package widgets // ok\n")],
        )
        .unwrap();
    system.deliver().await;
    crate::eventually("the old slow run aborted", 20, || async {
        system.runs(pr, "slow").await.iter().any(|j| {
            j.spec.refs.as_ref().unwrap().pulls[0].sha == head
                && state(j) == Some(ProwJobState::Aborted)
        })
    })
    .await;
    crate::eventually("three runs for the new head", 20, || async {
        let jobs = system.jobs().await;
        jobs.iter()
            .filter(|j| crate::pull_of(j).is_some_and(|p| p.sha == new_head))
            .count()
            == 3
    })
    .await;
    crate::eventually(
        "the aborted run shows as failed on the old head",
        20,
        || async { system.latest_status(&head, "slow").as_deref() == Some("failure") },
    )
    .await;
    std::fs::write(&system.release, "go").unwrap();
    crate::eventually("the new head's jobs finish", 20, || async {
        system.latest_status(&new_head, "slow").as_deref() == Some("success")
            && system.latest_status(&new_head, "lint").as_deref() == Some("failure")
    })
    .await;

    // An outsider's PR runs nothing until a member says /ok-to-test.
    let outsider = system.standin.world().open_pull_request(
        REPO,
        "mallory",
        "mallory-change",
        "Drive-by fix",
        &[("README.md", "hi\n")],
    );
    system.deliver().await;
    crate::eventually("the bot asks for /ok-to-test", 20, || async {
        system
            .bot_comments(outsider)
            .iter()
            .any(|c| c.contains("/ok-to-test"))
    })
    .await;
    assert!(
        system.runs(outsider, "unit").await.is_empty(),
        "untrusted code never runs"
    );
    system
        .standin
        .world()
        .comment(REPO, outsider, "alice", "/ok-to-test");
    system.deliver().await;
    crate::eventually("the outsider's jobs run after /ok-to-test", 20, || async {
        system
            .runs(outsider, "unit")
            .await
            .first()
            .is_some_and(ProwJob::complete)
    })
    .await;

    // Nothing happened twice although every webhook came twice.
    for (number, name, expected) in [
        (pr, "unit", 2),
        (pr, "lint", 3),
        (pr, "slow", 2),
        (outsider, "unit", 1),
    ] {
        assert_eq!(
            system.runs(number, name).await.len(),
            expected,
            "PR {number} {name}"
        );
    }
    assert_eq!(
        system
            .bot_comments(outsider)
            .iter()
            .filter(|c| c.contains("/ok-to-test"))
            .count(),
        1
    );

    // The periodic runs on its schedule as the clock moves.
    let periodics = || async {
        system
            .jobs()
            .await
            .into_iter()
            .filter(|j| j.spec.job_type == ProwJobType::Periodic)
            .collect::<Vec<_>>()
    };
    system.local.tick().await;
    crate::eventually("the first nightly finished", 20, || async {
        periodics().await.first().is_some_and(ProwJob::complete)
    })
    .await;
    system.local.tick().await;
    assert_eq!(periodics().await.len(), 1, "not due again within 24h");
    system.clock.advance(SignedDuration::from_hours(25));
    system.local.tick().await;
    crate::eventually("the second nightly finished", 20, || async {
        let runs = periodics().await;
        runs.len() == 2 && runs.iter().all(ProwJob::complete)
    })
    .await;

    // Artifacts are in upstream's layout in the local bucket.
    let unit = &system
        .runs(pr, "unit")
        .await
        .into_iter()
        .find(|j| j.spec.refs.as_ref().unwrap().pulls[0].sha == head)
        .unwrap();
    let build = &unit.status.build_id;
    let prefix = format!("pr-logs/pull/acme_widgets/{pr}/unit/{build}");
    for file in [
        "started.json",
        "finished.json",
        "build-log.txt",
        "prowjob.json",
        "artifacts/junit.xml",
    ] {
        assert!(
            system.artifact(&format!("{prefix}/{file}")).is_some(),
            "{prefix}/{file}"
        );
    }
    assert!(
        system
            .artifact(&format!("{prefix}/build-log.txt"))
            .unwrap()
            .contains("unit tests pass")
    );
    let finished: serde_json::Value =
        serde_json::from_str(&system.artifact(&format!("{prefix}/finished.json")).unwrap())
            .unwrap();
    assert_eq!(finished["result"], "SUCCESS");
    assert_eq!(
        unit.status.url,
        format!("http://prow.local/view/s3/{BUCKET}/{prefix}")
    );
    let nightly = &periodics().await[0];
    assert!(
        system
            .artifact(&format!(
                "logs/nightly/{}/build-log.txt",
                nightly.status.build_id
            ))
            .is_some_and(|log| log.contains("nightly build"))
    );

    // Sinker removes what is old: three days on, only the newest nightly is left.
    system.clock.advance(SignedDuration::from_hours(72));
    // Horologium would start a third nightly on this tick; sinker runs after it, so count after.
    system.local.tick().await;
    crate::eventually("old jobs collected", 20, || async {
        system
            .jobs()
            .await
            .iter()
            .all(|j| j.spec.job_type == ProwJobType::Periodic)
    })
    .await;
    let left = periodics().await;
    assert!(
        left.len() <= 2,
        "the newest nightly (and one just started) remain: {}",
        left.len()
    );
}
