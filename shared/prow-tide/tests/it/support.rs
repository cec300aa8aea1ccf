//! Builders: presubmits from job YAML, pull requests, job runs and pools.

use prow_config::{Config, LoadOptions, Presubmit, Source, Sources};
use prow_tide::pool::{Context, ContextState, JobRun, PullRequest, RunKind, RunState, Subpool};
use prow_tide::{ContextOptions, ContextPolicy};

pub const BASE: &str = "b000000000000000000000000000000000000000";

/// `config.yaml` and one job file, loaded strictly.
pub fn config(config_yaml: &str, jobs_yaml: &str) -> Config {
    prow_config::load_sources(
        &Sources {
            config: Source::new("config.yaml", config_yaml),
            job_files: vec![Source::new("jobs.yaml", jobs_yaml)],
            plugins: None,
        },
        LoadOptions { strict: true },
    )
    .unwrap_or_else(|problems| panic!("{problems:?}"))
    .config
}

/// Two required presubmits on k/a (`unit` always, `docs` for docs/), one optional (`lint`).
pub const JOBS: &str = r#"presubmits:
  k/a:
  - name: unit
    always_run: true
    spec: {containers: [{image: x}]}
  - name: docs
    run_if_changed: '^docs/'
    spec: {containers: [{image: x}]}
  - name: lint
    always_run: true
    optional: true
    spec: {containers: [{image: x}]}
"#;

pub fn head(number: u64) -> String {
    format!("{number:0>40}")
}

/// An open pull request to main with the given head contexts.
pub fn pr(number: u64, contexts: &[(&str, ContextState)]) -> PullRequest {
    PullRequest {
        number,
        author: format!("author{number}"),
        title: format!("Change {number}"),
        head_sha: head(number),
        base_ref: "main".into(),
        labels: vec!["lgtm".into(), "approved".into()],
        contexts: contexts
            .iter()
            .map(|(name, state)| Context::new(name, *state, ""))
            .collect(),
        ..PullRequest::default()
    }
}

pub use ContextState::{Failure as F, Pending as P, Success as S};

/// A presubmit run of `context` for `number`'s head on the base.
pub fn run(number: u64, context: &str, state: RunState) -> JobRun {
    JobRun {
        kind: RunKind::Presubmit,
        job: context.into(),
        context: context.into(),
        base_sha: BASE.into(),
        pulls: vec![(number, head(number))],
        state,
        created_by_tide: false,
    }
}

/// A batch run of `context` over `numbers` at their heads.
pub fn batch(numbers: &[u64], context: &str, state: RunState) -> JobRun {
    JobRun {
        kind: RunKind::Batch,
        job: context.into(),
        context: context.into(),
        base_sha: BASE.into(),
        pulls: numbers.iter().map(|n| (*n, head(*n))).collect(),
        state,
        created_by_tide: true,
    }
}

/// The pool k/a@main of `prs` and `runs`, over `config`'s presubmits, nothing changed in docs/.
pub fn pool<'c>(config: &'c Config, prs: Vec<PullRequest>, runs: Vec<JobRun>) -> Subpool<'c> {
    let presubmits: Vec<&Presubmit> = config
        .jobs
        .presubmits
        .get("k/a")
        .map(|jobs| {
            jobs.iter()
                .filter(|j| j.brancher.should_run("main"))
                .collect()
        })
        .unwrap_or_default();
    let owned: Vec<Presubmit> = presubmits.iter().map(|p| (*p).clone()).collect();
    let options = ContextOptions::from_config(config.prow.tide.context_options.as_ref()).unwrap();
    let policy = ContextPolicy::for_branch(&options, "k", "a", "main", &owned, &[]).unwrap();
    let changes = prs
        .iter()
        .map(|p| (p.number, vec!["main.go".to_string()]))
        .collect();
    Subpool {
        org: "k".into(),
        repo: "a".into(),
        branch: "main".into(),
        base_sha: BASE.into(),
        prs,
        runs,
        presubmits,
        changes,
        policy,
        in_repo: Default::default(),
        suspects: Vec::new(),
    }
}
