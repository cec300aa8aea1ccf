//! GitHub's OAuth web flow, as an OAuth App's users meet it (github.com's `/login/oauth/...`):
//! the app sends the browser to `GET /login/oauth/authorize?client_id=&redirect_uri=&state=`,
//! the person signs in (here: names a user of the world on a small form; there are no passwords),
//! GitHub redirects to `redirect_uri?code=&state=`, and the app exchanges the code at
//! `POST /login/oauth/access_token` for a user access token that acts as that person on the API.
//! Codes are single-use, tied to their app and redirect URI; errors are GitHub's
//! (`bad_verification_code`, `incorrect_client_credentials`, `redirect_uri_mismatch`).

use crate::AppState;
use crate::routes::lock;
use crate::world::{OAuthApp, World};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/login/oauth/authorize", get(authorize_page).post(sign_in))
        .route("/login/oauth/access_token", post(access_token))
}

impl World {
    /// Registers an OAuth App people can sign in to.
    pub fn add_oauth_app(&mut self, client_id: &str, client_secret: &str, name: &str) -> &mut Self {
        self.oauth_apps.insert(
            client_id.to_string(),
            OAuthApp {
                name: name.to_string(),
                client_secret: client_secret.to_string(),
            },
        );
        self
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Authorize {
    client_id: String,
    redirect_uri: String,
    state: String,
    scope: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(app: &OAuthApp, request: &Authorize, problem: Option<&str>) -> Response {
    let problem = problem
        .map(|p| format!(r#"<p id="problem">{}</p>"#, escape(p)))
        .unwrap_or_default();
    Html(format!(
        r#"<!doctype html><title>Sign in to GitHub</title>
<h1>Sign in to GitHub</h1><p>to continue to <strong>{}</strong></p>{problem}
<form method="post" action="/login/oauth/authorize">
<input type="hidden" name="client_id" value="{}"><input type="hidden" name="redirect_uri" value="{}">
<input type="hidden" name="state" value="{}"><input type="hidden" name="scope" value="{}">
<label>Username <input name="login" id="login_field" autofocus></label>
<input type="submit" name="commit" value="Sign in">
</form>"#,
        escape(&app.name),
        escape(&request.client_id),
        escape(&request.redirect_uri),
        escape(&request.state),
        escape(&request.scope),
    ))
    .into_response()
}

fn unknown_app() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><title>Not Found</title><p>The OAuth App does not exist.</p>"),
    )
        .into_response()
}

async fn authorize_page(
    State(state): State<AppState>,
    Query(request): Query<Authorize>,
) -> Response {
    let world = lock(&state);
    match world.oauth_apps.get(&request.client_id) {
        Some(app) => page(app, &request, None),
        None => unknown_app(),
    }
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The form's sign-in: a user of the world is signed in and sent back with a code.
async fn sign_in(State(state): State<AppState>, body: Bytes) -> Response {
    let fields = form(&body);
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let request = Authorize {
        client_id: field("client_id"),
        redirect_uri: field("redirect_uri"),
        state: field("state"),
        scope: field("scope"),
    };
    let login = field("login");
    let mut world = lock(&state);
    let Some(app) = world.oauth_apps.get(&request.client_id).cloned() else {
        return unknown_app();
    };
    let person = world.users.get(&login).is_some_and(|u| u.kind == "User");
    if !person {
        return page(&app, &request, Some("Incorrect username or password."));
    }
    let code = format!(
        "code-{}-{}",
        login,
        world.oauth_codes.len() + world.oauth_tokens.len() + 1
    );
    world.oauth_codes.insert(
        code.clone(),
        (
            request.client_id.clone(),
            login,
            request.redirect_uri.clone(),
        ),
    );
    let separator = if request.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let state_part: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &code)
        .append_pair("state", &request.state)
        .finish();
    Redirect::to(&format!("{}{separator}{state_part}", request.redirect_uri)).into_response()
}

/// The code exchange. GitHub answers errors with 200 and an `error` field.
async fn access_token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let fields: BTreeMap<String, String> = if json_body {
        serde_json::from_slice::<BTreeMap<String, serde_json::Value>>(&body)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_default()))
            .collect()
    } else {
        form(&body)
    };
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let failed = |error: &str, description: &str| {
        Json(json!({"error": error, "error_description": description})).into_response()
    };
    let mut world = lock(&state);
    let client_id = field("client_id");
    let secret_holds = world
        .oauth_apps
        .get(&client_id)
        .is_some_and(|app| app.client_secret == field("client_secret"));
    if !secret_holds {
        return failed(
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
        );
    }
    let code = field("code");
    let Some((issued_to, login, redirect_uri)) = world.oauth_codes.get(&code).cloned() else {
        return failed(
            "bad_verification_code",
            "The code passed is incorrect or expired.",
        );
    };
    if issued_to != client_id {
        return failed(
            "bad_verification_code",
            "The code passed is incorrect or expired.",
        );
    }
    let asked_redirect = field("redirect_uri");
    if !asked_redirect.is_empty() && asked_redirect != redirect_uri {
        return failed(
            "redirect_uri_mismatch",
            "The redirect_uri MUST match the registered callback URL for this application.",
        );
    }
    world.oauth_codes.remove(&code);
    let token = format!("gho_{}_{}", login, world.oauth_tokens.len() + 1);
    world.oauth_tokens.insert(token.clone(), login);
    Json(json!({"access_token": token, "token_type": "bearer", "scope": ""})).into_response()
}
