//! The comment commands trigger answers (upstream `pkg/pjutil/filter.go` and `help.go`), the
//! help it replies with, and the other texts it posts.

use prow_config::Presubmit;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

#[expect(
    clippy::expect_used,
    reason = "the patterns are constants below; a typo fails every test at once"
)]
fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a constant pattern compiles")
}

pub static TEST_ALL: LazyLock<Regex> = LazyLock::new(|| regex(r"(?m)^/test all,?($|\s.*)"));
pub static RETEST: LazyLock<Regex> = LazyLock::new(|| regex(r"(?m)^/retest\s*$"));
pub static RETEST_REQUIRED: LazyLock<Regex> = LazyLock::new(|| regex(r"(?m)^/retest-required\s*$"));
pub static TEST_MANUAL_REQUIRED: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?m)^/test-manual-required\s*$"));
pub static OK_TO_TEST: LazyLock<Regex> = LazyLock::new(|| regex(r"(?m)^/ok-to-test\s*$"));
pub static OK_TO_TEST_CANCEL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?m)^/ok-to-test\s+cancel\s*$"));
static TEST_HELP: LazyLock<Regex> = LazyLock::new(|| regex(r"(?m)^/test[ \t]*\?\s*$"));
static EMPTY_TEST: LazyLock<Regex> = LazyLock::new(|| regex(r"(?m)^/test\s*$"));
static RETEST_WITH_TARGET: LazyLock<Regex> = LazyLock::new(|| regex(r"(?m)^/retest[ \t]+\S+"));
static TEST_WITH_ANY_TARGET: LazyLock<Regex> = LazyLock::new(|| regex(r"(?m)^/test[ \t]+\S+"));
static ANY_TEST: LazyLock<Regex> = LazyLock::new(|| regex(r"(?m)^/(?:re)?test\b"));

pub const TEST_WITHOUT_TARGET_NOTE: &str = "The `/test` command needs one or more targets.\n";
pub const RETEST_WITH_TARGET_NOTE: &str = "The `/retest` command does not accept any targets.\n";
pub const TARGET_NOT_FOUND_NOTE: &str = "The specified target(s) for `/test` were not found.\n";
pub const NO_TEST_ALL_JOBS_NOTE: &str = "No jobs can be run with `/test all`.\n";
const AVAILABLE_REQUIRED: &str = "The following commands are available to trigger required jobs:";
const AVAILABLE_OPTIONAL: &str = "The following commands are available to trigger optional jobs:";

pub const UNTRUSTED_COMMENT: &str = "Cannot trigger testing until a trusted user reviews the PR and leaves an `/ok-to-test` message.";
pub const UNTRUSTED_IGNORING_OK_TO_TEST: &str = "PRs from untrusted users cannot be marked as trusted with `/ok-to-test` in this repo meaning untrusted PR authors can never trigger tests themselves. Collaborators can still trigger tests on the PR using `/test`.";
pub const ONLY_TRUSTED_CAN_REVOKE: &str = "Only trusted users can revoke `/ok-to-test`.";
pub const DRAFT_COMMENT: &str = "Skipping CI for Draft Pull Request.\nIf you want CI signal for your change, please convert it to an actual PR.\nYou can still manually trigger a test run with `/test all`";
pub const ABORTED_DESCRIPTION: &str = "Aborted by trigger plugin.";

/// The labels trigger reads and writes.
pub const OK_TO_TEST_LABEL: &str = "ok-to-test";
pub const NEEDS_OK_TO_TEST_LABEL: &str = "needs-ok-to-test";
pub const LGTM_LABEL: &str = "lgtm";

/// The comment without its fenced code blocks (upstream `markdown.DropCodeBlock`): a command
/// quoted in a code block is not a command.
pub fn drop_code_blocks(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut fence: Option<&str> = None;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        match fence {
            Some(open) if trimmed.starts_with(open) => fence = None,
            Some(_) => {}
            None if trimmed.starts_with("```") => fence = Some("```"),
            None if trimmed.starts_with("~~~") => fence = Some("~~~"),
            None => out.push_str(line),
        }
    }
    out
}

/// Whether the comment is about trigger at all (upstream `commentMatchesTrigger`).
pub fn concerns_trigger(text: &str, presubmits: &[Presubmit]) -> bool {
    RETEST.is_match(text)
        || RETEST_REQUIRED.is_match(text)
        || TEST_MANUAL_REQUIRED.is_match(text)
        || OK_TO_TEST.is_match(text)
        || OK_TO_TEST_CANCEL.is_match(text)
        || TEST_ALL.is_match(text)
        || may_need_help(text)
        || presubmits.iter().any(|p| p.trigger_matches(text))
}

fn may_need_help(text: &str) -> bool {
    EMPTY_TEST.is_match(text)
        || RETEST_WITH_TARGET.is_match(text)
        || TEST_WITH_ANY_TARGET.is_match(text)
        || TEST_HELP.is_match(text)
}

/// Whether to answer with the list of jobs, and the note to start it with.
pub fn help_needed(text: &str, selected: usize) -> Option<&'static str> {
    if TEST_HELP.is_match(text) {
        Some("")
    } else if EMPTY_TEST.is_match(text) {
        Some(TEST_WITHOUT_TARGET_NOTE)
    } else if RETEST_WITH_TARGET.is_match(text) {
        Some(RETEST_WITH_TARGET_NOTE)
    } else if selected == 0 && TEST_ALL.is_match(text) {
        Some(NO_TEST_ALL_JOBS_NOTE)
    } else if selected == 0 && TEST_WITH_ANY_TARGET.is_match(text) {
        Some(TARGET_NOT_FOUND_NOTE)
    } else {
        None
    }
}

/// A `/test` or `/retest` ran: earlier help replies are stale.
pub fn prunes_help(text: &str) -> bool {
    ANY_TEST.is_match(text)
}

/// Whether `body` is one of trigger's help replies.
pub fn is_help_comment(body: &str) -> bool {
    [
        TEST_WITHOUT_TARGET_NOTE,
        RETEST_WITH_TARGET_NOTE,
        TARGET_NOT_FOUND_NOTE,
        NO_TEST_ALL_JOBS_NOTE,
        AVAILABLE_REQUIRED,
        AVAILABLE_OPTIONAL,
    ]
    .iter()
    .any(|note| body.contains(note))
}

/// Upstream `HelpMessage`: the jobs `/test all` runs and the commands for the rest.
pub fn help_message(
    org: &str,
    repo: &str,
    branch: &str,
    note: &str,
    test_all: &BTreeSet<String>,
    optional: &BTreeSet<String>,
    required: &BTreeSet<String>,
) -> String {
    if test_all.len() + optional.len() + required.len() == 0 {
        return format!("No presubmit jobs available for {org}/{repo}@{branch}");
    }
    let list = |names: &BTreeSet<String>| {
        names
            .iter()
            .map(|n| format!("\n```\n{n}\n```"))
            .collect::<String>()
    };
    let mut text = note.to_string();
    if !required.is_empty() {
        text.push_str(&format!("{AVAILABLE_REQUIRED}{}\n\n", list(required)));
    }
    if !optional.is_empty() {
        text.push_str(&format!("{AVAILABLE_OPTIONAL}{}\n\n", list(optional)));
    }
    if test_all.len() == optional.len() + required.len() {
        text.push_str("Use `/test all` to run all jobs.\n");
    } else if !test_all.is_empty() {
        text.push_str(&format!(
            "Use `/test all` to run the following jobs that were automatically triggered:{}\n\n",
            list(test_all)
        ));
    }
    text
}

/// Upstream `FormatResponseRaw`: a reply quoting the comment it answers.
pub fn reply(body: &str, comment_url: &str, user: &str, response: &str) -> String {
    prow_github::comment::format_response_raw(body, comment_url, user, response)
}

/// The comment for a PR from an untrusted author (upstream `welcomeMsg`).
pub fn welcome(
    author: &str,
    org: &str,
    repo_full_name: &str,
    trusted_org: &str,
    join_org_url: &str,
    ignore_ok_to_test: bool,
) -> String {
    let encoded: String = repo_full_name.replace('/', "%2F");
    if ignore_ok_to_test {
        return format!(
            "Hi @{author}. Thanks for your PR.\n\nPRs from untrusted users cannot be marked as trusted with `/ok-to-test` in this repo meaning untrusted PR authors can never trigger tests themselves. Collaborators can still trigger tests on the PR using `/test all`.\n\nI understand the commands that are listed [here](https://go.k8s.io/bot-commands?repo={encoded}).\n"
        );
    }
    let more = if !trusted_org.is_empty() && trusted_org != org {
        format!("or [{trusted_org}](https://github.com/orgs/{trusted_org}/people) ")
    } else {
        String::new()
    };
    let join = if join_org_url.is_empty() {
        format!("https://github.com/orgs/{org}/people")
    } else {
        join_org_url.to_string()
    };
    format!(
        "Hi @{author}. Thanks for your PR.\n\nI'm waiting for a [{org}](https://github.com/orgs/{org}/people) {more}member to verify that this patch is reasonable to test. If it is, they should reply with `/ok-to-test` on its own line. Until that is done, I will not automatically test new commits in this PR, but the usual testing commands by org members will still work.\n\nRegular contributors should [join the org]({join}) to skip this step.\n\nOnce the patch is verified, the new status will be reflected by the `{OK_TO_TEST_LABEL}` label.\n\nI understand the commands that are listed [here](https://go.k8s.io/bot-commands?repo={encoded}).\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_match_as_upstreams_regexes() {
        let cases: [(&str, &LazyLock<Regex>, bool); 12] = [
            ("/test all", &TEST_ALL, true),
            ("/test all please", &TEST_ALL, true),
            ("/test allx", &TEST_ALL, false),
            ("/retest", &RETEST, true),
            ("/retest \n", &RETEST, true),
            ("/retest foo", &RETEST, false),
            ("/retest-required", &RETEST_REQUIRED, true),
            ("/ok-to-test", &OK_TO_TEST, true),
            ("/ok-to-test cancel", &OK_TO_TEST, false),
            ("/ok-to-test cancel", &OK_TO_TEST_CANCEL, true),
            ("lgtm\n/test-manual-required", &TEST_MANUAL_REQUIRED, true),
            ("please /retest", &RETEST, false),
        ];
        for (text, re, want) in cases {
            assert_eq!(re.is_match(text), want, "{text:?}");
        }
    }

    #[test]
    fn quoted_commands_are_not_commands() {
        let body = "try this:\n```\n/retest\n```\nthanks";
        assert!(!RETEST.is_match(&drop_code_blocks(body)));
        assert!(RETEST.is_match(&drop_code_blocks("/retest\n```\ncode\n```")));
    }

    #[test]
    fn help_is_answered_for_upstreams_cases() {
        assert_eq!(help_needed("/test ?", 3), Some(""));
        assert_eq!(help_needed("/test", 0), Some(TEST_WITHOUT_TARGET_NOTE));
        assert_eq!(
            help_needed("/retest unit", 0),
            Some(RETEST_WITH_TARGET_NOTE)
        );
        assert_eq!(help_needed("/test nope", 0), Some(TARGET_NOT_FOUND_NOTE));
        assert_eq!(help_needed("/test all", 0), Some(NO_TEST_ALL_JOBS_NOTE));
        assert_eq!(help_needed("/test unit", 1), None);
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let message = help_message(
            "o",
            "r",
            "main",
            TARGET_NOT_FOUND_NOTE,
            &names(&["unit"]),
            &names(&["/test e2e"]),
            &names(&["/test unit"]),
        );
        assert_eq!(
            message,
            "The specified target(s) for `/test` were not found.\nThe following commands are available to trigger required jobs:\n```\n/test unit\n```\n\nThe following commands are available to trigger optional jobs:\n```\n/test e2e\n```\n\nUse `/test all` to run the following jobs that were automatically triggered:\n```\nunit\n```\n\n"
        );
        assert!(is_help_comment(&message));
    }
}
