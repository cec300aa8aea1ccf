//! The org administration endpoints over raw HTTP, for what the octocrab adapter's tests do not
//! reach: GitHub's refusals and messages, pagination, branch filters, and who may change what.

use github_standin::{BranchProtection, GitHubStandIn, RequiredStatusChecks, World};
use serde_json::{Value, json};

async fn standin() -> GitHubStandIn {
    let mut world = World::new("prow-bot");
    world
        .add_org_admins("acme", &["alice", "prow-bot"])
        .add_org("acme", &["bob"])
        .add_repo("acme/widgets")
        .add_team("acme", "leads", &["alice"]);
    world.add_user("mallory");
    world.push("acme/widgets", "release", "Release", &[]);
    world.protect_branch(
        "acme/widgets",
        "release",
        BranchProtection {
            required_status_checks: Some(RequiredStatusChecks {
                strict: true,
                contexts: vec!["build".into()],
            }),
            ..BranchProtection::default()
        },
    );
    world.outbox.clear();
    GitHubStandIn::start(world).await.unwrap()
}

async fn call(
    standin: &GitHubStandIn,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let mut request = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", standin.url()))
        .header("authorization", format!("token {token}"));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let link = response
        .headers()
        .get("link")
        .map(|l| l.to_str().unwrap().to_string());
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        link,
    )
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn branches_say_whether_they_are_protected_and_filter_on_it() {
    let standin = standin().await;
    let (status, all, _) = call(&standin, "GET", "/repos/acme/widgets/branches", "x", None).await;
    assert_eq!(status, 200);
    let flags: Vec<(String, bool)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["protected"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [("main".to_string(), false), ("release".to_string(), true)]
    );
    for (filter, expected) in [("true", "release"), ("false", "main")] {
        let path = format!("/repos/acme/widgets/branches?protected={filter}");
        let (_, listed, _) = call(&standin, "GET", &path, "x", None).await;
        assert_eq!(names(&listed, "name"), [expected], "{filter}");
    }
    let (_, checks, _) = call(
        &standin,
        "GET",
        "/repos/acme/widgets/branches/release/protection/required_status_checks",
        "x",
        None,
    )
    .await;
    assert_eq!(checks["contexts"], json!(["build"]));
}

#[tokio::test]
async fn protection_is_refused_and_missing_as_github_says() {
    let standin = standin().await;
    let (status, body, _) = call(
        &standin,
        "GET",
        "/repos/acme/widgets/branches/main/protection",
        "x",
        None,
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("Branch not protected"))
    );
    let (status, body, _) = call(
        &standin,
        "GET",
        "/repos/acme/widgets/branches/nope/protection",
        "x",
        None,
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("Branch not found"))
    );
    let (status, body, _) = call(
        &standin,
        "PUT",
        "/repos/acme/widgets/branches/main/protection",
        "x",
        Some(json!({"required_status_checks": null, "enforce_admins": true, "restrictions": null})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("\"required_pull_request_reviews\" wasn't supplied."),
        "{body}"
    );
    let put = json!({
        "required_status_checks": {"strict": false, "contexts": ["ci"]},
        "enforce_admins": true,
        "required_pull_request_reviews": null,
        "restrictions": null,
    });
    // Branch protection needs admin on the repository.
    let (status, _, _) = call(
        &standin,
        "PUT",
        "/repos/acme/widgets/branches/main/protection",
        "bob",
        Some(put.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body, _) = call(
        &standin,
        "PUT",
        "/repos/acme/widgets/branches/main/protection",
        "alice",
        Some(put.clone()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["enforce_admins"]["enabled"], true);
    assert_eq!(body["required_status_checks"]["checks"][0]["context"], "ci");
    assert!(
        body.get("restrictions").is_none() && body.get("required_pull_request_reviews").is_none()
    );
    assert_eq!(
        standin
            .world()
            .branch_protection("acme/widgets", "main")
            .unwrap()
            .put_body,
        put
    );
}

#[tokio::test]
async fn members_are_paged_and_filtered_by_role() {
    let standin = standin().await;
    let (_, admins, _) = call(&standin, "GET", "/orgs/acme/members?role=admin", "x", None).await;
    assert_eq!(names(&admins, "login"), ["alice", "prow-bot"]);
    let (_, first, link) = call(&standin, "GET", "/orgs/acme/members?per_page=2", "x", None).await;
    assert_eq!(names(&first, "login"), ["alice", "bob"]);
    let link = link.unwrap();
    assert!(link.contains("page=2>; rel=\"next\""), "{link}");
    let (_, second, _) = call(
        &standin,
        "GET",
        "/orgs/acme/members?per_page=2&page=2",
        "x",
        None,
    )
    .await;
    assert_eq!(names(&second, "login"), ["prow-bot"]);
}

#[tokio::test]
async fn teams_get_github_slugs_and_their_creator_as_maintainer() {
    let standin = standin().await;
    let (status, team, _) = call(
        &standin,
        "POST",
        "/orgs/acme/teams",
        "x",
        Some(json!({"name": "Release Managers!", "privacy": "closed"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(team["slug"], "release-managers");
    assert_eq!(
        standin.world().orgs["acme"].teams["release-managers"]
            .maintainers
            .iter()
            .collect::<Vec<_>>(),
        ["prow-bot"]
    );
    let (status, body, _) = call(
        &standin,
        "POST",
        "/orgs/acme/teams",
        "x",
        Some(json!({"name": "release managers"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    // Someone who is not an admin of the org may not make teams.
    let (status, _, _) = call(
        &standin,
        "POST",
        "/orgs/acme/teams",
        "bob",
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(status, 403);
    // A secret team cannot be nested.
    let leads = standin.world().orgs["acme"].teams["leads"].id;
    let (status, _, _) = call(
        &standin,
        "POST",
        "/orgs/acme/teams",
        "x",
        Some(json!({"name": "Hidden", "privacy": "secret", "parent_team_id": leads})),
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn team_access_grants_repository_permission() {
    let standin = standin().await;
    let (status, _, _) = call(
        &standin,
        "PUT",
        "/orgs/acme/teams/leads/repos/acme/widgets",
        "x",
        Some(json!({"permission": "maintain"})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, permission, _) = call(
        &standin,
        "GET",
        "/repos/acme/widgets/collaborators/alice/permission",
        "x",
        None,
    )
    .await;
    // alice administers the org, which outranks her team's access.
    assert_eq!(permission["permission"], "admin");
    standin.world().add_team("acme", "leads", &["bob"]);
    let (_, permission, _) = call(
        &standin,
        "GET",
        "/repos/acme/widgets/collaborators/bob/permission",
        "x",
        None,
    )
    .await;
    assert_eq!(permission["permission"], "maintain");
    let (_, repos, _) = call(&standin, "GET", "/orgs/acme/teams/leads/repos", "x", None).await;
    assert_eq!(repos[0]["permissions"]["maintain"], true);
    assert_eq!(repos[0]["permissions"]["admin"], false);
}

#[tokio::test]
async fn renaming_a_repository_moves_it() {
    let standin = standin().await;
    let (status, repo, _) = call(
        &standin,
        "PATCH",
        "/repos/acme/widgets",
        "x",
        Some(json!({"name": "gadgets", "visibility": "internal"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            repo["full_name"].as_str(),
            repo["visibility"].as_str(),
            repo["private"].as_bool()
        ),
        (Some("acme/gadgets"), Some("internal"), Some(true))
    );
    let world = standin.world();
    assert!(world.repo("acme/widgets").is_none());
    assert!(world.branch_protection("acme/gadgets", "release").is_some());
}
