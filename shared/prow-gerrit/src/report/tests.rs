use super::*;

fn job(
    name: &str,
    state: ProwJobState,
    job_type: &str,
    report_label: Option<&str>,
    patchset: &str,
) -> ProwJob {
    let mut labels = serde_json_labels(patchset);
    if let Some(label) = report_label {
        labels.insert(GERRIT_REPORT_LABEL.into(), label.into());
    }
    let value = serde_json::json!({
        "metadata": {"name": format!("{name}-{patchset}"), "labels": labels,
                     "annotations": {GERRIT_INSTANCE: "https://g", GERRIT_ID: "p~master~I1"}},
        "spec": {"type": job_type, "job": name, "report": true},
        "status": {"state": state.as_str(), "startTime": "2026-12-06T00:00:00Z",
                   "url": format!("https://prow/view/{name}")}
    });
    serde_json::from_value(value).unwrap()
}

fn serde_json_labels(patchset: &str) -> BTreeMap<String, String> {
    [
        (GERRIT_REVISION.to_string(), format!("rev{patchset}")),
        (GERRIT_PATCHSET.to_string(), patchset.to_string()),
    ]
    .into()
}

#[test]
fn a_patch_sets_jobs_are_reported_together_once_all_finished() {
    use ProwJobState::*;
    let unit = job("unit", Success, "presubmit", None, "2");
    let lint = job("lint", Failure, "presubmit", None, "2");
    let running = job("lint", Pending, "presubmit", None, "2");
    assert!(
        covers(&unit, &[unit.clone(), running]).is_none(),
        "waits for lint"
    );
    let (target, jobs) = covers(&unit, &[unit.clone(), lint.clone()]).unwrap();
    assert_eq!(
        target,
        Target {
            instance: "https://g".into(),
            change_id: "p~master~I1".into(),
            revision: "rev2".into()
        }
    );
    assert_eq!(jobs.len(), 2);
    assert_eq!(
        message(&jobs),
        "Prow Status: 1 out of 2 pjs passed! 👉 Comment `/retest` to rerun only failed tests (if any), or `/test all` to rerun all tests.\n❌ [lint](https://prow/view/lint) FAILURE\n✔️ [unit](https://prow/view/unit) SUCCESS\n"
    );
    assert_eq!(vote(&jobs, false), Some(("Code-Review".into(), -1)));
    assert_eq!(
        vote(&jobs, true),
        Some(("Code-Review".into(), 0)),
        "merged meanwhile"
    );
    assert_eq!(
        vote(std::slice::from_ref(&unit), false),
        Some(("Code-Review".into(), 1))
    );
    let post = job("publish", Failure, "postsubmit", Some("Verified"), "2");
    assert_eq!(vote(&[post], false), Some(("Verified".into(), 0)));
    let silent = job("x", Failure, "presubmit", Some(""), "2");
    assert_eq!(vote(std::slice::from_ref(&silent), false), None);
    assert_eq!(
        covers(&silent, &[]).unwrap().1.len(),
        1,
        "no label: reported alone"
    );
    let newer = job("unit", Pending, "presubmit", None, "3");
    assert!(
        covers(&unit, &[unit.clone(), lint, newer]).is_none(),
        "a newer patch set makes it moot"
    );
    assert_eq!(
        failed_contexts([message(&[unit, job("lint", Failure, "presubmit", None, "2")]).as_str()]),
        HashSet::from(["lint".to_string()])
    );
}
