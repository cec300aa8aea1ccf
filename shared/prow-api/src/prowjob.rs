//! The ProwJob custom resource (`prow.k8s.io/v1`, kind `ProwJob`), field for field as upstream's
//! `prowapi.ProwJob`, with upstream's JSON names and `omitempty` behaviour, so ProwJobs written by
//! upstream components read here and ours read there. Its CRD is generated from these types.
//!
//! Like upstream's CRD, it has no status subresource: status is written with the object, under
//! optimistic concurrency (`metadata.resourceVersion`).

use crate::{
    DecorationConfig, JenkinsSpec, ProwJobDefault, ProwJobState, ProwJobType, Refs, ReporterConfig,
    RerunAuthConfig, is_false, is_zero,
};
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const GROUP: &str = "prow.k8s.io";
pub const VERSION: &str = "v1";
pub const API_VERSION: &str = "prow.k8s.io/v1";
pub const KIND: &str = "ProwJob";
pub const PLURAL: &str = "prowjobs";

fn api_version() -> String {
    API_VERSION.to_string()
}

fn kind() -> String {
    KIND.to_string()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProwJob {
    #[serde(rename = "apiVersion", default = "api_version")]
    pub api_version: String,
    #[serde(default = "kind")]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: ProwJobSpec,
    #[serde(default)]
    pub status: ProwJobStatus,
}

impl ProwJob {
    pub fn new(metadata: ObjectMeta, spec: ProwJobSpec, status: ProwJobStatus) -> ProwJob {
        ProwJob {
            api_version: api_version(),
            kind: kind(),
            metadata,
            spec,
            status,
        }
    }

    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    /// Whether the job has finished (upstream `Complete`): it has a completion time.
    pub fn complete(&self) -> bool {
        self.status.completion_time.is_some()
    }
}

/// Lets Kubernetes clients address ProwJobs (kube's `Api<ProwJob>` uses these facts).
impl k8s_openapi::Resource for ProwJob {
    const API_VERSION: &'static str = API_VERSION;
    const GROUP: &'static str = GROUP;
    const KIND: &'static str = KIND;
    const VERSION: &'static str = VERSION;
    const URL_PATH_SEGMENT: &'static str = PLURAL;
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::Metadata for ProwJob {
    type Ty = ObjectMeta;

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// Accepted as written (upstream embeds Tekton's types; this project does not run Tekton jobs).
fn preserve_unknown_fields(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
}

/// Upstream's `TektonPipelineRunSpec`: one Tekton version, its spec kept as written.
fn tekton_pipeline_run_spec(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "properties": {
            "v1beta1": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
        }
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProwJobSpec {
    #[serde(rename = "type")]
    pub job_type: ProwJobType,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub agent: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default)]
    pub job: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refs: Option<Refs>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_refs: Vec<Refs>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub report: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub context: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rerun_command: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_concurrency: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub error_on_eviction: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_spec: Option<PodSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jenkins_spec: Option<JenkinsSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "preserve_unknown_fields")]
    pub pipeline_run_spec: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "tekton_pipeline_run_spec")]
    pub tekton_pipeline_run_spec: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoration_config: Option<DecorationConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_config: Option<ReporterConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerun_auth_config: Option<RerunAuthConfig>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub hidden: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prowjob_defaults: Option<ProwJobDefault>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub job_queue_name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProwJobStatus {
    #[serde(rename = "startTime", default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    #[serde(
        rename = "pendingTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pending_time: Option<Time>,
    #[serde(
        rename = "completionTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub completion_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ProwJobState>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pod_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub build_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub jenkins_build_id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prev_report_states: BTreeMap<String, ProwJobState>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pod_revival_count: i64,
}
