use super::*;
use crate::jobs::{Brancher, JobBase, RegexpChangeMatcher, Reporter};

fn section(yaml: &str) -> BranchProtection {
    let (value, unknown) =
        crate::yaml::parse::<BranchProtection>(yaml).expect("the section parses");
    assert!(unknown.is_empty(), "unknown keys: {unknown:?}");
    value
}

fn job(name: &str, always_run: bool, optional: bool, run_if_changed: &str) -> Presubmit {
    Presubmit {
        base: JobBase {
            name: name.into(),
            ..JobBase::default()
        },
        always_run,
        optional,
        changes: RegexpChangeMatcher::new(run_if_changed.into(), String::new()),
        brancher: Brancher::new(Vec::new(), Vec::new()),
        reporter: Reporter::default(),
        ..Presubmit::default()
    }
}

fn contexts(policy: &Option<Policy>) -> Vec<String> {
    policy
        .as_ref()
        .and_then(|p| p.required_status_checks.as_ref())
        .map(|c| c.contexts.clone())
        .unwrap_or_default()
}

#[test]
fn a_child_replaces_settings_and_joins_lists() {
    let parent = section(
        "protect: true\nrequired_status_checks: {contexts: [hello, world]}\nexclude: ['bar*']\nrestrictions: {teams: [oncall]}\n",
    );
    let child = section(
        "protect: false\nenforce_admins: true\nrequired_status_checks: {contexts: [world, of, thrones], strict: true}\nexclude: ['foo*']\n",
    );
    let merged = parent.policy().apply(&child.policy());
    assert_eq!(merged.protect, Some(false));
    assert_eq!(merged.enforce_admins, Some(true));
    let checks = merged.required_status_checks.expect("inherited and joined");
    assert_eq!(checks.contexts, ["hello", "of", "thrones", "world"]);
    assert_eq!(checks.strict, Some(true));
    assert_eq!(merged.exclude.expect("joined"), ["bar*", "foo*"]);
    assert_eq!(
        merged
            .restrictions
            .expect("a section the child leaves out is inherited")
            .teams,
        ["oncall"]
    );
}

#[test]
fn presubmits_are_sorted_by_how_they_bind_a_merge() {
    let mut skipped = job("skip-report", true, false, "");
    skipped.reporter.skip_report = true;
    let mut other_branch = job("release-only", true, false, "");
    other_branch.brancher = Brancher::new(vec!["release-1.0".into()], Vec::new());
    let jobs = [
        job("always", true, false, ""),
        job("conditional", false, false, "^docs/"),
        job("manual", false, false, ""),
        job("optional", true, true, ""),
        skipped,
        other_branch,
    ];
    let found = BranchRequirements::of("main", &jobs, false);
    assert_eq!(found.required, ["always"]);
    assert_eq!(found.if_present, ["conditional", "manual"]);
    assert_eq!(found.optional, ["optional", "skip-report"]);
    let manual = BranchRequirements::of("main", &jobs, true);
    assert_eq!(manual.required, ["always", "manual"]);
    assert_eq!(manual.if_present, ["conditional"]);
}

#[test]
fn resolving_a_branch_follows_upstream_rules() {
    let always = [job("required presubmit", true, false, "")];
    let optional = [job("optional presubmit", true, true, "")];
    type Expect = Result<Option<(Option<bool>, Vec<&'static str>)>, &'static str>;
    let cases: &[(&str, &str, &[Presubmit], Expect)] = &[
        ("nothing configured", "", &[], Ok(None)),
        (
            "protected at the top",
            "protect: true",
            &[],
            Ok(Some((Some(true), vec![]))),
        ),
        (
            "protected by the org",
            "orgs: {org: {protect: true}}",
            &[],
            Ok(Some((Some(true), vec![]))),
        ),
        (
            "protected by the branch",
            "orgs: {org: {repos: {repo: {branches: {main: {protect: true}}}}}}",
            &[],
            Ok(Some((Some(true), vec![]))),
        ),
        (
            "a listed branch must say protect",
            "orgs: {org: {repos: {repo: {branches: {main: {}}}}}}",
            &[],
            Err("must set protect"),
        ),
        (
            "protect false beside restrictions",
            "protect: false\nrestrictions: {teams: [oncall]}",
            &[],
            Err("requires protect: true"),
        ),
        (
            "protect false beside restrictions, allowed",
            "protect: false\nallow_disabled_policies: true\nrestrictions: {teams: [oncall]}",
            &[],
            Ok(Some((Some(false), vec![]))),
        ),
        (
            "required contexts join configured ones",
            "protect: true\nrequired_status_checks: {contexts: [cla]}",
            &always,
            Ok(Some((Some(true), vec!["cla", "required presubmit"]))),
        ),
        (
            "protect-tested-repos protects a repo with required jobs",
            "protect-tested-repos: true",
            &always,
            Ok(Some((Some(true), vec!["required presubmit"]))),
        ),
        (
            "required jobs on an unprotected branch",
            "protect: false",
            &always,
            Err("require branch protection"),
        ),
        (
            "required jobs on an unprotected branch, allowed",
            "protect-tested-repos: true\nallow_disabled_job_policies: true\norgs: {org: {repos: {repo: {protect: false}}}}",
            &always,
            Ok(None),
        ),
        (
            "optional jobs alone do not protect",
            "protect-tested-repos: true",
            &optional,
            Ok(None),
        ),
        (
            "optional jobs protect when asked",
            "protect-tested-repos: true\nprotect_repos_with_optional_jobs: true",
            &optional,
            Ok(Some((Some(true), vec![]))),
        ),
        (
            "contexts without protect change nothing",
            "required_status_checks: {contexts: [cla]}",
            &[],
            Ok(Some((None, vec!["cla"]))),
        ),
    ];
    for (name, yaml, jobs, expected) in cases {
        let config = section(yaml);
        let got = config.resolve("org", "repo", "main", jobs);
        match (expected, got) {
            (Ok(None), Ok(None)) => {}
            (Ok(Some((protect, wanted))), Ok(Some(policy))) => {
                assert_eq!(policy.protect, *protect, "{name}");
                assert_eq!(contexts(&Some(policy)), *wanted, "{name}");
            }
            (Err(fragment), Err(error)) => {
                assert!(
                    error.to_string().contains(fragment),
                    "{name}: {error} lacks {fragment:?}"
                );
                assert!(
                    error.to_string().contains("org/repo=main"),
                    "{name}: {error}"
                );
            }
            (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[test]
fn a_misspelt_key_at_any_level_is_reported() {
    let (_, unknown) = crate::yaml::parse::<BranchProtection>(
        "protec: true\norgs: {org: {repos: {repo: {branches: {main: {protect: true, enforce_admin: true}}}}}}\n",
    )
    .expect("the section parses");
    let shown: Vec<String> = unknown.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        ["protec", "orgs.org.repos.repo.branches.main.enforce_admin"]
    );
}

#[test]
fn loading_reports_what_can_be_seen_without_github_where_it_is() {
    let config = "branch-protection:\n  orgs:\n    org:\n      protect: false\n      repos:\n        repo:\n          branches:\n            next: {enforce_admins: true}\n          exclude: ['(']\n    other:\n      repos:\n        repo:\n          branches:\n            main: {}\n";
    let sources = crate::Sources {
        config: crate::Source::new("config.yaml", config),
        job_files: Vec::new(),
        plugins: None,
    };
    let error = crate::load_sources(&sources, crate::LoadOptions::default())
        .expect_err("the section has errors");
    let shown: Vec<String> = error.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    let expected = [
        "config.yaml:8:13: error: branch-protection: org/repo=next defines a policy",
        "config.yaml:9:21: error: branch-protection: exclude regex \"(\"",
        "config.yaml:14:13: error: branch-protection: other/repo=main: a branch listed",
    ];
    for (shown, expected) in shown.iter().zip(expected) {
        assert!(shown.starts_with(expected), "{shown} is not {expected}");
    }
}
