//! Webhook signatures against upstream's HMAC secret file, both forms, with rotation and the
//! most-specific-scope rule.

use prow_github::payload_origin;
use prow_github::webhook::{HmacSecret, SecretError, SignatureRejection, signature};

const SCOPED: &str = r#"
'*':
  - value: global-token
    created_at: 2025-01-01T00:00:00Z
kubernetes:
  - value: org-old
    created_at: 2025-01-01T00:00:00Z
  - value: org-new
    created_at: 2026-01-01T00:00:00Z
kubernetes/test-infra:
  - value: repo-token
    created_at: 2026-01-01T00:00:00Z
"#;

fn payload(full_name: &str) -> Vec<u8> {
    serde_json::to_vec(
        &serde_json::json!({"action": "opened", "repository": {"full_name": full_name}}),
    )
    .unwrap()
}

fn check(secret: &HmacSecret, body: &[u8], header: Option<&str>) -> Result<(), SignatureRejection> {
    secret.verify(body, header, payload_origin)
}

#[test]
fn a_single_token_file_accepts_its_signature_and_nothing_else() {
    let secret = HmacSecret::parse(b"  s3cret\n").unwrap();
    let body = payload("o/r");
    let good = signature(b"s3cret", &body);
    assert_eq!(check(&secret, &body, Some(&good)), Ok(()));
    assert_eq!(
        check(&secret, &body, Some(&signature(b"other", &body))),
        Err(SignatureRejection::Mismatch)
    );
    let mut flipped = body.clone();
    flipped[3] ^= 1;
    assert_eq!(
        check(&secret, &flipped, Some(&good)),
        Err(SignatureRejection::Mismatch)
    );
}

#[test]
fn scoped_tokens_follow_the_most_specific_scope() {
    let secret = HmacSecret::parse(SCOPED.as_bytes()).unwrap();
    let cases = [
        // (repository, signing token, accepted)
        ("kubernetes/test-infra", "repo-token", true),
        ("kubernetes/test-infra", "org-new", false), // the repo's own scope wins over the org's
        ("kubernetes/test-infra", "global-token", false),
        ("kubernetes/kubernetes", "org-old", true), // rotation: both org tokens work
        ("kubernetes/kubernetes", "org-new", true),
        ("kubernetes/kubernetes", "global-token", false),
        ("kubernetes/kubernetes", "repo-token", false),
        ("other/repo", "global-token", true),
        ("other/repo", "org-new", false),
        ("other/repo", "unknown", false),
    ];
    for (repo, token, accepted) in cases {
        let body = payload(repo);
        let result = check(&secret, &body, Some(&signature(token.as_bytes(), &body)));
        assert_eq!(
            result.is_ok(),
            accepted,
            "{repo} signed with {token}: {result:?}"
        );
        if !accepted {
            let expected = if token == "unknown" {
                SignatureRejection::Mismatch
            } else {
                SignatureRejection::WrongScope
            };
            assert_eq!(result, Err(expected), "{repo} signed with {token}");
        }
    }
}

#[test]
fn organization_events_use_the_organization_scope() {
    let secret = HmacSecret::parse(SCOPED.as_bytes()).unwrap();
    let body = br#"{"action": "member_added", "organization": {"login": "kubernetes"}}"#;
    assert_eq!(
        check(&secret, body, Some(&signature(b"org-new", body))),
        Ok(())
    );
    assert_eq!(
        check(&secret, body, Some(&signature(b"global-token", body))),
        Err(SignatureRejection::WrongScope)
    );
}

#[test]
fn the_body_is_not_read_unless_a_configured_token_signs_it() {
    let secret = HmacSecret::parse(SCOPED.as_bytes()).unwrap();
    let body = payload("kubernetes/test-infra");
    let result = secret.verify(&body, Some(&signature(b"forged", &body)), |_| {
        panic!("the payload was read before its signature matched")
    });
    assert_eq!(result, Err(SignatureRejection::Mismatch));
}

#[test]
fn malformed_and_missing_signatures_are_refused() {
    let secret = HmacSecret::parse(b"s3cret").unwrap();
    let body = payload("o/r");
    let good = signature(b"s3cret", &body);
    let sha1 = format!("sha1={}", &good[7..47]);
    for (header, expected) in [
        (None, SignatureRejection::Missing),
        (Some(""), SignatureRejection::Malformed),
        (Some(sha1.as_str()), SignatureRejection::Malformed),
        (Some(&good[..good.len() - 2]), SignatureRejection::Malformed),
        (Some(&good[7..]), SignatureRejection::Malformed),
        (Some("sha256=zz"), SignatureRejection::Malformed),
    ] {
        assert_eq!(check(&secret, &body, header), Err(expected), "{header:?}");
    }
}

#[test]
fn bad_secret_files_are_errors_and_tokens_never_show_in_debug_output() {
    assert_eq!(HmacSecret::parse(b"  \n").unwrap_err(), SecretError::Empty);
    assert_eq!(
        HmacSecret::parse(b"kubernetes: []\n").unwrap_err(),
        SecretError::EmptyScope {
            scope: "kubernetes".into()
        }
    );
    let debug = format!(
        "{:?} {:?}",
        HmacSecret::parse(SCOPED.as_bytes()).unwrap(),
        HmacSecret::parse(b"s3cret").unwrap()
    );
    for token in ["global-token", "org-old", "repo-token", "s3cret"] {
        assert!(!debug.contains(token), "{debug}");
    }
}
