//! More resources through octocrab: repository contents (OWNERS files), merges that move the base
//! branch, check runs, teams, and issue creation.

use crate::support::{approve, github_status, head_sha, octocrab_as, open_docs_pull};
use github_standin::{Delivery, GitHubStandIn, World};
use octocrab::Octocrab;
use octocrab::params::pulls::MergeMethod;
use octocrab::params::repos::Commitish;

const REPO: &str = "example-org/app";

/// The stand-in serving `world`, and octocrab acting against it.
async fn serve(world: World) -> (GitHubStandIn, Octocrab) {
    let standin = GitHubStandIn::start(world).await.unwrap();
    let client = octocrab_as(&standin, "t");
    (standin, client)
}

/// The name `name` reads from each of `items`, in order.
fn names<'a, T>(items: &'a [T], name: impl Fn(&'a T) -> &'a str) -> Vec<&'a str> {
    items.iter().map(name).collect()
}

/// File `path` on `reference`, read through the contents API.
async fn content(
    repos: &octocrab::repos::RepoHandler<'_>,
    path: &str,
    reference: &str,
) -> octocrab::Result<octocrab::models::repos::ContentItems> {
    repos.get_content().path(path).r#ref(reference).send().await
}

async fn setup() -> (GitHubStandIn, Octocrab, u64) {
    let mut world = World::new("prow-bot");
    world
        .add_org("example-org", &["alice"])
        .add_repo(REPO)
        .add_team("example-org", "reviewers", &["alice", "bob"]);
    world.push(
        REPO,
        "main",
        "Add OWNERS",
        &[("OWNERS", "approvers:\n- alice\n")],
    );
    let number = open_docs_pull(&mut world, REPO);
    let (standin, client) = serve(world).await;
    (standin, client, number)
}

#[tokio::test]
async fn contents_are_read_per_branch() {
    let (_standin, client, _) = setup().await;
    let repos = client.repos("example-org", "app");
    let owners = content(&repos, "OWNERS", "main").await.unwrap();
    let file = &owners.items[0];
    assert_eq!(file.path, "OWNERS");
    assert_eq!(
        file.decoded_content().as_deref(),
        Some("approvers:\n- alice\n")
    );
    let docs = content(&repos, "docs/a.md", "feature").await.unwrap();
    assert_eq!(docs.items[0].decoded_content().as_deref(), Some("hi\n"));
    let missing = content(&repos, "docs/a.md", "main").await.unwrap_err();
    assert_eq!(github_status(&missing), Some(404), "{missing:?}");
}

#[tokio::test]
async fn merging_moves_the_base_branch_and_closes_the_pull_request() {
    let (standin, client, number) = setup().await;
    let (head, base_before) = {
        let world = standin.world();
        let pull = world.issue(REPO, number).unwrap().pull.clone().unwrap();
        (
            pull.head_sha,
            world.repo(REPO).unwrap().branches["main"].clone(),
        )
    };
    let pulls = client.pulls("example-org", "app");
    let stale = pulls
        .merge(number)
        .sha("0".repeat(40))
        .send()
        .await
        .unwrap_err();
    assert_eq!(github_status(&stale), Some(409), "{stale:?}");

    let merged = pulls
        .merge(number)
        .sha(head)
        .method(MergeMethod::Squash)
        .send()
        .await
        .unwrap();
    assert!(merged.merged);
    {
        let world = standin.world();
        let main = &world.repo(REPO).unwrap().branches["main"];
        assert_ne!(*main, base_before, "the base branch moved");
        assert_eq!(merged.sha.as_deref(), Some(main.as_str()));
        assert_eq!(
            world.file(REPO, "main", "docs/a.md").map(String::as_str),
            Some("hi\n")
        );
        let issue = world.issue(REPO, number).unwrap();
        assert!(!issue.open && issue.pull.as_ref().unwrap().merged);
    }

    let again = pulls.merge(number).send().await.unwrap_err();
    assert_eq!(github_status(&again), Some(405), "{again:?}");
    let events: Vec<String> = standin.world().outbox.iter().map(Delivery::kind).collect();
    assert!(
        events.ends_with(&["push:-".to_string(), "pull_request:closed".to_string()]),
        "{events:?}"
    );
}

#[tokio::test]
async fn check_runs_are_created_and_listed_for_a_commit() {
    let (standin, client, number) = setup().await;
    let head = head_sha(&standin, REPO, number);
    let checks = client.checks("example-org", "app");
    let created = checks
        .create_check_run("pull-app-unit", head.clone())
        .status(octocrab::params::checks::CheckRunStatus::Completed)
        .conclusion(octocrab::params::checks::CheckRunConclusion::Success)
        .details_url("http://deck.example/view/1")
        .send()
        .await
        .unwrap();
    assert_eq!(created.name, "pull-app-unit");
    let listed = checks
        .list_check_runs_for_git_ref(Commitish(head))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, 1);
    assert_eq!(
        listed.check_runs[0].details_url.as_deref(),
        Some("http://deck.example/view/1")
    );
}

#[tokio::test]
async fn teams_and_their_members() {
    let (_standin, client, _) = setup().await;
    let teams = client.teams("example-org").list().send().await.unwrap();
    assert_eq!(names(&teams.items, |t| &t.slug), ["reviewers"]);
    let members = client
        .teams("example-org")
        .members("reviewers")
        .send()
        .await
        .unwrap();
    assert_eq!(names(&members.items, |m| &m.login), ["alice", "bob"]);
}

#[tokio::test]
async fn issues_are_created_with_labels() {
    let (standin, client, _) = setup().await;
    let issue = client
        .issues("example-org", "app")
        .create("Flaky: pull-app-unit")
        .body("Seen twice.")
        .labels(vec!["kind/flake".to_string()])
        .send()
        .await
        .unwrap();
    assert_eq!(issue.title, "Flaky: pull-app-unit");
    assert_eq!(
        standin.world().issue(REPO, issue.number).unwrap().labels,
        ["kind/flake"]
    );
}

#[tokio::test]
async fn assignees_reviewers_reviews_milestones_and_edits() {
    let mut world = World::new("prow-bot");
    world
        .add_org("example-org", &["alice", "bob"])
        .add_repo(REPO);
    let milestone = world.add_milestone(REPO, "v1.0");
    let number = open_docs_pull(&mut world, REPO);
    let (standin, client) = serve(world).await;
    let issues = client.issues("example-org", "app");

    // Members can be assigned; GitHub silently drops anyone else.
    let issue = issues
        .add_assignees(number, &["alice", "mallory"])
        .await
        .unwrap();
    assert_eq!(names(&issue.assignees, |a| &a.login), ["alice"]);
    let issue = issues.remove_assignees(number, &["alice"]).await.unwrap();
    assert!(issue.assignees.is_empty());

    let pulls = client.pulls("example-org", "app");
    // octocrab types this answer as a review; GitHub sends the pull request, so read it raw.
    let pull: serde_json::Value = client
        .post(
            format!("/repos/{REPO}/pulls/{number}/requested_reviewers"),
            Some(&serde_json::json!({"reviewers": ["bob"], "team_reviewers": []})),
        )
        .await
        .unwrap();
    assert_eq!(pull["requested_reviewers"][0]["login"], "bob");
    assert_eq!(
        standin
            .world()
            .issue(REPO, number)
            .unwrap()
            .requested_reviewers,
        ["bob"]
    );
    let stranger = pulls
        .request_reviews(number, vec!["mallory".to_string()], vec![])
        .await
        .unwrap_err();
    assert_eq!(github_status(&stranger), Some(422), "{stranger:?}");

    let review = approve(&client, REPO, number, "/lgtm").await;
    assert_eq!(review["state"], "APPROVED");
    let reviews = pulls.list_reviews(number).send().await.unwrap();
    assert_eq!(reviews.items.len(), 1);
    assert_eq!(reviews.items[0].body.as_deref(), Some("/lgtm"));

    let milestones = issues.list_milestones().send().await.unwrap();
    assert_eq!(milestones.items[0].title, "v1.0");
    let edited = issues
        .update(number)
        .title("Add docs (v2)")
        .milestone(milestone)
        .send()
        .await
        .unwrap();
    assert_eq!(edited.title, "Add docs (v2)");
    assert_eq!(edited.milestone.map(|m| m.title), Some("v1.0".to_string()));
    let closed = issues
        .update(number)
        .state(octocrab::models::IssueState::Closed)
        .send()
        .await
        .unwrap();
    assert_eq!(closed.state, octocrab::models::IssueState::Closed);

    let branches = client
        .repos("example-org", "app")
        .list_branches()
        .send()
        .await
        .unwrap();
    assert_eq!(names(&branches.items, |b| &b.name), ["feature", "main"]);
    let head = head_sha(&standin, REPO, number);
    assert_eq!(branches.items[0].commit.sha, head);
}

#[tokio::test]
async fn branch_history_is_walked_through_commit_parents() {
    let (standin, client, _) = setup().await;
    let head = standin.world().repo(REPO).unwrap().branches["main"].clone();
    let mut seen = Vec::new();
    let mut next = Some(head);
    while let Some(sha) = next {
        let commit: serde_json::Value = client
            .get(format!("/repos/{REPO}/commits/{sha}"), None::<&()>)
            .await
            .unwrap();
        seen.push(commit["commit"]["message"].as_str().unwrap().to_string());
        next = commit["parents"][0]["sha"].as_str().map(str::to_string);
    }
    assert_eq!(seen, ["Add OWNERS", "Initial commit"]);
    let by_branch: serde_json::Value = client
        .get(format!("/repos/{REPO}/commits/feature"), None::<&()>)
        .await
        .unwrap();
    assert_eq!(by_branch["commit"]["message"], "Add docs");
}
