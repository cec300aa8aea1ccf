//! GitHub App authentication through octocrab: a JWT signed with the app's private key (checked
//! against its public key), its installations, and installation tokens used for API calls.

use github_standin::{GitHubStandIn, World};
use octocrab::Octocrab;
use octocrab::models::{AppId, InstallationId};
use std::process::Command;

/// An RSA key pair made by openssl: (private PEM, public PEM).
fn key_pair(dir: &std::path::Path, name: &str) -> (String, String) {
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    let status = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&private)
        .arg("2048")
        .output()
        .expect("openssl runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let status = Command::new("openssl")
        .args(["rsa", "-pubout", "-in"])
        .arg(&private)
        .arg("-out")
        .arg(&public)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    (
        std::fs::read_to_string(private).unwrap(),
        std::fs::read_to_string(public).unwrap(),
    )
}

fn app_client(standin: &GitHubStandIn, private_pem: &str) -> Octocrab {
    Octocrab::builder()
        .base_uri(standin.url())
        .unwrap()
        .app(
            AppId(4242),
            octocrab::EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap(),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_app_authenticates_lists_installations_and_acts_through_installation_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = key_pair(dir.path(), "app");
    let (impostor, _) = key_pair(dir.path(), "impostor");
    let mut world = World::new("prow-bot");
    world
        .add_org("example-org", &[])
        .add_repo("example-org/app");
    let number = world.open_issue("example-org/app", "alice", "Hello");
    let installations = world.add_app(4242, "prow-app", &public, &["example-org"]);
    let standin = GitHubStandIn::start(world).await.unwrap();

    let app = app_client(&standin, &private);
    let me = app.current().app().await.unwrap();
    assert_eq!(me.slug.as_deref(), Some("prow-app"));
    let listed = app.apps().installations().send().await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].id, InstallationId(installations[0]));
    assert_eq!(listed.items[0].account.login, "example-org");

    let installation = app.installation(InstallationId(installations[0])).unwrap();
    installation
        .issues("example-org", "app")
        .create_comment(number, "from the app")
        .await
        .unwrap();
    let calls = standin.calls();
    let token_call = calls
        .iter()
        .find(|c| c.uri.ends_with("/access_tokens"))
        .expect("a token was requested");
    assert_eq!(token_call.status, 201);
    let comment_call = calls
        .iter()
        .find(|c| c.method == "POST" && c.uri.ends_with("/comments"))
        .expect("comment posted");
    assert_eq!(
        comment_call.installation,
        Some(installations[0]),
        "the comment was authorized by the installation token"
    );

    // A JWT signed with another key is refused.
    let wrong = app_client(&standin, &impostor);
    let refused = wrong.current().app().await.unwrap_err();
    assert!(
        matches!(refused, octocrab::Error::GitHub { ref source, .. } if source.status_code.as_u16() == 401),
        "{refused:?}"
    );
}
