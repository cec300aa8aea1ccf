//! Signing in with GitHub (the stand-in's OAuth web flow, over HTTP) and who may rerun or abort:
//! an org member the configuration lists may, a stranger may not, nobody may without the page's
//! CSRF token, and `allow_anyone` needs no sign-in.

use crate::support::{Bench, JobFixture, Setup};
use axum::http::{HeaderMap, StatusCode};
use github_standin::{GitHubStandIn, World};

pub(crate) const RUN: &str = "logs/post-app-build/1030";

/// org's members may rerun org/app's jobs; anyone may rerun org/open's.
const RERUN_AUTH: &str = r#"deck:
  rerun_auth_configs:
    org/app: {github_orgs: [org]}
    org/open: {allow_anyone: true}
"#;

pub(crate) async fn standin() -> GitHubStandIn {
    let mut world = World::new("prow-bot");
    world.add_org("org", &["alice", "prow-bot"]);
    world.add_user("bob");
    world.add_repo("org/app");
    world.add_oauth_app("deck-client", "deck-secret", "Prow deck");
    GitHubStandIn::start(world).await.unwrap()
}

pub(crate) async fn bench(standin: &GitHubStandIn) -> Bench {
    let bench = Bench::build(Setup {
        config: &crate::support::config_with(RERUN_AUTH),
        github: Some(standin),
        ..Setup::default()
    })
    .await;
    for (name, repo, state, minutes) in [
        ("b1", "org/app", "success", Some(12)),
        ("b2", "org/app", "pending", None),
        ("o1", "org/open", "failure", Some(3)),
    ] {
        let job = JobFixture {
            name,
            job: "post-app-build",
            kind: "postsubmit",
            state,
            repo,
            pull: None,
            started_minutes: 30,
            minutes,
        }
        .build();
        bench.add(job).await;
    }
    let job = serde_json::to_vec(&bench.store.get("b1").await.unwrap()).unwrap();
    bench
        .put_run(
            RUN,
            vec![
                ("started.json", r#"{"timestamp": 1772364000}"#.into()),
                ("prowjob.json", job),
            ],
        )
        .await;
    bench
}

/// The cookies a response's headers set, as `name=value`.
pub(crate) fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect()
}

/// The `state` parameter of the GitHub authorize URL deck sends a browser to.
pub(crate) fn oauth_state(authorize: &str) -> &str {
    authorize
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
}

/// The CSRF token a page of deck's carries in its `data-csrf` attribute.
pub(crate) fn csrf_token(page: &str) -> Option<String> {
    regex::Regex::new(r#"data-csrf="([^"]+)""#)
        .unwrap()
        .captures(page)
        .map(|found| found[1].to_string())
}

/// Signs `login` in through deck and the stand-in as a browser would; the session cookie.
pub(crate) async fn sign_in(bench: &Bench, standin: &GitHubStandIn, login: &str) -> String {
    let start = bench
        .get("/github-login?dest=/view/s3/prow-artifacts/logs/x/1")
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    let authorize = start.headers["location"].to_str().unwrap().to_string();
    assert!(
        authorize.starts_with(&format!(
            "{}/login/oauth/authorize?client_id=deck-client",
            standin.url()
        )),
        "{authorize}"
    );
    let state_cookie = set_cookies(&start.headers).join("; ");
    let state = oauth_state(&authorize);
    let github = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login/oauth/authorize", standin.url()))
        .form(&[
            ("client_id", "deck-client"),
            ("redirect_uri", "http://deck.test/github-login/redirect"),
            ("state", state),
            ("login", login),
        ])
        .send()
        .await
        .unwrap();
    let back = github.headers()["location"].to_str().unwrap().to_string();
    let path = back.strip_prefix("http://deck.test").unwrap();
    let done = bench.get_with(path, &state_cookie).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.headers["location"], "/view/s3/prow-artifacts/logs/x/1",
        "back where the sign-in started"
    );
    set_cookies(&done.headers)
        .into_iter()
        .find(|c| c.starts_with("prow_deck_session=") && c.len() > "prow_deck_session=".len())
        .expect("a session cookie")
}

/// The CSRF cookie and token a run's page hands a browser with `cookies`.
pub(crate) async fn page_token(bench: &Bench, cookies: &str) -> (String, String) {
    let page = bench
        .get_with(&format!("/view/s3/prow-artifacts/{RUN}"), cookies)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf_cookie = set_cookies(&page.headers)
        .into_iter()
        .find(|c| c.starts_with("prow_deck_csrf="))
        .unwrap();
    let token = csrf_token(&page.body).unwrap();
    (csrf_cookie, token)
}

#[tokio::test]
async fn an_org_member_signs_in_and_reruns_a_stranger_is_refused() {
    let standin = standin().await;
    let bench = bench(&standin).await;

    // Signed out, the page offers the sign-in and acting is refused.
    let (csrf, token) = page_token(&bench, "").await;
    let page = bench
        .get_with(&format!("/view/s3/prow-artifacts/{RUN}"), &csrf)
        .await;
    assert!(
        page.body.contains(&format!(r#"<a id="sign-in" href="/github-login?dest=/view/s3/prow-artifacts/{RUN}">Sign in with GitHub</a>"#)),
        "{}",
        page.body
    );
    let anonymous = bench.post("/rerun?prowjob=b1", &csrf, Some(&token)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.body, "Sign in with GitHub to rerun this job.");

    // alice is a member of org, which may rerun org/app's jobs.
    let alice = sign_in(&bench, &standin, "alice").await;
    let cookies = format!("{alice}; {csrf}");
    let page = bench
        .get_with(&format!("/view/s3/prow-artifacts/{RUN}"), &cookies)
        .await;
    assert!(page.body.contains("Signed in as <strong>alice</strong>"));
    let before = bench.store.list("").await.unwrap().len();
    let rerun = bench
        .post("/rerun?prowjob=b1", &cookies, Some(&token))
        .await;
    assert_eq!(rerun.status, StatusCode::OK, "{}", rerun.body);
    assert_eq!(
        rerun.body,
        "Job successfully triggered. Wait 30 seconds and refresh the page for the job to show up."
    );
    let jobs = bench.store.list("").await.unwrap();
    assert_eq!(jobs.len(), before + 1);
    let created = jobs
        .iter()
        .find(|j| j.status.description == "alice successfully reran b1.")
        .unwrap();
    let original = bench.store.get("b1").await.unwrap();
    assert_eq!(created.spec, original.spec);
    assert_eq!(
        created.status.state,
        Some(prow_api::ProwJobState::Triggered)
    );
    assert_ne!(created.name(), "b1");

    // bob is no member.
    let bob = sign_in(&bench, &standin, "bob").await;
    let refused = bench
        .post("/rerun?prowjob=b1", &format!("{bob}; {csrf}"), Some(&token))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body, "You don't have permission to rerun that job.");
    assert_eq!(bench.store.list("").await.unwrap().len(), before + 1);
}

#[tokio::test]
async fn without_the_pages_csrf_token_nothing_happens() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    let alice = sign_in(&bench, &standin, "alice").await;
    let (csrf, token) = page_token(&bench, &alice).await;
    let other_browser = page_token(&bench, "").await;
    for (cookies, token, case) in [
        (format!("{alice}; {csrf}"), None, "no token"),
        (
            format!("{alice}; {csrf}"),
            Some("forged".to_string()),
            "a forged token",
        ),
        (alice.clone(), Some(token.clone()), "no CSRF cookie"),
        (
            format!("{alice}; {}", other_browser.0),
            Some(token.clone()),
            "another browser's cookie",
        ),
    ] {
        let answer = bench
            .post("/rerun?prowjob=b1", &cookies, token.as_deref())
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{case}");
        assert!(
            answer.body.contains("CSRF token"),
            "{case}: {}",
            answer.body
        );
        let abort = bench
            .post("/abort?prowjob=b2", &cookies, token.as_deref())
            .await;
        assert_eq!(abort.status, StatusCode::FORBIDDEN, "{case}");
    }
    assert_eq!(
        bench.store.list("").await.unwrap().len(),
        3,
        "nothing was created"
    );
    assert_eq!(
        bench.store.get("b2").await.unwrap().status.state,
        Some(prow_api::ProwJobState::Pending)
    );
}

#[tokio::test]
async fn a_forged_session_is_nobody() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    let (csrf, token) = page_token(&bench, "").await;
    let forged = "prow_deck_session=YWxpY2V8OTk5OTk5OTk5OQ.c2lnbmF0dXJl";
    let answer = bench
        .post(
            "/rerun?prowjob=b1",
            &format!("{forged}; {csrf}"),
            Some(&token),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn aborting_needs_the_same_permission_and_a_running_job() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    let alice = sign_in(&bench, &standin, "alice").await;
    let (csrf, token) = page_token(&bench, &alice).await;
    let cookies = format!("{alice}; {csrf}");
    let done = bench
        .post("/abort?prowjob=b1", &cookies, Some(&token))
        .await;
    assert_eq!(done.status, StatusCode::BAD_REQUEST);
    assert_eq!(done.body, r#"Cannot abort job with state: "success"."#);
    let bob = sign_in(&bench, &standin, "bob").await;
    let refused = bench
        .post("/abort?prowjob=b2", &format!("{bob}; {csrf}"), Some(&token))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let aborted = bench
        .post("/abort?prowjob=b2", &cookies, Some(&token))
        .await;
    assert_eq!(aborted.status, StatusCode::OK, "{}", aborted.body);
    let job = bench.store.get("b2").await.unwrap();
    assert_eq!(job.status.state, Some(prow_api::ProwJobState::Aborted));
    assert_eq!(job.status.description, "alice successfully aborted b2.");
}

#[tokio::test]
async fn allow_anyone_needs_no_sign_in_but_still_the_token() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    let (csrf, token) = page_token(&bench, "").await;
    let rerun = bench.post("/rerun?prowjob=o1", &csrf, Some(&token)).await;
    assert_eq!(rerun.status, StatusCode::OK, "{}", rerun.body);
    let jobs = bench.store.list("").await.unwrap();
    assert!(
        jobs.iter()
            .any(|j| j.status.description == "Successfully reran o1.")
    );
    let no_token = bench.post("/rerun?prowjob=o1", &csrf, None).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn get_shows_the_rerun_and_a_deck_that_does_not_create_says_so() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    let shown = bench.get("/rerun?prowjob=b1").await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("job: post-app-build"), "{}", shown.body);
    assert!(shown.body.contains("state: triggered"), "{}", shown.body);
    assert!(!shown.body.contains("name: b1\n"), "a new name");
    assert_eq!(
        bench.get("/rerun?prowjob=nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(bench.get("/rerun").await.status, StatusCode::BAD_REQUEST);
    let latest = bench.get("/rerun?prowjob=b1&mode=latest").await;
    assert_eq!(latest.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        latest.body,
        r#"Could not create new prowjob: Failed getting prowjob spec: failed to find job "post-app-build" for orgRepo "org/app""#
    );

    let showing_only = Bench::build(Setup {
        config: &crate::support::config_with(RERUN_AUTH),
        github: Some(&standin),
        rerun_creates_job: false,
        ..Setup::default()
    })
    .await;
    showing_only
        .add(
            JobFixture {
                name: "o1",
                job: "post-app-build",
                kind: "postsubmit",
                state: "failure",
                repo: "org/open",
                pull: None,
                started_minutes: 30,
                minutes: Some(3),
            }
            .build(),
        )
        .await;
    let answer = showing_only.post("/rerun?prowjob=o1", "", None).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        answer.body,
        "Direct rerun feature is not enabled. Enable with the '--rerun-creates-job' flag."
    );
}

#[tokio::test]
async fn a_sign_in_not_started_here_is_refused() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    let forged = bench
        .get("/github-login/redirect?code=code-alice-1&state=whatever")
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(set_cookies(&forged.headers).is_empty(), "no session");
    // An open redirect is not offered: `dest` must be a path of deck's.
    let start = bench.get("/github-login?dest=//evil.example/x").await;
    let state_cookie = set_cookies(&start.headers).join("; ");
    assert!(!state_cookie.contains("evil"), "{state_cookie}");
}
