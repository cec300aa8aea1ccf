//! Gerrit end to end through `prow local` and the Gerrit stand-in: a new patch set starts its
//! presubmits, a failing job gives `Verified -1` with the summary message, a `/retest` message
//! reruns only what failed, a merged change starts its postsubmits, and a sync repeated from an
//! earlier last sync (a restart that lost its progress) starts and says nothing twice.

use gerrit_standin::{FileInfo, GerritStandIn, World};
use prow_api::ProwJob;
use prow_ports::store::JobStore;
use std::sync::Arc;

const PROJECT: &str = "platform/app";

fn jobs(host: &str) -> String {
    format!(
        "presubmits:\n  {host}/{PROJECT}:\n  - name: unit\n    always_run: true\n    labels: {{prow.k8s.io/gerrit-report-label: Verified}}\n    spec: {{containers: [{{image: local, command: [/bin/true]}}]}}\n  - name: lint\n    always_run: true\n    labels: {{prow.k8s.io/gerrit-report-label: Verified}}\n    spec: {{containers: [{{image: local, command: [/bin/false]}}]}}\npostsubmits:\n  {host}/{PROJECT}:\n  - name: publish\n    spec: {{containers: [{{image: local, command: [/bin/true]}}]}}\n"
    )
}

/// The Gerrit stand-in with `PROJECT`, and `prow local` polling it with `jobs_of(host)`, synced
/// once (which starts each project from now).
async fn start(
    jobs_of: fn(&str) -> String,
    state: &std::path::Path,
) -> (GerritStandIn, prow::local::LocalSystem) {
    let mut world = World::new("prow-bot");
    world.add_project(PROJECT);
    world.add_account("alice");
    // The stand-in's clock starts in January; its changes must come after the first sync.
    let now = u64::try_from(jiff::Timestamp::now().as_second()).unwrap();
    world.advance(now.saturating_sub(world.now()) + 60);
    let standin = GerritStandIn::start(world).await.unwrap();
    let host = standin.url();
    let config = format!("gerrit:\n  org_repos_config:\n  - org: {host}\n    repos: [{PROJECT}]\n");
    let config = prow_e2e::load_config(&config, Some(&jobs_of(&host)), None).unwrap();
    let gerrit = prow_gerrit_http::HttpGerrit::new(Some("prow-bot:secret".into())).unwrap();
    let local = prow_e2e::start_local_with(None, Some(Arc::new(gerrit)), config, state, b"s")
        .await
        .unwrap();
    local.tick().await;
    (standin, local)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gerrit_change_is_tested_reported_retested_and_merged() {
    let state = tempfile::tempdir().unwrap();
    let (standin, local) = start(jobs, state.path()).await;

    let number = standin.world().create_change(
        PROJECT,
        "master",
        "alice",
        &[("src/main.go", FileInfo::added())],
    );
    local.tick().await;
    let store = local.store.clone();
    let finished = |count: usize| {
        let store = store.clone();
        async move {
            let jobs = store.list("").await.unwrap();
            jobs.len() >= count && jobs.iter().all(ProwJob::complete)
        }
    };
    crate::eventually("both presubmits to finish", 20, || finished(2)).await;
    assert_eq!(
        crate::job_names_for(&store.list("").await.unwrap(), number),
        ["lint", "unit"]
    );
    crate::eventually("the report", 20, || {
        let standin = &standin;
        async move { standin.world().votes(number, "Verified").get("prow-bot") == Some(&-1) }
    })
    .await;
    let said: Vec<String> = standin
        .world()
        .messages(number)
        .into_iter()
        .filter(|(author, _)| author == "prow-bot")
        .map(|(_, text)| text)
        .collect();
    assert!(
        said.iter().any(|m| m.contains("Triggered 2 prow jobs")),
        "{said:#?}"
    );
    let reports: Vec<&String> = said.iter().filter(|m| m.contains("Prow Status:")).collect();
    assert_eq!(reports.len(), 1, "one report for the patch set: {said:#?}");
    assert!(
        reports[0].contains("Prow Status: 1 out of 2 pjs passed!"),
        "{}",
        reports[0]
    );
    assert!(
        reports[0].contains("❌ lint (URL_NOT_FOUND) FAILURE"),
        "{}",
        reports[0]
    );

    // `/retest` reruns what failed only.
    let last_sync = local
        .artifacts_root
        .join("prow-artifacts/gerrit/last-sync.json");
    let before_retest = std::fs::read(&last_sync).unwrap();
    standin.world().comment(number, "alice", "/retest");
    local.tick().await;
    crate::eventually("the retest to finish", 20, || finished(3)).await;
    assert_eq!(
        crate::job_names_for(&store.list("").await.unwrap(), number),
        ["lint", "lint", "unit"]
    );

    // A restart that lost the last sync sees the `/retest` again: nothing is started or said twice.
    let said_before = standin.world().messages(number).len();
    std::fs::write(&last_sync, before_retest).unwrap();
    // The S3 server keeps each object's checksum beside it; the rewritten file has none now.
    for entry in std::fs::read_dir(&local.artifacts_root).unwrap().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .ends_with(".internal.json")
        {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    local.tick().await;
    assert_eq!(
        store.list("").await.unwrap().len(),
        3,
        "no job started twice"
    );
    let triggered_again = standin.world().messages(number)[said_before..]
        .iter()
        .any(|(_, text)| text.contains("Triggered"));
    assert!(!triggered_again, "nothing said twice");

    // A merged change starts its postsubmits.
    standin.world().merge(number);
    local.tick().await;
    crate::eventually("the postsubmit", 20, || {
        let store = store.clone();
        async move {
            store
                .list("")
                .await
                .unwrap()
                .iter()
                .any(|j| j.spec.job == "publish")
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_patch_set_aborts_the_runs_of_the_one_it_replaces() {
    let state = tempfile::tempdir().unwrap();
    let slow = |host: &str| {
        format!(
            "presubmits:\n  {host}/{PROJECT}:\n  - name: slow\n    always_run: true\n    spec: {{containers: [{{image: local, command: [/bin/sleep, '30']}}]}}\n"
        )
    };
    let (standin, local) = start(slow, state.path()).await;
    let number =
        standin
            .world()
            .create_change(PROJECT, "master", "alice", &[("a.txt", FileInfo::added())]);
    local.tick().await;
    let first = local.store.list("").await.unwrap();
    assert_eq!(first.len(), 1);
    standin
        .world()
        .new_patchset(number, &[("a.txt", FileInfo::modified())]);
    local.tick().await;
    let jobs = local.store.list("").await.unwrap();
    assert_eq!(jobs.len(), 2, "the new patch set's run");
    let old = jobs.iter().find(|j| j.name() == first[0].name()).unwrap();
    assert_eq!(old.status.state, Some(prow_api::ProwJobState::Aborted));
    let new = jobs.iter().find(|j| j.name() != first[0].name()).unwrap();
    assert!(!new.complete(), "the new patch set's run goes on");
}
