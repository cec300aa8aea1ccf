//! Tide through the whole system (`prow local` against the GitHub stand-in, driven from
//! outside): four ready pull requests whose presubmits passed before someone else pushed to
//! main, one of which breaks the build on the new main, and one on hold. Tide tests the four together, bisects the
//! broken batch, merges the three good ones as their halves pass, leaves the broken one out
//! with its own failed retest, and never merges the held one, whose `tide` context says why.

use github_standin::{GitHubStandIn, Permission, World};
use prow::local::LocalSystem;
use prow_api::ProwJobType;
use prow_e2e::TRIGGER_FOR_ACME;
use prow_ports::store::JobStore;
use std::collections::BTreeSet;
use std::time::Duration;

const REPO: &str = "acme/widgets";
const SECRET: &[u8] = b"e2e-tide-secret";

const CONFIG: &str = r#"
prowjob_namespace: prow
pod_namespace: test-pods
plank:
  default_decoration_config_entries:
  - config:
      timeout: 5m
      grace_period: 2s
      utility_images: {clonerefs: local, initupload: local, entrypoint: local, sidecar: local}
      gcs_configuration: {bucket: s3://prow-artifacts, path_strategy: explicit}
tide:
  queries:
  - repos: [acme/widgets]
    labels: [lgtm, approved]
    missingLabels: [do-not-merge/hold]
"#;

/// `unit` passes, except for a run that includes pull request #4 once `broken` exists.
fn jobs(broken: &std::path::Path) -> String {
    format!(
        r#"
presubmits:
  acme/widgets:
  - name: unit
    always_run: true
    decorate: true
    spec: {{containers: [{{image: local, command: [/bin/sh, -c], args: ["case \"$PULL_REFS\" in *,4:*) if [ -f {broken} ]; then echo 'fails with #4'; exit 1; fi;; esac; echo pass"]}}]}}
"#,
        broken = broken.display()
    )
}

fn unit_state(standin: &GitHubStandIn, number: u64) -> Option<String> {
    let world = standin.world();
    let head = world.issue(REPO, number)?.pull.as_ref()?.head_sha.clone();
    world
        .combined_statuses(REPO, &head)
        .into_iter()
        .find(|s| s.context == "unit")
        .map(|s| s.state)
}

fn merged(standin: &GitHubStandIn, number: u64) -> bool {
    standin
        .world()
        .issue(REPO, number)
        .and_then(|i| i.pull.clone())
        .is_some_and(|p| p.merged)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tide_batches_bisects_and_merges_the_good_pull_requests_through_prow_local() {
    let state = tempfile::tempdir().unwrap();
    let broken = state.path().join("main-moved-on");
    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice", "bob", "prow-bot"]);
    world.add_repo(REPO);
    world.add_collaborator(REPO, "prow-bot", Permission::Admin);
    let mut prs = Vec::new();
    for branch in ["one", "two", "three", "four", "held"] {
        let number = world.open_pull_request(
            REPO,
            "alice",
            branch,
            &format!("Change {branch}"),
            &[(&format!("{branch}.txt"), branch)],
        );
        for label in ["lgtm", "approved"] {
            world.label_as(REPO, number, label, "bob");
        }
        prs.push(number);
    }
    world.label_as(REPO, prs[4], "do-not-merge/hold", "bob");
    assert_eq!(prs, [1, 2, 3, 4, 5]);
    let standin = GitHubStandIn::start(world).await.unwrap();
    let config =
        prow_e2e::load_config(CONFIG, Some(&jobs(&broken)), Some(TRIGGER_FOR_ACME)).unwrap();
    let local: LocalSystem = prow_e2e::start_local(&standin.url(), config, state.path(), SECRET)
        .await
        .unwrap();
    let url = format!("{}/hook", local.url());
    for (delivery, status) in standin.deliver_pending(&url, SECRET).await.unwrap() {
        assert_eq!(status, 200, "hook refused {}", delivery.event);
    }
    // Trigger ran each pull request's presubmit; crier reported them green.
    crate::eventually("every presubmit reported green", 30, || async {
        prs.iter()
            .all(|n| unit_state(&standin, *n).as_deref() == Some("success"))
    })
    .await;

    // Meanwhile main moved on (so every result is for an old base), and #4 breaks the build
    // now, alone or with others.
    standin.world().push(
        REPO,
        "main",
        "Someone else's change",
        &[("other.txt", "other")],
    );
    std::fs::write(&broken, "").unwrap();
    crate::eventually("tide merged #1, #2 and #3 and left #4 out", 90, || async {
        local.tick().await;
        let _ = standin.deliver_pending(&url, SECRET).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        [1, 2, 3].iter().all(|n| merged(&standin, *n))
            && unit_state(&standin, 4).as_deref() == Some("failure")
    })
    .await;
    local.tick().await;
    assert!(
        !merged(&standin, 4),
        "the broken pull request is not merged"
    );
    assert!(!merged(&standin, 5), "the held pull request is not merged");

    let tested: BTreeSet<Vec<u64>> = local
        .store
        .list("created-by-tide=true")
        .await
        .unwrap()
        .iter()
        .filter(|job| job.spec.job_type == ProwJobType::Batch)
        .map(|job| {
            let refs = job.spec.refs.as_ref().unwrap();
            refs.pulls.iter().map(|p| p.number).collect()
        })
        .collect();
    assert!(
        tested.contains(&vec![1, 2, 3, 4]),
        "the four together: {tested:?}"
    );
    assert!(
        tested.contains(&vec![1, 2]) && tested.contains(&vec![3, 4]),
        "the broken batch bisected: {tested:?}"
    );
    let world = standin.world();
    let held_head = world
        .issue(REPO, 5)
        .unwrap()
        .pull
        .as_ref()
        .unwrap()
        .head_sha
        .clone();
    let tide = world
        .combined_statuses(REPO, &held_head)
        .into_iter()
        .find(|s| s.context == "tide")
        .map(|s| (s.state, s.description));
    assert_eq!(
        tide,
        Some((
            "pending".to_string(),
            "Not mergeable. Should not have do-not-merge/hold label.".to_string()
        ))
    );
}
