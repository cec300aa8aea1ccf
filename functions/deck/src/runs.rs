//! Runs in the bucket: a run's page (`/view/s3/<bucket>/<run folder>`, upstream's spyglass), a
//! folder's listing, a raw artifact, a job's history.

use crate::Deck;
use crate::pages::unavailable;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use futures_util::StreamExt;
use futures_util::future::join_all;
use prow_api::ProwJob;
use prow_api::downward::{Finished, Started, files};
use prow_deck::history::{HistoryRoot, Run, page, run_folder_from_alias};
use prow_deck::html::{self, FolderEntry, RunView};
use prow_deck::junit::{JunitResults, is_junit};
use prow_ports::artifacts::{ArtifactStore, ReadError};
use serde::Deserialize;

/// The largest part of a build log a page shows (its end); the raw log has all of it.
const LOG_SHOWN_BYTES: usize = 4 * 1024 * 1024;
/// The most artifacts a run's page lists, and JUnit files it reads.
const ARTIFACTS_LISTED: usize = 2000;
const JUNIT_FILES_READ: usize = 20;
/// How deep the artifact tree is walked.
const ARTIFACT_DEPTH: usize = 6;

fn not_found(message: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(html::notice("Not found", "", &message).into_string()),
    )
        .into_response()
}

/// Only plain key segments: no `..`, no empty segments in the middle.
fn clean_key(path: &str) -> Option<String> {
    let trimmed = path.trim_matches('/');
    if trimmed
        .split('/')
        .any(|part| part == ".." || part == "." || (part.is_empty() && !trimmed.is_empty()))
    {
        return None;
    }
    Some(trimmed.to_string())
}

/// The refusal when links may not name `bucket`.
fn refused(deck: &Deck, bucket: &str) -> Option<Response> {
    (!deck.bucket_allowed(bucket)).then(|| {
        not_found(format!(
            "deck does not read the bucket {bucket:?}: it is not one the configuration uploads to (add it to deck.additional_allowed_buckets)"
        ))
    })
}

pub(crate) async fn view_bucket(
    deck: State<Deck>,
    Path(bucket): Path<String>,
    headers: HeaderMap,
) -> Response {
    view(deck, Path((bucket, String::new())), headers).await
}

pub(crate) async fn view(
    State(deck): State<Deck>,
    Path((bucket, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(refusal) = refused(&deck, &bucket) {
        return refusal;
    }
    let Some(folder) = clean_key(&path) else {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    };
    let store = deck.options().buckets.bucket(&bucket);
    let listed = match store.list(&folder).await {
        Ok(listed) => listed,
        Err(error) => return unavailable("The bucket", &error),
    };
    let is_run = listed.iter().any(|entry| {
        [files::STARTED, files::FINISHED, files::BUILD_LOG].contains(&entry.name.as_str())
    });
    if is_run {
        return match run_view(&deck, store.as_ref(), &bucket, &folder, &headers).await {
            Ok(None) => not_found(format!("nothing is at {bucket}/{folder}")),
            Ok(Some((view, csrf_cookie))) => {
                let mut response = Html(html::run(&view).into_string()).into_response();
                if let Some(cookie) = csrf_cookie {
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                }
                response
            }
            Err(error) => unavailable("The run", &error),
        };
    }
    if listed.is_empty() && !folder.is_empty() {
        return not_found(format!("nothing is at {bucket}/{folder}"));
    }
    let entries: Vec<FolderEntry> = listed
        .into_iter()
        .map(|entry| FolderEntry {
            name: entry.name,
            size: entry.size,
        })
        .collect();
    Html(html::folder(&bucket, &folder, &entries).into_string()).into_response()
}

async fn read_json<T: serde::de::DeserializeOwned>(
    store: &dyn ArtifactStore,
    key: &str,
) -> Result<Option<T>, ReadError> {
    Ok(store
        .get(key)
        .await?
        .and_then(|body| serde_json::from_slice(&body).ok()))
}

/// Every object under `folder`, breadth first, as keys relative to it.
async fn artifact_tree(
    store: &dyn ArtifactStore,
    folder: &str,
) -> Result<Vec<(String, u64)>, ReadError> {
    let mut found = Vec::new();
    let mut level = vec![String::new()];
    for _ in 0..ARTIFACT_DEPTH {
        let mut next = Vec::new();
        for relative in level {
            let prefix = if relative.is_empty() {
                folder.to_string()
            } else {
                format!("{folder}/{relative}")
            };
            for entry in store.list(&prefix).await? {
                let key = format!("{relative}{}", entry.name);
                match entry.size {
                    Some(size) => found.push((key, size)),
                    None => next.push(key),
                }
                if found.len() >= ARTIFACTS_LISTED {
                    return Ok(found);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    found.sort();
    Ok(found)
}

/// The job history page of a run folder: `logs/<job>/<build>` or `pr-logs/pull/.../<job>/<build>`.
fn history_link(bucket: &str, folder: &str) -> Option<String> {
    let parts: Vec<&str> = folder.split('/').collect();
    match parts.as_slice() {
        ["logs", job, _build] => Some(format!("/job-history/s3/{bucket}/logs/{job}")),
        ["pr-logs", "pull", .., job, _build] => {
            Some(format!("/job-history/s3/{bucket}/pr-logs/directory/{job}"))
        }
        _ => None,
    }
}

async fn run_view(
    deck: &Deck,
    store: &dyn ArtifactStore,
    bucket: &str,
    folder: &str,
    headers: &HeaderMap,
) -> Result<Option<(RunView, Option<HeaderValue>)>, ReadError> {
    let key = |name: &str| format!("{folder}/{name}");
    let (started_key, finished_key, prowjob_key, log_key) = (
        key(files::STARTED),
        key(files::FINISHED),
        key(files::PROWJOB),
        key(files::BUILD_LOG),
    );
    let (started, finished, prowjob, log, artifacts) = tokio::join!(
        read_json::<Started>(store, &started_key),
        read_json::<Finished>(store, &finished_key),
        read_json::<ProwJob>(store, &prowjob_key),
        store.get(&log_key),
        artifact_tree(store, folder),
    );
    let (started, finished, prowjob, log, artifacts) =
        (started?, finished?, prowjob?, log?, artifacts?);
    // A hidden job's run is as hidden as the job.
    let config = deck.config();
    if let Some(job) = &prowjob
        && !prow_deck::joblist::visible(
            job,
            &config.prow.deck.hidden_repos,
            deck.options().show_hidden,
        )
    {
        return Ok(None);
    }

    let mut junit: Option<JunitResults> = None;
    let mut junit_errors = Vec::new();
    let junit_keys: Vec<&String> = artifacts
        .iter()
        .map(|(key, _)| key)
        .filter(|key| is_junit(key))
        .take(JUNIT_FILES_READ)
        .collect();
    let bodies = join_all(
        junit_keys
            .iter()
            .map(|relative| store.get_owned(key(relative))),
    )
    .await;
    for (relative, body) in junit_keys.iter().zip(bodies) {
        match body {
            Ok(Some(body)) => match prow_deck::junit::parse(relative, &body) {
                Ok(results) => junit
                    .get_or_insert_with(JunitResults::default)
                    .merge(results),
                Err(error) => junit_errors.push(error.to_string()),
            },
            Ok(None) => {}
            Err(error) => junit_errors.push(error.to_string()),
        }
    }

    let mut log_skipped_bytes = 0;
    let log = log.map(|bytes| {
        let shown = if bytes.len() > LOG_SHOWN_BYTES {
            log_skipped_bytes = (bytes.len() - LOG_SHOWN_BYTES) as u64;
            &bytes[bytes.len() - LOG_SHOWN_BYTES..]
        } else {
            &bytes[..]
        };
        prow_deck::buildlog::render(&String::from_utf8_lossy(shown), None)
    });

    // The job as deck knows it now says whether a run without `finished.json` still runs.
    let name = prowjob.as_ref().map(|job| job.name().to_string());
    let current = match &name {
        Some(name) => deck.options().jobs.get(name).await.ok(),
        None => None,
    };
    let job = current.as_ref().or(prowjob.as_ref());
    let refs = job.and_then(|job| job.spec.refs.as_ref());
    let mut parts = folder.rsplit('/');
    let build_id = parts.next().unwrap_or_default().to_string();
    let job_name = job
        .map(|job| job.spec.job.clone())
        .or_else(|| parts.next().map(str::to_string))
        .unwrap_or_default();
    // Buttons only for a job deck still has (a rerun copies it).
    let (actions, csrf_cookie) = match &current {
        Some(job) => {
            let here = format!("/view/s3/{bucket}/{folder}");
            crate::actions::actions_for(deck, headers, job, &here)
        }
        None => (None, None),
    };
    let view = RunView {
        bucket: bucket.to_string(),
        folder: folder.to_string(),
        job: job_name,
        build_id,
        prowjob: name,
        state: job
            .and_then(|job| job.status.state)
            .map(|state| state.as_str().to_string()),
        started,
        finished,
        pull_link: refs
            .and_then(|refs| refs.pulls.first())
            .map(|pull| (pull.number, pull.link.clone())),
        repo: refs.map(|refs| refs.org_repo()).unwrap_or_default(),
        log,
        log_skipped_bytes,
        junit,
        junit_errors,
        artifacts,
        history: history_link(bucket, folder),
        actions,
    };
    Ok(Some((view, csrf_cookie)))
}

/// A helper so a join over keys need not borrow them.
trait GetOwned {
    fn get_owned(&self, key: String) -> prow_ports::PortFuture<'_, Option<Vec<u8>>, ReadError>;
}

impl<S: ArtifactStore + ?Sized> GetOwned for S {
    fn get_owned(&self, key: String) -> prow_ports::PortFuture<'_, Option<Vec<u8>>, ReadError> {
        Box::pin(async move { self.get(&key).await })
    }
}

/// A raw artifact. What a job wrote is untrusted: it is never served as a page of deck's (text as
/// plain text, the rest as a download, sandboxed either way).
pub(crate) async fn artifact(
    State(deck): State<Deck>,
    Path((bucket, key)): Path<(String, String)>,
) -> Response {
    if let Some(refusal) = refused(&deck, &bucket) {
        return refusal;
    }
    let Some(key) = clean_key(&key).filter(|k| !k.is_empty()) else {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    };
    let body = match deck.options().buckets.bucket(&bucket).get(&key).await {
        Ok(Some(body)) => body,
        Ok(None) => return not_found(format!("nothing is at {bucket}/{key}")),
        Err(error) => return unavailable("The artifact", &error),
    };
    let text = std::str::from_utf8(&body[..body.len().min(8192)]).is_ok()
        || std::str::from_utf8(&body).is_ok();
    let content_type = if text {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    };
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    response
}

#[derive(Deserialize, Default)]
pub(crate) struct HistoryQuery {
    #[serde(rename = "buildId", default)]
    build_id: Option<u64>,
}

pub(crate) async fn job_history(
    State(deck): State<Deck>,
    Path((bucket, path)): Path<(String, String)>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    if let Some(refusal) = refused(&deck, &bucket) {
        return refusal;
    }
    let Some(root) = HistoryRoot::parse(&path) else {
        return not_found(format!(
            "{path:?} is not a job's history: use logs/<job> or pr-logs/directory/<job>"
        ));
    };
    let store = deck.options().buckets.bucket(&bucket);
    let listed = match store.list(&root.folder()).await {
        Ok(listed) => listed,
        Err(error) => return unavailable("The job's history", &error),
    };
    let ids: Vec<u64> = listed
        .iter()
        .filter_map(|entry| root.build_id(&entry.name))
        .collect();
    let page = page(ids, query.build_id);
    let runs = join_all(
        page.builds
            .iter()
            .map(|&build| read_run(store.as_ref(), &bucket, &root, build)),
    )
    .await;
    let runs: Vec<Run> = match runs.into_iter().collect::<Result<Vec<_>, _>>() {
        Ok(runs) => runs.into_iter().flatten().collect(),
        Err(error) => return unavailable("The job's history", &error),
    };
    let chart = prow_deck::charts::run_durations(&bucket, &runs);
    Html(html::history(&bucket, &root, &runs, &page, chart).into_string()).into_response()
}

async fn read_run(
    store: &dyn ArtifactStore,
    bucket: &str,
    root: &HistoryRoot,
    build: u64,
) -> Result<Option<Run>, ReadError> {
    let folder = match root {
        HistoryRoot::Logs { job } => format!("logs/{job}/{build}"),
        HistoryRoot::PrDirectory { job } => {
            let alias = format!("pr-logs/directory/{job}/{build}.txt");
            let Some(text) = store.get(&alias).await? else {
                return Ok(None);
            };
            match run_folder_from_alias(&String::from_utf8_lossy(&text), bucket) {
                Some(folder) => folder,
                None => return Ok(None),
            }
        }
    };
    let (started_key, finished_key) = (
        format!("{folder}/{}", files::STARTED),
        format!("{folder}/{}", files::FINISHED),
    );
    let (started, finished) = tokio::join!(
        read_json::<Started>(store, &started_key),
        read_json::<Finished>(store, &finished_key),
    );
    Ok(Some(Run {
        build_id: build,
        folder,
        started: started?,
        finished: finished?,
    }))
}

/// Builds of each job a PR history reads at most, newest first.
const PR_HISTORY_BUILDS_PER_JOB: usize = 20;

#[derive(Deserialize, Default)]
pub(crate) struct PrHistoryQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    repo: String,
    #[serde(default)]
    pr: String,
}

/// `/pr-history?org=&repo=&pr=`.
pub(crate) async fn pr_history(
    State(deck): State<Deck>,
    Query(query): Query<PrHistoryQuery>,
) -> Response {
    let Ok(pull) = query.pr.parse::<u64>() else {
        return (StatusCode::BAD_REQUEST, "pr must be a pull request number").into_response();
    };
    if query.org.is_empty()
        || query.repo.is_empty()
        || query.org.contains('/')
        || query.repo.contains('/')
    {
        return (StatusCode::BAD_REQUEST, "org and repo must be given").into_response();
    }
    let config = deck.config();
    let full = format!("{}/{}", query.org, query.repo);
    let hidden = config
        .prow
        .deck
        .hidden_repos
        .iter()
        .any(|h| *h == query.org || *h == full);
    if hidden && !deck.options().show_hidden {
        return not_found(format!("no history for {full}"));
    }
    let Some((bucket, folder)) =
        prow_deck::prhistory::location(&config, &query.org, &query.repo, pull)
    else {
        return not_found(format!("no bucket is configured for {full}'s presubmits"));
    };
    if let Some(refusal) = refused(&deck, &bucket) {
        return refusal;
    }
    let store = deck.options().buckets.bucket(&bucket);
    let jobs = match store.list(&folder).await {
        Ok(listed) => listed,
        Err(error) => return unavailable("The pull request's history", &error),
    };
    let mut wanted = Vec::new();
    for job in jobs.iter().filter(|e| e.is_folder()) {
        let name = job.name.trim_end_matches('/').to_string();
        let builds = match store.list(&format!("{folder}/{name}")).await {
            Ok(listed) => listed,
            Err(error) => return unavailable("The pull request's history", &error),
        };
        let mut ids: Vec<u64> = builds
            .iter()
            .filter_map(|b| b.name.strip_suffix('/').and_then(|id| id.parse().ok()))
            .collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.truncate(PR_HISTORY_BUILDS_PER_JOB);
        wanted.extend(ids.into_iter().map(|id| (name.clone(), id)));
    }
    let reads = wanted.into_iter().map(|(job, id)| {
        let store = store.clone();
        let run_folder = format!("{folder}/{job}/{id}");
        async move {
            let (started_key, finished_key) = (
                format!("{run_folder}/{}", files::STARTED),
                format!("{run_folder}/{}", files::FINISHED),
            );
            let (started, finished) = tokio::join!(
                read_json::<Started>(store.as_ref(), &started_key),
                read_json::<Finished>(store.as_ref(), &finished_key),
            );
            Ok::<_, ReadError>((
                job,
                Run {
                    build_id: id,
                    folder: run_folder,
                    started: started?,
                    finished: finished?,
                },
            ))
        }
    });
    // At most 32 reads at once, however many jobs the pull request ran.
    let runs = match futures_util::stream::iter(reads)
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(runs) => runs,
        Err(error) => return unavailable("The pull request's history", &error),
    };
    let commits = prow_deck::prhistory::by_commit(runs, &full, pull);
    Html(html::pr_history(&bucket, &query.org, &query.repo, pull, &commits).into_string())
        .into_response()
}

/// The most of a running job's output `/log` returns (its end).
const LIVE_LOG_BYTES: usize = 1024 * 1024;

#[derive(Deserialize, Default)]
pub(crate) struct LogQuery {
    #[serde(default)]
    prowjob: String,
    /// Upstream's form: the job's name and build id.
    #[serde(default)]
    job: String,
    #[serde(default)]
    id: String,
}

/// `/log?prowjob=` (or upstream's `?job=&id=`): what a job's test container has printed so far,
/// as text, with the job's state in `X-Prow-Job-State` so a page knows when to stop following.
pub(crate) async fn live_log(State(deck): State<Deck>, Query(query): Query<LogQuery>) -> Response {
    let snapshot = match deck.snapshot().await {
        Ok(snapshot) => snapshot,
        Err(error) => return unavailable("The job list", &error),
    };
    let listed = snapshot.rows.iter().find(|row| {
        (!query.prowjob.is_empty() && row.prowjob == query.prowjob)
            || (!query.job.is_empty() && row.job == query.job && row.build_id == query.id)
    });
    // A job newer than the list, or whose state changed since, is read directly.
    let name = match (listed, query.prowjob.is_empty()) {
        (Some(row), _) => row.prowjob.clone(),
        (None, false) => query.prowjob.clone(),
        (None, true) => return not_found("no such job".to_string()),
    };
    let job = match deck.options().jobs.get(&name).await {
        Ok(job) => job,
        Err(prow_ports::store::StoreError::NotFound(_)) => {
            return not_found(format!("no ProwJob named {name:?}"));
        }
        Err(error) => return unavailable("The job", &error),
    };
    let config = deck.config();
    if !prow_deck::joblist::visible(
        &job,
        &config.prow.deck.hidden_repos,
        deck.options().show_hidden,
    ) {
        return not_found(format!("no ProwJob named {name:?}"));
    }
    let state = job
        .status
        .state
        .map(prow_api::ProwJobState::as_str)
        .unwrap_or("triggered");
    let Some(executor) = &deck.options().executor else {
        return (
            StatusCode::NOT_FOUND,
            [("x-prow-job-state", state)],
            "this deck reads no build cluster",
        )
            .into_response();
    };
    match executor.log(&job, LIVE_LOG_BYTES).await {
        Ok(Some(text)) => (
            [
                (header::CONTENT_TYPE.as_str(), "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL.as_str(), "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS.as_str(), "nosniff"),
                ("x-prow-job-state", state),
            ],
            text,
        )
            .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            [("x-prow-job-state", state)],
            "the job has no output yet",
        )
            .into_response(),
        Err(error) => unavailable("The job's output", &error),
    }
}
