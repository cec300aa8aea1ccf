//! The org administration port (peribolos, branchprotector) through the octocrab adapter
//! against the GitHub stand-in: each method's effect on the stand-in's state, invitations that
//! wait to be accepted, branch protection round trips, and dry runs that send no change.

use github_standin::{GitHubStandIn, World};
use prow_github_octocrab::{BudgetPolicy, Credentials, GitHubOptions, OctocrabGitHub};
use prow_metrics::Metrics;
use prow_ports::clock::SystemClock;
use prow_ports::github::{Permission, RepoRef};
use prow_ports::github_admin::{
    BranchInfo, BranchProtectionSettings, GitHubOrgAdmin, MembershipState, NewTeam, OrgMetadata,
    OrgRole, PeopleAndTeams, PushRestrictions, RepoEdit, RequiredChecks, RequiredReviews, TeamEdit,
    TeamRole,
};

/// `acme` with an admin (alice), a member (bob), people who are not members yet, a team and
/// two repositories.
fn world() -> World {
    let mut world = World::new("prow-bot");
    world
        .add_org("acme", &["bob"])
        .add_org_admins("acme", &["alice"])
        .add_user("carol")
        .add_user("dave")
        .add_user("erin")
        .add_repo("acme/widgets")
        .add_repo("acme/gadgets")
        .add_team("acme", "leads", &["alice"]);
    world
}

fn client(standin: &GitHubStandIn, dry_run: bool) -> OctocrabGitHub {
    let options = GitHubOptions::new(
        &standin.url(),
        Credentials::Token("ghp_test".into()),
        "peribolos",
        SystemClock::shared(),
    );
    OctocrabGitHub::new(
        GitHubOptions {
            dry_run,
            // Many changes in a row: no pacing for GitHub's content-creation limit.
            budget: BudgetPolicy {
                write_burst: 1000,
                ..BudgetPolicy::default()
            },
            ..options
        },
        &Metrics::new("test"),
    )
    .unwrap()
}

async fn members(github: &OctocrabGitHub, role: OrgRole) -> Vec<String> {
    github.org_members("acme", role).await.unwrap()
}

async fn invitations(github: &OctocrabGitHub) -> Vec<String> {
    github.org_invitations("acme").await.unwrap()
}

#[tokio::test]
async fn org_profile_and_memberships_with_invitations() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let github = client(&standin, false);
    let is_member = |login: &str| standin.world().orgs["acme"].members.contains(login);
    let set_role =
        |login: &'static str, role: OrgRole| github.set_org_membership("acme", login, role);

    assert_eq!(github.login().await.unwrap(), "prow-bot");
    assert_eq!(members(&github, OrgRole::Admin).await, ["alice"]);
    assert_eq!(members(&github, OrgRole::Member).await, ["bob"]);

    let change = OrgMetadata {
        name: Some("Acme Corp".into()),
        description: Some("Makes things".into()),
        default_repository_permission: Some("none".into()),
        members_can_create_repositories: Some(false),
        ..OrgMetadata::default()
    };
    github.edit_org("acme", &change).await.unwrap();
    let metadata = github.org_metadata("acme").await.unwrap();
    assert_eq!(metadata.name.as_deref(), Some("Acme Corp"));
    assert_eq!(metadata.description.as_deref(), Some("Makes things"));
    assert_eq!(
        metadata.default_repository_permission.as_deref(),
        Some("none")
    );
    assert_eq!(metadata.members_can_create_repositories, Some(false));
    assert_eq!(metadata.has_organization_projects, Some(true));
    assert_eq!(metadata.company, None);

    // Someone who is not a member is invited, and is one once they accept.
    standin.world().auto_accept_invitations = false;
    let state = set_role("carol", OrgRole::Member).await.unwrap();
    assert_eq!(state, MembershipState::Pending);
    assert_eq!(invitations(&github).await, ["carol"]);
    assert!(!is_member("carol"));
    assert!(standin.world().accept_invitation("acme", "carol"));
    assert!(invitations(&github).await.is_empty());
    assert_eq!(members(&github, OrgRole::Member).await, ["bob", "carol"]);

    // A member's role changes at once.
    let state = set_role("bob", OrgRole::Admin).await.unwrap();
    assert_eq!(state, MembershipState::Active);
    assert!(standin.world().orgs["acme"].admins.contains("bob"));

    // A pending invitation is cancelled by removing the membership.
    set_role("erin", OrgRole::Admin).await.unwrap();
    github.remove_org_membership("acme", "erin").await.unwrap();
    assert!(standin.world().orgs["acme"].invitations.is_empty());

    standin.world().auto_accept_invitations = true;
    let state = set_role("dave", OrgRole::Member).await.unwrap();
    assert_eq!(state, MembershipState::Active);
    assert!(is_member("dave"));
    github.remove_org_membership("acme", "dave").await.unwrap();
    assert!(!is_member("dave"));

    let missing = set_role("nobody", OrgRole::Member).await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
}

#[tokio::test]
async fn teams_are_created_nested_renamed_staffed_given_repos_and_deleted() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let github = client(&standin, false);
    let core_team = |standin: &GitHubStandIn| {
        standin.world().orgs["acme"]
            .teams
            .get("core-maintainers")
            .cloned()
    };

    let core = NewTeam {
        name: "Core Maintainers".into(),
        description: Some("Keeps it running".into()),
        privacy: Some("closed".into()),
        parent_team_id: None,
    };
    let core = github.create_team("acme", &core).await.unwrap();
    assert_eq!(core.slug, "core-maintainers");
    assert!(core.id > 0);
    assert_eq!(
        (core.description.as_str(), core.privacy.as_str()),
        ("Keeps it running", "closed")
    );
    let child = NewTeam {
        name: "Sub Team".into(),
        parent_team_id: Some(core.id),
        ..NewTeam::default()
    };
    let child = github.create_team("acme", &child).await.unwrap();
    assert_eq!(child.parent, Some(core.id));
    let teams = GitHubOrgAdmin::teams(&github, "acme").await.unwrap();
    let slugs: Vec<(&str, Option<u64>)> =
        teams.iter().map(|t| (t.slug.as_str(), t.parent)).collect();
    assert_eq!(
        slugs,
        [
            ("core-maintainers", None),
            ("leads", None),
            ("sub-team", Some(core.id))
        ]
    );

    // Renaming changes the slug; `parent_team_id: null` makes it a top-level team.
    let change = TeamEdit {
        name: "Reviewers".into(),
        description: Some("Review".into()),
        privacy: None,
        parent_team_id: Some(None),
    };
    let renamed = github.edit_team("acme", "sub-team", &change).await.unwrap();
    assert_eq!((renamed.slug.as_str(), renamed.parent), ("reviewers", None));
    {
        let world = standin.world();
        let teams = &world.orgs["acme"].teams;
        assert!(!teams.contains_key("sub-team"));
        assert_eq!(teams["reviewers"].id, child.id);
        assert_eq!(teams["reviewers"].description.as_deref(), Some("Review"));
        assert_eq!(teams["reviewers"].parent, None);
    }

    // Members: members of the org join at once; others wait on their invitation.
    let slug = "core-maintainers";
    let join =
        |login: &'static str, role: TeamRole| github.set_team_membership("acme", slug, login, role);
    for (login, role) in [("alice", TeamRole::Maintainer), ("bob", TeamRole::Member)] {
        assert_eq!(join(login, role).await.unwrap(), MembershipState::Active);
    }
    standin.world().auto_accept_invitations = false;
    assert_eq!(
        join("carol", TeamRole::Member).await.unwrap(),
        MembershipState::Pending
    );
    assert_eq!(
        github.team_invitations("acme", slug).await.unwrap(),
        ["carol"]
    );
    assert_eq!(github.org_invitations("acme").await.unwrap(), ["carol"]);
    assert!(standin.world().accept_invitation("acme", "carol"));
    for (role, expected) in [
        (TeamRole::Maintainer, &["alice"][..]),
        (TeamRole::Member, &["bob", "carol"]),
    ] {
        let listed = github.team_members_with_role("acme", slug, role).await;
        assert_eq!(listed.unwrap(), expected, "{role:?}");
    }
    github
        .remove_team_membership("acme", slug, "bob")
        .await
        .unwrap();
    assert!(!core_team(&standin).unwrap().members.contains("bob"));

    // Repositories.
    for (repo, permission) in [
        ("widgets", Permission::Write),
        ("gadgets", Permission::Admin),
    ] {
        github
            .set_team_repo("acme", slug, repo, permission)
            .await
            .unwrap();
    }
    assert_eq!(
        github.team_repos("acme", slug).await.unwrap(),
        [
            ("gadgets".to_string(), Permission::Admin),
            ("widgets".to_string(), Permission::Write)
        ]
    );
    github
        .remove_team_repo("acme", slug, "gadgets")
        .await
        .unwrap();
    let repos = core_team(&standin).unwrap().repos;
    assert_eq!(repos.keys().collect::<Vec<_>>(), ["widgets"]);

    github.delete_team("acme", slug).await.unwrap();
    assert!(core_team(&standin).is_none());
}

#[tokio::test]
async fn repositories_are_listed_created_edited_and_renamed() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let github = client(&standin, false);

    let repos = github.org_repos("acme").await.unwrap();
    let names: Vec<&str> = repos.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["gadgets", "widgets"]);
    let widgets = &repos[1];
    assert_eq!(widgets.visibility, "public");
    assert!(widgets.has_issues && widgets.has_wiki && widgets.allow_squash_merge);
    assert_eq!(widgets.default_branch, "main");

    github
        .create_repo(
            "acme",
            &RepoEdit {
                name: Some("gizmos".into()),
                description: Some("Small things".into()),
                visibility: Some("private".into()),
                has_wiki: Some(false),
                ..RepoEdit::default()
            },
        )
        .await
        .unwrap();
    {
        let world = standin.world();
        let gizmos = world.repo("acme/gizmos").unwrap();
        assert!(gizmos.private && !gizmos.settings.has_wiki);
        assert_eq!(gizmos.settings.description.as_deref(), Some("Small things"));
    }

    github
        .edit_repo(
            &RepoRef::new("acme", "gizmos"),
            &RepoEdit {
                name: Some("doohickeys".into()),
                homepage: Some("https://example.com".into()),
                allow_merge_commit: Some(false),
                archived: Some(true),
                ..RepoEdit::default()
            },
        )
        .await
        .unwrap();
    assert!(standin.world().repo("acme/gizmos").is_none());
    let settings = github
        .repo_settings(&RepoRef::new("acme", "doohickeys"))
        .await
        .unwrap();
    assert_eq!(settings.name, "doohickeys");
    assert_eq!(settings.visibility, "private");
    assert_eq!(settings.homepage.as_deref(), Some("https://example.com"));
    assert!(settings.archived && !settings.allow_merge_commit && settings.allow_rebase_merge);
}

fn sorted(mut list: Vec<String>) -> Vec<String> {
    list.sort();
    list
}

fn strings(items: &[&str]) -> Vec<String> {
    sorted(items.iter().map(|s| s.to_string()).collect())
}

/// The protection of acme/widgets' `release/1.0` as the adapter reads it back.
async fn release_protection(github: &OctocrabGitHub) -> Option<BranchProtectionSettings> {
    let widgets = RepoRef::new("acme", "widgets");
    github
        .branch_protection(&widgets, "release/1.0")
        .await
        .unwrap()
}

/// Whether the stand-in requires signed commits on acme/widgets' `release/1.0` (`None`: not
/// protected).
fn release_signed(standin: &GitHubStandIn) -> Option<bool> {
    let world = standin.world();
    let protection = world.branch_protection("acme/widgets", "release/1.0");
    protection.map(|p| p.required_signatures)
}

#[tokio::test]
async fn branch_protection_round_trips() {
    let mut seeded = world();
    seeded.push("acme/widgets", "release/1.0", "Release", &[]);
    let standin = GitHubStandIn::start(seeded).await.unwrap();
    let github = client(&standin, false);
    let widgets = RepoRef::new("acme", "widgets");
    let protect = |settings| github.update_branch_protection(&widgets, "release/1.0", settings);

    let branch = |name: &str, protected| BranchInfo {
        name: name.into(),
        protected,
    };
    assert_eq!(
        github.branches(&widgets).await.unwrap(),
        [branch("main", false), branch("release/1.0", false)]
    );
    assert_eq!(
        github.branch_protection(&widgets, "main").await.unwrap(),
        None
    );

    let settings = BranchProtectionSettings {
        required_status_checks: Some(RequiredChecks {
            strict: true,
            contexts: strings(&["unit", "build", "lint"]),
        }),
        enforce_admins: true,
        required_pull_request_reviews: Some(RequiredReviews {
            dismissal_restrictions: Some(PeopleAndTeams {
                users: strings(&["bob", "alice"]),
                teams: strings(&["leads"]),
            }),
            dismiss_stale_reviews: true,
            require_code_owner_reviews: true,
            required_approving_review_count: 2,
            bypass_pull_request_allowances: Some(PeopleAndTeams {
                users: strings(&["alice"]),
                teams: vec![],
            }),
        }),
        restrictions: Some(PushRestrictions {
            apps: Some(strings(&["ci-bot"])),
            users: strings(&["alice"]),
            teams: strings(&["leads"]),
        }),
        required_linear_history: true,
        allow_force_pushes: false,
        allow_deletions: true,
        required_signatures: Some(true),
    };
    protect(&settings).await.unwrap();
    assert_eq!(release_protection(&github).await, Some(settings.clone()));
    assert_eq!(release_signed(&standin), Some(true));
    assert_eq!(
        github.branches(&widgets).await.unwrap(),
        [branch("main", false), branch("release/1.0", true)]
    );

    // Less protection: sections turned off, signed commits no longer required; apps not
    // managed are left as they were.
    let lighter = BranchProtectionSettings {
        required_status_checks: None,
        required_pull_request_reviews: Some(RequiredReviews {
            required_approving_review_count: 1,
            ..RequiredReviews::default()
        }),
        restrictions: Some(PushRestrictions {
            apps: None,
            users: vec![],
            teams: strings(&["leads"]),
        }),
        required_signatures: Some(false),
        ..BranchProtectionSettings::default()
    };
    protect(&lighter).await.unwrap();
    assert_eq!(
        release_protection(&github).await.unwrap(),
        BranchProtectionSettings {
            restrictions: Some(PushRestrictions {
                apps: Some(strings(&["ci-bot"])),
                users: vec![],
                teams: strings(&["leads"]),
            }),
            ..lighter.clone()
        }
    );
    // Signed commits not managed: left as they are.
    let unmanaged = BranchProtectionSettings {
        required_signatures: None,
        ..lighter.clone()
    };
    protect(&unmanaged).await.unwrap();
    assert_eq!(release_signed(&standin), Some(false));

    github
        .remove_branch_protection(&widgets, "release/1.0")
        .await
        .unwrap();
    assert_eq!(release_protection(&github).await, None);
    assert_eq!(release_signed(&standin), None);
}

#[tokio::test]
async fn a_dry_run_reads_and_sends_no_change() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let github = client(&standin, true);
    let widgets = RepoRef::new("acme", "widgets");

    // Memberships come out active, teams as they were asked for.
    for joined in [
        github.set_org_membership("acme", "carol", OrgRole::Admin),
        github.set_team_membership("acme", "leads", "bob", TeamRole::Maintainer),
    ] {
        assert_eq!(joined.await.unwrap(), MembershipState::Active);
    }
    let new_team = NewTeam {
        name: "New Team".into(),
        ..NewTeam::default()
    };
    let created = github.create_team("acme", &new_team).await.unwrap();
    assert_eq!((created.id, created.slug.as_str()), (0, "new-team"));
    let rename = TeamEdit {
        name: "Team Leads".into(),
        ..TeamEdit::default()
    };
    let edited = github.edit_team("acme", "leads", &rename).await.unwrap();
    assert_eq!(edited.slug, "team-leads");

    // Every other change succeeds too, and is not sent.
    let renamed_org = OrgMetadata {
        name: Some("Renamed".into()),
        ..OrgMetadata::default()
    };
    let new_repo = RepoEdit {
        name: Some("new".into()),
        ..RepoEdit::default()
    };
    let no_wiki = RepoEdit {
        has_wiki: Some(false),
        ..RepoEdit::default()
    };
    let signed = BranchProtectionSettings {
        required_signatures: Some(true),
        ..BranchProtectionSettings::default()
    };
    let changes = [
        (
            "remove_org_membership",
            github.remove_org_membership("acme", "bob"),
        ),
        ("edit_org", github.edit_org("acme", &renamed_org)),
        (
            "remove_team_membership",
            github.remove_team_membership("acme", "leads", "alice"),
        ),
        (
            "set_team_repo",
            github.set_team_repo("acme", "leads", "widgets", Permission::Admin),
        ),
        (
            "remove_team_repo",
            github.remove_team_repo("acme", "leads", "widgets"),
        ),
        ("delete_team", github.delete_team("acme", "leads")),
        ("create_repo", github.create_repo("acme", &new_repo)),
        ("edit_repo", github.edit_repo(&widgets, &no_wiki)),
        (
            "update_branch_protection",
            github.update_branch_protection(&widgets, "main", &signed),
        ),
        (
            "remove_branch_protection",
            github.remove_branch_protection(&widgets, "main"),
        ),
    ];
    for (name, change) in changes {
        change
            .await
            .unwrap_or_else(|error| panic!("{name}: {error}"));
    }
    // Reads still go to GitHub.
    assert_eq!(members(&github, OrgRole::Member).await, ["bob"]);

    let calls = standin.calls();
    let changes: Vec<_> = calls.iter().filter(|c| c.method != "GET").collect();
    assert!(changes.is_empty(), "{changes:?}");
    assert!(!calls.is_empty());
    let world = standin.world();
    let acme = &world.orgs["acme"];
    assert!(acme.members.contains("bob") && !acme.members.contains("carol"));
    assert!(acme.teams.contains_key("leads") && acme.teams.len() == 1);
    assert_eq!(acme.profile.name, None);
    assert!(world.repo("acme/new").is_none());
    assert!(world.repo("acme/widgets").unwrap().settings.has_wiki);
    assert!(world.branch_protection("acme/widgets", "main").is_none());
}
