use super::*;
use crate::testing::Given;
use std::collections::BTreeSet;

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|i| i.to_string()).collect()
}

/// Upstream's `TestFindApproverOwnersForFile` / `TestLeafApprovers` / `TestApprovers` tree.
fn upstream_tree() -> RepoOwners {
    RepoOwners::from_files(
        [
            ("", "approvers: [alice, bob]\n"),
            ("a/b/c", "approvers: [carl, dave]\n"),
            (
                "a/b/e",
                "filters:\n  '.*\\.md':\n    approvers: [carl, dave]\n  '.*\\.txt':\n    approvers: [elic]\n",
            ),
            ("d", "options: {no_parent_owners: true}\napprovers: [mml]\n"),
            (
                "f",
                "options: {no_parent_owners: true}\nfilters:\n  '.*\\.md':\n    approvers: [carl, dave]\n  '.*\\.txt':\n    approvers: [flex]\n",
            ),
        ],
        Aliases::new(),
    )
}

#[test]
fn approvers_resolve_as_upstreams_examples() {
    let owners = upstream_tree();
    for (file, owners_dir, leaf, all) in [
        (
            "testFile.md",
            "",
            &["alice", "bob"][..],
            &["alice", "bob"][..],
        ),
        (
            "a/b/c/testFile.md",
            "a/b/c",
            &["carl", "dave"],
            &["alice", "bob", "carl", "dave"],
        ),
        (
            "a/b/e/testFile.md",
            "a/b/e",
            &["carl", "dave"],
            &["alice", "bob", "carl", "dave"],
        ),
        (
            "a/b/e/testFile.dat",
            "",
            &["alice", "bob"],
            &["alice", "bob"],
        ),
        ("d/testFile.go", "d", &["mml"], &["mml"]),
        ("f/testFile.txt", "f", &["flex"], &["flex"]),
        (
            "f/testFile.go_to_parent",
            "",
            &["alice", "bob"],
            &["alice", "bob"],
        ),
        (
            "DELETED_DIR/testFile.md",
            "",
            &["alice", "bob"],
            &["alice", "bob"],
        ),
    ] {
        assert_eq!(
            owners.find_approver_owners_for_file(file),
            owners_dir,
            "{file}"
        );
        assert_eq!(owners.leaf_approvers(file), set(leaf), "{file}");
        assert_eq!(owners.approvers(file).set(), set(all), "{file}");
    }
    assert_eq!(owners.top_level_approvers(), set(&["alice", "bob"]));
}

#[test]
fn approvers_are_layered_closest_first() {
    let owners = upstream_tree();
    assert_eq!(
        owners.approvers("a/b/c/x.go").list(),
        ["carl", "dave", "alice", "bob"]
    );
}

#[test]
fn labels_gather_every_matching_filter_at_every_level() {
    let owners = RepoOwners::from_files(
        [
            (
                "re",
                "filters:\n  '.*':\n    labels: [re/all]\n  '\\.go$':\n    labels: [re/go]\n",
            ),
            (
                "re/a",
                "filters:\n  '\\.md$':\n    labels: [re/md-in-a]\n  '\\.go$':\n    labels: [re/go-in-a]\n",
            ),
        ],
        Aliases::new(),
    );
    assert_eq!(
        owners.labels_for_file("re/a/go.go"),
        set(&["re/all", "re/go", "re/go-in-a"])
    );
    assert_eq!(
        owners.labels_for_file("re/a/md.md"),
        set(&["re/all", "re/md-in-a"])
    );
    assert_eq!(owners.labels_for_file("re/b/md.md"), set(&["re/all"]));
}

#[test]
fn aliases_expand_once_and_logins_are_normalized() {
    let (aliases, _) =
        parse::parse_aliases("aliases:\n  team: [Alice, '@Bob']\n  outer: [team, carol]\n");
    let owners = RepoOwners::from_files(
        [("", "approvers: [TEAM, Dave]\nreviewers: [outer]\n")],
        aliases,
    );
    assert_eq!(
        owners.leaf_approvers("x.go"),
        set(&["alice", "bob", "dave"])
    );
    // Not recursive: `team` inside `outer` stays a name.
    assert_eq!(owners.leaf_reviewers("x.go"), set(&["team", "carol"]));
}

#[test]
fn no_parent_owners_stops_only_once_someone_matched() {
    let owners = RepoOwners::from_files(
        [
            ("", "approvers: [root]\n"),
            (
                "p",
                "options: {no_parent_owners: true}\nfilters:\n  '\\.go$':\n    approvers: [gopher]\n",
            ),
        ],
        Aliases::new(),
    );
    assert_eq!(owners.approvers("p/x.go").set(), set(&["gopher"]));
    assert_eq!(owners.approvers("p/x.md").set(), set(&["root"]));
    assert!(owners.is_no_parent_owners("p"));
}

#[test]
fn emeritus_and_unknown_keys_grant_nothing_and_broken_files_are_ignored() {
    let owners = RepoOwners::from_files(
        [
            ("", "approvers: [root]\nemeritus_approvers: [old]\n"),
            ("a", "approvers:\n- 1234\n"),
            ("b", "approvers: [x\n"),
        ],
        Aliases::new(),
    );
    assert_eq!(owners.approvers("a/f").set(), set(&["root"]));
    assert_eq!(owners.approvers("b/f").set(), set(&["root"]));
    assert!(!owners.all_approvers().contains("old"));
}

#[test]
fn markdown_front_matter_owns_its_file_in_md_yaml_repos() {
    let mut owners = RepoOwners::from_files([("", "approvers: [root]\n")], Aliases::new());
    owners.md_yaml = true;
    owners.apply_md_file("docs/guide.md", "---\napprovers: [writer]\n---\n# Guide\n");
    assert_eq!(
        owners.find_approver_owners_for_file("docs/guide.md"),
        "docs/guide.md"
    );
    assert_eq!(owners.leaf_approvers("docs/guide.md"), set(&["writer"]));
    assert_eq!(owners.approvers("docs/guide.md").list(), ["writer", "root"]);
}

#[test]
fn the_denylist_skips_directories_and_everything_below() {
    let config = Config::default();
    let denylist = dir_denylist(&config, "o", "r");
    assert!(denied("vendor/k8s.io/client-go", &denylist));
    assert!(denied("vendor/k8s.io/client-go/deeper", &denylist));
    assert!(!denied("vendor", &denylist));
    assert!(denied("_output/x", &denylist));
    assert!(!denied("", &denylist));
}

const ORG_REPO: (&str, &str) = ("kubernetes", "test-infra");

fn repo() -> RepoRef {
    RepoRef::new(ORG_REPO.0, ORG_REPO.1)
}

#[test]
fn every_file_that_can_apply_is_asked_for_in_one_round() {
    let config = Config::default();
    let asked = repo_owners(
        &config,
        &Facts::new(),
        &repo(),
        "main",
        ["a/b/c.go", "a/d.go", "e.go"],
    )
    .unwrap_err();
    let file = |path: &str| Fact::file(&repo(), "main", path);
    assert_eq!(
        asked,
        NeedFacts(BTreeSet::from([
            file("OWNERS"),
            file("a/OWNERS"),
            file("a/b/OWNERS"),
            file("OWNERS_ALIASES"),
            Fact::Collaborators(repo()),
        ]))
    );
}

#[test]
fn owners_come_from_the_files_and_only_collaborators_approve_or_review() {
    let config = Config::default();
    let facts = Facts::new()
        .file(
            &repo(),
            "main",
            "OWNERS",
            Some("approvers: [Alice, team]\nreviewers: [zed]\nrequired_reviewers: [rita]\n"),
        )
        .file(&repo(), "main", "a/OWNERS", None)
        .file(
            &repo(),
            "main",
            "OWNERS_ALIASES",
            Some("aliases:\n  team: [bob, outsider]\n"),
        )
        .fact(
            Fact::Collaborators(repo()),
            crate::Known::Logins(vec!["alice".into(), "BOB".into(), "zed".into()]),
        );
    let owners = repo_owners(&config, &facts, &repo(), "main", ["a/x.go"]).unwrap();
    assert_eq!(owners.approvers("a/x.go").set(), set(&["alice", "bob"]));
    assert_eq!(owners.reviewers("a/x.go").set(), set(&["zed"]));
    // Required reviewers are not filtered, as upstream.
    assert_eq!(owners.required_reviewers("a/x.go"), set(&["rita"]));
}

#[test]
fn skip_collaborators_reads_no_collaborators() {
    let config = plugins_config("owners:\n  skip_collaborators: [kubernetes]\n");
    let facts = Facts::new()
        .file(&repo(), "main", "OWNERS", Some("approvers: [outsider]\n"))
        .file(&repo(), "main", "OWNERS_ALIASES", None);
    let owners = repo_owners(&config, &facts, &repo(), "main", ["x.go"]).unwrap();
    assert_eq!(owners.top_level_approvers(), set(&["outsider"]));
}

pub(crate) use crate::testing::plugins_config;

/// A configuration with `plugins_yaml` as its plugin config (and `config_yaml` as prow's).
pub(crate) fn load_config(config_yaml: &str, plugins_yaml: &str) -> Config {
    crate::testing::load_config(config_yaml, "", plugins_yaml)
}

#[test]
fn layered_sets_pop_from_the_first_layer_as_go_would() {
    let mut layered = LayeredSet::new();
    layered.insert(0, ["b", "a"]);
    layered.insert(1, ["a", "c"]);
    assert_eq!(layered.list(), ["a", "b", "c"]);
    let mut rng = go_rand::GoRand::new(1);
    let first = layered.pop_random(&mut rng).unwrap();
    assert!(first == "a" || first == "b");
    let second = layered.pop_random(&mut rng).unwrap();
    assert_ne!(first, second);
    assert_eq!(layered.pop_random(&mut rng).as_deref(), Some("c"));
    assert_eq!(layered.pop_random(&mut rng), None);
}
