//! The size plan, table by table.

use super::*;
use crate::testing::{Given, PR, comment_on_pr, plan, plan_with, pull_request_event};
use crate::{Delivery, Known};

const BASE: &str = "basesha0000000000000000000000000000000000";

fn facts(files: &[(&str, u64, u64)], labels: &[&str]) -> Facts {
    Facts::new()
        .file(&PR.repo, BASE, GENERATED_FILES, None)
        .file(&PR.repo, BASE, GITATTRIBUTES, None)
        .changes(&PR, files)
        .labelled(&PR, labels)
}

fn opened() -> Delivery {
    pull_request_event(&PR, "opened", "alice", "alice")
}

#[test]
fn lines_changed_pick_the_bucket_and_stale_size_labels_go() {
    let add = |label: &str| Action::add_label(&PR, label);
    let remove = |label: &str| Action::remove_label(&PR, label);
    for (files, labels, expected) in [
        (&[("a.go", 20, 7)][..], &[][..], vec![add("size/S")]),
        (&[("a.go", 20, 0), ("b.go", 0, 7)], &[], vec![add("size/S")]),
        (&[], &[], vec![add("size/XS")]),
        (&[("a.go", 9, 0)], &[], vec![add("size/XS")]),
        (&[("a.go", 10, 0)], &[], vec![add("size/S")]),
        (&[("a.go", 29, 0)], &[], vec![add("size/S")]),
        (&[("a.go", 30, 0)], &[], vec![add("size/M")]),
        (&[("a.go", 100, 0)], &[], vec![add("size/L")]),
        (&[("a.go", 499, 0)], &[], vec![add("size/L")]),
        (&[("a.go", 500, 0)], &[], vec![add("size/XL")]),
        (&[("a.go", 1000, 0)], &[], vec![add("size/XXL")]),
        (&[("a.go", 3, 0)], &["size/XS", "irrelevant"], vec![]),
        (
            &[("a.go", 40, 0)],
            &["size/XS", "irrelevant", "size/XXL"],
            vec![remove("size/XS"), remove("size/XXL"), add("size/M")],
        ),
        // Exact names: `size/m` is another label and goes; `size/M` is then added.
        (
            &[("a.go", 40, 0)],
            &["size/m"],
            vec![remove("size/m"), add("size/M")],
        ),
        (&[("a.go", 40, 0)], &["sizes/XS"], vec![add("size/M")]),
    ] {
        assert_eq!(
            plan(&Size, &opened(), &facts(files, labels)),
            Ok(expected),
            "{files:?} {labels:?}"
        );
    }
}

#[test]
fn the_diff_actions_are_sized_and_the_others_left_alone() {
    let facts = facts(&[("a.go", 20, 7)], &[]);
    for (action, sized) in [
        ("opened", true),
        ("reopened", true),
        ("synchronize", true),
        ("edited", true),
        ("closed", false),
        ("labeled", false),
        ("ready_for_review", false),
        ("converted_to_draft", false),
    ] {
        let delivery = pull_request_event(&PR, action, "alice", "alice");
        let expected = if sized {
            vec![Action::add_label(&PR, "size/S")]
        } else {
            vec![]
        };
        assert_eq!(plan(&Size, &delivery, &facts), Ok(expected), "{action}");
    }
    let comment = comment_on_pr(&PR, "alice", "/size");
    assert_eq!(plan(&Size, &comment, &Facts::new()), Ok(vec![]));
}

#[test]
fn configured_thresholds_are_lower_bounds_and_zero_takes_the_default() {
    let custom = config("size:\n  s: 5\n  m: 8\n  l: 60\n  xl: 200\n  xxl: 2000\n");
    // Checked in order as written (0s first are fine), then each 0 is upstream's default.
    let zeros = config("size:\n  xxl: 2000\n");
    for (config, lines, label) in [
        (&custom, 4, "size/XS"),
        (&custom, 5, "size/S"),
        (&custom, 8, "size/M"),
        (&custom, 60, "size/L"),
        (&custom, 1999, "size/XL"),
        (&custom, 2000, "size/XXL"),
        (&zeros, 9, "size/XS"),
        (&zeros, 10, "size/S"),
        (&zeros, 999, "size/XL"),
        (&zeros, 1999, "size/XL"),
        (&zeros, 2000, "size/XXL"),
    ] {
        assert_eq!(
            plan_with(&Size, &opened(), &facts(&[("a.go", lines, 0)], &[]), config),
            Ok(vec![Action::add_label(&PR, label)]),
            "{lines}"
        );
    }
}

fn config(plugins_yaml: &str) -> Config {
    crate::testing::plugins_config(plugins_yaml)
}

#[test]
fn generated_files_are_not_counted() {
    let generated = "# generated\n\nfile-name foobar\npath-prefix generated\nfile-prefix zz_\npath api.md\npaths-from-repo docs/.generated_docs\n";
    let docs = "# listed\ndocs/reference.md\n  docs/other.md  \n";
    let facts = Facts::new()
        .file(&PR.repo, BASE, GENERATED_FILES, Some(generated))
        .file(&PR.repo, BASE, GITATTRIBUTES, None)
        .file(&PR.repo, BASE, "docs/.generated_docs", Some(docs))
        .changes(
            &PR,
            &[
                ("foobar", 500, 0),
                ("pkg/foobar", 500, 0),
                ("generated/a.go", 500, 0),
                ("generatedstuff.go", 500, 0),
                ("pkg/zz_generated.deepcopy.go", 500, 0),
                // `path` matches by base name, as upstream.
                ("elsewhere/api.md", 500, 0),
                ("docs/reference.md", 500, 0),
                ("docs/other.md", 500, 0),
                ("pkg/docs/reference.md", 5, 0),
                ("main.go", 7, 0),
            ],
        )
        .labelled(&PR, &[]);
    assert_eq!(
        plan(&Size, &opened(), &facts),
        Ok(vec![Action::add_label(&PR, "size/S")])
    );
}

#[test]
fn the_paths_files_are_asked_for_after_generated_files() {
    let first = [
        Fact::file(&PR.repo, BASE, GENERATED_FILES),
        Fact::file(&PR.repo, BASE, GITATTRIBUTES),
        Fact::ChangedFiles(PR.clone()),
        Fact::Labels(PR.clone()),
    ];
    assert_eq!(
        plan(&Size, &opened(), &Facts::new()),
        Err(NeedFacts(first.into_iter().collect()))
    );
    let facts = Facts::new()
        .file(
            &PR.repo,
            BASE,
            GENERATED_FILES,
            Some("paths-from-repo a.txt\npaths-from-repo b.txt\n"),
        )
        .file(&PR.repo, BASE, GITATTRIBUTES, None)
        .changes(&PR, &[])
        .labelled(&PR, &[]);
    let paths = |path: &str| Fact::file(&PR.repo, BASE, path);
    assert_eq!(
        plan(&Size, &opened(), &facts),
        Err(NeedFacts(
            [paths("a.txt"), paths("b.txt")].into_iter().collect()
        ))
    );
    // A listed file that is not there: upstream errors out, nothing changes.
    let facts = facts
        .file(&PR.repo, BASE, "a.txt", Some("x\n"))
        .file(&PR.repo, BASE, "b.txt", None);
    assert_eq!(plan(&Size, &opened(), &facts), Ok(vec![]));
}

#[test]
fn an_unparsable_generated_files_changes_nothing_unless_nothing_changed() {
    for bad in ["file-name", "name foo", "file-name a b"] {
        let facts = Facts::new()
            .file(&PR.repo, BASE, GENERATED_FILES, Some(bad))
            .file(&PR.repo, BASE, GITATTRIBUTES, None)
            .changes(&PR, &[("a.go", 3, 0)])
            .labelled(&PR, &["size/XXL"]);
        assert_eq!(plan(&Size, &opened(), &facts), Ok(vec![]), "{bad:?}");
        let nothing = facts.with(Fact::ChangedFiles(PR.clone()), Known::Changes(vec![]));
        assert_eq!(
            plan(&Size, &opened(), &nothing),
            Ok(vec![
                Action::remove_label(&PR, "size/XXL"),
                Action::add_label(&PR, "size/XS")
            ]),
            "{bad:?}"
        );
    }
}

#[test]
fn linguist_generated_files_are_not_counted() {
    let attributes = "# attrs\n*.png binary\nfoobar linguist-generated=true\ngenerated/**/*.txt text linguist-generated=true\n/root.go linguist-generated=true\nvendored linguist-generated\nother -linguist-generated\n";
    let facts = Facts::new()
        .file(&PR.repo, BASE, GENERATED_FILES, None)
        .file(&PR.repo, BASE, GITATTRIBUTES, Some(attributes))
        .changes(
            &PR,
            &[
                ("foobar", 500, 0),
                ("a/foobar/b.go", 500, 0),
                ("generated/what.txt", 500, 0),
                ("generated/my/file.txt", 500, 0),
                ("root.go", 500, 0),
                ("pkg/root.go", 5, 0),
                ("vendored", 3, 0),
                ("other", 2, 0),
                ("generated/my/file.go", 10, 0),
            ],
        )
        .labelled(&PR, &[]);
    assert_eq!(
        plan(&Size, &opened(), &facts),
        Ok(vec![Action::add_label(&PR, "size/S")])
    );
    for bad in [
        "!foo linguist-generated=true",
        "dir/ linguist-generated=true",
    ] {
        let facts = facts.clone().file(&PR.repo, BASE, GITATTRIBUTES, Some(bad));
        assert_eq!(plan(&Size, &opened(), &facts), Ok(vec![]), "{bad:?}");
    }
}

#[test]
fn attribute_patterns_match_as_upstreams() {
    for (pattern, path, matches) in [
        ("foobar", "foobar", true),
        ("foobar", "a/foobar", true),
        ("foobar", "foobar/a", true),
        ("*.txt", "a/b/c.txt", true),
        ("*.txt", "a/b/c.go", false),
        ("generated/**/*.txt", "generated/what.txt", true),
        ("generated/**/*.txt", "generated/my/file.txt", true),
        ("generated/**/*.txt", "generated/my/file.go", false),
        ("generated/**/*.txt", "other/my/file.txt", false),
        ("generated/**", "generated/a/b", true),
        ("a/b", "a/b", true),
        ("a/b", "a/b/c", true),
        ("a/b", "x/a/b", false),
        ("/a", "a", true),
        ("/a", "b/a", false),
        ("a/**b/c", "a/xb/c", false),
        ("a/[b-d]", "a/c", true),
        ("a/[^b-d]", "a/c", false),
        ("a/[", "a/[", false),
        ("a/?", "a/é", true),
        ("a\\*", "a*", true),
        ("a\\*", "ab", false),
        ("**/x", "a/b/x", true),
        ("**/x", "a/b/y", false),
    ] {
        let parsed = AttributePattern::parse(pattern);
        assert_eq!(
            parsed.map(|p| p.matches(path)),
            Ok(matches),
            "{pattern:?} {path:?}"
        );
    }
}

#[test]
fn globs_are_gos_filepath_match() {
    for (pattern, name, expected) in [
        ("abc", "abc", Ok(true)),
        ("*", "abc", Ok(true)),
        ("*c", "abc", Ok(true)),
        ("a*", "a", Ok(true)),
        ("a*", "ab/c", Ok(false)),
        ("a*/b", "abc/b", Ok(true)),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
        ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
        ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
        ("ab[c]", "abc", Ok(true)),
        ("ab[b-d]", "abc", Ok(true)),
        ("ab[e-g]", "abc", Ok(false)),
        ("ab[^c]", "abc", Ok(false)),
        ("ab[^b-d]", "abc", Ok(false)),
        ("ab[^e-g]", "abc", Ok(true)),
        ("a\\*b", "a*b", Ok(true)),
        ("a\\*b", "ab", Ok(false)),
        ("a?b", "a☺b", Ok(true)),
        ("a[^a]b", "a☺b", Ok(true)),
        ("a???b", "a☺b", Ok(false)),
        ("[a-ζ]*", "α", Ok(true)),
        ("*[a-ζ]", "A", Ok(false)),
        ("a?b", "a/b", Ok(false)),
        ("a*b", "a/b", Ok(false)),
        ("[\\]a]", "]", Ok(true)),
        ("[\\-]", "-", Ok(true)),
        ("[x\\-]", "x", Ok(true)),
        ("[x\\-]", "z", Ok(false)),
        ("[\\-x]", "a", Ok(false)),
        ("[]a]", "]", Err(BadPattern)),
        ("[-]", "-", Err(BadPattern)),
        ("[x-]", "x", Err(BadPattern)),
        ("[a-b-c]", "a", Err(BadPattern)),
        ("[", "a", Err(BadPattern)),
        ("[^", "a", Err(BadPattern)),
        ("[^bc", "a", Err(BadPattern)),
        ("a[", "a", Err(BadPattern)),
        ("a[", "ab", Err(BadPattern)),
        ("a[", "x", Err(BadPattern)),
        ("a/b[", "x", Err(BadPattern)),
        ("*x", "xxx", Ok(true)),
        ("\\", "a", Err(BadPattern)),
    ] {
        assert_eq!(glob(pattern, name), expected, "{pattern:?} {name:?}");
    }
}

#[test]
fn help_shows_the_thresholds() {
    let help = Size.help(&Config::default(), &[]);
    insta::assert_snapshot!(format!(
        "{}\n\n{}\n\n{}",
        help.description, help.config[""], help.snippet
    ));
}
