//! What trigger writes for people to read, as they read it: the welcome comment for an untrusted
//! author (three settings), the reply that lists the jobs a PR can run, and the refusals.

use prow_trigger::commands::{
    self, NO_TEST_ALL_JOBS_NOTE, TARGET_NOT_FOUND_NOTE, UNTRUSTED_COMMENT,
};
use std::collections::BTreeSet;

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|n| n.to_string()).collect()
}

#[test]
fn the_welcome_comment_says_who_can_verify_and_how() {
    insta::assert_snapshot!(
        "welcome_org_only",
        commands::welcome(
            "newcomer",
            "kubernetes",
            "kubernetes/kubernetes",
            "",
            "",
            false
        )
    );
    insta::assert_snapshot!(
        "welcome_with_trusted_org_and_join_url",
        commands::welcome(
            "newcomer",
            "kubernetes-sigs",
            "kubernetes-sigs/kind",
            "kubernetes",
            "https://git.k8s.io/community/community-membership.md#member",
            false,
        )
    );
    insta::assert_snapshot!(
        "welcome_ignoring_ok_to_test",
        commands::welcome("newcomer", "acme", "acme/widgets", "", "", true)
    );
}

#[test]
fn the_help_reply_lists_required_optional_and_automatic_jobs() {
    let help = commands::help_message(
        "acme",
        "widgets",
        "main",
        TARGET_NOT_FOUND_NOTE,
        &names(&["unit", "lint"]),
        &names(&["/test e2e-slow"]),
        &names(&["/test unit", "/test lint", "/test verify"]),
    );
    insta::assert_snapshot!(
        "help_reply",
        commands::reply(
            "/test nonexistent",
            "https://github.com/acme/widgets/pull/7#issuecomment-1",
            "alice",
            &help,
        )
    );
    insta::assert_snapshot!(
        "help_without_jobs",
        commands::help_message(
            "acme",
            "widgets",
            "release-1.0",
            NO_TEST_ALL_JOBS_NOTE,
            &BTreeSet::new(),
            &BTreeSet::new(),
            &BTreeSet::new(),
        )
    );
}

#[test]
fn an_untrusted_commenter_is_told_why_nothing_ran() {
    insta::assert_snapshot!(
        "untrusted_refusal",
        commands::reply(
            "/test all",
            "https://github.com/acme/widgets/pull/7#issuecomment-2",
            "mallory",
            UNTRUSTED_COMMENT,
        )
    );
}
