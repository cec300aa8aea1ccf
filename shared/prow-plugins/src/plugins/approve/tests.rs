//! The approve plan, table by table.

use super::*;
use crate::Delivery;
use crate::owners::tests::plugins_config;
use crate::testing::{
    BOT, Given, PR, comment, plan, plan_with, pull_request_event_with, pull_request_json,
    review_with, with_issue_state,
};
use serde_json::json;

const AUTHOR: &str = "alice";
const T0: &str = "2026-01-01T00:00:00Z";
const T1: &str = "2026-01-01T00:01:00Z";
const T2: &str = "2026-01-01T00:02:00Z";
const T3: &str = "2026-01-01T00:03:00Z";

/// The root's approver is `root`; `a/` is `amy`'s (and `alice` with `author_approves`).
fn owners(author_approves: bool) -> Facts {
    let a = if author_approves {
        "approvers: [amy, alice]\nreviewers: [rev]\n"
    } else {
        "approvers: [amy]\nreviewers: [rev]\n"
    };
    Facts::new()
        .bot()
        .pull(&PR, AUTHOR, |_| {})
        .changed_files(&PR, &["a/x.go"])
        .file(&PR.repo, "main", "OWNERS", Some("approvers: [root]\n"))
        .file(&PR.repo, "main", "a/OWNERS", Some(a))
        .file(&PR.repo, "main", "OWNERS_ALIASES", None)
        .collaborators(&PR.repo, &["amy", "alice", "root", "rev", "mike"])
        .review_comments(&PR, &[])
        .reviews(&PR, &[])
        .labelled(&PR, &[])
}

/// The PR's comments: (id, author, body, created_at).
fn said(facts: Facts, comments: &[(u64, &str, &str, &str)]) -> Facts {
    let timed: Vec<(u64, &str, &str, &str, &str)> = comments
        .iter()
        .map(|(id, author, body, at)| (*id, *author, *body, *at, *at))
        .collect();
    facts.timed_comments(&PR, &timed)
}

fn new_comment_by(who: &str, body: &str) -> Delivery {
    comment(&PR, who, body, true, AUTHOR)
}

/// What a plan does, in short: `notify`/`edit N` with the title's verdict, `delete N`,
/// `+approved`, `-approved`.
fn summary(actions: &[Action]) -> Vec<String> {
    let verdict = |body: &str| {
        if body.starts_with("[APPROVALNOTIFIER] This PR is **APPROVED**") {
            "APPROVED"
        } else if body.starts_with("[APPROVALNOTIFIER] This PR is **NOT APPROVED**") {
            "NOT APPROVED"
        } else {
            "?"
        }
    };
    actions
        .iter()
        .map(|action| match action {
            Action::Comment { body, .. } => format!("notify {}", verdict(body)),
            Action::EditComment { id, body, .. } => format!("edit {id} {}", verdict(body)),
            Action::DeleteComment { id, .. } => format!("delete {id}"),
            Action::AddLabel { label, .. } => format!("+{label}"),
            Action::RemoveLabel { label, .. } => format!("-{label}"),
            other => format!("{other:?}"),
        })
        .collect()
}

fn notifier_text(actions: &[Action]) -> &str {
    actions
        .iter()
        .find_map(|a| match a {
            Action::Comment { body, .. } | Action::EditComment { body, .. } => Some(body.as_str()),
            _ => None,
        })
        .unwrap_or_default()
}

#[test]
fn only_owners_approvers_of_the_files_approve() {
    for (who, expected) in [
        ("amy", vec!["notify APPROVED", "+approved"]),
        ("AMY", vec!["notify APPROVED", "+approved"]),
        ("root", vec!["notify APPROVED", "+approved"]),
        ("rev", vec!["notify NOT APPROVED"]),
        ("mike", vec!["notify NOT APPROVED"]),
        (AUTHOR, vec!["notify NOT APPROVED"]),
    ] {
        let facts = said(owners(false), &[(1, who, "/approve", T1)]);
        let actions = plan(&Approve, &new_comment_by(who, "/approve"), &facts).unwrap();
        assert_eq!(summary(&actions), expected, "{who}");
    }
}

#[test]
fn the_bot_is_asked_first_then_the_pull_request_then_everything_else_at_once() {
    let delivery = new_comment_by("amy", "/approve");
    assert_eq!(
        plan(&Approve, &delivery, &Facts::new()),
        Err(NeedFacts::one(Fact::BotLogin))
    );
    assert_eq!(
        plan(&Approve, &delivery, &Facts::new().bot()),
        Err(NeedFacts::one(Fact::PullRequest(PR.clone())))
    );
    let asked = plan(
        &Approve,
        &delivery,
        &Facts::new().bot().pull(&PR, AUTHOR, |_| {}),
    )
    .unwrap_err();
    assert_eq!(
        asked.0.into_iter().collect::<Vec<_>>(),
        [
            Fact::Labels(PR.clone()),
            Fact::Comments(PR.clone()),
            Fact::ChangedFiles(PR.clone()),
            Fact::Reviews(PR.clone()),
            Fact::ReviewComments(PR.clone()),
        ]
    );
}

#[test]
fn texts_that_do_not_approve_and_closed_prs_cost_nothing_but_the_bots_name() {
    for body in ["/lgtm", "/approved-ish", "approve", "/hold"] {
        let delivery = new_comment_by("amy", body);
        assert_eq!(
            plan(&Approve, &delivery, &Facts::new().bot()),
            Ok(vec![]),
            "{body:?}"
        );
    }
    let closed = with_issue_state(new_comment_by("amy", "/approve"), "closed");
    assert_eq!(plan(&Approve, &closed, &Facts::new()), Ok(vec![]));
    let from_bot = new_comment_by(BOT, "/approve");
    assert_eq!(plan(&Approve, &from_bot, &Facts::new().bot()), Ok(vec![]));
}

#[test]
fn the_last_word_of_each_approver_counts() {
    for (comments, expected) in [
        (
            vec![
                (1, "amy", "/approve", T1),
                (2, "amy", "/approve cancel", T2),
            ],
            vec!["notify NOT APPROVED"],
        ),
        (
            vec![
                (1, "amy", "/approve", T1),
                (2, "amy", "/remove-approve", T2),
            ],
            vec!["notify NOT APPROVED"],
        ),
        (
            vec![
                (1, "amy", "/approve cancel", T1),
                (2, "amy", "/Approve", T2),
            ],
            vec!["notify APPROVED", "+approved"],
        ),
        // Every `/lgtm` line of an approving text counts, whatever lgtm_acts_as_approve says.
        (
            vec![(1, "amy", "/approve\n/lgtm cancel", T1)],
            vec!["notify NOT APPROVED"],
        ),
        // The bot's texts are not read.
        (vec![(1, BOT, "/approve", T1)], vec!["notify NOT APPROVED"]),
    ] {
        let facts = said(owners(false), &comments);
        let last = comments.last().map_or("", |c| c.2);
        let actions = plan(&Approve, &new_comment_by("amy", last), &facts).unwrap();
        assert_eq!(summary(&actions), expected, "{comments:?}");
    }
}

fn opened() -> Delivery {
    pull_request_event_with(&PR, "opened", AUTHOR, AUTHOR, |_| {})
}

#[test]
fn authors_who_are_approvers_approve_their_own_prs_unless_required_to_say_so() {
    let facts = said(owners(true), &[]);
    assert_eq!(
        summary(&plan(&Approve, &opened(), &facts).unwrap()),
        ["notify APPROVED", "+approved"]
    );
    let text = notifier_text(&plan(&Approve, &opened(), &facts).unwrap()).to_string();
    assert!(
            text.contains(r#"*<a href="https://github.com/kubernetes/test-infra/pull/7#" title="Author self-approved">alice</a>*"#),
            "{text}"
        );
    let config = plugins_config("approve:\n- repos: [kubernetes]\n  require_self_approval: true\n");
    assert_eq!(
        summary(&plan_with(&Approve, &opened(), &facts, &config).unwrap()),
        ["notify NOT APPROVED"]
    );
    // The author's own /approve then counts.
    let own = said(owners(true), &[(1, AUTHOR, "/approve", T1)]);
    assert_eq!(
        summary(&plan_with(&Approve, &new_comment_by(AUTHOR, "/approve"), &own, &config).unwrap()),
        ["notify APPROVED", "+approved"]
    );
    // The implicit approval can be cancelled.
    let cancelled = said(owners(true), &[(1, AUTHOR, "/approve cancel", T1)]);
    assert_eq!(
        summary(
            &plan(
                &Approve,
                &new_comment_by(AUTHOR, "/approve cancel"),
                &cancelled
            )
            .unwrap()
        ),
        ["notify NOT APPROVED"]
    );
}

fn review_event(who: &str, state: &str, body: &str, action: &str) -> Delivery {
    review_with(&PR, who, state, body, |payload| {
        payload["action"] = json!(action);
        payload["review"]["submitted_at"] = json!(T2);
        payload["pull_request"] = pull_request_json(&PR, AUTHOR, &[]);
    })
}

#[test]
fn reviews_approve_and_request_changes_unless_review_state_is_ignored() {
    let approving = said(owners(false), &[]).reviews(&PR, &[(70, "amy", "APPROVED", "", T2)]);
    let delivery = review_event("amy", "approved", "", "submitted");
    assert_eq!(
        summary(&plan(&Approve, &delivery, &approving).unwrap()),
        ["notify APPROVED", "+approved"]
    );
    let config = plugins_config("approve:\n- repos: [kubernetes]\n  ignore_review_state: true\n");
    assert_eq!(
        plan_with(&Approve, &delivery, &approving, &config),
        Ok(vec![])
    );

    // Changes requested after an /approve cancel it; a later /approve cancel beats an
    // approving review.
    let undone = said(owners(false), &[(1, "amy", "/approve", T1)])
        .reviews(&PR, &[(70, "amy", "CHANGES_REQUESTED", "", T2)])
        .labelled(&PR, &[APPROVED_LABEL])
        .issue_events(&PR, &[("labeled", BOT, APPROVED_LABEL)]);
    let delivery = review_event("amy", "changes_requested", "", "submitted");
    assert_eq!(
        summary(&plan(&Approve, &delivery, &undone).unwrap()),
        ["notify NOT APPROVED", "-approved"]
    );
    let superseded = said(owners(false), &[(1, "amy", "/approve cancel", T3)])
        .reviews(&PR, &[(70, "amy", "APPROVED", "", T2)]);
    assert_eq!(
        summary(
            &plan(
                &Approve,
                &new_comment_by("amy", "/approve cancel"),
                &superseded
            )
            .unwrap()
        ),
        ["notify NOT APPROVED"]
    );
    // A review whose text approves is the comment view's: state first, then the commands.
    let both =
        said(owners(false), &[]).reviews(&PR, &[(70, "amy", "CHANGES_REQUESTED", "/approve", T2)]);
    let delivery = review_event("amy", "changes_requested", "/approve", "submitted");
    assert_eq!(
        summary(&plan(&Approve, &delivery, &both).unwrap()),
        ["notify APPROVED", "+approved"]
    );
    // Commented reviews and edits do nothing.
    let commented = review_event("amy", "commented", "looks fine", "submitted");
    assert_eq!(plan(&Approve, &commented, &Facts::new().bot()), Ok(vec![]));
    let edited = review_event("amy", "approved", "", "edited");
    assert_eq!(plan(&Approve, &edited, &Facts::new().bot()), Ok(vec![]));
}

#[test]
fn lgtm_approves_when_configured() {
    let config = plugins_config(
        "approve:\n- repos: [kubernetes/test-infra]\n  lgtm_acts_as_approve: true\n",
    );
    let facts = said(owners(false), &[(1, "amy", "/lgtm", T1)]);
    let actions = plan_with(&Approve, &new_comment_by("amy", "/lgtm"), &facts, &config).unwrap();
    assert_eq!(summary(&actions), ["notify APPROVED", "+approved"]);
    assert!(notifier_text(&actions).contains(r#"title="LGTM">amy</a>"#));
    assert_eq!(
        plan(&Approve, &new_comment_by("amy", "/lgtm"), &facts),
        Ok(vec![])
    );
}

#[test]
fn an_associated_issue_or_a_no_issue_approval_is_required_when_configured() {
    let config = plugins_config("approve:\n- repos: [kubernetes]\n  issue_required: true\n");
    for (body, pr_body, expected) in [
        ("/approve", "", vec!["notify NOT APPROVED"]),
        (
            "/approve no-issue",
            "",
            vec!["notify APPROVED", "+approved"],
        ),
        (
            "/approve",
            "Fixes #12",
            vec!["notify APPROVED", "+approved"],
        ),
        (
            "/approve",
            "See https://github.com/kubernetes/other/issues/34",
            vec!["notify APPROVED", "+approved"],
        ),
    ] {
        let facts = said(owners(false), &[(1, "amy", body, T1)]);
        let mut delivery = new_comment_by("amy", body);
        if let Some(view) = delivery.comment.as_mut() {
            view.issue_body = pr_body.into();
        }
        let actions = plan_with(&Approve, &delivery, &facts, &config).unwrap();
        assert_eq!(summary(&actions), expected, "{body:?} with {pr_body:?}");
    }
    // A no-issue approval is kept against a later plain one.
    let sticky = said(
        owners(false),
        &[
            (1, "amy", "/approve no-issue", T1),
            (2, "amy", "/approve", T2),
        ],
    );
    let actions = plan_with(
        &Approve,
        &new_comment_by("amy", "/approve"),
        &sticky,
        &config,
    )
    .unwrap();
    assert_eq!(summary(&actions), ["notify APPROVED", "+approved"]);
}

#[test]
fn a_label_a_human_added_stands_and_one_the_bot_added_goes() {
    let labelled = said(owners(false), &[]).labelled(&PR, &[APPROVED_LABEL]);
    let by_human = labelled.clone().issue_events(
        &PR,
        &[
            ("labeled", BOT, APPROVED_LABEL),
            ("labeled", "mike", APPROVED_LABEL),
        ],
    );
    let actions = plan(&Approve, &opened(), &by_human).unwrap();
    assert_eq!(summary(&actions), ["notify APPROVED"]);
    assert!(
        notifier_text(&actions)
            .contains("Approval requirements bypassed by manually added approval.")
    );
    let by_bot = labelled.clone().issue_events(
        &PR,
        &[
            ("labeled", "mike", APPROVED_LABEL),
            ("labeled", BOT, APPROVED_LABEL),
        ],
    );
    assert_eq!(
        summary(&plan(&Approve, &opened(), &by_bot).unwrap()),
        ["notify NOT APPROVED", "-approved"]
    );
    // The events are asked for only when they matter.
    assert_eq!(
        plan(&Approve, &opened(), &labelled),
        Err(NeedFacts::one(Fact::IssueEvents(PR.clone())))
    );
    let approved =
        said(owners(false), &[(1, "amy", "/approve", T1)]).labelled(&PR, &[APPROVED_LABEL]);
    assert_eq!(
        summary(&plan(&Approve, &new_comment_by("amy", "/approve"), &approved).unwrap()),
        ["notify APPROVED"]
    );
}

#[test]
fn the_notifier_is_kept_in_one_comment() {
    // The message as it would be posted now.
    let base = said(owners(false), &[(1, "amy", "/approve", T0)]);
    let posted = plan(&Approve, &new_comment_by("amy", "/approve"), &base).unwrap();
    let message = notifier_text(&posted).to_string();
    let with = |notifiers: &[(u64, &str)]| {
        let mut comments: Vec<(u64, &str, &str, &str)> = vec![(1, "amy", "/approve", T0)];
        comments.extend(notifiers.iter().map(|(id, body)| (*id, BOT, *body, T1)));
        said(owners(false), &comments).labelled(&PR, &[APPROVED_LABEL])
    };
    let stale = "[APPROVALNOTIFIER] This PR is **NOT APPROVED**\n\nold";
    for (notifiers, expected) in [
        (vec![(50, message.as_str())], vec![]),
        (vec![(50, stale)], vec!["edit 50 APPROVED"]),
        (vec![(49, stale), (50, message.as_str())], vec!["delete 49"]),
        (
            vec![(48, stale), (49, stale), (50, stale)],
            vec!["delete 48", "delete 49", "edit 50 APPROVED"],
        ),
        // None yet: one is posted.
        (vec![], vec!["notify APPROVED"]),
    ] {
        let actions = plan(
            &Approve,
            &new_comment_by("amy", "/approve"),
            &with(&notifiers),
        )
        .unwrap();
        assert_eq!(summary(&actions), expected, "{notifiers:?}");
    }
    let created = &posted[0];
    assert!(
        matches!(created, Action::Comment { dedupe: Dedupe::Marker(m), .. } if m == "[APPROVALNOTIFIER]")
    );
    insta::assert_snapshot!("approve_notifier_approved", message);
}

#[test]
fn label_events_count_only_for_the_approved_label_from_humans() {
    let labelled = |label: &str, sender: &str| {
        pull_request_event_with(&PR, "labeled", AUTHOR, sender, |p| {
            p["label"] = json!({"name": label});
        })
    };
    let facts = said(owners(false), &[])
        .labelled(&PR, &[APPROVED_LABEL])
        .issue_events(&PR, &[("labeled", "mike", APPROVED_LABEL)]);
    assert_eq!(
        summary(&plan(&Approve, &labelled(APPROVED_LABEL, "mike"), &facts).unwrap()),
        ["notify APPROVED"]
    );
    assert_eq!(
        plan(&Approve, &labelled(APPROVED_LABEL, BOT), &facts),
        Ok(vec![])
    );
    assert_eq!(
        plan(&Approve, &labelled("lgtm", "mike"), &facts),
        Ok(vec![])
    );
    let closed = pull_request_event_with(&PR, "closed", AUTHOR, AUTHOR, |_| {});
    assert_eq!(plan(&Approve, &closed, &facts), Ok(vec![]));
}

#[test]
fn help_says_what_each_repo_is_configured_to_do() {
    let config = plugins_config(
        "approve:\n- repos: [kubernetes]\n  issue_required: true\n  lgtm_acts_as_approve: true\n",
    );
    let help = Approve.help(&config, &["kubernetes".into(), "other".into()]);
    assert_eq!(
        help.config["kubernetes"],
        "Pull requests require an associated issue.<br>Pull request authors implicitly approve their own PRs.<br>The /lgtm [cancel] command(s) will act as approval.<br>A GitHub approved or changes requested review will act as approval or cancel respectively."
    );
    assert_eq!(
        help.config["other"],
        "Pull requests do not require an associated issue.<br>Pull request authors implicitly approve their own PRs.<br>The /lgtm [cancel] command(s) will not act as approval.<br>A GitHub approved or changes requested review will act as approval or cancel respectively."
    );
    insta::assert_snapshot!("approve_help_description", help.description);
}
