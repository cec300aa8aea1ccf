//! Running a plugin on an occasion: ask its plan, gather the facts it needs, ask again, until it
//! decides; then apply what it decided.

use crate::apply::{Applied, ApplyError, apply};
use crate::finder::{GatherError, gather};
use crate::{Action, Facts, Input, Occasion, Plugin};
use prow_config::Config;
use prow_ports::Failure;
use prow_ports::clock::Clock;
use prow_ports::github::GitHubClient;
use prow_ports::images::ImageSource;
use prow_ports::store::JobStore;

/// A plan that still needs facts after this many rounds is broken (each round gathers every fact
/// the plan asked for, so real plans settle in a handful).
const MAX_ROUNDS: usize = 12;

/// What plugins act through.
#[derive(Clone, Copy)]
pub struct Ports<'a> {
    /// `None` when no credentials are configured: a plan that needs GitHub then fails.
    pub github: Option<&'a dyn GitHubClient>,
    /// For plugins that create or abort ProwJobs (trigger).
    pub jobs: Option<&'a dyn JobStore>,
    /// For the picture plugins.
    pub images: Option<&'a dyn ImageSource>,
    /// For config-updater: where Prow's configuration lives.
    pub config_maps: Option<&'a dyn prow_ports::config_maps::ConfigMaps>,
    pub clock: &'a dyn Clock,
}

/// What a run decided and did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ran {
    pub actions: Vec<Action>,
    pub applied: Applied,
    /// Rounds of fact gathering before the plan decided.
    pub rounds: usize,
    /// Facts gathered.
    pub facts: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Gather(#[from] GatherError),
    #[error(transparent)]
    Apply(#[from] ApplyError),
    #[error("the {plugin} plugin still needed facts after {MAX_ROUNDS} rounds")]
    Unsettled { plugin: &'static str },
}

impl Failure for RunError {
    fn kind(&self) -> &'static str {
        match self {
            RunError::Gather(error) => error.kind(),
            RunError::Apply(error) => error.kind(),
            RunError::Unsettled { .. } => "plan_unsettled",
        }
    }

    fn retryable(&self) -> bool {
        match self {
            RunError::Gather(error) => error.retryable(),
            RunError::Apply(error) => error.retryable(),
            RunError::Unsettled { .. } => false,
        }
    }
}

/// Decides what `plugin` does about `occasion` (gathering what it needs) without doing it.
pub async fn decide(
    plugin: &dyn Plugin,
    occasion: Occasion<'_>,
    config: &Config,
    ports: &Ports<'_>,
    facts: &mut Facts,
) -> Result<(Vec<Action>, usize), RunError> {
    let input = Input {
        occasion,
        config,
        now: ports.clock.now(),
    };
    for round in 0..MAX_ROUNDS {
        match plugin.plan(&input, facts) {
            Ok(actions) => return Ok((actions, round)),
            Err(needed) => gather(needed.0, facts, ports).await?,
        }
    }
    Err(RunError::Unsettled {
        plugin: plugin.name(),
    })
}

/// Decides and applies.
pub async fn run(
    plugin: &dyn Plugin,
    occasion: Occasion<'_>,
    config: &Config,
    ports: &Ports<'_>,
) -> Result<Ran, RunError> {
    let mut facts = Facts::new();
    let (actions, rounds) = decide(plugin, occasion, config, ports, &mut facts).await?;
    let applied = apply(&actions, &facts, ports).await?;
    Ok(Ran {
        actions,
        applied,
        rounds,
        facts: facts.len(),
    })
}
