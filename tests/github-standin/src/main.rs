//! Runs the GitHub stand-in on its own: `github-standin [PORT]` (default: a free port), seeded
//! with an org `example-org` (member `alice`), a repo `example-org/app` and one open pull request.

use github_standin::{GitHubStandIn, World};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(0);
    let mut world = World::default();
    world
        .add_org("example-org", &["alice"])
        .add_repo("example-org/app");
    world.open_pull_request(
        "example-org/app",
        "alice",
        "feature",
        "Add a feature",
        &[("main.go", "package main\n")],
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let standin = GitHubStandIn::serve(listener, world)?;
    eprintln!("GitHub stand-in at {}", standin.url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
