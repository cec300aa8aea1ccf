//! CloudEvents as a function receives them in a cluster, for tests that call a function's router
//! directly: a GitHub delivery as hook forwards it, a Knative ApiServerSource event (Resource
//! mode) for a ProwJob's current version, and posting either to a router.

use axum::body::Body;
use prow_api::ProwJob;
use prow_ports::events::{CloudEvent, GITHUB_EVENT_TYPE_PREFIX, NewEvent, SIGNATURE_EXTENSION};
use tower::ServiceExt;

/// A GitHub delivery (`event` is its `X-GitHub-Event`) as hook forwards it, signed with
/// `secret` as GitHub signs webhooks when one is given.
pub fn github_event(
    id: &str,
    event: &str,
    repo: &str,
    payload: Vec<u8>,
    secret: Option<&[u8]>,
) -> anyhow::Result<CloudEvent> {
    let extensions = secret
        .map(|secret| {
            vec![(
                SIGNATURE_EXTENSION.to_string(),
                github_standin::signature(secret, &payload),
            )]
        })
        .unwrap_or_default();
    Ok(NewEvent {
        id: id.to_string(),
        source: format!("https://github.com/{repo}"),
        event_type: format!("{GITHUB_EVENT_TYPE_PREFIX}{event}"),
        extensions,
        data: payload,
        ..NewEvent::default()
    }
    .build()?)
}

/// Posts `event` in binary mode to `path` of `router`: the status and the body of the answer.
pub async fn post_event_to(
    router: &axum::Router,
    path: &str,
    event: &CloudEvent,
) -> anyhow::Result<(u16, String)> {
    let (headers, body) = prow_runtime::cloudevents::to_http(event)?;
    let mut request = axum::http::Request::post(path).body(Body::from(body))?;
    *request.headers_mut() = headers;
    let response = router.clone().oneshot(request).await?;
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 24).await?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The `update` event an ApiServerSource sends for `job` as it is now; its id names the version.
pub fn prowjob_update_event(job: &ProwJob) -> anyhow::Result<CloudEvent> {
    Ok(NewEvent {
        id: format!(
            "{}-{}",
            job.name(),
            job.metadata.resource_version.clone().unwrap_or_default()
        ),
        source: "https://kubernetes.default.svc".into(),
        event_type: "dev.knative.apiserver.resource.update".into(),
        data: serde_json::to_vec(job)?,
        ..NewEvent::default()
    }
    .build()?)
}

/// Posts `event` in binary mode to `router`'s `/`; the HTTP status it answers.
pub async fn post_event(router: &axum::Router, event: &CloudEvent) -> anyhow::Result<u16> {
    Ok(post_event_to(router, "/", event).await?.0)
}

/// Moves job `name` to `state` as the controller would (description, URL, and a completion time
/// for a final state) and stores it.
pub async fn set_job_state(
    store: &dyn prow_ports::store::JobStore,
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
    store: &dyn prow_ports::store::JobStore,
    router: &axum::Router,
    name: &str,
) -> anyhow::Result<u16> {
    let job = store.get(name).await?;
    post_event(router, &prowjob_update_event(&job)?).await
}

/// Posts the ApiServerSource event for job `name`'s current version twice, as an at-least-once
/// broker may deliver it, and checks that both deliveries are acknowledged.
pub async fn deliver_job_update_twice(
    store: &dyn prow_ports::store::JobStore,
    router: &axum::Router,
    name: &str,
) -> anyhow::Result<()> {
    for delivery in ["first", "second"] {
        let status = post_job_update(store, router, name).await?;
        anyhow::ensure!(
            status == 200,
            "the {delivery} delivery of {name} answered {status}"
        );
    }
    Ok(())
}
