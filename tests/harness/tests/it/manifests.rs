//! The deployment manifests under `knative/` are accepted by a real API server, in both forms a
//! team deploys them: rendered by kustomize (`kustomize build knative/`) and decoded by the
//! Terraform module (`terraform/modules/manifests`, which `terraform/modules/knative` applies).
//! With Knative's own CRDs (from the corpus) and ours installed, every object passes a
//! server-side apply dry run with strict field validation, so a misspelt or misplaced field fails
//! here rather than at deploy time. Knative's CRDs keep unknown fields in `spec`, so for their
//! objects every key is also checked against the fields their schema declares.

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams, ValidationDirective};
use kube::core::GroupVersionKind;
use prow_test_harness::KubeTestEnv;
use prow_test_harness::deploy::{DeployTools, repo_root, terraform, terraform_manifests};
use prow_test_harness::kube::apply_crd;
use serde_json::Value;
use std::collections::BTreeMap;
const KNATIVE_CRDS: [&str; 6] = [
    "serving/config/core/300-resources/service.yaml",
    "eventing/config/core/resources/broker.yaml",
    "eventing/config/core/resources/trigger.yaml",
    "eventing/config/core/resources/apiserversource.yaml",
    "eventing/config/core/resources/pingsource.yaml",
    "eventing/config/core/resources/sinkbindings.yaml",
];

/// `kind/namespace/name` of an object.
fn key(object: &Value) -> String {
    format!(
        "{}/{}/{}",
        object["kind"].as_str().unwrap_or_default(),
        object["metadata"]["namespace"].as_str().unwrap_or_default(),
        object["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// The rendered objects by key; a key twice fails.
fn by_key(objects: Vec<Value>) -> BTreeMap<String, Value> {
    let mut keyed = BTreeMap::new();
    for object in objects {
        let key = key(&object);
        assert!(keyed.insert(key.clone(), object).is_none(), "{key} twice");
    }
    keyed
}

#[test]
fn the_kustomization_lists_every_manifest_file() {
    let dir = repo_root().join("knative");
    let kustomization: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap())
            .unwrap();
    let listed = crate::strings(&kustomization["resources"]);
    let mut files = vec!["crds/prowjob.yaml".to_string()];
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yaml") && name != "kustomization.yaml" {
            files.push(name);
        }
    }
    for file in &files {
        assert!(
            listed.contains(&file.as_str()),
            "knative/{file} is not among kustomization.yaml's resources {listed:?}"
        );
    }
}

#[tokio::test]
async fn the_kustomize_and_terraform_renderings_are_the_same_objects_and_the_api_server_accepts_them()
 {
    let Some(corpus) = prow_test_harness::corpus("knative-crds") else {
        return;
    };
    let Some(tools) = DeployTools::get().unwrap() else {
        return;
    };
    let Some(terraform) = terraform().unwrap() else {
        return;
    };
    let Some(env) = KubeTestEnv::shared().unwrap() else {
        return;
    };
    let rendered = by_key(tools.kustomize_build(&repo_root().join("knative")).unwrap());
    // The Terraform module with the values the kustomization carries.
    let decoded = by_key(
        terraform_manifests(
            &terraform,
            &[
                ("image_registry", "\"registry.example.com/prow\""),
                ("image_tag", "\"latest\""),
                ("artifact_bucket", "\"BUCKET\""),
            ],
        )
        .unwrap(),
    );
    assert_eq!(
        rendered.keys().collect::<Vec<_>>(),
        decoded.keys().collect::<Vec<_>>(),
        "kustomize and Terraform render different objects"
    );
    for (key, object) in &rendered {
        assert_eq!(
            object, &decoded[key],
            "{key} differs between kustomize and Terraform"
        );
    }

    // Only what people or GitHub reach is public.
    for (key, object) in rendered.iter().filter(|(k, _)| k.starts_with("Service/")) {
        if object["apiVersion"] != "serving.knative.dev/v1" {
            continue;
        }
        let name = object["metadata"]["name"].as_str().unwrap();
        let visibility = &object["metadata"]["labels"]["networking.knative.dev/visibility"];
        let public = ["hook", "deck", "trigger-pubsub"].contains(&name);
        assert_eq!(
            visibility.as_str(),
            (!public).then_some("cluster-local"),
            "{key}: public only if people, GitHub or Pub/Sub must reach it"
        );
        let image = object["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap();
        assert!(
            image.starts_with("registry.example.com/prow/") && image.ends_with(":latest"),
            "{key}: image {image} not set from the kustomization"
        );
    }

    // What Terraform's kubernetes_manifest (kubernetes provider v3.2) crashes planning, found by
    // running it once against this control plane (docs/deployment.md): a Knative Service's `env`
    // with two or more entries, a Trigger's `filters` with `any`.
    for (key, object) in &rendered {
        for container in object["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert!(
                container["env"].as_array().is_none_or(|env| env.len() < 2),
                "{key}: give a Knative Service's settings through envFrom, not a list of env"
            );
        }
        for filter in object["spec"]["filters"].as_array().into_iter().flatten() {
            assert!(
                filter["any"].is_null() && filter["all"].is_null(),
                "{key}: filter with one cesql expression, not any/all"
            );
        }
    }

    let client = env.client().await.unwrap();
    for crd in KNATIVE_CRDS {
        apply_crd(&client, &corpus.join("knative-crds").join(crd))
            .await
            .unwrap();
    }
    apply_crd(&client, &repo_root().join("knative/crds/prowjob.yaml"))
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

    let mut schemas = BTreeMap::new();
    for crd in KNATIVE_CRDS {
        let text = std::fs::read_to_string(corpus.join("knative-crds").join(crd)).unwrap();
        let crd: Value = serde_saphyr::from_str(&text).unwrap();
        let kind = crd["spec"]["names"]["kind"].as_str().unwrap().to_string();
        let versions = crd["spec"]["versions"].as_array().unwrap();
        let storage = versions.iter().find(|v| v["storage"] == true).unwrap();
        schemas.insert(kind, storage["schema"]["openAPIV3Schema"].clone());
    }
    let mut params = PatchParams::apply("manifest-check").dry_run();
    params.field_validation = Some(ValidationDirective::Strict);
    for (key, object) in &rendered {
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
            .unwrap_or_else(|e| panic!("{key}: no API for {gvk:?}: {e}"));
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
                "{key} has fields its CRD does not declare: {unknown:?}"
            );
        }
        let typed: DynamicObject = serde_json::from_value(object.clone()).unwrap();
        if let Err(error) = api.patch(&name, &params, &Patch::Apply(&typed)).await {
            panic!("{key} is refused: {error}");
        }
    }
    for expected in [
        "Namespace//prow",
        "Namespace//test-pods",
        "CustomResourceDefinition//prowjobs.prow.k8s.io",
        "ConfigMap/prow/config",
        "ConfigMap/prow/job-config",
        "ConfigMap/prow/plugins",
        "Service/prow/hook",
        "Role/prow/hook",
        "RoleBinding/prow/hook",
        "Service/prow/controller",
        "Service/prow/trigger",
        "Service/prow/trigger-pubsub",
        "Service/prow/horologium",
        "Service/prow/crier",
        "Service/prow/sinker",
        "PingSource/prow/sinker",
        "Role/prow/sinker",
        "Trigger/prow/trigger",
        "Trigger/prow/hook-lgtm",
        "PingSource/prow/hook-needs-rebase-sweep",
        "PingSource/prow/hook-redeliver",
        "Role/prow/trigger",
        "ApiServerSource/prow/controller-prowjobs",
        "ApiServerSource/test-pods/controller-pods",
        "PingSource/prow/controller-resync",
        "Role/prow/controller",
        "Role/test-pods/controller",
        "Service/prow/tide",
        "PingSource/prow/tide",
        "Role/prow/tide",
        "Service/prow/gerrit",
        "PingSource/prow/gerrit",
        "Role/prow/gerrit",
        "Service/prow/deck",
        "Role/prow/deck",
        "RoleBinding/prow/deck",
    ] {
        assert!(
            rendered.contains_key(expected),
            "{expected} not among {:?}",
            rendered.keys()
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
