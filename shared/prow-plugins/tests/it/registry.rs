//! The registry against what the rest of the project assumes of it.

use prow_plugins::PluginRegistry;

/// prow-config warns of upstream plugins not built here from its own list; it is this registry.
#[test]
fn the_config_checks_know_exactly_the_plugins_built_here() {
    let mut built = PluginRegistry::builtin().names();
    built.sort_unstable();
    assert_eq!(built, prow_config::BUILT_HERE);
    for name in &built {
        assert!(prow_config::UPSTREAM_PLUGINS.contains(name), "{name}");
    }
}
