//! Credentials: a personal access token from a file, or a GitHub App (id + private key) whose
//! installation tokens are fetched per organization, cached, and refreshed five minutes before
//! they expire. Read at start; GitHub is first called on the first request.

use jiff::{SignedDuration, Timestamp};
use prow_ports::github::GitHubError;
use std::collections::HashMap;
use std::path::Path;
use tokio::sync::Mutex;

/// Refresh an installation token this long before GitHub says it expires.
const REFRESH_MARGIN: SignedDuration = SignedDuration::from_mins(5);

pub enum Credentials {
    Token(String),
    App(Box<AppCredentials>),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Credentials::Token(<redacted>)"),
            Credentials::App(app) => write!(f, "Credentials::App({})", app.app_id),
        }
    }
}

pub struct AppCredentials {
    pub(crate) app_id: String,
    key: jsonwebtoken::EncodingKey,
    /// org login -> installation id
    pub(crate) installations: Mutex<HashMap<String, u64>>,
    /// installation id -> (token, expiry)
    pub(crate) tokens: Mutex<HashMap<u64, (String, Timestamp)>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is empty")]
    Empty { path: String },
    #[error("{path} is not an RSA private key in PEM form: {reason}")]
    BadKey { path: String, reason: String },
    #[error(
        "give either --github-token-path, or --github-app-id with --github-app-private-key-path"
    )]
    Missing,
}

impl Credentials {
    /// From upstream's flags: `--github-token-path`, or `--github-app-id` with
    /// `--github-app-private-key-path`.
    pub fn from_flags(
        token_path: Option<&Path>,
        app_id: Option<&str>,
        app_key_path: Option<&Path>,
    ) -> Result<Credentials, CredentialsError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| CredentialsError::Read {
                path: path.display().to_string(),
                source,
            })
        };
        match (token_path, app_id, app_key_path) {
            (_, Some(app_id), Some(key_path)) => {
                let pem = read(key_path)?;
                let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| {
                    CredentialsError::BadKey {
                        path: key_path.display().to_string(),
                        reason: e.to_string(),
                    }
                })?;
                Ok(Credentials::App(Box::new(AppCredentials::new(app_id, key))))
            }
            (Some(token_path), _, _) => {
                let token = read(token_path)?.trim().to_string();
                if token.is_empty() {
                    return Err(CredentialsError::Empty {
                        path: token_path.display().to_string(),
                    });
                }
                Ok(Credentials::Token(token))
            }
            _ => Err(CredentialsError::Missing),
        }
    }
}

impl AppCredentials {
    pub fn new(app_id: &str, key: jsonwebtoken::EncodingKey) -> AppCredentials {
        AppCredentials {
            app_id: app_id.to_string(),
            key,
            installations: Mutex::default(),
            tokens: Mutex::default(),
        }
    }

    /// A JWT for the app's own endpoints: issued a minute ago (clock drift), valid 9 minutes.
    pub(crate) fn jwt(&self, now: Timestamp) -> Result<String, GitHubError> {
        #[derive(serde::Serialize)]
        struct Claims<'a> {
            iat: u64,
            exp: u64,
            iss: &'a str,
        }
        let now = u64::try_from(now.as_second())
            .map_err(|_| GitHubError::Auth(format!("the clock reads {now}, before 1970")))?;
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &Claims {
                iat: now.saturating_sub(60),
                exp: now + 9 * 60,
                iss: &self.app_id,
            },
            &self.key,
        )
        .map_err(|e| GitHubError::Auth(format!("signing the app JWT: {e}")))
    }

    /// A cached token for the installation that is still good for the refresh margin.
    pub(crate) async fn cached_token(&self, installation: u64, now: Timestamp) -> Option<String> {
        let tokens = self.tokens.lock().await;
        let (token, expires) = tokens.get(&installation)?;
        let good_until = expires.checked_sub(REFRESH_MARGIN).ok()?;
        (now < good_until).then(|| token.clone())
    }
}
