//! Upstream-compatible Prow configuration: `config.yaml`, the job-config directory and
//! `plugins.yaml`, read with upstream's YAML keys, defaulted as upstream defaults them, and
//! validated at least as strictly as upstream's `checkconfig`.
//!
//! Boundary: this crate turns configuration text into a [`Config`] or a list of [`Diagnostic`]s,
//! each naming file, line, column and job. Its only I/O is reading the named files
//! ([`load`]); [`load_sources`] does the same from text in memory. It pulls in no async runtime
//! and no network client.

mod branch_protection;
mod defaults;
mod diagnostics;
mod document;
mod gerrit;
mod in_repo;
mod jobs;
mod loader;
mod parallel;
mod plugins;
mod prepared;
mod prow_config;
mod regexes;
mod schedule;
mod validate;
mod yaml;

pub use branch_protection::{
    BranchProtection, BranchRequirements, ContextPolicy, OrgPolicy, PeopleAndTeams, Policy,
    PolicyError, RepoPolicy, Restrictions, ReviewPolicy,
};
pub use diagnostics::{Diagnostic, DiagnosticKind, Location, PathSegment, Severity, YamlPath};
pub use document::{Document, locate, problem_at, read_document};
pub use gerrit::{Gerrit, GerritOrgRepos, GerritQueryFilter};
pub use in_repo::{
    InRepoJobs, PROW_DIR, PROW_YAML, in_repo_files, is_in_repo_config_path, load_in_repo,
};
pub use jobs::{
    Brancher, JobBase, JobSource, Periodic, Postsubmit, Preset, Presubmit, RegexpChangeMatcher,
    Reporter, Retry, UtilityConfig, default_rerun_command_for, default_trigger_for,
};
pub use loader::{
    ConfigPaths, Fingerprint, Source, Sources, fingerprint, load, load_sources, read_sources,
};
pub use plugins::{BUILT_HERE, RequireMatchingLabel, UPSTREAM_PLUGINS};
pub use plugins::{ClusterGroup, ConfigMapSpec, ConfigUpdater, glob_matches};
pub use plugins::{ExternalPlugin, OrgPlugins, PluginsConfig, Trigger};
pub use prepared::{ByRepo, Lazy, PreparedUse, Unusable, load_prepared, write_prepared};
pub use prow_api::Duration;
pub use prow_config::{
    Deck, DefaultDecorationConfigEntry, GitHubReporter, Horologium, InRepoConfig, Opaque, Plank,
    ProwConfig, ProwJobDefaultEntry, PubSubTrigger, Sinker, SlackReporter, Tide, TidePriority,
    TideQuery,
};
pub use schedule::{CronSchedule, ScheduleError};
pub use yaml::{Readers, SyntaxError, YamlReader, compare_readers, parse_generic, read_tree};

/// How strict loading is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Unknown keys are errors rather than warnings (`checkconfig --strict`).
    pub strict: bool,
}

/// Everything configured, defaulted and validated.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Component settings. Its job keys are empty: jobs from every file are in [`Config::jobs`].
    pub prow: ProwConfig,
    pub jobs: JobConfig,
    /// Empty when no plugin config was given.
    pub plugins: PluginsConfig,
}

/// All jobs from `config.yaml` and the job-config directory, merged as upstream merges them.
/// Read from a prepared configuration ([`load_prepared`]), each repository's jobs and the
/// periodics are decoded when first used.
#[derive(Clone, Debug, Default)]
pub struct JobConfig {
    /// Empty when read from a prepared configuration, whose jobs have them applied already.
    pub presets: Vec<Preset>,
    /// Keyed by `org/repo`.
    pub presubmits: ByRepo<Presubmit>,
    pub postsubmits: ByRepo<Postsubmit>,
    pub periodics: Lazy<Periodic>,
    pub decorate_all_jobs: bool,
}

/// How many jobs of each kind a configuration has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub presubmits: usize,
    pub postsubmits: usize,
    pub periodics: usize,
}

impl std::fmt::Display for JobCounts {
    /// The line `checkconfig` ends with, which scripts read.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "presubmits: {}, postsubmits: {}, periodics: {}",
            self.presubmits, self.postsubmits, self.periodics
        )
    }
}

impl JobConfig {
    pub fn counts(&self) -> JobCounts {
        JobCounts {
            presubmits: self.presubmits.count(),
            postsubmits: self.postsubmits.count(),
            periodics: self.periodics.count(),
        }
    }

    /// The presubmits configured for `org/repo`.
    pub fn presubmits_for(&self, org_repo: &str) -> &[Presubmit] {
        self.presubmits.get(org_repo).map_or(&[], Vec::as_slice)
    }

    /// The postsubmits configured for `org/repo`.
    pub fn postsubmits_for(&self, org_repo: &str) -> &[Postsubmit] {
        self.postsubmits.get(org_repo).map_or(&[], Vec::as_slice)
    }
}

/// A successful load: the configuration and any warnings found on the way.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<Diagnostic>,
    /// The files as they were read, to tell later whether they changed.
    pub fingerprint: Fingerprint,
}

/// A failed load: every problem found, errors and warnings, in file order.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", render(.diagnostics))]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let mut text = format!("configuration has {errors} error(s)");
    for diagnostic in diagnostics {
        text.push('\n');
        text.push_str(&diagnostic.to_string());
    }
    text
}
