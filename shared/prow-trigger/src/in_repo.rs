//! Which in-repo configuration files a pull request's merge would have, without merging: the
//! files at the base branch's head, with those the pull request changes (added, edited, renamed
//! or removed) taken from its head commit. Exact unless the base changed the same file since the
//! pull request branched, where a real merge would conflict.

use prow_config::{Source, in_repo_files, is_in_repo_config_path};
use std::collections::{BTreeMap, BTreeSet};

/// The in-repo configuration paths a pull request touches (a rename's old and new paths), from
/// its changed files as `(path, previous path)`.
pub fn touched_config_paths<'a>(
    changes: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> BTreeSet<String> {
    changes
        .into_iter()
        .flat_map(|(path, previous)| [path, previous])
        .filter(|path| !path.is_empty() && is_in_repo_config_path(path))
        .map(str::to_string)
        .collect()
}

/// The files the merge would hold: `base`'s, with every `touched` path as `head` has it (or
/// gone, when `head` has no such file); then `.prow/`'s YAML files when there are any, else
/// `.prow.yaml`.
pub fn merged_config_files(
    base: &[(String, String)],
    head: &[(String, String)],
    touched: &BTreeSet<String>,
) -> Vec<Source> {
    let mut tree: BTreeMap<&str, &str> = base
        .iter()
        .filter(|(path, _)| !touched.contains(path))
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    for (path, text) in head.iter().filter(|(path, _)| touched.contains(path)) {
        tree.insert(path, text);
    }
    in_repo_files(tree.keys().copied())
        .into_iter()
        .map(|path| Source::new(path, tree.get(path).copied().unwrap_or_default()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    fn shown(sources: &[Source]) -> Vec<(String, String)> {
        sources
            .iter()
            .map(|s| (s.name.to_string(), s.text.clone()))
            .collect()
    }

    #[test]
    fn the_pull_requests_changes_win_over_the_base() {
        let base = files(&[(".prow.yaml", "base"), (".prow/a.yaml", "a-base")]);
        let head = files(&[
            (".prow.yaml", "head"),
            (".prow/a.yaml", "a-old"),
            (".prow/b.yaml", "b"),
        ]);
        type Files = Vec<(&'static str, &'static str)>;
        let cases: Vec<(&str, Files, Files)> = vec![
            (
                "untouched: the base's",
                vec![],
                vec![(".prow/a.yaml", "a-base")],
            ),
            (
                "a new file under .prow",
                vec![(".prow/b.yaml", "")],
                vec![(".prow/a.yaml", "a-base"), (".prow/b.yaml", "b")],
            ),
            (
                "a removed file",
                vec![(".prow/a.yaml", "")],
                vec![(".prow.yaml", "base")],
            ),
        ];
        for (name, changed, expected) in cases {
            let touched = touched_config_paths(changed.iter().copied());
            let head = if name.contains("removed") {
                files(&[(".prow.yaml", "base")])
            } else {
                head.clone()
            };
            let merged = merged_config_files(&base, &head, &touched);
            let expected: Vec<(String, String)> = expected
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect();
            assert_eq!(shown(&merged), expected, "{name}");
        }
        let renamed = touched_config_paths([(".prow/new.yaml", ".prow/a.yaml"), ("README.md", "")]);
        assert_eq!(
            renamed.into_iter().collect::<Vec<_>>(),
            [".prow/a.yaml", ".prow/new.yaml"]
        );
    }
}
