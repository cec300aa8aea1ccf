//! The pod a ProwJob runs in (upstream `decorate.ProwJobToPod`): the job's pod spec,
//! `restartPolicy: Never`, the labels and annotations
//! upstream puts on job pods, and the job's environment in every container (upstream
//! `downwardapi.EnvForSpec`); jobs with a `decoration_config` also get the pod utilities
//! ([`crate::decorate`]).

use k8s_openapi::api::core::v1::{EnvVar, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use prow_api::ProwJob;
use prow_api::downward::{self, JobSpec};
use prow_api::labels;
use std::collections::BTreeMap;

/// The name upstream gives a job's only container.
pub const TEST_CONTAINER_NAME: &str = "test";

/// The environment every container of the job gets.
pub fn job_env(job: &ProwJob, build_id: &str) -> BTreeMap<String, String> {
    downward::job_env(&JobSpec::for_job(job, build_id), &job.spec.agent)
}

/// The labels and annotations of a job's pod (upstream `LabelsAndAnnotationsForJob`).
pub fn pod_labels_and_annotations(
    job: &ProwJob,
    build_id: &str,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut pod_labels = job.metadata.labels.clone().unwrap_or_default();
    pod_labels.insert(labels::CREATED_BY_PROW.into(), "true".into());
    pod_labels.insert(
        labels::PROW_JOB_TYPE.into(),
        job.spec.job_type.as_str().into(),
    );
    pod_labels.insert(labels::PROW_JOB_ID.into(), job.name().into());
    pod_labels.insert(
        labels::PROW_JOB.into(),
        labels::sanitize_value(&job.spec.job),
    );
    pod_labels.insert(labels::PROW_BUILD_ID.into(), build_id.into());
    if let Some(refs) = &job.spec.refs {
        pod_labels.insert(labels::ORG.into(), labels::sanitize_value(&refs.org));
        pod_labels.insert(labels::REPO.into(), labels::sanitize_value(&refs.repo));
        pod_labels.insert(
            labels::BASE_REF.into(),
            labels::sanitize_value(&refs.base_ref),
        );
        if let Some(pull) = refs.pulls.first() {
            pod_labels.insert(labels::PULL.into(), pull.number.to_string());
        }
    }
    let mut annotations = job.metadata.annotations.clone().unwrap_or_default();
    annotations.insert(labels::PROW_JOB.into(), job.spec.job.clone());
    (pod_labels, annotations)
}

/// The pod for `job` in `namespace`, named after the job, decorated with the pod utilities when
/// the job has a `decoration_config`. `None` when the job has no pod spec.
pub fn pod_for(job: &ProwJob, namespace: &str, build_id: &str) -> Option<Pod> {
    let mut spec: PodSpec = job.spec.pod_spec.clone()?;
    spec.restart_policy = Some("Never".into());
    // A job's only container is always named `test`, as upstream names it.
    if let [only] = spec.containers.as_mut_slice() {
        only.name = TEST_CONTAINER_NAME.into();
    }
    let mut env = job_env(job, build_id);
    let decorated = job.spec.decoration_config.is_some();
    if decorated {
        env.insert("ARTIFACTS".into(), crate::decorate::ARTIFACTS_PATH.into());
        env.insert("GOPATH".into(), crate::decorate::CODE_PATH.into());
    }
    for container in &mut spec.containers {
        let mut vars = container.env.take().unwrap_or_default();
        vars.retain(|v| !env.contains_key(&v.name));
        vars.extend(env.iter().map(|(name, value)| EnvVar {
            name: name.clone(),
            value: Some(value.clone()),
            value_from: None,
        }));
        container.env = Some(vars);
    }
    if decorated {
        let job_spec = env.get("JOB_SPEC").cloned().unwrap_or_default();
        crate::decorate::decorate(&mut spec, job, &job_spec);
    }
    // No API token in test pods unless the job asks for one (or for a service account).
    if spec.automount_service_account_token.is_none() && spec.service_account_name.is_none() {
        spec.automount_service_account_token = Some(false);
    }
    let (labels, annotations) = pod_labels_and_annotations(job, build_id);
    Some(Pod {
        metadata: ObjectMeta {
            name: Some(job.name().into()),
            namespace: Some(namespace.into()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..ObjectMeta::default()
        },
        spec: Some(spec),
        status: None,
    })
}
