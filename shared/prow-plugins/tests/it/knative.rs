//! `knative/plugin-triggers.yaml` is what the registry generates: a plugin added, or one that
//! starts reading another event, changes the committed file in the same commit.

use prow_plugins::PluginRegistry;
use prow_plugins::knative::{Deployment, github_events, render};
use std::path::Path;

fn committed() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knative/plugin-triggers.yaml")
}

#[test]
fn the_committed_plugin_triggers_are_the_generated_ones() {
    let generated = render(&PluginRegistry::builtin(), &Deployment::default());
    if std::env::var_os("UPDATE_MANIFESTS").is_some() {
        std::fs::write(committed(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(committed()).unwrap_or_default();
    assert!(
        committed == generated,
        "knative/plugin-triggers.yaml is stale: run \
         `UPDATE_MANIFESTS=1 cargo test -p prow-plugins --test it knative`"
    );
}

#[test]
fn every_plugin_event_gets_one_trigger_to_its_route() {
    let registry = PluginRegistry::builtin();
    let text = render(&registry, &Deployment::default());
    let objects: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).unwrap();
    let objects: Vec<_> = objects.into_iter().filter(|o| !o.is_null()).collect();
    for plugin in registry.iter() {
        let routes: Vec<_> = objects
            .iter()
            .filter(|o| {
                o["kind"] == "Trigger"
                    && o["metadata"]["labels"]["prow.k8s.io/plugin"] == plugin.name()
            })
            .collect();
        assert_eq!(routes.len(), 1, "{}", plugin.name());
        let route = routes[0];
        // One CESQL expression: type IN ('dev.prow.github.x', ...).
        let expression = route["spec"]["filters"][0]["cesql"].as_str().unwrap();
        let filtered: Vec<String> = expression
            .strip_prefix("type IN (")
            .and_then(|rest| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{}: {expression}", plugin.name()))
            .split(", ")
            .map(|quoted| {
                quoted
                    .strip_prefix('\'')
                    .and_then(|q| q.strip_suffix('\''))
                    .unwrap_or_else(|| panic!("{}: {expression}", plugin.name()))
                    .to_string()
            })
            .collect();
        let wanted: Vec<String> = github_events(plugin.as_ref())
            .iter()
            .map(|event| format!("dev.prow.github.{event}"))
            .collect();
        assert_eq!(filtered, wanted, "{}", plugin.name());
        let uri = route["spec"]["subscriber"]["uri"].as_str().unwrap();
        if plugin.name() == "trigger" {
            assert_eq!(uri, "/");
            assert_eq!(route["spec"]["subscriber"]["ref"]["name"], "trigger");
        } else {
            assert_eq!(uri, format!("/plugins/{}", plugin.name()));
            assert_eq!(route["spec"]["subscriber"]["ref"]["name"], "hook");
        }
        let name = route["metadata"]["name"].as_str().unwrap();
        assert!(
            name.len() <= 63
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{name} is not a Kubernetes name"
        );
    }
    // A comment plugin hears every kind of comment; trigger hears pushes; hold no pushes.
    let types_of = |plugin: &str| github_events(registry.get(plugin).unwrap().as_ref());
    assert!(types_of("trigger").contains(&"push"));
    assert!(types_of("hold").contains(&"issue_comment"));
    assert!(types_of("hold").contains(&"pull_request_review"));
    assert!(!types_of("hold").contains(&"push"));
    let sweeps: Vec<_> = objects
        .iter()
        .filter(|o| o["kind"] == "PingSource")
        .map(|o| o["spec"]["sink"]["uri"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sweeps, ["/plugins/needs-rebase"]);
}
