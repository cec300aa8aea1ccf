//! The integration tests of `gerrit-standin`, one binary (one link) for all of them: each starts
//! the stand-in on a loopback port and speaks to it over HTTP as a Gerrit client would.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod queries;
mod resources;
mod reviews;

use gerrit_standin::{FileInfo, GerritStandIn, World, XSSI_GUARD};
use serde_json::Value;

/// A world with the bot `prow-bot`, users `alice` and `bob`, and projects `infra` and
/// `platform/build`.
pub fn world() -> World {
    let mut world = World::new("prow-bot");
    world.add_account_with("alice", "Alice Liddell", "alice@example.com");
    world.add_account("bob");
    world.add_project("infra").add_project("platform/build");
    world
}

/// Starts the stand-in with one change by alice on `infra` master; returns it and the number.
pub async fn with_one_change() -> (GerritStandIn, u64) {
    let mut world = world();
    let number = world.create_change(
        "infra",
        "master",
        "alice",
        &[("main.go", FileInfo::added())],
    );
    (GerritStandIn::start(world).await.unwrap(), number)
}

/// A response: its status and its body with Gerrit's guard checked and removed.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    async fn from(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = text
            .strip_prefix(XSSI_GUARD)
            .unwrap_or_else(|| panic!("no XSSI guard before {text:?}"))
            .to_string();
        Answer { status, body }
    }

    pub fn json(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.body);
        serde_json::from_str(&self.body).unwrap()
    }
}

pub async fn get(standin: &GerritStandIn, path: &str) -> Answer {
    let response = reqwest::get(format!("{}{path}", standin.url()))
        .await
        .unwrap();
    Answer::from(response).await
}

/// A GET under `/a/` as `user` with HTTP basic auth.
pub async fn get_as(standin: &GerritStandIn, user: &str, path: &str) -> Answer {
    let response = reqwest::Client::new()
        .get(format!("{}/a{path}", standin.url()))
        .basic_auth(user, Some("secret"))
        .send()
        .await
        .unwrap();
    Answer::from(response).await
}

/// A POST of `body`, under `/a/` as `user` when one is given, else anonymous and plain.
pub async fn post(standin: &GerritStandIn, user: Option<&str>, path: &str, body: &Value) -> Answer {
    let client = reqwest::Client::new();
    let request = match user {
        Some(user) => client
            .post(format!("{}/a{path}", standin.url()))
            .basic_auth(user, Some("secret")),
        None => client.post(format!("{}{path}", standin.url())),
    };
    Answer::from(request.json(body).send().await.unwrap()).await
}
