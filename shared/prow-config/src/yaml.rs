//! YAML in, typed values out, in one pass: serde-saphyr parses (anchors, aliases and `<<:` merge
//! keys applied natively) while serde_ignored collects every key the types do not know. Locations
//! cost nothing on the happy path: a file is walked a second time, into a tree of positions, only
//! when something in it needs reporting.

use crate::diagnostics::{Location, PathSegment, YamlPath};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// Prow configs are written for Go's YAML 1.1 reader and are large (Kubernetes' biggest job file is megabytes, and one anchor may be used
/// hundreds of times), so serde-saphyr's default safety budget is raised. Duplicate keys stay an
/// error: YAML forbids them and one silently shadowing the other hides mistakes.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: 50_000_000,
            max_events: 50_000_000,
            max_aliases: 10_000_000,
            max_merge_keys: 10_000_000,
            enforce_alias_anchor_ratio: false,
        },
        with_snippet: false,
        // Go's YAML (1.1) reads `defaultMode: 0400` as octal, and Kubernetes configs rely on it.
        legacy_octal_numbers: true,
    }
}

/// A document that did not parse into the expected shape.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    pub location: Option<Location>,
    pub message: String,
}

/// Parses `text` into `T`, returning the paths of keys that `T` does not define.
pub(crate) fn parse<T: DeserializeOwned + Default>(
    text: &str,
) -> Result<(T, Vec<YamlPath>), SyntaxError> {
    if text.trim().is_empty() || only_comments(text) {
        return Ok((T::default(), Vec::new()));
    }
    let mut unknown = Vec::new();
    let parsed = serde_saphyr::with_deserializer_from_str_with_options(text, options(), |de| {
        serde_ignored::deserialize(de, |path| unknown.push(to_yaml_path(&path)))
    });
    match parsed {
        Ok(Some(value)) => Ok((value, unknown)),
        Ok(None) => Ok((T::default(), unknown)),
        Err(error) => Err(SyntaxError {
            location: error.location().and_then(to_location),
            message: without_location(&first_line(&error.to_string())),
        }),
    }
}

/// Parses `text` into a generic tree: the baseline the benchmark compares typed loading with.
pub fn parse_generic(text: &str) -> Result<serde_json::Value, SyntaxError> {
    serde_saphyr::from_str_with_options::<Option<serde_json::Value>>(text, options())
        .map(Option::unwrap_or_default)
        .map_err(|error| SyntaxError {
            location: error.location().and_then(to_location),
            message: without_location(&first_line(&error.to_string())),
        })
}

fn only_comments(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---"
    })
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

/// serde-saphyr appends " at line L, column C"; the diagnostic shows the location itself.
fn without_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains("column") => message[..at].to_string(),
        _ => message.to_string(),
    }
}

fn to_location(location: serde_saphyr::Location) -> Option<Location> {
    (location.line() > 0).then(|| Location {
        line: location.line(),
        column: location.column(),
    })
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

/// A YAML document reduced to the positions of its keys and elements, for finding where a path is.
pub(crate) struct LocationTree(Spanned<Node>);

impl LocationTree {
    pub(crate) fn parse(text: &str) -> Option<LocationTree> {
        let tree: Option<Spanned<Node>> =
            serde_saphyr::from_str_with_options(text, options()).ok()?;
        tree.map(LocationTree)
    }

    /// Where `path` is: the key that names the last segment when it is a key, or the start of
    /// the element when it is an index. Falls back to the nearest ancestor that exists.
    pub(crate) fn locate(&self, path: &YamlPath) -> Option<Location> {
        let mut best = to_location(self.0.referenced);
        let mut node = &self.0.value;
        for segment in &path.0 {
            let next = match (node, segment) {
                (Node::Map(entries), PathSegment::Key(key)) => entries
                    .iter()
                    .rev()
                    .find(|(name, _, _)| name == key)
                    .map(|(_, key_location, value)| (*key_location, value)),
                (Node::Seq(items), PathSegment::Index(index)) => items
                    .get(*index)
                    .map(|item| (to_location(item.referenced), item)),
                _ => None,
            };
            let Some((location, value)) = next else { break };
            best = location.or(best);
            node = &value.value;
        }
        best
    }
}

#[cfg(test)]
pub(crate) fn locate(text: &str, path: &YamlPath) -> Option<Location> {
    LocationTree::parse(text)?.locate(path)
}

/// A YAML document reduced to its shape and the position of every key and element.
enum Node {
    Map(Vec<(String, Option<Location>, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Scalar,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key.value.0, to_location(key.referenced), value));
        }
        Ok(Node::Map(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }
}

/// A mapping key as text, whatever scalar type YAML gave it.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                Ok(KeyText(String::new()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
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
    fn duplicate_keys_are_errors() {
        let err = parse::<Doc>("jobs:\n- name: a\n  name: b\n").unwrap_err();
        assert_eq!(err.location.map(|l| l.line), Some(3), "{err:?}");
    }
}
