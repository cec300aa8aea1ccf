//! Every webhook payload of the corpus (`../shared/corpus/github-webhooks`, GitHub's own
//! examples), forwarded as hook forwards it and delivered three times: each ProwJob the events
//! call for is created exactly once, named after its delivery, and nothing else is created.

use crate::support::{embedded_trigger, github_client};
use github_standin::{GitHubStandIn, Permission, World};
use prow_ports::store::JobStore;
use prow_test_harness::events::{github_event, post_event_to};
use prow_test_harness::standin_world::{HELLO_WORLD, open_corpus_issue_and_pull};
use std::collections::BTreeMap;
use std::sync::Arc;

const JOBS: &str = r#"
presubmits:
  Codertocat/Hello-World:
  - name: hello-unit
    always_run: true
    spec: {containers: [{image: alpine, command: [make, test]}]}
postsubmits:
  Codertocat/Hello-World:
  - name: hello-post
    branches: [master]
    spec: {containers: [{image: alpine, command: [make, release]}]}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_webhook_three_times_creates_each_job_once() {
    let Some(corpus) = prow_test_harness::corpus("github-webhooks") else {
        return;
    };
    let mut world = World::new("prow-bot");
    world.add_repo(HELLO_WORLD);
    world.add_collaborator(HELLO_WORLD, "Codertocat", Permission::Write);
    open_corpus_issue_and_pull(&mut world);
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let metrics = prow_runtime::Metrics::new("trigger");
    let github = github_client(&standin, &metrics);
    let config = prow_test_harness::strict_config(
        "",
        JOBS,
        Some("plugins:\n  Codertocat/Hello-World: {plugins: [trigger]}\n"),
    );
    let embedded = embedded_trigger(
        config,
        Some(Arc::new(github)),
        trigger::push_auth::PushAuth::Refuse,
        None,
        &metrics,
    );
    let store = embedded.store;
    let router = embedded.trigger.router();

    let mut payloads: Vec<(String, std::path::PathBuf)> = Vec::new();
    for dir in std::fs::read_dir(corpus.join("github-webhooks"))
        .unwrap()
        .flatten()
    {
        if !dir.path().is_dir() {
            continue;
        }
        let event = dir.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
            payloads.push((event.clone(), file.path()));
        }
    }
    payloads.sort();
    assert!(payloads.len() > 100, "{} payloads", payloads.len());

    // What upstream's trigger does with each: new, reopened, ready or updated PRs from a
    // trusted author run the presubmit; pushes to master run the postsubmit; tag deletions,
    // labels, reviews and comments without commands run nothing.
    let mut expected = BTreeMap::new();
    for (i, (event, path)) in payloads.iter().enumerate() {
        let id = format!("corpus-{i:03}");
        let payload: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let action = payload["action"].as_str().unwrap_or_default();
        match (event.as_str(), action) {
            ("pull_request", "opened" | "reopened" | "ready_for_review" | "synchronize") => {
                expected.insert(
                    prow_trigger::jobs::job_name(&id, "hello-unit"),
                    "hello-unit",
                );
            }
            ("push", _) if payload["deleted"] != true && payload["ref"] == "refs/heads/master" => {
                expected.insert(
                    prow_trigger::jobs::job_name(&id, "hello-post"),
                    "hello-post",
                );
            }
            _ => {}
        }
        let event = github_event(
            &id,
            event,
            "Codertocat/Hello-World",
            std::fs::read(path).unwrap(),
            Some(prow_test_harness::HMAC_SECRET),
        )
        .unwrap();
        for _ in 0..3 {
            let (status, body) = post_event_to(&router, "/", &event).await.unwrap();
            assert_eq!(status, 200, "{}: {}", path.display(), body);
        }
    }
    let created: BTreeMap<String, String> = store
        .list("")
        .await
        .unwrap()
        .into_iter()
        .map(|j| (j.name().to_string(), j.spec.job.clone()))
        .collect();
    let expected: BTreeMap<String, String> = expected
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    assert_eq!(created, expected);
    assert_eq!(created.values().filter(|j| *j == "hello-post").count(), 2);
    assert_eq!(created.values().filter(|j| *j == "hello-unit").count(), 9);
}
