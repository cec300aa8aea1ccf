//! The comment commands (`/test`, `/retest`, `/lgtm`, `/assign`, `/label`, `/hold`, ...) as the
//! plugins read them: a comment body from the input is delivered, as GitHub would deliver it, to
//! every built-in plugin enabled for the repository (trigger included), and each plugin's plan is
//! asked until it decides, its questions about the world answered by a fixed oracle. Trigger's
//! own comment matching (`prow_trigger::commands` and `filter`) is called directly too.
//!
//! Input: the first byte picks where the text appears and who wrote it (bits 0-1: a comment on a
//! pull request, on an issue, a review, or a pull request's description; bit 2: the author is an
//! org member; bit 3: a collaborator; bit 4: the author opened the pull request; bits 5-6: the
//! labels it has); the rest is the text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use prow_config::Config;
use prow_github::events::{Comment, Issue, Label, PullRequest, Review, User};
use prow_plugins::testing::{
    comment, issue_json, load_config, pull_request_event_with, pull_request_json, review,
};
use prow_plugins::{Delivery, Fact, Facts, Input, IssueRef, Known, Occasion, PluginRegistry};
use prow_ports::github::{
    CombinedStatus, Milestone, Permission, PullRequestChange, Sha, Status, Team,
};
use prow_trigger::filter::{self, Contexts};
use std::sync::LazyLock;

const CONFIG_YAML: &str = "prowjob_namespace: default\npod_namespace: test-pods\n";

const JOBS_YAML: &str = r#"
presubmits:
  kubernetes/test-infra:
  - name: pull-test-infra-unit
    always_run: true
    spec: {containers: [{image: alpine}]}
  - name: pull-test-infra-integration
    optional: true
    run_if_changed: '^prow/'
    spec: {containers: [{image: alpine}]}
  - name: pull-test-infra-manual
    always_run: false
    trigger: '(?m)^/test( | .* )(manual|all),?($|\s.*)'
    rerun_command: /test manual
    spec: {containers: [{image: alpine}]}
  - name: pull-test-infra-docs
    skip_if_only_changed: '\.md$'
    branches: [main]
    spec: {containers: [{image: alpine}]}
"#;

const PLUGINS_YAML: &str = r#"
plugins:
  kubernetes:
    plugins: [approve, assign, blunderbuss, cat, help, hold, label, lgtm, lifecycle, milestone,
      milestonestatus, needs-rebase, override, release-note, require-matching-label, retitle, size,
      skip, trigger, verify-owners, welcome, wip]
label:
  additional_labels: [kind/custom, area/fuzz]
  restricted_labels:
    kubernetes:
    - label: cve
      allowed_teams: [security-team]
      allowed_users: [carol]
      assign_on:
      - label: security
repo_milestone:
  "":
    maintainers_team: release-team
    maintainers_friendly_name: release leads
lgtm:
- repos: [kubernetes/test-infra]
  store_tree_hash: true
approve:
- repos: [kubernetes]
  lgtm_acts_as_approve: true
  require_self_approval: true
triggers:
- repos: [kubernetes]
  trusted_apps: [dependabot]
"#;

const OWNERS: &str =
    "approvers:\n- alice\n- sig-leads\nreviewers:\n- bob\nlabels:\n- sig/testing\n";
const OWNERS_ALIASES: &str = "aliases:\n  sig-leads:\n  - carol\n  - dave\n";
const BOT: &str = "k8s-ci-robot";

struct Fixture {
    config: Config,
    plugins: PluginRegistry,
    pull: IssueRef,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| Fixture {
    config: load_config(CONFIG_YAML, JOBS_YAML, PLUGINS_YAML),
    plugins: PluginRegistry::builtin(),
    pull: IssueRef::new("kubernetes", "test-infra", 7),
});

fn user(login: &str) -> User {
    User {
        login: login.to_string(),
        ..User::default()
    }
}

fn labels(names: &[&str]) -> Vec<Label> {
    names
        .iter()
        .map(|name| Label {
            name: name.to_string(),
            ..Label::default()
        })
        .collect()
}

/// An answer to every question a plan may ask, shaped by the input's flags and text.
fn answer(fact: &Fact, flags: u8, author: &str, body: &str) -> Known {
    let yes = |bit: u8| flags & (1 << bit) != 0;
    let now = "2026-01-01T00:00:00Z".to_string();
    match fact {
        Fact::BotLogin => Known::Text(BOT.into()),
        Fact::OrgMember { login, .. } => Known::Bool(login != author || yes(2)),
        Fact::Collaborator { login, .. } | Fact::Assignable { login, .. } => {
            Known::Bool(login != author || yes(3))
        }
        Fact::Permission { login, .. } => Known::Permission(if login != author || yes(3) {
            Permission::Write
        } else {
            Permission::Read
        }),
        Fact::TeamMembers { .. } => Known::Logins(vec!["carol".into(), author.into()]),
        Fact::Labels(_) => Known::Labels(labels(match (flags >> 5) & 3 {
            0 => &[],
            1 => &["lgtm", "approved"],
            2 => &["do-not-merge/hold", "needs-ok-to-test", "kind/bug"],
            _ => &["ok-to-test", "lifecycle/stale", "cve", "release-note-none"],
        })),
        Fact::RepoLabels(_) => Known::Labels(labels(&[
            "kind/bug",
            "kind/feature",
            "area/infra",
            "priority/important-soon",
            "triage/accepted",
            "sig/testing",
            "cve",
            "good first issue",
            "help wanted",
        ])),
        Fact::Comments(_) => Known::Comments(vec![
            Comment {
                id: 1,
                body: body.to_string(),
                user: user(author),
                created_at: now.clone(),
                updated_at: now,
                ..Comment::default()
            },
            Comment {
                id: 2,
                body: "[APPROVALNOTIFIER] This PR is **NOT APPROVED**".into(),
                user: user(BOT),
                ..Comment::default()
            },
        ]),
        Fact::ReviewComments(_) => Known::Comments(vec![Comment {
            id: 3,
            body: body.to_string(),
            user: user(author),
            ..Comment::default()
        }]),
        Fact::Issue(issue) => Known::Issue(Box::new(
            serde_json::from_value::<Issue>(issue_json(issue, "alice", true, &[]))
                .unwrap_or_default(),
        )),
        Fact::PullRequest(pull) => Known::PullRequest(Box::new(
            serde_json::from_value::<PullRequest>(pull_request_json(pull, "alice", &[]))
                .unwrap_or_default(),
        )),
        Fact::ChangedFiles(_) => Known::Changes(
            ["prow/main.go", "docs/README.md", "OWNERS", ".prow.yaml"]
                .iter()
                .map(|file| PullRequestChange {
                    filename: file.to_string(),
                    status: "modified".into(),
                    additions: 3,
                    deletions: 1,
                    changes: 4,
                    ..PullRequestChange::default()
                })
                .collect(),
        ),
        Fact::Reviews(_) => Known::Reviews(vec![Review {
            id: 4,
            user: user(author),
            body: body.to_string(),
            submitted_at: "2026-01-01T00:00:00Z".into(),
            ..Review::default()
        }]),
        Fact::File { path, .. } => Known::File(if path.ends_with("OWNERS_ALIASES") {
            Some(OWNERS_ALIASES.into())
        } else if path.ends_with("OWNERS") {
            Some(OWNERS.into())
        } else {
            None
        }),
        Fact::Milestones(_) => Known::Milestones(vec![Milestone {
            number: 1,
            title: "v1.0".into(),
            state: prow_github::vocabulary::IssueState::Open,
        }]),
        Fact::CombinedStatus { git_ref, .. } => Known::Statuses(CombinedStatus {
            sha: git_ref.clone(),
            state: "failure".into(),
            statuses: vec![Status {
                state: "failure".into(),
                context: "pull-test-infra-unit".into(),
                ..Status::default()
            }],
        }),
        Fact::CheckRuns { .. } => Known::CheckRuns(Vec::new()),
        Fact::CommitTree { .. } | Fact::BranchHead { .. } => {
            Known::Sha(Sha::new("0123456789abcdef0123456789abcdef01234567"))
        }
        Fact::PullJobs(_) => Known::Jobs(Vec::new()),
        Fact::GraphQl { .. } => Known::Json(serde_json::json!({})),
        Fact::CatImage { .. } => Known::Text("https://cats.invalid/1.jpg".into()),
        Fact::RunningConfig => Known::RunningConfig(Box::default()),
        Fact::ConfigFiles { .. } => Known::Files(Vec::new()),
        Fact::Collaborators(_) => Known::Logins(vec!["alice".into(), "bob".into()]),
        Fact::IssueEvents(_) => Known::IssueEvents(Vec::new()),
        Fact::Teams { .. } => Known::Teams(vec![Team {
            name: "Release Team".into(),
            slug: "release-team".into(),
            ..Team::default()
        }]),
        Fact::RequiredContexts { .. } => Known::Contexts(vec!["pull-test-infra-unit".into()]),
    }
}

/// The delivery the text arrives in.
fn delivery(flags: u8, pull: &IssueRef, author: &str, body: &str) -> Delivery {
    let pr_author = if flags & (1 << 4) != 0 {
        author
    } else {
        "alice"
    };
    match flags & 3 {
        0 => comment(pull, author, body, true, pr_author),
        1 => comment(pull, author, body, false, pr_author),
        2 => review(
            pull,
            author,
            ["approved", "commented", "changes_requested"][usize::from(flags >> 5) % 3],
            body,
        ),
        _ => pull_request_event_with(pull, "opened", author, author, |payload| {
            payload["pull_request"]["body"] = body.into();
        }),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let body = String::from_utf8_lossy(text);
    let fixture = &*FIXTURE;
    let author = "zed";
    let delivery = delivery(flags, &fixture.pull, author, &body);
    let input = Input {
        occasion: Occasion::Delivery(&delivery),
        config: &fixture.config,
        now: prow_plugins::testing::now(),
    };
    for plugin in fixture.plugins.iter() {
        if !prow_plugins::registry::applies(plugin.as_ref(), &fixture.config, &delivery) {
            continue;
        }
        let mut facts = Facts::new();
        // As the runner does: at most a dozen rounds of questions.
        for _ in 0..12 {
            match plugin.plan(&input, &facts) {
                Ok(_actions) => break,
                Err(needed) => {
                    for fact in needed.0 {
                        let known = answer(&fact, flags, author, &body);
                        facts.insert(fact, known);
                    }
                }
            }
        }
    }

    // Trigger's matching, as its plan uses it, on the text without code blocks.
    let text = prow_trigger::commands::drop_code_blocks(&body);
    let presubmits = fixture.config.jobs.presubmits_for("kubernetes/test-infra");
    if prow_trigger::commands::concerns_trigger(&text, presubmits) {
        let contexts = Contexts::default();
        let filters = filter::for_comment(&text, true, &contexts);
        let changes = vec!["prow/main.go".to_string()];
        if let Ok(selected) = filter::select(&filters, presubmits, "main", Some(&changes)) {
            let _ = prow_trigger::commands::help_needed(&text, selected.len());
        }
        let _ = prow_trigger::commands::prunes_help(&text);
    }
});
