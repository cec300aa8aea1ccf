//! Typed values from a [`Node`] tree with the conversions sigs.k8s.io/yaml and Go's
//! `encoding/json` make, so a file upstream Prow accepts reads the same here:
//! - null anywhere is the field's zero value (an empty text, `false`, `0`, an empty list);
//! - a field that wants text refuses a number or boolean (`version: 1.10` must be quoted), as
//!   Go's JSON decoding does, except where upstream's converter coerces (see [`coerces`]);
//! - a struct's keys match its fields exactly, or else ignoring case (reported); of two keys that
//!   name one field, the one Go decodes last (the greater in byte order) wins;
//! - a number with no fraction fills an integer field, whatever its spelling.
//!
//! Every error names what was found and what was expected in YAML's words, with its position.

use super::scalar::{self, Scalar};
use super::tree::{Entry, Node, Value};
use crate::diagnostics::{Location, PathSegment, YamlPath};
use crate::jobs::{GoStruct, upstream_embedding};
use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use std::cell::RefCell;
use std::fmt;

/// A value that could not be read, where it is.
#[derive(Debug)]
pub(crate) struct DeError {
    pub(crate) message: String,
    pub(crate) at: Option<Location>,
    pub(crate) path: Option<YamlPath>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DeError {
            message: message.to_string(),
            at: None,
            path: None,
        }
    }

    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format!(
            "found {}, expected {}",
            unexpected_words(&unexpected),
            expected_words(expected)
        ))
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format!(
            "{} is not allowed here: expected {}",
            unexpected_words(&unexpected),
            expected_words(expected)
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::custom(format!(
            "unknown value {variant:?}; expected one of: {}",
            expected.join(", ")
        ))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::custom(format!("the key {field:?} is required"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::custom(format!("the key {field:?} is given twice"))
    }
}

fn unexpected_words(unexpected: &de::Unexpected<'_>) -> String {
    use de::Unexpected::*;
    match unexpected {
        Bool(b) => format!("{b}"),
        Unsigned(n) => format!("the number {n}"),
        Signed(n) => format!("the number {n}"),
        Float(n) => format!("the number {n}"),
        Char(c) => format!("the text {c:?}"),
        Str(s) => format!("the text {s:?}"),
        Unit | Option => "nothing (null)".to_string(),
        Seq => "a list".to_string(),
        Map => "a mapping".to_string(),
        other => other.to_string(),
    }
}

/// What a visitor expects, without the names of the types behind it.
fn expected_words(expected: &dyn de::Expected) -> String {
    let text = expected.to_string();
    if text.starts_with("struct ") || text.starts_with("a map") || text.starts_with("map") {
        "a mapping of keys to values".to_string()
    } else if text.starts_with("enum ") || text.starts_with("variant") {
        "one of the allowed values".to_string()
    } else if text.starts_with("a sequence") || text.starts_with("sequence") {
        "a list".to_string()
    } else if let Some(kind) = [
        "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "usize", "isize",
    ]
    .iter()
    .find(|kind| text == **kind)
    {
        if kind.starts_with('u') {
            "a whole number, not negative".to_string()
        } else {
            "a whole number".to_string()
        }
    } else {
        text
    }
}

/// One step from a parent to a child, kept on the stack while the child is read.
#[derive(Clone, Copy)]
pub(crate) struct PathLink<'a> {
    parent: Option<&'a PathLink<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn path_of(link: Option<&PathLink<'_>>) -> YamlPath {
    let mut segments = Vec::new();
    let mut current = link;
    while let Some(step) = current {
        segments.push(match step.segment {
            Segment::Key(key) => PathSegment::Key(key.to_string()),
            Segment::Index(index) => PathSegment::Index(index),
        });
        current = step.parent;
    }
    segments.reverse();
    YamlPath(segments)
}

/// A key written in another case than the field it fills (`Name:` for `name:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FoldedKey {
    pub(crate) path: YamlPath,
    pub(crate) field: &'static str,
    /// Another key naming the same field wins over this one, which is ignored.
    pub(crate) ignored_for: Option<String>,
}

pub(crate) struct NodeDe<'de, 'p> {
    node: &'de Node<'de>,
    path: Option<&'p PathLink<'p>>,
    folded: &'p RefCell<Vec<FoldedKey>>,
    /// Whether a number or boolean here becomes text where text is wanted.
    trail: Trail,
}

/// What sigs.k8s.io/yaml's converter believes the Go type at a node is, which decides whether a
/// number or boolean there becomes text. It follows declared struct fields from the root, map
/// values and list items; at a key a struct takes from an embedded struct it takes the embedded
/// struct itself as the value's type, and from there matches the value's keys against that
/// struct's fields. So a job file's preset env values and a periodic's `interval` are coerced,
/// `annotations: {name: 5}` is too (`name` is a text key of `JobBase`), and nothing under a job's
/// `spec` or `labels`, nor anything in `config.yaml`, whose Go type embeds all its parts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Trail {
    /// The converter knows the type: numbers and booleans fill text fields.
    Known,
    /// The converter took an embedded struct for this value's type.
    Embedded(&'static GoStruct),
    /// The converter knows nothing here: Go's JSON decoding refuses numbers for text.
    Lost,
}

impl Trail {
    fn coerces(self) -> bool {
        matches!(self, Trail::Known)
    }

    /// The trail at key `key` of a mapping with this trail, read into the struct `struct_name`
    /// (or a map when `None`).
    fn at_key(self, struct_name: Option<&str>, key: &str) -> Trail {
        match self {
            Trail::Known => match struct_name.and_then(|name| upstream_embedding(name, key)) {
                Some(embedded) => Trail::Embedded(embedded),
                None => Trail::Known,
            },
            Trail::Embedded(go) if go.text_keys.iter().any(|k| k.eq_ignore_ascii_case(key)) => {
                Trail::Known
            }
            Trail::Embedded(_) | Trail::Lost => Trail::Lost,
        }
    }

    /// The trail of a list's items.
    fn item(self) -> Trail {
        match self {
            Trail::Known => Trail::Known,
            Trail::Embedded(_) | Trail::Lost => Trail::Lost,
        }
    }
}

impl<'de, 'p> NodeDe<'de, 'p> {
    /// Reads `node`, whose type the converter knows or not (see [`Trail`]).
    pub(crate) fn new(
        node: &'de Node<'de>,
        folded: &'p RefCell<Vec<FoldedKey>>,
        trail: Trail,
    ) -> Self {
        NodeDe {
            node,
            path: None,
            folded,
            trail,
        }
    }

    fn error(&self, message: String) -> DeError {
        DeError {
            message,
            at: Some(self.node.at),
            path: Some(path_of(self.path)),
        }
    }

    fn mismatch(&self, expected: &str) -> DeError {
        self.error(format!(
            "found {}, expected {expected}",
            describe(self.node)
        ))
    }

    /// A mapping (null is an empty one), into a map or into the struct `structure` names.
    fn mapping<V: Visitor<'de>>(
        self,
        structure: Option<(&'static str, &'static [&'static str])>,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let entries: &'de [Entry<'de>] = match &self.node.value {
            Value::Map(entries) => entries,
            Value::Scalar(Scalar::Null) => &[],
            _ => return Err(self.mismatch("a mapping of keys to values")),
        };
        visitor.visit_map(Entries::new(
            entries,
            self.path,
            self.folded,
            structure,
            self.trail,
        ))
    }

    fn scalar(&self) -> Option<&'de Scalar<'de>> {
        match &self.node.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    fn integer<V: Visitor<'de>>(
        self,
        visitor: V,
        min: i128,
        max: i128,
        expected: &str,
    ) -> Result<V::Value, DeError> {
        let value: i128 = match self.scalar() {
            Some(Scalar::Null) => 0,
            Some(Scalar::Int(i)) => i128::from(*i),
            Some(Scalar::Uint(u)) => i128::from(*u),
            #[expect(
                clippy::cast_possible_truncation,
                reason = "only whole floats in range are taken"
            )]
            Some(Scalar::Float(f)) if f.fract() == 0.0 && f.abs() < 1e19 => *f as i128,
            _ => return Err(self.mismatch(expected)),
        };
        if value < min || value > max {
            return Err(self.error(format!("the number {value} is out of range here")));
        }
        match i64::try_from(value) {
            Ok(signed) => visitor.visit_i64(signed),
            Err(_) => visitor.visit_u64(
                u64::try_from(value)
                    .map_err(|_| self.error(format!("the number {value} is out of range here")))?,
            ),
        }
    }
}

/// What a node is, in the words of YAML.
fn describe(node: &Node<'_>) -> String {
    match &node.value {
        Value::Scalar(Scalar::Null) => "nothing (null)".to_string(),
        Value::Scalar(Scalar::Bool(b)) => format!("{b}"),
        Value::Scalar(Scalar::Int(i)) => format!("the number {i}"),
        Value::Scalar(Scalar::Uint(u)) => format!("the number {u}"),
        Value::Scalar(Scalar::Float(f)) => format!("the number {}", scalar::go_float32_text(*f)),
        Value::Scalar(Scalar::Str(s)) => format!("the text {s:?}"),
        Value::Seq(_) => "a list".to_string(),
        Value::Map(_) => "a mapping".to_string(),
    }
}

macro_rules! integers {
    ($($method:ident: $kind:ty, $expected:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.integer(visitor, i128::from(<$kind>::MIN), i128::from(<$kind>::MAX), $expected)
        }
    )*};
}

impl<'de> Deserializer<'de> for NodeDe<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(Scalar::Null) => visitor.visit_unit(),
            Value::Scalar(Scalar::Bool(b)) => visitor.visit_bool(*b),
            Value::Scalar(Scalar::Int(i)) => visitor.visit_i64(*i),
            Value::Scalar(Scalar::Uint(u)) => visitor.visit_u64(*u),
            Value::Scalar(Scalar::Float(f)) => visitor.visit_f64(*f),
            Value::Scalar(Scalar::Str(s)) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => {
                visitor.visit_seq(Items::new(items, self.path, self.folded, self.trail))
            }
            Value::Map(entries) => visitor.visit_map(Entries::new(
                entries,
                self.path,
                self.folded,
                None,
                self.trail,
            )),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(Scalar::Bool(b)) => visitor.visit_bool(*b),
            Some(Scalar::Null) => visitor.visit_bool(false),
            _ => Err(self.mismatch("true or false")),
        }
    }

    integers! {
        deserialize_i8: i8, "a whole number";
        deserialize_i16: i16, "a whole number";
        deserialize_i32: i32, "a whole number";
        deserialize_i64: i64, "a whole number";
        deserialize_u8: u8, "a whole number, not negative";
        deserialize_u16: u16, "a whole number, not negative";
        deserialize_u32: u32, "a whole number, not negative";
        deserialize_u64: u64, "a whole number, not negative";
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    #[expect(
        clippy::cast_precision_loss,
        reason = "as Go reads an integer into a float"
    )]
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(Scalar::Null) => visitor.visit_f64(0.0),
            Some(Scalar::Int(i)) => visitor.visit_f64(*i as f64),
            Some(Scalar::Uint(u)) => visitor.visit_f64(*u as f64),
            Some(Scalar::Float(f)) => visitor.visit_f64(*f),
            _ => Err(self.mismatch("a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(Scalar::Str(s)) => visitor.visit_borrowed_str(s),
            Some(Scalar::Null) => visitor.visit_borrowed_str(""),
            Some(other) if self.trail.coerces() => match scalar::as_text(other) {
                Some(text) => visitor.visit_str(&text),
                None => visitor.visit_borrowed_str(""),
            },
            // Where upstream's converter lost the trail, Go's JSON decoding refuses a number
            // or boolean for text.
            Some(_) => Err(self.error(format!(
                "found {}, expected a text; put the value in quotes to keep it as written",
                describe(self.node)
            ))),
            None => Err(self.mismatch("a text")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(Scalar::Null) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(Scalar::Null) => visitor.visit_unit(),
            _ => Err(self.mismatch("nothing (null)")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Seq(items) => {
                visitor.visit_seq(Items::new(items, self.path, self.folded, self.trail))
            }
            Value::Scalar(Scalar::Null) => {
                visitor.visit_seq(Items::new(&[], self.path, self.folded, self.trail))
            }
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.mapping(None, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.mapping(Some((name, fields)), visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(Scalar::Str(s)) => visitor.visit_enum(s.as_ref().into_deserializer()),
            Value::Map(entries) if entries.len() == 1 => visitor.visit_enum(Variant {
                entry: &entries[0],
                path: self.path,
                folded: self.folded,
                trail: self.trail,
            }),
            _ => Err(self.mismatch(&format!("one of: {}", variants.join(", ")))),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

/// Adds where an error happened, if its maker did not know.
fn placed(mut error: DeError, node: &Node<'_>, link: &PathLink<'_>) -> DeError {
    if error.at.is_none() {
        error.at = Some(node.at);
        error.path = Some(path_of(Some(link)));
    }
    error
}

struct Items<'de, 'p> {
    items: std::slice::Iter<'de, Node<'de>>,
    index: usize,
    path: Option<&'p PathLink<'p>>,
    folded: &'p RefCell<Vec<FoldedKey>>,
    trail: Trail,
}

impl<'de, 'p> Items<'de, 'p> {
    fn new(
        items: &'de [Node<'de>],
        path: Option<&'p PathLink<'p>>,
        folded: &'p RefCell<Vec<FoldedKey>>,
        trail: Trail,
    ) -> Self {
        Items {
            items: items.iter(),
            index: 0,
            path,
            folded,
            trail: trail.item(),
        }
    }
}

impl<'de> SeqAccess<'de> for Items<'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let link = PathLink {
            parent: self.path,
            segment: Segment::Index(self.index),
        };
        self.index += 1;
        seed.deserialize(NodeDe {
            node,
            path: Some(&link),
            folded: self.folded,
            trail: self.trail,
        })
        .map(Some)
        .map_err(|e| placed(e, node, &link))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'de, 'p> {
    /// The mapping's trail (see [`Trail`]), and the struct whose keys these are.
    trail: Trail,
    struct_name: Option<&'static str>,
    entries: std::iter::Enumerate<std::slice::Iter<'de, Entry<'de>>>,
    /// For a struct: each entry's field, and the entries another key for the same field beats.
    fields_of: Option<Vec<Option<&'static str>>>,
    beaten: Vec<(usize, String)>,
    current: Option<&'de Entry<'de>>,
    path: Option<&'p PathLink<'p>>,
    folded: &'p RefCell<Vec<FoldedKey>>,
}

impl<'de, 'p> Entries<'de, 'p> {
    fn new(
        entries: &'de [Entry<'de>],
        path: Option<&'p PathLink<'p>>,
        folded: &'p RefCell<Vec<FoldedKey>>,
        structure: Option<(&'static str, &'static [&'static str])>,
        trail: Trail,
    ) -> Self {
        let (fields_of, beaten) = structure.map_or((None, Vec::new()), |(_, fields)| {
            field_of_each(entries, fields)
        });
        Entries {
            trail,
            struct_name: structure.map(|(name, _)| name),
            entries: entries.iter().enumerate(),
            fields_of,
            beaten,
            current: None,
            path,
            folded,
        }
    }
}

/// The field each of a struct's keys names, and which keys lose to another key for the same
/// field.
type FieldsOfKeys = (Option<Vec<Option<&'static str>>>, Vec<(usize, String)>);

/// For a struct's keys: the field each names (exactly, or else ignoring case), and which keys
/// lose to another naming the same field. Go decodes keys in byte order, so the greatest wins,
/// unless it is null.
/// Costs one lookup per key when every key names its field exactly.
fn field_of_each(entries: &[Entry<'_>], fields: &'static [&'static str]) -> FieldsOfKeys {
    let folds = |key: &str| fields.iter().find(|f| f.eq_ignore_ascii_case(key)).copied();
    if entries
        .iter()
        .all(|e| fields.contains(&e.key.as_ref()) || folds(&e.key).is_none())
    {
        return (None, Vec::new());
    }
    let of: Vec<Option<&'static str>> = entries
        .iter()
        .map(|e| {
            fields
                .iter()
                .find(|f| **f == e.key.as_ref())
                .copied()
                .or_else(|| folds(&e.key))
        })
        .collect();
    let mut beaten = Vec::new();
    for (i, field) in of.iter().enumerate() {
        let Some(field) = field else { continue };
        // A null decodes to nothing in Go, so it never overwrites an earlier key's value.
        let is_null = |j: usize| matches!(entries[j].value.value, Value::Scalar(Scalar::Null));
        let winner = (0..entries.len())
            .filter(|j| of[*j] == Some(*field))
            .max_by(|a, b| {
                (!is_null(*a), entries[*a].key.as_bytes())
                    .cmp(&(!is_null(*b), entries[*b].key.as_bytes()))
            });
        if let Some(winner) = winner
            && winner != i
        {
            beaten.push((i, entries[winner].key.to_string()));
        }
    }
    (Some(of), beaten)
}

impl<'de> MapAccess<'de> for Entries<'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        loop {
            let Some((index, entry)) = self.entries.next() else {
                return Ok(None);
            };
            let field = self.fields_of.as_ref().and_then(|of| of[index]);
            let beaten_by = self
                .beaten
                .iter()
                .find(|(i, _)| *i == index)
                .map(|(_, by)| by.clone());
            if let Some(field) = field
                && (field != entry.key.as_ref() || beaten_by.is_some())
            {
                let link = PathLink {
                    parent: self.path,
                    segment: Segment::Key(&entry.key),
                };
                self.folded.borrow_mut().push(FoldedKey {
                    path: path_of(Some(&link)),
                    field,
                    ignored_for: beaten_by.clone(),
                });
            }
            if beaten_by.is_some() {
                continue;
            }
            self.current = Some(entry);
            let key: &'de str = field.unwrap_or(entry.key.as_ref());
            return seed
                .deserialize(de::value::BorrowedStrDeserializer::new(key))
                .map(Some);
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some(entry) = self.current.take() else {
            return Err(de::Error::custom("a value was read before its key"));
        };
        let link = PathLink {
            parent: self.path,
            segment: Segment::Key(entry.key.as_ref()),
        };
        let trail = self.trail.at_key(self.struct_name, entry.key.as_ref());
        seed.deserialize(NodeDe {
            node: &entry.value,
            path: Some(&link),
            folded: self.folded,
            trail,
        })
        .map_err(|e| placed(e, &entry.value, &link))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Variant<'de, 'p> {
    entry: &'de Entry<'de>,
    path: Option<&'p PathLink<'p>>,
    folded: &'p RefCell<Vec<FoldedKey>>,
    trail: Trail,
}

impl<'de, 'p> de::EnumAccess<'de> for Variant<'de, 'p> {
    type Error = DeError;
    type Variant = NodeDe<'de, 'p>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), DeError> {
        let tag = seed.deserialize(de::value::BorrowedStrDeserializer::new(
            self.entry.key.as_ref(),
        ))?;
        Ok((
            tag,
            NodeDe {
                node: &self.entry.value,
                path: self.path,
                folded: self.folded,
                trail: self.trail,
            },
        ))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'de, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_struct("", fields, visitor)
    }
}
