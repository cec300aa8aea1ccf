//! The URL a ProwJob's status links to (upstream `pjutil.JobURL`): for a decorated job with a
//! `plank.job_url_prefix_config` entry, the prefix, the storage provider, the bucket and the run's
//! storage path; otherwise `plank.job_url_template` executed over the job.

use prow_api::ProwJob;
use prow_api::downward::{Bucket, JobSpec, StoragePaths};
use prow_template::Template;
use prow_template::TemplateError;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobUrls {
    /// `plank.job_url_prefix_config`: keys `*`, `org` or `org/repo`, the most specific wins.
    pub prefixes: BTreeMap<String, String>,
    /// `plank.jobURLPrefixDisableAppendStorageProvider`.
    pub omit_storage_provider: bool,
    /// `plank.job_url_template`, parsed.
    pub template: Option<Template>,
}

impl JobUrls {
    /// From `plank`'s settings. The loader refused a template that does not parse, so one that
    /// does not is taken as none.
    pub fn from_config(plank: &prow_config::Plank) -> JobUrls {
        JobUrls {
            prefixes: plank.job_url_prefix_config.clone(),
            omit_storage_provider: plank.job_url_prefix_disable_append_storage_provider,
            template: Template::parse(&plank.job_url_template)
                .ok()
                .filter(|_| !plank.job_url_template.is_empty()),
        }
    }

    /// The job URL prefix for `job` (upstream `GetJobURLPrefix`): the job's own
    /// `gcs_configuration.job_url_prefix`, else the most specific `job_url_prefix_config` entry
    /// for its `refs` (periodics use `*`). `None` when there is none.
    pub fn prefix<'a>(&'a self, job: &'a ProwJob) -> Option<&'a str> {
        let own = job
            .spec
            .decoration_config
            .as_ref()
            .and_then(|d| d.gcs_configuration.as_ref())
            .map(|g| g.job_url_prefix.as_str())
            .filter(|p| !p.is_empty());
        if own.is_some() {
            return own;
        }
        let keys = job
            .spec
            .refs
            .as_ref()
            .map(|r| vec![format!("{}/{}", r.org, r.repo), r.org.clone()])
            .unwrap_or_default();
        keys.iter()
            .map(String::as_str)
            .chain(["*"])
            .find_map(|k| self.prefixes.get(k))
            .map(String::as_str)
            .filter(|p| !p.is_empty())
    }

    /// The URL of `job`'s run `build_id` (`job.status.build_id` is not read), or an empty string
    /// when there is nothing to link to. A template that fails leaves it empty and says why.
    pub fn url(&self, job: &ProwJob, build_id: &str) -> Result<String, TemplateError> {
        let gcs = job
            .spec
            .decoration_config
            .as_ref()
            .and_then(|d| d.gcs_configuration.as_ref());
        if let (Some(gcs), Some(prefix)) = (gcs, self.prefix(job)) {
            let paths = StoragePaths::for_spec(gcs, &JobSpec::for_job(job, build_id));
            let bucket = Bucket::parse(&gcs.bucket);
            let mut url = prefix.trim_end_matches('/').to_string();
            if !self.omit_storage_provider {
                url = format!("{url}/{}", bucket.provider);
            }
            return Ok(format!("{url}/{}/{}", bucket.name, paths.run));
        }
        let Some(template) = &self.template else {
            return Ok(String::new());
        };
        let mut data =
            serde_json::to_value(job).map_err(|e| TemplateError::Execute(e.to_string()))?;
        data["status"]["build_id"] = serde_json::Value::String(build_id.to_string());
        template.execute(&data)
    }
}
