//! The ProwJob CRD: the OpenAPI schema comes from the Rust types through schemars, rewritten into
//! a structural schema the way kube's derive does it; names, scope and printer columns are
//! upstream's. Like upstream's CRD it has no status subresource, so upstream components that
//! write status with the object keep working beside ours.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionNames,
    CustomResourceDefinitionSpec, CustomResourceDefinitionVersion, CustomResourceValidation,
    JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use prow_api::prowjob::{GROUP, KIND, PLURAL, ProwJob, VERSION};

/// `kubectl get prowjobs` columns, as upstream's: (name, type, JSON path, description).
pub const PRINTER_COLUMNS: [(&str, &str, &str, &str); 9] = [
    (
        "Job",
        "string",
        ".spec.job",
        "The name of the job being run",
    ),
    (
        "BuildId",
        "string",
        ".status.build_id",
        "The ID of the job being run.",
    ),
    ("Type", "string", ".spec.type", "The type of job being run."),
    (
        "Org",
        "string",
        ".spec.refs.org",
        "The org for which the job is running.",
    ),
    (
        "Repo",
        "string",
        ".spec.refs.repo",
        "The repo for which the job is running.",
    ),
    (
        "Pulls",
        "string",
        ".spec.refs.pulls[*].number",
        "The pulls for which the job is running.",
    ),
    (
        "StartTime",
        "date",
        ".status.startTime",
        "When the job started running.",
    ),
    (
        "CompletionTime",
        "date",
        ".status.completionTime",
        "When the job finished running.",
    ),
    ("State", "string", ".status.state", "The state of the job."),
];

/// The structural OpenAPI schema of a ProwJob.
fn schema() -> Result<JSONSchemaProps, serde_json::Error> {
    let generator = schemars::generate::SchemaSettings::openapi3()
        .with(|settings| {
            settings.inline_subschemas = true;
            settings.meta_schema = None;
        })
        .with_transform(schemars::transform::AddNullable::default())
        .with_transform(kube::core::schema::StructuralSchemaRewriter)
        .with_transform(kube::core::schema::OptionalEnum)
        .with_transform(kube::core::schema::OptionalIntOrString)
        .into_generator();
    let mut schema = serde_json::to_value(generator.into_root_schema_for::<ProwJob>())?;
    if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        // The API server owns metadata's schema; upstream's CRD, like every CRD, leaves it open.
        properties.insert("metadata".into(), serde_json::json!({"type": "object"}));
        // The API server refuses defaults for the top-level apiVersion and kind.
        for name in ["apiVersion", "kind"] {
            if let Some(property) = properties.get_mut(name).and_then(|p| p.as_object_mut()) {
                property.remove("default");
            }
        }
    }
    if let Some(object) = schema.as_object_mut() {
        object.remove("title");
        object.insert(
            "description".into(),
            "ProwJob contains the spec as well as runtime metadata.".into(),
        );
    }
    serde_json::from_value(schema)
}

pub fn prowjob_crd() -> Result<CustomResourceDefinition, serde_json::Error> {
    Ok(CustomResourceDefinition {
        metadata: ObjectMeta {
            name: Some(format!("{PLURAL}.{GROUP}")),
            // `*.k8s.io` groups need an approved API review; this is upstream's.
            annotations: Some(
                [(
                    "api-approved.kubernetes.io".to_string(),
                    "https://github.com/kubernetes/test-infra/pull/8669".to_string(),
                )]
                .into(),
            ),
            ..ObjectMeta::default()
        },
        spec: CustomResourceDefinitionSpec {
            group: GROUP.into(),
            names: CustomResourceDefinitionNames {
                kind: KIND.into(),
                list_kind: Some("ProwJobList".into()),
                plural: PLURAL.into(),
                singular: Some("prowjob".into()),
                ..CustomResourceDefinitionNames::default()
            },
            scope: "Namespaced".into(),
            versions: vec![CustomResourceDefinitionVersion {
                name: VERSION.into(),
                served: true,
                storage: true,
                additional_printer_columns: Some(
                    PRINTER_COLUMNS
                        .iter()
                        .map(
                            |(name, type_, path, description)| CustomResourceColumnDefinition {
                                name: (*name).into(),
                                type_: (*type_).into(),
                                json_path: (*path).into(),
                                description: Some((*description).into()),
                                ..CustomResourceColumnDefinition::default()
                            },
                        )
                        .collect(),
                ),
                schema: Some(CustomResourceValidation {
                    open_api_v3_schema: Some(schema()?),
                }),
                ..CustomResourceDefinitionVersion::default()
            }],
            ..CustomResourceDefinitionSpec::default()
        },
        ..CustomResourceDefinition::default()
    })
}

/// The CRD as deployed (`knative/crds/prowjob.yaml`): JSON, which is YAML, one line per
/// property, so diffs stay readable.
pub fn prowjob_crd_yaml() -> Result<String, serde_json::Error> {
    let crd = serde_json::to_value(prowjob_crd()?)?;
    let mut object = serde_json::Map::new();
    object.insert("apiVersion".into(), "apiextensions.k8s.io/v1".into());
    object.insert("kind".into(), "CustomResourceDefinition".into());
    if let serde_json::Value::Object(fields) = crd {
        object.extend(
            fields
                .into_iter()
                .filter(|(k, _)| k != "apiVersion" && k != "kind"),
        );
    }
    let mut text = String::from(
        "# Generated from shared/prow-api's ProwJob by `UPDATE_CRD=1 cargo test -p prow-kube --test crd`; do not edit.\n",
    );
    text.push_str(&serde_json::to_string_pretty(&serde_json::Value::Object(
        object,
    ))?);
    text.push('\n');
    Ok(text)
}
