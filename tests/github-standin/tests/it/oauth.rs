//! GitHub's OAuth web flow: the sign-in page, the redirect with a code, the code exchange, and
//! the user access token acting as the person who signed in.

use github_standin::{GitHubStandIn, World};
use serde_json::Value;

async fn standin() -> GitHubStandIn {
    let mut world = World::new("prow-bot");
    world.add_user("alice");
    world.add_org("example-org", &["alice"]);
    world.add_oauth_app("deck-client", "deck-secret", "Prow deck");
    GitHubStandIn::start(world).await.unwrap()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Submits deck's sign-in form as `login`, asking to be sent back to `redirect_uri`.
async fn sign_in(
    http: &reqwest::Client,
    standin: &GitHubStandIn,
    redirect_uri: &str,
    state: &str,
    login: &str,
) -> reqwest::Response {
    http.post(format!("{}/login/oauth/authorize", standin.url()))
        .form(&[
            ("client_id", "deck-client"),
            ("redirect_uri", redirect_uri),
            ("state", state),
            ("login", login),
        ])
        .send()
        .await
        .unwrap()
}

async fn exchange(standin: &GitHubStandIn, secret: &str, code: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{}/login/oauth/access_token", standin.url()))
        .header("accept", "application/json")
        .form(&[
            ("client_id", "deck-client"),
            ("client_secret", secret),
            ("code", code),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_person_signs_in_and_the_app_acts_as_them() {
    let standin = standin().await;
    let http = no_redirects();
    let authorize = format!(
        "{}/login/oauth/authorize?client_id=deck-client&redirect_uri=http://deck.example/github-login/redirect&state=s1",
        standin.url()
    );
    let page = http
        .get(&authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("to continue to <strong>Prow deck</strong>"),
        "{page}"
    );

    let redirect = "http://deck.example/github-login/redirect";
    let signed_in = sign_in(&http, &standin, redirect, "s1", "alice").await;
    assert!(signed_in.status().is_redirection());
    let location = signed_in.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        location.starts_with("http://deck.example/github-login/redirect?code="),
        "{location}"
    );
    assert!(location.ends_with("&state=s1"), "{location}");
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();

    let refused = exchange(&standin, "wrong-secret", &code).await;
    assert_eq!(refused["error"], "incorrect_client_credentials");
    let token = exchange(&standin, "deck-secret", &code).await;
    let token = token["access_token"].as_str().unwrap().to_string();
    let again = exchange(&standin, "deck-secret", &code).await;
    assert_eq!(
        again["error"], "bad_verification_code",
        "a code is used once"
    );

    let user: Value = reqwest::Client::new()
        .get(format!("{}/user", standin.url()))
        .header("authorization", format!("token {token}"))
        .header("user-agent", "test")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user["login"], "alice");
}

#[tokio::test]
async fn strangers_and_unknown_apps_are_refused() {
    let standin = standin().await;
    let http = no_redirects();
    let stranger = sign_in(&http, &standin, "http://x/cb", "s", "nobody").await;
    assert_eq!(stranger.status(), 200);
    assert!(
        stranger
            .text()
            .await
            .unwrap()
            .contains("Incorrect username or password.")
    );
    let unknown = http
        .get(format!(
            "{}/login/oauth/authorize?client_id=nope&redirect_uri=http://x/cb",
            standin.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        exchange(&standin, "deck-secret", "code-made-up").await["error"],
        "bad_verification_code"
    );
}
