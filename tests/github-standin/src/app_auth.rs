//! GitHub App authentication: the app proves itself with an RS256 JWT signed by its private key
//! (checked here against its public key, with `iss`, `iat` and `exp` as GitHub checks them), lists
//! its installations, and trades the JWT for short-lived installation tokens.

use crate::AppState;
use crate::routes::{error, lock};
use crate::shapes;
use crate::world::{App, World};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/app", get(get_app))
        .route("/app/installations", get(list_installations))
        .route("/app/installations/{id}/access_tokens", post(create_token))
}

#[derive(Deserialize)]
struct Claims {
    iss: Value,
}

/// The app whose valid JWT authorizes this request, or GitHub's 401.
pub(crate) fn authenticated_app(world: &World, headers: &HeaderMap) -> Result<App, Box<Response>> {
    let unauthorized = |message: &str| Box::new(error(StatusCode::UNAUTHORIZED, message));
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("A JSON web token could not be decoded"))?;
    let unverified = jsonwebtoken::dangerous::insecure_decode::<Claims>(token)
        .map_err(|_| unauthorized("A JSON web token could not be decoded"))?;
    let app_id: u64 = match &unverified.claims.iss {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| unauthorized("'Issuer' claim ('iss') must be an Integer"))?;
    let app = world
        .apps
        .get(&app_id)
        .ok_or_else(|| unauthorized("Integration not found"))?;
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(app.public_key_pem.as_bytes())
        .map_err(|_| unauthorized("the app's key is not an RSA public key"))?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    // GitHub Apps write `iss` as a number, which the library's own `iss` check cannot read; it
    // is checked above.
    validation.set_required_spec_claims(&["exp", "iat"]);
    validation.validate_aud = false;
    jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map_err(|e| unauthorized(&format!("A JSON web token could not be decoded: {e}")))?;
    Ok(app.clone())
}

fn app_json(world: &World, base: &str, app: &App) -> Value {
    json!({
        "id": app.id,
        "slug": app.slug,
        "node_id": format!("A_{}", app.id),
        "owner": shapes::user_by_login(world, base, app.installations.values().next().map_or("", String::as_str)),
        "name": app.slug,
        "description": "",
        "external_url": base,
        "html_url": format!("{base}/apps/{}", app.slug),
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "permissions": {"contents": "read", "issues": "write", "pull_requests": "write", "statuses": "write", "checks": "write"},
        "events": ["issue_comment", "pull_request", "push", "status"]
    })
}

async fn get_app(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let world = lock(&state);
    match authenticated_app(&world, &headers) {
        Ok(app) => Json(app_json(&world, &state.base, &app)).into_response(),
        Err(response) => *response,
    }
}

async fn list_installations(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let world = lock(&state);
    let app = match authenticated_app(&world, &headers) {
        Ok(app) => app,
        Err(response) => return *response,
    };
    let installations: Vec<Value> = app
        .installations
        .iter()
        .map(|(id, account)| {
            json!({
                "id": id,
                "account": shapes::user_by_login(&world, &state.base, account),
                "app_id": app.id,
                "app_slug": app.slug,
                "target_id": world.users.get(account).map_or(0, |u| u.id),
                "target_type": if world.orgs.contains_key(account) { "Organization" } else { "User" },
                "repository_selection": "all",
                "access_tokens_url": format!("{}/app/installations/{id}/access_tokens", state.base),
                "repositories_url": format!("{}/installation/repositories", state.base),
                "html_url": format!("{}/settings/installations/{id}", state.base),
                "permissions": {"contents": "read", "issues": "write", "pull_requests": "write"},
                "events": ["pull_request", "issue_comment"],
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
                "single_file_name": null
            })
        })
        .collect();
    Json(Value::Array(installations)).into_response()
}

async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(installation): Path<u64>,
) -> Response {
    let mut world = lock(&state);
    let app = match authenticated_app(&world, &headers) {
        Ok(app) => app,
        Err(response) => return *response,
    };
    if !app.installations.contains_key(&installation) {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let serial = world.next_id();
    let token = format!("ghs_standin{serial:030}");
    world
        .installation_tokens
        .insert(token.clone(), (app.id, installation));
    let expires_at = match world.installation_token_lifetime {
        Some(seconds) => rfc3339_in(seconds),
        None => "2099-01-01T00:00:00Z".to_string(),
    };
    (
        StatusCode::CREATED,
        Json(json!({
            "token": token,
            "expires_at": expires_at,
            "permissions": {"contents": "read", "issues": "write", "pull_requests": "write", "statuses": "write"},
            "repository_selection": "all"
        })),
    )
        .into_response()
}

/// Now plus `seconds`, as GitHub writes times (UTC, whole seconds).
fn rfc3339_in(seconds: u64) -> String {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + seconds;
    let (days, rest) = (unix / 86_400, unix % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}
