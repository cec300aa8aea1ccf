//! The job store over the Kubernetes API: ProwJobs in one namespace (upstream's
//! `prowjob_namespace`), status written with the object under optimistic concurrency.

use futures_util::StreamExt;
use kube::api::{Api, DeleteParams, ListParams, PostParams, WatchEvent, WatchParams};
use prow_api::ProwJob;
use prow_ports::store::{
    JobChange, JobChanges, JobStore, Page, StoreError, StoreFuture, parse_selector,
};

pub struct KubeJobStore {
    api: Api<ProwJob>,
}

impl KubeJobStore {
    pub fn new(client: kube::Client, namespace: &str) -> KubeJobStore {
        KubeJobStore {
            api: Api::namespaced(client, namespace),
        }
    }
}

fn store_error(name: &str, error: kube::Error) -> StoreError {
    match &error {
        kube::Error::Api(status) if status.code == 404 => StoreError::NotFound(name.to_string()),
        kube::Error::Api(status) if status.code == 409 && status.reason == "AlreadyExists" => {
            StoreError::AlreadyExists(name.to_string())
        }
        kube::Error::Api(status) if status.code == 409 => StoreError::Conflict(name.to_string()),
        _ => StoreError::Backend(error.to_string()),
    }
}

impl JobStore for KubeJobStore {
    fn create<'a>(&'a self, job: &'a ProwJob) -> StoreFuture<'a, ProwJob> {
        Box::pin(async move {
            self.api
                .create(&PostParams::default(), job)
                .await
                .map_err(|e| store_error(job.name(), e))
        })
    }

    fn get<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ProwJob> {
        Box::pin(async move { self.api.get(name).await.map_err(|e| store_error(name, e)) })
    }

    fn list<'a>(&'a self, selector: &'a str) -> StoreFuture<'a, Vec<ProwJob>> {
        Box::pin(async move {
            parse_selector(selector)?;
            // Pages of 500, so a namespace with many jobs is read without one huge answer.
            let mut jobs = Vec::new();
            let mut params = ListParams::default().labels(selector).limit(500);
            loop {
                let page = self
                    .api
                    .list(&params)
                    .await
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                jobs.extend(page.items);
                match page.metadata.continue_.filter(|c| !c.is_empty()) {
                    Some(token) => params = params.continue_token(&token),
                    None => return Ok(jobs),
                }
            }
        })
    }

    fn list_page<'a>(
        &'a self,
        selector: &'a str,
        limit: usize,
        continue_from: Option<&'a str>,
    ) -> StoreFuture<'a, Page> {
        Box::pin(async move {
            parse_selector(selector)?;
            let limit = u32::try_from(limit.max(1)).unwrap_or(u32::MAX);
            let mut params = ListParams::default().labels(selector).limit(limit);
            if let Some(token) = continue_from {
                params = params.continue_token(token);
            }
            let page = self
                .api
                .list(&params)
                .await
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            Ok(Page {
                jobs: page.items,
                continue_from: page.metadata.continue_.filter(|c| !c.is_empty()),
            })
        })
    }

    fn update<'a>(&'a self, job: &'a ProwJob) -> StoreFuture<'a, ProwJob> {
        Box::pin(async move {
            if job.metadata.resource_version.is_none() {
                return Err(StoreError::Conflict(job.name().to_string()));
            }
            self.api
                .replace(job.name(), &PostParams::default(), job)
                .await
                .map_err(|e| store_error(job.name(), e))
        })
    }

    fn delete<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.api
                .delete(name, &DeleteParams::default())
                .await
                .map(drop)
                .map_err(|e| store_error(name, e))
        })
    }

    fn watch<'a>(&'a self, selector: &'a str) -> StoreFuture<'a, JobChanges> {
        Box::pin(async move {
            parse_selector(selector)?;
            // The collection's version now; the watch starts after it.
            let now = self
                .api
                .list_metadata(&ListParams::default().labels(selector).limit(1))
                .await
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            let version = now.metadata.resource_version.unwrap_or_default();
            let events = self
                .api
                .watch(&WatchParams::default().labels(selector), &version)
                .await
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            let changes = events.filter_map(|event| {
                std::future::ready(match event {
                    Ok(WatchEvent::Added(job)) => Some(Ok(JobChange::Added(job))),
                    Ok(WatchEvent::Modified(job)) => Some(Ok(JobChange::Modified(job))),
                    Ok(WatchEvent::Deleted(job)) => Some(Ok(JobChange::Deleted(job))),
                    Ok(WatchEvent::Bookmark(_)) => None,
                    Ok(WatchEvent::Error(status)) => Some(Err(StoreError::Backend(format!(
                        "the watch ended: {} ({})",
                        status.message, status.code
                    )))),
                    Err(error) => Some(Err(StoreError::Backend(error.to_string()))),
                })
            });
            Ok(Box::pin(changes) as JobChanges)
        })
    }
}
