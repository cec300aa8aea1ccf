//! In-repo configuration through `prow local` and the GitHub stand-in: a pull request that adds
//! a job to `.prow.yaml` runs it for that pull request only; one whose `.prow.yaml` is broken gets
//! a comment naming the file and line and runs nothing from it; and each in-repo file is read from
//! GitHub once per commit however often the events come (every webhook is delivered twice).

use github_standin::{GitHubStandIn, World};
use prow_e2e::TRIGGER_FOR_ACME;
use prow_ports::store::JobStore;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const REPO: &str = "acme/widgets";
const SECRET: &[u8] = b"in-repo-secret";
const CONFIG: &str = "in_repo_config:\n  enabled:\n    acme/widgets: true\n";
const JOBS: &str = "presubmits:\n  acme/widgets:\n  - name: unit\n    always_run: true\n    spec: {containers: [{image: local, command: [/bin/true]}]}\n";
const IN_REPO_JOB: &str = "presubmits:\n- name: in-repo-check\n  always_run: true\n  spec: {containers: [{image: local, command: [/bin/true]}]}\n";
const BROKEN: &str = "presubmits:\n- name: broken\n  always_run: true\n  max_concurrency: lots\n  spec: {containers: [{image: local, command: [/bin/true]}]}\n";

async fn deliver_twice(standin: &GitHubStandIn, url: &str) {
    {
        let mut world = standin.world();
        let again = world.outbox.clone();
        world.outbox.extend(again);
    }
    for (delivery, status) in standin.deliver_pending(url, SECRET).await.unwrap() {
        assert_eq!(
            status, 200,
            "hook refused {} {}",
            delivery.event, delivery.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_repo_jobs_run_for_their_pull_request_and_broken_files_are_answered() {
    let state = tempfile::tempdir().unwrap();
    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice", "prow-bot"]);
    world.add_repo(REPO);
    world.push(REPO, "main", "Start", &[("README.md", "widgets\n")]);
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let config = prow_e2e::load_config(CONFIG, Some(JOBS), Some(TRIGGER_FOR_ACME)).unwrap();
    let local = prow_e2e::start_local(&standin.url(), config, state.path(), SECRET)
        .await
        .unwrap();
    let hook = format!("{}/hook", local.url());

    // alice opens a pull request from `head` writing one file.
    let open = |head: &str, title: &str, path: &str, content: &str| {
        let files = [(path, content)];
        standin
            .world()
            .open_pull_request(REPO, "alice", head, title, &files)
    };
    let adds = open("add-check", "Add an in-repo job", ".prow.yaml", IN_REPO_JOB);
    let other = open("docs", "Docs only", "README.md", "more widgets\n");
    let broken = open("broken", "A broken in-repo job", ".prow.yaml", BROKEN);
    deliver_twice(&standin, &hook).await;

    let deadline = Instant::now() + Duration::from_secs(20);
    let jobs = loop {
        let jobs = local.store.list("").await.unwrap();
        if crate::job_names_for(&jobs, adds).len() == 2
            && crate::job_names_for(&jobs, broken).len() == 1
        {
            break jobs;
        }
        assert!(
            Instant::now() < deadline,
            "jobs: {:?}",
            jobs.iter().map(|j| &j.spec.job).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(crate::job_names_for(&jobs, adds), ["in-repo-check", "unit"]);
    assert_eq!(
        crate::job_names_for(&jobs, other),
        ["unit"],
        "the job is this pull request's only"
    );
    assert_eq!(
        crate::job_names_for(&jobs, broken),
        ["unit"],
        "nothing from a broken file"
    );
    let said: Vec<String> = standin
        .world()
        .issue(REPO, broken)
        .unwrap()
        .comments
        .iter()
        .map(|c| c.body.clone())
        .collect();
    assert_eq!(said.len(), 1, "answered once for two deliveries: {said:#?}");
    assert!(
        said[0].contains("`.prow.yaml:4:20: error: job \"broken\": max_concurrency"),
        "{}",
        said[0]
    );

    // Deck rebuilds the in-repo job from the configuration, as trigger saw it.
    let own = jobs
        .iter()
        .find(|j| j.spec.job == "in-repo-check")
        .unwrap()
        .name()
        .to_string();
    let shown = reqwest::get(format!("{}/rerun?prowjob={own}&mode=latest", local.url()))
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    let shown = shown.text().await.unwrap();
    assert!(shown.contains("job: in-repo-check"), "{shown}");

    // Every in-repo read, by path and commit: once each, for three PRs delivered twice.
    let mut reads: BTreeMap<String, usize> = BTreeMap::new();
    for call in standin
        .world()
        .calls
        .iter()
        .filter(|c| c.uri.contains("/contents/"))
    {
        *reads.entry(call.uri.clone()).or_default() += 1;
    }
    assert!(!reads.is_empty());
    assert!(reads.values().all(|n| *n == 1), "{reads:#?}");
    eprintln!(
        "in-repo contents reads: {} for 3 pull requests, 6 deliveries: {reads:#?}",
        reads.len()
    );
}
