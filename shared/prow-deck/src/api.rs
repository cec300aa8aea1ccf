//! The JSON other tools read from deck, in upstream's shapes: `/prowjobs.js` (`{"items": [...]}`
//! with `omit=`, `org=`, `repo=`, `owner=`), `/tide.js`, `/tide-history.js`, and the `var=`
//! wrapping that turns any of them into a script.

use prow_api::ProwJob;
use prow_config::TideQuery;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `/prowjobs.js`'s query.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProwJobsQuery {
    /// Comma-separated: `annotations`, `labels`, `decoration_config`, `pod_spec`.
    pub omit: String,
    pub org: String,
    pub repo: String,
    /// A pull request author.
    pub owner: String,
    pub var: String,
}

/// A ProwJob as deck keeps it between reads of the list: its JSON (what `/prowjobs.js` sends,
/// a tenth of the parsed job's memory) and the facts its filters ask.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptJob {
    pub name: String,
    /// Upstream's JSON, without `managedFields`.
    pub json: Box<str>,
    /// `(org, repo)` of the main refs, when the job has them.
    pub main: Option<(String, String)>,
    /// `(org, repo)` of each extra ref.
    pub extra: Vec<(String, String)>,
    /// The pull requests' authors.
    pub authors: Vec<String>,
}

impl KeptJob {
    pub fn of(job: &ProwJob) -> Result<KeptJob, serde_json::Error> {
        let mut trimmed = std::borrow::Cow::Borrowed(job);
        if job.metadata.managed_fields.is_some() {
            trimmed.to_mut().metadata.managed_fields = None;
        }
        let pair = |r: &prow_api::Refs| (r.org.clone(), r.repo.clone());
        Ok(KeptJob {
            name: job.name().to_string(),
            json: serde_json::to_string(trimmed.as_ref())?.into_boxed_str(),
            main: job.spec.refs.as_ref().map(pair),
            extra: job.spec.extra_refs.iter().map(pair).collect(),
            authors: job
                .spec
                .refs
                .iter()
                .flat_map(|r| &r.pulls)
                .map(|p| p.author.clone())
                .collect(),
        })
    }

    /// The job itself, read back.
    pub fn job(&self) -> Result<ProwJob, serde_json::Error> {
        serde_json::from_str(&self.json)
    }

    /// Upstream's `refsMatch`: the main refs' field, else any extra ref's.
    fn refs_match(&self, value: &str, field: fn(&(String, String)) -> &str) -> bool {
        match &self.main {
            Some(main) => field(main) == value,
            None => self.extra.iter().any(|r| field(r) == value),
        }
    }

    fn admitted_by(&self, query: &ProwJobsQuery) -> bool {
        (query.org.is_empty() || self.refs_match(&query.org, |r| &r.0))
            && (query.repo.is_empty() || self.refs_match(&query.repo, |r| &r.1))
            && (query.owner.is_empty() || self.authors.contains(&query.owner))
    }
}

/// `/prowjobs.js` from kept jobs: their JSON as kept, unless `omit=` asks for less (then each
/// admitted job is read back and trimmed).
pub fn prowjobs_json_kept<'k>(
    jobs: impl IntoIterator<Item = &'k KeptJob>,
    query: &ProwJobsQuery,
) -> Result<String, serde_json::Error> {
    let omits = query.omit.split(',').map(str::trim).any(|o| {
        matches!(
            o,
            "annotations" | "labels" | "decoration_config" | "pod_spec"
        )
    });
    let mut out = String::from(r#"{"items":["#);
    let mut first = true;
    for kept in jobs.into_iter().filter(|k| k.admitted_by(query)) {
        if !first {
            out.push(',');
        }
        first = false;
        if omits {
            let job = kept.job()?;
            let trimmed = prowjobs_json(std::slice::from_ref(&job), query)?;
            // `{"items":[<job>]}`: the job alone.
            out.push_str(&trimmed[10..trimmed.len() - 2]);
        } else {
            out.push_str(&kept.json);
        }
    }
    out.push_str("]}");
    Ok(out)
}

#[derive(Serialize)]
struct Items<'a> {
    items: Vec<std::borrow::Cow<'a, ProwJob>>,
}

/// The body of `/prowjobs.js` (upstream `handleProwJobs`): the jobs `query` admits, without the
/// omitted parts (`pod_spec` keeps one empty container per container, as upstream, so a reader
/// still knows how many there are) and without `managedFields`.
pub fn prowjobs_json(jobs: &[ProwJob], query: &ProwJobsQuery) -> Result<String, serde_json::Error> {
    let omit: Vec<&str> = query.omit.split(',').map(str::trim).collect();
    let refs_match =
        |job: &ProwJob, value: &str, field: fn(&prow_api::Refs) -> &str| match &job.spec.refs {
            Some(refs) => field(refs) == value,
            None => job.spec.extra_refs.iter().any(|r| field(r) == value),
        };
    let items = jobs
        .iter()
        .filter(|job| query.org.is_empty() || refs_match(job, &query.org, |r| &r.org))
        .filter(|job| query.repo.is_empty() || refs_match(job, &query.repo, |r| &r.repo))
        .filter(|job| {
            query.owner.is_empty()
                || job
                    .spec
                    .refs
                    .iter()
                    .flat_map(|r| &r.pulls)
                    .any(|p| p.author == query.owner)
        })
        .map(|job| {
            let trims = job.metadata.managed_fields.is_some()
                || omit.iter().any(|o| {
                    matches!(
                        *o,
                        "annotations" | "labels" | "decoration_config" | "pod_spec"
                    )
                });
            if !trims {
                return std::borrow::Cow::Borrowed(job);
            }
            let mut job = job.clone();
            job.metadata.managed_fields = None;
            for omitted in &omit {
                match *omitted {
                    "annotations" => job.metadata.annotations = None,
                    "labels" => job.metadata.labels = None,
                    "decoration_config" => job.spec.decoration_config = None,
                    "pod_spec" => {
                        if let Some(pod_spec) = &mut job.spec.pod_spec {
                            let containers = pod_spec.containers.len();
                            *pod_spec = k8s_openapi::api::core::v1::PodSpec {
                                containers: vec![Default::default(); containers],
                                ..Default::default()
                            };
                        }
                    }
                    _ => {}
                }
            }
            std::borrow::Cow::Owned(job)
        })
        .collect();
    serde_json::to_string(&Items { items })
}

/// `var NAME = JSON;` when `var` is set (upstream `writeJSONResponse`), else the JSON. `None` when
/// `var` is no JavaScript identifier: deck refuses to write it into a script.
pub fn wrap_var(json: String, var: &str) -> Option<String> {
    if var.is_empty() {
        return Some(json);
    }
    let identifier = var.chars().enumerate().all(|(i, c)| {
        c == '_' || c == '$' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())
    });
    identifier.then(|| format!("var {var} = {json};"))
}

/// One tide query as upstream's JSON spells it (`config.TideQuery`, `omitempty` throughout).
pub fn tide_query_json(query: &TideQuery) -> Value {
    let mut object = serde_json::Map::new();
    let mut list = |key: &str, values: &[String]| {
        if !values.is_empty() {
            object.insert(key.to_string(), json!(values));
        }
    };
    list("orgs", &query.orgs);
    list("repos", &query.repos);
    list("excludedRepos", &query.excluded_repos);
    list("labels", &query.labels);
    list("missingLabels", &query.missing_labels);
    list("excludedBranches", &query.excluded_branches);
    list("includedBranches", &query.included_branches);
    if !query.author.is_empty() {
        object.insert("author".into(), json!(query.author));
    }
    if !query.milestone.is_empty() {
        object.insert("milestone".into(), json!(query.milestone));
    }
    if query.review_approved_required {
        object.insert("reviewApprovedRequired".into(), json!(true));
    }
    Value::Object(object)
}

/// `/tide.js` (upstream `tidePools`): the queries as GitHub search strings and as config, and the
/// pools tide last saw.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TidePools {
    #[serde(rename = "Queries")]
    pub queries: Vec<String>,
    #[serde(rename = "TideQueries")]
    pub tide_queries: Vec<Value>,
    #[serde(rename = "Pools")]
    pub pools: Vec<prow_tide::record::PoolForDeck>,
}

impl TidePools {
    pub fn new(queries: &[TideQuery], pools: Vec<prow_tide::record::PoolForDeck>) -> TidePools {
        TidePools {
            queries: queries.iter().map(prow_tide::query::search).collect(),
            tide_queries: queries.iter().map(tide_query_json).collect(),
            pools,
        }
    }
}

/// `/tide-history.js` (upstream `tideHistory`): each pool's records, newest first.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TideHistory {
    #[serde(rename = "History")]
    pub history: BTreeMap<String, Vec<prow_tide::record::Record>>,
}
