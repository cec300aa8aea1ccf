//! Kubernetes' own Prow configuration (`../shared/corpus/k8s-prow`, thousands of real jobs) loads
//! unchanged. The corpus sits beside the repository, not in it; without it the test says so
//! loudly, and fails under CI.

use prow_config::{ConfigPaths, DiagnosticKind, LoadOptions, Loaded, Severity};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The corpus root, when it holds Kubernetes' configuration.
pub(crate) fn corpus() -> Option<PathBuf> {
    prow_corpus::root(prow_corpus::KUBERNETES)
}

pub(crate) fn k8s_paths(corpus: &std::path::Path) -> ConfigPaths {
    prow_corpus::kubernetes_paths(corpus, true)
}

/// The corpus loaded once for every test here.
fn kubernetes() -> Option<&'static Loaded> {
    static LOADED: OnceLock<Option<Loaded>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let corpus = corpus()?;
            let loaded = prow_config::load(&k8s_paths(&corpus), LoadOptions::default());
            if let Err(error) = &loaded {
                eprintln!("{error}");
            }
            Some(loaded.expect("the corpus loads (problems above)"))
        })
        .as_ref()
}

#[test]
fn kubernetes_config_loads_with_upstreams_job_counts() {
    let Some(loaded) = kubernetes() else { return };
    assert_eq!(
        loaded.config.jobs.counts().to_string(),
        "presubmits: 2261, postsubmits: 253, periodics: 1335"
    );
    // No key is unknown. One env entry is spelled `NAME:`, which upstream (Go's JSON decoding)
    // reads as `name`, ignoring case; it is read the same here, with a warning.
    assert!(
        !loaded
            .warnings
            .iter()
            .any(|w| w.kind == DiagnosticKind::UnknownField),
        "{:?}",
        loaded.warnings
    );
    let case: Vec<String> = loaded
        .warnings
        .iter()
        .filter(|w| w.kind == DiagnosticKind::KeyCase)
        .map(ToString::to_string)
        .collect();
    assert_eq!(case.len(), 1, "{case:?}");
    assert!(
        case[0].contains("sig-storage-local-static-provisioner.yaml:196:9: warning: job ")
            && case[0].ends_with(
                "key \"NAME\" is read as \"name\": Prow matches keys ignoring case, but other tools do not"
            ),
        "{case:?}"
    );
    // The rest say which of upstream's plugins it enables are not built here, once each, at
    // the line of the first place enabling it.
    let not_built: Vec<&prow_config::Diagnostic> = loaded
        .warnings
        .iter()
        .filter(|w| w.kind == DiagnosticKind::NotBuilt)
        .collect();
    assert_eq!(not_built.len() + 1, loaded.warnings.len());
    let dog = not_built
        .iter()
        .find(|w| w.message.starts_with("plugin \"dog\""))
        .expect("dog is not built here");
    assert!(
        dog.message.contains("kubernetes, kubernetes-client"),
        "{}",
        dog.message
    );
    assert!(dog.location.is_some() && dog.file.ends_with("plugins.yaml"));
    for built in prow_config::BUILT_HERE {
        assert!(
            !not_built
                .iter()
                .any(|w| w.message.starts_with(&format!("plugin {built:?}"))),
            "{built}"
        );
    }
    assert!(
        loaded
            .warnings
            .iter()
            .all(|w| w.severity == Severity::Warning)
    );
    let config = &loaded.config;
    assert_eq!(config.prow.pod_namespace, "test-pods");
    assert!(
        config
            .plugins
            .enabled_plugins("kubernetes", "kubernetes")
            .contains(&"trigger")
    );
    assert!(
        config
            .plugins
            .trigger_for("kubernetes", "kubernetes")
            .only_org_members
    );
}

#[test]
fn kubernetes_reuses_job_names_across_release_branches() {
    let Some(loaded) = kubernetes() else { return };
    let config = &loaded.config;
    let mut by_name: HashMap<(&str, &str), usize> = HashMap::new();
    for (repo, jobs) in &config.jobs.presubmits {
        for job in jobs {
            *by_name.entry((repo.as_str(), job.name())).or_default() += 1;
        }
    }
    let reused_names = by_name.values().filter(|n| **n > 1).count();
    let extra_definitions = by_name
        .values()
        .filter(|n| **n > 1)
        .map(|n| n - 1)
        .sum::<usize>();
    assert_eq!(reused_names, 83, "names defined again for other branches");
    assert_eq!(extra_definitions, 238);
}

#[test]
fn prowignore_excludes_the_registry_list() {
    let Some(corpus) = corpus() else { return };
    let sources = prow_config::read_sources(&k8s_paths(&corpus)).expect("reads");
    // 604 YAML files: config.yaml, plugins.yaml, and 602 job files less the one .prowignore names.
    assert_eq!(sources.job_files.len(), 601);
    assert!(
        !sources
            .job_files
            .iter()
            .any(|f| f.name.ends_with("gcp/registry/default.yaml"))
    );
}

#[test]
fn kubernetes_presubmits_are_decorated_from_the_default_entries() {
    let Some(loaded) = kubernetes() else { return };
    let config = &loaded.config;
    let job = config
        .jobs
        .presubmits_for("kubernetes/kubernetes")
        .iter()
        .find(|j| j.name() == "pull-kubernetes-unit" && j.brancher.should_run("master"))
        .expect("pull-kubernetes-unit is configured for master");
    let decoration = job
        .base
        .utility
        .decoration_config
        .as_ref()
        .expect("decorated");
    let images = decoration.utility_images.as_ref().expect("images");
    assert!(
        images
            .clonerefs
            .starts_with("us-docker.pkg.dev/k8s-infra-prow/images/clonerefs:")
    );
    assert_eq!(
        decoration
            .gcs_configuration
            .as_ref()
            .map(|g| g.bucket.as_str()),
        Some("kubernetes-ci-logs")
    );
    assert!(job.always_run);
    assert!(job.trigger_matches("/test pull-kubernetes-unit"));
    assert!(!job.brancher.should_run("release-1.34"));
}

/// Upstream's integration-test configuration, with its `gerrit:` section and jobs for a Gerrit
/// host, loads strictly with the section typed and the jobs under the hosts' clone URLs.
#[test]
fn upstream_integration_config_with_gerrit_loads_strictly() {
    let Some(corpus) = corpus() else {
        return;
    };
    let dir = corpus.join("prow-integration");
    let paths = ConfigPaths {
        config_path: dir.join("config.yaml"),
        job_config_path: Some(dir.join("jobs")),
        plugin_config: Some(dir.join("plugins.yaml")),
    };
    let loaded =
        prow_config::load(&paths, LoadOptions { strict: true }).unwrap_or_else(|e| panic!("{e}"));
    let gerrit = &loaded.config.prow.gerrit;
    let projects: Vec<String> = gerrit
        .projects()
        .map(|(o, r, _)| format!("{o}/{r}"))
        .collect();
    assert_eq!(
        projects,
        [
            "http://fakegerritserver/gerrit-test-infra-0",
            "http://fakegerritserver/gerrit-test-infra-1",
            "http://fakegerritserver/gerrit-test-infra-2"
        ]
    );
    assert_eq!(gerrit.tick(), prow_config::Duration::from_secs(1));
    for project in &projects {
        let names: Vec<&str> = loaded
            .config
            .jobs
            .presubmits_for(project)
            .iter()
            .map(|j| j.name())
            .collect();
        assert_eq!(
            names,
            ["hello-world-presubmit", "bee-movie-presubmit"],
            "{project}"
        );
    }
}
