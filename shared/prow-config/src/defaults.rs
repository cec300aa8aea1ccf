//! Defaults, applied as upstream applies them at load: component settings, each job's agent,
//! namespace, cluster, context and trigger, decoration from `plank.default_decoration_config_entries`
//! (later entries override earlier ones, the job's own settings override both), ProwJob defaults,
//! and presets merged into pod specs.

use crate::JobConfig;
use crate::diagnostics::{Diagnostic, DiagnosticKind};
use crate::jobs::{
    JobBase, Periodic, Postsubmit, Preset, Presubmit, default_rerun_command_for,
    default_trigger_for,
};
use crate::prow_config::{DefaultDecorationConfigEntry, Plank, ProwConfig, Sinker, entry_matches};
use crate::regexes::LazyRegex;
use k8s_openapi::api::core::v1::PodSpec;
use prow_api::{
    DEFAULT_CLUSTER_ALIAS, DecorationConfig, Duration, KUBERNETES_AGENT, ProwJobDefault,
    ProwJobType,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Upstream's tenant for jobs that name none.
pub const DEFAULT_TENANT_ID: &str = "GlobalDefaultID";

/// Applies the component defaults, and returns the default decoration entries jobs take theirs
/// from; `config_file` names `config.yaml` in messages about its settings.
pub(crate) fn components(
    prow: &mut ProwConfig,
    config_file: &Arc<str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<DefaultDecorationConfigEntry> {
    default_components(prow);
    decoration_entries(&prow.plank, config_file, diagnostics)
}

/// Jobs worked on together: one repository's, or a run of periodics.
pub(crate) enum Batch<'a> {
    Presubmits(&'a str, &'a [Presubmit]),
    Postsubmits(&'a str, &'a [Postsubmit]),
    Periodics(&'a [Periodic]),
}

/// Defaults every job, a batch at a time on all cores, and hands each batch, defaulted, to
/// `then` (validation) while it is still in the cache. Returns what both found.
pub(crate) fn jobs(
    prow: &ProwConfig,
    decoration_defaults: &[DefaultDecorationConfigEntry],
    jobs: &mut JobConfig,
    then: impl Fn(Batch<'_>) -> Vec<Diagnostic> + Sync,
) -> Vec<Diagnostic> {
    enum Work<'a> {
        Presubmits(&'a str, &'a mut [Presubmit]),
        Postsubmits(&'a str, &'a mut [Postsubmit]),
        Periodics(&'a mut [Periodic]),
    }
    let decorate_all_jobs = jobs.decorate_all_jobs;
    let presets = &jobs.presets;
    let mut work: Vec<Work<'_>> = Vec::new();
    for (repo, presubmits) in &mut jobs.presubmits {
        work.push(Work::Presubmits(repo, presubmits));
    }
    for (repo, postsubmits) in &mut jobs.postsubmits {
        work.push(Work::Postsubmits(repo, postsubmits));
    }
    for chunk in jobs.periodics.chunks_mut(64) {
        work.push(Work::Periodics(chunk));
    }
    // Each batch on its own thread with its own cache of merged decoration defaults.
    let found = crate::parallel::map(work, |batch| {
        let context = Defaulting {
            prow,
            decoration_defaults,
            merged_defaults: RefCell::new(HashMap::new()),
            decorate_all_jobs,
            presets,
        };
        let mut found = Vec::new();
        let defaulted = match batch {
            Work::Presubmits(repo, jobs) => {
                for job in jobs.iter_mut() {
                    context.default(JobToDefault::Presubmit(repo, job), &mut found);
                }
                Batch::Presubmits(repo, jobs)
            }
            Work::Postsubmits(repo, jobs) => {
                for job in jobs.iter_mut() {
                    context.default(JobToDefault::Postsubmit(repo, job), &mut found);
                }
                Batch::Postsubmits(repo, jobs)
            }
            Work::Periodics(jobs) => {
                for job in jobs.iter_mut() {
                    context.default(JobToDefault::Periodic(job), &mut found);
                }
                Batch::Periodics(jobs)
            }
        };
        found.extend(then(defaulted));
        found
    });
    found.into_iter().flatten().collect()
}

/// One job to default, with the repository it belongs to.
enum JobToDefault<'a> {
    Presubmit(&'a str, &'a mut crate::jobs::Presubmit),
    Postsubmit(&'a str, &'a mut crate::jobs::Postsubmit),
    Periodic(&'a mut crate::jobs::Periodic),
}

fn default_components(prow: &mut ProwConfig) {
    fn or(value: &mut Option<Duration>, default: Duration) {
        value.get_or_insert(default);
    }
    if prow.prowjob_namespace.is_empty() {
        prow.prowjob_namespace = "default".to_string();
    }
    if prow.pod_namespace.is_empty() {
        prow.pod_namespace = "default".to_string();
    }
    let plank = &mut prow.plank;
    or(
        &mut plank.pod_pending_timeout,
        Plank::DEFAULT_POD_PENDING_TIMEOUT,
    );
    or(
        &mut plank.pod_running_timeout,
        Plank::DEFAULT_POD_RUNNING_TIMEOUT,
    );
    or(
        &mut plank.pod_unscheduled_timeout,
        Plank::DEFAULT_POD_UNSCHEDULED_TIMEOUT,
    );
    plank
        .max_revivals
        .get_or_insert(Plank::DEFAULT_MAX_REVIVALS);
    if plank.max_goroutines == 0 {
        plank.max_goroutines = Plank::DEFAULT_MAX_GOROUTINES;
    }
    let sinker = &mut prow.sinker;
    or(&mut sinker.resync_period, Sinker::DEFAULT_RESYNC_PERIOD);
    or(&mut sinker.max_prowjob_age, Sinker::DEFAULT_MAX_PROWJOB_AGE);
    or(&mut sinker.max_pod_age, Sinker::DEFAULT_MAX_POD_AGE);
    let max_pod_age = sinker.max_pod_age.unwrap_or(Sinker::DEFAULT_MAX_POD_AGE);
    or(&mut sinker.terminated_pod_ttl, max_pod_age);
    or(&mut prow.horologium.tick_interval, Duration::from_secs(60));
    let tide = &mut prow.tide;
    or(&mut tide.sync_period, Duration::from_secs(60));
    let sync_period = tide.sync_period.unwrap_or(Duration::from_secs(60));
    or(&mut tide.status_update_period, sync_period);
    if tide.max_goroutines == 0 {
        tide.max_goroutines = 20;
    }
    or(&mut prow.deck.tide_update_period, Duration::from_secs(10));
    if prow.github_reporter.job_types_to_report.is_empty() {
        prow.github_reporter.job_types_to_report =
            vec![ProwJobType::Presubmit, ProwJobType::Postsubmit];
    }
    or(
        &mut prow.default_job_timeout,
        Duration::from_secs(24 * 3600),
    );
}

/// The default decoration entries, from whichever of upstream's two forms is used. The map form
/// orders `*` first, then orgs, then repos, so that more specific entries override.
fn decoration_entries(
    plank: &Plank,
    config_file: &Arc<str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<DefaultDecorationConfigEntry> {
    let map = &plank.default_decoration_configs;
    if !map.is_empty() && !plank.default_decoration_config_entries.is_empty() {
        diagnostics.push(Diagnostic::error(
            DiagnosticKind::Invalid,
            config_file.clone(),
            crate::YamlPath::root().key("plank").key("default_decoration_configs"),
            "plank.default_decoration_configs and plank.default_decoration_config_entries are mutually exclusive, please use one or the other".to_string(),
        ));
    }
    if map.is_empty() {
        return plank.default_decoration_config_entries.clone();
    }
    let rank = |key: &str| match key {
        "*" => 0,
        k if !k.contains('/') => 1,
        _ => 2,
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by_key(|k| rank(k));
    keys.into_iter()
        .map(|key| DefaultDecorationConfigEntry {
            org_repo: key.clone(),
            cluster: String::new(),
            config: map.get(key).cloned(),
        })
        .collect()
}

struct Defaulting<'a> {
    prow: &'a ProwConfig,
    decoration_defaults: &'a [DefaultDecorationConfigEntry],
    /// The merged default per repo and cluster, shared by every job that adds nothing to it:
    /// Kubernetes' config would otherwise hold thousands of identical copies.
    merged_defaults: RefCell<HashMap<(String, String), Arc<DecorationConfig>>>,
    decorate_all_jobs: bool,
    presets: &'a [Preset],
}

impl Defaulting<'_> {
    fn default(&self, job: JobToDefault<'_>, diagnostics: &mut Vec<Diagnostic>) {
        match job {
            JobToDefault::Presubmit(repo, job) => {
                if job.reporter.context.is_empty() {
                    job.reporter.context = job.base.name.clone();
                }
                // Both or neither: when only one is set, validation reports it.
                if job.trigger.is_empty() && job.rerun_command.is_empty() {
                    job.trigger = default_trigger_for(&job.base.name);
                    job.rerun_command = default_rerun_command_for(&job.base.name);
                }
                job.trigger_re = LazyRegex::new(job.trigger.clone());
                self.default_job(&mut job.base, repo, diagnostics);
            }
            JobToDefault::Postsubmit(repo, job) => {
                if job.reporter.context.is_empty() {
                    job.reporter.context = job.base.name.clone();
                }
                self.default_job(&mut job.base, repo, diagnostics);
            }
            JobToDefault::Periodic(job) => {
                let repo = job
                    .base
                    .utility
                    .extra_refs
                    .first()
                    .map(|r| r.org_repo())
                    .unwrap_or_default();
                self.default_job(&mut job.base, &repo, diagnostics);
            }
        }
    }

    fn default_job(&self, base: &mut JobBase, repo: &str, diagnostics: &mut Vec<Diagnostic>) {
        if base.agent.is_empty() {
            base.agent = KUBERNETES_AGENT.to_string();
        }
        if base.namespace.as_deref().is_none_or(str::is_empty) {
            base.namespace = Some(self.prow.pod_namespace.clone());
        }
        if base.cluster.is_empty() {
            base.cluster = DEFAULT_CLUSTER_ALIAS.to_string();
        }
        let decorate = *base.utility.decorate.get_or_insert(self.decorate_all_jobs);
        if decorate {
            let own = base.utility.decoration_config.take();
            base.utility.decoration_config = Some(self.decoration_for(repo, &base.cluster, own));
        }
        base.prowjob_defaults =
            Some(self.prowjob_default_for(repo, &base.cluster, base.prowjob_defaults.take()));
        if let Some(spec) = &mut base.spec {
            merge_presets(self.presets, &base.labels, spec)
                .into_iter()
                .for_each(|message| {
                    diagnostics.push(
                        Diagnostic::error(
                            DiagnosticKind::Invalid,
                            base.source.file.clone(),
                            base.source.path.clone(),
                            format!("failed to merge presets for podspec: {message}"),
                        )
                        .for_job(&base.name),
                    )
                });
        }
    }

    fn decoration_for(
        &self,
        repo: &str,
        cluster: &str,
        own: Option<Arc<DecorationConfig>>,
    ) -> Arc<DecorationConfig> {
        let default = self.default_decoration(repo, cluster);
        match own {
            Some(own) => Arc::new(Arc::unwrap_or_clone(own).apply_default(&default)),
            None => default,
        }
    }

    fn default_decoration(&self, repo: &str, cluster: &str) -> Arc<DecorationConfig> {
        let key = (repo.to_string(), cluster.to_string());
        if let Some(cached) = self.merged_defaults.borrow().get(&key) {
            return cached.clone();
        }
        let mut merged: Option<DecorationConfig> = None;
        for entry in self.decoration_defaults {
            if let Some(config) = &entry.config
                && entry_matches(&entry.org_repo, &entry.cluster, repo, cluster)
            {
                merged = Some(match merged {
                    Some(earlier) => config.clone().apply_default(&earlier),
                    None => config.clone(),
                });
            }
        }
        let merged = Arc::new(merged.unwrap_or_default());
        self.merged_defaults
            .borrow_mut()
            .insert(key, merged.clone());
        merged
    }

    fn prowjob_default_for(
        &self,
        repo: &str,
        cluster: &str,
        own: Option<ProwJobDefault>,
    ) -> ProwJobDefault {
        let mut merged = ProwJobDefault::default();
        for entry in &self.prow.prowjob_default_entries {
            if let Some(config) = &entry.config
                && entry_matches(&entry.org_repo, &entry.cluster, repo, cluster)
            {
                merged = config.clone().apply_default(&merged);
            }
        }
        let mut merged = own.map_or(merged.clone(), |own| own.apply_default(&merged));
        if merged.tenant_id.is_empty() {
            merged.tenant_id = DEFAULT_TENANT_ID.to_string();
        }
        merged
    }
}

/// Merges every preset into `spec`, returning the collisions. The lists grow once, by exactly
/// what the matching presets add: a k8s `Volume` is over 3 KB, and growth slack (or shrinking it
/// away afterwards) across thousands of jobs costs tens of MB or as many copies.
fn merge_presets(
    presets: &[Preset],
    labels: &prow_api::StringMap,
    spec: &mut PodSpec,
) -> Vec<PresetConflict> {
    let matching: Vec<&Preset> = presets.iter().filter(|p| p.applies_to(labels)).collect();
    if matching.is_empty() {
        return Vec::new();
    }
    let added = |count: fn(&Preset) -> usize| matching.iter().map(|p| count(p)).sum::<usize>();
    let (volumes, tolerations) = (added(|p| p.volumes.len()), added(|p| p.tolerations.len()));
    let (env, mounts) = (added(|p| p.env.len()), added(|p| p.volume_mounts.len()));
    if volumes > 0 {
        spec.volumes
            .get_or_insert_with(Vec::new)
            .reserve_exact(volumes);
    }
    if tolerations > 0 {
        spec.tolerations
            .get_or_insert_with(Vec::new)
            .reserve_exact(tolerations);
    }
    for container in &mut spec.containers {
        if env > 0 {
            container
                .env
                .get_or_insert_with(Vec::new)
                .reserve_exact(env);
        }
        if mounts > 0 {
            container
                .volume_mounts
                .get_or_insert_with(Vec::new)
                .reserve_exact(mounts);
        }
    }
    matching
        .into_iter()
        .filter_map(|preset| merge_preset(preset, labels, spec).err())
        .collect()
}

/// A preset that would override what the pod spec already has (upstream's words).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PresetConflict {
    #[error("env var duplicated in pod spec: {0}")]
    Env(String),
    #[error("volume duplicated in pod spec: {0}")]
    Volume(String),
    #[error("volume mount duplicated in pod spec: {0}")]
    Mount(String),
    #[error("toleration duplicated in pod spec: {0}")]
    Toleration(String),
}

/// Upstream `mergePreset`: when every preset label is on the job, append the preset's env and
/// mounts to every container and its volumes and tolerations to the pod; a name already there is
/// an error rather than a silent override.
pub(crate) fn merge_preset(
    preset: &Preset,
    labels: &prow_api::StringMap,
    spec: &mut PodSpec,
) -> Result<(), PresetConflict> {
    if !preset.applies_to(labels) {
        return Ok(());
    }
    for env in &preset.env {
        for container in &mut spec.containers {
            let envs = container.env.get_or_insert_with(Vec::new);
            if envs.iter().any(|e| e.name == env.name) {
                return Err(PresetConflict::Env(env.name.clone()));
            }
            envs.push(env.clone());
        }
    }
    for volume in &preset.volumes {
        let volumes = spec.volumes.get_or_insert_with(Vec::new);
        if volumes.iter().any(|v| v.name == volume.name) {
            return Err(PresetConflict::Volume(volume.name.clone()));
        }
        volumes.push(volume.clone());
    }
    for mount in &preset.volume_mounts {
        for container in &mut spec.containers {
            let mounts = container.volume_mounts.get_or_insert_with(Vec::new);
            if mounts.iter().any(|m| m.name == mount.name) {
                return Err(PresetConflict::Mount(mount.name.clone()));
            }
            mounts.push(mount.clone());
        }
    }
    for toleration in &preset.tolerations {
        let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
        if tolerations.contains(toleration) {
            return Err(PresetConflict::Toleration(format!("{toleration:?}")));
        }
        tolerations.push(toleration.clone());
    }
    Ok(())
}
