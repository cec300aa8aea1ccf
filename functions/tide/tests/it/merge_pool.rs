//! A pool's life through tide syncs: ready pull requests tested together in a batch and merged
//! together once the batch passes, a held one never merged and told why, a pool another run
//! holds left alone, and a sync with nothing new writing nothing.

use crate::support::{Bench, REPO, ready_pull_request, world};
use jiff::Timestamp;
use prow_api::{ProwJobState, ProwJobType};

#[tokio::test]
async fn ready_pull_requests_merge_as_one_tested_batch_and_a_held_one_never() {
    let mut seeded = world();
    let first = ready_pull_request(&mut seeded, "one", &["lgtm", "approved"]);
    let second = ready_pull_request(&mut seeded, "two", &["lgtm", "approved"]);
    let third = ready_pull_request(&mut seeded, "three", &["lgtm", "approved"]);
    let held = ready_pull_request(
        &mut seeded,
        "held",
        &["lgtm", "approved", "do-not-merge/hold"],
    );
    let unlabelled = ready_pull_request(&mut seeded, "new", &[]);
    let bench = Bench::start(seeded).await;

    // First sync: no results on this base yet, so the three are tested together.
    let report = bench.tide.sync().await.unwrap();
    // The budget ledger counts tide's calls and the GraphQL points its searches cost.
    let metrics = bench.metrics.encode();
    assert!(
        metrics.contains(&format!(
            "github_graphql_points_total{{component=\"tide\"}} {}",
            report.graphql_points
        )),
        "{metrics}"
    );
    assert_eq!(report.pools.len(), 1, "{report:?}");
    assert_eq!(report.pools[0].action, "TRIGGER_BATCH");
    assert_eq!(report.pools[0].target, [first, second, third]);
    let jobs = bench.jobs().await;
    assert_eq!(
        jobs.len(),
        1,
        "one batch job for the one required context: {jobs:#?}"
    );
    let batch = &jobs[0];
    assert_eq!(batch.spec.job_type, ProwJobType::Batch);
    assert_eq!(batch.spec.job, "unit");
    let refs = batch.spec.refs.as_ref().unwrap();
    let tested: Vec<u64> = refs.pulls.iter().map(|p| p.number).collect();
    assert_eq!(tested, [first, second, third]);
    let base = bench.world().repo(REPO).unwrap().branches["main"].clone();
    assert_eq!(refs.base_sha, base);
    assert_eq!(
        batch
            .metadata
            .labels
            .as_ref()
            .unwrap()
            .get("created-by-tide")
            .map(String::as_str),
        Some("true")
    );
    assert_eq!(
        bench.tide_status(first),
        Some(("pending".into(), "Not mergeable. Retesting: unit".into()))
    );
    assert_eq!(
        bench.tide_status(held),
        Some((
            "pending".into(),
            "Not mergeable. Should not have do-not-merge/hold label.".into()
        ))
    );
    assert_eq!(
        bench.tide_status(unlabelled),
        Some((
            "pending".into(),
            "Not mergeable. Needs approved, lgtm labels.".into()
        ))
    );

    // While the batch runs, upstream also retests the first pull request alone; then it
    // waits. Neither sync writes to GitHub: every context already says what it should.
    bench.forget_calls();
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "TRIGGER");
    assert_eq!(report.pools[0].target, [first]);
    assert_eq!(report.pools[0].batch_pending, [first, second, third]);
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "WAIT");
    assert_eq!(
        bench.jobs().await.len(),
        2,
        "the batch and the retest, each started once"
    );
    assert!(bench.writes().is_empty(), "{:#?}", bench.writes());

    // Another run holding the pool's lease: this one leaves it alone.
    let other = bench
        .lease_holder()
        .acquire(
            "tide-acme-widgets-main",
            "another-tide",
            Timestamp::from_second(1_800_000_000).unwrap(),
            jiff::SignedDuration::from_secs(60),
        )
        .await
        .unwrap()
        .unwrap();
    bench.finish_jobs(ProwJobState::Success).await;
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.skipped, ["acme/widgets@main"]);
    assert!(report.merged.is_empty());
    bench.lease_holder().release(other).await.unwrap();

    // The batch passed: all three merge, in order, the held one stays.
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "MERGE_BATCH", "{report:?}");
    let merged: Vec<String> = [first, second, third]
        .iter()
        .map(|n| format!("{REPO}#{n}"))
        .collect();
    assert_eq!(report.merged, merged);
    for number in [first, second, third] {
        assert!(bench.merged(number), "#{number}");
    }
    assert!(!bench.merged(held));
    assert_eq!(
        bench.tide_status(first),
        Some(("success".into(), "In merge pool.".into())),
        "tide's context goes green before the merge"
    );

    // Deck reads the pool and its history in upstream's shapes.
    let (status, pools) = bench.get("/").await;
    assert_eq!(status, 200);
    assert_eq!(pools[0]["Org"], "acme");
    assert_eq!(pools[0]["Action"], "MERGE_BATCH");
    let targets: Vec<u64> = pools[0]["Target"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Number"].as_u64().unwrap())
        .collect();
    assert_eq!(targets, [first, second, third]);
    let (status, history) = bench.get("/history").await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = history["acme/widgets:main"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["TRIGGER_BATCH", "TRIGGER", "MERGE_BATCH"],
        "waits are not recorded"
    );
    let merged_pulls = &history["acme/widgets:main"][2]["target"];
    assert_eq!(merged_pulls[0]["number"], first);
    assert_eq!(merged_pulls[0]["author"], "alice");
}

#[tokio::test]
async fn a_lone_ready_pull_request_is_retested_then_merged() {
    let mut seeded = world();
    let only = ready_pull_request(&mut seeded, "only", &["lgtm", "approved"]);
    let bench = Bench::start(seeded).await;
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "TRIGGER");
    let jobs = bench.jobs().await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].spec.job_type, ProwJobType::Presubmit);
    bench.finish_jobs(ProwJobState::Success).await;
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "MERGE");
    assert_eq!(report.merged, [format!("{REPO}#{only}")]);
}

#[tokio::test]
async fn a_failed_batch_is_bisected_and_the_good_pull_requests_merge() {
    let mut seeded = world();
    let prs: Vec<u64> = ["one", "two", "three", "four"]
        .iter()
        .map(|branch| ready_pull_request(&mut seeded, branch, &["lgtm", "approved"]))
        .collect();
    let bench = Bench::start(seeded).await;
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "TRIGGER_BATCH");
    bench.finish_jobs(ProwJobState::Failure).await;

    // The batch broke: its halves are tested at once instead of the batch again.
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "BISECT", "{report:?}");
    assert_eq!(report.started.len(), 2);
    let culprit = prs[3];
    bench
        .finish_jobs_where(|pulls| !pulls.contains(&culprit), ProwJobState::Success)
        .await;
    bench
        .finish_jobs_where(|pulls| pulls.contains(&culprit), ProwJobState::Failure)
        .await;
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "MERGE_BATCH", "{report:?}");
    assert_eq!(report.merged.len(), 2);

    // On the new base the half that broke is still suspect: its halves run alone.
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "BISECT", "{report:?}");
    bench
        .finish_jobs_where(|pulls| pulls == [prs[2]], ProwJobState::Success)
        .await;
    bench
        .finish_jobs_where(|pulls| pulls == [culprit], ProwJobState::Failure)
        .await;
    let report = bench.tide.sync().await.unwrap();
    assert_eq!(report.pools[0].action, "MERGE", "{report:?}");
    assert_eq!(report.merged, [format!("{REPO}#{}", prs[2])]);
    assert!(!bench.merged(culprit));
}

/// GitHub answers 1,000 results a search at most; tide reads on from the newest it was given,
/// so a pool of 1,100 is seen whole and every pull request gets its context.
#[tokio::test]
async fn more_pull_requests_than_one_search_answers_are_all_seen() {
    let mut seeded = world();
    for n in 0..1100 {
        let number = seeded.open_pull_request(
            REPO,
            "alice",
            &format!("change-{n}"),
            "A change",
            &[("change.txt", "x")],
        );
        if n % 2 == 0 {
            for label in ["lgtm", "approved"] {
                seeded.label_as(REPO, number, label, "bob");
            }
        }
    }
    let bench = Bench::start(seeded).await;
    let report = bench.tide.sync().await.unwrap();
    let pool = &report.pools[0];
    assert_eq!(
        pool.success.len() + pool.pending.len() + pool.missing.len(),
        550,
        "every labelled one is in the pool"
    );
    assert_eq!(
        report.statuses_written, 1100,
        "every open one gets its context"
    );
    assert_eq!(
        bench.tide_status(1100).map(|s| s.1),
        Some("Not mergeable. Needs approved, lgtm labels.".to_string())
    );
}

#[tokio::test]
async fn with_a_token_one_search_covers_every_org_of_a_query() {
    let mut seeded = world();
    seeded.add_org("other", &["alice", "bob"]);
    let ours = ready_pull_request(&mut seeded, "one", &["lgtm", "approved"]);
    let bench = Bench::start_with(
        seeded,
        r#"
tide:
  queries:
  - orgs: [acme, other]
    labels: [lgtm, approved]
"#,
    )
    .await;
    bench.forget_calls();
    let report = bench.tide.sync().await.unwrap();
    let searches = bench
        .standin
        .calls()
        .iter()
        .filter(|c| c.uri.starts_with("/graphql"))
        .count();
    // Upstream searches once per query with a token (per query and org only with an App), and
    // once more for the open pull requests outside the pools, whose status tide also sets.
    assert_eq!(searches, 2, "{report:?}");
    assert_eq!(report.pools.len(), 1, "{report:?}");
    assert_eq!(report.pools[0].target, [ours]);
}
