//! No secret in hook's logs, even at `RUST_LOG=trace` (every dependency's most verbose output
//! too): the hook process is started with a webhook HMAC secret and GitHub credentials (a token,
//! or a GitHub App's private key, which the stand-in turns into installation tokens), made to use
//! each (a signed webhook whose plugin writes to GitHub), and its stdout and stderr are searched
//! for every secret, as itself or base64-encoded anywhere, and for any signed JWT.

use github_standin::GitHubStandIn;
use prow_test_harness::process::assert_no_secrets;
use prow_test_harness::secrets::TracedProcess;
use prow_test_harness::standin_world::{REPO, acme_widgets};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const HMAC: &str = "hmac-LEAKCHECK-7d1f0c9e2b4a";
const TOKEN: &str = "ghp_LEAKCHECKtoken0123456789abcdefABCD";

/// An RSA key pair made by openssl: (private PEM, public PEM).
fn key_pair(dir: &Path) -> (String, String) {
    let private = dir.join("app.pem");
    let public = dir.join("app.pub.pem");
    let made = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&private)
        .arg("2048")
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{made:?}");
    let made = Command::new("openssl")
        .args(["rsa", "-pubout", "-in"])
        .arg(&private)
        .arg("-out")
        .arg(&public)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    (
        std::fs::read_to_string(private).unwrap(),
        std::fs::read_to_string(public).unwrap(),
    )
}

/// The body lines of a PEM key: any of them in a log would give the key away.
fn pem_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 32)
        .map(str::to_string)
        .collect()
}

/// Starts hook at `RUST_LOG=trace` on `port` with `credentials` (GitHub flags), its stdout and
/// stderr into `dir/out.log`.
fn start(dir: &Path, port: u16, standin: &str, credentials: &[String]) -> TracedProcess {
    std::fs::write(dir.join("config.yaml"), "pod_namespace: test-pods\n").unwrap();
    std::fs::write(
        dir.join("plugins.yaml"),
        format!("plugins:\n  {REPO}:\n    plugins: [hold]\n"),
    )
    .unwrap();
    std::fs::write(dir.join("hmac"), HMAC).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hook"));
    command
        .arg(format!(
            "--config-path={}",
            dir.join("config.yaml").display()
        ))
        .arg(format!(
            "--plugin-config={}",
            dir.join("plugins.yaml").display()
        ))
        .arg(format!("--hmac-secret-file={}", dir.join("hmac").display()))
        .arg(format!("--github-endpoint={standin}"))
        .args(credentials);
    TracedProcess::start(command, dir, port).unwrap()
}

/// Comments `/hold` on a new PR, delivers the webhooks to hook, and waits for the label.
async fn hold_through_hook(standin: &GitHubStandIn, port: u16) {
    let number = standin.world().open_pull_request(
        REPO,
        "alice",
        "feature",
        "A change",
        &[("a.go", "package a\n")],
    );
    standin.world().comment(REPO, number, "alice", "/hold");
    for (delivery, status) in standin
        .deliver_pending(&format!("http://127.0.0.1:{port}/hook"), HMAC.as_bytes())
        .await
        .unwrap()
    {
        assert_eq!(status, 200, "{}", delivery.event);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let labels = standin.world().issue(REPO, number).unwrap().labels.clone();
        if labels.iter().any(|l| l == "do-not-merge/hold") {
            return;
        }
        assert!(Instant::now() < deadline, "the PR was not held: {labels:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Stops hook and returns what it printed, after checking it printed at trace level.
fn output(running: TracedProcess) -> String {
    running.finish().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_or_webhook_secret_in_hooks_trace_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), format!("{TOKEN}\n")).unwrap();
    let standin = GitHubStandIn::start(acme_widgets()).await.unwrap();
    let port = prow_test_harness::free_port().unwrap();
    let running = start(
        dir.path(),
        port,
        &standin.url(),
        &[format!(
            "--github-token-path={}",
            dir.path().join("token").display()
        )],
    );
    hold_through_hook(&standin, port).await;
    let log = output(running);
    assert_no_secrets(
        &log,
        &[("the GitHub token", TOKEN), ("the HMAC secret", HMAC)],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_app_key_jwt_or_installation_token_in_hooks_trace_log() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = key_pair(dir.path());
    let mut world = acme_widgets();
    world.add_app(4242, "prow-app", &public, &["acme"]);
    let standin = GitHubStandIn::start(world).await.unwrap();
    let port = prow_test_harness::free_port().unwrap();
    let running = start(
        dir.path(),
        port,
        &standin.url(),
        &[
            "--github-app-id=4242".to_string(),
            format!(
                "--github-app-private-key-path={}",
                dir.path().join("app.pem").display()
            ),
        ],
    );
    hold_through_hook(&standin, port).await;
    let installation_tokens: Vec<String> = standin
        .world()
        .installation_tokens
        .keys()
        .cloned()
        .collect();
    assert!(
        !installation_tokens.is_empty(),
        "hook acted as the App's installation"
    );
    let log = output(running);
    let key_lines = pem_lines(&private);
    let mut secrets: Vec<(&str, &str)> = vec![("the HMAC secret", HMAC)];
    secrets.extend(
        installation_tokens
            .iter()
            .map(|t| ("an installation token", t.as_str())),
    );
    secrets.extend(
        key_lines
            .iter()
            .map(|l| ("a line of the App's key", l.as_str())),
    );
    assert_no_secrets(&log, &secrets);
}
