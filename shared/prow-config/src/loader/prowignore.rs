//! `.prowignore` files: gitignore patterns, relative to the directory holding the file.

use std::path::{Path, PathBuf};

pub(crate) struct IgnoreFile {
    dir: PathBuf,
    patterns: Vec<Pattern>,
}

struct Pattern {
    glob: String,
    negated: bool,
    anchored: bool,
    dir_only: bool,
}

impl IgnoreFile {
    pub(crate) fn parse(dir: &Path, text: &str) -> Self {
        let patterns = text
            .lines()
            .map(str::trim_end)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let (negated, line) = match line.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, line),
                };
                let (dir_only, line) = match line.strip_suffix('/') {
                    Some(rest) => (true, rest),
                    None => (false, line),
                };
                let anchored = line.contains('/');
                Pattern {
                    glob: line.trim_start_matches('/').to_string(),
                    negated,
                    anchored,
                    dir_only,
                }
            })
            .collect();
        IgnoreFile {
            dir: dir.to_path_buf(),
            patterns,
        }
    }

    /// Whether `path` (under this file's directory) is excluded; the last matching pattern wins.
    pub(crate) fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        let Ok(relative) = path.strip_prefix(&self.dir) else {
            return false;
        };
        let relative = relative.to_string_lossy();
        let basename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut excluded = false;
        for pattern in &self.patterns {
            if pattern.dir_only && !is_dir {
                continue;
            }
            let subject = if pattern.anchored {
                relative.as_ref()
            } else {
                basename.as_str()
            };
            if glob_matches(&pattern.glob, subject) {
                excluded = !pattern.negated;
            }
        }
        excluded
    }
}

/// `*` and `?` within one path segment, `**` across segments.
fn glob_matches(glob: &str, text: &str) -> bool {
    fn go(g: &[u8], t: &[u8]) -> bool {
        match g.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) if rest.first() == Some(&b'*') => {
                let rest = rest[1..].strip_prefix(b"/").unwrap_or(&rest[1..]);
                (0..=t.len()).any(|i| go(rest, &t[i..]))
            }
            Some((b'*', rest)) => (0..=t.len())
                .take_while(|&i| i == 0 || t[i - 1] != b'/')
                .any(|i| go(rest, &t[i..])),
            Some((b'?', rest)) => t.first().is_some_and(|&c| c != b'/') && go(rest, &t[1..]),
            Some((&c, rest)) => t.first() == Some(&c) && go(rest, &t[1..]),
        }
    }
    go(glob.as_bytes(), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_gitignore() {
        let ignore = IgnoreFile::parse(
            Path::new("/jobs/a"),
            "default.yaml\n/sub/*.yml\n!keep.yaml\n*.yaml\n!keep.yaml\n",
        );
        assert!(ignore.excludes(Path::new("/jobs/a/default.yaml"), false));
        assert!(ignore.excludes(Path::new("/jobs/a/deep/x.yaml"), false));
        assert!(!ignore.excludes(Path::new("/jobs/a/deep/keep.yaml"), false));
        assert!(ignore.excludes(Path::new("/jobs/a/sub/x.yml"), false));
        assert!(!ignore.excludes(Path::new("/jobs/a/other/x.yml"), false));
        assert!(!ignore.excludes(Path::new("/jobs/b/default.yaml"), false));
    }
}
