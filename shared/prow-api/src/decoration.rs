//! Pod decoration (`decoration_config`): the utility images, upload target and timeouts that turn a
//! job's test container into a decorated pod. Defaults from `plank.default_decoration_config_entries`
//! fill in what a job leaves unset, field by field, as upstream's `ApplyDefault` does.

use crate::Duration;
use k8s_openapi::api::core::v1::{Affinity, ResourceRequirements, Toleration};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DecorationConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utility_images: Option<UtilityImages>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcs_configuration: Option<GcsConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcs_credentials_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_credentials_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_service_account_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_key_secrets: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_host_fingerprints: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blobless_fetch: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sparse_checkout_files: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_cloning: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookiefile_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_token_secret: Option<OauthTokenSecret>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub github_api_endpoints: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub github_app_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_app_private_key_secret: Option<GitHubAppPrivateKeySecret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub censor_secrets: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub censoring_options: Option<CensoringOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_ignores_interrupts: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_limit_equals_memory_request: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_memory_request: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_options: Option<SchedulingOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_pending_timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_running_timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_unscheduled_timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_group: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_group: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UtilityImages {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub clonerefs: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub initupload: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub entrypoint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sidecar: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Resources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clonerefs: Option<ResourceRequirements>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initupload: Option<ResourceRequirements>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_entrypoint: Option<ResourceRequirements>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar: Option<ResourceRequirements>,
}

/// Where job artifacts go. Despite the name, `bucket` may be `s3://…` (and is, for this project).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GcsConfiguration {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub bucket: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path_prefix: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path_strategy: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub default_org: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub default_repo: String,
    #[serde(
        default,
        rename = "mediaTypes",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub media_types: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub job_url_prefix: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub local_output_dir: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compress_file_types: Option<Vec<String>>,
}

/// The path strategies upstream accepts for `gcs_configuration.path_strategy`.
pub const PATH_STRATEGIES: [&str; 3] = ["legacy", "single", "explicit"];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CensoringOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub censoring_concurrency: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub censoring_buffer_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_directories: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_directories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_secret_length: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SchedulingOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OauthTokenSecret {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GitHubAppPrivateKeySecret {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
}

fn or_default<T: Clone>(value: Option<T>, default: &Option<T>) -> Option<T> {
    value.or_else(|| default.clone())
}

fn or_default_vec<T: Clone>(value: Vec<T>, default: &[T]) -> Vec<T> {
    if value.is_empty() {
        default.to_vec()
    } else {
        value
    }
}

fn or_default_string(value: String, default: &str) -> String {
    if value.is_empty() {
        default.to_string()
    } else {
        value
    }
}

impl DecorationConfig {
    /// Fills every field `self` leaves unset from `default`, as upstream's
    /// `DecorationConfig.ApplyDefault`: nested utility images, resources, upload target and
    /// censoring options merge field by field; everything else is taken whole when unset.
    pub fn apply_default(self, default: &DecorationConfig) -> DecorationConfig {
        let d = default;
        DecorationConfig {
            utility_images: merge_nested(self.utility_images, &d.utility_images, |u, def| {
                u.apply_default(def)
            }),
            resources: merge_nested(self.resources, &d.resources, |r, def| r.apply_default(def)),
            gcs_configuration: merge_nested(
                self.gcs_configuration,
                &d.gcs_configuration,
                |g, def| g.apply_default(def),
            ),
            censoring_options: merge_nested(
                self.censoring_options,
                &d.censoring_options,
                |c, def| c.apply_default(def),
            ),
            scheduling_options: or_default(self.scheduling_options, &d.scheduling_options),
            timeout: or_default(self.timeout, &d.timeout),
            grace_period: or_default(self.grace_period, &d.grace_period),
            gcs_credentials_secret: or_default(
                self.gcs_credentials_secret,
                &d.gcs_credentials_secret,
            ),
            s3_credentials_secret: or_default(self.s3_credentials_secret, &d.s3_credentials_secret),
            default_service_account_name: or_default(
                self.default_service_account_name,
                &d.default_service_account_name,
            ),
            ssh_key_secrets: or_default_vec(self.ssh_key_secrets, &d.ssh_key_secrets),
            ssh_host_fingerprints: or_default_vec(
                self.ssh_host_fingerprints,
                &d.ssh_host_fingerprints,
            ),
            blobless_fetch: or_default(self.blobless_fetch, &d.blobless_fetch),
            sparse_checkout_files: or_default_vec(
                self.sparse_checkout_files,
                &d.sparse_checkout_files,
            ),
            skip_cloning: or_default(self.skip_cloning, &d.skip_cloning),
            cookiefile_secret: or_default(self.cookiefile_secret, &d.cookiefile_secret),
            oauth_token_secret: or_default(self.oauth_token_secret, &d.oauth_token_secret),
            github_api_endpoints: or_default_vec(
                self.github_api_endpoints,
                &d.github_api_endpoints,
            ),
            github_app_id: or_default_string(self.github_app_id, &d.github_app_id),
            github_app_private_key_secret: or_default(
                self.github_app_private_key_secret,
                &d.github_app_private_key_secret,
            ),
            censor_secrets: or_default(self.censor_secrets, &d.censor_secrets),
            upload_ignores_interrupts: or_default(
                self.upload_ignores_interrupts,
                &d.upload_ignores_interrupts,
            ),
            set_limit_equals_memory_request: or_default(
                self.set_limit_equals_memory_request,
                &d.set_limit_equals_memory_request,
            ),
            default_memory_request: or_default(
                self.default_memory_request,
                &d.default_memory_request,
            ),
            pod_pending_timeout: or_default(self.pod_pending_timeout, &d.pod_pending_timeout),
            pod_running_timeout: or_default(self.pod_running_timeout, &d.pod_running_timeout),
            pod_unscheduled_timeout: or_default(
                self.pod_unscheduled_timeout,
                &d.pod_unscheduled_timeout,
            ),
            run_as_user: or_default(self.run_as_user, &d.run_as_user),
            run_as_group: or_default(self.run_as_group, &d.run_as_group),
            fs_group: or_default(self.fs_group, &d.fs_group),
        }
    }

    /// Upstream's `DecorationConfig.Validate`: a decorated job needs all four utility images and an
    /// upload target, and cannot clone with both an OAuth token and SSH keys.
    pub fn validate(&self) -> Result<(), DecorationError> {
        let Some(images) = &self.utility_images else {
            return Err(DecorationError::NoUtilityImages);
        };
        let missing: Vec<&str> = [
            ("clonerefs", &images.clonerefs),
            ("initupload", &images.initupload),
            ("entrypoint", &images.entrypoint),
            ("sidecar", &images.sidecar),
        ]
        .into_iter()
        .filter(|(_, image)| image.is_empty())
        .map(|(name, _)| name)
        .collect();
        if !missing.is_empty() {
            return Err(DecorationError::MissingImages(missing));
        }
        let Some(gcs) = &self.gcs_configuration else {
            return Err(DecorationError::NoUpload);
        };
        gcs.validate().map_err(DecorationError::Gcs)?;
        if self.oauth_token_secret.is_some() && !self.ssh_key_secrets.is_empty() {
            return Err(DecorationError::TokenAndSshKeys);
        }
        Ok(())
    }
}

/// Why a decoration config cannot decorate a job (upstream's words).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecorationError {
    #[error("utility image config is not specified")]
    NoUtilityImages,
    #[error("the following utility images are not specified: {0:?}")]
    MissingImages(Vec<&'static str>),
    #[error("GCS upload configuration is not specified")]
    NoUpload,
    #[error("GCS configuration is invalid: {0}")]
    Gcs(#[from] GcsError),
    #[error("both OAuth token and SSH key secrets are specified")]
    TokenAndSshKeys,
}

/// Why an upload configuration is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GcsError {
    #[error("gcs_path_strategy must be one of {PATH_STRATEGIES:?}, got {0:?}")]
    UnknownPathStrategy(String),
    #[error("default org and repo must be provided for GCS strategy {0:?}")]
    NoDefaultRepo(String),
}

fn merge_nested<T: Clone>(
    value: Option<T>,
    default: &Option<T>,
    merge: impl FnOnce(T, &T) -> T,
) -> Option<T> {
    match (value, default) {
        (Some(value), Some(default)) => Some(merge(value, default)),
        (value, default) => value.or_else(|| default.clone()),
    }
}

impl UtilityImages {
    pub fn apply_default(self, default: &UtilityImages) -> UtilityImages {
        UtilityImages {
            clonerefs: or_default_string(self.clonerefs, &default.clonerefs),
            initupload: or_default_string(self.initupload, &default.initupload),
            entrypoint: or_default_string(self.entrypoint, &default.entrypoint),
            sidecar: or_default_string(self.sidecar, &default.sidecar),
        }
    }
}

impl Resources {
    pub fn apply_default(self, default: &Resources) -> Resources {
        Resources {
            clonerefs: or_default(self.clonerefs, &default.clonerefs),
            initupload: or_default(self.initupload, &default.initupload),
            place_entrypoint: or_default(self.place_entrypoint, &default.place_entrypoint),
            sidecar: or_default(self.sidecar, &default.sidecar),
        }
    }
}

impl CensoringOptions {
    pub fn apply_default(self, default: &CensoringOptions) -> CensoringOptions {
        CensoringOptions {
            censoring_concurrency: or_default(
                self.censoring_concurrency,
                &default.censoring_concurrency,
            ),
            censoring_buffer_size: or_default(
                self.censoring_buffer_size,
                &default.censoring_buffer_size,
            ),
            include_directories: or_default_vec(
                self.include_directories,
                &default.include_directories,
            ),
            exclude_directories: or_default_vec(
                self.exclude_directories,
                &default.exclude_directories,
            ),
            minimum_secret_length: or_default(
                self.minimum_secret_length,
                &default.minimum_secret_length,
            ),
        }
    }
}

impl GcsConfiguration {
    /// As upstream: unset fields come from the default; media types are the union, and where both
    /// name the same extension the default's entry wins (upstream copies the default map over).
    pub fn apply_default(self, default: &GcsConfiguration) -> GcsConfiguration {
        let mut media_types = self.media_types;
        media_types.extend(default.media_types.clone());
        GcsConfiguration {
            bucket: or_default_string(self.bucket, &default.bucket),
            path_prefix: or_default_string(self.path_prefix, &default.path_prefix),
            path_strategy: or_default_string(self.path_strategy, &default.path_strategy),
            default_org: or_default_string(self.default_org, &default.default_org),
            default_repo: or_default_string(self.default_repo, &default.default_repo),
            media_types,
            job_url_prefix: or_default_string(self.job_url_prefix, &default.job_url_prefix),
            local_output_dir: or_default_string(self.local_output_dir, &default.local_output_dir),
            compress_file_types: self
                .compress_file_types
                .or_else(|| default.compress_file_types.clone()),
        }
    }

    /// Upstream's `GCSConfiguration.Validate`: a known path strategy, and default org and repo
    /// for the strategies that shorten paths of the default repository.
    pub fn validate(&self) -> Result<(), GcsError> {
        if !PATH_STRATEGIES.contains(&self.path_strategy.as_str()) {
            return Err(GcsError::UnknownPathStrategy(self.path_strategy.clone()));
        }
        if self.path_strategy != "explicit"
            && (self.default_org.is_empty() || self.default_repo.is_empty())
        {
            return Err(GcsError::NoDefaultRepo(self.path_strategy.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(clonerefs: &str, sidecar: &str) -> UtilityImages {
        UtilityImages {
            clonerefs: clonerefs.into(),
            sidecar: sidecar.into(),
            ..Default::default()
        }
    }

    #[test]
    fn job_values_win_and_gaps_come_from_the_default() {
        let job = DecorationConfig {
            timeout: Some(Duration::from_secs(60)),
            utility_images: Some(images("job/clonerefs", "")),
            ..Default::default()
        };
        let default = DecorationConfig {
            timeout: Some(Duration::from_secs(7200)),
            grace_period: Some(Duration::from_secs(15)),
            utility_images: Some(images("default/clonerefs", "default/sidecar")),
            ..Default::default()
        };
        let merged = job.apply_default(&default);
        assert_eq!(merged.timeout, Some(Duration::from_secs(60)));
        assert_eq!(merged.grace_period, Some(Duration::from_secs(15)));
        assert_eq!(
            merged.utility_images,
            Some(images("job/clonerefs", "default/sidecar"))
        );
    }

    #[test]
    fn default_media_types_override_the_jobs_as_upstream() {
        let job = GcsConfiguration {
            media_types: [("log".to_string(), "text/job".to_string())].into(),
            ..Default::default()
        };
        let default = GcsConfiguration {
            bucket: "s3://logs".into(),
            media_types: [
                ("log".to_string(), "text/default".to_string()),
                ("xml".to_string(), "text/xml".to_string()),
            ]
            .into(),
            ..Default::default()
        };
        let merged = job.apply_default(&default);
        assert_eq!(merged.bucket, "s3://logs");
        assert_eq!(merged.media_types["log"], "text/default");
        assert_eq!(merged.media_types["xml"], "text/xml");
    }

    #[test]
    fn validation_names_missing_images_and_upload_target() {
        let mut config = DecorationConfig {
            utility_images: Some(images("c", "")),
            ..Default::default()
        };
        let err = config.validate().unwrap_err().to_string();
        assert!(
            err.contains("initupload") && err.contains("sidecar"),
            "{err}"
        );
        config.utility_images = Some(UtilityImages {
            clonerefs: "c".into(),
            initupload: "i".into(),
            entrypoint: "e".into(),
            sidecar: "s".into(),
        });
        assert_eq!(
            config.validate().unwrap_err().to_string(),
            "GCS upload configuration is not specified"
        );
        config.gcs_configuration = Some(GcsConfiguration {
            path_strategy: "explicit".into(),
            ..Default::default()
        });
        assert_eq!(config.validate(), Ok(()));
    }
}
