//! Who may push to `/pubsub`. In production Pub/Sub signs each push with an OIDC token of the
//! subscription's service account: an RS256 JWT from Google whose audience is the one configured
//! on the subscription. [`PushAuth::Oidc`] checks its signature against Google's published keys
//! (fetched and cached, refetched when a token names a key not yet seen), the issuer, the
//! audience, the expiry and, when configured, the service account's email. [`PushAuth::Token`]
//! is a shared secret (`?token=` in the push endpoint, or a bearer token) for the emulator,
//! which signs nothing; it is compared in constant time.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Google's signing keys for OIDC tokens.
pub const GOOGLE_JWKS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";
const ISSUERS: [&str; 2] = ["https://accounts.google.com", "accounts.google.com"];
/// Unknown key ids trigger at most one refetch this often (a flood of forged tokens cannot
/// make us hammer Google).
const REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Why a push was refused (for the log; the pusher only learns that it was).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PushRefusal {
    #[error("no push authentication is configured")]
    NotConfigured,
    #[error("no token")]
    NoToken,
    #[error("the token does not match")]
    WrongToken,
    #[error("no bearer token")]
    NoBearer,
    #[error("not a JWT: {0}")]
    NotJwt(String),
    #[error("algorithm {0} is not RS256")]
    Algorithm(String),
    #[error("the token names no key")]
    NoKeyId,
    #[error("no signing key {0:?}")]
    UnknownKey(String),
    #[error("fetching the signing keys from {url}: {reason}")]
    Keys { url: String, reason: String },
    #[error("the token is not valid: {0}")]
    Invalid(String),
    #[error("the token is for {0:?}, not the push service account")]
    WrongAccount(String),
}

pub enum PushAuth {
    /// Every push is refused.
    Refuse,
    Token(String),
    Oidc(Box<OidcVerifier>),
}

pub struct OidcVerifier {
    jwks_url: String,
    audience: String,
    service_account: Option<String>,
    http: reqwest::Client,
    keys: Mutex<Keys>,
}

#[derive(Default)]
struct Keys {
    by_id: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    email: String,
    #[serde(default)]
    email_verified: bool,
}

/// Constant-time comparison, so a secret cannot be guessed byte by byte from timings.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl OidcVerifier {
    pub fn new(jwks_url: &str, audience: &str, service_account: Option<String>) -> OidcVerifier {
        OidcVerifier {
            jwks_url: jwks_url.to_string(),
            audience: audience.to_string(),
            service_account,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            keys: Mutex::new(Keys::default()),
        }
    }

    fn cached(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.lock().ok()?.by_id.get(kid).cloned()
    }

    async fn refetch(&self) -> Result<(), PushRefusal> {
        if let Ok(keys) = self.keys.lock()
            && keys.fetched.is_some_and(|t| t.elapsed() < REFETCH_INTERVAL)
        {
            return Ok(());
        }
        let set: jsonwebtoken::jwk::JwkSet = self
            .http
            .get(&self.jwks_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| PushRefusal::Keys {
                url: self.jwks_url.clone(),
                reason: e.without_url().to_string(),
            })?
            .json()
            .await
            .map_err(|e| PushRefusal::Keys {
                url: self.jwks_url.clone(),
                reason: format!("not a JWK set: {}", e.without_url()),
            })?;
        let mut by_id = HashMap::new();
        for jwk in &set.keys {
            if let (Some(kid), Ok(key)) = (&jwk.common.key_id, DecodingKey::from_jwk(jwk)) {
                by_id.insert(kid.clone(), key);
            }
        }
        if let Ok(mut keys) = self.keys.lock() {
            keys.by_id = by_id;
            keys.fetched = Some(Instant::now());
        }
        Ok(())
    }

    /// Checks `token`; the error says why it is refused (for the log, not the caller).
    pub async fn verify(&self, token: &str) -> Result<(), PushRefusal> {
        let header = decode_header(token).map_err(|e| PushRefusal::NotJwt(e.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(PushRefusal::Algorithm(format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or(PushRefusal::NoKeyId)?;
        let key = match self.cached(&kid) {
            Some(key) => key,
            None => {
                self.refetch().await?;
                self.cached(&kid).ok_or(PushRefusal::UnknownKey(kid))?
            }
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.audience]);
        validation.set_issuer(&ISSUERS);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let claims = decode::<Claims>(token, &key, &validation)
            .map_err(|e| PushRefusal::Invalid(e.to_string()))?
            .claims;
        if let Some(expected) = &self.service_account
            && (!claims.email_verified || &claims.email != expected)
        {
            return Err(PushRefusal::WrongAccount(claims.email));
        }
        Ok(())
    }
}

impl PushAuth {
    /// Whether a push presenting `bearer` (the Authorization header's token) or `query_token`
    /// (`?token=`) may be handled; the error is for the log.
    pub async fn check(
        &self,
        bearer: Option<&str>,
        query_token: Option<&str>,
    ) -> Result<(), PushRefusal> {
        match self {
            PushAuth::Refuse => Err(PushRefusal::NotConfigured),
            PushAuth::Token(expected) => match query_token.or(bearer) {
                Some(presented) if same_secret(expected.as_bytes(), presented.as_bytes()) => Ok(()),
                Some(_) => Err(PushRefusal::WrongToken),
                None => Err(PushRefusal::NoToken),
            },
            PushAuth::Oidc(verifier) => match bearer {
                Some(token) => verifier.verify(token).await,
                None => Err(PushRefusal::NoBearer),
            },
        }
    }
}
