//! The options a decorated pod hands its utilities, as upstream encodes them in environment
//! variables (`CLONEREFS_OPTIONS`, `INITUPLOAD_OPTIONS`, `ENTRYPOINT_OPTIONS`, `SIDECAR_OPTIONS`):
//! the same JSON, so upstream's utility images and ours are interchangeable in a pod. Durations
//! are Go's `time.Duration` JSON, integer nanoseconds.

use crate::{GcsConfiguration, Refs};
use serde::{Deserialize, Serialize};

pub const CLONEREFS_OPTIONS: &str = "CLONEREFS_OPTIONS";
pub const INITUPLOAD_OPTIONS: &str = "INITUPLOAD_OPTIONS";
pub const ENTRYPOINT_OPTIONS: &str = "ENTRYPOINT_OPTIONS";
pub const SIDECAR_OPTIONS: &str = "SIDECAR_OPTIONS";

/// clonerefs (upstream `clonerefs.Options`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClonerefsOptions {
    pub src_root: String,
    /// Where the clone records (JSON) are written.
    pub log: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub git_user_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub git_user_email: String,
    #[serde(default)]
    pub refs: Vec<Refs>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_files: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub oauth_token_file: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_fingerprints: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fail: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_api_endpoints: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub github_app_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub github_app_private_key_file: String,
}

/// Where uploads go (upstream `gcsupload.Options`, with the storage configuration inlined).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UploadOptions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sub_dir: String,
    #[serde(flatten)]
    pub storage: GcsConfiguration,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub gcs_credentials_file: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub s3_credentials_file: String,
    #[serde(default)]
    pub dry_run: bool,
}

/// initupload (upstream `initupload.Options`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InitUploadOptions {
    #[serde(flatten)]
    pub upload: UploadOptions,
    /// The clone records clonerefs wrote, when it ran.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub log: String,
}

/// One wrapped test container (upstream `wrapper.Options`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WrapperOptions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub container_name: String,
    pub process_log: String,
    pub marker_file: String,
    pub metadata_file: String,
}

/// entrypoint (upstream `entrypoint.Options`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntrypointOptions {
    /// Nanoseconds; zero means upstream's default (2 hours).
    pub timeout: u64,
    /// Nanoseconds; zero means upstream's default (15 seconds).
    pub grace_period: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub artifact_dir: String,
    #[serde(flatten)]
    pub wrapper: WrapperOptions,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub previous_marker: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub always_zero: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub propagate_error_code: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub copy_mode_only: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub copy_dst: String,
}

/// sidecar (upstream `sidecar.Options`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SidecarOptions {
    pub gcs_options: UploadOptions,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<WrapperOptions>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub entry_error: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_interrupts: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub censoring_options: Option<serde_json::Value>,
}

/// Go's `time.Duration` JSON for `duration`.
pub fn go_nanos(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
