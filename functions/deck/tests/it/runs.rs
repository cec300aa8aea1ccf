//! A run's page, raw artifacts and a job's history, from a real S3-compatible bucket.

use crate::support::{BUCKET, Bench, JobFixture};
use axum::http::StatusCode;
use serde_json::json;

const RUN: &str = "pr-logs/pull/org_app/7/pull-app-lint/1040";

/// A bench whose store holds the failed run of pull-app-lint and whose bucket its files.
async fn bench_with_failed_run() -> Bench {
    let bench = Bench::start().await;
    let job = crate::support::failed_lint().build();
    bench.add(job.clone()).await;
    let log = "\u{1b}[1mlinting hello.go\u{1b}[0m\ngofmt: ok\n\u{1b}[31mERROR: hello.go:3: line is 142 characters long (limit 100)\u{1b}[0m\n<script>alert(1)</script>\n";
    bench
        .put_run(
            RUN,
            vec![
                ("prowjob.json", serde_json::to_vec(&job).unwrap()),
                (
                    "started.json",
                    json!({"timestamp": 1772364000, "pull": "7", "repos": {"org/app": format!("main:bbb,7:{}", "a".repeat(40))}, "repo-commit": "a".repeat(40)}).to_string().into(),
                ),
                (
                    "finished.json",
                    json!({"timestamp": 1772364065, "passed": false, "result": "FAILURE", "revision": "a".repeat(40)}).to_string().into(),
                ),
                ("build-log.txt", log.into()),
                (
                    "artifacts/junit_lint.xml",
                    r#"<testsuite name="lint"><testcase name="gofmt" time="0.01"/><testcase name="line-length" time="0.02"><failure message="hello.go:3 is too long">hello.go:3: line is 142 characters long</failure></testcase></testsuite>"#.into(),
                ),
                (
                    "artifacts/nested/report.html",
                    "<html><script>alert(1)</script></html>".into(),
                ),
                ("artifacts/junit_broken.xml", "<html/>".into()),
            ],
        )
        .await;
    bench
        .put(
            "pr-logs/directory/pull-app-lint/1040.txt",
            format!("gs://{BUCKET}/{RUN}"),
        )
        .await;
    bench
}

#[tokio::test]
async fn a_failed_runs_page_highlights_its_failure_and_its_failed_tests() {
    let bench = bench_with_failed_run().await;
    let page = bench.get(&format!("/view/s3/{BUCKET}/{RUN}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    // The failing line is highlighted, linkable, and its colour kept.
    assert!(
        body.contains(r##"<div class="line hl" id="L3"><a class="n" href="#L3">3</a><span class="t"><span class="ansi-fg-1">ERROR: hello.go:3: line is 142 characters long (limit 100)</span></span></div>"##),
        "{body}"
    );
    assert!(body.contains(r##"<a href="#L3">line 3</a>"##));
    assert!(body.contains(r##"<div class="line" id="L1"><a class="n" href="#L1">1</a><span class="t"><span class="ansi-bold">linting hello.go</span></span></div>"##));
    // What the job printed is text, never markup.
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!body.contains("<script>alert(1)"));
    // JUnit: the failure first, open, with its message; the unreadable file named.
    let failure = body.find("line-length").unwrap();
    let passed = body.find("gofmt").unwrap();
    assert!(failure < passed, "failed tests come first");
    assert!(body.contains("hello.go:3 is too long\nhello.go:3: line is 142 characters long"));
    assert!(body.contains("artifacts/junit_broken.xml is not JUnit XML"));
    assert!(body.contains(r#"<strong class="failure">1 failed</strong>"#));
    // Metadata, links, artifacts.
    assert!(body.contains(r#"<span class="state failure">failure</span>"#));
    assert!(body.contains(r#"<a href="https://github.com/org/app/pull/7">#7</a>"#));
    assert!(
        body.contains("<dd>1m5s</dd>"),
        "the duration from started.json and finished.json"
    );
    assert!(body.contains(r#"href="/prowjob?prowjob=a2""#));
    assert!(
        body.contains(r#"href="/job-history/s3/prow-artifacts/pr-logs/directory/pull-app-lint""#)
    );
    assert!(body.contains(&format!(
        r#"href="/artifact/s3/{BUCKET}/{RUN}/artifacts/nested/report.html""#
    )));
    insta::assert_snapshot!("failed_run", crate::support::readable(body));
}

#[tokio::test]
async fn artifacts_are_served_as_text_never_as_deck_pages() {
    let bench = bench_with_failed_run().await;
    let html = bench
        .get(&format!(
            "/artifact/s3/{BUCKET}/{RUN}/artifacts/nested/report.html"
        ))
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert_eq!(html.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(html.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        html.headers["content-security-policy"],
        "sandbox; default-src 'none'"
    );
    assert_eq!(html.body, "<html><script>alert(1)</script></html>");
    bench
        .put("logs/x/1/artifacts/blob.bin", vec![0xff, 0xfe, 0x00, 0x80])
        .await;
    let binary = bench
        .get(&format!(
            "/artifact/s3/{BUCKET}/logs/x/1/artifacts/blob.bin"
        ))
        .await;
    assert_eq!(binary.headers["content-type"], "application/octet-stream");
    let missing = bench
        .get(&format!("/artifact/s3/{BUCKET}/logs/x/1/nothing"))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_configured_buckets_are_read_and_keys_stay_inside() {
    let bench = bench_with_failed_run().await;
    std::fs::create_dir_all(bench.s3.root().join("elsewhere/secrets")).unwrap();
    std::fs::write(bench.s3.root().join("elsewhere/secrets/token"), "hunter2").unwrap();
    for path in [
        "/view/s3/elsewhere/secrets",
        "/artifact/s3/elsewhere/secrets/token",
        "/job-history/s3/elsewhere/logs/job",
    ] {
        let refused = bench.get(path).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            refused.body.contains("deck does not read the bucket"),
            "{path}"
        );
        assert!(!refused.body.contains("hunter2"));
    }
    for path in [
        format!("/artifact/s3/{BUCKET}/logs/../../elsewhere/secrets/token"),
        format!("/view/s3/{BUCKET}/pr-logs/../../elsewhere"),
    ] {
        let answer = bench.get(&path).await;
        assert!(
            answer.status == StatusCode::BAD_REQUEST || answer.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            answer.status
        );
        assert!(!answer.body.contains("hunter2"));
    }
}

#[tokio::test]
async fn a_folder_that_is_no_run_lists_its_entries() {
    let bench = bench_with_failed_run().await;
    let folder = bench
        .get(&format!("/view/s3/{BUCKET}/pr-logs/pull/org_app/7"))
        .await;
    assert_eq!(folder.status, StatusCode::OK);
    assert!(folder.body.contains(&format!(r#"<a href="/view/s3/{BUCKET}/pr-logs/pull/org_app/7/pull-app-lint/">pull-app-lint/</a>"#)), "{}", folder.body);
    let top = bench.get(&format!("/view/s3/{BUCKET}/")).await;
    assert!(top.body.contains("pr-logs/"));
    assert_eq!(
        bench
            .get(&format!("/view/s3/{BUCKET}/nothing/here"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_jobs_history_pages_through_its_runs_with_their_durations() {
    let bench = Bench::start().await;
    for build in 1..=25u64 {
        let folder = format!("logs/ci-nightly/{build}");
        let started = 1772000000 + build as i64 * 3600;
        bench
            .put(
                &format!("{folder}/started.json"),
                json!({"timestamp": started, "repo-commit": format!("{build:040}")}).to_string(),
            )
            .await;
        if build != 25 {
            let passed = build % 4 != 0;
            bench
                .put(
                    &format!("{folder}/finished.json"),
                    json!({"timestamp": started + 60 * build as i64, "passed": passed, "result": if passed {"SUCCESS"} else {"FAILURE"}}).to_string(),
                )
                .await;
        }
    }
    bench.put("logs/ci-nightly/latest-build.txt", "25").await;
    let first = bench
        .get(&format!("/job-history/s3/{BUCKET}/logs/ci-nightly"))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let builds =
        regex::Regex::new(r#"<tr data-result="([A-Z]+)"><td><a href="[^"]+">(\d+)</a>"#).unwrap();
    let shown: Vec<(String, u64)> = builds
        .captures_iter(&first.body)
        .map(|c| (c[1].to_string(), c[2].parse().unwrap()))
        .collect();
    assert_eq!(shown.len(), 20);
    assert_eq!(shown[0], ("PENDING".to_string(), 25));
    assert_eq!(shown[1], ("FAILURE".to_string(), 24));
    assert_eq!(shown[2], ("SUCCESS".to_string(), 23));
    assert!(
        first
            .body
            .contains(r#"href="/job-history/s3/prow-artifacts/logs/ci-nightly?buildId=5""#)
    );
    // The chart has a bar per run, linked to it, with its duration on hover.
    assert_eq!(first.body.matches("<rect class=\"bar ").count(), 20);
    assert!(first.body.contains("<title>#24 failure in 24m0s</title>"));
    let older = bench
        .get(&format!(
            "/job-history/s3/{BUCKET}/logs/ci-nightly?buildId=5"
        ))
        .await;
    let shown: Vec<u64> = builds
        .captures_iter(&older.body)
        .map(|c| c[2].parse().unwrap())
        .collect();
    assert_eq!(shown, [5, 4, 3, 2, 1]);
    assert!(
        older.body.contains("?buildId=25\""),
        "a link back to newer runs"
    );
    insta::assert_snapshot!("history_older_page", crate::support::readable(&older.body));

    let wrong = bench
        .get(&format!("/job-history/s3/{BUCKET}/somewhere/else"))
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_presubmits_history_follows_the_directory_to_its_runs() {
    let bench = bench_with_failed_run().await;
    let history = bench
        .get(&format!(
            "/job-history/s3/{BUCKET}/pr-logs/directory/pull-app-lint"
        ))
        .await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(
        history
            .body
            .contains(&format!(r#"<a href="/view/s3/{BUCKET}/{RUN}">1040</a>"#)),
        "{}",
        history.body
    );
    assert!(history.body.contains("<td>#7</td>"));
}

#[tokio::test]
async fn a_pull_requests_history_groups_its_runs_by_commit() {
    let bench = bench_with_failed_run().await;
    // An earlier run on an older head, and a passing unit run on the newest.
    for (job, build, timestamp, head, passed) in [
        ("pull-app-lint", 1001, 1772300000, "1111111111", false),
        ("pull-app-unit", 1041, 1772364001, "a", true),
    ] {
        let folder = format!("pr-logs/pull/org_app/7/{job}/{build}");
        let head = if head == "a" {
            "a".repeat(40)
        } else {
            head.repeat(4)
        };
        bench.put(&format!("{folder}/started.json"), json!({"timestamp": timestamp, "pull": "7", "repos": {"org/app": format!("main:bbb,7:{head}")}}).to_string()).await;
        bench
            .put(
                &format!("{folder}/finished.json"),
                json!({"timestamp": timestamp + 30, "passed": passed}).to_string(),
            )
            .await;
    }
    let page = bench.get("/pr-history?org=org&repo=app&pr=7").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let commits: Vec<&str> = page
        .body
        .match_indices(r#"<h2 class="sha">"#)
        .map(|(at, _)| &page.body[at + 16..at + 28])
        .collect();
    assert_eq!(
        commits,
        ["aaaaaaaaaaaa", "111111111111"],
        "newest commit first"
    );
    assert!(
        page.body
            .contains(&format!(r#"<a href="/view/s3/{BUCKET}/{RUN}">1040</a>"#))
    );
    assert!(
        page.body
            .contains(r#"<tr data-result="SUCCESS"><td class="job">pull-app-unit</td>"#)
    );
    assert_eq!(
        bench.get("/pr-history?org=org&repo=app&pr=x").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        bench
            .get("/pr-history?org=secret-org&repo=vault&pr=1")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let run = bench.get(&format!("/view/s3/{BUCKET}/{RUN}")).await;
    assert!(
        run.body
            .contains(r#"<a href="/pr-history?org=org&amp;repo=app&amp;pr=7">PR history</a>"#),
        "{}",
        run.body
    );
}

#[tokio::test]
async fn a_hidden_jobs_run_is_not_shown() {
    let bench = Bench::start().await;
    let job = crate::support::hidden_unit().build();
    let folder = "pr-logs/pull/secret-org_vault/1/pull-secret-unit/1010";
    bench
        .put_run(
            folder,
            vec![
                ("prowjob.json", serde_json::to_vec(&job).unwrap()),
                ("started.json", r#"{"timestamp": 1772364000}"#.into()),
                ("build-log.txt", "the vault's secrets\n".into()),
            ],
        )
        .await;
    let page = bench.get(&format!("/view/s3/{BUCKET}/{folder}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("secrets"));
}

#[tokio::test]
async fn a_running_jobs_output_is_followed_until_it_ends() {
    use prow_ports::executor::Executor;
    let runs = tempfile::tempdir().unwrap();
    let executor = std::sync::Arc::new(prow_local::LocalExecutor::new(
        runs.path(),
        Default::default(),
    ));
    let bench = Bench::build(crate::support::Setup {
        executor: Some(executor.clone()),
        ..crate::support::Setup::default()
    })
    .await;
    let mut job = JobFixture {
        name: "r1",
        job: "ci-slow",
        kind: "periodic",
        state: "pending",
        repo: "",
        pull: None,
        started_minutes: 1,
        minutes: None,
    }
    .build();
    job.spec.decoration_config = None;
    job.spec.pod_spec = Some(
        serde_json::from_value(json!({"containers": [{"name": "test", "image": "local",
        "command": ["/bin/sh", "-c"], "args": ["echo 'step 1: <compiling>'; sleep 30"]}]}))
        .unwrap(),
    );
    bench.add(job.clone()).await;
    executor.start(&job, "1061").await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let log = loop {
        let answer = bench.get("/log?prowjob=r1").await;
        if answer.status == StatusCode::OK && answer.body.contains("step 1") {
            break answer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no output: {} {}",
            answer.status,
            answer.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(log.body, "step 1: <compiling>\n");
    assert_eq!(log.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(log.headers["x-prow-job-state"], "pending");
    // Upstream's form of the same question.
    assert!(
        bench
            .get("/log?job=ci-slow&id=1001")
            .await
            .body
            .contains("step 1")
    );
    // The run's page follows it.
    bench
        .put(
            "logs/ci-slow/1061/started.json",
            r#"{"timestamp": 1772364000}"#,
        )
        .await;
    bench
        .put(
            "logs/ci-slow/1061/prowjob.json",
            serde_json::to_vec(&job).unwrap(),
        )
        .await;
    let page = bench
        .get(&format!("/view/s3/{BUCKET}/logs/ci-slow/1061"))
        .await;
    assert!(
        page.body.contains(r#"data-log="/log?prowjob=r1""#),
        "{}",
        page.body
    );
    executor.stop(&job).await.unwrap();
    assert_eq!(
        bench.get("/log?prowjob=nope").await.status,
        StatusCode::NOT_FOUND
    );
}
