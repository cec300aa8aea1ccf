//! Command help (`/command-help`): every `/command` of the plugins hook runs, featured first,
//! with who may use it and where it is enabled (from hook's `/plugin-help`).

use super::layout;
use maud::{Markup, html};
use prow_plugins::help::{Command, Help};

pub fn command_help(help: &Help) -> Markup {
    let mut commands: Vec<(&str, &Command)> = help
        .plugin_help
        .iter()
        .chain(&help.external_plugin_help)
        .flat_map(|(plugin, h)| h.commands.iter().map(move |c| (plugin.as_str(), c)))
        .collect();
    commands.sort_by(|a, b| {
        b.1.featured
            .cmp(&a.1.featured)
            .then(a.1.usage.cmp(&b.1.usage))
    });
    let enabled_in = |plugin: &str| -> Vec<String> {
        if help.all_repos.is_empty() {
            return Vec::new();
        }
        help.repo_plugins
            .iter()
            .chain(&help.repo_external_plugins)
            .filter(|(_, plugins)| plugins.iter().any(|p| p == plugin))
            .map(|(repo, _)| {
                if repo.is_empty() {
                    "everywhere".to_string()
                } else {
                    repo.clone()
                }
            })
            .collect()
    };
    let body = html! {
        h1 { "Command help" }
        p { "Comment these on a pull request or issue; the bot answers. " (commands.len()) " commands." }
        input #command-filter type="search" placeholder="Filter commands" aria-label="Filter commands";
        table.commands #commands {
            thead { tr { th { "Command" } th { "Plugin" } th { "Who can use it" } th { "What it does" } th { "Enabled in" } } }
            tbody {
                @for (plugin, command) in &commands {
                    tr.command data-featured=[command.featured.then_some("true")] {
                        td { code { (command.usage) } @for example in &command.examples { br; code.example { (example) } } }
                        td { (plugin) }
                        td { (command.who_can_use) }
                        td { (command.description) }
                        td { (enabled_in(plugin).join(", ")) }
                    }
                }
            }
        }
    };
    layout("Command help", "/command-help", body)
}
