//! YAML in, typed values out, read as upstream Prow reads it. Upstream goes through
//! sigs.k8s.io/yaml: gopkg.in/yaml.v2 reads the file into generic values, which become JSON,
//! which Go's `encoding/json` decodes into the config types. That chain has semantics a Prow
//! configuration relies on (the last of two repeated keys wins, a null list item is an empty
//! text, `yes` is true, a number fills a text field), so this module reproduces it in two steps:
//! [`tree`] reads the first document into a tree with yaml.v2's rules, and [`de`] fills the
//! types from it with the JSON step's conversions. serde_ignored collects every key the types do
//! not know on the way.

pub(crate) mod de;
mod fast;
mod scalar;
mod tree;

use crate::diagnostics::{Location, PathSegment, YamlPath};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use std::cell::RefCell;

pub(crate) use tree::Note;

/// A document that did not parse into the expected shape.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    pub location: Option<Location>,
    /// Where in the document, when the problem is a value of the wrong shape.
    pub path: Option<YamlPath>,
    pub message: String,
}

/// One file read into `T`, with what was read leniently on the way.
pub(crate) struct Parsed<T> {
    pub(crate) value: T,
    /// Keys `T` does not define.
    pub(crate) unknown: Vec<YamlPath>,
    /// Things Go's reader accepts silently that are likely mistakes.
    pub(crate) notes: Vec<Note>,
    /// Keys matched to a field only by ignoring case, or beaten by another key for the same
    /// field.
    pub(crate) folded: Vec<de::FoldedKey>,
}

impl<T: Default> Parsed<T> {
    pub(crate) fn empty() -> Self {
        Parsed {
            value: T::default(),
            unknown: Vec::new(),
            notes: Vec::new(),
            folded: Vec::new(),
        }
    }
}

/// Parses `text` into `T`, returning the paths of keys that `T` does not define.
#[cfg(test)]
pub(crate) fn parse<T: DeserializeOwned + Default>(
    text: &str,
) -> Result<(T, Vec<YamlPath>), SyntaxError> {
    parse_file(text, true).map(|parsed| (parsed.value, parsed.unknown))
}

/// Parses `text` into `T` with everything worth reporting. `coerce_at_root` says whether
/// numbers and booleans may fill text fields at all (see `de`): true for a job-config file and
/// `plugins.yaml`, false for `config.yaml`, whose upstream Go type embeds all its parts.
pub(crate) fn parse_file<T: DeserializeOwned + Default>(
    text: &str,
    coerce_at_root: bool,
) -> Result<Parsed<T>, SyntaxError> {
    let document = tree::parse(text)?;
    let Some(root) = &document.root else {
        return Ok(Parsed {
            value: T::default(),
            unknown: Vec::new(),
            notes: document.notes,
            folded: Vec::new(),
        });
    };
    let mut unknown = Vec::new();
    let folded = RefCell::new(Vec::new());
    let value = serde_ignored::deserialize(
        de::NodeDe::new(
            root,
            &folded,
            if coerce_at_root {
                de::Trail::Known
            } else {
                de::Trail::Lost
            },
        ),
        |path| {
            unknown.push(to_yaml_path(&path));
        },
    )
    .map_err(|error| SyntaxError {
        location: error.at,
        path: error.path,
        message: error.message,
    })?;
    Ok(Parsed {
        value,
        unknown,
        notes: document.notes,
        folded: folded.into_inner(),
    })
}

/// Which of the two YAML readers builds a tree (for the benchmarks).
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum YamlReader {
    /// The fast reader of the block style configurations are written in.
    Fast,
    /// The full YAML parser every other file goes to.
    Full,
}

/// Reads `text` into its tree with `reader`; whether it could (for the benchmarks).
#[doc(hidden)]
pub fn read_tree(text: &str, reader: YamlReader) -> bool {
    match reader {
        YamlReader::Fast => fast::parse(text).is_ok(),
        YamlReader::Full => tree::parse_fully(text).is_ok(),
    }
}

/// How the two YAML readers fared on one text (for tests).
#[doc(hidden)]
#[derive(Debug)]
pub enum Readers {
    /// Both read the same tree, node by node and location by location.
    Agree,
    /// The fast reader left the text to the full parser.
    FastDeclined { reason: &'static str, line: u64 },
    /// They read different trees (the first line of each tree's dump that differs), or the fast
    /// reader accepted what the full parser refuses.
    Disagree { fast: String, full: String },
}

/// Reads `text` with both YAML readers and compares their trees (for tests).
#[doc(hidden)]
pub fn compare_readers(text: &str) -> Readers {
    let fast = match fast::parse(text) {
        Ok(fast) => fast,
        Err(fast::Unsupported { reason, line }) => return Readers::FastDeclined { reason, line },
    };
    let full = match tree::parse_fully(text) {
        Ok(full) => full,
        Err(error) => {
            return Readers::Disagree {
                fast: "read the text".to_string(),
                full: format!("refused it: {error}"),
            };
        }
    };
    if fast == full {
        return Readers::Agree;
    }
    let (fast, full) = (format!("{fast:#?}"), format!("{full:#?}"));
    let differs = fast.lines().zip(full.lines()).position(|(a, b)| a != b);
    let line_of = |dump: &str| {
        differs
            .and_then(|at| dump.lines().nth(at))
            .unwrap_or("(one tree is a prefix of the other)")
            .trim()
            .to_string()
    };
    Readers::Disagree {
        fast: line_of(&fast),
        full: line_of(&full),
    }
}

/// Parses `text` into a generic tree: the baseline the benchmark compares typed loading with.
pub fn parse_generic(text: &str) -> Result<serde_json::Value, SyntaxError> {
    parse_file::<serde_json::Value>(text, true).map(|parsed| parsed.value)
}

fn to_yaml_path(path: &serde_ignored::Path<'_>) -> YamlPath {
    let mut segments = Vec::new();
    let mut current = path;
    loop {
        match current {
            serde_ignored::Path::Root => break,
            serde_ignored::Path::Seq { parent, index } => {
                segments.push(PathSegment::Index(*index));
                current = parent;
            }
            serde_ignored::Path::Map { parent, key } => {
                segments.push(PathSegment::Key(key.clone()));
                current = parent;
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => current = parent,
        }
    }
    segments.reverse();
    YamlPath(segments)
}

/// Deserializes `null` as the type's default, as Go's YAML decoding does for every field
/// (`periodics:` with nothing under it is an empty list, not an error).
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// A YAML document's tree, kept to find where a path is.
pub(crate) struct LocationTree<'a>(tree::Node<'a>);

impl<'a> LocationTree<'a> {
    pub(crate) fn parse(text: &'a str) -> Option<LocationTree<'a>> {
        tree::parse(text).ok()?.root.map(LocationTree)
    }

    /// Where `path` is: the key that names the last segment when it is a key, or the start of
    /// the element when it is an index. Falls back to the nearest ancestor that exists.
    pub(crate) fn locate(&self, path: &YamlPath) -> Option<Location> {
        let mut best = Some(self.0.at);
        let mut node = &self.0;
        for segment in &path.0 {
            let next = match (&node.value, segment) {
                (tree::Value::Map(entries), PathSegment::Key(key)) => entries
                    .iter()
                    .find(|entry| entry.key == key.as_str())
                    .map(|entry| (entry.key_at, &entry.value)),
                (tree::Value::Seq(items), PathSegment::Index(index)) => {
                    items.get(*index).map(|item| (item.at, item))
                }
                _ => None,
            };
            let Some((location, value)) = next else { break };
            best = Some(location);
            node = value;
        }
        best
    }

    /// The text at `path`, if it is a text scalar (a job's `name`).
    pub(crate) fn text_at(&self, path: &YamlPath) -> Option<&str> {
        let mut node = &self.0;
        for segment in &path.0 {
            node = match (&node.value, segment) {
                (tree::Value::Map(entries), PathSegment::Key(key)) => {
                    &entries
                        .iter()
                        .find(|entry| entry.key == key.as_str())?
                        .value
                }
                (tree::Value::Seq(items), PathSegment::Index(index)) => items.get(*index)?,
                _ => return None,
            };
        }
        match &node.value {
            tree::Value::Scalar(scalar::Scalar::Str(text)) => Some(text),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) fn locate(text: &str, path: &YamlPath) -> Option<Location> {
    LocationTree::parse(text)?.locate(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Job {
        name: String,
        #[serde(default)]
        always_run: bool,
        #[serde(default)]
        labels: BTreeMap<String, String>,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Doc {
        #[serde(default, deserialize_with = "nullable")]
        jobs: Vec<Job>,
    }

    #[test]
    fn merge_keys_fill_typed_fields_and_explicit_keys_override_them() {
        let text = "\
common: &common
  always_run: true
  labels: {preset: x}
jobs:
- <<: *common
  name: a
- <<: [*common]
  name: b
  always_run: false
";
        let (doc, unknown): (Doc, _) = parse(text).unwrap();
        assert_eq!(doc.jobs[0].name, "a");
        assert!(doc.jobs[0].always_run);
        assert_eq!(doc.jobs[0].labels["preset"], "x");
        assert!(
            !doc.jobs[1].always_run,
            "explicit key must override the merged one"
        );
        assert_eq!(doc.jobs[1].labels["preset"], "x");
        assert_eq!(unknown, vec![YamlPath::root().key("common")]);
    }

    #[test]
    fn aliases_repeat_whole_values() {
        let text = "jobs:\n- &one {name: a, labels: {k: v}}\n- *one\n";
        let (doc, _): (Doc, _) = parse(text).unwrap();
        assert_eq!(doc.jobs[0], doc.jobs[1]);
    }

    #[test]
    fn null_collections_are_empty_and_empty_files_are_defaults() {
        let (doc, _): (Doc, _) = parse("jobs:\n").unwrap();
        assert!(doc.jobs.is_empty());
        let (doc, _): (Doc, _) = parse("# only a comment\n").unwrap();
        assert_eq!(doc, Doc::default());
    }

    #[test]
    fn unknown_keys_are_reported_with_their_path_and_line() {
        let text = "jobs:\n- name: a\n  alwys_run: true\n";
        let (_, unknown): (Doc, _) = parse(text).unwrap();
        let expected = YamlPath::root().key("jobs").index(0).key("alwys_run");
        assert_eq!(unknown, vec![expected.clone()]);
        assert_eq!(
            locate(text, &expected),
            Some(Location { line: 3, column: 3 })
        );
    }

    #[test]
    fn syntax_errors_carry_a_location() {
        let err = parse::<Doc>("jobs:\n- name: [unclosed\n").unwrap_err();
        assert!(err.location.is_some(), "{err:?}");
        let err = parse::<Doc>("jobs:\n- name: a\n  always_run: maybe\n").unwrap_err();
        assert_eq!(err.location.map(|l| l.line), Some(3), "{err:?}");
    }

    #[test]
    fn a_block_scalar_that_ends_the_file_keeps_no_line_break_it_does_not_have() {
        #[derive(Debug, Default, Deserialize)]
        struct Doc {
            a: String,
        }
        // The second text has an anchor, which only the full parser reads: both readers agree
        // with go-yaml.
        for text in ["a: |\n  x", "a: &anchor |\n  x", "a: |\n  x\n"] {
            let expected = if text.ends_with('\n') { "x\n" } else { "x" };
            let (doc, _): (Doc, _) = parse(text).unwrap();
            assert_eq!(doc.a, expected, "{text:?}");
        }
    }

    #[test]
    fn double_quoted_escapes_are_go_yamls() {
        #[derive(Debug, Default, Deserialize)]
        struct Doc {
            a: String,
        }
        // Each text once as the fast reader reads it, once with an anchor for the full parser.
        for anchor in ["", "&anchor "] {
            let (doc, _): (Doc, _) =
                parse(&format!("a: {anchor}\"it\\'s \\\"q\\\" \\x41\"\n")).unwrap();
            assert_eq!(doc.a, "it's \"q\" A", "{anchor}");
            let refused = parse::<Doc>(&format!("a: {anchor}\"\\/\"\n")).unwrap_err();
            assert!(refused.message.contains("unknown escape"), "{refused}");
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_is_noted() {
        let parsed = parse_file::<Doc>("jobs:\n- name: a\n  name: b\n", true).unwrap();
        assert_eq!(parsed.value.jobs[0].name, "b");
        assert_eq!(
            parsed.notes,
            vec![Note::RepeatedKey {
                path: YamlPath::root().key("jobs").index(0).key("name"),
                first: Location { line: 2, column: 3 },
                again: Location { line: 3, column: 3 },
            }]
        );
    }
}
