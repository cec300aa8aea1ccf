//! What the integration tests share: an octocrab client, pull request heads, GitHub's error
//! statuses, and the parts of a webhook receiver.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use github_standin::{GitHubStandIn, World};
use octocrab::Octocrab;

/// dave's pull request into `repo` adding `docs/a.md` from branch `feature`; its number.
pub fn open_docs_pull(world: &mut World, repo: &str) -> u64 {
    let files = [("docs/a.md", "hi\n")];
    world.open_pull_request(repo, "dave", "feature", "Add docs", &files)
}

/// octocrab, unchanged but for its base URL, acting as the user `token` names.
pub fn octocrab_as(standin: &GitHubStandIn, token: &str) -> Octocrab {
    Octocrab::builder()
        .base_uri(standin.url())
        .expect("base uri")
        .personal_token(token.to_string())
        .build()
        .expect("client")
}

/// The head SHA of pull request `number` in `repo`.
pub fn head_sha(standin: &GitHubStandIn, repo: &str, number: u64) -> String {
    standin
        .world()
        .pull(repo, number)
        .expect("a pull request")
        .head_sha
        .clone()
}

/// Approves pull request `number` of `repo` with a review saying `body`; the review as JSON
/// (octocrab's typed call does not take GitHub's answer).
pub async fn approve(client: &Octocrab, repo: &str, number: u64, body: &str) -> serde_json::Value {
    let review = serde_json::json!({"event": "APPROVE", "body": body});
    let path = format!("/repos/{repo}/pulls/{number}/reviews");
    client.post(path, Some(&review)).await.unwrap()
}

/// The HTTP status of GitHub's error JSON, when `error` is one.
pub fn github_status(error: &octocrab::Error) -> Option<u16> {
    match error {
        octocrab::Error::GitHub { source, .. } => Some(source.status_code.as_u16()),
        _ => None,
    }
}

/// Header `name` of a delivery as text; empty when it is missing.
pub fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Serves `POST /hook` on a free port of 127.0.0.1, answering each delivery with what `take`
/// makes of its headers and body: the hook's URL and the server's task.
pub async fn serve_hook(
    take: impl Fn(&HeaderMap, &[u8]) -> StatusCode + Clone + Send + Sync + 'static,
) -> (String, tokio::task::JoinHandle<()>) {
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| std::future::ready(take(&headers, &body))),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, server)
}
