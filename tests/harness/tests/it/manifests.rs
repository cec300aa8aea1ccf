//! The deployment manifests under `knative/` are accepted by a real API server: with Knative's own
//! CRDs (from the corpus) and ours installed, every object in every manifest passes a server-side
//! apply dry run with strict field validation, so a misspelt or misplaced field fails here
//! rather than at deploy time. Knative's CRDs keep unknown fields in `spec`, so for their
//! objects every key is also checked against the fields their schema declares.

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams, ValidationDirective};
use kube::core::GroupVersionKind;
use prow_test_harness::KubeTestEnv;
use prow_test_harness::kube::apply_crd;
use std::path::Path;

const KNATIVE_CRDS: [&str; 6] = [
    "serving/config/core/300-resources/service.yaml",
    "eventing/config/core/resources/broker.yaml",
    "eventing/config/core/resources/trigger.yaml",
    "eventing/config/core/resources/apiserversource.yaml",
    "eventing/config/core/resources/pingsource.yaml",
    "eventing/config/core/resources/sinkbindings.yaml",
];

#[tokio::test]
async fn every_manifest_object_is_accepted_by_the_api_server() {
    let Some(corpus) = prow_test_harness::corpus("knative-crds") else {
        return;
    };
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let client = env.client().await.unwrap();
    for crd in KNATIVE_CRDS {
        apply_crd(&client, &corpus.join("knative-crds").join(crd))
            .await
            .unwrap();
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    apply_crd(&client, &repo.join("knative/crds/prowjob.yaml"))
        .await
        .unwrap();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    for name in ["prow", "test-pods"] {
        let namespace: Namespace =
            serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).unwrap();
        match namespaces.create(&PostParams::default(), &namespace).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(error) => panic!("creating namespace {name}: {error}"),
        }
    }

    let mut schemas = std::collections::BTreeMap::new();
    for crd in KNATIVE_CRDS {
        let text = std::fs::read_to_string(corpus.join("knative-crds").join(crd)).unwrap();
        let crd: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let kind = crd["spec"]["names"]["kind"].as_str().unwrap().to_string();
        let versions = crd["spec"]["versions"].as_array().unwrap();
        let storage = versions.iter().find(|v| v["storage"] == true).unwrap();
        schemas.insert(kind, storage["schema"]["openAPIV3Schema"].clone());
    }
    let mut params = PatchParams::apply("manifest-check").dry_run();
    params.field_validation = Some(ValidationDirective::Strict);
    let mut checked = Vec::new();
    let mut manifests: Vec<_> = std::fs::read_dir(repo.join("knative"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    manifests.sort();
    assert!(!manifests.is_empty());
    for manifest in manifests {
        let text = std::fs::read_to_string(&manifest).unwrap();
        let objects: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        for object in objects.into_iter().filter(|o| !o.is_null()) {
            let (group, version) = match object["apiVersion"].as_str().unwrap().split_once('/') {
                Some((group, version)) => (group.to_string(), version.to_string()),
                None => (
                    String::new(),
                    object["apiVersion"].as_str().unwrap().to_string(),
                ),
            };
            let gvk = GroupVersionKind::gvk(&group, &version, object["kind"].as_str().unwrap());
            let (resource, _) = kube::discovery::pinned_kind(&client, &gvk)
                .await
                .unwrap_or_else(|e| panic!("{}: no API for {gvk:?}: {e}", manifest.display()));
            let name = object["metadata"]["name"].as_str().unwrap().to_string();
            let api: Api<DynamicObject> = match object["metadata"]["namespace"].as_str() {
                Some(namespace) => Api::namespaced_with(client.clone(), namespace, &resource),
                None => Api::all_with(client.clone(), &resource),
            };
            if let Some(schema) = schemas.get(&gvk.kind) {
                let mut unknown = Vec::new();
                undeclared(
                    &object["spec"],
                    &schema["properties"]["spec"],
                    "spec",
                    &mut unknown,
                );
                assert!(
                    unknown.is_empty(),
                    "{}: {} {name} has fields its CRD does not declare: {unknown:?}",
                    manifest.display(),
                    gvk.kind
                );
            }
            let typed: DynamicObject = serde_json::from_value(object.clone()).unwrap();
            if let Err(error) = api.patch(&name, &params, &Patch::Apply(&typed)).await {
                panic!(
                    "{}: {} {name} is refused: {error}",
                    manifest.display(),
                    gvk.kind
                );
            }
            checked.push(format!("{}/{name}", gvk.kind));
        }
    }
    for expected in [
        "Service/hook",
        "Service/controller",
        "Service/trigger",
        "Service/horologium",
        "PingSource/sinker",
        "Role/sinker",
        "Trigger/trigger",
        "Trigger/hook-lgtm",
        "PingSource/hook-needs-rebase-sweep",
        "Role/trigger",
        "ApiServerSource/controller-prowjobs",
        "ApiServerSource/controller-pods",
        "PingSource/controller-resync",
        "Role/controller",
        "Service/tide",
        "PingSource/tide",
        "Role/tide",
        "Service/deck",
        "Role/deck",
        "RoleBinding/deck",
    ] {
        assert!(
            checked.iter().any(|c| c == expected),
            "{expected} not among {checked:?}"
        );
    }
}

/// Keys of `value` that `schema` declares no property for, where it declares properties.
fn undeclared(
    value: &serde_json::Value,
    schema: &serde_json::Value,
    path: &str,
    found: &mut Vec<String>,
) {
    match value {
        serde_json::Value::Object(object) => {
            let Some(properties) = schema["properties"].as_object() else {
                return;
            };
            for (key, child) in object {
                match properties.get(key) {
                    Some(child_schema) => {
                        undeclared(child, child_schema, &format!("{path}.{key}"), found)
                    }
                    None => found.push(format!("{path}.{key}")),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                undeclared(item, &schema["items"], &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}
