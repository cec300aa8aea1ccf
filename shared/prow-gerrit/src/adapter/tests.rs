use super::*;
use prow_ports::gerrit::{ChangeMessage, ChangedFile, Revision};

const HOST: &str = "https://gerrit-review.example.com";

fn t(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + seconds).unwrap()
}

fn config() -> Config {
    let jobs = "presubmits:\n  https://gerrit-review.example.com/platform/app:\n  - name: unit\n    always_run: true\n    spec: {containers: [{image: alpine}]}\n  - name: docs\n    run_if_changed: '^docs/'\n    spec: {containers: [{image: alpine}]}\n  - name: lint\n    always_run: true\n    labels: {prow.k8s.io/gerrit-report-label: Verified}\n    spec: {containers: [{image: alpine}]}\npostsubmits:\n  https://gerrit-review.example.com/platform/app:\n  - name: publish\n    spec: {containers: [{image: alpine}]}\n";
    let sources = prow_config::Sources {
        config: prow_config::Source::new(
            "config.yaml",
            "gerrit:\n  org_repos_config:\n  - org: https://gerrit-review.example.com\n    repos: [platform/app]\n",
        ),
        job_files: vec![prow_config::Source::new("jobs.yaml", jobs)],
        plugins: None,
    };
    prow_config::load_sources(&sources, prow_config::LoadOptions { strict: true })
        .unwrap()
        .config
}

const BOT: Account = Account {
    id: 1_000_000,
    username: String::new(),
};

fn change(created: i64, files: &[&str]) -> Change {
    Change {
        id: "platform%2Fapp~master~I0123".into(),
        project: "platform/app".into(),
        branch: "master".into(),
        number: 42,
        status: ChangeStatus::New,
        updated: t(created),
        submitted: None,
        work_in_progress: false,
        revision: Revision {
            sha: "c".repeat(40),
            number: 2,
            git_ref: "refs/changes/42/42/2".into(),
            created: t(created),
            author_name: "Alice".into(),
            author_email: "alice@example.com".into(),
            files: files
                .iter()
                .map(|p| ChangedFile {
                    path: p.to_string(),
                    old_path: None,
                })
                .collect(),
        },
        messages: Vec::new(),
    }
}

fn said(change: &mut Change, author_id: u64, at: i64, text: &str) {
    change.messages.push(ChangeMessage {
        author_id,
        author: if author_id == BOT.id { "prow" } else { "alice" }.into(),
        date: t(at),
        text: text.into(),
        revision_number: 2,
    });
}

/// [`plan_change`] on [`HOST`] as [`BOT`], the branch at `bbbb…`.
fn plan(config: &Config, change: &Change, last_sync: Timestamp, now: Timestamp) -> Decision {
    plan_change(config, HOST, change, last_sync, &BOT, &"b".repeat(40), now)
}

fn names(decision: &Decision) -> Vec<String> {
    decision.jobs.iter().map(|j| j.spec.job.clone()).collect()
}

#[test]
fn a_new_patch_set_runs_what_test_all_runs_with_gerrits_labels_and_refs() {
    let config = config();
    let change = change(100, &["src/main.go"]);
    let decision = plan(&config, &change, t(50), t(101));
    assert_eq!(names(&decision), ["unit", "lint"]);
    let job = &decision.jobs[0];
    let labels = job.metadata.labels.as_ref().unwrap();
    assert_eq!(labels[GERRIT_REVISION], "c".repeat(40));
    assert_eq!(labels[GERRIT_PATCHSET], "2");
    assert_eq!(labels[GERRIT_REPORT_LABEL], "Code-Review");
    assert_eq!(
        decision.jobs[1].metadata.labels.as_ref().unwrap()[GERRIT_REPORT_LABEL],
        "Verified"
    );
    let annotations = job.metadata.annotations.as_ref().unwrap();
    assert_eq!(annotations[GERRIT_INSTANCE], HOST);
    assert_eq!(annotations[GERRIT_ID], "platform%2Fapp~master~I0123");
    let refs = job.spec.refs.as_ref().unwrap();
    assert_eq!(refs.org, HOST);
    assert_eq!(refs.repo, "platform/app");
    assert_eq!(
        refs.clone_uri,
        "https://gerrit-review.example.com/platform/app"
    );
    assert_eq!(refs.repo_link, "https://gerrit.example.com/platform/app");
    assert_eq!(refs.pulls[0].r#ref, "refs/changes/42/42/2");
    assert_eq!(
        refs.pulls[0].link,
        "https://gerrit-review.example.com/c/platform/app/+/42"
    );
    assert_eq!(
        decision.message.as_deref(),
        Some("Triggered 2 prow jobs (0 suppressed reporting): \n  * Name: unit\n  * Name: lint")
    );
    let again = plan(&config, &change, t(50), t(200));
    assert_eq!(
        again
            .jobs
            .iter()
            .map(|j| j.metadata.name.clone())
            .collect::<Vec<_>>(),
        decision
            .jobs
            .iter()
            .map(|j| j.metadata.name.clone())
            .collect::<Vec<_>>(),
        "the same change seen again asks for the same jobs"
    );
}

#[test]
fn messages_ask_for_jobs_and_old_or_wip_changes_run_nothing_by_themselves() {
    let config = config();
    let mut old = change(10, &["docs/a.md"]);
    assert!(
        plan(&config, &old, t(50), t(60)).jobs.is_empty(),
        "seen already"
    );
    said(&mut old, 7, 60, "/test docs");
    assert_eq!(names(&plan(&config, &old, t(50), t(61))), ["docs"]);
    let mut retested = change(10, &["src/x.go"]);
    said(
        &mut retested,
        BOT.id,
        40,
        "Prow Status: 1 out of 2 pjs passed! 👉 ...\n❌ [unit](https://prow/view/1) FAILURE\n✔️ [lint](https://prow/view/2) SUCCESS\n",
    );
    said(&mut retested, 7, 60, "/retest");
    assert_eq!(
        names(&plan(&config, &retested, t(50), t(61))),
        ["unit"],
        "only what the bot reported failed"
    );
    let mut wip = change(100, &["src/x.go"]);
    wip.work_in_progress = true;
    assert!(plan(&config, &wip, t(50), t(101)).jobs.is_empty());
    let mut merged = change(10, &["src/x.go"]);
    merged.status = ChangeStatus::Merged;
    merged.submitted = Some(t(90));
    assert_eq!(names(&plan(&config, &merged, t(50), t(91))), ["publish"]);
    assert!(
        plan(&config, &merged, t(95), t(96)).jobs.is_empty(),
        "merged before the last sync"
    );
}
