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

/// What the stand-in answered: the status, the JSON body (`null` when there is none) and the
/// `Link` header.
struct Answer {
    status: u16,
    body: Value,
    link: Option<String>,
}

/// `method path` as the user `token` names, with `body` as JSON.
async fn call(
    standin: &GitHubStandIn,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", standin.url()))
        .header("authorization", format!("token {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let link = response.headers().get("link");
    let link = link.map(|l| l.to_str().unwrap().to_string());
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, body, link }
}

/// `GET path` as the bot.
async fn get(standin: &GitHubStandIn, path: &str) -> Answer {
    call(standin, "GET", path, "x", None).await
}

/// GitHub's error message in an answer.
fn message(answer: &Answer) -> (u16, Option<&str>) {
    (answer.status, answer.body["message"].as_str())
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
    let all = get(&standin, "/repos/acme/widgets/branches").await;
    assert_eq!(all.status, 200);
    let flags: Vec<(String, bool)> = all
        .body
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
        let listed = get(&standin, &path).await;
        assert_eq!(names(&listed.body, "name"), [expected], "{filter}");
    }
    let checks_path = "/repos/acme/widgets/branches/release/protection/required_status_checks";
    let checks = get(&standin, checks_path).await;
    assert_eq!(checks.body["contexts"], json!(["build"]));
}

#[tokio::test]
async fn protection_is_refused_and_missing_as_github_says() {
    let standin = standin().await;
    let main = "/repos/acme/widgets/branches/main/protection";
    let nope = "/repos/acme/widgets/branches/nope/protection";
    for (path, expected) in [(main, "Branch not protected"), (nope, "Branch not found")] {
        let answer = get(&standin, path).await;
        assert_eq!(message(&answer), (404, Some(expected)), "{path}");
    }
    let partial =
        json!({"required_status_checks": null, "enforce_admins": true, "restrictions": null});
    let refused = call(&standin, "PUT", main, "x", Some(partial)).await;
    assert_eq!(refused.status, 422);
    let (_, refusal) = message(&refused);
    assert!(
        refusal
            .unwrap()
            .contains("\"required_pull_request_reviews\" wasn't supplied."),
        "{}",
        refused.body
    );
    let put = json!({
        "required_status_checks": {"strict": false, "contexts": ["ci"]},
        "enforce_admins": true,
        "required_pull_request_reviews": null,
        "restrictions": null,
    });
    // Branch protection needs admin on the repository.
    let forbidden = call(&standin, "PUT", main, "bob", Some(put.clone())).await;
    assert_eq!(forbidden.status, 403);
    let Answer { status, body, .. } = call(&standin, "PUT", main, "alice", Some(put.clone())).await;
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
    let admins = get(&standin, "/orgs/acme/members?role=admin").await;
    assert_eq!(names(&admins.body, "login"), ["alice", "prow-bot"]);
    let first = get(&standin, "/orgs/acme/members?per_page=2").await;
    assert_eq!(names(&first.body, "login"), ["alice", "bob"]);
    let link = first.link.unwrap();
    assert!(link.contains("page=2>; rel=\"next\""), "{link}");
    let second = get(&standin, "/orgs/acme/members?per_page=2&page=2").await;
    assert_eq!(names(&second.body, "login"), ["prow-bot"]);
}

#[tokio::test]
async fn teams_get_github_slugs_and_their_creator_as_maintainer() {
    let standin = standin().await;
    let create = |token: &'static str, team: Value| {
        call(&standin, "POST", "/orgs/acme/teams", token, Some(team))
    };
    let team = create(
        "x",
        json!({"name": "Release Managers!", "privacy": "closed"}),
    )
    .await;
    assert_eq!(team.status, 201);
    assert_eq!(team.body["slug"], "release-managers");
    assert_eq!(
        standin.world().orgs["acme"].teams["release-managers"]
            .maintainers
            .iter()
            .collect::<Vec<_>>(),
        ["prow-bot"]
    );
    let taken = create("x", json!({"name": "release managers"})).await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    // Someone who is not an admin of the org may not make teams.
    let forbidden = create("bob", json!({"name": "Mine"})).await;
    assert_eq!(forbidden.status, 403);
    // A secret team cannot be nested.
    let leads = standin.world().orgs["acme"].teams["leads"].id;
    let nested = json!({"name": "Hidden", "privacy": "secret", "parent_team_id": leads});
    assert_eq!(create("x", nested).await.status, 422);
}

#[tokio::test]
async fn team_access_grants_repository_permission() {
    let standin = standin().await;
    let server = &standin;
    let permission_of = |login: &str| {
        let path = format!("/repos/acme/widgets/collaborators/{login}/permission");
        async move { get(server, &path).await.body["permission"].clone() }
    };
    let maintain = Some(json!({"permission": "maintain"}));
    let path = "/orgs/acme/teams/leads/repos/acme/widgets";
    let granted = call(&standin, "PUT", path, "x", maintain).await;
    assert_eq!(granted.status, 204);
    // alice administers the org, which outranks her team's access.
    assert_eq!(permission_of("alice").await, "admin");
    standin.world().add_team("acme", "leads", &["bob"]);
    assert_eq!(permission_of("bob").await, "maintain");
    let repos = get(&standin, "/orgs/acme/teams/leads/repos").await.body;
    assert_eq!(repos[0]["permissions"]["maintain"], true);
    assert_eq!(repos[0]["permissions"]["admin"], false);
}

#[tokio::test]
async fn renaming_a_repository_moves_it() {
    let standin = standin().await;
    let change = json!({"name": "gadgets", "visibility": "internal"});
    let Answer { status, body, .. } =
        call(&standin, "PATCH", "/repos/acme/widgets", "x", Some(change)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            body["full_name"].as_str(),
            body["visibility"].as_str(),
            body["private"].as_bool()
        ),
        (Some("acme/gadgets"), Some("internal"), Some(true))
    );
    let world = standin.world();
    assert!(world.repo("acme/widgets").is_none());
    assert!(world.branch_protection("acme/gadgets", "release").is_some());
}
