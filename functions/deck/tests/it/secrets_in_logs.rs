//! No secret in deck's logs, even at `RUST_LOG=trace`: the deck process, with ProwJobs in the
//! test control plane (a bearer token in its kubeconfig), a run's files in the S3 test server
//! (SigV4 with an access key and secret key), a GitHub token, an OAuth App's client secret and a
//! cookie secret, shows a run from S3, signs alice in through the stand-in's OAuth flow (her
//! user access token), checks her membership with GitHub and reruns the job; then its stdout and
//! stderr are searched for each secret (and alice's session cookie), as itself or
//! base64-encoded anywhere, and for any JWT.

use crate::rerun::{csrf_token, oauth_state, set_cookies};
use github_standin::{GitHubStandIn, World};
use prow_api::ProwJob;
use prow_test_harness::kube::{create_prowjob, list_prowjobs};
use prow_test_harness::process::{FileDir, KubeNamespace, assert_no_secrets};
use prow_test_harness::secrets::{TracedProcess, kubeconfig_token};
use prow_test_harness::{ACCESS_KEY, S3Server, SECRET_KEY};
use std::process::Command;

const GITHUB_TOKEN: &str = "ghp_LEAKCHECKdeck0123456789abcdefghijK";
const CLIENT_SECRET: &str = "oauth-client-secret-LEAKCHECK-4b2e";
const COOKIE_SECRET: &str = "cookie-secret-LEAKCHECK-0123456789abcdef";
/// What AWS's temporary credentials (a role's, web identity's) carry besides the keys.
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEAMaCXVzLWVhc3QtMSJLEAKCHECK0123456789";
const BUCKET: &str = "prow-artifacts";
const RUN: &str = "logs/post-app-build/1030";

fn job() -> ProwJob {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "prow.k8s.io/v1", "kind": "ProwJob",
        "metadata": {"name": "b1", "labels": {"prow.k8s.io/job": "post-app-build",
            "prow.k8s.io/type": "postsubmit"}},
        "spec": {"type": "postsubmit", "job": "post-app-build", "agent": "kubernetes",
            "cluster": "default",
            "refs": {"org": "org", "repo": "app", "base_ref": "main", "base_sha": "b".repeat(40)},
            "pod_spec": {"containers": [{"name": "test", "image": "golang", "command": ["make"]}]},
            "decoration_config": {"timeout": "2h"}},
        "status": {"state": "success", "startTime": "2026-03-01T11:30:00Z",
            "completionTime": "2026-03-01T11:42:00Z", "build_id": "1030",
            "url": format!("/view/s3/{BUCKET}/{RUN}")}
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_s3_github_oauth_cookie_or_kube_secret_in_decks_trace_log() {
    let Some(kube) = KubeNamespace::create("deck-secrets").await.unwrap() else {
        return;
    };
    let namespace = &kube.name;
    let stored = create_prowjob(&kube.client, namespace, &job())
        .await
        .unwrap();
    let s3 = S3Server::start(&[BUCKET]).await.unwrap();
    let run = s3.root().join(BUCKET).join(RUN);
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("started.json"), r#"{"timestamp": 1772364600}"#).unwrap();
    std::fs::write(
        run.join("prowjob.json"),
        serde_json::to_vec(&stored).unwrap(),
    )
    .unwrap();
    std::fs::write(run.join("build-log.txt"), "building\nok\n").unwrap();

    let mut world = World::new("prow-bot");
    world.add_org("org", &["alice", "prow-bot"]);
    world.add_repo("org/app");
    world.add_oauth_app("deck-client", CLIENT_SECRET, "Prow deck");
    let standin = GitHubStandIn::start(world).await.unwrap();

    let port = prow_test_harness::free_port().unwrap();
    let deck = format!("http://127.0.0.1:{port}");
    let dir = FileDir::new().unwrap();
    let file = |name: &str, text: &str| dir.file(name, text).unwrap();
    let config = file(
        "config.yaml",
        &format!(
            "prowjob_namespace: {namespace}\npod_namespace: test-pods\ndeck:\n  rerun_auth_configs:\n    org/app: {{github_orgs: [org]}}\nplank:\n  default_decoration_config_entries:\n  - config:\n      gcs_configuration: {{bucket: \"s3://{BUCKET}\", path_strategy: explicit}}\n      utility_images: {{clonerefs: c, initupload: i, entrypoint: e, sidecar: s}}\n"
        ),
    );
    let token = file("token", GITHUB_TOKEN);
    let s3_credentials = file(
        "s3.json",
        &serde_json::json!({"endpoint": s3.endpoint(), "s3_force_path_style": true,
            "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "session_token": SESSION_TOKEN,
            "region": "us-east-1"})
        .to_string(),
    );
    let oauth = file(
        "oauth.yaml",
        &format!(
            "client_id: deck-client\nclient_secret: {CLIENT_SECRET}\nredirect_url: {deck}/github-login/redirect\nweb_url: {}\n",
            standin.url()
        ),
    );
    let cookie = file("cookie", COOKIE_SECRET);
    let mut command = Command::new(env!("CARGO_BIN_EXE_deck"));
    command
        .arg(format!("--config-path={config}"))
        .arg(format!("--github-token-path={token}"))
        .arg(format!("--github-endpoint={}", standin.url()))
        .arg(format!("--s3-credentials-file={s3_credentials}"))
        .arg(format!("--github-oauth-config-file={oauth}"))
        .arg(format!("--cookie-secret={cookie}"))
        .arg("--rerun-creates-job")
        .env("KUBECONFIG", kube.env.kubeconfig());
    let running = TracedProcess::start(command, dir.path(), port).unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // alice signs in: deck sends her to GitHub, GitHub back with a code, deck exchanges it (the
    // client secret) for her access token and asks GitHub who she is.
    let start = http
        .get(format!("{deck}/github-login?dest=/view/s3/{BUCKET}/{RUN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let authorize = start.headers()["location"].to_str().unwrap().to_string();
    let state_cookie = set_cookies(start.headers()).join("; ");
    let state = oauth_state(&authorize);
    let github = http
        .post(format!("{}/login/oauth/authorize", standin.url()))
        .form(&[
            ("client_id", "deck-client"),
            ("redirect_uri", &format!("{deck}/github-login/redirect")),
            ("state", state),
            ("login", "alice"),
        ])
        .send()
        .await
        .unwrap();
    let back = github.headers()["location"].to_str().unwrap().to_string();
    let done = http
        .get(&back)
        .header("cookie", &state_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303, "{}", done.text().await.unwrap());
    let session = set_cookies(done.headers())
        .into_iter()
        .find(|c| c.starts_with("prow_deck_session=") && c.len() > 20)
        .expect("a session");

    // The run's page, read from S3, with the CSRF token for her.
    let page = http
        .get(format!("{deck}/view/s3/{BUCKET}/{RUN}"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csrf = set_cookies(page.headers())
        .into_iter()
        .find(|c| c.starts_with("prow_deck_csrf="))
        .unwrap();
    let body = page.text().await.unwrap();
    assert!(
        body.contains("Signed in as <strong>alice</strong>"),
        "{body}"
    );
    let token = csrf_token(&body).expect("the page's CSRF token");
    let log_file = http
        .get(format!("{deck}/artifact/s3/{BUCKET}/{RUN}/build-log.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(log_file.text().await.unwrap(), "building\nok\n");

    // She reruns the job: her membership of org is asked of GitHub, the job created in kube.
    let rerun = http
        .post(format!("{deck}/rerun?prowjob=b1"))
        .header("cookie", format!("{session}; {csrf}"))
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(rerun.status(), 200, "{}", rerun.text().await.unwrap());
    assert_eq!(
        list_prowjobs(&kube.client, namespace).await.unwrap().len(),
        2
    );

    let log = running.finish().unwrap();
    let user_tokens: Vec<String> = standin.world().oauth_tokens.keys().cloned().collect();
    assert!(!user_tokens.is_empty(), "alice's access token was issued");
    let kube_token = kubeconfig_token(kube.env.kubeconfig()).unwrap();
    let session_value = session.trim_start_matches("prow_deck_session=").to_string();
    let mut secrets: Vec<(&str, &str)> = vec![
        ("the GitHub token", GITHUB_TOKEN),
        ("the S3 secret key", SECRET_KEY),
        ("the S3 session token", SESSION_TOKEN),
        ("the OAuth client secret", CLIENT_SECRET),
        ("the cookie secret", COOKIE_SECRET),
        ("alice's session cookie", &session_value),
        ("the Kubernetes bearer token", &kube_token),
    ];
    secrets.extend(
        user_tokens
            .iter()
            .map(|t| ("a user's access token", t.as_str())),
    );
    assert_no_secrets(&log, &secrets);
}
