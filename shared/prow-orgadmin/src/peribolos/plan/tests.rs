use super::*;
use crate::peribolos::config::FullConfig;

fn org(yaml: &str) -> OrgConfig {
    let source = prow_config::Source::new("org.yaml", format!("orgs:\n  org:\n{yaml}"));
    let read = prow_config::read_document::<FullConfig>(
        &source,
        prow_config::LoadOptions { strict: true },
    )
    .unwrap_or_else(|problems| panic!("{problems:?}"));
    read.value.orgs["org"].clone()
}

fn logins(list: &[&str]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

fn team(id: u64, name: &str, privacy: &str, parent: Option<u64>) -> TeamState {
    TeamState {
        info: TeamInfo {
            id,
            slug: name.to_lowercase().replace(' ', "-"),
            name: name.into(),
            description: String::new(),
            privacy: privacy.into(),
            parent,
        },
        ..TeamState::default()
    }
}

fn state(admins: &[&str], members: &[&str]) -> OrgState {
    OrgState {
        bot: "bot".into(),
        admins: logins(admins),
        members: logins(members),
        ..OrgState::default()
    }
}

fn shown(plan: &Plan) -> Vec<String> {
    plan.changes.iter().map(ToString::to_string).collect()
}

fn members_options() -> Options {
    Options {
        fix_org_members: true,
        min_admins: 2,
        maximum_removal_delta: 1.0,
        ..Options::default()
    }
}

#[test]
fn org_membership_rails_refuse_the_whole_plan() {
    let cases: Vec<(&str, &str, OrgState, Options, &str)> = vec![
        (
            "too few admins",
            "    admins: [bot]\n",
            state(&["bot"], &[]),
            Options {
                fix_org_members: true,
                ..Options::default()
            },
            "must specify at least 5 admins, only found 1",
        ),
        (
            "a required admin missing",
            "    admins: [bot, amy]\n",
            state(&["bot"], &[]),
            Options {
                required_admins: logins(&["francis"]),
                ..members_options()
            },
            "must specify [\"francis\"] as admins",
        ),
        (
            "the bot would lose its own admin rights",
            "    admins: [amy, ben]\n",
            state(&["bot"], &[]),
            members_options(),
            "authenticated user bot is not an admin of org",
        ),
        (
            "removing more than the delta",
            "    admins: [bot, keep]\n",
            state(&["bot", "keep", "a", "b"], &["c"]),
            Options {
                maximum_removal_delta: 0.25,
                ..members_options()
            },
            "cannot delete 3 memberships or 0.600 of org (exceeds limit of 0.250",
        ),
        (
            "a team member who is not in the org",
            "    admins: [bot, amy]\n    teams:\n      devs:\n        members: [zed]\n",
            state(&["bot", "amy"], &[]),
            members_options(),
            "all team members/maintainers must also be org members: zed",
        ),
        (
            "a team name reused as another's previous name",
            "    admins: [bot, amy]\n    teams:\n      duplicate: {}\n      other:\n        previously: [duplicate]\n",
            state(&["bot", "amy"], &[]),
            members_options(),
            "1 duplicated names: duplicate",
        ),
        (
            "someone in both roles",
            "    admins: [bot, amy]\n    members: [Amy]\n",
            state(&["bot", "amy"], &[]),
            members_options(),
            "users in both roles: amy",
        ),
    ];
    for (name, yaml, have, options, expected) in cases {
        let error = plan("org", &org(yaml), &have, &options).expect_err(name);
        assert!(
            error.to_string().contains(expected),
            "{name}: {error} lacks {expected:?}"
        );
    }
}

#[test]
fn org_members_are_added_promoted_demoted_and_removed() {
    let want = org(
        "    admins: [bot, new-admin, Promoted]\n    members: [keep, demoted, new-member, invited]\n",
    );
    let mut have = state(
        &["bot", "demoted", "drop-admin"],
        &["keep", "promoted", "drop-member"],
    );
    have.invitees = logins(&["invited", "stale-invite"]);
    let plan = plan("org", &want, &have, &members_options()).expect("within the rails");
    assert_eq!(
        shown(&plan),
        [
            "make demoted an org member",
            "make new-member an org member",
            "make new-admin an org admin",
            "make promoted an org admin",
            "remove drop-admin from the org",
            "remove drop-member from the org",
            "remove stale-invite from the org",
        ]
    );
    assert_eq!(plan.waiting, ["invited"]);
    let same = plan_for("    admins: [Bot, AMY]\n", state(&["bot", "amy"], &[]));
    assert!(
        same.changes.is_empty(),
        "logins compare ignoring case: {same:?}"
    );
}

fn plan_for(yaml: &str, have: OrgState) -> Plan {
    plan("org", &org(yaml), &have, &members_options()).expect("within the rails")
}

fn teams_options() -> Options {
    Options {
        fix_teams: true,
        fix_team_members: true,
        fix_team_repos: true,
        maximum_removal_delta: 1.0,
        ..Options::default()
    }
}

#[test]
fn teams_are_matched_created_renamed_nested_and_deleted() {
    let want = org(
        "    teams:\n      current:\n        description: same\n      updated:\n        previously: [deprecated]\n        privacy: secret\n      parent:\n        teams:\n          child:\n            maintainers: [amy]\n          brand-new: {}\n",
    );
    let mut current = team(1, "current", "closed", None);
    current.info.description = "same".into();
    let have = OrgState {
        teams: vec![
            current,
            team(5, "deprecated", "closed", None),
            team(6, "parent", "secret", None),
            team(7, "child", "closed", Some(1)),
            team(8, "unused", "closed", None),
        ],
        ..OrgState::default()
    };
    let plan = plan("org", &want, &have, &teams_options()).expect("within the rails");
    assert_eq!(
        shown(&plan),
        [
            "edit team parent: privacy closed",
            "create team brand-new (closed) under parent",
            "edit team child: parent parent",
            "make amy a maintainer of team child",
            "edit team deprecated: name \"updated\" privacy secret",
            "delete team unused",
        ]
    );
}

#[test]
fn team_deletions_beyond_the_delta_and_secret_teams() {
    let have = OrgState {
        teams: vec![
            team(1, "kept", "closed", None),
            team(2, "gone", "closed", None),
            team(3, "hidden", "secret", None),
        ],
        ..OrgState::default()
    };
    let want = org("    teams:\n      kept: {}\n");
    let refused = plan(
        "org",
        &want,
        &have,
        &Options {
            maximum_removal_delta: 0.5,
            ..teams_options()
        },
    )
    .expect_err("two of three teams would go");
    assert!(
        refused
            .to_string()
            .contains("cannot delete 2 teams or 0.667"),
        "{refused}"
    );
    let ignoring = plan(
        "org",
        &want,
        &have,
        &Options {
            maximum_removal_delta: 0.5,
            ignore_secret_teams: true,
            ..teams_options()
        },
    )
    .expect("one of two visible teams goes");
    assert_eq!(shown(&ignoring), ["delete team gone"]);
}

#[test]
fn team_members_and_repositories_converge() {
    let mut devs = team(1, "devs", "closed", None);
    devs.maintainers = logins(&["lead", "demoted"]);
    devs.members = logins(&["keep", "gone"]);
    devs.invitees = logins(&["invited"]);
    devs.repos = [
        ("same".to_string(), Permission::Write),
        ("downgrade".to_string(), Permission::Admin),
        ("omitted".to_string(), Permission::Read),
        ("revoked".to_string(), Permission::Read),
    ]
    .into();
    let have = OrgState {
        teams: vec![devs],
        ..OrgState::default()
    };
    let want = org(
        "    teams:\n      devs:\n        maintainers: [lead]\n        members: [keep, demoted, invited, new]\n        repos:\n          same: write\n          downgrade: read\n          added: maintain\n          revoked: none\n",
    );
    let plan = plan("org", &want, &have, &teams_options()).expect("within the rails");
    assert_eq!(
        shown(&plan),
        [
            "make demoted a member of team devs",
            "make new a member of team devs",
            "remove gone from team devs",
            "give team devs maintain on added",
            "give team devs read on downgrade",
            "remove team devs's access to revoked",
            "remove team devs's access to omitted",
        ]
    );
    assert_eq!(plan.waiting, ["invited"]);
}

fn repo(name: &str) -> RepoSettings {
    RepoSettings {
        name: name.into(),
        visibility: "public".into(),
        has_issues: true,
        has_wiki: true,
        allow_squash_merge: true,
        allow_merge_commit: true,
        allow_rebase_merge: true,
        default_branch: "main".into(),
        ..RepoSettings::default()
    }
}

#[test]
fn repositories_are_created_renamed_and_edited_within_the_flags() {
    let repos_options = Options {
        fix_repos: true,
        ..Options::default()
    };
    let mut archived = repo("archived");
    archived.archived = true;
    let mut secret = repo("secret");
    secret.visibility = "private".into();
    let have = OrgState {
        repos: vec![
            repo("OLD-name"),
            repo("camelcase"),
            archived,
            secret,
            repo("live"),
        ],
        ..OrgState::default()
    };
    let want = org(
        "    repos:\n      new-repo:\n        description: fresh\n        private: true\n      renamed:\n        previously: [old-name]\n      CamelCase: {}\n      archived:\n        archived: true\n        description: ignored\n      secret:\n        visibility: public\n        description: published\n      live:\n        archived: true\n        has_wiki: false\n      ghost:\n        archived: true\n",
    );
    let plan = plan("org", &want, &have, &repos_options).expect("consistent names");
    let expected = [
        "edit repository camelcase: name: CamelCase",
        "edit repository live: has_wiki: false",
        "create repository name: new-repo, description: fresh, visibility: private",
        "edit repository OLD-name: name: renamed",
        "edit repository secret: description: published",
    ];
    assert_eq!(shown(&plan), expected);
    assert_eq!(
        plan.refused,
        [
            "nonexistent repo configured as archived: ghost",
            "repository live: archiving needs --allow-repo-archival",
            "repository secret: making it public needs --allow-repo-publish",
        ]
    );
    let allowed = super::plan(
        "org",
        &want,
        &have,
        &Options {
            allow_repo_archival: true,
            allow_repo_publish: true,
            ..repos_options.clone()
        },
    )
    .expect("consistent names");
    assert!(
        shown(&allowed)
            .contains(&"edit repository live: has_wiki: false, archived: true".to_string()),
        "{:?}",
        shown(&allowed)
    );
    let clash = super::plan(
        "org",
        &org("    repos:\n      repo: {}\n      REPO: {}\n"),
        &have,
        &repos_options,
    )
    .expect_err("GitHub's names ignore case");
    assert!(
        clash.to_string().contains("found duplicate repo names"),
        "{clash}"
    );
}

#[test]
fn org_settings_change_only_where_they_differ() {
    let have = OrgState {
        metadata: OrgMetadata {
            name: Some("Org".into()),
            description: Some("old".into()),
            default_repository_permission: Some("read".into()),
            ..OrgMetadata::default()
        },
        ..OrgState::default()
    };
    let options = Options {
        fix_org: true,
        ..Options::default()
    };
    let same = plan(
        "org",
        &org("    name: Org\n    default_repository_permission: read\n"),
        &have,
        &options,
    )
    .expect("no rails for settings");
    assert!(same.changes.is_empty(), "{same:?}");
    let changed = plan(
        "org",
        &org("    name: Org\n    description: new\n    has_organization_projects: false\n"),
        &have,
        &options,
    )
    .expect("no rails for settings");
    assert_eq!(
        shown(&changed),
        ["edit org settings: description: new, has_organization_projects: false"]
    );
}

#[test]
fn bad_values_in_the_file_are_located() {
    let source = prow_config::Source::new(
        "org.yaml",
        "orgs:\n  org:\n    teams:\n      devs:\n        privacy: public\n",
    );
    let problems =
        prow_config::read_document::<FullConfig>(&source, prow_config::LoadOptions::default())
            .expect_err("privacy is closed or secret");
    let shown = problems[0].to_string();
    assert!(shown.starts_with("org.yaml:5:"), "{shown}");
    assert!(shown.contains("public"), "{shown}");
}
