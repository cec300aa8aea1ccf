//! The octocrab adapter over HTTP against the GitHub stand-in: every port method, token and App
//! auth (installation tokens cached and refreshed before expiry), dry-run, ETag reads and the
//! budget ledger.

use github_standin::Permission as StandInPermission;
use github_standin::{GitHubStandIn, World};
use prow_github_octocrab::{Credentials, GitHubOptions, OctocrabGitHub};
use prow_metrics::Metrics;
use prow_ports::clock::SystemClock;
use prow_ports::github::{
    GitHubClient, MergeDetails, MergeMethod, NewCheckRun, Permission, Status,
};
use prow_ports::github::{IssueNumber, RepoRef, Sha};
use std::process::Command;

pub(crate) fn world() -> World {
    let mut world = World::new("prow-bot");
    world
        .add_org("acme", &["alice", "carol"])
        .add_repo("acme/widgets")
        .add_label("acme/widgets", "lgtm")
        .add_label("acme/widgets", "needs-ok-to-test")
        .add_team("acme", "maintainers", &["carol"]);
    world.add_collaborator("acme/widgets", "bob", StandInPermission::Write);
    world.push(
        "acme/widgets",
        "main",
        "README",
        &[("OWNERS", "approvers:\n- carol\n")],
    );
    world.open_pull_request(
        "acme/widgets",
        "alice",
        "feature",
        "Add a widget",
        &[
            ("widget.go", "package widgets\n"),
            ("docs/widget.md", "# Widget\n"),
        ],
    );
    world
}

pub(crate) fn client(standin: &GitHubStandIn, dry_run: bool, metrics: &Metrics) -> OctocrabGitHub {
    OctocrabGitHub::new(
        GitHubOptions {
            dry_run,
            ..GitHubOptions::new(
                &standin.url(),
                Credentials::Token("ghp_test".into()),
                "test",
                SystemClock::shared(),
            )
        },
        metrics,
    )
    .unwrap()
}

#[tokio::test]
async fn every_port_method_works_over_http() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let metrics = Metrics::new("test");
    let github = client(&standin, false, &metrics).for_event("issue_comment");

    assert_eq!(github.bot_user().await.unwrap().login, "prow-bot");

    let comment = github
        .create_comment(&RepoRef::new("acme", "widgets"), IssueNumber(1), "/retest")
        .await
        .unwrap();
    assert!(comment.id > 0);
    assert_eq!(comment.user.login, "prow-bot");
    github
        .edit_comment(&RepoRef::new("acme", "widgets"), comment.id, "edited")
        .await
        .unwrap();
    let comments = github
        .list_issue_comments(&RepoRef::new("acme", "widgets"), IssueNumber(1))
        .await
        .unwrap();
    assert_eq!(
        comments.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(),
        ["edited"]
    );
    github
        .delete_comment(&RepoRef::new("acme", "widgets"), comment.id)
        .await
        .unwrap();
    assert!(
        github
            .list_issue_comments(&RepoRef::new("acme", "widgets"), IssueNumber(1))
            .await
            .unwrap()
            .is_empty()
    );

    github
        .add_label(&RepoRef::new("acme", "widgets"), IssueNumber(1), "lgtm")
        .await
        .unwrap();
    let labels = github
        .issue_labels(&RepoRef::new("acme", "widgets"), IssueNumber(1))
        .await
        .unwrap();
    assert_eq!(
        labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["lgtm"]
    );
    github
        .remove_label(&RepoRef::new("acme", "widgets"), IssueNumber(1), "lgtm")
        .await
        .unwrap();
    assert!(
        github
            .issue_labels(&RepoRef::new("acme", "widgets"), IssueNumber(1))
            .await
            .unwrap()
            .is_empty()
    );
    let missing = github
        .remove_label(&RepoRef::new("acme", "widgets"), IssueNumber(1), "lgtm")
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    assert_eq!(
        github
            .repo_labels(&RepoRef::new("acme", "widgets"))
            .await
            .unwrap()
            .len(),
        2
    );

    // GitHub drops whom it cannot assign, and refuses a review request for anyone it will not
    // ask (the author, a stranger, a team of another org): the adapter says who.
    let not_assigned = github
        .assign(
            &RepoRef::new("acme", "widgets"),
            IssueNumber(1),
            &["bob".into(), "stranger".into()],
        )
        .await
        .unwrap();
    assert_eq!(not_assigned, ["stranger"]);
    let refused = github
        .request_review(
            &RepoRef::new("acme", "widgets"),
            IssueNumber(1),
            &["carol".into(), "alice".into(), "other/team".into()],
        )
        .await
        .unwrap();
    assert_eq!(refused, ["other/team", "alice"]);
    let pr = github
        .pull_request(&RepoRef::new("acme", "widgets"), IssueNumber(1))
        .await
        .unwrap();
    assert_eq!(pr.user.login, "alice");
    assert_eq!(
        pr.assignees
            .iter()
            .map(|u| u.login.as_str())
            .collect::<Vec<_>>(),
        ["bob"]
    );
    assert_eq!(pr.requested_reviewers[0].login, "carol");
    assert_eq!(pr.base.git_ref, "main");

    let changes = github
        .pull_request_changes(&RepoRef::new("acme", "widgets"), IssueNumber(1))
        .await
        .unwrap();
    let mut names: Vec<_> = changes.iter().map(|c| c.filename.as_str()).collect();
    names.sort();
    assert_eq!(names, ["docs/widget.md", "widget.go"]);

    let status = Status {
        state: "pending".into(),
        target_url: "https://prow.example/view/1".into(),
        description: "Job triggered. BaseSHA:abc".into(),
        context: "pull-widgets-unit".into(),
    };
    github
        .create_status(
            &RepoRef::new("acme", "widgets"),
            &Sha::new(&pr.head.sha),
            &status,
        )
        .await
        .unwrap();
    let combined = github
        .combined_status(&RepoRef::new("acme", "widgets"), &pr.head.sha)
        .await
        .unwrap();
    assert_eq!(combined.statuses, [status]);
    let run = NewCheckRun {
        name: "pull-widgets-unit".into(),
        head_sha: pr.head.sha.clone(),
        status: "completed".into(),
        conclusion: Some("success".into()),
        ..NewCheckRun::default()
    };
    assert!(
        github
            .create_check_run(&RepoRef::new("acme", "widgets"), &run)
            .await
            .unwrap()
            > 0
    );

    assert!(github.is_member("acme", "alice").await.unwrap());
    assert!(!github.is_member("acme", "bob").await.unwrap());
    assert!(
        github
            .is_collaborator(&RepoRef::new("acme", "widgets"), "bob")
            .await
            .unwrap()
    );
    assert!(
        !github
            .is_collaborator(&RepoRef::new("acme", "widgets"), "mallory")
            .await
            .unwrap()
    );
    assert_eq!(
        github
            .permission(&RepoRef::new("acme", "widgets"), "bob")
            .await
            .unwrap(),
        Permission::Write
    );
    let team = github.team_members("acme", "maintainers").await.unwrap();
    assert_eq!(
        team.iter().map(|u| u.login.as_str()).collect::<Vec<_>>(),
        ["carol"]
    );

    let owners = github
        .file(&RepoRef::new("acme", "widgets"), "OWNERS", "main")
        .await
        .unwrap();
    assert_eq!(owners, b"approvers:\n- carol\n");

    let data = github
        .graphql(
            "acme",
            "query($q: String!) { search(type: ISSUE, first: 10, query: $q) { issueCount nodes { ... on PullRequest { number } } } }",
            serde_json::json!({"q": "is:pr is:open repo:acme/widgets"}),
        )
        .await
        .unwrap();
    assert_eq!(data["search"]["nodes"][0]["number"], 1);

    // A merge for a head that moved is refused (409) and changes nothing.
    let stale = MergeDetails {
        head_sha: "0000000000000000000000000000000000000000".into(),
        merge_method: MergeMethod::Squash,
        ..MergeDetails::default()
    };
    let refused = github
        .merge(&RepoRef::new("acme", "widgets"), IssueNumber(1), &stale)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(409), "{refused}");
    let merge = MergeDetails {
        head_sha: pr.head.sha.clone(),
        merge_method: MergeMethod::Squash,
        ..MergeDetails::default()
    };
    let merged = github
        .merge(&RepoRef::new("acme", "widgets"), IssueNumber(1), &merge)
        .await
        .unwrap();
    assert_eq!(
        merged,
        Some(
            github
                .branch_head(&RepoRef::new("acme", "widgets"), "main")
                .await
                .unwrap()
        ),
        "the merge names the commit the base now points at"
    );
    assert!(
        github
            .pull_request(&RepoRef::new("acme", "widgets"), IssueNumber(1))
            .await
            .unwrap()
            .merged
    );

    // The ledger counted each call under this component and event.
    let ledger = metrics.encode();
    assert!(
        ledger.contains("github_requests_total{component=\"test\",event=\"issue_comment\",endpoint=\"/repos/{org}/{repo}/issues/{number}/comments\",method=\"POST\",status=\"201\"} 1"),
        "{ledger}"
    );
    assert!(
        ledger.contains("github_rate_limit_remaining{component=\"test\",resource=\"core\"}"),
        "{ledger}"
    );
}

#[tokio::test]
async fn repeated_reads_are_conditional_and_a_304_costs_no_quota() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let metrics = Metrics::new("test");
    let github = client(&standin, false, &metrics);
    let first = github
        .pull_request(&RepoRef::new("acme", "widgets"), IssueNumber(1))
        .await
        .unwrap();
    let quota_after_first = standin.world().rate_limit_remaining;
    for _ in 0..3 {
        assert_eq!(
            github
                .pull_request(&RepoRef::new("acme", "widgets"), IssueNumber(1))
                .await
                .unwrap(),
            first
        );
    }
    assert_eq!(
        standin.world().rate_limit_remaining,
        quota_after_first,
        "304s are free"
    );
    let statuses: Vec<u16> = standin
        .calls()
        .iter()
        .filter(|c| c.uri.starts_with("/repos/acme/widgets/pulls/1"))
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, [200, 304, 304, 304]);
    assert!(
        metrics.encode().contains("github_conditional_hits_total{component=\"test\",endpoint=\"/repos/{org}/{repo}/pulls/{number}\"} 3"),
        "{}",
        metrics.encode()
    );
    // A change shows through: the ETag no longer matches.
    github
        .add_label(&RepoRef::new("acme", "widgets"), IssueNumber(1), "lgtm")
        .await
        .unwrap();
    let changed = github
        .pull_request(&RepoRef::new("acme", "widgets"), IssueNumber(1))
        .await
        .unwrap();
    assert_eq!(changed.labels.len(), 1);
}

#[tokio::test]
async fn dry_run_reads_but_changes_nothing() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let metrics = Metrics::new("test");
    let github = client(&standin, true, &metrics);
    assert_eq!(
        github
            .pull_request(&RepoRef::new("acme", "widgets"), IssueNumber(1))
            .await
            .unwrap()
            .number,
        1
    );
    let comment = github
        .create_comment(&RepoRef::new("acme", "widgets"), IssueNumber(1), "hello")
        .await
        .unwrap();
    assert_eq!(comment.body, "hello");
    github
        .add_label(&RepoRef::new("acme", "widgets"), IssueNumber(1), "lgtm")
        .await
        .unwrap();
    github
        .merge(
            &RepoRef::new("acme", "widgets"),
            IssueNumber(1),
            &MergeDetails::default(),
        )
        .await
        .unwrap();
    let writes: Vec<_> = standin
        .calls()
        .into_iter()
        .filter(|c| c.method != "GET")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    let issue = standin.world().issue("acme/widgets", 1).cloned().unwrap();
    assert!(issue.comments.is_empty() && issue.labels.is_empty());
}

fn key_pair(dir: &std::path::Path) -> (String, String) {
    let private = dir.join("app.pem");
    let public = dir.join("app.pub.pem");
    let run = |args: &[&std::ffi::OsStr]| {
        let output = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&[
        "genrsa".as_ref(),
        "-out".as_ref(),
        private.as_os_str(),
        "2048".as_ref(),
    ]);
    run(&[
        "rsa".as_ref(),
        "-pubout".as_ref(),
        "-in".as_ref(),
        private.as_os_str(),
        "-out".as_ref(),
        public.as_os_str(),
    ]);
    (
        std::fs::read_to_string(private).unwrap(),
        std::fs::read_to_string(public).unwrap(),
    )
}

async fn app_setup(
    token_lifetime: Option<u64>,
) -> (GitHubStandIn, OctocrabGitHub, Vec<u64>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = key_pair(dir.path());
    let mut world = world();
    world.add_org("other", &["dave"]).add_repo("other/tool");
    let installations = world.add_app(4242, "prow-app", &public, &["acme", "other"]);
    world.installation_token_lifetime = token_lifetime;
    let standin = GitHubStandIn::start(world).await.unwrap();
    std::fs::write(dir.path().join("key.pem"), &private).unwrap();
    let credentials =
        Credentials::from_flags(None, Some("4242"), Some(&dir.path().join("key.pem"))).unwrap();
    let metrics = Metrics::new("test");
    let github = OctocrabGitHub::new(
        GitHubOptions::new(&standin.url(), credentials, "test", SystemClock::shared()),
        &metrics,
    )
    .unwrap();
    (standin, github, installations, dir)
}

#[tokio::test]
async fn app_auth_uses_one_cached_installation_token_per_organization() {
    let (standin, github, installations, _dir) = app_setup(None).await;
    assert_eq!(github.bot_user().await.unwrap().login, "prow-app[bot]");
    for _ in 0..3 {
        github
            .create_comment(&RepoRef::new("acme", "widgets"), IssueNumber(1), "hi")
            .await
            .unwrap();
    }
    assert!(github.is_member("other", "dave").await.unwrap());
    let calls = standin.calls();
    let token_requests = calls
        .iter()
        .filter(|c| c.uri.ends_with("/access_tokens"))
        .count();
    assert_eq!(
        token_requests, 2,
        "one token per installation, reused: {calls:?}"
    );
    let comment_calls: Vec<_> = calls
        .iter()
        .filter(|c| c.uri.contains("/comments"))
        .collect();
    assert!(
        comment_calls
            .iter()
            .all(|c| c.installation == Some(installations[0]))
    );
    let member = calls
        .iter()
        .find(|c| c.uri.contains("/members/dave"))
        .unwrap();
    assert_eq!(member.installation, Some(installations[1]));
    let listing = calls
        .iter()
        .filter(|c| c.uri.starts_with("/app/installations?"))
        .count();
    assert_eq!(listing, 1, "installations are looked up once");

    let unknown = github.is_member("nobody", "x").await.unwrap_err();
    assert!(
        unknown.to_string().contains("not installed in nobody"),
        "{unknown}"
    );
}

#[tokio::test]
async fn installation_tokens_are_refreshed_before_they_expire() {
    // Tokens that live 4 minutes are inside the 5-minute refresh margin: each use renews; an
    // hour-long token is reused.
    for (lifetime, exchanges) in [(240, 2), (3600, 1)] {
        let (standin, github, _, _dir) = app_setup(Some(lifetime)).await;
        for body in ["one", "two"] {
            github
                .create_comment(&RepoRef::new("acme", "widgets"), IssueNumber(1), body)
                .await
                .unwrap();
        }
        let tokens = standin
            .calls()
            .iter()
            .filter(|c| c.uri.ends_with("/access_tokens"))
            .count();
        assert_eq!(tokens, exchanges, "tokens living {lifetime} s");
    }
}

#[test]
fn credentials_come_from_upstream_flags_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "  ghp_abc\n").unwrap();
    std::fs::write(dir.path().join("empty"), "\n").unwrap();
    std::fs::write(dir.path().join("bad.pem"), "not a key").unwrap();
    let token = Credentials::from_flags(Some(&dir.path().join("token")), None, None).unwrap();
    assert_eq!(format!("{token:?}"), "Credentials::Token(<redacted>)");
    let empty = Credentials::from_flags(Some(&dir.path().join("empty")), None, None).unwrap_err();
    assert!(empty.to_string().ends_with("empty is empty"), "{empty}");
    let bad =
        Credentials::from_flags(None, Some("1"), Some(&dir.path().join("bad.pem"))).unwrap_err();
    assert!(
        bad.to_string()
            .contains("bad.pem is not an RSA private key"),
        "{bad}"
    );
    let missing = Credentials::from_flags(None, None, None).unwrap_err();
    assert!(
        missing.to_string().contains("--github-token-path"),
        "{missing}"
    );
}

/// A delivery attempt as the stand-in's deliverer records one.
fn attempt(id: u64, guid: &str, status_code: Option<u16>) -> github_standin::DeliveryAttempt {
    github_standin::DeliveryAttempt {
        id,
        guid: guid.to_string(),
        redelivery: false,
        event: "issue_comment".into(),
        action: Some("created".into()),
        repository: Some("acme/widgets".into()),
        repository_id: None,
        installation_id: None,
        attempt: 1,
        status_code,
        error: status_code
            .is_none()
            .then(|| "failed to connect to host".into()),
        delivered_at: "2026-12-06T10:00:00Z".into(),
        duration_ms: 12,
    }
}

#[tokio::test]
async fn the_apps_webhook_deliveries_are_read_newest_first_only_as_far_as_asked_and_redelivered() {
    use prow_ports::webhook_deliveries::{HookRef, WebhookDeliveries};
    let (standin, github, _installations, _dir) = app_setup(None).await;
    {
        let mut world = standin.world();
        for id in 1..=250u64 {
            let status = (id % 50 != 0).then_some(200);
            world
                .delivery_attempts
                .push(attempt(id, &format!("guid-{id}"), status));
        }
        world.delivered.insert(
            "guid-100".into(),
            github_standin::Delivery {
                event: "issue_comment".into(),
                id: "guid-100".into(),
                body: b"{}".to_vec(),
                redelivery: false,
            },
        );
    }
    let long_ago: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let all = github
        .deliveries(&HookRef::App, None, long_ago)
        .await
        .unwrap();
    let ids: Vec<u64> = all.iter().map(|d| d.id).collect();
    assert_eq!(
        ids,
        (1..=250).rev().collect::<Vec<_>>(),
        "newest first, all"
    );
    assert_eq!(all[150].status_code, 0, "delivery 100 failed to connect");
    assert_eq!(all[150].status, "failed to connect to host");
    let pages = |standin: &GitHubStandIn| {
        standin
            .calls()
            .iter()
            .filter(|c| c.uri.starts_with("/app/hook/deliveries"))
            .count()
    };
    assert_eq!(pages(&standin), 3, "100 a page");

    // Decided through 120: the first page (250..151) does not reach it, the second does.
    let recent = github
        .deliveries(&HookRef::App, Some(120), long_ago)
        .await
        .unwrap();
    assert_eq!(recent.len(), 200, "two pages");
    assert_eq!(pages(&standin), 5);

    github.redeliver(&HookRef::App, 100).await.unwrap();
    let outbox: Vec<_> = std::mem::take(&mut standin.world().outbox)
        .into_iter()
        .filter(|d| d.redelivery)
        .collect();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].id, "guid-100");
    assert!(outbox[0].redelivery);
    assert!(
        github.redeliver(&HookRef::App, 999).await.is_err(),
        "an unknown delivery is GitHub's 404"
    );

    // A token cannot read the App's hook; it reads a repository's.
    let token =
        OctocrabGitHub::with_token(&standin.url(), "ghp_x", "test", &Metrics::new("t")).unwrap();
    assert!(matches!(
        token.deliveries(&HookRef::App, None, long_ago).await,
        Err(prow_ports::github::GitHubError::Auth(_))
    ));
    let repo_hook: HookRef = "repos/acme/widgets/hooks/1".parse().unwrap();
    assert_eq!(
        token
            .deliveries(&repo_hook, None, long_ago)
            .await
            .unwrap()
            .len(),
        250
    );
    let other_hook: HookRef = "repos/acme/widgets/hooks/2".parse().unwrap();
    assert!(token.deliveries(&other_hook, None, long_ago).await.is_err());
}
