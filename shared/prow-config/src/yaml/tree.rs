//! A YAML document read into a tree with Go's semantics, the way upstream Prow reads it
//! (gopkg.in/yaml.v2 into generic values, then sigs.k8s.io/yaml's conversion to JSON):
//! - only the first document of a file counts;
//! - a key given twice keeps its last value (reported, since it is usually a mistake);
//! - `<<` merges mappings with yaml.v2's precedence: a merge overwrites the keys before it, the
//!   keys after it overwrite the merge, and in `<<: [*a, *b]` the first wins;
//! - keys that are numbers or booleans become their text;
//! - plain scalars resolve as YAML 1.1 (see [`super::scalar`]).

use super::SyntaxError;
use super::scalar::{self, Scalar};
use crate::diagnostics::{Location, PathSegment, YamlPath};
use granit_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::borrow::Cow;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node<'a> {
    pub(crate) value: Value<'a>,
    pub(crate) at: Location,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value<'a> {
    Scalar(Scalar<'a>),
    Seq(Vec<Node<'a>>),
    Map(Vec<Entry<'a>>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry<'a> {
    pub(crate) key: Cow<'a, str>,
    pub(crate) key_at: Location,
    pub(crate) value: Node<'a>,
}

/// Something Go's reader accepts silently that is likely a mistake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Note {
    /// A key given twice in one mapping; the later value is used.
    RepeatedKey {
        path: YamlPath,
        first: Location,
        again: Location,
    },
    /// Documents after the first, which Prow never reads.
    IgnoredDocuments { at: Location },
}

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Document<'a> {
    pub(crate) root: Option<Node<'a>>,
    pub(crate) notes: Vec<Note>,
}

impl Document<'_> {
    /// The same tree, holding its own text.
    fn into_owned(self) -> Document<'static> {
        Document {
            root: self.root.map(Node::into_owned),
            notes: self.notes,
        }
    }
}

impl Node<'_> {
    fn into_owned(self) -> Node<'static> {
        Node {
            value: match self.value {
                Value::Scalar(scalar) => Value::Scalar(scalar.into_owned()),
                Value::Seq(items) => Value::Seq(items.into_iter().map(Node::into_owned).collect()),
                Value::Map(entries) => Value::Map(
                    entries
                        .into_iter()
                        .map(|entry| Entry {
                            key: Cow::Owned(entry.key.into_owned()),
                            key_at: entry.key_at,
                            value: entry.value.into_owned(),
                        })
                        .collect(),
                ),
            },
            at: self.at,
        }
    }
}

/// What a mapping key turned out to be.
enum KeyKind<'a> {
    Text(Cow<'a, str>),
    Merge,
}

enum Frame<'a> {
    Seq {
        items: Vec<Node<'a>>,
        at: Location,
        anchor: usize,
    },
    Map {
        entries: Vec<Entry<'a>>,
        /// Whether each entry was written in this mapping rather than merged into it.
        explicit: Vec<bool>,
        key: Option<(KeyKind<'a>, Location)>,
        at: Location,
        anchor: usize,
    },
}

fn location(span: &Span) -> Location {
    Location {
        line: span.start.line() as u64,
        column: span.start.col() as u64 + 1,
    }
}

fn syntax(at: Location, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        location: Some(at),
        path: None,
        message: message.into(),
    }
}

/// Reads the first document of `text`: with the fast reader when the file is written in the
/// plain block style it knows, otherwise (and for every error) with the full YAML parser.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, SyntaxError> {
    // Go's reader skips a byte order mark; so does this one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match super::fast::parse(text) {
        Ok(document) => Ok(document),
        Err(super::fast::Unsupported { .. }) => parse_fully(text),
    }
}

/// Reads the first document of `text` with the full YAML parser.
pub(crate) fn parse_fully(text: &str) -> Result<Document<'_>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_error = match read_events(text) {
        Ok(document) => return Ok(document),
        Err(Unread::Syntax(error)) => return Err(error),
        Err(Unread::Escape { error, .. }) => error,
    };
    // go-yaml reads `\'` in a double-quoted scalar as `'`; the parser refuses it. Each such
    // scalar gets `\x27` instead, which means the same to both, and the text is read again.
    let mut patched = text.to_string();
    for _ in 0..MAX_ESCAPE_PATCHES {
        match read_events(&patched) {
            Ok(document) => return Ok(document.into_owned()),
            Err(Unread::Syntax(error)) => return Err(error),
            Err(Unread::Escape { quote, error }) => {
                if !single_quote_escapes_to_hex(&mut patched, quote) {
                    return Err(error);
                }
            }
        }
    }
    Err(first_error)
}

/// How many double-quoted scalars with `\'` are patched before giving up.
const MAX_ESCAPE_PATCHES: usize = 256;

/// Why the parser could not read a text.
enum Unread {
    Syntax(SyntaxError),
    /// An escape it does not know, in the double-quoted scalar starting at character `quote`.
    Escape {
        quote: usize,
        error: SyntaxError,
    },
}

impl From<SyntaxError> for Unread {
    fn from(error: SyntaxError) -> Self {
        Unread::Syntax(error)
    }
}

/// Replaces each `\'` of the double-quoted scalar that starts at character `quote` with `\x27`;
/// false when there is none.
fn single_quote_escapes_to_hex(text: &mut String, quote: usize) -> bool {
    let Some((start, '"')) = text.char_indices().nth(quote) else {
        return false;
    };
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = start + 1;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'"' => break,
            b'\\' => {
                if bytes.get(i + 1) == Some(&b'\'') {
                    found.push(i);
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    for at in found.iter().rev() {
        text.replace_range(at + 1..at + 2, "x27");
    }
    !found.is_empty()
}

fn read_events(text: &str) -> Result<Document<'_>, Unread> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|error| {
            // The parser's words for it; the marker is the scalar's opening quote.
            let quote = error
                .kind()
                .to_string()
                .contains("unknown escape character")
                .then(|| error.marker().index());
            match quote {
                Some(quote) => Unread::Escape {
                    quote,
                    error: scan_error(error),
                },
                None => Unread::Syntax(scan_error(error)),
            }
        })?;
        match event {
            Event::StreamStart | Event::DocumentStart(..) => {}
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::Alias(id) => {
                let at = location(&span);
                let mut node = builder.anchors.get(&id).cloned().ok_or_else(|| {
                    syntax(
                        at,
                        "an alias refers to an anchor that is not defined before it",
                    )
                })?;
                node.at = at;
                builder.complete(node)?;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let at = location(&span);
                let merge = style == ScalarStyle::Plain
                    && value == "<<"
                    && tag.as_deref().is_none_or(|t| is_core(t, "merge"));
                let awaiting_key =
                    matches!(builder.stack.last(), Some(Frame::Map { key: None, .. }));
                if merge && awaiting_key {
                    if let Some(Frame::Map { key, .. }) = builder.stack.last_mut() {
                        *key = Some((KeyKind::Merge, at));
                    }
                    continue;
                }
                if style == ScalarStyle::DoubleQuoted {
                    go_escapes_only(&span, text)?;
                }
                let value = without_phantom_break(value, style, &span, text);
                let scalar = resolve(value, style, tag.as_deref(), at)?;
                let node = Node {
                    value: Value::Scalar(scalar),
                    at,
                };
                builder.anchor(anchor, &node);
                builder.complete(node)?;
            }
            Event::SequenceStart(_, anchor, _) => builder.open_seq(location(&span), anchor),
            Event::MappingStart(_, anchor, _) => builder.open_map(location(&span), anchor),
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
            #[allow(
                unreachable_patterns,
                reason = "the parser may grow presentation events"
            )]
            _ => {}
        }
    }
    let mut notes = builder.notes;
    if let Some(at) = later_document(&mut parser) {
        notes.push(Note::IgnoredDocuments { at });
    }
    Ok(Document {
        root: builder.root,
        notes,
    })
}

/// Where a second document with content starts, if there is one. Go never reads past the first
/// document, so what follows cannot make the file fail; a scan error there is ignored too.
fn later_document<'a>(parser: &mut Parser<'a, granit_parser::StrInput<'a>>) -> Option<Location> {
    let mut started = None;
    while let Some(Ok((event, span))) = parser.next_event() {
        match event {
            Event::DocumentStart(..) => started = Some(location(&span)),
            Event::Scalar(value, ScalarStyle::Plain, ..) if value.is_empty() => return None,
            Event::Scalar(..)
            | Event::SequenceStart(..)
            | Event::MappingStart(..)
            | Event::Alias(_) => {
                return started.or(Some(location(&span)));
            }
            Event::StreamEnd | Event::DocumentEnd => return None,
            _ => {}
        }
    }
    None
}

/// Refuses a double-quoted scalar with an escape go-yaml does not know (`\/`, which YAML 1.2
/// added), as upstream refuses it.
fn go_escapes_only(span: &Span, text: &str) -> Result<(), SyntaxError> {
    let (start, end) = (span.start.index(), span.end.index());
    let raw: String = if text.is_ascii() {
        text.get(start..end).unwrap_or_default().to_string()
    } else {
        text.chars().skip(start).take(end - start).collect()
    };
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            continue;
        }
        match chars.next() {
            Some(
                '0' | 'a' | 'b' | 't' | '\t' | 'n' | 'v' | 'f' | 'r' | 'e' | ' ' | '"' | '\''
                | '\\' | 'N' | '_' | 'L' | 'P' | 'x' | 'u' | 'U' | '\n' | '\r',
            ) => {}
            _ => {
                return Err(syntax(
                    location(span),
                    "not valid YAML: found unknown escape character",
                ));
            }
        }
    }
    Ok(())
}

/// A block scalar whose last line ends the file without a line break: go-yaml keeps no final
/// line break there, the parser adds one.
fn without_phantom_break<'a>(
    mut value: Cow<'a, str>,
    style: ScalarStyle,
    span: &Span,
    text: &str,
) -> Cow<'a, str> {
    if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
        && !text.ends_with('\n')
        && value.ends_with('\n')
        && span.end.index() == text.chars().count()
    {
        value.to_mut().pop();
    }
    value
}

fn scan_error(error: granit_parser::ScanError) -> SyntaxError {
    let marker = error.marker();
    SyntaxError {
        location: Some(Location {
            line: marker.line() as u64,
            column: marker.col() as u64 + 1,
        }),
        path: None,
        message: format!("not valid YAML: {}", error.kind()),
    }
}

fn is_core(tag: &Tag, name: &str) -> bool {
    tag.is_yaml_core_schema_tag(name)
        || tag.suffix_in_namespace("tag:yaml.org,2002:").as_deref() == Some(name)
}

/// A scalar as Go's reader resolves it: quoted scalars are text, plain ones are resolved, and
/// an explicit core tag (`!!str`, `!!int`, ...) decides or must agree.
fn resolve<'a>(
    value: Cow<'a, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
    at: Location,
) -> Result<Scalar<'a>, SyntaxError> {
    let tag = tag.and_then(|t| {
        ["str", "int", "float", "bool", "null", "binary", "timestamp"]
            .into_iter()
            .find(|name| is_core(t, name))
    });
    match (tag, style) {
        (None, ScalarStyle::Plain) => Ok(scalar::resolve_plain(value)),
        (None | Some("str" | "binary"), _) => Ok(Scalar::Str(value)),
        (Some("timestamp"), _) => Ok(Scalar::Str(value)),
        (Some(wanted), _) => {
            let resolved = scalar::resolve_plain(value.clone());
            let agrees = matches!(
                (wanted, &resolved),
                ("int", Scalar::Int(_) | Scalar::Uint(_))
                    | ("float", Scalar::Float(_))
                    | ("bool", Scalar::Bool(_))
                    | ("null", Scalar::Null)
            );
            match (wanted, resolved) {
                (_, resolved) if agrees => Ok(resolved),
                ("float", Scalar::Int(i)) => Ok(Scalar::Float(i as f64)),
                _ => Err(syntax(
                    at,
                    format!("the value {value:?} cannot be read as !!{wanted}"),
                )),
            }
        }
    }
}

/// Builds the tree from a reader's events, with Go's rules for keys, merges and anchors.
#[derive(Default)]
pub(super) struct Builder<'a> {
    stack: Vec<Frame<'a>>,
    anchors: HashMap<usize, Node<'a>>,
    root: Option<Node<'a>>,
    notes: Vec<Note>,
}

impl<'a> Builder<'a> {
    /// How many collections are open.
    pub(super) fn depth(&self) -> usize {
        self.stack.len()
    }

    pub(super) fn open_seq(&mut self, at: Location, anchor: usize) {
        self.stack.push(Frame::Seq {
            items: Vec::new(),
            at,
            anchor,
        });
    }

    pub(super) fn open_map(&mut self, at: Location, anchor: usize) {
        self.stack.push(Frame::Map {
            entries: Vec::new(),
            explicit: Vec::new(),
            key: None,
            at,
            anchor,
        });
    }

    /// Ends the innermost open collection and places it.
    pub(super) fn close(&mut self) -> Result<(), SyntaxError> {
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::Seq { items, at, anchor }) => (
                Node {
                    value: Value::Seq(items),
                    at,
                },
                anchor,
            ),
            Some(Frame::Map {
                entries,
                at,
                anchor,
                ..
            }) => (
                Node {
                    value: Value::Map(entries),
                    at,
                },
                anchor,
            ),
            None => return Ok(()),
        };
        self.anchor(anchor, &node);
        self.complete(node)
    }

    /// Places a scalar without an anchor.
    pub(super) fn scalar(&mut self, value: Scalar<'a>, at: Location) -> Result<(), SyntaxError> {
        self.complete(Node {
            value: Value::Scalar(value),
            at,
        })
    }

    /// The tree built, once every collection is closed.
    pub(super) fn finish(self) -> Document<'a> {
        Document {
            root: self.root,
            notes: self.notes,
        }
    }

    fn anchor(&mut self, anchor: usize, node: &Node<'a>) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    /// Places a finished node: as the root, an item, a key or a value.
    pub(super) fn complete(&mut self, node: Node<'a>) -> Result<(), SyntaxError> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        let (entries, explicit, key) = match frame {
            Frame::Seq { items, .. } => {
                items.push(node);
                return Ok(());
            }
            Frame::Map {
                entries,
                explicit,
                key,
                ..
            } => (entries, explicit, key),
        };
        let (text, key_at) = match key.take() {
            None => {
                *key = Some((KeyKind::Text(key_text(&node)?), node.at));
                return Ok(());
            }
            Some((KeyKind::Merge, _)) => return merge(entries, explicit, node),
            Some((KeyKind::Text(text), key_at)) => (text, key_at),
        };
        let Some(i) = entries.iter().position(|e| e.key == text) else {
            entries.push(Entry {
                key: text,
                key_at,
                value: node,
            });
            explicit.push(true);
            return Ok(());
        };
        let repeated = explicit[i].then_some(entries[i].key_at);
        explicit[i] = true;
        entries[i] = Entry {
            key: text.clone(),
            key_at,
            value: node,
        };
        if let Some(first) = repeated {
            let path = self.path().key(text.into_owned());
            self.notes.push(Note::RepeatedKey {
                path,
                first,
                again: key_at,
            });
        }
        Ok(())
    }

    /// The path to the innermost open collection, computed only when a note needs it.
    fn path(&self) -> YamlPath {
        let mut path = YamlPath::root();
        for frame in &self.stack[..self.stack.len().saturating_sub(1)] {
            // Each open collection's child being built is its next item or its pending key.
            path.0.push(match frame {
                Frame::Seq { items, .. } => PathSegment::Index(items.len()),
                Frame::Map { key, .. } => match key {
                    Some((KeyKind::Text(text), _)) => PathSegment::Key(text.to_string()),
                    _ => PathSegment::Key("<<".to_string()),
                },
            });
        }
        path
    }
}

/// yaml.v2's merge: every key of the merged mapping is set, overwriting what came before.
fn merge<'a>(
    entries: &mut Vec<Entry<'a>>,
    explicit: &mut Vec<bool>,
    node: Node<'a>,
) -> Result<(), SyntaxError> {
    let at = node.at;
    let maps: Vec<Vec<Entry<'a>>> = match node.value {
        Value::Map(merged) => vec![merged],
        Value::Seq(items) => {
            let mut maps = Vec::new();
            // Earlier mappings take precedence, so they are applied last.
            for item in items.into_iter().rev() {
                match item.value {
                    Value::Map(merged) => maps.push(merged),
                    _ => return Err(merge_needs_maps(item.at)),
                }
            }
            maps
        }
        Value::Scalar(_) => return Err(merge_needs_maps(at)),
    };
    for merged in maps {
        for entry in merged {
            match entries.iter().position(|e| e.key == entry.key) {
                Some(i) => {
                    entries[i] = entry;
                    explicit[i] = false;
                }
                None => {
                    entries.push(entry);
                    explicit.push(false);
                }
            }
        }
    }
    Ok(())
}

fn merge_needs_maps(at: Location) -> SyntaxError {
    syntax(at, "the merge key << needs a mapping or a list of mappings")
}

/// A mapping key as sigs.k8s.io/yaml turns it into a JSON key.
fn key_text<'a>(node: &Node<'a>) -> Result<Cow<'a, str>, SyntaxError> {
    match &node.value {
        Value::Scalar(Scalar::Str(text)) => Ok(text.clone()),
        Value::Scalar(Scalar::Float(f)) => {
            Ok(Cow::Owned(match scalar::go_float32_text(*f).as_str() {
                "+Inf" => ".inf".to_string(),
                "-Inf" => "-.inf".to_string(),
                "NaN" => ".nan".to_string(),
                text => text.to_string(),
            }))
        }
        Value::Scalar(s @ (Scalar::Bool(_) | Scalar::Int(_))) => Ok(Cow::Owned(
            scalar::as_text(s).map(Cow::into_owned).unwrap_or_default(),
        )),
        Value::Scalar(Scalar::Null) => Err(syntax(node.at, "a mapping key is empty (null)")),
        Value::Scalar(Scalar::Uint(_)) => Err(syntax(
            node.at,
            "a mapping key is a number too large for Prow; quote it to use it as text",
        )),
        Value::Seq(_) | Value::Map(_) => Err(syntax(
            node.at,
            "a mapping key is a list or a mapping; keys must be text",
        )),
    }
}
