//! `prow peribolos` and `prow branchprotector` against the GitHub stand-in over HTTP: a dry run
//! writes nothing, `--confirm` converges, a second run makes no write (counted from the
//! stand-in's call log), and `--dump` of the converged org reads back as its configuration.

use clap::Parser;
use github_standin::{BranchProtection, GitHubStandIn, RequiredStatusChecks, World};
use prow::orgadmin::{BranchprotectorArgs, PeribolosArgs, Summary};
use prow_orgadmin::peribolos::config::{OrgConfig, TeamConfig};
use std::collections::BTreeMap;

#[derive(Parser)]
struct Peribolos {
    #[command(flatten)]
    args: PeribolosArgs,
}

#[derive(Parser)]
struct Branchprotector {
    #[command(flatten)]
    args: BranchprotectorArgs,
}

/// Calls that change something, from the stand-in's log.
fn writes(standin: &GitHubStandIn) -> Vec<String> {
    standin
        .world()
        .calls
        .iter()
        .filter(|c| c.method != "GET" && c.status < 400)
        .map(|c| format!("{} {}", c.method, c.uri))
        .collect()
}

const ORG: &str = "orgs:
  acme:
    name: Acme
    billing_email: billing@acme.example
    company: Acme Corp
    email: hello@acme.example
    description: We make widgets
    location: Earth
    has_organization_projects: true
    has_repository_projects: true
    default_repository_permission: read
    members_can_create_repositories: false
    admins: [prow-bot, alice, bob]
    members: [carol, dave, frank]
    teams:
      devs:
        description: Developers
        privacy: closed
        maintainers: [alice]
        members: [carol]
        repos:
          widgets: write
        teams:
          frontend:
            description: The front end
            privacy: closed
            members: [dave]
    repos:
      widgets:
        description: The widgets
        has_projects: true
        has_wiki: false
        default_branch: main
      gadgets:
        description: Brand new
        has_projects: true
        default_branch: main
";

fn world() -> World {
    let mut world = World::new("prow-bot");
    world
        .add_org_admins("acme", &["prow-bot", "alice"])
        .add_org("acme", &["bob", "carol", "dave", "zed"])
        .add_repo("acme/widgets")
        .add_team("acme", "devs", &["zed", "carol"])
        .add_team("acme", "old-team", &[]);
    world.add_user("frank");
    world.outbox.clear();
    world
}

async fn peribolos(
    standin: &GitHubStandIn,
    dir: &std::path::Path,
    extra: &[&str],
) -> (Summary, String) {
    let token = dir.join("token");
    std::fs::write(&token, "ghp_admin").unwrap();
    let config = dir.join("org.yaml");
    std::fs::write(&config, ORG).unwrap();
    let mut argv = vec![
        "peribolos".to_string(),
        format!("--github-endpoint={}", standin.url()),
        format!("--github-token-path={}", token.display()),
    ];
    if !extra.iter().any(|a| a.starts_with("--dump")) {
        argv.push(format!("--config-path={}", config.display()));
    }
    argv.extend(extra.iter().map(ToString::to_string));
    let parsed = Peribolos::try_parse_from(argv).unwrap();
    let mut out = Vec::new();
    let summary = prow::orgadmin::peribolos(&parsed.args, &mut out)
        .await
        .unwrap();
    (summary, String::from_utf8(out).unwrap())
}

const FIX_ALL: &[&str] = &[
    "--fix-org",
    "--fix-org-members",
    "--fix-teams",
    "--fix-team-members",
    "--fix-team-repos",
    "--fix-repos",
    "--min-admins=3",
    "--maximum-removal-delta=0.5",
];

fn sorted(mut org: OrgConfig) -> OrgConfig {
    /// Sorts the people of each team and of the teams under it.
    fn sort_teams(teams: &mut BTreeMap<String, TeamConfig>) {
        for team in teams.values_mut() {
            team.members.sort();
            team.maintainers.sort();
            sort_teams(&mut team.teams);
        }
    }
    org.admins.sort();
    org.members.sort();
    sort_teams(&mut org.teams);
    org
}

#[tokio::test]
async fn peribolos_plans_converges_and_dumps_what_it_read() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    let (dry, plan) = peribolos(&standin, dir.path(), FIX_ALL).await;
    assert!(dry.changes > 10, "{plan}");
    assert_eq!(dry.problems, 0, "{plan}");
    assert!(plan.contains("acme: remove zed from the org"), "{plan}");
    assert!(plan.contains("acme: delete team old-team"), "{plan}");
    assert!(
        plan.contains("acme: create team frontend (closed) under devs"),
        "{plan}"
    );
    assert_eq!(
        writes(&standin),
        Vec::<String>::new(),
        "a dry run writes nothing"
    );

    let (applied, log) = peribolos(&standin, dir.path(), &[FIX_ALL, &["--confirm"]].concat()).await;
    assert_eq!(applied.problems, 0, "{log}");
    assert_eq!(applied.changes, dry.changes, "{log}");
    {
        let world = standin.world();
        let acme = &world.orgs["acme"];
        assert!(!acme.members.contains("zed"));
        assert!(acme.admins.contains("bob"));
        assert!(!acme.teams.contains_key("old-team"));
        assert_eq!(
            acme.teams["frontend"].members.iter().collect::<Vec<_>>(),
            ["dave"]
        );
        assert!(world.repos.contains_key("acme/gadgets"));
    }

    let before = writes(&standin).len();
    let (again, log) = peribolos(&standin, dir.path(), &[FIX_ALL, &["--confirm"]].concat()).await;
    assert_eq!((again.changes, again.problems), (0, 0), "{log}");
    assert_eq!(
        writes(&standin).len(),
        before,
        "a converged org needs no write"
    );

    let (_, dumped) = peribolos(&standin, dir.path(), &["--dump=acme"]).await;
    let dumped: OrgConfig = serde_saphyr::from_str(&dumped).unwrap();
    let source = prow_config::Source::new("org.yaml", ORG);
    let input = prow_config::read_document::<prow_orgadmin::peribolos::config::FullConfig>(
        &source,
        prow_config::LoadOptions { strict: true },
    )
    .unwrap();
    assert_eq!(sorted(dumped), sorted(input.value.orgs["acme"].clone()));
}

#[tokio::test]
async fn peribolos_safety_rails_refuse_before_any_write() {
    let standin = GitHubStandIn::start(world()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "ghp_admin").unwrap();
    let config = dir.path().join("org.yaml");
    std::fs::write(&config, ORG).unwrap();
    let parsed = Peribolos::try_parse_from([
        "peribolos".to_string(),
        format!("--github-endpoint={}", standin.url()),
        format!("--github-token-path={}", token.display()),
        format!("--config-path={}", config.display()),
        "--fix-org-members".into(),
        "--confirm".into(),
    ])
    .unwrap();
    let error = prow::orgadmin::peribolos(&parsed.args, &mut Vec::new())
        .await
        .expect_err("3 admins are fewer than --min-admins' default 5");
    assert!(
        error
            .to_string()
            .contains("must specify at least 5 admins, only found 3"),
        "{error}"
    );
    assert_eq!(writes(&standin), Vec::<String>::new());
    let flags =
        Peribolos::try_parse_from(["peribolos", "--fix-team-members", "--dump=acme"]).unwrap();
    assert_eq!(
        flags.args.validate().map_err(|e| e.to_string()),
        Err("--fix-team-members requires --fix-teams".into())
    );
}

const PROTECTION: &str = "branch-protection:
  allow_disabled_policies: true
  orgs:
    acme:
      protect: true
      required_status_checks:
        contexts: [cla]
      repos:
        widgets:
          enforce_admins: true
          branches:
            release:
              protect: false
";

const JOBS: &str = "presubmits:
  acme/widgets:
  - name: unit
    always_run: true
    branches: [main]
    spec: {containers: [{image: alpine}]}
  - name: docs
    run_if_changed: '^docs/'
    spec: {containers: [{image: alpine}]}
";

async fn branchprotector(
    standin: &GitHubStandIn,
    dir: &std::path::Path,
    confirm: bool,
) -> (Summary, String) {
    let token = dir.join("token");
    std::fs::write(&token, "ghp_admin").unwrap();
    std::fs::write(dir.join("config.yaml"), PROTECTION).unwrap();
    std::fs::write(dir.join("jobs.yaml"), JOBS).unwrap();
    let mut argv = vec![
        "branchprotector".to_string(),
        format!("--github-endpoint={}", standin.url()),
        format!("--github-token-path={}", token.display()),
        format!("--config-path={}", dir.join("config.yaml").display()),
        format!("--job-config-path={}", dir.join("jobs.yaml").display()),
    ];
    if confirm {
        argv.push("--confirm".into());
    }
    let parsed = Branchprotector::try_parse_from(argv).unwrap();
    let mut out = Vec::new();
    let summary = prow::orgadmin::branchprotector(&parsed.args, &mut out)
        .await
        .unwrap();
    (summary, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn branchprotector_protects_only_where_github_differs() {
    let mut world = World::new("prow-bot");
    world
        .add_org_admins("acme", &["prow-bot"])
        .add_repo("acme/widgets")
        .add_repo("acme/gadgets")
        .add_repo("acme/attic");
    world.push("acme/widgets", "release", "Release", &[]);
    world.protect_branch(
        "acme/widgets",
        "release",
        BranchProtection {
            required_status_checks: Some(RequiredStatusChecks {
                strict: false,
                contexts: vec!["old".into()],
            }),
            ..BranchProtection::default()
        },
    );
    world.repos.get_mut("acme/attic").unwrap().settings.archived = true;
    world.outbox.clear();
    let standin = GitHubStandIn::start(world).await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    let (dry, plan) = branchprotector(&standin, dir.path(), false).await;
    assert_eq!(
        plan.lines()
            .filter(|l| !l.starts_with("branchprotector:"))
            .collect::<Vec<_>>(),
        [
            "protect acme/gadgets=main: required contexts [cla]",
            "protect acme/widgets=main: required contexts [cla, unit]; enforce admins",
            "remove protection from acme/widgets=release",
        ],
        "the conditional job is not required; the archived repository is skipped"
    );
    assert_eq!(dry.problems, 0);
    assert_eq!(
        writes(&standin),
        Vec::<String>::new(),
        "a dry run writes nothing"
    );

    let (applied, log) = branchprotector(&standin, dir.path(), true).await;
    assert_eq!((applied.changes, applied.problems), (3, 0), "{log}");
    {
        let world = standin.world();
        let main = world
            .branch_protection("acme/widgets", "main")
            .expect("protected");
        assert!(main.enforce_admins);
        let mut contexts = main
            .required_status_checks
            .as_ref()
            .unwrap()
            .contexts
            .clone();
        contexts.sort();
        assert_eq!(contexts, ["cla", "unit"]);
        assert!(world.branch_protection("acme/widgets", "release").is_none());
        assert!(world.branch_protection("acme/attic", "main").is_none());
    }

    let before = writes(&standin).len();
    let (again, log) = branchprotector(&standin, dir.path(), true).await;
    assert_eq!((again.changes, again.problems), (0, 0), "{log}");
    assert!(
        log.contains("0 branches changed, 2 already as configured"),
        "{log}"
    );
    assert_eq!(
        writes(&standin).len(),
        before,
        "a second run writes nothing"
    );
}
