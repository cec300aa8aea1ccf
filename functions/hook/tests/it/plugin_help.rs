//! `GET /plugin-help` over Kubernetes' own `plugins.yaml` (`../shared/corpus/k8s-prow`): for
//! kubernetes/kubernetes it names exactly the plugins that configuration enables there (the org's
//! and the repository's), and every one of them built here describes itself and its commands.

use crate::support::secret_file;
use hook::{Handoff, Hook, HookOptions, PluginRegistry};
use prow_config::{ConfigPaths, LoadOptions};
use prow_runtime::{ConfigHandle, Metrics};
use std::collections::BTreeSet;
use std::sync::Arc;
use tower::ServiceExt;

#[tokio::test]
async fn plugin_help_for_kubernetes_lists_what_its_config_enables() {
    let Some(corpus) = prow_test_harness::corpus("k8s-prow") else {
        return;
    };
    let prow = corpus.join("k8s-prow/config/prow");
    let loaded = prow_config::load(
        &ConfigPaths {
            config_path: prow.join("config.yaml"),
            job_config_path: None,
            plugin_config: Some(prow.join("plugins.yaml")),
        },
        LoadOptions::default(),
    )
    .unwrap();
    let config = loaded.config;
    let enabled: BTreeSet<String> = config
        .plugins
        .enabled_plugins("kubernetes", "kubernetes")
        .into_iter()
        .map(str::to_string)
        .collect();
    assert!(enabled.contains("lgtm") && enabled.contains("release-note"));

    let secret = secret_file(b"s");
    let metrics = Arc::new(Metrics::new("hook"));
    let hook = Hook::new(
        ConfigHandle::new(config),
        &metrics,
        HookOptions::new(
            secret.path().to_path_buf(),
            Handoff::InProcess,
            PluginRegistry::for_hook(),
        ),
    )
    .unwrap();
    let response = hook
        .router()
        .oneshot(
            axum::http::Request::get("/plugin-help")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let help: serde_json::Value = serde_json::from_slice(&body).unwrap();

    // What deck shows for the repository: the org's plugins and the repository's.
    let listed: BTreeSet<String> = ["kubernetes", "kubernetes/kubernetes"]
        .iter()
        .flat_map(|scope| help["RepoPlugins"][scope].as_array().unwrap().clone())
        .map(|name| name.as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, enabled);
    assert!(
        help["AllRepos"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("kubernetes/kubernetes"))
    );
    assert_eq!(
        help["RepoExternalPlugins"]["kubernetes"],
        serde_json::json!(["needs-rebase"])
    );

    // Every enabled plugin built here, trigger included (its own function runs it), describes
    // itself; the ones with commands list them with who may use them.
    let built: BTreeSet<&str> = PluginRegistry::builtin().names().into_iter().collect();
    let built_and_enabled: Vec<&String> = enabled
        .iter()
        .filter(|name| built.contains(name.as_str()))
        .collect();
    assert!(built_and_enabled.len() >= 15, "{built_and_enabled:?}");
    for name in &built_and_enabled {
        let plugin = &help["PluginHelp"][name.as_str()];
        assert!(
            !plugin["Description"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{name} has no description"
        );
        assert!(
            !plugin["Events"].as_array().unwrap().is_empty(),
            "{name} names no events"
        );
    }
    for (name, usage) in [
        ("lgtm", "/[remove-]lgtm [cancel] or GitHub Review action"),
        ("hold", "/[remove-][un]hold [cancel]"),
        ("trigger", "/ok-to-test"),
    ] {
        let usages: Vec<&str> = help["PluginHelp"][name]["Commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["Usage"].as_str().unwrap())
            .collect();
        assert!(usages.contains(&usage), "{name}: {usages:?}");
        assert!(
            help["PluginHelp"][name]["Commands"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| !c["WhoCanUse"].as_str().unwrap().is_empty())
        );
    }
}
