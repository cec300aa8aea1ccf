//! CloudEvents as a function receives them in a cluster, for tests that call a function's router
//! directly: a Knative ApiServerSource event (Resource mode) for a ProwJob's current version.

use axum::body::Body;
use prow_api::ProwJob;
use prow_runtime::cloudevents::CloudEvent;
use tower::ServiceExt;

/// The `update` event an ApiServerSource sends for `job` as it is now; its id names the version.
pub fn prowjob_update_event(job: &ProwJob) -> CloudEvent {
    CloudEvent {
        id: format!(
            "{}-{}",
            job.name(),
            job.metadata.resource_version.clone().unwrap_or_default()
        ),
        source: "https://kubernetes.default.svc".into(),
        event_type: "dev.knative.apiserver.resource.update".into(),
        time: None,
        subject: None,
        extensions: vec![],
        data: serde_json::to_vec(job).unwrap_or_default().into(),
    }
}

/// Posts `event` in binary mode to `router`'s `/`; the HTTP status it answers.
pub async fn post_event(router: &axum::Router, event: &CloudEvent) -> anyhow::Result<u16> {
    let mut request = axum::http::Request::post("/").body(Body::from(event.data.clone()))?;
    *request.headers_mut() = event.binary_headers()?;
    let response = router.clone().oneshot(request).await?;
    Ok(response.status().as_u16())
}

/// Moves job `name` to `state` as the controller would (description, URL, and a completion time
/// for a final state) and stores it.
pub async fn set_job_state(
    store: &dyn prow_api::store::JobStore,
    name: &str,
    state: prow_api::ProwJobState,
    description: &str,
    url: &str,
) -> anyhow::Result<ProwJob> {
    use prow_api::ProwJobState;
    let mut job = store.get(name).await?;
    job.status.state = Some(state);
    job.status.description = description.to_string();
    job.status.url = url.to_string();
    if !matches!(state, ProwJobState::Triggered | ProwJobState::Pending) {
        job.status.completion_time = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            k8s_openapi::jiff::Timestamp::now(),
        ));
    }
    Ok(store.update(&job).await?)
}

/// Posts the ApiServerSource event for job `name`'s current version to `router`.
pub async fn post_job_update(
    store: &dyn prow_api::store::JobStore,
    router: &axum::Router,
    name: &str,
) -> anyhow::Result<u16> {
    let job = store.get(name).await?;
    post_event(router, &prowjob_update_event(&job)).await
}
