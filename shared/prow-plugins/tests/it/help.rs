//! What `/plugin-help` says, as people read it in deck and on GitHub: every built-in plugin's
//! description, configuration and commands for the example configuration (`knative/config/`).

use prow_config::{ConfigPaths, LoadOptions};
use prow_plugins::PluginRegistry;
use std::path::Path;

#[test]
fn plugin_help_for_the_example_configuration() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knative/config");
    let loaded = prow_config::load(
        &ConfigPaths {
            config_path: config.join("config.yaml"),
            job_config_path: Some(config.join("jobs")),
            plugin_config: Some(config.join("plugins.yaml")),
        },
        LoadOptions { strict: true },
    )
    .unwrap();
    let help = prow_plugins::help::collect(&PluginRegistry::for_hook(), &loaded.config);
    assert_eq!(
        help.repo_plugins[""].len(),
        PluginRegistry::builtin().names().len(),
        "every plugin built here is described, trigger included"
    );
    insta::assert_snapshot!(serde_json::to_string_pretty(&help).unwrap());
}
