//! `prow local --demo`: the whole system on one machine with nothing to set up. It starts the
//! GitHub stand-in in-process, seeds an org, a repository with OWNERS and a few commits, and a
//! configuration whose two presubmits are real shell commands (one passes, one fails), starts
//! local mode against them, opens a pull request as an org member, and prints what happens as it
//! happens: jobs triggered, started and finished, statuses and the failure comment on the PR, with
//! the URLs to look at.

use crate::local::{LocalOptions, LocalSystem};
use anyhow::Context;
use futures_util::StreamExt;
use github_standin::{GitHubStandIn, World};
use prow_api::ProwJobState;
use prow_github_octocrab::{Credentials, GitHubOptions, OctocrabGitHub};
use prow_ports::clock::SystemClock;
use prow_ports::store::{JobChange, JobStore};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const ORG: &str = "demo-org";
pub const REPO: &str = "demo-org/hello";
pub const BUCKET: &str = "prow-artifacts";
const HMAC: &str = "demo-webhook-secret";
/// The stand-in's OAuth App deck signs people in with (`/github-login`).
const DECK_CLIENT_ID: &str = "demo-deck";
const DECK_CLIENT_SECRET: &str = "demo-deck-secret";

/// The demo's jobs: real shell commands run as local processes.
const JOBS: &str = r#"presubmits:
  demo-org/hello:
  - name: unit-tests
    always_run: true
    decorate: true
    spec:
      containers:
      - image: local
        command: [/bin/sh, -c]
        args:
        - |
          echo "running the unit tests of $REPO_OWNER/$REPO_NAME PR #$PULL_NUMBER"
          sleep 1
          mkdir -p "$ARTIFACTS" && echo '<testsuite tests="12" failures="0"/>' > "$ARTIFACTS/junit.xml"
          echo "ok: 12 tests passed"
  - name: lint
    always_run: true
    decorate: true
    spec:
      containers:
      - image: local
        command: [/bin/sh, -c]
        args:
        - |
          printf '\033[1mlinting hello.go\033[0m\n'
          echo "gofmt: ok"
          printf '\033[31mERROR: hello.go:3: line is 142 characters long (limit 100)\033[0m\n'
          mkdir -p "$ARTIFACTS"
          cat > "$ARTIFACTS/junit_lint.xml" <<'XML'
          <testsuite name="lint" tests="2" failures="1">
            <testcase name="gofmt" time="0.01"/>
            <testcase name="line-length" time="0.02"><failure message="hello.go:3 is 142 characters long (limit 100)">hello.go:3: line is 142 characters long (limit 100)</failure></testcase>
          </testsuite>
          XML
          exit 1
"#;

const PLUGINS: &str =
    "triggers:\n- repos: [demo-org]\nplugins:\n  demo-org: {plugins: [trigger]}\n";

fn config_yaml(view_prefix: &str) -> String {
    format!(
        r#"prowjob_namespace: prow
pod_namespace: test-pods
plank:
  job_url_prefix_config:
    '*': {view_prefix}
  default_decoration_config_entries:
  - config:
      timeout: 10m
      grace_period: 5s
      utility_images:
        clonerefs: local
        initupload: local
        entrypoint: local
        sidecar: local
      gcs_configuration:
        bucket: s3://{BUCKET}
        path_strategy: explicit
github_reporter:
  job_types_to_report: [presubmit, postsubmit]
tide:
  queries:
  - repos: [{REPO}]
    labels: [lgtm, approved]
    missingLabels: [do-not-merge/hold, needs-rebase]
"#
    )
}

/// Writes the demo's configuration under `dir`; the paths of config.yaml, the job config and
/// plugins.yaml, and the HMAC secret file.
pub fn write_config(
    dir: &Path,
    view_prefix: &str,
) -> anyhow::Result<(PathBuf, PathBuf, PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir.join("jobs"))
        .with_context(|| format!("creating {}", dir.display()))?;
    let files = [
        (dir.join("config.yaml"), config_yaml(view_prefix)),
        (dir.join("jobs/hello.yaml"), JOBS.to_string()),
        (dir.join("plugins.yaml"), PLUGINS.to_string()),
        (dir.join("hmac"), HMAC.to_string()),
    ];
    for (path, text) in &files {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok((
        files[0].0.clone(),
        files[1].0.clone(),
        files[2].0.clone(),
        files[3].0.clone(),
    ))
}

/// The stand-in's world: the org with alice as a member, the repository with OWNERS and history.
pub fn seed_world() -> World {
    let mut world = World::new("prow-bot");
    world.add_org(ORG, &["alice", "prow-bot"]);
    world.add_user("bob");
    world.add_repo(REPO);
    world.push(
        REPO,
        "main",
        "Add OWNERS",
        &[("OWNERS", "approvers:\n- alice\nreviewers:\n- alice\n")],
    );
    world.push(
        REPO,
        "main",
        "Add hello.go",
        &[(
            "hello.go",
            "package main\n\nfunc main() { println(\"hello\") }\n",
        )],
    );
    world.push(REPO, "main", "Add README", &[("README.md", "# hello\n")]);
    world.add_oauth_app(DECK_CLIENT_ID, DECK_CLIENT_SECRET, "Prow deck (demo)");
    world.outbox.clear();
    world
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// A free loopback port, so the job URLs can name it before the server starts.
fn free_address() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?)
}

/// Runs the demo; returns when the PR's results are all in (then keeps serving unless
/// `exit_when_done`).
pub async fn run(
    state_dir: PathBuf,
    address: Option<SocketAddr>,
    exit_when_done: bool,
) -> anyhow::Result<()> {
    let address = match address {
        Some(address) if address.port() != 0 => address,
        _ => free_address()?,
    };
    let url = format!("http://{address}");
    let (config_path, job_config_path, plugin_config, hmac_file) =
        write_config(&state_dir.join("demo-config"), &format!("{url}/view/"))?;
    let config_files = prow_config::ConfigPaths {
        config_path,
        job_config_path: Some(job_config_path),
        plugin_config: Some(plugin_config),
    };
    let loaded = prow_config::load(&config_files, prow_config::LoadOptions { strict: true })
        .map_err(|e| anyhow::anyhow!("the demo's configuration: {e}"))?;

    let standin = GitHubStandIn::start(seed_world()).await?;
    let metrics = Arc::new(prow_runtime::Metrics::new("prow-local"));
    let clock = SystemClock::shared();
    let github = OctocrabGitHub::new(
        GitHubOptions::new(
            &standin.url(),
            Credentials::Token("demo-token".into()),
            "prow-local",
            clock.clone(),
        ),
        &metrics,
    )?;
    let system = LocalSystem::start(LocalOptions {
        state_dir: state_dir.clone(),
        address,
        config: prow_runtime::ConfigHandle::new(loaded.config),
        hmac_secret_file: hmac_file,
        github: Some(github),
        clock,
        bucket: BUCKET.into(),
        clone_source: None,
        tick_interval: Some(Duration::from_secs(60)),
        metrics,
        config_files: Some(config_files.clone()),
        deck_sign_in: Some(deck::OAuthSettings {
            client_id: DECK_CLIENT_ID.into(),
            client_secret: DECK_CLIENT_SECRET.into(),
            redirect_url: format!("{url}/github-login/redirect"),
            final_redirect_url: format!("{url}/"),
            scopes: Vec::new(),
            web_url: standin.url(),
            api_url: standin.url(),
        }),
        // The demo's jobs are marked `image: local`; the safe defaults hold anything else back.
        runs: prow_local::LocalRunPolicy::default(),
        gerrit: None,
        recovery: None,
    })
    .await?;
    say(&format!(
        "prow local is serving every function on {url} (state in {})",
        state_dir.display()
    ));
    say(&format!(
        "deck: {url}/  (jobs, their logs and test results, history, tide, command help)"
    ));
    say(&format!(
        "GitHub stand-in: {}  (org {ORG}, repository {REPO})",
        standin.url()
    ));

    // Webhooks the stand-in queues go to hook, signed, as GitHub sends them.
    let standin = Arc::new(standin);
    let hook_url = format!("{url}/hook");
    {
        let standin = standin.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = standin.deliver_pending(&hook_url, HMAC.as_bytes()).await {
                    tracing::warn!(%error, "delivering webhooks");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }

    let number = standin.world().open_pull_request(
        REPO,
        "alice",
        "greeting",
        "Make the greeting friendlier",
        &[("hello.go", "package main\n\nfunc main() { println(\"hello, world, and a very long line that the linter will not like at all\") }\n")],
    );
    let head = standin
        .world()
        .issue(REPO, number)
        .and_then(|i| i.pull.as_ref().map(|p| p.head_sha.clone()))
        .unwrap_or_default();
    say(&format!(
        "alice (an org member) opened PR #{number} on {REPO} at {}",
        &head[..head.len().min(8)]
    ));

    watch(&system, &standin, number, &head, &url).await?;
    say("");
    say(&format!(
        "statuses:  {}/repos/{REPO}/commits/{head}/statuses",
        standin.url()
    ));
    say(&format!(
        "comments:  {}/repos/{REPO}/issues/{number}/comments",
        standin.url()
    ));
    say(&format!(
        "artifacts: {}/{BUCKET}/pr-logs/  (deck shows them under {url}/view/s3/{BUCKET}/)",
        system.artifacts_root.display()
    ));
    say(&format!("metrics:   {url}/metrics"));
    say(&format!("deck:      {url}/"));
    if exit_when_done {
        return Ok(());
    }
    say("still serving; press Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    Ok(())
}

/// Prints jobs, statuses and comments as they change, until both jobs have finished, their final
/// statuses are on the PR and the failure comment is there.
async fn watch(
    system: &LocalSystem,
    standin: &GitHubStandIn,
    number: u64,
    head: &str,
    url: &str,
) -> anyhow::Result<()> {
    let mut changes = system.store.watch("").await?;
    let mut states: BTreeMap<String, ProwJobState> = BTreeMap::new();
    let mut statuses_seen = 0;
    let mut comments_seen = 0;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(120);
    loop {
        while let Ok(Some(Ok(change))) =
            tokio::time::timeout(Duration::from_millis(100), changes.next()).await
        {
            if let JobChange::Added(job) | JobChange::Modified(job) = &change
                && let Some(state) = job.status.state
                && states.insert(job.spec.job.clone(), state) != Some(state)
            {
                let name = &job.spec.job;
                let line = match state {
                    ProwJobState::Triggered => {
                        format!("job {name}: triggered (ProwJob {})", job.name())
                    }
                    ProwJobState::Pending => format!("job {name}: started as a local process"),
                    other => format!(
                        "job {name}: finished, {} — {}",
                        other.as_str(),
                        job.status.url
                    ),
                };
                say(&format!(
                    "[{:>5.1}s] {line}",
                    started.elapsed().as_secs_f64()
                ));
            }
        }
        let (statuses, comments) = {
            let world = standin.world();
            let statuses: Vec<_> = world
                .repo(REPO)
                .and_then(|r| r.statuses.get(head).cloned())
                .unwrap_or_default();
            let comments: Vec<_> = world
                .issue(REPO, number)
                .map(|i| {
                    i.comments
                        .iter()
                        .filter(|c| c.author == world.bot)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            (statuses, comments)
        };
        for status in statuses.iter().skip(statuses_seen) {
            let description = status
                .description
                .split('\u{2001}')
                .next()
                .unwrap_or_default();
            say(&format!(
                "[{:>5.1}s] status {} on the PR head: {} ({description})",
                started.elapsed().as_secs_f64(),
                status.context,
                status.state
            ));
        }
        statuses_seen = statuses.len();
        for comment in comments.iter().skip(comments_seen) {
            say(&format!(
                "[{:>5.1}s] comment by the bot on PR #{number}:",
                started.elapsed().as_secs_f64()
            ));
            for line in comment
                .body
                .lines()
                .take_while(|l| !l.starts_with("<details>"))
            {
                say(&format!("    {line}"));
            }
        }
        comments_seen = comments.len();
        let final_statuses = ["unit-tests", "lint"].iter().all(|context| {
            statuses
                .iter()
                .rev()
                .find(|s| s.context == *context)
                .is_some_and(|s| s.state != "pending")
        });
        if final_statuses && !comments.is_empty() {
            say(&format!(
                "[{:>5.1}s] done: unit-tests passed, lint failed, and the PR says so ({url})",
                started.elapsed().as_secs_f64()
            ));
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the demo's jobs did not finish within two minutes"
        );
    }
}
