//! Runs the GitHub stand-in on its own: `github-standin [PORT]` serves a demo world;
//! `github-standin --world world.yaml --webhook-url URL --hmac-secret-file F [--port P] [--bot LOGIN]`
//! serves a sandbox (see `github_standin::cli`).

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = github_standin::cli::Args::parse();
    // Logs (webhook deliveries) go to stderr, readable by a person; RUST_LOG tunes them.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    github_standin::cli::run(args).await
}
