//! Plugin help as upstream serves it (`pluginhelp`): what each plugin does and its commands, for
//! `/plugin-help` and deck's command help. Field names are upstream's JSON names.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Upstream's `pluginhelp.PluginHelp`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PluginHelp {
    pub description: String,
    #[serde(deserialize_with = "null_as_empty")]
    pub config: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub snippet: String,
    #[serde(deserialize_with = "null_as_empty")]
    pub events: Vec<String>,
    #[serde(deserialize_with = "null_as_empty")]
    pub commands: Vec<Command>,
}

impl PluginHelp {
    /// Help that says `description`, with no configuration, snippet or commands yet.
    pub fn new(description: impl Into<String>) -> PluginHelp {
        PluginHelp {
            description: description.into(),
            ..PluginHelp::default()
        }
    }

    /// With the help of every command of `C`.
    pub fn with_commands<C: Commands>(self) -> PluginHelp {
        PluginHelp {
            commands: commands_help::<C>(),
            ..self
        }
    }

    /// With `text` as the configuration's help for every repository (upstream's empty key).
    pub fn with_config(self, text: impl Into<String>) -> PluginHelp {
        self.with_config_per_repo(BTreeMap::from([(String::new(), text.into())]))
    }

    /// With the configuration's help by repository (or org, or `""` for every one).
    pub fn with_config_per_repo(self, config: BTreeMap<String, String>) -> PluginHelp {
        PluginHelp { config, ..self }
    }

    /// With an example of the plugin's configuration.
    pub fn with_snippet(self, snippet: impl Into<String>) -> PluginHelp {
        PluginHelp {
            snippet: snippet.into(),
            ..self
        }
    }
}

/// Upstream's `pluginhelp.Command`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Command {
    pub usage: String,
    pub featured: bool,
    pub description: String,
    #[serde(deserialize_with = "null_as_empty")]
    pub examples: Vec<String>,
    pub who_can_use: String,
}

/// Upstream's `pluginhelp.Help`, served at `GET /plugin-help`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Help {
    pub all_repos: Vec<String>,
    pub repo_plugins: BTreeMap<String, Vec<String>>,
    pub repo_external_plugins: BTreeMap<String, Vec<String>>,
    pub plugin_help: BTreeMap<String, PluginHelp>,
    pub external_plugin_help: BTreeMap<String, PluginHelp>,
}

/// Go encodes nil maps and slices as `null`.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A plugin's commands, as an enum: each variant says what it does in [`Commands::help`], whose
/// `match` has no wildcard, so a command without help does not compile.
pub trait Commands: Copy + 'static {
    /// Every command, in the order help lists them.
    const ALL: &'static [Self];
    fn help(self) -> Command;
}

/// The help of every command of `C`.
pub fn commands_help<C: Commands>() -> Vec<Command> {
    C::ALL.iter().map(|command| command.help()).collect()
}

/// One command's help.
pub fn command(usage: &str, description: &str, who_can_use: &str, examples: &[&str]) -> Command {
    Command {
        usage: usage.to_string(),
        featured: false,
        description: description.to_string(),
        examples: examples.iter().map(|e| e.to_string()).collect(),
        who_can_use: who_can_use.to_string(),
    }
}

/// `command`, marked featured (deck shows it first).
pub fn featured(usage: &str, description: &str, who_can_use: &str, examples: &[&str]) -> Command {
    Command {
        featured: true,
        ..command(usage, description, who_can_use, examples)
    }
}

/// What `GET /plugin-help` says of the built-in plugins: where each is enabled and its help
/// for those repositories. External plugins' help is asked of them over HTTP by hook.
pub fn collect(registry: &crate::PluginRegistry, config: &prow_config::Config) -> Help {
    let mut help = Help::default();
    let mut repos_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (scope, enabled) in &config.plugins.plugins {
        help.repo_plugins
            .insert(scope.clone(), enabled.plugins.clone());
        for plugin in &enabled.plugins {
            repos_of
                .entry(plugin.as_str())
                .or_default()
                .push(scope.clone());
        }
        if scope.contains('/') {
            help.all_repos.push(scope.clone());
        }
    }
    // Upstream lists every plugin the binary has under the empty key (sorted here: upstream's
    // order is a Go map's).
    let mut all: Vec<String> = registry.described().map(|p| p.name().to_string()).collect();
    all.sort();
    help.repo_plugins.insert(String::new(), all);
    for plugin in registry.described() {
        let repos = repos_of.get(plugin.name()).cloned().unwrap_or_default();
        let mut plugin_help = plugin.help(config, &repos);
        if plugin_help.events.is_empty() {
            plugin_help.events = plugin
                .events()
                .iter()
                .map(|kind| kind.help_name().to_string())
                .collect();
        }
        help.plugin_help
            .insert(plugin.name().to_string(), plugin_help);
    }
    let mut all_external = std::collections::BTreeSet::new();
    for (scope, externals) in &config.plugins.external_plugins {
        help.repo_external_plugins.insert(
            scope.clone(),
            externals.iter().map(|e| e.name.clone()).collect(),
        );
        all_external.extend(externals.iter().map(|e| e.name.clone()));
    }
    help.repo_external_plugins
        .insert(String::new(), all_external.into_iter().collect());
    help.all_repos.sort();
    help.all_repos.dedup();
    help
}
