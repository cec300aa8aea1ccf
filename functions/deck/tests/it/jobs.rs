//! The job list, `/prowjobs.js`, `/prowjob` and `/badge.svg`.

use crate::support::{Bench, JobFixture, bench_with_jobs, seed_jobs};
use axum::http::StatusCode;

/// The `data-state` of each row, and its job, in page order.
fn rows(html: &str) -> Vec<(String, String)> {
    let row =
        regex::Regex::new(r#"<tr data-state="([a-z]+)">.*?<td class="job"><a [^>]*>([^<]+)</a>"#)
            .unwrap();
    row.captures_iter(html)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

#[tokio::test]
async fn the_list_shows_every_visible_job_newest_first() {
    let bench = bench_with_jobs().await;
    let page = bench.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        rows(&page.body),
        [
            ("pending", "pull-app-unit"),
            ("success", "post-lib-build"),
            ("failure", "pull-app-lint"),
            ("success", "pull-app-unit"),
            ("failure", "ci-nightly"),
        ]
        .map(|(s, j)| (s.to_string(), j.to_string())),
        "secret-org is in deck.hidden_repos"
    );
    insta::assert_snapshot!("job_list", crate::support::readable(&page.body));
}

#[tokio::test]
async fn filters_in_the_url_narrow_the_list() {
    let bench = bench_with_jobs().await;
    for (query, expected) in [
        ("/?state=failure", vec!["pull-app-lint", "ci-nightly"]),
        ("/?repo=org/app&state=success", vec!["pull-app-unit"]),
        ("/?job=pull-*-unit", vec!["pull-app-unit", "pull-app-unit"]),
        ("/?job=lint", vec!["pull-app-lint"]),
        (
            "/?job=pull-*",
            vec!["pull-app-unit", "pull-app-lint", "pull-app-unit"],
        ),
        ("/?job=*-lint-*", vec![]),
        ("/?type=periodic", vec!["ci-nightly"]),
        ("/?author=bob", vec!["pull-app-unit"]),
        ("/?pull=7", vec!["pull-app-lint", "pull-app-unit"]),
        ("/?repo=org/nothing", vec![]),
    ] {
        let page = bench.get(query).await;
        let jobs: Vec<String> = rows(&page.body).into_iter().map(|(_, j)| j).collect();
        assert_eq!(jobs, expected, "{query}");
    }
    let empty = bench.get("/?repo=org/nothing").await;
    assert!(empty.body.contains("No job matches these filters."));
    let chosen = bench.get("/?state=failure&repo=org/app").await;
    assert!(
        chosen
            .body
            .contains(r#"<option value="failure" selected>failure</option>"#),
        "the chosen filter stays chosen"
    );
    assert!(chosen.body.contains("Pass rate of org/app by day"));
}

#[tokio::test]
async fn a_long_list_is_paged() {
    let bench = Bench::start().await;
    for i in 0..130 {
        let name = format!("p{i:03}");
        bench
            .add(
                JobFixture {
                    name: &name,
                    job: "ci-periodic",
                    kind: "periodic",
                    state: "success",
                    repo: "",
                    pull: None,
                    started_minutes: 200 - i,
                    minutes: Some(1),
                }
                .build(),
            )
            .await;
    }
    let first = bench.get("/").await;
    assert_eq!(rows(&first.body).len(), 100);
    assert!(first.body.contains("Page 1 of 2"));
    assert!(first.body.contains(r#"<a rel="next" href="/?page=2">"#));
    let second = bench.get("/?page=2").await;
    assert_eq!(rows(&second.body).len(), 30);
    assert!(second.body.contains("prowjob=p000"), "the oldest is last");
    let small = bench.get("/?per_page=50&page=3").await;
    assert_eq!(rows(&small.body).len(), 30);
    assert!(small.body.contains("Page 3 of 3"));
    let beyond = bench.get("/?page=9").await;
    assert!(
        beyond.body.contains("Page 2 of 2"),
        "past the end shows the last page"
    );
}

#[tokio::test]
async fn prowjobs_js_speaks_upstreams_json() {
    let bench = bench_with_jobs().await;
    let all = bench.get("/prowjobs.js").await.json();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "hidden repositories stay hidden");
    let lint = items
        .iter()
        .find(|j| j["metadata"]["name"] == "a2")
        .unwrap();
    // Upstream's field names (prowapi.ProwJob).
    assert_eq!(lint["spec"]["type"], "presubmit");
    assert_eq!(lint["spec"]["refs"]["pulls"][0]["author"], "alice");
    assert_eq!(lint["status"]["state"], "failure");
    assert!(lint["status"]["startTime"].is_string());
    assert!(lint["status"]["completionTime"].is_string());
    assert_eq!(lint["status"]["build_id"], "1040");
    assert!(lint["spec"]["pod_spec"]["containers"][0]["image"].is_string());

    let trimmed = bench
        .get("/prowjobs.js?omit=annotations,labels,decoration_config,pod_spec&repo=app")
        .await
        .json();
    let items = trimmed["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        assert!(item["metadata"].get("labels").is_none());
        assert!(item["metadata"].get("annotations").is_none());
        assert!(item["spec"].get("decoration_config").is_none());
        assert_eq!(
            item["spec"]["pod_spec"],
            serde_json::json!({"containers": [{"name": ""}]}),
            "one empty container per container, as upstream"
        );
    }
    let bob = bench.get("/prowjobs.js?owner=bob").await.json();
    assert_eq!(bob["items"].as_array().unwrap().len(), 1);
    let org = bench.get("/prowjobs.js?org=org").await.json();
    assert_eq!(org["items"].as_array().unwrap().len(), 4);

    let script = bench.get("/prowjobs.js?var=allBuilds&org=none").await;
    assert_eq!(script.body, r#"var allBuilds = {"items":[]};"#);
    assert_eq!(script.headers["content-type"], "application/javascript");
    let refused = bench.get("/prowjobs.js?var=alert(1)").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_hidden_deck_shows_hidden_jobs() {
    let bench = Bench::with(crate::support::config(), true).await;
    seed_jobs(&bench).await;
    let all = bench.get("/prowjobs.js").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn a_prowjob_is_shown_as_yaml_unless_hidden() {
    let bench = bench_with_jobs().await;
    let yaml = bench.get("/prowjob?prowjob=a2").await;
    assert_eq!(yaml.status, StatusCode::OK);
    assert!(yaml.body.contains("job: pull-app-lint"), "{}", yaml.body);
    assert!(yaml.body.contains("state: failure"), "{}", yaml.body);
    assert_eq!(
        bench.get("/prowjob?prowjob=h1").await.status,
        StatusCode::NOT_FOUND
    );
    let missing = bench.get("/prowjob?prowjob=nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body, r#"no ProwJob named "nope""#);
    assert_eq!(bench.get("/prowjob").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn badges_say_passing_failing_or_no_results() {
    let bench = bench_with_jobs().await;
    // The newest pull-app-unit is pending: neither failing nor passing, so passing as upstream.
    let passing = bench.get("/badge.svg?jobs=post-lib-build").await;
    assert_eq!(passing.headers["content-type"], "image/svg+xml");
    assert!(passing.body.contains(">passing</text>"));
    assert!(passing.body.contains(r##"<g fill="#4c1">"##));
    let failing = bench.get("/badge.svg?jobs=pull-app-*,ci-*").await;
    assert!(
        failing
            .body
            .contains(">failing ci-nightly, pull-app-lint</text>"),
        "{}",
        failing.body
    );
    let none = bench.get("/badge.svg?jobs=nothing*").await;
    assert!(none.body.contains(">no results</text>"));
    insta::assert_snapshot!("badge_failing", failing.body);
}

const JOBS: &str = r#"
presubmits:
  org/app:
  - name: pull-app-unit
    always_run: true
    spec: {containers: [{image: "golang:1.26"}]}
  - name: pull-app-docs
    run_if_changed: '^docs/'
    optional: true
    branches: [main]
    spec: {containers: [{image: "golang:1.26"}]}
  - name: pull-app-e2e
    spec: {containers: [{image: "golang:1.26"}]}
  secret-org/vault:
  - name: pull-vault-unit
    always_run: true
    spec: {containers: [{image: "golang:1.26"}]}
postsubmits:
  org/app:
  - name: post-app-push
    skip_branches: ['^release-']
    spec: {containers: [{image: "golang:1.26"}]}
periodics:
- name: ci-app-nightly
  cron: "0 3 * * *"
  extra_refs: [{org: org, repo: app, base_ref: main}]
  spec: {containers: [{image: "golang:1.26"}]}
"#;

#[tokio::test]
async fn configured_jobs_list_what_runs_for_a_repository() {
    let bench = crate::support::Bench::build(crate::support::Setup {
        jobs: JOBS,
        ..crate::support::Setup::default()
    })
    .await;
    let index = bench.get("/configured-jobs").await;
    assert!(
        index
            .body
            .contains(r#"<a href="/configured-jobs/org/app">org/app</a>"#),
        "{}",
        index.body
    );
    assert!(
        !index.body.contains("secret-org"),
        "hidden repositories stay hidden"
    );
    let page = bench.get("/configured-jobs/org/app").await;
    let runs = regex::Regex::new(r#"<tr data-type="([a-z]+)"><td class="job"><a [^>]+>([^<]+)</a>(?:[^<]|<span[^>]*>[^<]*</span>)*</td><td>[a-z]+</td><td>([^<]+)</td><td>([^<]*)</td>"#).unwrap();
    let listed: Vec<(String, String, String, String)> = runs
        .captures_iter(&page.body)
        .map(|c| {
            (
                c[1].to_string(),
                c[2].to_string(),
                c[3].to_string(),
                c[4].to_string(),
            )
        })
        .collect();
    let expected = [
        ("presubmit", "pull-app-docs", "on changes to ^docs/", "main"),
        ("presubmit", "pull-app-e2e", "on /test pull-app-e2e", "all"),
        ("presubmit", "pull-app-unit", "always", "all"),
        (
            "postsubmit",
            "post-app-push",
            "on every push",
            "all but ^release-",
        ),
        ("periodic", "ci-app-nightly", "cron 0 3 * * *", ""),
    ];
    assert_eq!(
        listed,
        expected.map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
    );
    assert!(page.body.contains(r#"<span class="dim">(optional)</span>"#));
    assert_eq!(
        bench.get("/configured-jobs/secret-org/vault").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_old_list_is_served_while_a_new_one_is_read() {
    let bench = crate::support::Bench::build(crate::support::Setup {
        job_list_age: std::time::Duration::from_millis(50),
        ..crate::support::Setup::default()
    })
    .await;
    let fixture = |name: &'static str| JobFixture {
        name,
        job: "ci-periodic",
        kind: "periodic",
        state: "success",
        repo: "",
        pull: None,
        started_minutes: 5,
        minutes: Some(1),
    };
    bench.add(fixture("p1").build()).await;
    assert_eq!(
        rows(&bench.get("/").await.body).len(),
        1,
        "the first reader reads the list"
    );
    bench.add(fixture("p2").build()).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        rows(&bench.get("/").await.body).len(),
        1,
        "a stale list is served at once, and read again behind it"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while rows(&bench.get("/").await.body).len() != 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the new list never came"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
