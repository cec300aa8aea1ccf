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
