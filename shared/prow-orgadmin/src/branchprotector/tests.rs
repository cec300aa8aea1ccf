use super::*;
use prow_config::{LoadOptions, Source, Sources};

fn config(yaml: &str, jobs: &str) -> Config {
    let sources = Sources {
        config: Source::new("config.yaml", yaml),
        job_files: if jobs.is_empty() {
            Vec::new()
        } else {
            vec![Source::new("jobs.yaml", jobs)]
        },
        plugins: None,
    };
    match prow_config::load_sources(&sources, LoadOptions { strict: true }) {
        Ok(loaded) => loaded.config,
        Err(error) => panic!("{error}"),
    }
}

fn repo(name: &str, archived: bool, private: bool) -> RepoSettings {
    RepoSettings {
        name: name.into(),
        archived,
        private,
        ..RepoSettings::default()
    }
}

fn branch(name: &str, protected: bool) -> BranchInfo {
    BranchInfo {
        name: name.into(),
        protected,
    }
}

fn names(repos: &[RepoRef]) -> Vec<String> {
    repos.iter().map(ToString::to_string).collect()
}

const JOBS: &str = "presubmits:\n  tested/repo:\n  - name: unit\n    always_run: true\n    spec: {containers: [{image: alpine}]}\n";

#[test]
fn which_repositories_are_visited() {
    let listed: BTreeMap<String, Vec<RepoSettings>> = [(
        "org".to_string(),
        vec![
            repo("live", false, false),
            repo("old", true, false),
            repo("live-ghsa-abcd-1234", false, true),
        ],
    )]
    .into();
    let cases = [
        (
            "protected org: every listed repository but archived ones and security forks",
            "branch-protection:\n  orgs:\n    org:\n      protect: true\n",
            "",
            vec!["org/live"],
        ),
        (
            "org without protect: only the repositories it names",
            "branch-protection:\n  orgs:\n    org:\n      repos:\n        named:\n          protect: true\n",
            "",
            vec!["org/named"],
        ),
        (
            "protect false at the top still lists every repository (to unprotect them)",
            "branch-protection:\n  protect: false\n  orgs:\n    org: {}\n",
            "",
            vec!["org/live"],
        ),
        (
            "protect-tested-repos adds repositories with presubmits",
            "branch-protection:\n  protect-tested-repos: true\n  orgs:\n    org:\n      protect: true\n",
            JOBS,
            vec!["org/live", "tested/repo"],
        ),
        (
            "unmanaged at the top: nothing",
            "branch-protection:\n  unmanaged: true\n  orgs:\n    org:\n      protect: true\n",
            "",
            vec![],
        ),
        (
            "unmanaged at the top, but a repository says otherwise",
            "branch-protection:\n  unmanaged: true\n  orgs:\n    org:\n      repos:\n        named:\n          unmanaged: false\n          protect: true\n",
            "",
            vec!["org/named"],
        ),
    ];
    for (name, yaml, jobs, expected) in cases {
        let config = config(yaml, jobs);
        assert_eq!(names(&repos_to_visit(&config, &listed)), expected, "{name}");
    }
}

#[test]
fn which_branches_are_visited() {
    let branches = [
        branch("master", true),
        branch("skip", false),
        branch("task", false),
        branch("foobar1", false),
        branch("release-1.0", false),
    ];
    let cases = [
        (
            "no filter",
            "protect: true",
            vec!["master", "skip", "task", "foobar1", "release-1.0"],
        ),
        (
            "exclude is unanchored",
            "protect: true\n      exclude: ['sk.*']",
            vec!["master", "foobar1", "release-1.0"],
        ),
        (
            "include wins over exclude",
            "protect: true\n      include: ['^release-']\n      exclude: ['^release-']",
            vec!["release-1.0"],
        ),
        (
            "a named branch is visited whatever exclude says",
            "protect: true\n      exclude: ['.*']\n      branches:\n        master: {protect: true}",
            vec!["master"],
        ),
    ];
    for (name, repo_yaml, expected) in cases {
        let yaml = format!(
            "branch-protection:\n  orgs:\n    org:\n      repos:\n        repo:\n          {}\n",
            repo_yaml.replace("\n      ", "\n          ")
        );
        let config = config(&yaml, "");
        let visited = branches_to_visit(
            &config.prow.branch_protection,
            &RepoRef::new("org", "repo"),
            &branches,
        )
        .expect("regexes compile");
        let visited: Vec<&str> = visited.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(visited, expected, "{name}");
    }
}

fn want(
    yaml: &str,
    jobs: &str,
    protected: bool,
    options: Options,
) -> Result<Option<Option<BranchProtectionSettings>>, ProtectError> {
    let config = config(yaml, jobs);
    let repo = RepoRef::new("org", "repo");
    let policy = config.prow.branch_protection.resolve(
        "org",
        "repo",
        "master",
        config.jobs.presubmits_for("org/repo"),
    )?;
    desired(
        policy.as_ref(),
        &repo,
        &branch("master", protected),
        options,
    )
}

#[test]
fn what_a_branch_should_be() {
    let on = |yaml: &str| format!("branch-protection:\n  orgs:\n    org:\n{yaml}");
    assert_eq!(
        want("", "", true, Options::default()).expect("no policy"),
        None,
        "nothing configured"
    );
    assert_eq!(
        want(&on("      protect: false\n"), "", false, Options::default()).expect("valid"),
        None,
        "already unprotected: left alone without reading its protection"
    );
    assert_eq!(
        want(&on("      protect: false\n"), "", true, Options::default()).expect("valid"),
        Some(None),
        "protected but should not be: protection removed"
    );
    assert_eq!(
        want(
            &on("      required_status_checks: {contexts: [cla]}\n"),
            "",
            true,
            Options::default()
        )
        .expect("valid"),
        None,
        "contexts without protect: nobody asked to protect"
    );
    let full = on(
        "      protect: true\n      enforce_admins: true\n      required_linear_history: true\n      allow_force_pushes: true\n      allow_deletions: true\n      require_signed_commits: true\n      required_status_checks: {strict: true, contexts: [b, a, b]}\n      required_pull_request_reviews:\n        required_approving_review_count: 2\n        require_code_owner_reviews: true\n        dismissal_restrictions: {users: [Zed, amy]}\n      restrictions: {users: [bot], teams: [admins], apps: [ci]}\n",
    );
    let settings = want(
        &full,
        "",
        false,
        Options {
            enable_apps_restrictions: true,
        },
    )
    .expect("valid")
    .flatten()
    .expect("protected");
    assert_eq!(
        settings,
        BranchProtectionSettings {
            required_status_checks: Some(RequiredChecks {
                strict: true,
                contexts: vec!["a".into(), "b".into()]
            }),
            enforce_admins: true,
            required_pull_request_reviews: Some(RequiredReviews {
                dismissal_restrictions: Some(WirePeople {
                    users: vec!["Zed".into(), "amy".into()],
                    teams: vec![]
                }),
                dismiss_stale_reviews: false,
                require_code_owner_reviews: true,
                required_approving_review_count: 2,
                bypass_pull_request_allowances: None,
            }),
            restrictions: Some(PushRestrictions {
                apps: Some(vec!["ci".into()]),
                users: vec!["bot".into()],
                teams: vec!["admins".into()]
            }),
            required_linear_history: true,
            allow_force_pushes: true,
            allow_deletions: true,
            required_signatures: Some(true),
        }
    );
    let refused = want(&full, "", false, Options::default()).expect_err("apps need the flag");
    assert!(
        refused.to_string().contains("--enable-apps-restrictions"),
        "{refused}"
    );
    let jobs = "presubmits:\n  org/repo:\n  - name: unit\n    always_run: true\n    spec: {containers: [{image: alpine}]}\n";
    let tested = want(
        "branch-protection:\n  protect-tested-repos: true\n",
        jobs,
        false,
        Options::default(),
    )
    .expect("valid")
    .flatten()
    .expect("protected for its required job");
    assert_eq!(
        tested.required_status_checks.expect("contexts").contexts,
        ["unit"]
    );
}

#[test]
fn a_branch_changes_only_when_github_differs() {
    let repo = RepoRef::new("org", "repo");
    let base = BranchProtectionSettings {
        required_status_checks: Some(RequiredChecks {
            strict: false,
            contexts: vec!["a".into(), "b".into()],
        }),
        restrictions: Some(PushRestrictions {
            apps: None,
            users: vec!["Bot".into()],
            teams: vec![],
        }),
        ..BranchProtectionSettings::default()
    };
    let with = |change: &dyn Fn(&mut BranchProtectionSettings)| {
        let mut s = base.clone();
        change(&mut s);
        s
    };
    let cases: Vec<(
        &str,
        Option<BranchProtectionSettings>,
        Option<BranchProtectionSettings>,
        bool,
    )> = vec![
        ("unprotected and should stay so", None, None, false),
        (
            "protected but should not be",
            None,
            Some(base.clone()),
            true,
        ),
        ("unprotected but should be", Some(base.clone()), None, true),
        ("same", Some(base.clone()), Some(base.clone()), false),
        (
            "contexts in another order",
            Some(base.clone()),
            Some(with(&|s| {
                s.required_status_checks = Some(RequiredChecks {
                    strict: false,
                    contexts: vec!["b".into(), "a".into()],
                })
            })),
            false,
        ),
        (
            "a login in another case",
            Some(base.clone()),
            Some(with(&|s| {
                s.restrictions = Some(PushRestrictions {
                    apps: None,
                    users: vec!["bot".into()],
                    teams: vec![],
                })
            })),
            false,
        ),
        (
            "apps not managed: GitHub's apps are left as they are",
            Some(base.clone()),
            Some(with(&|s| {
                s.restrictions = Some(PushRestrictions {
                    apps: Some(vec!["ci".into()]),
                    users: vec!["Bot".into()],
                    teams: vec![],
                })
            })),
            false,
        ),
        (
            "apps managed and different",
            Some(with(&|s| {
                s.restrictions = Some(PushRestrictions {
                    apps: Some(vec![]),
                    users: vec!["Bot".into()],
                    teams: vec![],
                })
            })),
            Some(with(&|s| {
                s.restrictions = Some(PushRestrictions {
                    apps: Some(vec!["ci".into()]),
                    users: vec!["Bot".into()],
                    teams: vec![],
                })
            })),
            true,
        ),
        (
            "a review rule added",
            Some(with(&|s| {
                s.required_pull_request_reviews = Some(RequiredReviews {
                    required_approving_review_count: 3,
                    ..RequiredReviews::default()
                })
            })),
            Some(base.clone()),
            true,
        ),
        (
            "strict differs",
            Some(with(&|s| {
                s.required_status_checks = Some(RequiredChecks {
                    strict: true,
                    contexts: vec!["a".into(), "b".into()],
                })
            })),
            Some(base.clone()),
            true,
        ),
        (
            "force pushes differ",
            Some(with(&|s| s.allow_force_pushes = true)),
            Some(base.clone()),
            true,
        ),
        (
            "signed commits not managed",
            Some(base.clone()),
            Some(with(&|s| s.required_signatures = Some(true))),
            false,
        ),
        (
            "signed commits wanted, off",
            Some(with(&|s| s.required_signatures = Some(true))),
            Some(base.clone()),
            true,
        ),
    ];
    for (name, want, have, changes) in cases {
        let change = change_for(&repo, "main", want, have.as_ref());
        assert_eq!(change.is_some(), changes, "{name}: {change:?}");
    }
}

#[test]
fn a_change_reads_as_a_plan_line() {
    let change = BranchChange::Protect {
        repo: RepoRef::new("org", "repo"),
        branch: "main".into(),
        settings: Box::new(BranchProtectionSettings {
            required_status_checks: Some(RequiredChecks {
                strict: true,
                contexts: vec!["cla".into(), "unit".into()],
            }),
            enforce_admins: true,
            ..BranchProtectionSettings::default()
        }),
    };
    assert_eq!(
        change.to_string(),
        "protect org/repo=main: required contexts [cla, unit] (strict); enforce admins"
    );
    let removal = BranchChange::Unprotect {
        repo: RepoRef::new("org", "repo"),
        branch: "old".into(),
    };
    assert_eq!(removal.to_string(), "remove protection from org/repo=old");
}
