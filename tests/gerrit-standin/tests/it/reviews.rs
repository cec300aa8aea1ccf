//! `POST /changes/{id}/revisions/{revision}/review`: who posts, what the message reads, which votes
//! count, and how Gerrit refuses.

use crate::{get, post, with_one_change, world};
use gerrit_standin::{FileInfo, GerritStandIn};
use serde_json::json;
use std::collections::BTreeMap;

/// The SHA of the change's current patch set.
fn current_revision(standin: &GerritStandIn, number: u64) -> String {
    standin
        .world()
        .change(number)
        .unwrap()
        .current_revision
        .clone()
}

fn review_path(standin: &GerritStandIn, number: u64, revision: &str) -> String {
    let id = standin.world().change(number).unwrap().id.clone();
    format!("/changes/{id}/revisions/{revision}/review")
}

#[tokio::test]
async fn a_review_adds_a_message_and_a_vote_as_the_caller() {
    let (standin, number) = with_one_change().await;
    let sha = current_revision(&standin, number);
    let path = review_path(&standin, number, &sha);
    let body =
        json!({"message": "Prow Status: 0 out of 1 pjs passed!", "labels": {"Verified": -1}});
    let answer = post(&standin, Some("prow-bot"), &path, &body).await;
    assert_eq!(answer.json(), json!({"labels": {"Verified": -1}}));

    let world = standin.world();
    assert_eq!(
        world.votes(number, "Verified"),
        BTreeMap::from([("prow-bot".to_string(), -1)])
    );
    let (author, text) = world.messages(number).last().cloned().unwrap();
    assert_eq!(author, "prow-bot");
    assert_eq!(
        text,
        "Patch Set 1: Verified-1\n\nProw Status: 0 out of 1 pjs passed!"
    );
    let change = world.change(number).unwrap();
    assert_eq!(change.updated, change.messages.last().unwrap().date);
}

#[tokio::test]
async fn revisions_are_named_by_sha_prefix_number_or_current_and_votes_may_be_strings() {
    let (standin, number) = with_one_change().await;
    let sha = current_revision(&standin, number);
    for (revision, value, expected) in [
        ("1", json!(1), 1),
        (&sha[..8], json!("+1"), 1),
        ("current", json!("-1"), -1),
    ] {
        let path = review_path(&standin, number, revision);
        let body = json!({"labels": {"Code-Review": value}});
        let answer = post(&standin, Some("bob"), &path, &body).await;
        assert_eq!(answer.json(), json!({"labels": {"Code-Review": expected}}));
    }
    assert_eq!(
        standin.world().votes(number, "Code-Review"),
        BTreeMap::from([("bob".to_string(), -1)])
    );
    // By number, and with no labels at all: a message only.
    let path = format!("/changes/{number}/revisions/current/review");
    let body = json!({"message": "/test all"});
    let answer = post(&standin, Some("alice"), &path, &body).await;
    assert_eq!(answer.json(), json!({}));
    let messages = standin.world().messages(number);
    assert_eq!(
        messages.last().unwrap(),
        &("alice".to_string(), "Patch Set 1:\n\n/test all".to_string())
    );
}

#[tokio::test]
async fn a_zero_vote_removes_the_vote() {
    let (standin, number) = with_one_change().await;
    standin.world().vote(number, "bob", "Verified", 1);
    let path = review_path(&standin, number, "current");
    let body = json!({"labels": {"Verified": 0}});
    let answer = post(&standin, Some("bob"), &path, &body).await;
    assert_eq!(answer.status, 200);
    let world = standin.world();
    assert!(world.votes(number, "Verified").is_empty());
    assert_eq!(
        world.messages(number).last().unwrap().1,
        "Patch Set 1: -Verified"
    );
}

#[tokio::test]
async fn anonymous_reviews_are_refused_and_bad_credentials_are_unauthorized() {
    let (standin, number) = with_one_change().await;
    let path = review_path(&standin, number, "current");
    let before = standin.world().messages(number).len();
    let anonymous = post(&standin, None, &path, &json!({"message": "hi"})).await;
    assert_eq!(anonymous.status, 403);
    assert_eq!(anonymous.body, "Authentication required\n");
    let stranger = post(&standin, Some("mallory"), &path, &json!({"message": "hi"})).await;
    assert_eq!(stranger.status, 401);
    assert_eq!(standin.world().messages(number).len(), before);
}

#[tokio::test]
async fn cookie_and_bearer_credentials_name_the_caller() {
    let (standin, number) = with_one_change().await;
    let url = format!(
        "{}/a{}",
        standin.url(),
        review_path(&standin, number, "current")
    );
    let client = reqwest::Client::new();
    let by_cookie = client
        .post(&url)
        .header("Cookie", "other=x; o=bob")
        .json(&json!({"message": "from a cookie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200);
    let by_token = client
        .post(&url)
        .bearer_auth("alice")
        .json(&json!({"message": "from a token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.status(), 200);
    let messages = standin.world().messages(number);
    let authors: Vec<&str> = messages
        .iter()
        .rev()
        .take(2)
        .map(|(a, _)| a.as_str())
        .collect();
    assert_eq!(authors, ["alice", "bob"]);
}

#[tokio::test]
async fn unknown_labels_values_changes_and_revisions_are_refused() {
    let (standin, number) = with_one_change().await;
    let path = review_path(&standin, number, "current");
    let missing_change = "/changes/infra~master~Ideadbeef/revisions/current/review".to_string();
    let missing_revision = review_path(&standin, number, &"0".repeat(40));
    let missing_patch_set = review_path(&standin, number, "7");
    let message = json!({"message": "x"});
    // Each refused review: where it goes, what it says, and Gerrit's answer (status, and body
    // where it matters).
    for (path, body, status, says) in [
        (
            &path,
            json!({"labels": {"bad-label": 1}}),
            400,
            Some("label \"bad-label\" is not a configured label\n"),
        ),
        (
            &path,
            json!({"labels": {"Verified": 2}}),
            400,
            Some("label \"Verified\": 2 is not a valid value\n"),
        ),
        (
            &missing_change,
            message.clone(),
            404,
            Some("Not found: infra~master~Ideadbeef\n"),
        ),
        (&missing_revision, message.clone(), 404, None),
        (&missing_patch_set, message, 404, None),
    ] {
        let answer = post(&standin, Some("prow-bot"), path, &body).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        if let Some(says) = says {
            assert_eq!(answer.body, says);
        }
    }

    // Nothing of the refused reviews stuck.
    let world = standin.world();
    assert!(world.votes(number, "Verified").is_empty());
    assert_eq!(world.messages(number).len(), 1, "only the upload message");
}

#[tokio::test]
async fn a_new_patchset_clears_votes_and_old_patchsets_take_messages_only() {
    let mut world = world();
    let number = world.create_change("infra", "master", "alice", &[("a", FileInfo::added())]);
    let first = world.change(number).unwrap().current_revision.clone();
    world.vote(number, "bob", "Code-Review", 1);
    world.new_patchset(number, &[("a", FileInfo::modified())]);
    assert!(world.votes(number, "Code-Review").is_empty());
    let standin = GerritStandIn::start(world).await.unwrap();

    let path = review_path(&standin, number, &first);
    let body = json!({"message": "late report", "labels": {"Verified": 1}});
    assert_eq!(
        post(&standin, Some("prow-bot"), &path, &body).await.status,
        200
    );
    let world = standin.world();
    assert!(
        world.votes(number, "Verified").is_empty(),
        "not copied forward"
    );
    let last = world
        .change(number)
        .unwrap()
        .messages
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last.revision_number, 1);
    assert_eq!(last.message, "Patch Set 1: Verified+1\n\nlate report");
}

#[tokio::test]
async fn a_review_shows_in_the_change_messages_served() {
    let (standin, number) = with_one_change().await;
    standin.world().comment(number, "bob", "/test all");
    let change = get(&standin, &format!("/changes/{number}/detail"))
        .await
        .json();
    let last = change["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["message"], "Patch Set 1:\n\n/test all");
    assert_eq!(last["author"]["_account_id"], 1_000_002);
    assert_eq!(last["_revision_number"], 1);
    assert_eq!(last["date"], "2026-01-01 00:00:02.000000000");
}
