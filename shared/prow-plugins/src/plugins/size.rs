//! `size` (upstream `pkg/plugins/size`): each pull request carries one `size/*` label for the
//! lines it changes (additions and deletions), not counting the generated files that
//! `.generated_files` and `.gitattributes` (`linguist-generated=true`) name at the base commit.

use super::{Builtin, base_pull, pull_request_event};
use crate::{Action, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::vocabulary::PullRequestAction;
use prow_ports::github::RepoRef;
use std::collections::BTreeSet;

const LABEL_PREFIX: &str = "size/";
/// What `.generated_files` is called at the repository's root.
pub const GENERATED_FILES: &str = ".generated_files";
pub const GITATTRIBUTES: &str = ".gitattributes";

pub struct Size;

impl Builtin for Size {
    const NAME: &'static str = "size";
    const EVENTS: &'static [EventKind] = &[EventKind::PullRequest];

    fn help(&self, config: &Config, _: &[String]) -> PluginHelp {
        let s = config.plugins.size.or_defaults();
        PluginHelp::new(
            "The size plugin manages the 'size/*' labels, maintaining the appropriate label on each pull request as it is updated. Generated files identified by the config file '.generated_files' at the repo root are ignored. Labels are applied based on the total number of lines of changes (additions and deletions).",
        )
        .with_config(format!(
            "The plugin has the following thresholds:<ul>\n<li>size/XS:  0-{}</li>\n<li>size/S:   {}-{}</li>\n<li>size/M:   {}-{}</li>\n<li>size/L:   {}-{}</li>\n<li>size/XL:  {}-{}</li>\n<li>size/XXL: {}+</li>\n</ul>",
            s.s - 1,
            s.s,
            s.m - 1,
            s.m,
            s.l - 1,
            s.l,
            s.xl - 1,
            s.xl,
            s.xxl - 1,
            s.xxl
        ))
        .with_snippet(format!(
            "size:\n  s: {}\n  m: {}\n  l: {}\n  xl: {}\n  xxl: {}\n",
            s.s, s.m, s.l, s.xl, s.xxl
        ))
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        // The actions after which the diff may differ.
        let Some(event) = pull_request_event(
            input,
            &[
                PullRequestAction::Opened,
                PullRequestAction::Reopened,
                PullRequestAction::Synchronize,
                PullRequestAction::Edited,
            ],
        ) else {
            return Ok(Vec::new());
        };
        let pull = base_pull(event);
        // Which files are generated is read at the base, so a PR cannot exempt its own lines.
        let sha = event.pull_request.base.sha.as_str();
        let file = |path: &str| Fact::file(&pull.repo, sha, path);
        facts.need([
            file(GENERATED_FILES),
            file(GITATTRIBUTES),
            Fact::ChangedFiles(pull.clone()),
            Fact::Labels(pull.clone()),
        ])?;
        let generated = match generated_files(facts, &pull.repo, sha)? {
            Generated::Files(group) => Some(group),
            Generated::Unparsable => None,
            // Upstream gives up with an error.
            Generated::PathsFileMissing => return Ok(Vec::new()),
        };
        let attributes = match facts.file(&pull.repo, sha, GITATTRIBUTES)? {
            None => Attributes::default(),
            Some(text) => match Attributes::parse(text) {
                Ok(attributes) => attributes,
                // Upstream returns the pattern's error and changes nothing.
                Err(_) => return Ok(Vec::new()),
            },
        };
        let changes = facts.changed_files(&pull)?;
        let Some(generated) = generated else {
            // Upstream only warns about a `.generated_files` it cannot parse, then dereferences
            // the missing group as soon as there is a file to match, and hook recovers the panic:
            // nothing changes. Without files its count is 0.
            return Ok(if changes.is_empty() {
                converge(facts, &pull, label_for(0, input.config))?
            } else {
                Vec::new()
            });
        };
        let count: u64 = changes
            .iter()
            .filter(|c| !generated.matches(&c.filename) && !attributes.is_generated(&c.filename))
            .map(|c| c.additions + c.deletions)
            .sum();
        converge(facts, &pull, label_for(count, input.config))
    }
}

/// Takes off every other `size/*` label (exact names, as upstream) and adds `wanted` if missing.
fn converge(facts: &Facts, pull: &IssueRef, wanted: &str) -> Result<Vec<Action>, NeedFacts> {
    let mut actions = Vec::new();
    let mut has_label = false;
    for label in facts.labels(pull)? {
        if label == wanted {
            has_label = true;
        } else if label.starts_with(LABEL_PREFIX) {
            actions.push(Action::remove_label(pull, label));
        }
    }
    if !has_label {
        actions.push(Action::add_label(pull, wanted));
    }
    Ok(actions)
}

/// The label for `count` lines; each threshold is the lower bound of its size.
fn label_for(count: u64, config: &Config) -> &'static str {
    let sizes = config.plugins.size.or_defaults();
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    if count < sizes.s {
        "size/XS"
    } else if count < sizes.m {
        "size/S"
    } else if count < sizes.l {
        "size/M"
    } else if count < sizes.xl {
        "size/L"
    } else if count < sizes.xxl {
        "size/XL"
    } else {
        "size/XXL"
    }
}

/// What `.generated_files` (with the paths files it lists) says.
enum Generated {
    Files(GeneratedFiles),
    /// A line is not `<command> <argument>`.
    Unparsable,
    /// A `paths-from-repo` file is not there.
    PathsFileMissing,
}

fn generated_files(facts: &Facts, repo: &RepoRef, sha: &str) -> Result<Generated, NeedFacts> {
    let Some(text) = facts.file(repo, sha, GENERATED_FILES)? else {
        return Ok(Generated::Files(GeneratedFiles::default()));
    };
    let mut group = GeneratedFiles::default();
    let Ok(paths_files) = group.load(text) else {
        return Ok(Generated::Unparsable);
    };
    facts.need(paths_files.iter().map(|path| Fact::file(repo, sha, path)))?;
    for path in &paths_files {
        let Some(paths) = facts.file(repo, sha, path)? else {
            return Ok(Generated::PathsFileMissing);
        };
        group.load_paths(paths);
    }
    Ok(Generated::Files(group))
}

/// Upstream `genfiles.Group`: the files `.generated_files` names.
#[derive(Debug, Default, PartialEq, Eq)]
struct GeneratedFiles {
    paths: BTreeSet<String>,
    file_names: BTreeSet<String>,
    path_prefixes: BTreeSet<String>,
    file_prefixes: BTreeSet<String>,
}

/// A line of `.generated_files` that is not `<command> <argument>`.
#[derive(Debug, PartialEq, Eq)]
struct ParseError;

impl GeneratedFiles {
    /// Reads the commands; returns the `paths-from-repo` files to read next.
    fn load(&mut self, text: &str) -> Result<Vec<String>, ParseError> {
        let mut paths_files = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [command, argument] = fields[..] else {
                return Err(ParseError);
            };
            let argument = argument.to_string();
            match command {
                "prefix" | "path-prefix" => self.path_prefixes.insert(argument),
                "file-prefix" => self.file_prefixes.insert(argument),
                // Upstream files `path` under file names too: it matches the base name.
                "file-name" | "path" => self.file_names.insert(argument),
                "paths-from-repo" => {
                    paths_files.push(argument);
                    true
                }
                _ => return Err(ParseError),
            };
        }
        Ok(paths_files)
    }

    /// A paths file: one full path a line.
    fn load_paths(&mut self, text: &str) {
        for line in text.lines().map(str::trim) {
            if !line.is_empty() && !line.starts_with('#') {
                self.paths.insert(line.to_string());
            }
        }
    }

    fn matches(&self, path: &str) -> bool {
        let base = path.rsplit('/').next().unwrap_or(path);
        self.paths.contains(path)
            || self
                .path_prefixes
                .iter()
                .any(|p| path.starts_with(p.as_str()))
            || self.file_names.contains(base)
            || self
                .file_prefixes
                .iter()
                .any(|p| base.starts_with(p.as_str()))
    }
}

/// Upstream `gitattributes.Group`: the patterns marked `linguist-generated=true`.
#[derive(Debug, Default)]
struct Attributes {
    generated: Vec<AttributePattern>,
}

impl Attributes {
    /// Upstream's reading: only the exact `linguist-generated=true` counts; a pattern it cannot
    /// take (negative, or a directory) is an error.
    fn parse(text: &str) -> Result<Attributes, PatternRefused> {
        let mut attributes = Attributes::default();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [pattern, rest @ ..] = &fields[..] else {
                continue;
            };
            if !rest.is_empty() && rest.contains(&"linguist-generated=true") {
                attributes.generated.push(AttributePattern::parse(pattern)?);
            }
        }
        Ok(attributes)
    }

    fn is_generated(&self, path: &str) -> bool {
        self.generated.iter().any(|p| p.matches(path))
    }
}

/// A `.gitattributes` pattern upstream refuses, in upstream's words.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
enum PatternRefused {
    #[error("negative patterns are forbidden: <{0}>")]
    Negative(String),
    #[error("directory patterns are not matched recursively, use path/** instead: <{0}>")]
    Directory(String),
}

/// A `.gitattributes` pattern as upstream matches it (gitignore's rules, without negation and
/// without a directory matching what is inside it).
#[derive(Debug, PartialEq, Eq)]
struct AttributePattern {
    elements: Vec<String>,
    /// Has a `/`: matched element by element from the root; else against any element.
    is_path: bool,
}

impl AttributePattern {
    fn parse(pattern: &str) -> Result<AttributePattern, PatternRefused> {
        if pattern.starts_with('!') {
            return Err(PatternRefused::Negative(pattern.to_string()));
        }
        let pattern = if pattern.ends_with("\\ ") {
            pattern
        } else {
            pattern.trim_end_matches(' ')
        };
        if pattern.ends_with('/') {
            return Err(PatternRefused::Directory(pattern.to_string()));
        }
        Ok(AttributePattern {
            elements: pattern.split('/').map(str::to_string).collect(),
            is_path: pattern.contains('/'),
        })
    }

    fn matches(&self, path: &str) -> bool {
        let elements: Vec<&str> = path.split('/').collect();
        if self.is_path {
            self.path_match(&elements)
        } else {
            self.name_match(&elements)
        }
    }

    fn name_match(&self, path: &[&str]) -> bool {
        let Some(pattern) = self.elements.first() else {
            return false;
        };
        for name in path {
            match glob(pattern, name) {
                Err(BadPattern) => return false,
                Ok(true) => return true,
                Ok(false) => {}
            }
        }
        false
    }

    /// Upstream's walk, quirks kept: nothing checks that the whole path was consumed (`a/b`
    /// matches `a/b/c`), and an empty element (a leading `/`) is skipped.
    fn path_match(&self, mut path: &[&str]) -> bool {
        let mut matched = false;
        let mut can_traverse = false;
        let last = self.elements.len().saturating_sub(1);
        for (i, pattern) in self.elements.iter().enumerate() {
            if pattern.is_empty() {
                can_traverse = false;
                continue;
            }
            if pattern == "**" {
                if i == last {
                    break;
                }
                can_traverse = true;
                continue;
            }
            if pattern.contains("**") {
                return false;
            }
            let Some((first, rest)) = path.split_first() else {
                return false;
            };
            if can_traverse {
                can_traverse = false;
                while let Some((element, rest)) = path.split_first() {
                    path = rest;
                    match glob(pattern, element) {
                        Err(BadPattern) => return false,
                        Ok(true) => {
                            matched = true;
                            break;
                        }
                        Ok(false) if path.is_empty() => matched = false,
                        Ok(false) => {}
                    }
                }
            } else {
                if glob(pattern, first) != Ok(true) {
                    return false;
                }
                matched = true;
                path = rest;
            }
        }
        matched
    }
}

/// Go's `filepath.ErrBadPattern`.
#[derive(Debug, PartialEq, Eq)]
struct BadPattern;

/// Go's `filepath.Match` (Unix): `*` (not across `/`), `?`, `[...]` with ranges and `^`, and `\`
/// escapes; a malformed pattern is an error even where the name already failed to match.
fn glob(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing `*` takes the rest unless it holds a `/`.
            return Ok(!name.contains(&b'/'));
        }
        let (left, ok) = match_chunk(chunk, name)?;
        // The last chunk must take the whole name.
        if ok && (left.is_empty() || !pattern.is_empty()) {
            name = left;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (left, ok) = match_chunk(chunk, &name[i + 1..])?;
                // Again, the last chunk must take the whole name.
                if ok && (left.is_empty() || !pattern.is_empty()) {
                    name = left;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        // Not a match; the rest of the pattern must still be well formed.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// The next run of non-`*` pattern, and whether stars preceded it.
fn scan_chunk(pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut pattern = pattern;
    let mut star = false;
    while let Some((b'*', rest)) = pattern.split_first() {
        pattern = rest;
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Whether `chunk` (no stars) matches the start of `s`, and what is left of `s`.
fn match_chunk<'s>(mut chunk: &[u8], mut s: &'s [u8]) -> Result<(&'s [u8], bool), BadPattern> {
    // After a mismatch the chunk is still read, to report a malformed one.
    let mut failed = false;
    while let Some(&first) = chunk.first() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match first {
            b'[' => {
                let mut r = 0;
                if !failed {
                    let (rune, n) = decode_rune(s);
                    r = rune;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = escaped(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let (upper, rest) = escaped(&chunk[1..])?;
                        hi = upper;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s[0] == b'/' {
                        failed = true;
                    }
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                let literal = if first == b'\\' {
                    chunk = &chunk[1..];
                    *chunk.first().ok_or(BadPattern)?
                } else {
                    first
                };
                if !failed {
                    if literal != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    Ok(if failed { (b"", false) } else { (s, true) })
}

/// One (possibly escaped) character of a range, and the rest of the chunk, which may not end
/// there.
fn escaped(chunk: &[u8]) -> Result<(u32, &[u8]), BadPattern> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return Err(BadPattern),
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(BadPattern);
            }
        }
        Some(_) => {}
    }
    let (rune, n) = decode_rune(chunk);
    if rune == u32::from(char::REPLACEMENT_CHARACTER) && n == 1 {
        return Err(BadPattern);
    }
    let rest = &chunk[n..];
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((rune, rest))
}

/// Go's `utf8.DecodeRune`: the first character and its length; U+FFFD and 1 for a byte that
/// starts none (a slice may start inside a character after a star skips a byte).
fn decode_rune(bytes: &[u8]) -> (u32, usize) {
    for len in 1..=bytes.len().min(4) {
        if let Some(c) = std::str::from_utf8(&bytes[..len])
            .ok()
            .and_then(|text| text.chars().next())
        {
            return (u32::from(c), len);
        }
    }
    (u32::from(char::REPLACEMENT_CHARACTER), 1)
}

#[cfg(test)]
mod tests;
