//! The flags every function takes, with upstream Prow's names, and the adapters they describe.

use anyhow::Context;
use prow_github_octocrab::{Credentials, GitHubOptions, OctocrabGitHub, Priority};
use prow_metrics::Metrics;
use prow_ports::clock::Clock;
use prow_ports::github_cache::{MemoryResponseCache, ResponseCache};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug, Default, clap::Parser)]
#[command(about = "A Prow function; see the project README.")]
pub struct CommonArgs {
    /// Path to config.yaml.
    #[arg(
        long = "config-path",
        env = "PROW_CONFIG_PATH",
        default_value = "/etc/config/config.yaml"
    )]
    pub config_path: PathBuf,
    /// Path to the job config directory (or a single file).
    #[arg(long = "job-config-path", env = "PROW_JOB_CONFIG_PATH")]
    pub job_config_path: Option<PathBuf>,
    /// Path to plugins.yaml.
    #[arg(long = "plugin-config", env = "PROW_PLUGIN_CONFIG")]
    pub plugin_config: Option<PathBuf>,
    /// A prepared form of the job configuration (written by `prow checkconfig --write-prepared`,
    /// or by a function that finds it missing or stale): when it matches the configuration
    /// files, jobs are decoded from it as they are needed instead of parsed from YAML at start.
    #[arg(long = "prepared-config", env = "PROW_PREPARED_CONFIG")]
    pub prepared_config: Option<PathBuf>,
    /// Path to the webhook HMAC secret file (hook).
    #[arg(long = "hmac-secret-file", default_value = "/etc/webhook/hmac")]
    pub hmac_secret_file: PathBuf,
    /// Path to a GitHub token (PAT auth).
    #[arg(long = "github-token-path")]
    pub github_token_path: Option<PathBuf>,
    /// GitHub App id (App auth, with --github-app-private-key-path; the manifests take it from the
    /// optional Secret `github-app` through `$PROW_GITHUB_APP_ID`).
    #[arg(long = "github-app-id", env = "PROW_GITHUB_APP_ID")]
    pub github_app_id: Option<String>,
    /// Path to the GitHub App's private key.
    #[arg(long = "github-app-private-key-path")]
    pub github_app_private_key_path: Option<PathBuf>,
    /// GitHub API endpoint.
    #[arg(long = "github-endpoint", default_value = "https://api.github.com")]
    pub github_endpoint: String,
    /// Where GitHub answers are kept for conditional reads: `memory` (this instance only), or a
    /// Redis or Valkey URL (`redis://host:6379/0`) that every function and instance shares, so
    /// repeated reads cost no rate limit (upstream gets this from ghproxy). A store that is down
    /// only makes reads unconditional.
    #[arg(
        long = "github-cache",
        env = "PROW_GITHUB_CACHE",
        default_value = "memory"
    )]
    pub github_cache: String,
    /// A kubeconfig whose contexts are build clusters (controller, sinker); with neither this
    /// nor --kubeconfig-dir, the cluster the function runs in.
    #[arg(long = "kubeconfig")]
    pub kubeconfig: Option<PathBuf>,
    /// A folder of kubeconfig files (a mounted Secret); every context is a build cluster.
    #[arg(long = "kubeconfig-dir")]
    pub kubeconfig_dir: Option<PathBuf>,
    /// Only files in --kubeconfig-dir ending with this suffix are read.
    #[arg(long = "kubeconfig-suffix")]
    pub kubeconfig_suffix: Option<String>,
    /// Read, decide and log, but change nothing outside.
    #[arg(long = "dry-run", default_value_t = false)]
    pub dry_run: bool,
    /// How to reach S3-compatible buckets (upstream's JSON credentials file: tide's records,
    /// deck's artifacts); without it, the AWS default chain.
    #[arg(long = "s3-credentials-file")]
    pub s3_credentials_file: Option<PathBuf>,
    /// Gerrit credentials (upstream's name): `user:password`, or a cookie file whose last field
    /// is the token (the Gerrit adapter, crier's Gerrit reporter).
    #[arg(long = "cookiefile")]
    pub cookiefile: Option<PathBuf>,
    /// Where the Gerrit adapter keeps each project's last sync: `s3://bucket` or a folder
    /// (upstream's flag; its `gs://` is not supported).
    #[arg(long = "last-sync-fallback")]
    pub last_sync_fallback: Option<String>,
    #[command(flatten)]
    pub reporters: ReporterArgs,
    #[command(flatten)]
    pub tide: TideArgs,
    #[command(flatten)]
    pub deck: DeckArgs,
    #[command(flatten)]
    pub hook: HookArgs,
}

/// hook's flags for webhook recovery (no upstream Prow has it, so the names are ours).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct HookArgs {
    /// Where hook records each delivery it handed on, and the reconciler what it decided:
    /// `s3://bucket/prefix` or a folder. Without it nothing is recorded and `POST /redeliver`
    /// does nothing.
    #[arg(long = "delivery-records")]
    pub delivery_records: Option<String>,
    /// A webhook whose lost deliveries `POST /redeliver` asks GitHub to send again, in GitHub's
    /// path form: `app` (the GitHub App's), `repos/OWNER/REPO/hooks/ID` or `orgs/ORG/hooks/ID`.
    /// Repeatable. Default: `app` with App credentials, none with a token.
    #[arg(long = "redeliver-hook")]
    pub redeliver_hooks: Vec<String>,
    /// How far back deliveries may be redelivered (`6h`, `90m`).
    #[arg(long = "redeliver-lookback", default_value = "6h")]
    pub redeliver_lookback: String,
    /// How old a delivery must be before it is judged (hook may still be handing it on).
    #[arg(long = "redeliver-settle", default_value = "2m")]
    pub redeliver_settle: String,
    /// How many times one webhook is asked for again at most (each failed redelivery is judged
    /// again a run later, so an outage of about this many runs is bridged).
    #[arg(long = "redeliver-max", default_value_t = 5)]
    pub redeliver_max: u32,
    /// The least time between two reconciler runs (`POST /redeliver` is as public as `/hook`).
    #[arg(long = "redeliver-min-interval", default_value = "20s")]
    pub redeliver_min_interval: String,
}

/// tide's flags, with upstream tide's names.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct TideArgs {
    /// Where tide keeps its pools and their history for deck: `s3://bucket/prefix`, or a local
    /// folder (`file:///path` or `/path`). Upstream's flag names one object; here it names the
    /// place the objects go.
    #[arg(long = "history-uri")]
    pub history_uri: Option<String>,
}

/// deck's flags, with upstream deck's names.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct DeckArgs {
    /// Where tide serves its pools (`GET /`) and history (`GET /history`); without it the tide
    /// pages say tide is not connected.
    #[arg(long = "tide-url")]
    pub tide_url: Option<String>,
    /// Where hook serves `/plugin-help`, for command help.
    #[arg(long = "hook-url")]
    pub hook_url: Option<String>,
    /// Show hidden jobs and repositories too (an internal deck).
    #[arg(long = "show-hidden", default_value_t = false)]
    pub show_hidden: bool,
    /// The GitHub OAuth App people sign in with (JSON or YAML: client_id, client_secret,
    /// redirect_url, final_redirect_url, scopes; web_url for GitHub Enterprise).
    #[arg(long = "github-oauth-config-file")]
    pub github_oauth_config_file: Option<PathBuf>,
    /// A file holding the secret (32 bytes or more) sessions and CSRF tokens are signed with.
    #[arg(long = "cookie-secret")]
    pub cookie_secret: Option<PathBuf>,
    /// `POST /rerun` creates the rerun (otherwise deck only shows it).
    #[arg(long = "rerun-creates-job", default_value_t = false)]
    pub rerun_creates_job: bool,
}

/// crier's flags, with upstream crier's names: a reporter runs when its `--*-workers` is above
/// zero (a function scales by instances, so the number itself only switches it on).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ReporterArgs {
    /// Report to GitHub (commit statuses and the failure comment) when above zero.
    #[arg(long = "github-workers", default_value_t = 0)]
    pub github_workers: u32,
    /// Publish to Pub/Sub for jobs labelled with a project and topic when above zero.
    #[arg(long = "pubsub-workers", default_value_t = 0)]
    pub pubsub_workers: u32,
    /// Post to Slack per `slack_reporter_configs` when above zero.
    #[arg(long = "slack-workers", default_value_t = 0)]
    pub slack_workers: u32,
    /// Review Gerrit changes (summary and vote) for the Gerrit adapter's jobs when above zero
    /// (credentials from `--cookiefile`).
    #[arg(long = "gerrit-workers", default_value_t = 0)]
    pub gerrit_workers: u32,
    /// The Slack token of the default host (`*`).
    #[arg(long = "slack-token-file")]
    pub slack_token_file: Option<PathBuf>,
    /// `host=path`: the token of another Slack workspace; repeat for each.
    #[arg(long = "additional-slack-token-files")]
    pub additional_slack_token_files: Vec<String>,
    /// Slack's Web API base URL.
    #[arg(long = "slack-endpoint", default_value = "https://slack.com/api")]
    pub slack_endpoint: String,
    /// Only report jobs run by this agent (GitHub and Slack), as upstream.
    #[arg(long = "report-agent")]
    pub report_agent: Option<String>,
    /// How results show on GitHub: `statuses` (as upstream; tide reads them), `check-runs`
    /// (needs a GitHub App), or `both`.
    #[arg(long = "github-report-as", default_value = "statuses")]
    pub github_report_as: String,
}

impl CommonArgs {
    pub fn config_paths(&self) -> prow_config::ConfigPaths {
        prow_config::ConfigPaths {
            config_path: self.config_path.clone(),
            job_config_path: self.job_config_path.clone(),
            plugin_config: self.plugin_config.clone(),
        }
    }
}

impl CommonArgs {
    /// The GitHub client the flags describe (`--github-endpoint`, `--github-token-path` or
    /// `--github-app-id` with `--github-app-private-key-path`, `--dry-run`), counting its calls as
    /// `component`; `None` when no credentials are given. Credentials are read now; GitHub is first
    /// called on use.
    pub fn github(
        &self,
        component: &str,
        clock: Arc<dyn Clock>,
        metrics: &Metrics,
    ) -> anyhow::Result<Option<OctocrabGitHub>> {
        if self.github_token_path.is_none() && self.github_app_id.is_none() {
            return Ok(None);
        }
        let credentials = Credentials::from_flags(
            self.github_token_path.as_deref(),
            self.github_app_id.as_deref(),
            self.github_app_private_key_path.as_deref(),
        )
        .context("reading the GitHub credentials")?;
        let client = OctocrabGitHub::new(
            GitHubOptions {
                dry_run: self.dry_run,
                cache: self.github_cache()?,
                priority: priority_of(component),
                ..GitHubOptions::new(&self.github_endpoint, credentials, component, clock)
            },
            metrics,
        )
        .context("making the GitHub client")?;
        Ok(Some(client))
    }

    /// The response cache `--github-cache` names.
    fn github_cache(&self) -> anyhow::Result<Arc<dyn ResponseCache>> {
        let value = self.github_cache.trim();
        if value == "memory" {
            return Ok(Arc::new(MemoryResponseCache::default()));
        }
        if value.starts_with("redis://") || value.starts_with("rediss://") {
            let cache = prow_redis::RedisResponseCache::new(prow_redis::RedisOptions::new(value))
                .context("--github-cache")?;
            return Ok(Arc::new(cache));
        }
        anyhow::bail!(
            "--github-cache must be `memory` or a redis:// URL, not {:?}",
            value.split('@').next_back().unwrap_or_default()
        )
    }
}

/// Whose calls come first when the budget runs low: replies to webhooks, then tide's syncs, then
/// background sweeps.
fn priority_of(component: &str) -> Priority {
    match component {
        "tide" => Priority::Sync,
        "hook" | "trigger" | "crier" | "deck" | "prow-local" => Priority::Interactive,
        _ => Priority::Sweep,
    }
}
