//! Signing in with GitHub (upstream `/github-login`, an OAuth App's web flow) and acting on jobs:
//! `/rerun?prowjob=[&mode=latest]` and `/abort?prowjob=` (GET shows, POST acts). A POST needs
//! the CSRF token the job's page carries, bound to a cookie of this browser, and the permission
//! `prow_deck::rerun` decides; sessions and tokens are signed with the cookie secret.

use crate::Deck;
use crate::pages::unavailable;
use anyhow::Context;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use prow_api::{ProwJob, ProwJobState};
use prow_deck::html::Actions;
use prow_deck::rerun::{self, Permission};
use prow_deck::session::{self, CookieSecret, SESSION_COOKIE, STATE_COOKIE};
use prow_plugins::facts::Facts;
use prow_ports::store::StoreError;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// The cookie binding a browser's CSRF token.
pub const CSRF_COOKIE: &str = "prow_deck_csrf";

/// Upstream's `--github-oauth-config-file` (JSON or YAML), and where GitHub's web pages are.
#[derive(Clone, Debug, Deserialize)]
pub struct OAuthSettings {
    pub client_id: String,
    pub client_secret: String,
    /// deck's `/github-login/redirect`, as registered with the OAuth App.
    pub redirect_url: String,
    /// Where a sign-in ends when it names no page to go back to.
    #[serde(default)]
    pub final_redirect_url: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// GitHub's web address, for the sign-in pages (github.com, or an Enterprise host).
    #[serde(default = "github_web")]
    pub web_url: String,
    /// GitHub's API, to learn who signed in; `--github-endpoint` when not given.
    #[serde(default)]
    pub api_url: String,
}

fn github_web() -> String {
    "https://github.com".to_string()
}

impl std::fmt::Display for OAuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        write!(f, "OAuth App {} via {}", self.client_id, self.web_url)
    }
}

impl OAuthSettings {
    pub fn from_file(path: &Path, api_endpoint: &str) -> anyhow::Result<OAuthSettings> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut settings: OAuthSettings = serde_saphyr::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if settings.api_url.is_empty() {
            settings.api_url = api_endpoint.to_string();
        }
        settings.web_url = settings.web_url.trim_end_matches('/').to_string();
        settings.api_url = settings.api_url.trim_end_matches('/').to_string();
        Ok(settings)
    }
}

/// 128 unpredictable bits, hex: each `RandomState` is seeded from the OS's randomness.
pub(crate) fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let half = || {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0);
        hasher.finish()
    };
    format!("{:016x}{:016x}", half(), half())
}

fn cookie_header(headers: &HeaderMap) -> &str {
    headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// `name=value` with the attributes every deck cookie has; `Secure` when deck is served over
/// HTTPS (as its OAuth redirect says).
fn set_cookie(deck: &Deck, name: &str, value: &str, max_age: i64, same_site: &str) -> HeaderValue {
    let secure = deck
        .options()
        .sign_in
        .as_ref()
        .is_some_and(|s| s.redirect_url.starts_with("https://"));
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Who is signed in, by the session cookie.
pub(crate) fn signed_in(deck: &Deck, headers: &HeaderMap) -> Option<String> {
    let secret = deck.options().cookie_secret.as_ref()?;
    let cookie = session::cookie(cookie_header(headers), SESSION_COOKIE)?;
    secret.signed_in(cookie, deck.options().clock.now())
}

/// The buttons for `job` on its page, and a CSRF cookie to set when the browser has none.
pub(crate) fn actions_for(
    deck: &Deck,
    headers: &HeaderMap,
    job: &ProwJob,
    here: &str,
) -> (Option<Actions>, Option<HeaderValue>) {
    let Some(secret) = deck.options().cookie_secret.as_ref() else {
        return (None, None);
    };
    let existing = session::cookie(cookie_header(headers), CSRF_COOKIE).map(str::to_string);
    let (binding, new_cookie) = match existing {
        Some(binding) => (binding, None),
        None => {
            let binding = random_token();
            let cookie = set_cookie(deck, CSRF_COOKIE, &binding, 60 * 60 * 24, "Strict");
            (binding, Some(cookie))
        }
    };
    let config = deck.config();
    let permission = rerun::permission(rerun::config_auth(&config.prow.deck, job), job);
    let login = signed_in(deck, headers);
    let sign_in = (permission == Permission::SignedIn && login.is_none())
        .then(|| {
            deck.options().sign_in.as_ref().map(|_| {
                format!(
                    "/github-login?dest={}",
                    prow_deck::joblist::encode_query_value(here)
                )
            })
        })
        .flatten();
    let actions = Actions {
        prowjob: job.name().to_string(),
        rerun: deck.options().rerun_creates_job,
        abort: rerun::abortable(job),
        signed_in: login,
        sign_in,
        csrf: secret.csrf_token(&binding),
    };
    (Some(actions), new_cookie)
}

#[derive(Deserialize, Default)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    dest: String,
}

/// The OAuth App and the cookie secret, when signing in is set up.
fn sign_in_setup(deck: &Deck) -> Option<(&OAuthSettings, &CookieSecret)> {
    Some((
        deck.options().sign_in.as_ref()?,
        deck.options().cookie_secret.as_ref()?,
    ))
}

const NOT_SET_UP: &str =
    "signing in is not set up on this deck (--github-oauth-config-file and --cookie-secret)";

/// Only a path of this site: no scheme, no `//host`.
fn local_path(dest: &str) -> Option<&str> {
    (dest.starts_with('/') && !dest.starts_with("//") && !dest.contains('\\')).then_some(dest)
}

/// `/github-login?dest=`: off to GitHub's sign-in page, with a state only this browser holds.
pub(crate) async fn github_login(
    State(deck): State<Deck>,
    Query(query): Query<LoginQuery>,
    headers: HeaderMap,
) -> Response {
    let Some((settings, secret)) = sign_in_setup(&deck) else {
        return refused(StatusCode::NOT_FOUND, NOT_SET_UP);
    };
    let dest = local_path(&query.dest)
        .map(str::to_string)
        .or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|r| r.to_str().ok())
                .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
                .and_then(|rest| rest.find('/').map(|at| rest[at..].to_string()))
        })
        .unwrap_or_else(|| "/".to_string());
    let nonce = random_token();
    let state_cookie = secret.sign("oauth-state", &format!("{nonce}|{dest}"));
    let authorize: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &settings.client_id)
        .append_pair("redirect_uri", &settings.redirect_url)
        .append_pair("state", &nonce)
        .append_pair("scope", &settings.scopes.join(" "))
        .finish();
    let mut response = Redirect::to(&format!(
        "{}/login/oauth/authorize?{authorize}",
        settings.web_url
    ))
    .into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&deck, STATE_COOKIE, &state_cookie, 600, "Lax"),
    );
    response
}

#[derive(Deserialize, Default)]
pub(crate) struct RedirectQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
}

fn refused(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

/// `/github-login/redirect?code=&state=`: the code exchanged for a token, the token for a login,
/// the login into a signed session.
pub(crate) async fn github_login_redirect(
    State(deck): State<Deck>,
    Query(query): Query<RedirectQuery>,
    headers: HeaderMap,
) -> Response {
    let Some((settings, secret)) = sign_in_setup(&deck) else {
        return refused(StatusCode::NOT_FOUND, NOT_SET_UP);
    };
    let started = session::cookie(cookie_header(&headers), STATE_COOKIE)
        .and_then(|cookie| secret.verify("oauth-state", cookie));
    let Some((nonce, dest)) = started.as_deref().and_then(|s| s.split_once('|')) else {
        return refused(
            StatusCode::BAD_REQUEST,
            "this sign-in was not started from this browser, or took too long; sign in again",
        );
    };
    if nonce != query.state || query.code.is_empty() {
        return refused(
            StatusCode::BAD_REQUEST,
            "the sign-in's state does not match; sign in again",
        );
    }
    let login = match who_signed_in(&deck, settings, &query.code).await {
        Ok(login) => login,
        Err(error) => {
            tracing::warn!(error = %format!("{error:#}"), "signing in with GitHub");
            return refused(
                StatusCode::BAD_GATEWAY,
                "GitHub did not confirm the sign-in; sign in again",
            );
        }
    };
    tracing::info!(user = %login, "signed in");
    let dest = local_path(dest)
        .map(str::to_string)
        .or_else(|| {
            (!settings.final_redirect_url.is_empty()).then(|| settings.final_redirect_url.clone())
        })
        .unwrap_or_else(|| "/".to_string());
    let mut response = Redirect::to(&dest).into_response();
    let session = secret.session(&login, deck.options().clock.now());
    let length = session::SESSION_LENGTH.as_secs();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&deck, SESSION_COOKIE, &session, length, "Lax"),
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&deck, STATE_COOKIE, "", 0, "Lax"),
    );
    response
}

async fn who_signed_in(
    deck: &Deck,
    settings: &OAuthSettings,
    code: &str,
) -> anyhow::Result<String> {
    #[derive(Deserialize)]
    struct TokenAnswer {
        #[serde(default)]
        access_token: String,
        #[serde(default)]
        error: String,
    }
    #[derive(Deserialize)]
    struct User {
        login: String,
    }
    let http = &deck.options().http;
    let answer: TokenAnswer = http
        .post(format!("{}/login/oauth/access_token", settings.web_url))
        .header(header::ACCEPT, "application/json")
        .form(&[
            ("client_id", settings.client_id.as_str()),
            ("client_secret", settings.client_secret.as_str()),
            ("code", code),
            ("redirect_uri", settings.redirect_url.as_str()),
        ])
        .send()
        .await
        .context("exchanging the code")?
        .json()
        .await
        .context("reading the token")?;
    anyhow::ensure!(
        answer.error.is_empty(),
        "GitHub refused the code: {}",
        answer.error
    );
    let user: User = http
        .get(format!("{}/user", settings.api_url))
        .header(
            header::AUTHORIZATION,
            format!("token {}", answer.access_token),
        )
        .header(header::USER_AGENT, "prow-deck")
        .header(header::ACCEPT, "application/vnd.github+json")
        .send()
        .await
        .context("asking who signed in")?
        .error_for_status()
        .context("asking who signed in")?
        .json()
        .await
        .context("reading who signed in")?;
    Ok(user.login)
}

/// `/github-logout`: the session cookie cleared.
pub(crate) async fn github_logout(State(deck): State<Deck>) -> Response {
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&deck, SESSION_COOKIE, "", 0, "Lax"),
    );
    response
}

#[derive(Deserialize, Default)]
pub(crate) struct JobQuery {
    #[serde(default)]
    prowjob: String,
    #[serde(default)]
    mode: String,
}

async fn the_job(deck: &Deck, name: &str) -> Result<ProwJob, Response> {
    if name.is_empty() {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "request did not provide the 'prowjob' query parameter",
        ));
    }
    let job = match deck.options().jobs.get(name).await {
        Ok(job) => job,
        Err(StoreError::NotFound(_)) => {
            return Err(refused(
                StatusCode::NOT_FOUND,
                &format!("ProwJob {name:?} not found"),
            ));
        }
        Err(error) => return Err(unavailable("The ProwJob", &error)),
    };
    let config = deck.config();
    if !prow_deck::joblist::visible(
        &job,
        &config.prow.deck.hidden_repos,
        deck.options().show_hidden,
    ) {
        return Err(refused(
            StatusCode::NOT_FOUND,
            &format!("ProwJob {name:?} not found"),
        ));
    }
    Ok(job)
}

/// The POST's CSRF token, against this browser's cookie.
fn csrf_holds(deck: &Deck, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let Some(secret) = deck.options().cookie_secret.as_ref() else {
        return Err(Box::new(refused(
            StatusCode::FORBIDDEN,
            "deck needs --cookie-secret to accept reruns and aborts",
        )));
    };
    let binding = session::cookie(cookie_header(headers), CSRF_COOKIE);
    let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    match (binding, token) {
        (Some(binding), Some(token)) if secret.csrf_holds(binding, token) => Ok(()),
        _ => Err(Box::new(refused(
            StatusCode::FORBIDDEN,
            "the request's CSRF token is missing or wrong; reload the page and try again",
        ))),
    }
}

/// Whether the reader may act on `job`, and as whom.
async fn permitted(
    deck: &Deck,
    headers: &HeaderMap,
    job: &ProwJob,
    verb: &str,
) -> Result<Option<String>, Response> {
    let config = deck.config();
    let auth = rerun::config_auth(&config.prow.deck, job);
    let login = signed_in(deck, headers);
    if rerun::permission(auth, job) == Permission::Anyone {
        return Ok(login);
    }
    let Some(login) = login else {
        return Err(refused(
            StatusCode::UNAUTHORIZED,
            &format!("Sign in with GitHub to {verb} this job."),
        ));
    };
    let refs = job.spec.refs.as_ref();
    let trigger = refs
        .map(|r| config.plugins.trigger_for(&r.org, &r.repo))
        .unwrap_or_default();
    let ports = prow_plugins::Ports {
        github: deck.options().github.as_deref(),
        jobs: None,
        images: None,
        config_maps: None,
        clock: deck.options().clock.as_ref(),
    };
    let mut facts = Facts::new();
    let mut allowed = false;
    for _ in 0..8 {
        match rerun::may_rerun(&facts, auth, job, &trigger, &login) {
            Ok(answer) => {
                allowed = answer;
                break;
            }
            Err(needed) => {
                if let Err(error) = prow_plugins::finder::gather(needed.0, &mut facts, &ports).await
                {
                    // Without GitHub, what only GitHub can tell does not allow anything.
                    tracing::warn!(%error, user = %login, "checking who may {verb}");
                    break;
                }
            }
        }
    }
    tracing::info!(user = %login, prowjob = %job.name(), allowed, "attempted {verb}");
    if allowed {
        Ok(Some(login))
    } else {
        Err(refused(
            StatusCode::FORBIDDEN,
            &format!("You don't have permission to {verb} that job."),
        ))
    }
}

fn yaml(job: &ProwJob) -> Response {
    match prow_deck::prowjob_yaml(job) {
        Ok(yaml) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], yaml).into_response(),
        Err(error) => unavailable("The ProwJob", &error),
    }
}

async fn the_rerun(
    deck: &Deck,
    old: &ProwJob,
    mode: &str,
    by: Option<&str>,
) -> Result<ProwJob, Box<Response>> {
    let now = deck.options().clock.now();
    let name = prow_trigger::jobs::job_name(&random_token(), &old.spec.job);
    if mode != "latest" {
        return Ok(rerun::rerun_job(old, &name, now, by));
    }
    let config = deck.config();
    let own = in_repo_jobs(deck, &config, old).await;
    let mut job = rerun::rerun_latest(&config, old, &name, now, own.as_ref()).map_err(|error| {
        Box::new(refused(
            StatusCode::BAD_REQUEST,
            &format!("Could not create new prowjob: Failed getting prowjob spec: {error}"),
        ))
    })?;
    job.status.description = rerun::rerun_description(old, by);
    Ok(job)
}

/// The repository's own jobs at the commits `old` ran on, as trigger read them, where in-repo
/// configuration is enabled and deck has GitHub; `None` otherwise, or when they do not load.
async fn in_repo_jobs(
    deck: &Deck,
    config: &prow_config::Config,
    old: &ProwJob,
) -> Option<prow_config::InRepoJobs> {
    use prow_ports::github::{IssueNumber, RepoRef, Sha};
    let github = deck.options().github.as_ref()?;
    let refs = old.spec.refs.as_ref()?;
    if !config
        .prow
        .in_repo_config
        .enabled_for(&refs.org, &refs.repo)
    {
        return None;
    }
    let repo = RepoRef::new(&refs.org, &refs.repo);
    let base = github
        .config_files(&repo, &Sha::new(refs.base_sha.clone()))
        .await
        .ok()?;
    let (head, touched) = match refs.pulls.first() {
        Some(pull) => {
            let changes = github
                .pull_request_changes(&repo, IssueNumber(pull.number))
                .await
                .ok()?;
            let touched = prow_trigger::in_repo::touched_config_paths(
                changes
                    .iter()
                    .map(|c| (c.filename.as_str(), c.previous_filename.as_str())),
            );
            let head = if touched.is_empty() {
                Vec::new()
            } else {
                github
                    .config_files(&repo, &Sha::new(pull.sha.clone()))
                    .await
                    .ok()?
            };
            (head, touched)
        }
        None => (Vec::new(), Default::default()),
    };
    let sources = prow_trigger::in_repo::merged_config_files(&base, &head, &touched);
    prow_config::load_in_repo(config, &repo.full_name(), &sources).ok()
}

/// `GET /rerun`: the job a rerun would create.
pub(crate) async fn rerun_show(
    State(deck): State<Deck>,
    Query(query): Query<JobQuery>,
) -> Response {
    let old = match the_job(&deck, &query.prowjob).await {
        Ok(job) => job,
        Err(response) => return response,
    };
    match the_rerun(&deck, &old, &query.mode, None).await {
        Ok(job) => yaml(&job),
        Err(response) => *response,
    }
}

/// `POST /rerun`: creates it, for someone allowed to.
pub(crate) async fn rerun_create(
    State(deck): State<Deck>,
    Query(query): Query<JobQuery>,
    headers: HeaderMap,
) -> Response {
    if !deck.options().rerun_creates_job {
        return refused(
            StatusCode::METHOD_NOT_ALLOWED,
            "Direct rerun feature is not enabled. Enable with the '--rerun-creates-job' flag.",
        );
    }
    if let Err(response) = csrf_holds(&deck, &headers) {
        return *response;
    }
    let old = match the_job(&deck, &query.prowjob).await {
        Ok(job) => job,
        Err(response) => return response,
    };
    let by = match permitted(&deck, &headers, &old, "rerun").await {
        Ok(by) => by,
        Err(response) => return response,
    };
    let job = match the_rerun(&deck, &old, &query.mode, by.as_deref()).await {
        Ok(job) => job,
        Err(response) => return *response,
    };
    match deck.options().jobs.create(&job).await {
        Ok(created) => {
            tracing::info!(prowjob = %old.name(), new_prowjob = %created.name(), user = ?by, "reran");
            (
                StatusCode::OK,
                "Job successfully triggered. Wait 30 seconds and refresh the page for the job to show up.",
            )
                .into_response()
        }
        Err(error) => unavailable("Creating the job", &error),
    }
}

/// `GET /abort`: the job as it is.
pub(crate) async fn abort_show(
    State(deck): State<Deck>,
    Query(query): Query<JobQuery>,
) -> Response {
    match the_job(&deck, &query.prowjob).await {
        Ok(job) => yaml(&job),
        Err(response) => response,
    }
}

/// `POST /abort`: a triggered or pending job aborted, for someone allowed to.
pub(crate) async fn abort(
    State(deck): State<Deck>,
    Query(query): Query<JobQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = csrf_holds(&deck, &headers) {
        return *response;
    }
    let job = match the_job(&deck, &query.prowjob).await {
        Ok(job) => job,
        Err(response) => return response,
    };
    if !rerun::abortable(&job) {
        let state = job
            .status
            .state
            .map(ProwJobState::as_str)
            .unwrap_or_default();
        return refused(
            StatusCode::BAD_REQUEST,
            &format!("Cannot abort job with state: {state:?}."),
        );
    }
    let by = match permitted(&deck, &headers, &job, "abort").await {
        Ok(by) => by,
        Err(response) => return response,
    };
    let description = match &by {
        Some(login) => format!("{login} successfully aborted {}.", job.name()),
        None => format!("Successfully aborted {}.", job.name()),
    };
    let updated =
        prow_ports::store::update_fresh(deck.options().jobs.as_ref(), job.name(), 5, |job| {
            if !rerun::abortable(job) {
                return false;
            }
            job.status.state = Some(ProwJobState::Aborted);
            job.status.description = description.clone();
            true
        })
        .await;
    match updated {
        Ok(Some(_)) => {
            tracing::info!(prowjob = %job.name(), user = ?by, "aborted");
            (StatusCode::OK, "Job successfully aborted.").into_response()
        }
        Ok(None) => refused(
            StatusCode::CONFLICT,
            "The job ended or went away meanwhile.",
        ),
        Err(error) => unavailable("Aborting the job", &error),
    }
}

/// How long a sign-in may take, for the HTTP client's timeout.
pub(crate) const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(15);

pub(crate) fn cookie_secret(path: &Path) -> anyhow::Result<CookieSecret> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    CookieSecret::new(&bytes).with_context(|| format!("--cookie-secret {}", path.display()))
}
