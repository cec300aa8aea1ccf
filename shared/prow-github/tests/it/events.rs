//! Every GitHub webhook example in `../shared/corpus/github-webhooks` (octokit's payload
//! examples) reads into its type, keeps the facts Prow acts on, and yields the comment view where
//! upstream's hook makes one.

use prow_github::{Event, GenericCommentAction, GenericCommentEvent, HANDLED_EVENTS};
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    prow_corpus::path("github-webhooks")
}

/// (event name, file name, payload) for every example.
fn examples() -> Vec<(String, String, Vec<u8>)> {
    let Some(root) = corpus() else { return vec![] };
    let mut all = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap();
        if !dir.file_type().unwrap().is_dir() {
            continue;
        }
        let event = dir.file_name().to_string_lossy().to_string();
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let file = file.unwrap();
            let name = file.file_name().to_string_lossy().to_string();
            all.push((event.clone(), name, std::fs::read(file.path()).unwrap()));
        }
    }
    all.sort();
    all
}

#[test]
fn every_corpus_example_parses_as_its_event() {
    let examples = examples();
    if examples.is_empty() {
        return;
    }
    assert!(examples.len() >= 120, "{} examples", examples.len());
    let mut failures = Vec::new();
    for (event, file, payload) in &examples {
        match Event::parse(event, payload) {
            Ok(parsed) => {
                assert_eq!(parsed.name(), event);
                if HANDLED_EVENTS.contains(&event.as_str()) {
                    assert!(
                        !matches!(parsed, Event::Other { .. }),
                        "{event}/{file} is handled"
                    );
                }
            }
            Err(error) => failures.push(format!("{event}/{file}: {error}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn repository_events_know_their_repository() {
    for (event, file, payload) in examples() {
        let parsed = Event::parse(&event, &payload).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        match value["repository"]["full_name"].as_str() {
            Some(full_name) if !matches!(parsed, Event::Other { .. }) => {
                let repo = parsed.repo().unwrap_or_else(|| panic!("{event}/{file}"));
                assert_eq!(repo.full_name, full_name, "{event}/{file}");
                assert_eq!(repo.org(), full_name.split('/').next().unwrap());
            }
            _ => {}
        }
        assert_eq!(
            prow_github::payload_origin(&payload).as_deref(),
            value["repository"]["full_name"]
                .as_str()
                .or(value["organization"]["login"].as_str()),
            "{event}/{file}"
        );
    }
}

#[test]
fn comment_like_events_give_the_comment_view_upstream_gives() {
    let mut views = Vec::new();
    for (event, file, payload) in examples() {
        let parsed = Event::parse(&event, &payload).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        let view = GenericCommentEvent::from_event(&parsed, "guid-1");
        let action = value["action"].as_str().unwrap_or_default();
        let expected = matches!(
            (event.as_str(), action),
            ("issues" | "pull_request", "opened" | "edited")
                | (
                    "issue_comment" | "pull_request_review_comment",
                    "created" | "edited" | "deleted"
                )
                | ("pull_request_review", "submitted" | "edited" | "dismissed")
        );
        assert_eq!(view.is_some(), expected, "{event}/{file} ({action})");
        let Some(view) = view else { continue };
        assert_eq!(view.guid, "guid-1");
        match event.as_str() {
            "issue_comment" => {
                assert_eq!(
                    view.body,
                    value["comment"]["body"].as_str().unwrap_or_default()
                );
                assert_eq!(
                    view.user.login,
                    value["comment"]["user"]["login"].as_str().unwrap()
                );
                assert_eq!(
                    view.issue_author.login,
                    value["issue"]["user"]["login"].as_str().unwrap()
                );
                assert_eq!(view.is_pr, value["issue"].get("pull_request").is_some());
                assert_eq!(view.comment_id, value["comment"]["id"].as_u64());
            }
            "pull_request_review" => {
                assert_eq!(
                    view.body,
                    value["review"]["body"].as_str().unwrap_or_default()
                );
                assert_eq!(
                    view.number,
                    value["pull_request"]["number"].as_u64().unwrap()
                );
                assert!(view.is_pr);
            }
            "pull_request" => {
                assert_eq!(
                    view.body,
                    value["pull_request"]["body"].as_str().unwrap_or_default()
                );
                assert_eq!(
                    view.action,
                    GenericCommentAction::from_action(action).unwrap()
                );
            }
            _ => {}
        }
        views.push(format!(
            "{event}/{file}: {:?} #{} by {}",
            view.action, view.number, view.user.login
        ));
    }
    if !views.is_empty() {
        insta::assert_snapshot!(views.join("\n"));
    }
}

#[test]
fn unknown_events_and_fields_do_not_break_parsing() {
    let future =
        br#"{"action": "teleported", "repository": {"full_name": "o/r"}, "new_field": [1, 2]}"#;
    assert_eq!(
        Event::parse("merge_group", future).unwrap(),
        Event::Other {
            name: "merge_group".into()
        }
    );
    let status = br#"{"sha": "abc", "state": "success", "context": "ci", "description": null,
        "target_url": null, "brand_new": {"x": 1},
        "repository": {"name": "r", "full_name": "o/r", "owner": {"login": "o"}},
        "sender": {"login": "bot", "type": "Bot"}}"#;
    let Event::Status(parsed) = Event::parse("status", status).unwrap() else {
        panic!()
    };
    assert_eq!(
        (parsed.state.as_str(), parsed.description.as_str()),
        ("success", "")
    );
}

#[test]
fn invalid_payloads_are_errors_that_name_the_event() {
    for (event, payload) in [
        ("pull_request", &b"not json"[..]),
        ("pull_request", br#"{"action": "opened"}"#),
        ("workflow_run", b"[1, 2]"),
        ("push", b""),
    ] {
        let error = Event::parse(event, payload).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("the {event} payload is not valid")),
            "{error}"
        );
    }
}
