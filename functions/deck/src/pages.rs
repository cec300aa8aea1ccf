//! The job list, its JSON, badges, tide's pages and command help.

use crate::Deck;
use crate::sources::SourceError;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use prow_deck::api::{ProwJobsQuery, TideHistory, TidePools, wrap_var};
use prow_deck::html;
use prow_deck::joblist::{Filter, select};
use serde::Deserialize;

/// Answers a failure to read: 503 for what may pass, with the reason logged once, never shown
/// beyond a sentence.
pub(crate) fn unavailable(what: &str, error: &dyn std::fmt::Display) -> Response {
    tracing::error!(%error, "reading {what}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            html::notice(
                "Unavailable",
                "",
                &format!("{what} cannot be read now; try again shortly."),
            )
            .into_string(),
        ),
    )
        .into_response()
}

fn no_cache(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    response
}

fn javascript_or_json(body: String, var: &str) -> Response {
    match wrap_var(body, var) {
        Some(body) if var.is_empty() => {
            no_cache(([(header::CONTENT_TYPE, "application/json")], body).into_response())
        }
        Some(body) => {
            no_cache(([(header::CONTENT_TYPE, "application/javascript")], body).into_response())
        }
        None => (
            StatusCode::BAD_REQUEST,
            "var must be a JavaScript identifier",
        )
            .into_response(),
    }
}

pub(crate) async fn index(State(deck): State<Deck>, Query(filter): Query<Filter>) -> Response {
    let snapshot = match deck.snapshot().await {
        Ok(snapshot) => snapshot,
        Err(error) => return unavailable("The job list", &error),
    };
    let now = deck.options().clock.now();
    let listing = select(&snapshot.rows, &filter);
    let choices = &snapshot.choices;
    let charts = html::IndexCharts {
        queue: Some(snapshot.queue_chart.clone()),
        pass_rate: (!filter.repo.is_empty()).then(|| {
            let repo_rows: Vec<_> = snapshot
                .rows
                .iter()
                .filter(|row| row.repo == filter.repo)
                .collect();
            prow_deck::charts::pass_rate(&repo_rows, now, 14)
        }),
    };
    no_cache(
        Html(html::index(&listing, choices, &filter, now, &charts).into_string()).into_response(),
    )
}

pub(crate) async fn prowjobs_js(
    State(deck): State<Deck>,
    Query(query): Query<ProwJobsQuery>,
) -> Response {
    let snapshot = match deck.snapshot().await {
        Ok(snapshot) => snapshot,
        Err(error) => return unavailable("The job list", &error),
    };
    match prow_deck::api::prowjobs_json_kept(&snapshot.jobs, &query) {
        Ok(body) => javascript_or_json(body, &query.var),
        Err(error) => unavailable("The job list", &error),
    }
}

#[derive(Deserialize)]
pub(crate) struct ProwJobQuery {
    #[serde(default)]
    prowjob: String,
}

/// `/prowjob?prowjob=<name>`: the ProwJob as YAML.
pub(crate) async fn prowjob(
    State(deck): State<Deck>,
    Query(query): Query<ProwJobQuery>,
) -> Response {
    if query.prowjob.is_empty() {
        return (StatusCode::BAD_REQUEST, "missing the prowjob parameter").into_response();
    }
    let snapshot = match deck.snapshot().await {
        Ok(snapshot) => snapshot,
        Err(error) => return unavailable("The job list", &error),
    };
    // From the list this deck may show, so a hidden job stays hidden; a job newer than the list
    // is read directly, and shown if it may be.
    let kept = snapshot.jobs.iter().find(|job| job.name == query.prowjob);
    let found = match kept.map(prow_deck::api::KeptJob::job) {
        Some(Ok(job)) => Some(job),
        Some(Err(error)) => return unavailable("The ProwJob", &error),
        None => match deck.options().jobs.get(&query.prowjob).await {
            Ok(job) => {
                let config = deck.config();
                prow_deck::joblist::visible(
                    &job,
                    &config.prow.deck.hidden_repos,
                    deck.options().show_hidden,
                )
                .then_some(job)
            }
            Err(prow_ports::store::StoreError::NotFound(_)) => None,
            Err(error) => return unavailable("The ProwJob", &error),
        },
    };
    let Some(job) = found else {
        return (
            StatusCode::NOT_FOUND,
            format!("no ProwJob named {:?}", query.prowjob),
        )
            .into_response();
    };
    match prow_deck::prowjob_yaml(&job) {
        Ok(yaml) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], yaml).into_response(),
        Err(error) => unavailable("The ProwJob", &error),
    }
}

#[derive(Deserialize)]
pub(crate) struct BadgeQuery {
    #[serde(default)]
    jobs: String,
}

/// `/badge.svg?jobs=<name|prefix*>[,...]`.
pub(crate) async fn badge(State(deck): State<Deck>, Query(query): Query<BadgeQuery>) -> Response {
    if query.jobs.is_empty() {
        return (StatusCode::BAD_REQUEST, "missing the jobs parameter").into_response();
    }
    let snapshot = match deck.snapshot().await {
        Ok(snapshot) => snapshot,
        Err(error) => return unavailable("The job list", &error),
    };
    let runs = prow_deck::badge::latest_runs(&snapshot.rows, &query.jobs);
    let badge = prow_deck::badge::badge(&runs);
    no_cache(
        (
            [(header::CONTENT_TYPE, "image/svg+xml")],
            prow_deck::badge::render("build", &badge),
        )
            .into_response(),
    )
}

async fn tide_pools(deck: &Deck) -> Result<TidePools, SourceError> {
    let pools = deck.options().sources.tide_pools().await?;
    Ok(TidePools::new(&deck.config().prow.tide.queries, pools))
}

fn source_failure(page: &str, active: &str, error: SourceError) -> Response {
    match error {
        SourceError::NotConnected(what) => Html(
            html::notice(
                page,
                active,
                &format!("{what} is not connected to this deck, so there is nothing to show here."),
            )
            .into_string(),
        )
        .into_response(),
        error => unavailable(page, &error),
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct VarQuery {
    #[serde(default)]
    var: String,
}

pub(crate) async fn tide(State(deck): State<Deck>) -> Response {
    match tide_pools(&deck).await {
        Ok(pools) => {
            let config = deck.config();
            let link = match config.prow.github.link_url.as_str() {
                "" => "https://github.com",
                link => link,
            };
            no_cache(Html(html::tide(&pools, link).into_string()).into_response())
        }
        Err(error) => source_failure("Tide", "/tide", error),
    }
}

pub(crate) async fn tide_js(State(deck): State<Deck>, Query(query): Query<VarQuery>) -> Response {
    match tide_pools(&deck).await {
        Ok(pools) => match serde_json::to_string(&pools) {
            Ok(body) => javascript_or_json(body, &query.var),
            Err(error) => unavailable("Tide's pools", &error),
        },
        Err(SourceError::NotConnected(_)) => javascript_or_json(
            r#"{"Queries":[],"TideQueries":[],"Pools":[]}"#.into(),
            &query.var,
        ),
        Err(error) => unavailable("Tide's pools", &error),
    }
}

async fn history(deck: &Deck) -> Result<TideHistory, SourceError> {
    let history = deck.options().sources.tide_history().await?;
    Ok(TideHistory { history })
}

pub(crate) async fn tide_history(State(deck): State<Deck>) -> Response {
    match history(&deck).await {
        Ok(history) => no_cache(Html(html::tide_history(&history).into_string()).into_response()),
        Err(error) => source_failure("Tide history", "/tide-history", error),
    }
}

pub(crate) async fn tide_history_js(
    State(deck): State<Deck>,
    Query(query): Query<VarQuery>,
) -> Response {
    match history(&deck).await {
        Ok(history) => match serde_json::to_string(&history) {
            Ok(body) => javascript_or_json(body, &query.var),
            Err(error) => unavailable("Tide's history", &error),
        },
        Err(SourceError::NotConnected(_)) => {
            javascript_or_json(r#"{"History":{}}"#.into(), &query.var)
        }
        Err(error) => unavailable("Tide's history", &error),
    }
}

pub(crate) async fn command_help(State(deck): State<Deck>) -> Response {
    match deck.options().sources.plugin_help().await {
        Ok(help) => Html(html::command_help(&help).into_string()).into_response(),
        Err(error) => source_failure("Command help", "/command-help", error),
    }
}

/// Upstream's old address of command help.
pub(crate) async fn plugin_help_redirect() -> Redirect {
    Redirect::permanent("/command-help")
}

pub(crate) async fn plugin_help_js(
    State(deck): State<Deck>,
    Query(query): Query<VarQuery>,
) -> Response {
    match deck.options().sources.plugin_help().await {
        Ok(help) => match serde_json::to_string(&help) {
            Ok(body) => javascript_or_json(body, &query.var),
            Err(error) => unavailable("Plugin help", &error),
        },
        Err(error) => unavailable("Plugin help", &error),
    }
}

pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        html::STYLESHEET,
    )
        .into_response()
}

pub(crate) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        html::SCRIPT,
    )
        .into_response()
}

pub(crate) async fn configured_index(State(deck): State<Deck>) -> Response {
    let config = deck.config();
    let hidden = &config.prow.deck.hidden_repos;
    let mut repos = html::repositories(&config.jobs);
    if !deck.options().show_hidden {
        repos.retain(|repo| {
            let org = repo.split('/').next().unwrap_or_default();
            !hidden.iter().any(|h| h == repo || h == org)
        });
    }
    Html(html::configured_index(&repos).into_string()).into_response()
}

pub(crate) async fn configured_jobs(
    State(deck): State<Deck>,
    axum::extract::Path((org, repo)): axum::extract::Path<(String, String)>,
) -> Response {
    let config = deck.config();
    let full = format!("{org}/{repo}");
    let hidden = config
        .prow
        .deck
        .hidden_repos
        .iter()
        .any(|h| *h == org || *h == full);
    if hidden && !deck.options().show_hidden {
        return (StatusCode::NOT_FOUND, "no such repository").into_response();
    }
    Html(html::configured_jobs(&full, &html::jobs_of(&config.jobs, &full)).into_string())
        .into_response()
}

async fn serve_file(path: Option<&std::path::Path>, what: &str) -> Response {
    let Some(path) = path else {
        return (
            StatusCode::NOT_FOUND,
            format!("this deck was given no {what}"),
        )
            .into_response();
    };
    match tokio::fs::read_to_string(path).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response(),
        Err(error) => unavailable(what, &error),
    }
}

/// `/config`: `config.yaml` as deck loaded it.
pub(crate) async fn config_file(State(deck): State<Deck>) -> Response {
    let files = deck.options().config_files.as_ref();
    serve_file(files.map(|f| f.config_path.as_path()), "configuration").await
}

/// `/plugin-config`: `plugins.yaml` as deck loaded it.
pub(crate) async fn plugin_config_file(State(deck): State<Deck>) -> Response {
    let files = deck.options().config_files.as_ref();
    serve_file(
        files.and_then(|f| f.plugin_config.as_deref()),
        "plugin configuration",
    )
    .await
}
