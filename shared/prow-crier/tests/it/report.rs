//! What crier reports, decided from ProwJobs: status states and descriptions, the failure comment
//! over a PR's life (snapshots of the text people read), Pub/Sub messages and Slack messages.

use prow_api::{ProwJob, ProwJobState, ProwJobType};
use prow_config::{GitHubReporter, SlackReporter};
use prow_crier::github::{
    self, COMMENT_TAG, CommentWrite, PullRef, base_sha_from_description, comment_changes,
    description_with_base_sha,
};
use prow_github::events::{Comment, User};
use prow_ports::github::{IssueNumber, RepoRef};
use std::collections::BTreeMap;

const HEAD: &str = "1111111111111111111111111111111111111111";
const BASE: &str = "2222222222222222222222222222222222222222";

fn job(name: &str, context: &str, state: ProwJobState) -> ProwJob {
    let mut job: ProwJob = serde_json::from_value(serde_json::json!({
        "apiVersion": "prow.k8s.io/v1",
        "kind": "ProwJob",
        "metadata": {"name": name, "labels": {"prow.k8s.io/is-optional": "false"}},
        "spec": {
            "type": "presubmit",
            "job": context,
            "report": true,
            "context": context,
            "rerun_command": format!("/test {context}"),
            "refs": {
                "org": "acme", "repo": "widgets", "base_ref": "main", "base_sha": BASE,
                "pulls": [{"number": 7, "author": "alice", "sha": HEAD}]
            }
        },
        "status": {"state": "triggered", "url": format!("https://prow.example.com/view/{name}")}
    }))
    .unwrap();
    job.status.state = Some(state);
    if !matches!(state, ProwJobState::Triggered | ProwJobState::Pending) {
        job.status.completion_time = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
        ));
    }
    job
}

fn settings() -> GitHubReporter {
    GitHubReporter {
        job_types_to_report: vec![ProwJobType::Presubmit, ProwJobType::Postsubmit],
        ..GitHubReporter::default()
    }
}

fn pull() -> PullRef {
    PullRef {
        repo: RepoRef::new("acme", "widgets"),
        number: IssueNumber(7),
        author: "alice".into(),
    }
}

fn bot_comment(id: u64, body: &str) -> Comment {
    Comment {
        id,
        body: body.to_string(),
        user: User {
            login: "prow-bot".into(),
            ..User::default()
        },
        ..Comment::default()
    }
}

fn is_bot(login: &str) -> bool {
    login == "prow-bot"
}

#[test]
fn job_states_show_on_github_as_upstream_maps_them() {
    for (state, shown) in [
        (ProwJobState::Triggered, Some("pending")),
        (ProwJobState::Pending, Some("pending")),
        (ProwJobState::Success, Some("success")),
        (ProwJobState::Failure, Some("failure")),
        (ProwJobState::Aborted, Some("failure")),
        (ProwJobState::Error, Some("error")),
        (ProwJobState::Scheduling, None),
    ] {
        assert_eq!(github::status_state(state), shown, "{state:?}");
    }
}

#[test]
fn descriptions_carry_the_base_sha_within_140_bytes() {
    for human in ["Job succeeded.", "", &"x".repeat(200), &"é".repeat(90)] {
        let description = description_with_base_sha(human, BASE);
        assert!(
            description.len() <= 140,
            "{} bytes: {description}",
            description.len()
        );
        assert!(
            description.ends_with(&format!(" BaseSHA:{BASE}")),
            "{description}"
        );
        assert_eq!(base_sha_from_description(&description), Some(BASE));
    }
    // Upstream pads by a quarter of the room left (its loop counts characters, measures bytes).
    let short = description_with_base_sha("Job succeeded.", BASE);
    let pads = short.chars().filter(|c| *c == '\u{2001}').count();
    assert_eq!(pads, (140 - 14 - 49usize).div_ceil(4));
    assert!(short.starts_with("Job succeeded.\u{2001}"));
    // Too long: the middle is elided.
    let long = description_with_base_sha(&"x".repeat(200), BASE);
    assert!(long.contains(" ... "), "{long}");
    // No base SHA, no suffix.
    assert_eq!(description_with_base_sha("Job failed.", ""), "Job failed.");
    assert_eq!(base_sha_from_description("Job failed."), None);
    assert_eq!(
        base_sha_from_description(&format!("old Basesha:{BASE}")),
        Some(BASE)
    );
}

#[test]
fn statuses_go_on_the_pr_head_or_the_base_sha_and_not_for_batches() {
    let presubmit = github::commit_status(&job("a", "unit", ProwJobState::Pending)).unwrap();
    assert_eq!(
        (presubmit.sha.as_str(), presubmit.status.state.as_str()),
        (HEAD, "pending")
    );
    assert_eq!(presubmit.status.context, "unit");
    assert_eq!(
        presubmit.status.target_url,
        "https://prow.example.com/view/a"
    );

    let mut postsubmit = job("b", "post", ProwJobState::Success);
    postsubmit.spec.job_type = ProwJobType::Postsubmit;
    postsubmit.spec.refs.as_mut().unwrap().pulls.clear();
    assert_eq!(
        github::commit_status(&postsubmit).unwrap().sha.as_str(),
        BASE
    );

    let mut batch = job("c", "unit", ProwJobState::Success);
    let second = batch.spec.refs.as_ref().unwrap().pulls[0].clone();
    batch.spec.refs.as_mut().unwrap().pulls.push(second);
    assert_eq!(github::commit_status(&batch), None);
}

#[test]
fn which_jobs_the_github_reporter_reports() {
    let reported = job("a", "unit", ProwJobState::Success);
    assert!(github::reports(&reported, &settings(), None));

    let mut skip = reported.clone();
    skip.spec.report = false;
    assert!(!github::reports(&skip, &settings(), None), "skip_report");

    let mut periodic = reported.clone();
    periodic.spec.job_type = ProwJobType::Periodic;
    let mut everything = settings();
    everything.job_types_to_report.push(ProwJobType::Periodic);
    assert!(
        !github::reports(&periodic, &everything, None),
        "periodics never"
    );

    let presubmits_only = GitHubReporter {
        job_types_to_report: vec![ProwJobType::Postsubmit],
        ..GitHubReporter::default()
    };
    assert!(
        !github::reports(&reported, &presubmits_only, None),
        "job_types_to_report"
    );

    let mut gerrit = reported.clone();
    gerrit
        .metadata
        .labels
        .as_mut()
        .unwrap()
        .insert("prow.k8s.io/gerrit-report-label".into(), "Verified".into());
    assert!(!github::reports(&gerrit, &settings(), None), "gerrit jobs");

    assert!(github::reports(&reported, &settings(), Some("kubernetes")));
    assert!(
        !github::reports(&reported, &settings(), Some("jenkins")),
        "--report-agent"
    );
}

#[test]
fn prev_report_states_say_what_is_already_reported() {
    let mut job = job("a", "unit", ProwJobState::Pending);
    assert!(!prow_crier::already_reported(&job, "github-reporter"));
    prow_crier::mark_reported(&mut job, "github-reporter", ProwJobState::Pending);
    assert!(prow_crier::already_reported(&job, "github-reporter"));
    assert!(!prow_crier::already_reported(&job, "pubsub-reporter"));
    job.status.state = Some(ProwJobState::Failure);
    assert!(!prow_crier::already_reported(&job, "github-reporter"));
}

/// The comment over a PR's life: unit fails, lint fails, unit is rerun and passes, lint passes.
#[test]
fn the_failure_comment_follows_a_pull_requests_life() {
    let mut comments: Vec<Comment> = vec![Comment {
        id: 1,
        body: format!("a human quoting {COMMENT_TAG}"),
        user: User {
            login: "alice".into(),
            ..User::default()
        },
        ..Comment::default()
    }];
    let mut next_id = 100;
    let mut apply = |comments: &mut Vec<Comment>, jobs: &[&ProwJob]| -> String {
        let changes = comment_changes(jobs, &pull(), &is_bot, comments, false, None);
        comments.retain(|c| !changes.delete.contains(&c.id));
        let mut log = format!("delete {:?}; ", changes.delete);
        match changes.write {
            Some(CommentWrite::Create(body)) => {
                next_id += 1;
                comments.push(bot_comment(next_id, &body));
                log.push_str(&format!("create {next_id}"));
            }
            Some(CommentWrite::Edit { id, body }) => {
                comments.iter_mut().find(|c| c.id == id).unwrap().body = body;
                log.push_str(&format!("edit {id}"));
            }
            None => log.push_str("nothing"),
        }
        log
    };

    let unit_failed = job("u1", "unit", ProwJobState::Failure);
    assert_eq!(
        apply(&mut comments, &[&unit_failed]),
        "delete []; create 101"
    );
    insta::assert_snapshot!("one_failure", comments.last().unwrap().body);

    let mut lint_failed = job("l1", "lint", ProwJobState::Failure);
    lint_failed
        .metadata
        .labels
        .as_mut()
        .unwrap()
        .insert("prow.k8s.io/is-optional".into(), "true".into());
    // A new failure replaces the comment, so GitHub notifies the author again.
    assert_eq!(
        apply(&mut comments, &[&lint_failed]),
        "delete [101]; create 102"
    );
    insta::assert_snapshot!("two_failures", comments.last().unwrap().body);

    // The rerun of unit passes: its row goes, the comment is edited in place.
    let unit_passed = job("u2", "unit", ProwJobState::Success);
    assert_eq!(apply(&mut comments, &[&unit_passed]), "delete []; edit 102");
    let body = &comments.last().unwrap().body;
    assert!(
        body.contains("| lint |") || body.contains("\nlint | "),
        "{body}"
    );
    assert!(!body.contains("\nunit | "), "{body}");
    assert!(body.contains("The following test **failed**"), "{body}");

    // A pass for a job without a row changes nothing.
    let other_passed = job("o1", "other", ProwJobState::Success);
    assert_eq!(
        apply(&mut comments, &[&other_passed]),
        "delete []; edit 102"
    );

    // Everything passes: the comment is removed, and none written.
    let lint_passed = job("l2", "lint", ProwJobState::Success);
    assert_eq!(
        apply(&mut comments, &[&lint_passed]),
        "delete [102]; nothing"
    );
    assert_eq!(comments.len(), 1, "only the human's comment is left");
}

#[test]
fn older_report_comments_are_removed_and_rows_carried_over() {
    let table = |rows: &str| {
        format!(
            "@alice: The following tests **failed**:\n\nTest name | Commit | Details | Required | Rerun command\n--- | --- | --- | --- | ---\n{rows}\n\n<details>\n</details>\n{COMMENT_TAG}"
        )
    };
    let comments = vec![
        bot_comment(5, &table("e2e | abc | [link](x) | true | `/test e2e`")),
        bot_comment(
            6,
            &table(
                "lint | abc | [link](y) | false | `/test lint`\ne2e | def | [link](z) | true | `/test e2e`",
            ),
        ),
    ];
    let passed = job("u", "unit", ProwJobState::Success);
    let changes = comment_changes(&[&passed], &pull(), &is_bot, &comments, false, None);
    assert_eq!(changes.delete, vec![5]);
    let Some(CommentWrite::Edit { id: 6, body }) = changes.write else {
        panic!("expected an edit of 6: {changes:?}");
    };
    // The newest e2e row wins; both contexts are kept.
    assert!(body.contains("e2e | def |"), "{body}");
    assert!(!body.contains("e2e | abc |"), "{body}");
    assert!(body.contains("lint | abc |"), "{body}");
}

#[test]
fn summary_repos_say_all_passed_but_not_after_an_abort() {
    let passed = job("u", "unit", ProwJobState::Success);
    let changes = comment_changes(&[&passed], &pull(), &is_bot, &[], true, Some("footer text"));
    let Some(CommentWrite::Create(body)) = changes.write else {
        panic!("expected a comment");
    };
    insta::assert_snapshot!("all_passed_with_footer", body);

    let aborted = job("a", "unit", ProwJobState::Aborted);
    let changes = comment_changes(&[&passed, &aborted], &pull(), &is_bot, &[], true, None);
    assert_eq!(changes.write, None);
}

#[test]
fn report_templates_render_per_repo_then_org_then_default() {
    let mut plank = prow_config::Plank::default();
    plank
        .report_templates
        .insert("*".into(), "default for {{.Spec.Refs.Org}}".into());
    plank
        .report_templates
        .insert("acme".into(), "org {{.Spec.Job}}".into());
    let unit = job("u", "unit", ProwJobState::Failure);
    assert_eq!(
        github::render_footer(&plank, &unit).unwrap().as_deref(),
        Some("org unit")
    );
    plank
        .report_templates
        .insert("acme/widgets".into(), "repo {{.Spec.Refs.Repo}}".into());
    assert_eq!(
        github::render_footer(&plank, &unit).unwrap().as_deref(),
        Some("repo widgets")
    );
    plank.report_templates.remove("acme/widgets");
    plank.report_templates.remove("acme");
    assert_eq!(
        github::render_footer(&plank, &unit).unwrap().as_deref(),
        Some("default for acme")
    );
    plank.report_templates.clear();
    assert_eq!(github::render_footer(&plank, &unit).unwrap(), None);
    plank.report_template = "legacy {{.Status.State}}".into();
    assert_eq!(
        github::render_footer(&plank, &unit).unwrap().as_deref(),
        Some("legacy failure")
    );
}

#[test]
fn check_runs_follow_the_job() {
    for (state, status, conclusion) in [
        (ProwJobState::Triggered, "queued", None),
        (ProwJobState::Pending, "in_progress", None),
        (ProwJobState::Success, "completed", Some("success")),
        (ProwJobState::Failure, "completed", Some("failure")),
        (ProwJobState::Error, "completed", Some("failure")),
        (ProwJobState::Aborted, "completed", Some("cancelled")),
    ] {
        let (repo, run) = github::check_run(&job("j", "unit", state)).unwrap();
        assert_eq!(repo, RepoRef::new("acme", "widgets"));
        assert_eq!(
            (run.status.as_str(), run.conclusion.as_deref()),
            (status, conclusion)
        );
        assert_eq!(
            (
                run.name.as_str(),
                run.head_sha.as_str(),
                run.external_id.as_str()
            ),
            ("unit", HEAD, "j")
        );
        assert!(
            run.output
                .unwrap()
                .summary
                .contains(&format!("BaseSHA:{BASE}"))
        );
    }
}

fn pubsub_job(url: &str) -> ProwJob {
    let mut job = job("p", "unit", ProwJobState::Failure);
    job.status.url = url.to_string();
    job.status.description = "Job failed.".into();
    let labels = job.metadata.labels.as_mut().unwrap();
    labels.insert("prow.k8s.io/pubsub.project".into(), "label-project".into());
    labels.insert("prow.k8s.io/pubsub.topic".into(), "results".into());
    labels.insert("prow.k8s.io/pubsub.runID".into(), "run-1".into());
    job.metadata.annotations = Some(BTreeMap::from([(
        "prow.k8s.io/pubsub.project".to_string(),
        "annotated-project".to_string(),
    )]));
    job
}

#[test]
fn pubsub_messages_have_upstreams_fields() {
    let mut urls = prow_plank::url::JobUrls::default();
    urls.prefixes
        .insert("*".into(), "https://prow.example.com/view/".into());
    let job =
        pubsub_job("https://prow.example.com/view/s3/bucket/pr-logs/pull/acme_widgets/7/unit/1");
    let message = prow_crier::pubsub::message(&job, &urls).unwrap();
    assert_eq!(
        message.topic_path(),
        "projects/annotated-project/topics/results"
    );
    let value = serde_json::to_value(&message).unwrap();
    assert_eq!(
        value
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        [
            "gcs_path", "job_name", "job_type", "message", "project", "refs", "runid", "status",
            "topic", "url"
        ]
    );
    assert_eq!(
        value["gcs_path"],
        "s3://bucket/pr-logs/pull/acme_widgets/7/unit/1"
    );
    assert_eq!(value["status"], "failure");
    assert_eq!(value["job_type"], "presubmit");
    assert_eq!(value["runid"], "run-1");
    assert_eq!(value["refs"][0]["pulls"][0]["number"], 7);

    for (url, expected) in [
        (
            "https://prow.example.com/view/gcs/b/logs/j/1",
            "gs://b/logs/j/1",
        ),
        (
            "https://prow.example.com/view/gs/b/logs/j/1",
            "gs://b/logs/j/1",
        ),
        (
            "https://prow.example.com/view/b/logs/j/1",
            "gs://b/logs/j/1",
        ),
        ("", ""),
    ] {
        let message = prow_crier::pubsub::message(&pubsub_job(url), &urls).unwrap();
        assert_eq!(message.gcs_path, expected, "{url}");
    }

    let mut unlabelled = pubsub_job("");
    unlabelled
        .metadata
        .labels
        .as_mut()
        .unwrap()
        .remove("prow.k8s.io/pubsub.topic");
    assert_eq!(prow_crier::pubsub::message(&unlabelled, &urls), None);
}

#[test]
fn slack_messages_follow_the_most_specific_config_and_the_jobs_own() {
    let reporter =
        |channel: &str, states: Option<Vec<ProwJobState>>, template: &str| SlackReporter {
            job_types_to_report: vec![ProwJobType::Presubmit],
            channel: channel.into(),
            job_states_to_report: states,
            report_template: template.into(),
            ..SlackReporter::default()
        };
    let configs = BTreeMap::from([
        (
            "*".to_string(),
            reporter("general", Some(vec![ProwJobState::Failure]), ""),
        ),
        (
            "acme/widgets".to_string(),
            reporter(
                "widgets",
                Some(vec![ProwJobState::Failure, ProwJobState::Error]),
                "{{.Spec.Job}} is {{.Status.State}}",
            ),
        ),
    ]);
    let failed = job("f", "unit", ProwJobState::Failure);
    let message = prow_crier::slack::message(&failed, &configs)
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            message.host.as_str(),
            message.channel.as_str(),
            message.text.as_str()
        ),
        ("*", "widgets", "unit is failure")
    );

    let passed = job("s", "unit", ProwJobState::Success);
    assert_eq!(
        prow_crier::slack::message(&passed, &configs).unwrap(),
        None,
        "state not listed"
    );

    let mut elsewhere = failed.clone();
    elsewhere.spec.refs.as_mut().unwrap().org = "other".into();
    let message = prow_crier::slack::message(&elsewhere, &configs)
        .unwrap()
        .unwrap();
    assert_eq!(message.channel, "general");
    assert_eq!(
        message.text,
        "Job unit of type presubmit ended with state failure. <https://prow.example.com/view/f|View logs>"
    );

    // A periodic is not a listed type, but its own channel makes it reported.
    let mut periodic = failed.clone();
    periodic.spec.job_type = ProwJobType::Periodic;
    assert_eq!(
        prow_crier::slack::message(&periodic, &configs).unwrap(),
        None
    );
    periodic.spec.reporter_config = Some(prow_api::ReporterConfig {
        slack: Some(prow_api::SlackReporterConfig {
            channel: "nightly".into(),
            ..Default::default()
        }),
    });
    assert_eq!(
        prow_crier::slack::message(&periodic, &configs)
            .unwrap()
            .unwrap()
            .channel,
        "nightly"
    );

    // `job_states_to_report: []` on the job silences it.
    let mut silenced = failed.clone();
    silenced.spec.reporter_config = Some(prow_api::ReporterConfig {
        slack: Some(prow_api::SlackReporterConfig {
            report: Some(false),
            ..Default::default()
        }),
    });
    assert_eq!(
        prow_crier::slack::message(&silenced, &configs).unwrap(),
        None
    );
}
