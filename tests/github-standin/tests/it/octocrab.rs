//! octocrab, unchanged but for its base URL, against the stand-in: each resource's reads and
//! writes, pagination, 304s, 404s and 422s with GitHub's error JSON, rate-limit headers, and the
//! call log.

use crate::support::{head_sha, octocrab_as};
use github_standin::{GitHubStandIn, Permission, World};
use octocrab::Octocrab;
use octocrab::models::StatusState;
use octocrab::params::repos::Reference;

const REPO: &str = "example-org/app";

async fn setup() -> (GitHubStandIn, Octocrab, u64) {
    let mut world = World::new("prow-bot");
    world
        .add_org("example-org", &["alice", "prow-bot"])
        .add_repo(REPO)
        .add_collaborator(REPO, "carol", Permission::Write)
        .add_label(REPO, "lgtm")
        .add_label(REPO, "do-not-merge/hold");
    let number = world.open_pull_request(
        REPO,
        "dave",
        "feature",
        "Add docs",
        &[("docs/a.md", "one\ntwo\n"), ("main.go", "package main\n")],
    );
    let standin = GitHubStandIn::start(world).await.expect("stand-in starts");
    let client = octocrab_as(&standin, "test-token");
    (standin, client, number)
}

#[tokio::test]
async fn users_repos_membership_and_collaborators() {
    let (standin, client, _) = setup().await;
    let me = client.current().user().await.expect("GET /user");
    assert_eq!(me.login, "prow-bot");
    let repo = client
        .repos("example-org", "app")
        .get()
        .await
        .expect("GET repo");
    assert_eq!(repo.full_name.as_deref(), Some(REPO));
    assert_eq!(repo.default_branch.as_deref(), Some("main"));

    let org = client.orgs("example-org");
    assert!(org.check_membership("alice").await.expect("member"));
    assert!(!org.check_membership("mallory").await.expect("not a member"));

    let repos = client.repos("example-org", "app");
    assert!(repos.is_collaborator("carol").await.expect("collaborator"));
    assert!(
        !repos
            .is_collaborator("mallory")
            .await
            .expect("not a collaborator")
    );

    let missing = client
        .repos("example-org", "nope")
        .get()
        .await
        .expect_err("404");
    match missing {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(source.status_code.as_u16(), 404);
            assert_eq!(source.message, "Not Found");
        }
        other => panic!("expected GitHub's error JSON, got {other:?}"),
    }
    drop(standin);
}

#[tokio::test]
async fn comments_are_created_listed_in_pages_edited_and_deleted() {
    let (standin, client, number) = setup().await;
    let issues = client.issues("example-org", "app");
    let mut ids = Vec::new();
    for i in 0..5 {
        let comment = issues
            .create_comment(number, format!("comment {i}"))
            .await
            .expect("create");
        assert_eq!(comment.user.login, "prow-bot");
        ids.push(comment.id);
    }

    let first = issues
        .list_comments(number)
        .per_page(2)
        .send()
        .await
        .expect("page 1");
    assert_eq!(first.items.len(), 2);
    let all = client.all_pages(first).await.expect("every page");
    let bodies: Vec<String> = all.iter().filter_map(|c| c.body.clone()).collect();
    assert_eq!(
        bodies,
        [
            "comment 0",
            "comment 1",
            "comment 2",
            "comment 3",
            "comment 4"
        ]
    );

    let edited = issues.update_comment(ids[1], "edited").await.expect("edit");
    assert_eq!(edited.body.as_deref(), Some("edited"));
    issues.delete_comment(ids[0]).await.expect("delete");
    {
        let world = standin.world();
        let issue = world.issue(REPO, number).expect("pr");
        let bodies: Vec<&str> = issue.comments.iter().map(|c| c.body.as_str()).collect();
        assert_eq!(bodies, ["edited", "comment 2", "comment 3", "comment 4"]);
    }

    let blank = issues.create_comment(number, "").await.expect_err("422");
    match blank {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(source.status_code.as_u16(), 422);
            assert_eq!(source.message, "Validation Failed");
            let errors = source.errors.expect("field errors");
            assert_eq!(errors[0]["field"], "body");
        }
        other => panic!("expected a 422, got {other:?}"),
    }
}

#[tokio::test]
async fn labels_are_added_listed_and_removed_including_names_with_slashes() {
    let (standin, client, number) = setup().await;
    let issues = client.issues("example-org", "app");
    let labels = issues
        .add_labels(
            number,
            &["lgtm".to_string(), "do-not-merge/hold".to_string()],
        )
        .await
        .expect("add");
    assert_eq!(
        labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["lgtm", "do-not-merge/hold"]
    );
    let listed = issues
        .list_labels_for_issue(number)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 2);

    issues
        .remove_label(number, "do-not-merge/hold")
        .await
        .expect("remove");
    assert_eq!(
        standin.world().issue(REPO, number).expect("pr").labels,
        ["lgtm"]
    );

    let missing = issues
        .remove_label(number, "do-not-merge/hold")
        .await
        .expect_err("already gone");
    match missing {
        octocrab::Error::GitHub { source, .. } => {
            assert_eq!(source.message, "Label does not exist")
        }
        other => panic!("expected GitHub's message, got {other:?}"),
    }
}

#[tokio::test]
async fn pull_requests_and_their_files() {
    let (standin, client, number) = setup().await;
    let pull = client
        .pulls("example-org", "app")
        .get(number)
        .await
        .expect("get pr");
    let (head_sha, base_sha) = {
        let world = standin.world();
        let pr = world.pull(REPO, number).expect("is a pr");
        (pr.head_sha.clone(), pr.base_sha.clone())
    };
    assert_eq!(pull.head.sha, head_sha);
    assert_eq!(pull.base.sha, base_sha);
    assert_eq!(pull.base.ref_field, "main");
    assert_eq!(pull.user.expect("author").login, "dave");
    assert_eq!(pull.mergeable, Some(true));

    let files = client
        .pulls("example-org", "app")
        .list_files(number)
        .await
        .expect("files");
    let names: Vec<&str> = files.items.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["docs/a.md", "main.go"]);
    assert_eq!(files.items[0].additions, 2);
}

#[tokio::test]
async fn statuses_combine_per_context_on_the_commit() {
    let (standin, client, number) = setup().await;
    let sha = head_sha(&standin, REPO, number);
    let repos = client.repos("example-org", "app");
    let description = "Job succeeded. BaseSHA:0123456789abcdef0123456789abcdef01234567";
    let deck = "http://deck.example/view/1";
    // (state, context, description, target URL) of each status set, in order.
    for (state, context, said, target) in [
        (
            StatusState::Pending,
            "pull-app-unit",
            Some("Job triggered."),
            None,
        ),
        (
            StatusState::Success,
            "pull-app-unit",
            Some(description),
            Some(deck),
        ),
        (StatusState::Failure, "pull-app-lint", None, None),
    ] {
        let mut status = repos
            .create_status(sha.clone(), state)
            .context(context.to_string());
        if let Some(said) = said {
            status = status.description(said.to_string());
        }
        if let Some(target) = target {
            status = status.target(target.to_string());
        }
        status.send().await.expect(context);
    }

    let combined = repos
        .combined_status_for_ref(&Reference::Branch("feature".to_string()))
        .await
        .expect("combined");
    assert_eq!(combined.sha, sha);
    assert_eq!(combined.state, StatusState::Failure);
    assert_eq!(combined.total_count, 2);
    let unit = combined
        .statuses
        .iter()
        .find(|s| s.context.as_deref() == Some("pull-app-unit"))
        .expect("unit");
    assert_eq!(unit.state, StatusState::Success);
    assert_eq!(
        unit.description.as_deref(),
        Some(description),
        "descriptions are stored verbatim"
    );

    let unknown = repos
        .create_status("0".repeat(40), StatusState::Success)
        .send()
        .await
        .expect_err("no such commit");
    match unknown {
        octocrab::Error::GitHub { source, .. } => assert_eq!(source.status_code.as_u16(), 422),
        other => panic!("expected a 422, got {other:?}"),
    }
}

#[tokio::test]
async fn unchanged_reads_answer_304_without_spending_rate_limit() {
    let (standin, client, number) = setup().await;
    let uri = format!("{}/repos/{REPO}/issues/{number}", standin.url());
    let first = client._get(uri.as_str()).await.expect("first read");
    assert_eq!(first.status().as_u16(), 200);
    let etag = first.headers().get("etag").expect("etag").clone();
    let remaining: u64 = first.headers()["x-ratelimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();

    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::IF_NONE_MATCH, etag.clone());
    let again = client
        ._get_with_headers(uri.as_str(), Some(headers.clone()))
        .await
        .expect("conditional read");
    assert_eq!(again.status().as_u16(), 304);
    let after: u64 = again.headers()["x-ratelimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(after, remaining, "a 304 costs nothing");

    client
        .issues("example-org", "app")
        .create_comment(number, "changes the issue")
        .await
        .expect("comment");
    let changed = client
        ._get_with_headers(uri.as_str(), Some(headers))
        .await
        .expect("read after change");
    assert_eq!(changed.status().as_u16(), 200);

    let calls = standin.calls();
    let statuses: Vec<u16> = calls.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [200, 304, 201, 200]);
    assert!(
        calls
            .iter()
            .all(|c| c.uri.contains(&format!("/repos/{REPO}/issues/{number}")))
    );
}
