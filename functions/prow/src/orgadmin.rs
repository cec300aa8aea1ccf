//! `prow branchprotector` and `prow peribolos`: upstream's org administration commands, with
//! upstream's flags. Both read GitHub, print the plan (one change a line), and change GitHub
//! only with `--confirm`; both exit non-zero when anything was refused or failed.

use anyhow::Context;
use prow_github_octocrab::{Credentials, GitHubOptions, OctocrabGitHub, Priority};
use prow_orgadmin::{branchprotector, peribolos};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// How to reach GitHub, as upstream's GitHub flags say it.
#[derive(Clone, Debug, clap::Args)]
pub struct GitHubArgs {
    /// GitHub API endpoint.
    #[arg(long = "github-endpoint", default_value = "https://api.github.com")]
    pub github_endpoint: String,
    /// Path to a GitHub token (needs `admin:org` for peribolos, repository admin for
    /// branchprotector).
    #[arg(long = "github-token-path")]
    pub github_token_path: Option<PathBuf>,
    /// GitHub App id (with --github-app-private-key-path).
    #[arg(long = "github-app-id")]
    pub github_app_id: Option<String>,
    #[arg(long = "github-app-private-key-path")]
    pub github_app_private_key_path: Option<PathBuf>,
}

impl GitHubArgs {
    /// The client; without `confirm` it only reads (a write is logged and not sent).
    fn client(&self, component: &str, confirm: bool) -> anyhow::Result<OctocrabGitHub> {
        let credentials = Credentials::from_flags(
            self.github_token_path.as_deref(),
            self.github_app_id.as_deref(),
            self.github_app_private_key_path.as_deref(),
        )
        .context("reading the GitHub credentials (--github-token-path or --github-app-id)")?;
        let clock = Arc::new(prow_ports::clock::SystemClock);
        OctocrabGitHub::new(
            GitHubOptions {
                dry_run: !confirm,
                priority: Priority::Sweep,
                ..GitHubOptions::new(&self.github_endpoint, credentials, component, clock)
            },
            &prow_metrics::Metrics::new(component),
        )
        .context("making the GitHub client")
    }
}

#[derive(Clone, Debug, clap::Args)]
pub struct BranchprotectorArgs {
    /// Path to config.yaml (its `branch-protection:` section).
    #[arg(long = "config-path")]
    pub config_path: PathBuf,
    /// Path to the job config directory: required presubmits become required contexts.
    #[arg(long = "job-config-path")]
    pub job_config_path: Option<PathBuf>,
    /// Change GitHub; without it, only print what would change.
    #[arg(long)]
    pub confirm: bool,
    /// Manage `restrictions.apps` too.
    #[arg(long = "enable-apps-restrictions")]
    pub enable_apps_restrictions: bool,
    #[command(flatten)]
    pub github: GitHubArgs,
}

/// What a command run did, for its exit code.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub changes: usize,
    pub problems: usize,
}

/// `prow branchprotector`.
pub async fn branchprotector(
    args: &BranchprotectorArgs,
    out: &mut dyn Write,
) -> anyhow::Result<Summary> {
    let paths = prow_config::ConfigPaths {
        config_path: args.config_path.clone(),
        job_config_path: args.job_config_path.clone(),
        plugin_config: None,
    };
    let loaded = prow_config::load(&paths, prow_config::LoadOptions::default())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let github = args.github.client("branchprotector", args.confirm)?;
    let report = branchprotector::run(
        &github,
        &loaded.config,
        branchprotector::Options {
            enable_apps_restrictions: args.enable_apps_restrictions,
        },
        args.confirm,
    )
    .await;
    let verb = if args.confirm {
        "changed"
    } else {
        "would change"
    };
    for change in &report.changes {
        writeln!(out, "{change}")?;
    }
    for problem in &report.errors {
        writeln!(out, "error: {problem}")?;
    }
    writeln!(
        out,
        "branchprotector: {} branches {verb}, {} already as configured, {} errors",
        report.changes.len(),
        report.unchanged,
        report.errors.len()
    )?;
    Ok(Summary {
        changes: report.changes.len(),
        problems: report.errors.len(),
    })
}

#[derive(Clone, Debug, clap::Args)]
pub struct PeribolosArgs {
    /// The org configuration (`orgs: {<org>: ...}`).
    #[arg(long = "config-path")]
    pub config_path: Option<PathBuf>,
    /// Change GitHub; without it, only print what would change.
    #[arg(long)]
    pub confirm: bool,
    /// Write this org's current state as peribolos YAML instead.
    #[arg(long)]
    pub dump: Option<String>,
    /// With --dump: the whole file (`orgs: {<org>: ...}`), not just the org.
    #[arg(long = "dump-full")]
    pub dump_full: bool,
    /// Refuse a configuration with fewer admins.
    #[arg(long = "min-admins", default_value_t = 5)]
    pub min_admins: usize,
    /// Logins that must be admins in the configuration.
    #[arg(long = "required-admins")]
    pub required_admins: Vec<String>,
    /// Refuse a configuration in which the token's user is not an admin.
    #[arg(long = "require-self", default_value_t = true, action = clap::ArgAction::Set)]
    pub require_self: bool,
    /// Refuse to remove more than this fraction of the members (or teams).
    #[arg(long = "maximum-removal-delta", default_value_t = 0.25)]
    pub maximum_removal_delta: f64,
    #[arg(long = "fix-org")]
    pub fix_org: bool,
    #[arg(long = "fix-org-members")]
    pub fix_org_members: bool,
    #[arg(long = "fix-teams")]
    pub fix_teams: bool,
    #[arg(long = "fix-team-members")]
    pub fix_team_members: bool,
    #[arg(long = "fix-team-repos")]
    pub fix_team_repos: bool,
    #[arg(long = "fix-repos")]
    pub fix_repos: bool,
    /// Leave secret teams alone (and out of --dump).
    #[arg(long = "ignore-secret-teams")]
    pub ignore_secret_teams: bool,
    /// Do not read pending invitations (GitHub Enterprise).
    #[arg(long = "ignore-invitees")]
    pub ignore_invitees: bool,
    #[arg(long = "allow-repo-archival")]
    pub allow_repo_archival: bool,
    #[arg(long = "allow-repo-publish")]
    pub allow_repo_publish: bool,
    #[command(flatten)]
    pub github: GitHubArgs,
}

/// A combination of `prow peribolos` flags upstream refuses.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum FlagError {
    #[error("--min-admins={0} must be at least 2")]
    TooFewAdmins(usize),
    #[error("--maximum-removal-delta={0} must be a non-negative number less than 1.0")]
    RemovalDelta(f64),
    #[error("--confirm cannot be used with --dump={0}")]
    ConfirmWithDump(String),
    #[error("--config-path or --dump required")]
    NothingToDo,
    #[error("--config-path={} and --dump={dump} cannot both be set", path.display())]
    ConfigAndDump { path: PathBuf, dump: String },
    #[error("--dump-full can't be used without --dump")]
    DumpFullWithoutDump,
    /// `--fix-team-members` or `--fix-team-repos` without `--fix-teams`.
    #[error("--{0} requires --fix-teams")]
    NeedsFixTeams(&'static str),
}

impl PeribolosArgs {
    /// upstream's checks between flags, in upstream's order.
    pub fn validate(&self) -> Result<(), FlagError> {
        if self.min_admins < 2 {
            return Err(FlagError::TooFewAdmins(self.min_admins));
        }
        if !(0.0..=1.0).contains(&self.maximum_removal_delta) {
            return Err(FlagError::RemovalDelta(self.maximum_removal_delta));
        }
        match (&self.config_path, &self.dump) {
            (_, Some(dump)) if self.confirm => {
                return Err(FlagError::ConfirmWithDump(dump.clone()));
            }
            (None, None) => return Err(FlagError::NothingToDo),
            (Some(path), Some(dump)) => {
                return Err(FlagError::ConfigAndDump {
                    path: path.clone(),
                    dump: dump.clone(),
                });
            }
            _ => {}
        }
        if self.dump_full && self.dump.is_none() {
            return Err(FlagError::DumpFullWithoutDump);
        }
        if self.fix_team_members && !self.fix_teams {
            return Err(FlagError::NeedsFixTeams("fix-team-members"));
        }
        if self.fix_team_repos && !self.fix_teams {
            return Err(FlagError::NeedsFixTeams("fix-team-repos"));
        }
        Ok(())
    }

    fn options(&self) -> peribolos::Options {
        peribolos::Options {
            min_admins: self.min_admins,
            required_admins: self.required_admins.clone(),
            require_self: self.require_self,
            maximum_removal_delta: self.maximum_removal_delta,
            fix_org: self.fix_org,
            fix_org_members: self.fix_org_members,
            fix_teams: self.fix_teams,
            fix_team_members: self.fix_team_members,
            fix_team_repos: self.fix_team_repos,
            fix_repos: self.fix_repos,
            ignore_secret_teams: self.ignore_secret_teams,
            ignore_invitees: self.ignore_invitees,
            allow_repo_archival: self.allow_repo_archival,
            allow_repo_publish: self.allow_repo_publish,
        }
    }
}

/// `prow peribolos`.
pub async fn peribolos(args: &PeribolosArgs, out: &mut dyn Write) -> anyhow::Result<Summary> {
    args.validate().map_err(anyhow::Error::msg)?;
    let github = args.github.client("peribolos", args.confirm)?;
    if let Some(org) = &args.dump {
        let dumped = peribolos::dump(&github, org, args.ignore_secret_teams)
            .await
            .map_err(anyhow::Error::msg)?;
        let yaml = if args.dump_full {
            let full = peribolos::config::FullConfig {
                orgs: [(org.clone(), dumped)].into(),
            };
            serde_saphyr::to_string(&full)
        } else {
            serde_saphyr::to_string(&dumped)
        }
        .context("writing the org as YAML")?;
        out.write_all(yaml.as_bytes())?;
        return Ok(Summary {
            changes: 0,
            problems: 0,
        });
    }
    let path = args.config_path.as_ref().context("--config-path")?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let source = prow_config::Source::new(&path.display().to_string(), text);
    let read = prow_config::read_document::<peribolos::config::FullConfig>(
        &source,
        prow_config::LoadOptions::default(),
    )
    .map_err(|problems| {
        anyhow::anyhow!(
            "{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    for warning in &read.warnings {
        writeln!(out, "{warning}")?;
    }
    let options = args.options();
    let verb = if args.confirm { "made" } else { "planned" };
    let mut summary = Summary {
        changes: 0,
        problems: 0,
    };
    for (org, want) in &read.value.orgs {
        let state = peribolos::observe(&github, org, &options)
            .await
            .with_context(|| format!("reading {org} from GitHub"))?;
        let plan = peribolos::plan(org, want, &state, &options)
            .map_err(|e| anyhow::anyhow!("{org}: configuration refused: {e}"))?;
        for change in &plan.changes {
            writeln!(out, "{org}: {change}")?;
        }
        for login in &plan.waiting {
            writeln!(out, "{org}: waiting for {login} to accept their invitation")?;
        }
        for refused in &plan.refused {
            writeln!(out, "{org}: refused: {refused}")?;
        }
        let mut problems = plan.refused.len();
        if args.confirm {
            for problem in peribolos::apply(&github, org, &state, &plan.changes).await {
                writeln!(out, "{org}: error: {problem}")?;
                problems += 1;
            }
        }
        writeln!(
            out,
            "peribolos: {org}: {} changes {verb}, {problems} problems",
            plan.changes.len()
        )?;
        summary.changes += plan.changes.len();
        summary.problems += problems;
    }
    Ok(summary)
}
