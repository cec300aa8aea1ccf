//! Webhook signatures as upstream Prow checks them: HMAC-SHA256 of the raw body
//! (`X-Hub-Signature-256: sha256=<hex>`), keyed by the HMAC secret file. The file holds one token,
//! or a map from `*`, `org` or `org/repo` to a list of `{value, created_at}` tokens: the most
//! specific key present for the event's repository decides which tokens are accepted, and any
//! token in its list is (several during a rotation).
//!
//! Unlike upstream, the body is not read before a signature matches: every configured token is
//! tried first (each comparison in constant time), and only a body signed with one of them is
//! read for its repository, to check that the matching token is one that repository may use.

use hmac::{KeyInit, Mac};
use std::collections::BTreeMap;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// One secret token, opaque; its keyed HMAC state is computed once and cloned per request.
#[derive(Clone)]
pub struct SecretToken {
    keyed: HmacSha256,
}

impl SecretToken {
    fn new(value: &[u8]) -> Result<SecretToken, SecretError> {
        HmacSha256::new_from_slice(value)
            .map(|keyed| SecretToken { keyed })
            .map_err(|_| SecretError::Empty)
    }

    fn signs(&self, payload: &[u8], signature: &[u8]) -> bool {
        let mut mac = self.keyed.clone();
        mac.update(payload);
        mac.verify_slice(signature).is_ok()
    }
}

/// The parsed HMAC secret file. Its `Debug` output never shows a token.
#[derive(Clone)]
pub enum HmacSecret {
    /// The whole file is one token (surrounding whitespace trimmed).
    Single(SecretToken),
    /// Tokens by scope: `*`, `org` or `org/repo`.
    Scoped(BTreeMap<String, Vec<SecretToken>>),
}

impl std::fmt::Debug for HmacSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HmacSecret::Single(_) => f.write_str("HmacSecret::Single(<redacted>)"),
            HmacSecret::Scoped(scopes) => f
                .debug_map()
                .entries(
                    scopes
                        .iter()
                        .map(|(k, v)| (k, format!("{} token(s)", v.len()))),
                )
                .finish(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the HMAC secret file is empty")]
    Empty,
    #[error("the HMAC secret file's scope {scope:?} lists no token")]
    EmptyScope { scope: String },
}

/// Why a delivery's signature was refused. All of them are answered 403, as upstream does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRejection {
    #[error("missing X-Hub-Signature-256")]
    Missing,
    #[error("invalid X-Hub-Signature-256: expected sha256= and 64 hex digits")]
    Malformed,
    #[error("invalid X-Hub-Signature-256: no configured secret signs this payload")]
    Mismatch,
    #[error(
        "invalid X-Hub-Signature-256: signed with a secret not configured for this organization/repository"
    )]
    WrongScope,
}

impl SignatureRejection {
    /// A label value for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            SignatureRejection::Missing => "missing_signature",
            SignatureRejection::Malformed => "malformed_signature",
            SignatureRejection::Mismatch => "signature_mismatch",
            SignatureRejection::WrongScope => "signature_wrong_scope",
        }
    }
}

#[derive(serde::Deserialize)]
struct ScopedToken {
    value: String,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "part of upstream's format; rotation order is not needed"
    )]
    created_at: Option<String>,
}

impl HmacSecret {
    /// Reads the file's contents. A YAML map of token lists is the scoped form; anything else is
    /// one token, as upstream falls back.
    pub fn parse(contents: &[u8]) -> Result<HmacSecret, SecretError> {
        let text = String::from_utf8_lossy(contents);
        if let Ok(scopes) = serde_saphyr::from_str::<BTreeMap<String, Vec<ScopedToken>>>(&text)
            && !scopes.is_empty()
        {
            let mut parsed = BTreeMap::new();
            for (scope, tokens) in scopes {
                let tokens: Vec<SecretToken> = tokens
                    .iter()
                    .filter(|t| !t.value.is_empty())
                    .map(|t| SecretToken::new(t.value.as_bytes()))
                    .collect::<Result<_, _>>()?;
                if tokens.is_empty() {
                    return Err(SecretError::EmptyScope { scope });
                }
                parsed.insert(scope, tokens);
            }
            return Ok(HmacSecret::Scoped(parsed));
        }
        let token = contents.trim_ascii();
        if token.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(HmacSecret::Single(SecretToken::new(token)?))
    }

    /// Checks a delivery. `origin` reads the payload's `org/repo` (or org); it is called only
    /// after a configured token has been shown to sign the payload.
    pub fn verify(
        &self,
        payload: &[u8],
        signature_header: Option<&str>,
        origin: impl FnOnce(&[u8]) -> Option<String>,
    ) -> Result<(), SignatureRejection> {
        let header = signature_header.ok_or(SignatureRejection::Missing)?;
        let signature = header
            .strip_prefix("sha256=")
            .filter(|hex| hex.len() == 64)
            .and_then(|hex| hex::decode(hex).ok())
            .ok_or(SignatureRejection::Malformed)?;
        match self {
            HmacSecret::Single(token) => {
                if token.signs(payload, &signature) {
                    Ok(())
                } else {
                    Err(SignatureRejection::Mismatch)
                }
            }
            HmacSecret::Scoped(scopes) => {
                // Try every token (no early exit), so timing says nothing about which matched.
                let mut signed_by: Vec<&str> = Vec::new();
                for (scope, tokens) in scopes {
                    let mut any = false;
                    for token in tokens {
                        any |= token.signs(payload, &signature);
                    }
                    if any {
                        signed_by.push(scope);
                    }
                }
                if signed_by.is_empty() {
                    return Err(SignatureRejection::Mismatch);
                }
                let origin = origin(payload).unwrap_or_default();
                let org = origin.split('/').next().unwrap_or_default();
                let governing = [origin.as_str(), org, "*"]
                    .into_iter()
                    .find(|scope| !scope.is_empty() && scopes.contains_key(*scope));
                match governing {
                    Some(scope) if signed_by.contains(&scope) => Ok(()),
                    _ => Err(SignatureRejection::WrongScope),
                }
            }
        }
    }
}

/// The `X-Hub-Signature-256` value GitHub would send for `payload` signed with `secret`.
pub fn signature(secret: &[u8], payload: &[u8]) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm is unreachable in practice.
        Err(_) => return String::new(),
    };
    mac.update(payload);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
