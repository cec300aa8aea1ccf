//! The plugins compiled in, and which of them take a delivery: enabled for its repository in
//! `plugins.yaml` and subscribed to its kind of event.

use crate::plugins;
use crate::{Delivery, Plugin};
use prow_config::Config;
use std::sync::Arc;

/// A set of plugins by name.
#[derive(Clone, Default)]
pub struct PluginRegistry {
    plugins: Vec<Arc<dyn Plugin>>,
    /// Plugins another function runs (trigger, for hook): named in help, never run here.
    elsewhere: Vec<Arc<dyn Plugin>>,
}

impl PluginRegistry {
    /// Every plugin compiled into this project.
    pub fn builtin() -> PluginRegistry {
        PluginRegistry::default()
            .with(Arc::new(plugins::approve::Approve))
            .with(Arc::new(plugins::assign::Assign))
            .with(Arc::new(plugins::blunderbuss::Blunderbuss))
            .with(Arc::new(plugins::cat::Cat))
            .with(Arc::new(plugins::config_updater::ConfigUpdaterPlugin))
            .with(Arc::new(plugins::help::Help))
            .with(Arc::new(plugins::hold::Hold))
            .with(Arc::new(plugins::label::Label))
            .with(Arc::new(plugins::lgtm::Lgtm))
            .with(Arc::new(plugins::lifecycle::Lifecycle))
            .with(Arc::new(plugins::milestone::Milestone))
            .with(Arc::new(plugins::milestonestatus::MilestoneStatus))
            .with(Arc::new(plugins::needs_rebase::NeedsRebase))
            .with(Arc::new(plugins::r#override::Override))
            .with(Arc::new(plugins::release_note::ReleaseNote))
            .with(Arc::new(
                plugins::require_matching_label::RequireMatchingLabelPlugin,
            ))
            .with(Arc::new(plugins::retitle::Retitle))
            .with(Arc::new(plugins::size::Size))
            .with(Arc::new(plugins::skip::Skip))
            .with(Arc::new(plugins::trigger::Trigger))
            .with(Arc::new(plugins::verify_owners::VerifyOwners))
            .with(Arc::new(plugins::welcome::Welcome))
            .with(Arc::new(plugins::wip::Wip))
    }

    /// The built-in plugins that hook runs: all but trigger, which runs in its own function (it
    /// creates ProwJobs and needs their permissions).
    pub fn for_hook() -> PluginRegistry {
        let mut registry = PluginRegistry::builtin();
        let (elsewhere, here) = registry
            .plugins
            .into_iter()
            .partition(|p| p.name() == "trigger");
        registry.plugins = here;
        registry.elsewhere = elsewhere;
        registry
    }

    /// Adds a plugin; a later one with the same name replaces the earlier.
    pub fn with(mut self, plugin: Arc<dyn Plugin>) -> PluginRegistry {
        self.plugins.retain(|p| p.name() != plugin.name());
        self.plugins.push(plugin);
        self
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Plugin>> {
        self.plugins.iter().find(|p| p.name() == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Plugin>> {
        self.plugins.iter()
    }

    /// The plugins run here and those another function runs, for help.
    pub fn described(&self) -> impl Iterator<Item = &Arc<dyn Plugin>> {
        self.plugins.iter().chain(self.elsewhere.iter())
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.plugins.iter().map(|p| p.name()).collect()
    }
}

/// Whether `plugin` takes `delivery`: enabled for its repository and subscribed to its event.
pub fn applies(plugin: &dyn Plugin, config: &Config, delivery: &Delivery) -> bool {
    let Some(repo) = delivery.repo() else {
        return false;
    };
    delivery.wanted_by(plugin.events())
        && config
            .plugins
            .enabled_plugins(&repo.org, &repo.name)
            .contains(&plugin.name())
}
