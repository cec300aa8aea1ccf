//! The approvers plan, table by table.

use super::*;
use crate::owners::parse::Aliases;

/// Upstream's approvers_test tree.
fn repo() -> RepoOwners {
    RepoOwners::from_files(
        [
            ("", "approvers: [alice, bob]\n"),
            ("a", "approvers: [art, anne]\n"),
            ("b", "approvers: [bill, ben, barbara]\n"),
            ("c", "approvers: [chris, carol]\n"),
            ("a/d", "approvers: [david, dan, debbie]\n"),
            (
                "a/combo",
                "approvers: [eve, erin, david, dan, debbie, chris, carol]\n",
            ),
        ],
        Aliases::new(),
    )
}

fn files(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn ccs(names: &[&str], seed: i64, approved: &[&str], assigned: &[&str]) -> Vec<String> {
    let repo = repo();
    let owners = Owners::new(&files(names), &repo, seed);
    let mut ap = Approvers::new(&owners);
    for a in approved {
        ap.add_approver(a, "", false);
    }
    for a in assigned {
        ap.add_assignee(a);
    }
    ap.ccs()
}

#[test]
fn suggestions_match_upstreams_vectors() {
    assert_eq!(ccs(&["kubernetes.go"], 13, &[], &[]), ["alice"]);
    assert_eq!(ccs(&["kubernetes.go"], 10, &[], &[]), ["bob"]);
    assert_eq!(
        ccs(&["a/combo/test.go", "a/d/test.go"], 0, &[], &[]),
        ["dan"]
    );
    assert!(
        ccs(
            &["a/combo/test.go", "a/d/test.go"],
            0,
            &["dan", "david", "debbie"],
            &[]
        )
        .is_empty()
    );
    assert_eq!(
        ccs(&["a/combo/test.go", "a/d/test.go", "c/test"], 0, &[], &[]),
        ["chris", "debbie"]
    );
    assert_eq!(
        ccs(&["a/test.go", "b/test.go", "c/test"], 0, &[], &[]),
        ["anne", "bill", "carol"]
    );
    assert_eq!(
        ccs(
            &["a/test.go", "b/test.go", "c/test"],
            0,
            &["Art", "Ben"],
            &[]
        ),
        ["carol"]
    );
    assert_eq!(
        ccs(
            &["a/test.go", "b/test.go", "c/test"],
            0,
            &[],
            &["Art", "Ben"]
        ),
        ["art", "ben", "carol"]
    );
    assert_eq!(ccs(&["a/test.go"], 0, &[], &["alice"]), ["alice"]);
}

#[test]
fn subdirectories_fold_into_their_parents_unless_they_stand_alone() {
    let repo = RepoOwners::from_files(
        [
            ("", "approvers: [root]\n"),
            ("a", "approvers: [amy]\n"),
            ("a/b", "approvers: [abe]\n"),
            // Not `[n]`: YAML 1.1 reads `n` as false, and the file would not parse.
            ("n", "approvers: [nat]\n"),
            (
                "n/m",
                "options: {no_parent_owners: true}\napprovers: [nemo]\n",
            ),
        ],
        Aliases::new(),
    );
    let owners = Owners::new(&files(&["a/x", "a/b/y", "n/x", "n/m/z"]), &repo, 0);
    assert_eq!(
        owners
            .owners_set()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["a", "n", "n/m"]
    );
}

#[test]
fn files_below_an_auto_approving_owners_file_need_nobody() {
    let repo = RepoOwners::from_files(
        [
            ("", "approvers: [root]\n"),
            (
                "auto",
                "options: {auto_approve_unowned_subfolders: true}\napprovers: [auto]\n",
            ),
        ],
        Aliases::new(),
    );
    let owners = Owners::new(&files(&["auto/sub/x.go"]), &repo, 0);
    assert!(owners.owners_set().is_empty());
    let ap = Approvers::new(&owners);
    assert!(ap.are_files_approved());
    // A file of the directory itself still needs its approvers.
    let owners = Owners::new(&files(&["auto/x.go"]), &repo, 0);
    assert!(!Approvers::new(&owners).are_files_approved());
}

#[test]
fn approvals_count_case_insensitively_and_no_issue_sticks() {
    let repo = repo();
    let owners = Owners::new(&files(&["a/x.go"]), &repo, 0);
    let mut ap = Approvers::new(&owners);
    ap.require_issue = true;
    ap.add_approver("ANNE", "u1", true);
    ap.add_approver("ANNE", "u2", false);
    assert!(ap.are_files_approved());
    assert!(ap.requirements_met(), "the no-issue approval is kept");
    assert_eq!(ap.list_approvals()[0].reference, "u1");
    ap.remove_approver("anne");
    assert!(!ap.are_files_approved());
    // Somebody who approves nothing waives no issue.
    ap.add_approver("bill", "u3", true);
    assert!(ap.no_issue_approvers().is_empty());
}
fn links() -> Links<'static> {
    Links {
        base_url: "https://github.com/org/repo",
        branch: "master",
        command_help: "https://go.k8s.io/bot-commands",
        pr_process: "https://git.k8s.io/community/contributors/guide/owners.md#the-code-review-process",
        org: "org",
        repo: "repo",
    }
}

#[test]
fn the_notifier_suggesting_and_asking_assignees_reads_as_upstreams() {
    let repo = RepoOwners::from_files(
        [
            ("c", "approvers: [cblecker]\n"),
            ("e", "approvers: [spxtr]\n"),
        ],
        Aliases::new(),
    );
    let owners = Owners::new(&files(&["c/c.go", "e/e.go"]), &repo, 0);
    let mut ap = Approvers::new(&owners);
    ap.add_assignee("spxtr");
    assert_eq!(
            ap.message(&links()),
            "[APPROVALNOTIFIER] This PR is **NOT APPROVED**

This pull-request has been approved by:
**Once this PR has been reviewed and has the lgtm label**, please ask for approval from [spxtr](https://github.com/spxtr) and additionally assign [cblecker](https://github.com/cblecker) for approval. For more information see [the Code Review Process](https://git.k8s.io/community/contributors/guide/owners.md#the-code-review-process).

The full list of commands accepted by this bot can be found [here](https://go.k8s.io/bot-commands?repo=org%2Frepo).

<details open>
Needs approval from an approver in each of these files:

- **[c/OWNERS](https://github.com/org/repo/blob/master/c/OWNERS)**
- **[e/OWNERS](https://github.com/org/repo/blob/master/e/OWNERS)**

Approvers can indicate their approval by writing `/approve` in a comment
Approvers can cancel approval by writing `/approve cancel` in a comment
</details>
<!-- META={\"approvers\":[\"cblecker\",\"spxtr\"]} -->"
        );
}

#[test]
fn the_notifier_of_a_no_issue_approval_reads_as_upstreams() {
    let repo = RepoOwners::from_files([("a", "approvers: [alice]\n")], Aliases::new());
    let owners = Owners::new(&files(&["a/a.go"]), &repo, 0);
    let mut ap = Approvers::new(&owners);
    ap.require_issue = true;
    ap.add_approver("Alice", "", true);
    assert_eq!(
            ap.message(&links()),
            "[APPROVALNOTIFIER] This PR is **APPROVED**

This pull-request has been approved by: *<a href=\"\" title=\"Approved\">Alice</a>*

Associated issue requirement bypassed by: *<a href=\"\" title=\"Approved\">Alice</a>*

The full list of commands accepted by this bot can be found [here](https://go.k8s.io/bot-commands?repo=org%2Frepo).

The pull request process is described [here](https://git.k8s.io/community/contributors/guide/owners.md#the-code-review-process)

<details >
Needs approval from an approver in each of these files:

- ~~[a/OWNERS](https://github.com/org/repo/blob/master/a/OWNERS)~~ [Alice]

Approvers can indicate their approval by writing `/approve` in a comment
Approvers can cancel approval by writing `/approve cancel` in a comment
</details>
<!-- META={\"approvers\":[]} -->"
        );
}

#[test]
fn the_notifier_of_a_manual_approval_reads_as_upstreams() {
    let repo = RepoOwners::from_files([("a", "approvers: [alice]\n")], Aliases::new());
    let owners = Owners::new(&files(&["a/a.go"]), &repo, 0);
    let mut ap = Approvers::new(&owners);
    ap.manually_approved = true;
    assert_eq!(
            ap.message(&links()),
            "[APPROVALNOTIFIER] This PR is **APPROVED**

Approval requirements bypassed by manually added approval.

This pull-request has been approved by:

The full list of commands accepted by this bot can be found [here](https://go.k8s.io/bot-commands?repo=org%2Frepo).

The pull request process is described [here](https://git.k8s.io/community/contributors/guide/owners.md#the-code-review-process)

<details >
Needs approval from an approver in each of these files:

- **[a/OWNERS](https://github.com/org/repo/blob/master/a/OWNERS)**

Approvers can indicate their approval by writing `/approve` in a comment
Approvers can cancel approval by writing `/approve cancel` in a comment
</details>
<!-- META={\"approvers\":[\"alice\"]} -->"
        );
}

#[test]
fn the_notifier_with_nobody_to_suggest_and_no_files_reads_as_upstreams() {
    let repo = RepoOwners::default();
    let owners = Owners::new(&files(&["x.go"]), &repo, 0);
    let message = Approvers::new(&owners).message(&links());
    assert!(
        message.contains("approved by:\n\n\nThe full list"),
        "{message}"
    );
    let none = Owners::new(&[], &repo, 0);
    let message = Approvers::new(&none).message(&links());
    assert!(
        message.contains("these files:\n\n\nApprovers can"),
        "{message}"
    );
}

#[test]
fn partial_approvals_and_issue_requirements_render_as_upstreams() {
    let repo = RepoOwners::from_files(
        [
            ("", "approvers: [root]\n"),
            ("a", "approvers: [alice]\n"),
            ("b", "approvers: [bob]\n"),
        ],
        Aliases::new(),
    );
    let owners = Owners::new(&files(&["a/x.go", "b/y.go", "docs.md"]), &repo, 7);
    let mut ap = Approvers::new(&owners);
    ap.require_issue = true;
    ap.add_approver(
        "Alice",
        "https://github.com/org/repo/pull/7#issuecomment-1",
        false,
    );
    ap.add_author_self_approver("pat", "https://github.com/org/repo/pull/7#", false);
    // Beside the plugins' other snapshots.
    insta::with_settings!({snapshot_path => "../snapshots"}, {
        insta::assert_snapshot!("approve_notifier_partial_no_issue", ap.message(&links()));
        ap.associated_issue = 12;
        insta::assert_snapshot!("approve_notifier_partial_with_issue", ap.message(&links()));
    });
}

#[test]
fn an_owners_file_approved_in_part_says_so() {
    let repo = RepoOwners::from_files(
        [(
            "",
            "filters:\n  '\\.go$':\n    approvers: [gopher]\n  '\\.md$':\n    approvers: [writer]\n",
        )],
        Aliases::new(),
    );
    let owners = Owners::new(&files(&["x.go", "y.md"]), &repo, 3);
    let mut ap = Approvers::new(&owners);
    ap.add_approver(
        "Gopher",
        "https://github.com/org/repo/pull/3#issuecomment-9",
        false,
    );
    insta::with_settings!({snapshot_path => "../snapshots"}, {
        insta::assert_snapshot!("approve_notifier_approved_in_part", ap.message(&links()));
    });
}
