//! Tide over Kubernetes' real configuration (`../shared/corpus/k8s-prow`): its queries, its
//! context options, its batch limits and priorities, and a pool of kubernetes/kubernetes pull
//! requests against its real presubmits.

use crate::support::{BASE, head};
use prow_config::{Config, Presubmit, TideQuery};
use prow_tide::decide::{Action, PoolSettings, decide};
use prow_tide::pool::{Context, ContextState, PullRequest, Subpool};
use prow_tide::status::{StatusInput, expected};
use prow_tide::{ContextOptions, ContextPolicy, query};

/// Kubernetes' configuration from the corpus, loaded once.
fn kubernetes() -> Option<&'static Config> {
    prow_corpus::kubernetes().map(|loaded| &loaded.config)
}

/// The presubmits that always run on master and report as required: every PR needs them
/// (`pull-kubernetes-linter-hints` always runs too, but is optional).
const ALWAYS: [&str; 10] = [
    "pull-kubernetes-cmd",
    "pull-kubernetes-conformance-kind-ga-only-parallel",
    "pull-kubernetes-dependencies",
    "pull-kubernetes-e2e-gce",
    "pull-kubernetes-e2e-kind",
    "pull-kubernetes-integration",
    "pull-kubernetes-node-e2e-containerd",
    "pull-kubernetes-typecheck",
    "pull-kubernetes-unit",
    "pull-kubernetes-verify",
];

#[test]
fn kubernetes_queries_compile_and_cover_as_upstream_s() {
    let Some(config) = kubernetes() else { return };
    let queries = &config.prow.tide.queries;
    assert_eq!(queries.len(), 9);
    let first = query::search(&queries[0]);
    assert!(
        first.starts_with(
            r#"is:pr state:open archived:false label:"lgtm" label:"approved" label:"cncf-cla: yes" -label:"do-not-merge" -label:"do-not-merge/blocked-paths""#
        ),
        "{first}"
    );
    assert!(
        first.contains(r#"org:"kubernetes" -repo:"kubernetes/kubernetes""#),
        "{first}"
    );
    assert!(!query::covers(&queries[0], "kubernetes", "kubernetes"));
    assert!(query::covers(&queries[0], "kubernetes", "test-infra"));
    let for_kubernetes: Vec<&TideQuery> = query::covering(queries, "kubernetes", "kubernetes");
    assert!(for_kubernetes.iter().any(|q| q.milestone == "v1.37"));
    assert!(for_kubernetes.iter().all(|q| !query::search(q).is_empty()));
    // With an App, each org is searched alone.
    let by_org = query::search_by_org(&queries[0]);
    assert_eq!(
        by_org.keys().collect::<Vec<_>>(),
        [
            "kubernetes",
            "kubernetes-client",
            "kubernetes-csi",
            "kubernetes-sigs"
        ]
    );
}

fn master_presubmits(config: &Config) -> Vec<&Presubmit> {
    config.jobs.presubmits["kubernetes/kubernetes"]
        .iter()
        .filter(|p| p.brancher.should_run("master"))
        .collect()
}

fn policy(config: &Config) -> ContextPolicy {
    let options = ContextOptions::from_config(config.prow.tide.context_options.as_ref()).unwrap();
    let owned: Vec<Presubmit> = master_presubmits(config).into_iter().cloned().collect();
    ContextPolicy::for_branch(&options, "kubernetes", "kubernetes", "master", &owned, &[]).unwrap()
}

#[test]
fn kubernetes_context_options_and_settings_read() {
    let Some(config) = kubernetes() else { return };
    let policy = policy(config);
    for job in ALWAYS {
        assert!(policy.required.contains(job), "{job} is required");
    }
    assert!(policy.is_optional("pull-kubernetes-linter-hints"));
    assert!(
        !policy
            .required
            .contains("pull-kubernetes-e2e-gce-cos-alpha-features")
    );
    assert!(policy.is_optional("tide") || !policy.required.contains("tide"));
    let options = ContextOptions::from_config(config.prow.tide.context_options.as_ref()).unwrap();
    assert_eq!(
        options
            .for_branch("kubernetes-sigs", "cluster-api", "main")
            .from_branch_protection,
        Some(true)
    );
    let tide = &config.prow.tide;
    assert_eq!(
        PoolSettings::for_repo(tide, "kubernetes", "kubernetes").batch_size_limit,
        15
    );
    assert_eq!(
        PoolSettings::for_repo(tide, "kubernetes", "enhancements").batch_size_limit,
        -1
    );
    assert_eq!(
        PoolSettings::for_repo(tide, "kubernetes", "test-infra").batch_size_limit,
        0
    );
    assert_eq!(
        PoolSettings::for_repo(tide, "kubernetes", "kubernetes").priorities[0],
        ["kind/flake", "priority/critical-urgent"]
    );
}

/// A kubernetes/kubernetes pull request with every always-run context green.
fn green_pr(number: u64) -> PullRequest {
    PullRequest {
        number,
        author: format!("dev{number}"),
        head_sha: head(number),
        base_ref: "master".into(),
        labels: ["lgtm", "approved", "cncf-cla: yes"]
            .map(String::from)
            .to_vec(),
        milestone: Some("v1.37".into()),
        contexts: ALWAYS
            .iter()
            .map(|job| Context::new(job, ContextState::Success, ""))
            .collect(),
        ..PullRequest::default()
    }
}

#[test]
fn a_kubernetes_pool_batches_fifteen_against_the_real_presubmits() {
    let Some(config) = kubernetes() else { return };
    let prs: Vec<PullRequest> = (100..120).map(green_pr).collect();
    let changes = prs
        .iter()
        .map(|p| (p.number, vec![format!("pkg/kubelet/file{}.go", p.number)]))
        .collect();
    let pool = Subpool {
        org: "kubernetes".into(),
        repo: "kubernetes".into(),
        branch: "master".into(),
        base_sha: BASE.into(),
        prs,
        runs: Vec::new(),
        presubmits: master_presubmits(config),
        changes,
        policy: policy(config),
        in_repo: Default::default(),
        suspects: Vec::new(),
    };
    let settings = PoolSettings::for_repo(&config.prow.tide, "kubernetes", "kubernetes");
    let decision = decide(&pool, &settings, false).unwrap();
    assert_eq!(decision.action, Action::TriggerBatch);
    assert_eq!(decision.targets, (100..115).collect::<Vec<_>>());
    for job in ALWAYS {
        assert!(
            decision.jobs.iter().any(|j| j == job),
            "{job} in {:?}",
            decision.jobs
        );
    }
    assert_eq!(decision.accumulated.missing.len(), 20);

    // Not in the pool without the milestone: upstream's nearest query says why.
    let mut off = green_pr(7);
    off.milestone = None;
    let queries = query::covering(&config.prow.tide.queries, "kubernetes", "kubernetes");
    let status = expected(&off, &StatusInput::new(&queries, &pool.policy));
    assert_eq!(
        status.description,
        "Not mergeable. Must be in milestone v1.37."
    );
}
