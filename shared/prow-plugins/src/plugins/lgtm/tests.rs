//! The lgtm plan, table by table.

use super::*;
use crate::Delivery;
use crate::owners::tests::plugins_config;
use crate::testing::{
    BOT, Given, PR, comment, comment_on_pr, edited, plan, plan_with, pull_request_event_with,
    pull_request_json, review_with, users_named, with_issue_state,
};
use prow_config::Config;
use serde_json::json;

const AUTHOR: &str = "alice";
const COLLABORATOR: &str = "carol";
const MEMBER: &str = "mike";
const OUTSIDER: &str = "olly";
const ASSIGNEE: &str = "ann";

fn people() -> Facts {
    let repo = &PR.repo;
    Facts::new()
        .bot()
        .collaborator(repo, AUTHOR, true)
        .collaborator(repo, COLLABORATOR, true)
        .collaborator(repo, ASSIGNEE, true)
        .collaborator(repo, MEMBER, false)
        .collaborator(repo, OUTSIDER, false)
        .comments(&PR, &[])
}

fn with_label(has: bool) -> Facts {
    people().labelled(&PR, if has { &[LGTM_LABEL] } else { &[] })
}

/// A comment on PR by `who`, the PR assigned to [`ASSIGNEE`].
fn said(who: &str, body: &str) -> Delivery {
    let mut delivery = comment(&PR, who, body, true, AUTHOR);
    if let Some(view) = delivery.comment.as_mut() {
        view.assignees = users_named(&[ASSIGNEE]);
    }
    delivery
}

fn reply(who: &str, body: &str, text: &str) -> Action {
    let url = format!(
        "https://github.com/{}/pull/{}#issuecomment-5000",
        PR.repo, PR.number
    );
    Action::comment(&PR, format_response_raw(body, &url, who, text))
}

fn assign(who: &str) -> Action {
    Action::Assign {
        on: PR.clone(),
        logins: vec![who.to_string()],
        refused: None,
    }
}

fn add() -> Action {
    Action::add_label(&PR, LGTM_LABEL)
}

fn remove() -> Action {
    Action::remove_label(&PR, LGTM_LABEL)
}

/// The assignee asked for a review again (as when LGTM is taken off).
fn ask_assignee_to_review() -> Action {
    Action::RequestReview {
        on: PR.clone(),
        logins: vec![ASSIGNEE.into()],
        refused: None,
    }
}

#[test]
fn who_may_lgtm_and_cancel() {
    let restricted = "changing LGTM is restricted to collaborators";
    for (who, body, has_label, expected) in [
        (
            COLLABORATOR,
            "/lgtm",
            false,
            vec![assign(COLLABORATOR), add()],
        ),
        (COLLABORATOR, "/lgtm", true, vec![assign(COLLABORATOR)]),
        (ASSIGNEE, "/lgtm", false, vec![add()]),
        (
            AUTHOR,
            "/lgtm",
            false,
            vec![reply(AUTHOR, "/lgtm", "you cannot LGTM your own PR.")],
        ),
        (
            MEMBER,
            "/lgtm",
            false,
            vec![reply(MEMBER, "/lgtm", restricted)],
        ),
        (
            OUTSIDER,
            "/lgtm",
            false,
            vec![reply(OUTSIDER, "/lgtm", restricted)],
        ),
        (
            COLLABORATOR,
            "/lgtm cancel",
            true,
            vec![assign(COLLABORATOR), remove()],
        ),
        (
            COLLABORATOR,
            "/remove-lgtm",
            true,
            vec![assign(COLLABORATOR), remove()],
        ),
        (
            COLLABORATOR,
            "/lgtm cancel",
            false,
            vec![assign(COLLABORATOR)],
        ),
        // The author may take their PR's lgtm off.
        (AUTHOR, "/lgtm cancel", true, vec![remove()]),
        (
            OUTSIDER,
            "/lgtm cancel",
            true,
            vec![reply(OUTSIDER, "/lgtm cancel", restricted)],
        ),
    ] {
        assert_eq!(
            plan(&Lgtm, &said(who, body), &with_label(has_label)),
            Ok(expected),
            "{who}: {body:?}, labelled: {has_label}"
        );
    }
}

#[test]
fn commands_match_as_upstreams_regexes() {
    for (body, expected) in [
        ("/LGTM", Some(true)),
        ("/lgtm ", Some(true)),
        ("/lgtm no-issue \r", Some(true)),
        ("/lgtm cancel \r", Some(false)),
        ("/remove-lgtm \r", Some(false)),
        ("/lgtm\n/lgtm cancel", Some(true)),
        ("looks good\n/lgtm\n", Some(true)),
        ("/lgtm please", None),
        ("/lgtmx", None),
        ("say /lgtm", None),
    ] {
        let actions = plan(&Lgtm, &said(ASSIGNEE, body), &with_label(false)).unwrap();
        let actions_with = plan(&Lgtm, &said(ASSIGNEE, body), &with_label(true)).unwrap();
        let got = if actions == vec![add()] {
            Some(true)
        } else if actions_with == vec![remove()] {
            Some(false)
        } else {
            assert!(actions.is_empty() && actions_with.is_empty(), "{body:?}");
            None
        };
        assert_eq!(got, expected, "{body:?}");
    }
}

#[test]
fn the_collaborator_check_is_asked_first_then_the_labels() {
    let delivery = said(COLLABORATOR, "/lgtm");
    assert_eq!(
        plan(&Lgtm, &delivery, &Facts::new()),
        Err(NeedFacts::one(Fact::collaborator(&PR.repo, COLLABORATOR)))
    );
    let known = Facts::new().collaborator(&PR.repo, COLLABORATOR, true);
    assert_eq!(
        plan(&Lgtm, &delivery, &known),
        Err(NeedFacts::one(Fact::Labels(PR.clone())))
    );
}

#[test]
fn closed_prs_issues_and_edits_are_left_alone() {
    let on_issue = comment(&PR, COLLABORATOR, "/lgtm", false, AUTHOR);
    assert_eq!(plan(&Lgtm, &on_issue, &Facts::new()), Ok(vec![]));
    let closed = with_issue_state(said(COLLABORATOR, "/lgtm"), "closed");
    assert_eq!(plan(&Lgtm, &closed, &Facts::new()), Ok(vec![]));
    let edited = edited(said(COLLABORATOR, "/lgtm"));
    assert_eq!(plan(&Lgtm, &edited, &Facts::new()), Ok(vec![]));
}

#[test]
fn adding_prunes_the_bots_notices_of_pushes() {
    let facts = with_label(false).comments(
        &PR,
        &[
            (1, BOT, REMOVED_ON_PUSH),
            (2, COLLABORATOR, REMOVED_ON_PUSH),
            (3, BOT, "something else"),
        ],
    );
    assert_eq!(
        plan(&Lgtm, &said(ASSIGNEE, "/lgtm"), &facts),
        Ok(vec![
            add(),
            Action::DeleteComment {
                repo: PR.repo.clone(),
                id: 1
            }
        ])
    );
}

fn owners_only_config() -> Config {
    plugins_config("owners:\n  skip_collaborators: [kubernetes/test-infra]\n")
}

#[test]
fn with_skip_collaborators_only_owners_reviewers_and_approvers_may() {
    let config = owners_only_config();
    let owners = with_label(false)
        .pull(&PR, AUTHOR, |_| {})
        .changed_files(&PR, &["pkg/a.go"])
        .file(&PR.repo, "main", "OWNERS", Some("approvers: [Root]\n"))
        .file(&PR.repo, "main", "pkg/OWNERS", Some("reviewers: [Rev]\n"))
        .file(&PR.repo, "main", "OWNERS_ALIASES", None)
        .collaborator(&PR.repo, "rev", false)
        .collaborator(&PR.repo, "root", false);
    for (who, expected) in [
        ("rev", vec![add()]),
        ("ROOT", vec![add()]),
        (
            COLLABORATOR,
            vec![reply(
                COLLABORATOR,
                "/lgtm",
                "adding LGTM is restricted to approvers and reviewers in OWNERS files.",
            )],
        ),
    ] {
        let facts = owners.clone().collaborator(&PR.repo, "ROOT", false);
        assert_eq!(
            plan_with(&Lgtm, &said(who, "/lgtm"), &facts, &config),
            Ok(expected),
            "{who}"
        );
    }
    // The pull request and its files are asked for together, then the OWNERS files.
    let known = people().collaborator(&PR.repo, "rev", false);
    let asked = plan_with(&Lgtm, &said("rev", "/lgtm"), &known, &config).unwrap_err();
    assert_eq!(
        asked,
        NeedFacts(
            [
                Fact::PullRequest(PR.clone()),
                Fact::ChangedFiles(PR.clone())
            ]
            .into_iter()
            .collect()
        )
    );
}

fn tree_hash_config() -> Config {
    plugins_config("lgtm:\n- repos: [kubernetes/test-infra]\n  store_tree_hash: true\n")
}

const HEAD: &str = "headsha0000000000000000000000000000000000";

#[test]
fn with_tree_hashes_the_label_keeps_the_tree_in_the_bots_comment() {
    let config = tree_hash_config();
    let facts = with_label(false)
        .pull(&PR, AUTHOR, |_| {})
        .commit_tree(&PR.repo, HEAD, "tree1234");
    let actions = plan_with(&Lgtm, &said(ASSIGNEE, "/lgtm"), &facts, &config).unwrap();
    assert_eq!(
        actions,
        vec![
            add(),
            Action::comment(&PR, tree_hash_notification("tree1234"))
        ]
    );
    let Action::Comment { body, .. } = &actions[1] else {
        panic!("a comment");
    };
    insta::assert_snapshot!("lgtm_tree_hash_notification", body);

    let cancelled = with_label(true).comments(
        &PR,
        &[
            (9, BOT, &tree_hash_notification("tree1234")),
            (10, BOT, "other"),
        ],
    );
    assert_eq!(
        plan_with(&Lgtm, &said(ASSIGNEE, "/lgtm cancel"), &cancelled, &config),
        Ok(vec![
            remove(),
            ask_assignee_to_review(),
            Action::DeleteComment {
                repo: PR.repo.clone(),
                id: 9
            }
        ])
    );
}

fn push() -> Delivery {
    pull_request_event_with(&PR, "synchronize", AUTHOR, AUTHOR, |payload| {
        payload["pull_request"]["assignees"] = json!([{"login": ASSIGNEE, "id": 2}]);
    })
}

fn removed_on_push() -> Action {
    Action::Comment {
        on: PR.clone(),
        body: REMOVED_ON_PUSH.into(),
        dedupe: Dedupe::Never,
    }
}

#[test]
fn a_push_takes_the_label_off() {
    assert_eq!(
        plan(&Lgtm, &push(), &with_label(true)),
        Ok(vec![remove(), removed_on_push()])
    );
    assert_eq!(plan(&Lgtm, &push(), &with_label(false)), Ok(vec![]));
    let merged = pull_request_event_with(&PR, "synchronize", AUTHOR, AUTHOR, |p| {
        p["pull_request"]["merged"] = json!(true);
    });
    assert_eq!(plan(&Lgtm, &merged, &Facts::new()), Ok(vec![]));
    let opened = pull_request_event_with(&PR, "opened", AUTHOR, AUTHOR, |_| {});
    assert_eq!(plan(&Lgtm, &opened, &Facts::new()), Ok(vec![]));
}

#[test]
fn a_push_keeps_the_label_when_the_tree_is_the_one_lgtmed() {
    let config = tree_hash_config();
    let at = "2026-01-01T00:00:00Z";
    let later = "2026-01-02T00:00:00Z";
    let stored = |comments: &[(u64, &str, &str, &str, &str)], tree: &str| {
        people()
            .labelled(&PR, &[LGTM_LABEL])
            .timed_comments(&PR, comments)
            .commit_tree(&PR.repo, HEAD, tree)
    };
    let note = tree_hash_notification("tree1");
    let older = tree_hash_notification("tree0");
    let removed = vec![remove(), ask_assignee_to_review(), removed_on_push()];
    for (comments, tree, expected) in [
        (vec![(1, BOT, note.as_str(), at, at)], "tree1", vec![]),
        (
            vec![(1, BOT, note.as_str(), at, at)],
            "tree2",
            removed.clone(),
        ),
        // An edited notification is not trusted.
        (
            vec![(1, BOT, note.as_str(), at, later)],
            "tree1",
            removed.clone(),
        ),
        // Only the bot's count.
        (
            vec![(1, COLLABORATOR, note.as_str(), at, at)],
            "tree1",
            removed.clone(),
        ),
        // The newest counts.
        (
            vec![
                (1, BOT, note.as_str(), at, at),
                (2, BOT, older.as_str(), at, at),
            ],
            "tree1",
            removed.clone(),
        ),
        (vec![], "tree1", removed.clone()),
    ] {
        assert_eq!(
            plan_with(&Lgtm, &push(), &stored(&comments, tree), &config),
            Ok(expected),
            "{comments:?} at {tree}"
        );
    }
}

fn sticky_config() -> Config {
    plugins_config(
        "lgtm:\n- repos: [kubernetes]\n  store_tree_hash: true\n  trusted_team_for_sticky_lgtm: Trusted Folks\n",
    )
}

#[test]
fn the_sticky_teams_pushes_keep_the_label_and_need_no_tree_hash() {
    let config = sticky_config();
    let teams = |members: &[&str]| {
        with_label(true)
            .teams(
                "kubernetes",
                &[("Other", "other"), ("Trusted Folks", "trusted-folks")],
            )
            .team("kubernetes", "trusted-folks", members)
    };
    assert_eq!(
        plan_with(&Lgtm, &push(), &teams(&[AUTHOR]), &config),
        Ok(vec![])
    );
    assert_eq!(
        plan_with(
            &Lgtm,
            &push(),
            &teams(&["someone"]).comments(&PR, &[]),
            &config
        ),
        Ok(vec![remove(), ask_assignee_to_review(), removed_on_push()])
    );
    // Adding for a sticky author stores no tree hash.
    let adding = teams(&[AUTHOR]).labelled(&PR, &[]);
    assert_eq!(
        plan_with(&Lgtm, &said(ASSIGNEE, "/lgtm"), &adding, &config),
        Ok(vec![add()])
    );
    // The teams are asked for before anything else on a push.
    assert_eq!(
        plan_with(&Lgtm, &push(), &Facts::new(), &config),
        Err(NeedFacts::one(Fact::teams("kubernetes")))
    );
}

fn review_event(who: &str, kind: &str, state: &str, body: &str) -> Delivery {
    review_with(&PR, who, state, body, |payload| {
        payload["review"]["user"]["type"] = json!(kind);
        payload["pull_request"] = pull_request_json(&PR, AUTHOR, &[]);
    })
}

#[test]
fn reviews_act_as_lgtm_when_configured() {
    let config = plugins_config("lgtm:\n- repos: [kubernetes]\n  review_acts_as_lgtm: true\n");
    let review_url = format!(
        "https://github.com/{}/pull/{}#pullrequestreview-7000",
        PR.repo, PR.number
    );
    for (who, kind, state, body, has_label, expected) in [
        (
            COLLABORATOR,
            "User",
            "approved",
            "",
            false,
            vec![assign(COLLABORATOR), add()],
        ),
        (
            COLLABORATOR,
            "User",
            "changes_requested",
            "",
            true,
            vec![assign(COLLABORATOR), remove()],
        ),
        (COLLABORATOR, "User", "commented", "", false, vec![]),
        ("some-app[bot]", "Bot", "approved", "", false, vec![]),
        (BOT, "User", "approved", "", false, vec![]),
        (
            OUTSIDER,
            "User",
            "approved",
            "nice",
            false,
            vec![Action::comment(
                &PR,
                format_response_raw(
                    "nice",
                    &review_url,
                    OUTSIDER,
                    "changing LGTM is restricted to collaborators",
                ),
            )],
        ),
    ] {
        let delivery = review_event(who, kind, state, body);
        assert_eq!(
            plan_with(&Lgtm, &delivery, &with_label(has_label), &config),
            Ok(expected),
            "{who} {state}"
        );
    }
    // Without the setting, a review changes nothing.
    let delivery = review_event(COLLABORATOR, "User", "approved", "");
    assert_eq!(plan(&Lgtm, &delivery, &Facts::new()), Ok(vec![]));
    // A `/lgtm` review body is the comment's business, once: the review's state is not read.
    let with_command = review_event(COLLABORATOR, "User", "changes_requested", "/lgtm");
    assert_eq!(
        plan_with(&Lgtm, &with_command, &with_label(false), &config),
        Ok(vec![assign(COLLABORATOR), add()])
    );
}

#[test]
fn replies_read_as_upstreams() {
    for (name, who, body, facts) in [
        ("lgtm_own_pr", AUTHOR, "/lgtm", with_label(false)),
        (
            "lgtm_not_collaborator",
            OUTSIDER,
            "/lgtm\r\nthanks",
            with_label(false),
        ),
    ] {
        let actions = plan(&Lgtm, &comment_on_pr(&PR, who, body), &facts).unwrap();
        let [Action::Comment { body, .. }] = actions.as_slice() else {
            panic!("one reply: {actions:?}");
        };
        insta::assert_snapshot!(name, body);
    }
    let config = owners_only_config();
    let facts = with_label(false)
        .pull(&PR, AUTHOR, |_| {})
        .changed_files(&PR, &["a.go"])
        .file(&PR.repo, "main", "OWNERS", Some("approvers: [root]\n"))
        .file(&PR.repo, "main", "OWNERS_ALIASES", None);
    let actions = plan_with(
        &Lgtm,
        &comment_on_pr(&PR, OUTSIDER, "/lgtm"),
        &facts,
        &config,
    )
    .unwrap();
    let [Action::Comment { body, .. }] = actions.as_slice() else {
        panic!("one reply: {actions:?}");
    };
    insta::assert_snapshot!("lgtm_not_in_owners", body);
}

#[test]
fn help_describes_the_repos_settings() {
    let config = sticky_config();
    let help = Lgtm.help(
        &config,
        &["kubernetes".to_string(), "other/repo".to_string()],
    );
    assert_eq!(
        help.config.get("kubernetes").map(String::as_str),
        Some(
            "The plugin has the following configuration:<ul>\n<li>Squashing commits does not remove LGTM.</li>\n<li>Commits from \"Trusted Folks\" do not remove LGTM.</li>\n</ul>"
        )
    );
    assert!(!help.config.contains_key("other/repo"));
    assert_eq!(help.commands.len(), 1);
    assert!(help.commands[0].featured);
}
