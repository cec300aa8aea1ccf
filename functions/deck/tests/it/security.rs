//! Rerun and abort without authorisation, beyond `rerun.rs`: signed out, signed in as someone the
//! configuration does not name, on a repository no `rerun_auth_configs` entry covers, with a
//! session re-signed for another login, and by GET; each leaves the jobs as they were.

use crate::rerun::{RUN, bench, page_token, set_cookies, sign_in, standin};
use crate::support::JobFixture;
use axum::http::StatusCode;
use prow_api::ProwJobState;

/// A running postsubmit of `org/other`, which no `rerun_auth_configs` entry covers.
fn uncovered() -> prow_api::ProwJob {
    JobFixture {
        name: "x1",
        job: "post-other-build",
        kind: "postsubmit",
        state: "pending",
        repo: "org/other",
        pull: None,
        started_minutes: 5,
        minutes: None,
    }
    .build()
}

#[tokio::test]
async fn signed_out_nobody_may_abort_or_rerun_a_protected_job() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    let (csrf, token) = page_token(&bench, "").await;
    let jobs = bench.store.list("").await.unwrap().len();
    let abort = bench.post("/abort?prowjob=b2", &csrf, Some(&token)).await;
    assert_eq!(abort.status, StatusCode::UNAUTHORIZED);
    assert_eq!(abort.body, "Sign in with GitHub to abort this job.");
    let rerun = bench.post("/rerun?prowjob=b2", &csrf, Some(&token)).await;
    assert_eq!(rerun.status, StatusCode::UNAUTHORIZED);
    // `allow_anyone` on org/open opens that repository's jobs only.
    let open = bench.post("/rerun?prowjob=o1", &csrf, Some(&token)).await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    assert_eq!(
        bench.store.get("b2").await.unwrap().status.state,
        Some(ProwJobState::Pending)
    );
    assert_eq!(bench.store.list("").await.unwrap().len(), jobs + 1);
}

#[tokio::test]
async fn a_repository_without_rerun_auth_lets_no_one_act_not_even_a_member() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    bench.add(uncovered()).await;
    let jobs = bench.store.list("").await.unwrap().len();
    let (csrf, token) = page_token(&bench, "").await;
    assert_eq!(
        bench
            .post("/abort?prowjob=x1", &csrf, Some(&token))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // alice is a member of org, which may act on org/app's jobs, not org/other's.
    let alice = sign_in(&bench, &standin, "alice").await;
    let (csrf, token) = page_token(&bench, &alice).await;
    let cookies = format!("{alice}; {csrf}");
    for path in ["/abort?prowjob=x1", "/rerun?prowjob=x1"] {
        let answer = bench.post(path, &cookies, Some(&token)).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            answer.body
        );
    }
    assert_eq!(
        bench.store.get("x1").await.unwrap().status.state,
        Some(ProwJobState::Pending)
    );
    assert_eq!(bench.store.list("").await.unwrap().len(), jobs);
    // The same session does act where it is allowed, so the refusals are the configuration's.
    let allowed = bench
        .post("/abort?prowjob=b2", &cookies, Some(&token))
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
}

#[tokio::test]
async fn a_session_re_signed_for_another_login_is_nobody() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    // bob's genuine session, its value swapped for alice's (a member) under bob's signature.
    let bob = sign_in(&bench, &standin, "bob").await;
    let value = bob.strip_prefix("prow_deck_session=").unwrap();
    let (payload, tag) = value.split_once('.').unwrap();
    let decoded = String::from_utf8(base64_decode(payload)).unwrap();
    assert!(decoded.starts_with("bob|"), "{decoded}");
    assert_eq!(base64_encode(decoded.as_bytes()), payload, "well-formed");
    let alice_payload = base64_encode(decoded.replacen("bob", "alice", 1).as_bytes());
    let forged = format!("prow_deck_session={alice_payload}.{tag}");
    let (csrf, token) = page_token(&bench, &forged).await;
    let page = bench
        .get_with(&format!("/view/s3/prow-artifacts/{RUN}"), &forged)
        .await;
    assert!(!page.body.contains("Signed in as"), "{}", page.body);
    for path in ["/abort?prowjob=b2", "/rerun?prowjob=b1"] {
        let answer = bench
            .post(path, &format!("{forged}; {csrf}"), Some(&token))
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(
        bench.store.get("b2").await.unwrap().status.state,
        Some(ProwJobState::Pending)
    );
}

#[tokio::test]
async fn get_requests_change_nothing() {
    let standin = standin().await;
    let bench = bench(&standin).await;
    let alice = sign_in(&bench, &standin, "alice").await;
    let jobs = bench.store.list("").await.unwrap().len();
    for path in ["/abort?prowjob=b2", "/rerun?prowjob=b1"] {
        let answer = bench.get_with(path, &alice).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(set_cookies(&answer.headers).is_empty(), "{path}");
    }
    assert_eq!(
        bench.store.get("b2").await.unwrap().status.state,
        Some(ProwJobState::Pending)
    );
    assert_eq!(bench.store.list("").await.unwrap().len(), jobs);
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding, as deck's cookies use it.
fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn base64_decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let value = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}
