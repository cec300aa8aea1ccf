//! The `github-standin` command: a GitHub stand-in to run on its own.
//!
//! `github-standin [PORT]` serves a small demo world (as it always has). With `--world`, it
//! serves the world a file describes; with `--webhook-url` and `--hmac-secret-file` it delivers
//! webhooks there in the background as things happen, which makes it a sandbox for
//! `prow local`.

use crate::{DeliveryPolicy, GitHubStandIn, World};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The command's flags.
#[derive(Debug, clap::Parser)]
#[command(
    name = "github-standin",
    about = "A stateful GitHub stand-in to run on its own"
)]
pub struct Args {
    /// The world to serve (YAML; see the crate's documentation). Default: a small demo world.
    #[arg(long)]
    pub world: Option<PathBuf>,
    /// Where webhooks are delivered (e.g. prow local's `http://127.0.0.1:8080/hook`).
    #[arg(long = "webhook-url", requires = "hmac_secret_file")]
    pub webhook_url: Option<String>,
    /// The HMAC secret webhooks are signed with: one token, or upstream's scoped YAML form
    /// (its first token is used).
    #[arg(long = "hmac-secret-file")]
    pub hmac_secret_file: Option<PathBuf>,
    /// The port to serve on, on 127.0.0.1 (0: a free one; the URL is printed).
    #[arg(long)]
    pub port: Option<u16>,
    /// The bot's login (overrides the world file's `bot:`; default prow-bot).
    #[arg(long)]
    pub bot: Option<String>,
    /// A file holding the bot's token: only it acts as the bot, and tokens that name nobody are
    /// refused with 401. Without it any such token acts as the bot.
    #[arg(long = "bot-token-file")]
    pub bot_token_file: Option<PathBuf>,
    /// The core rate limit a window (an hour) gives: calls beyond it are refused with GitHub's 403
    /// until the window resets. Raise it for load runs that are not about the budget.
    #[arg(long = "rate-limit", default_value_t = 5000)]
    pub rate_limit: u64,
    /// Attempts per webhook before it is given up.
    #[arg(long = "delivery-attempts", default_value_t = DeliveryPolicy::default().max_attempts)]
    pub delivery_attempts: u32,
    /// The port, as the first argument (the original form, `github-standin 8888`).
    #[arg(hide = true, conflicts_with = "port")]
    pub legacy_port: Option<u16>,
}

/// The world the no-argument form has always served: an org `example-org` (member `alice`), a
/// repo `example-org/app` and one open pull request.
pub fn demo_world(bot: Option<&str>) -> World {
    let mut world = World::new(bot.unwrap_or("prow-bot"));
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
    world
}

/// A secret file's token: the whole file trimmed, or the first `value` of upstream's scoped
/// form (`'*': [{value: …}]`), which hook also reads.
fn read_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    #[derive(serde::Deserialize)]
    struct Scoped {
        value: String,
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the HMAC secret file {}", path.display()))?;
    let scoped = serde_saphyr::from_str::<std::collections::BTreeMap<String, Vec<Scoped>>>(&text)
        .ok()
        .and_then(|scopes| {
            scopes
                .into_values()
                .flatten()
                .map(|t| t.value)
                .find(|v| !v.is_empty())
        });
    let secret = scoped.unwrap_or_else(|| text.trim().to_string());
    anyhow::ensure!(
        !secret.is_empty(),
        "the HMAC secret file {} is empty",
        path.display()
    );
    Ok(secret.into_bytes())
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut world = match &args.world {
        Some(path) => World::from_world_file(path, args.bot.as_deref())?,
        None => demo_world(args.bot.as_deref()),
    };
    if let Some(path) = &args.bot_token_file {
        let token = std::fs::read_to_string(path)
            .with_context(|| format!("reading the bot token file {}", path.display()))?;
        let token = token.trim();
        anyhow::ensure!(
            !token.is_empty(),
            "the bot token file {} is empty",
            path.display()
        );
        anyhow::ensure!(
            !world.users.contains_key(token) || token == world.bot,
            "the bot token in {} is a user's login, so it would act as that user",
            path.display()
        );
        world.bot_tokens.insert(token.to_string());
    }
    world.rate_limit = args.rate_limit;
    world.rate_limit_remaining = args.rate_limit;
    // What the world starts with happened before anyone listened.
    world.outbox.clear();
    let secret = args
        .hmac_secret_file
        .as_deref()
        .map(read_secret)
        .transpose()?;
    let port = args.port.or(args.legacy_port).unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    let bot = world.bot.clone();
    let mut standin = GitHubStandIn::serve(listener, world)?;
    // Scripts and tests read the address from this line.
    eprintln!("GitHub stand-in at {}", standin.url());
    eprintln!(
        "  acting as {bot} for the bot's token; `Authorization: token <login>` acts as a user"
    );
    if let (Some(url), Some(secret)) = (&args.webhook_url, &secret) {
        let policy = DeliveryPolicy {
            max_attempts: args.delivery_attempts.max(1),
            ..DeliveryPolicy::default()
        };
        standin.deliver_in_background(url, secret, policy);
        eprintln!(
            "  delivering webhooks to {url} (attempts: {}/_standin/deliveries)",
            standin.url()
        );
    }
    shutdown().await
}

async fn shutdown() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("listening for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C"),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")
    }
}
