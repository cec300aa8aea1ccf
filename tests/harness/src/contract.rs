//! The job store contract: what every [`JobStore`] adapter must do alike. Each adapter's tests
//! run it against a fresh store.

use anyhow::{Context, bail, ensure};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use prow_api::{ProwJob, ProwJobSpec, ProwJobState, ProwJobStatus, ProwJobType};
use prow_ports::store::{JobChange, JobStore, StoreError};

fn job(name: &str, job: &str, pull: &str) -> ProwJob {
    ProwJob::new(
        ObjectMeta {
            name: Some(name.into()),
            labels: Some(
                [
                    ("prow.k8s.io/job".to_string(), job.to_string()),
                    ("prow.k8s.io/refs.pull".to_string(), pull.to_string()),
                ]
                .into(),
            ),
            ..ObjectMeta::default()
        },
        ProwJobSpec {
            job_type: ProwJobType::Presubmit,
            agent: "kubernetes".into(),
            cluster: String::new(),
            namespace: "test-pods".into(),
            job: job.into(),
            refs: None,
            extra_refs: vec![],
            report: true,
            context: job.into(),
            rerun_command: format!("/test {job}"),
            max_concurrency: 0,
            error_on_eviction: false,
            pod_spec: None,
            jenkins_spec: None,
            pipeline_run_spec: None,
            tekton_pipeline_run_spec: None,
            decoration_config: None,
            reporter_config: None,
            rerun_auth_config: None,
            hidden: false,
            prowjob_defaults: None,
            job_queue_name: String::new(),
        },
        ProwJobStatus {
            state: Some(ProwJobState::Triggered),
            ..ProwJobStatus::default()
        },
    )
}

fn names(jobs: &[ProwJob]) -> Vec<String> {
    let mut names: Vec<String> = jobs.iter().map(|j| j.name().to_string()).collect();
    names.sort();
    names
}

/// Runs the contract on an empty store.
pub async fn job_store_contract(store: &dyn JobStore) -> anyhow::Result<()> {
    let a = store
        .create(&job("a", "unit", "1"))
        .await
        .context("create a")?;
    ensure!(
        a.metadata.resource_version.is_some(),
        "a created job has a resourceVersion"
    );
    store
        .create(&job("b", "unit", "2"))
        .await
        .context("create b")?;
    store
        .create(&job("c", "lint", "1"))
        .await
        .context("create c")?;
    match store.create(&job("a", "unit", "1")).await {
        Err(StoreError::AlreadyExists(name)) if name == "a" => {}
        other => bail!("creating an existing name: {other:?}"),
    }
    ensure!(store.get("a").await? == a, "get returns the job as created");
    match store.get("nope").await {
        Err(StoreError::NotFound(_)) => {}
        other => bail!("get of a missing job: {other:?}"),
    }

    ensure!(names(&store.list("").await?) == ["a", "b", "c"]);
    ensure!(names(&store.list("prow.k8s.io/job=unit").await?) == ["a", "b"]);
    ensure!(
        names(
            &store
                .list("prow.k8s.io/refs.pull=1,prow.k8s.io/job!=lint")
                .await?
        ) == ["a"]
    );
    ensure!(store.list("prow.k8s.io/job=nothing").await?.is_empty());

    // Optimistic concurrency: the first writer wins; the stale one is told, not merged.
    let stale = store.get("b").await?;
    let mut first = stale.clone();
    first.status.state = Some(ProwJobState::Pending);
    first.status.pod_name = "b".into();
    let updated = store.update(&first).await.context("first update")?;
    ensure!(
        updated.metadata.resource_version != stale.metadata.resource_version,
        "an update bumps the resourceVersion"
    );
    let mut second = stale;
    second.status.state = Some(ProwJobState::Aborted);
    match store.update(&second).await {
        Err(StoreError::Conflict(name)) if name == "b" => {}
        other => bail!("a stale update: {other:?}"),
    }
    let current = store.get("b").await?;
    ensure!(current.status.state == Some(ProwJobState::Pending) && current.status.pod_name == "b");
    // Retrying from a fresh read succeeds.
    let mut retry = current;
    retry.status.state = Some(ProwJobState::Success);
    store
        .update(&retry)
        .await
        .context("retry after a conflict")?;
    ensure!(store.get("b").await?.status.state == Some(ProwJobState::Success));

    store.delete("c").await.context("delete c")?;
    match store.get("c").await {
        Err(StoreError::NotFound(_)) => {}
        other => bail!("get after delete: {other:?}"),
    }
    match store.delete("c").await {
        Err(StoreError::NotFound(_)) => {}
        other => bail!("deleting twice: {other:?}"),
    }
    ensure!(names(&store.list("").await?) == ["a", "b"]);
    change_feed(store).await.context("the change feed")?;
    pages(store).await.context("listing in pages")?;
    Ok(())
}

/// Pages cover every matching job once, in order, and end.
async fn pages(store: &dyn JobStore) -> anyhow::Result<()> {
    for i in 0..7 {
        store
            .create(&job(
                &format!("p{i}"),
                if i % 2 == 0 { "paged" } else { "other" },
                "9",
            ))
            .await?;
    }
    for (selector, limit, expected) in [
        ("prow.k8s.io/job=paged", 2, vec!["p0", "p2", "p4", "p6"]),
        (
            "prow.k8s.io/refs.pull=9",
            3,
            vec!["p0", "p1", "p2", "p3", "p4", "p5", "p6"],
        ),
    ] {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut rounds = 0;
        loop {
            rounds += 1;
            ensure!(rounds < 20, "pages do not end");
            let page = store.list_page(selector, limit, token.as_deref()).await?;
            ensure!(page.jobs.len() <= limit, "a page is larger than its limit");
            seen.extend(page.jobs.iter().map(|j| j.name().to_string()));
            match page.continue_from {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        ensure!(seen == expected, "{selector}: pages gave {seen:?}");
    }
    for i in 0..7 {
        store.delete(&format!("p{i}")).await?;
    }
    Ok(())
}

/// A watch sees every later change to matching jobs, in order, and nothing else.
async fn change_feed(store: &dyn JobStore) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let mut changes = store.watch("prow.k8s.io/job=watched").await?;
    store.create(&job("w1", "other", "1")).await?;
    let created = store.create(&job("w2", "watched", "1")).await?;
    let mut pending = created.clone();
    pending.status.state = Some(ProwJobState::Pending);
    let updated = store.update(&pending).await?;
    store.delete("w2").await?;
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), changes.next())
            .await
            .context("waiting for a change")?
            .context("the feed ended early")??;
        seen.push(next);
    }
    match seen.as_slice() {
        [
            JobChange::Added(a),
            JobChange::Modified(m),
            JobChange::Deleted(d),
        ] => {
            ensure!(a == &created, "the added job is the one created");
            ensure!(m == &updated, "the modified job is the one updated");
            ensure!(d.name() == "w2", "the deleted job is named");
        }
        other => bail!("changes seen: {other:?}"),
    }
    store.delete("w1").await?;
    Ok(())
}

/// The GitHub response cache contract: what every [`ResponseCache`] store must do alike. Each
/// store's tests run it against a fresh store.
///
/// [`ResponseCache`]: prow_ports::github_cache::ResponseCache
pub async fn response_cache_contract(
    cache: &dyn prow_ports::github_cache::ResponseCache,
) -> anyhow::Result<()> {
    use prow_ports::github_cache::{CacheKey, CachedResponse};
    let key = |url: &str, identity: &str| {
        CacheKey::new(
            "GET",
            url,
            identity,
            &[("accept", "application/vnd.github+json")],
        )
    };
    let pulls = key(
        "https://api.github.com/repos/o/r/pulls?per_page=100",
        "token:a",
    );
    ensure!(
        cache.get(&pulls).await?.is_none(),
        "an empty store has no entry"
    );
    // Bodies are bytes: not necessarily UTF-8, possibly large (a page of 100 pull requests).
    let mut body = vec![0xff, 0x00, b'{'];
    body.extend(std::iter::repeat_n(b'x', 1 << 20));
    let full = CachedResponse {
        etag: Some("W/\"abc\"".into()),
        last_modified: Some("Tue, 01 Dec 2026 10:00:00 GMT".into()),
        link: Some("<https://api.github.com/repos/o/r/pulls?page=2>; rel=\"next\"".into()),
        body,
    };
    cache.put(&pulls, full.clone()).await?;
    ensure!(
        cache.get(&pulls).await?.as_ref() == Some(&full),
        "an entry reads back as stored"
    );
    let replaced = CachedResponse {
        etag: Some("\"def\"".into()),
        last_modified: None,
        link: None,
        body: b"[]".to_vec(),
    };
    cache.put(&pulls, replaced.clone()).await?;
    ensure!(
        cache.get(&pulls).await?.as_ref() == Some(&replaced),
        "storing again replaces the whole entry, absent fields included"
    );
    // Another identity, another URL: other entries.
    let other_identity = key(
        "https://api.github.com/repos/o/r/pulls?per_page=100",
        "token:b",
    );
    let other_url = key("https://api.github.com/repos/o/r/pulls?page=2", "token:a");
    ensure!(
        cache.get(&other_identity).await?.is_none(),
        "entries are kept per identity"
    );
    ensure!(
        cache.get(&other_url).await?.is_none(),
        "entries are kept per URL"
    );
    // Many writers and readers at once, as instances are.
    let mut writers = Vec::new();
    for n in 0..32u8 {
        writers.push(async move {
            let key = key(
                &format!("https://api.github.com/repos/o/r/issues/{n}"),
                "token:a",
            );
            let entry = CachedResponse {
                etag: Some(format!("\"{n}\"")),
                body: vec![n; 64],
                ..CachedResponse::default()
            };
            cache.put(&key, entry.clone()).await?;
            let read = cache.get(&key).await?;
            ensure!(
                read == Some(entry),
                "entry {n} reads back under concurrency"
            );
            anyhow::Ok(())
        });
    }
    for result in futures_util::future::join_all(writers).await {
        result?;
    }
    Ok(())
}
