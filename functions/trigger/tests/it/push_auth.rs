//! Pub/Sub push authentication as production uses it: OIDC tokens signed with RSA keys published
//! as a JWK set (served here on loopback in Google's format, keys made with openssl). A token
//! is accepted only with a known key, the right issuer, audience and service account, and
//! before it expires; the shared token is compared whole.

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use trigger::push_auth::{OidcVerifier, PushAuth};

const AUDIENCE: &str = "https://trigger.prow.example/pubsub";
const ACCOUNT: &str = "pubsub-push@prow-project.iam.gserviceaccount.com";

/// An RSA key pair: the private key's PEM and the public key as a JWK with `kid`.
fn key(dir: &std::path::Path, kid: &str) -> (Vec<u8>, serde_json::Value) {
    let path = dir.join(format!("{kid}.pem"));
    let status = std::process::Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&path)
        .arg("2048")
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let modulus = std::process::Command::new("openssl")
        .args(["rsa", "-noout", "-modulus", "-in"])
        .arg(&path)
        .output()
        .unwrap();
    let hex = String::from_utf8(modulus.stdout).unwrap();
    let hex = hex.trim().trim_start_matches("Modulus=");
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    (
        std::fs::read(&path).unwrap(),
        serde_json::json!({"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": n, "e": "AQAB"}),
    )
}

fn token(pem: &[u8], kid: &str, claims: serde_json::Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    encode(&header, &claims, &EncodingKey::from_rsa_pem(pem).unwrap()).unwrap()
}

fn claims(audience: &str, email: &str, expires_in: i64) -> serde_json::Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    serde_json::json!({"iss": "https://accounts.google.com", "aud": audience, "email": email,
        "email_verified": true, "iat": now, "exp": now + expires_in, "sub": "1234"})
}

#[tokio::test]
async fn only_valid_google_style_tokens_may_push() {
    let dir = tempfile::tempdir().unwrap();
    let (pem, jwk) = key(dir.path(), "key-1");
    let (other_pem, _) = key(dir.path(), "key-2");
    let jwks = serde_json::json!({"keys": [jwk]});
    let app = axum::Router::new().route(
        "/oauth2/v3/certs",
        axum::routing::get(move || {
            let jwks = jwks.clone();
            async move { axum::Json(jwks) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let auth = PushAuth::Oidc(Box::new(OidcVerifier::new(
        &format!("http://{address}/oauth2/v3/certs"),
        AUDIENCE,
        Some(ACCOUNT.into()),
    )));

    let good = token(&pem, "key-1", claims(AUDIENCE, ACCOUNT, 300));
    assert_eq!(auth.check(Some(&good), None).await, Ok(()));
    let cases = [
        (
            "another audience",
            token(&pem, "key-1", claims("https://elsewhere", ACCOUNT, 300)),
        ),
        (
            "another account",
            token(&pem, "key-1", claims(AUDIENCE, "mallory@example.com", 300)),
        ),
        (
            "expired",
            token(&pem, "key-1", claims(AUDIENCE, ACCOUNT, -600)),
        ),
        (
            "signed by another key under the known id",
            token(&other_pem, "key-1", claims(AUDIENCE, ACCOUNT, 300)),
        ),
        (
            "an unknown key",
            token(&other_pem, "key-2", claims(AUDIENCE, ACCOUNT, 300)),
        ),
        ("not a JWT", "garbage".to_string()),
    ];
    for (case, bad) in cases {
        assert!(auth.check(Some(&bad), None).await.is_err(), "{case}");
    }
    let mut wrong_issuer = claims(AUDIENCE, ACCOUNT, 300);
    wrong_issuer["iss"] = "https://evil.example".into();
    assert!(
        auth.check(Some(&token(&pem, "key-1", wrong_issuer)), None)
            .await
            .is_err()
    );
    assert!(
        auth.check(None, Some("anything")).await.is_err(),
        "OIDC ignores ?token="
    );

    let shared = PushAuth::Token("s3cret".into());
    assert_eq!(shared.check(None, Some("s3cret")).await, Ok(()));
    assert_eq!(shared.check(Some("s3cret"), None).await, Ok(()));
    assert!(shared.check(None, Some("s3cre")).await.is_err());
    assert!(shared.check(None, None).await.is_err());
    assert!(PushAuth::Refuse.check(Some(&good), None).await.is_err());
}
