//! deck's signed cookies: who is signed in (a GitHub login, until a time), the OAuth state that
//! ties a GitHub redirect to the browser that started it, and the CSRF token every POST must
//! carry. Each is HMAC-SHA256 under the configured cookie secret and compared in constant time;
//! nothing here is secret itself, it only cannot be forged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "prow_deck_session";
/// The OAuth state cookie's name (set for the sign-in round trip only).
pub const STATE_COOKIE: &str = "prow_deck_oauth_state";
/// How long a sign-in lasts.
pub const SESSION_LENGTH: SignedDuration = SignedDuration::from_hours(24 * 7);

/// The key every cookie is signed with.
#[derive(Clone)]
pub struct CookieSecret(Vec<u8>);

impl std::fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieSecret(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the cookie secret is {0} bytes; it needs at least 32")]
    TooShort(usize),
}

impl CookieSecret {
    pub fn new(bytes: &[u8]) -> Result<CookieSecret, SecretError> {
        let trimmed = bytes.trim_ascii();
        if trimmed.len() < 32 {
            return Err(SecretError::TooShort(trimmed.len()));
        }
        Ok(CookieSecret(trimmed.to_vec()))
    }

    fn mac(&self, purpose: &str, value: &str) -> Hmac<Sha256> {
        #[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(value.as_bytes());
        mac
    }

    /// `value` with its signature for `purpose`.
    pub fn sign(&self, purpose: &str, value: &str) -> String {
        let tag = self.mac(purpose, value).finalize().into_bytes();
        format!("{}.{}", B64.encode(value), B64.encode(tag))
    }

    /// The value of a signed text, when its signature for `purpose` holds.
    pub fn verify(&self, purpose: &str, signed: &str) -> Option<String> {
        let (value, tag) = signed.split_once('.')?;
        let value = String::from_utf8(B64.decode(value).ok()?).ok()?;
        let tag = B64.decode(tag).ok()?;
        self.mac(purpose, &value).verify_slice(&tag).ok()?;
        Some(value)
    }

    /// The session of `login`, valid until `now` + [`SESSION_LENGTH`].
    pub fn session(&self, login: &str, now: Timestamp) -> String {
        let until = (now + SESSION_LENGTH).as_second();
        self.sign("session", &format!("{login}|{until}"))
    }

    /// Who a session cookie says is signed in, unless it is forged or expired.
    pub fn signed_in(&self, cookie: &str, now: Timestamp) -> Option<String> {
        let value = self.verify("session", cookie)?;
        let (login, until) = value.rsplit_once('|')?;
        (until.parse::<i64>().ok()? > now.as_second() && !login.is_empty())
            .then(|| login.to_string())
    }

    /// The CSRF token for a browser whose session (or, signed out, whose state cookie) is
    /// `binding`: a POST must send it back in `X-CSRF-Token`.
    pub fn csrf_token(&self, binding: &str) -> String {
        B64.encode(self.mac("csrf", binding).finalize().into_bytes())
    }

    pub fn csrf_holds(&self, binding: &str, token: &str) -> bool {
        let Ok(tag) = B64.decode(token) else {
            return false;
        };
        self.mac("csrf", binding).verify_slice(&tag).is_ok()
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> CookieSecret {
        CookieSecret::new(b"0123456789abcdef0123456789abcdef\n").unwrap()
    }

    #[test]
    fn a_session_names_its_login_until_it_expires() {
        let now: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        let cookie = secret().session("alice", now);
        assert_eq!(secret().signed_in(&cookie, now).as_deref(), Some("alice"));
        let later = now + SESSION_LENGTH;
        assert_eq!(secret().signed_in(&cookie, later), None, "expired");
        let other = CookieSecret::new(&[b'x'; 40]).unwrap();
        assert_eq!(other.signed_in(&cookie, now), None, "another secret");
    }

    #[test]
    fn a_changed_cookie_is_refused() {
        let now: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        let cookie = secret().session("alice", now);
        let (_, tag) = cookie.split_once('.').unwrap();
        let forged = format!("{}.{tag}", B64.encode("mallory|9999999999"));
        assert_eq!(secret().signed_in(&forged, now), None);
        assert_eq!(secret().signed_in("garbage", now), None);
        assert_eq!(secret().signed_in("", now), None);
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_browser() {
        let token = secret().csrf_token("session-a");
        assert!(secret().csrf_holds("session-a", &token));
        assert!(!secret().csrf_holds("session-b", &token));
        assert!(!secret().csrf_holds("session-a", "not-a-token"));
        assert!(!secret().csrf_holds("session-a", ""));
    }

    #[test]
    fn short_secrets_are_refused_and_never_printed() {
        assert_eq!(
            CookieSecret::new(b"short").unwrap_err(),
            SecretError::TooShort(5)
        );
        assert_eq!(format!("{:?}", secret()), "CookieSecret(..)");
    }

    #[test]
    fn cookies_are_read_by_name() {
        let header = "a=1; prow_deck_session=abc.def; b=2";
        assert_eq!(cookie(header, SESSION_COOKIE), Some("abc.def"));
        assert_eq!(cookie(header, "missing"), None);
    }
}
