//! The ProwJob CRD generated from our types: committed as deployed, covering every field of
//! upstream's CRD, accepted by a real API server, and round-tripping ProwJobs built from real jobs.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::{Api, ListParams, PostParams};
use prow_api::{ProwJob, ProwJobSpec, ProwJobState, ProwJobStatus, ProwJobType};
use prow_test_harness::KubeTestEnv;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knative/crds/prowjob.yaml")
}

#[test]
fn the_committed_crd_is_the_generated_one() {
    let generated = prow_kube::prowjob_crd_yaml().unwrap();
    if std::env::var_os("UPDATE_CRD").is_some() {
        std::fs::write(committed(), &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(committed()).unwrap_or_default();
    assert!(
        on_disk == generated,
        "knative/crds/prowjob.yaml is stale: run `UPDATE_CRD=1 cargo test -p prow-kube --test crd`"
    );
}

/// Every field path of a schema: `.spec.refs.pulls[].number`, `.status.prev_report_states{}`.
fn paths(schema: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Some(properties) = schema["properties"].as_object() {
        for (name, child) in properties {
            let path = format!("{prefix}.{name}");
            out.insert(path.clone());
            paths(child, &path, out);
        }
    }
    if schema["items"].is_object() {
        paths(&schema["items"], &format!("{prefix}[]"), out);
    }
    if schema["additionalProperties"].is_object() {
        paths(
            &schema["additionalProperties"],
            &format!("{prefix}{{}}"),
            out,
        );
    }
}

/// Upstream fields we leave out on purpose, by path prefix, with the reason.
/// Empty today: pod specs are k8s-openapi's Kubernetes 1.36 types, which cover upstream's. When a
/// newer upstream CRD brings fields of a Kubernetes release we do not build for yet, they are
/// listed here with that reason.
const DELIBERATELY_ABSENT: &[(&str, &str)] = &[];

#[test]
fn every_upstream_field_exists_in_ours() {
    let Some(corpus) = prow_test_harness::corpus("crds") else {
        return;
    };
    let text = std::fs::read_to_string(
        corpus.join("crds/config/prow/cluster/prowjob-crd/prowjob_customresourcedefinition.yaml"),
    )
    .unwrap();
    let upstream: Value = serde_saphyr::from_str(&text).unwrap();
    let ours = serde_json::to_value(prow_kube::prowjob_crd().unwrap()).unwrap();
    let schema_of = |crd: &Value| crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone();
    let (mut theirs, mut mine) = (BTreeSet::new(), BTreeSet::new());
    paths(&schema_of(&upstream), "", &mut theirs);
    paths(&schema_of(&ours), "", &mut mine);
    assert!(theirs.len() > 1000, "{} upstream paths", theirs.len());
    let missing: Vec<&String> = theirs
        .iter()
        .filter(|p| !mine.contains(*p))
        .filter(|p| {
            !DELIBERATELY_ABSENT
                .iter()
                .any(|(prefix, _)| p.starts_with(prefix))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} upstream field paths are missing:\n{}",
        missing.len(),
        missing
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Enumerations agree.
    for path in [["spec", "type"], ["status", "state"]] {
        let enum_of = |crd: &Value| {
            let mut values: Vec<String> = schema_of(crd)["properties"][path[0]]["properties"]
                [path[1]]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{path:?} has an enum"))
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            values.sort();
            values
        };
        assert_eq!(enum_of(&ours), enum_of(&upstream), "{path:?}");
    }
    assert_eq!(
        ours["spec"]["versions"][0]["additionalPrinterColumns"],
        upstream["spec"]["versions"][0]["additionalPrinterColumns"]
    );
}

/// A ProwJob for a configured periodic, as upstream's `pjutil.NewProwJob(PeriodicSpec(job))`
/// shapes it (the trigger issue brings the real constructor).
fn prowjob_for(job: &prow_config::Periodic, name: &str) -> ProwJob {
    let base = &job.base;
    ProwJob::new(
        ObjectMeta {
            name: Some(name.into()),
            labels: Some(
                [
                    (
                        "prow.k8s.io/job".to_string(),
                        base.name
                            .chars()
                            .take(63)
                            .collect::<String>()
                            .trim_end_matches(['-', '.', '_'])
                            .to_string(),
                    ),
                    ("prow.k8s.io/type".to_string(), "periodic".to_string()),
                ]
                .into(),
            ),
            ..ObjectMeta::default()
        },
        ProwJobSpec {
            job_type: ProwJobType::Periodic,
            agent: base.agent.clone(),
            cluster: base.cluster.clone(),
            namespace: base.namespace.clone().unwrap_or_default(),
            job: base.name.clone(),
            refs: None,
            extra_refs: base.utility.extra_refs.clone(),
            report: true,
            context: String::new(),
            rerun_command: String::new(),
            max_concurrency: base.max_concurrency,
            error_on_eviction: base.error_on_eviction,
            pod_spec: base.spec.clone(),
            jenkins_spec: None,
            pipeline_run_spec: base.pipeline_run_spec.clone(),
            tekton_pipeline_run_spec: base.tekton_pipeline_run_spec.clone(),
            decoration_config: base.utility.decoration_config.as_deref().cloned(),
            reporter_config: base.reporter_config.clone(),
            rerun_auth_config: base.rerun_auth_config.clone(),
            hidden: base.hidden,
            prowjob_defaults: base.prowjob_defaults.clone(),
            job_queue_name: base.job_queue_name.clone(),
        },
        ProwJobStatus {
            start_time: Some(Time("2026-11-28T00:00:00Z".parse().unwrap())),
            state: Some(ProwJobState::Triggered),
            ..ProwJobStatus::default()
        },
    )
}

#[tokio::test]
async fn prowjobs_from_real_jobs_round_trip_through_our_crd_on_a_real_api_server() {
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let Some(corpus) = prow_test_harness::corpus("crds") else {
        return;
    };
    let client = env.client().await.unwrap();
    let crd = tempfile_with(&prow_kube::prowjob_crd_yaml().unwrap());
    prow_test_harness::kube::apply_crd(&client, crd.path())
        .await
        .unwrap();
    let namespace = prow_test_harness::kube::create_namespace(&client, "typed-prowjobs")
        .await
        .unwrap();
    let api: Api<ProwJob> = Api::namespaced(client, &namespace);

    let config = corpus.join("k8s-prow/config");
    let loaded = prow_config::load(
        &prow_config::ConfigPaths {
            config_path: config.join("prow/config.yaml"),
            job_config_path: Some(config.join("jobs")),
            plugin_config: None,
        },
        prow_config::LoadOptions::default(),
    )
    .unwrap();
    let sample: Vec<_> = loaded.config.jobs.periodics.iter().step_by(16).collect();
    assert!(sample.len() > 50);
    for (index, job) in sample.iter().enumerate() {
        let sent = prowjob_for(job, &format!("typed-{index}"));
        let created = api
            .create(&PostParams::default(), &sent)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", job.name()));
        let stored = api.get(created.name()).await.unwrap();
        assert_eq!(
            stored.spec,
            sent.spec,
            "{}: the spec comes back field for field",
            job.name()
        );
        assert_eq!(stored.status, sent.status, "{}", job.name());
    }
    let listed = api
        .list(&ListParams::default().labels("prow.k8s.io/type=periodic"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), sample.len());

    // Status is written with the object, under optimistic concurrency.
    let stale = api.get("typed-0").await.unwrap();
    let mut pending = stale.clone();
    pending.status.state = Some(ProwJobState::Pending);
    pending.status.pod_name = "typed-0".into();
    api.replace("typed-0", &PostParams::default(), &pending)
        .await
        .unwrap();
    let mut late = stale;
    late.status.state = Some(ProwJobState::Aborted);
    let conflict = api
        .replace("typed-0", &PostParams::default(), &late)
        .await
        .unwrap_err();
    assert!(
        matches!(&conflict, kube::Error::Api(s) if s.code == 409),
        "{conflict}"
    );
    let current = api.get("typed-0").await.unwrap();
    assert_eq!(current.status.state, Some(ProwJobState::Pending));
    assert_eq!(current.status.pod_name, "typed-0");
}

fn tempfile_with(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

#[tokio::test]
async fn the_kube_job_store_keeps_the_job_store_contract() {
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let client = env.client().await.unwrap();
    let crd = tempfile_with(&prow_kube::prowjob_crd_yaml().unwrap());
    prow_test_harness::kube::apply_crd(&client, crd.path())
        .await
        .unwrap();
    let namespace = prow_test_harness::kube::create_namespace(&client, "job-store")
        .await
        .unwrap();
    let store = prow_kube::KubeJobStore::new(client, &namespace);
    prow_test_harness::contract::job_store_contract(&store)
        .await
        .unwrap();
}
