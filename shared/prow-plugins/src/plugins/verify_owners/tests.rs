//! The verify_owners plan, table by table.

use super::*;
use crate::Known;
use crate::owners::tests::plugins_config;
use crate::testing::{
    BOT, Given, PR, comment, plan, plan_with, pull_request_event_with, user_named,
};

const HEAD: &str = "headsha0000000000000000000000000000000000";

fn changes(files: &[(&str, &str, &str)]) -> Known {
    Known::Changes(
        files
            .iter()
            .map(|(name, status, patch)| PullRequestChange {
                filename: name.to_string(),
                status: status.to_string(),
                patch: patch.to_string(),
                ..PullRequestChange::default()
            })
            .collect(),
    )
}

/// A PR changing `files` (name, status, patch), with `contents` at its head.
fn world(files: &[(&str, &str, &str)], contents: &[(&str, Option<&str>)], label: bool) -> Facts {
    let mut facts = Facts::new()
        .bot()
        .fact(Fact::ChangedFiles(PR.clone()), changes(files))
        .labelled(&PR, if label { &[INVALID_OWNERS_LABEL] } else { &[] })
        .comments(&PR, &[])
        .reviews(&PR, &[]);
    for (path, text) in contents {
        facts = facts.file(&PR.repo, HEAD, path, *text);
    }
    facts
}

/// `a/OWNERS` changed by `patch` to `text`, with no OWNERS_ALIASES and no label yet.
fn owners_changed(patch: &str, text: &str) -> Facts {
    world(
        &[("a/OWNERS", "modified", patch)],
        &[("a/OWNERS", Some(text)), ("OWNERS_ALIASES", None)],
        false,
    )
}

fn synced() -> crate::Delivery {
    pull_request_event_with(&PR, "synchronize", "alice", "alice", |_| {})
}

fn summary(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .map(|a| match a {
            Action::AddLabel { label, .. } => format!("+{label}"),
            Action::RemoveLabel { label, .. } => format!("-{label}"),
            Action::Comment { body, .. } => {
                format!("comment {}", body.lines().next().unwrap_or_default())
            }
            Action::CreateReview { review, .. } => format!(
                "review {}",
                review
                    .comments
                    .iter()
                    .map(|c| format!("{}@{}: {}", c.path, c.position, c.body))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
            Action::DeleteComment { id, .. } => format!("delete {id}"),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_pr_opened_is_checked_whatever_its_description_says() {
    let opened = pull_request_event_with(&PR, "opened", "alice", "alice", |p| {
        p["pull_request"]["body"] = serde_json::json!("Adds OWNERS.");
    });
    assert_eq!(
        plan(&VerifyOwners, &opened, &Facts::new()),
        Err(NeedFacts(
            [Fact::ChangedFiles(PR.clone()), Fact::Labels(PR.clone())]
                .into_iter()
                .collect()
        ))
    );
}

#[test]
fn nothing_about_owners_costs_two_reads() {
    let facts = world(&[("main.go", "modified", "")], &[], false);
    assert_eq!(plan(&VerifyOwners, &synced(), &facts), Ok(vec![]));
    assert_eq!(
        plan(&VerifyOwners, &synced(), &Facts::new()),
        Err(NeedFacts(
            [Fact::ChangedFiles(PR.clone()), Fact::Labels(PR.clone())]
                .into_iter()
                .collect()
        ))
    );
}

#[test]
fn invalid_files_get_a_review_comment_on_their_line_and_the_label() {
    let patch = "@@ -0,0 +1,3 @@\n+approvers:\n+- alice\n+  bad: [";
    let trusted = |f: Facts| f.member("kubernetes", "alice", true);
    for (files, contents, expected) in [
        (
            vec![("a/OWNERS", "added", patch)],
            vec![("a/OWNERS", Some("approvers:\n- alice\n  bad: ["))],
            "review a/OWNERS@",
        ),
        (
            vec![("OWNERS", "modified", "")],
            vec![("OWNERS", Some("reviewers: [alice]\n"))],
            "review OWNERS@1: No approvers defined in this root directory OWNERS file.",
        ),
        (
            vec![("b/OWNERS", "modified", "")],
            vec![(
                "b/OWNERS",
                Some("approvers: [alice]\nlabels: [lgtm, approved, sig/x]\n"),
            )],
            "review b/OWNERS@1: File contains banned labels: [approved lgtm].",
        ),
    ] {
        let mut contents = contents.clone();
        contents.push(("OWNERS_ALIASES", None));
        let facts = trusted(world(&files, &contents, false));
        let got = summary(&plan(&VerifyOwners, &synced(), &facts).unwrap());
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0], format!("+{INVALID_OWNERS_LABEL}"));
        assert!(got[1].starts_with(expected), "{got:?}");
    }
}

#[test]
fn parse_errors_point_at_the_patch_line_and_read_as_upstreams() {
    let patch = "@@ -1,1 +1,4 @@\n approvers:\n+- bob\n+reviewers\n+- carol";
    let text = "approvers:\n- bob\nreviewers\n- carol\n";
    let facts = owners_changed(patch, text);
    let actions = plan(&VerifyOwners, &synced(), &facts).unwrap();
    let Some(Action::CreateReview { review, .. }) = actions.get(1) else {
        panic!("{actions:?}");
    };
    assert_eq!(review.commit_id, HEAD);
    assert_eq!(review.event, "COMMENT");
    insta::assert_snapshot!("verify_owners_review_body", review.body);
    insta::assert_snapshot!(
        "verify_owners_review_comment",
        format!(
            "{}@{}: {}",
            review.comments[0].path, review.comments[0].position, review.comments[0].body
        )
    );
    // A redelivery finds the review and does not review again.
    let again = facts.fact(
        Fact::Reviews(PR.clone()),
        Known::Reviews(vec![prow_github::events::Review {
            user: user_named(BOT),
            body: review.body.clone(),
            commit_id: HEAD.into(),
            ..Default::default()
        }]),
    );
    assert_eq!(
        summary(&plan(&VerifyOwners, &synced(), &again).unwrap()),
        [format!("+{INVALID_OWNERS_LABEL}")]
    );
}

#[test]
fn people_an_owners_file_adds_must_be_trusted() {
    let patch = "@@ -1,1 +1,4 @@\n approvers:\n+- newbie\n+- member\n+- collab";
    let text = "approvers:\n- old\n- newbie\n- member\n- collab\n";
    let facts = owners_changed(patch, text);
    // Members are asked together first, then collaborators of those who are not.
    let asked = plan(&VerifyOwners, &synced(), &facts).unwrap_err();
    assert_eq!(asked.0.len(), 3, "{asked:?}");
    let facts = facts
        .member("kubernetes", "newbie", false)
        .member("kubernetes", "member", true)
        .member("kubernetes", "collab", false);
    let asked = plan(&VerifyOwners, &synced(), &facts).unwrap_err();
    assert_eq!(asked.0.len(), 2, "{asked:?}");
    let facts = facts
        .collaborator(&PR.repo, "newbie", false)
        .collaborator(&PR.repo, "collab", true);
    let actions = plan(&VerifyOwners, &synced(), &facts).unwrap();
    assert_eq!(summary(&actions)[0], format!("+{INVALID_OWNERS_LABEL}"));
    let Some(Action::Comment { body, .. }) = actions.get(1) else {
        panic!("{actions:?}");
    };
    insta::assert_snapshot!("verify_owners_untrusted", body);

    // Fixed: the label goes and the bot's list with it.
    let fixed = world(
        &[(
            "a/OWNERS",
            "modified",
            "@@ -1,1 +1,2 @@\n approvers:\n+- member",
        )],
        &[
            ("a/OWNERS", Some("approvers:\n- member\n")),
            ("OWNERS_ALIASES", None),
        ],
        true,
    )
    .member("kubernetes", "member", true)
    .comments(&PR, &[(5, BOT, body), (6, "alice", body)]);
    assert_eq!(
        summary(&plan(&VerifyOwners, &synced(), &fixed).unwrap()),
        [format!("-{INVALID_OWNERS_LABEL}"), "delete 5".to_string()]
    );
}

#[test]
fn skip_collaborators_for_the_repo_skips_the_trust_check() {
    let config = plugins_config("owners:\n  skip_collaborators: [kubernetes/test-infra]\n");
    let facts = owners_changed(
        "@@ -1,1 +1,2 @@\n approvers:\n+- newbie",
        "approvers:\n- newbie\n",
    );
    assert_eq!(
        plan_with(&VerifyOwners, &synced(), &facts, &config),
        Ok(vec![])
    );
    // An org entry does not skip it (upstream compares the full name).
    let org = plugins_config("owners:\n  skip_collaborators: [kubernetes]\n");
    assert!(plan_with(&VerifyOwners, &synced(), &facts, &org).is_err());
}

#[test]
fn aliases_that_do_not_parse_or_are_empty_are_said_so() {
    let facts = world(
        &[("OWNERS_ALIASES", "modified", "")],
        &[("OWNERS_ALIASES", Some("aliases:\n  team: just-one\n"))],
        false,
    );
    assert_eq!(
        summary(&plan(&VerifyOwners, &synced(), &facts).unwrap()),
        [
            format!("+{INVALID_OWNERS_LABEL}"),
            format!("comment {INVALID_ALIASES}")
        ]
    );
    let empty = world(
        &[(
            "OWNERS_ALIASES",
            "modified",
            "@@ -0,0 +1,2 @@\n+aliases:\n+  empty-team:",
        )],
        &[("OWNERS_ALIASES", Some("aliases:\n  empty-team:\n"))],
        false,
    );
    assert_eq!(
        summary(&plan(&VerifyOwners, &synced(), &empty).unwrap()),
        [format!("comment {EMPTY_ALIASES}")]
    );
}

#[test]
fn removed_and_vendored_owners_files_are_not_checked() {
    let facts = world(
        &[
            ("a/OWNERS", "removed", ""),
            ("vendor/k8s.io/x/OWNERS", "modified", ""),
        ],
        &[("OWNERS_ALIASES", None)],
        false,
    );
    assert_eq!(plan(&VerifyOwners, &synced(), &facts), Ok(vec![]));
}

#[test]
fn the_command_runs_on_open_prs_for_anyone() {
    let delivery = comment(&PR, "olly", "/verify-owners", true, "alice");
    assert_eq!(
        plan(&VerifyOwners, &delivery, &Facts::new()),
        Err(NeedFacts::one(Fact::PullRequest(PR.clone())))
    );
    let facts = world(&[("main.go", "modified", "")], &[], false).pull(&PR, "alice", |_| {});
    assert_eq!(plan(&VerifyOwners, &delivery, &facts), Ok(vec![]));
    let other = comment(&PR, "olly", "/verify-owners now", true, "alice");
    assert_eq!(plan(&VerifyOwners, &other, &Facts::new()), Ok(vec![]));
}

#[test]
fn added_lines_map_file_lines_to_patch_positions() {
    let patch = "@@ -1,2 +1,3 @@\n a\n+b\n c\n@@ -10,1 +11,2 @@\n x\n+y";
    let lines = added_lines(patch).unwrap();
    assert_eq!(lines.get(&2), Some(&2));
    assert_eq!(lines.get(&12), Some(&6));
    assert!(added_lines("garbage").is_none());
}

#[test]
fn help_lists_the_files_and_banned_labels() {
    let help = VerifyOwners.help(&Config::default(), &[]);
    assert_eq!(
        help.config["default"],
        "OWNERS and OWNERS_ALIASES files are validated. The verify-owners plugin will complain if OWNERS files contain any of the following banned labels: approved, lgtm."
    );
    assert_eq!(help.commands[0].description, INVALID_OWNERS_LABEL);
}
