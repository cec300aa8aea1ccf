//! A fast reader for the YAML Prow configurations are written in: block mappings and lists,
//! plain and quoted scalars on one line, literal and folded block scalars, flow collections on
//! one line, comments. It reads the bytes once and feeds the same [`Builder`] the full parser
//! feeds, with the same locations, so both make the same tree; it is several times faster
//! because it does not produce tokens and events for YAML's whole grammar.
//!
//! It decides nothing on its own. Anything outside that subset (anchors, aliases, tags, merge
//! keys, plain or quoted scalars over several lines, tabs, a second document...) and anything
//! it finds wrong makes it give up, and the full parser reads the file from the start: the
//! answer, and any error message, is the full parser's. The crate's tests compare both readers
//! on every file of the corpus, node by node and location by location.

use super::scalar::{self, Scalar};
use super::tree::{Builder, Document};
use crate::diagnostics::Location;
use scalars::{plain_starts, printable};
use std::borrow::Cow;

mod flow;
mod scalars;

/// The text uses YAML the fast reader leaves to the full parser.
#[derive(Debug)]
pub(crate) struct Unsupported {
    /// What it met, for tests and debugging.
    pub(crate) reason: &'static str,
    /// On which line, from 1.
    pub(crate) line: u64,
}

type Read<T> = Result<T, Unsupported>;

/// Reads the first (and only) document of `text`, which starts after any byte order mark.
pub(crate) fn parse(text: &str) -> Read<Document<'_>> {
    let mut reader = Reader::new(text)?;
    reader.document()?;
    Ok(reader.builder.finish())
}

/// Deeper flow collections than this are left to the full parser.
const MAX_FLOW_DEPTH: usize = 16;
/// Deeper block collections than this are left to the full parser, which refuses more than 255
/// levels. The reader recurses once a level, so without a bound a text nested deeply enough (a
/// pull request's `.prow.yaml`, say) would overflow the stack.
const MAX_BLOCK_DEPTH: usize = 64;
/// YAML limits an implicit key to 1024 characters.
const MAX_KEY_LEN: usize = 1024;

/// Where a node starts, which decides what may start there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The document's root: a mapping or a list.
    Root,
    /// A line of its own, under a key or a `-`.
    OwnLine,
    /// After `key: `: a `key: value` there would be a second key on one line.
    AfterKey,
    /// After `- `: `- key: value` starts a mapping in the list item.
    AfterDash,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// The byte being read.
    pos: usize,
    /// Its line, from 1.
    line: u64,
    /// Where its line starts.
    line_start: usize,
    /// Columns are bytes when the text is ASCII, characters otherwise.
    ascii: bool,
    builder: Builder<'a>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Read<Self> {
        let bytes = text.as_bytes();
        // Tabs, carriage returns and control characters have rules of their own (or are
        // errors); none appears in a configuration written by hand.
        if bytes.iter().any(|&b| (b < 0x20 && b != b'\n') || b == 0x7f) {
            return Err(Unsupported {
                reason: "a tab, carriage return or control character",
                line: 0,
            });
        }
        let ascii = text.is_ascii();
        if !ascii && text.chars().any(|c| !printable(c)) {
            return Err(Unsupported {
                reason: "a character YAML does not allow",
                line: 0,
            });
        }
        Ok(Reader {
            text,
            bytes,
            pos: 0,
            line: 1,
            line_start: 0,
            ascii,
            builder: Builder::default(),
        })
    }

    fn unsupported(&self, reason: &'static str) -> Unsupported {
        Unsupported {
            reason,
            line: self.line,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Whether the byte at `pos` ends a token: a space, a line break or the end.
    fn blank_at(&self, pos: usize) -> bool {
        matches!(self.bytes.get(pos), None | Some(b' ' | b'\n'))
    }

    /// Whether a list entry (`-` then a blank) starts here.
    fn at_entry(&self) -> bool {
        self.peek() == Some(b'-') && self.blank_at(self.pos + 1)
    }

    /// The location of byte `pos` on the current line, counted as the full parser counts it.
    fn at(&self, pos: usize) -> Location {
        let column = if self.ascii {
            pos - self.line_start
        } else {
            self.text[self.line_start..pos].chars().count()
        };
        Location {
            line: self.line,
            column: column as u64 + 1,
        }
    }

    fn column(&self) -> usize {
        self.pos - self.line_start
    }

    /// Moves past the line break at `pos`.
    fn newline(&mut self) {
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn end_of_line(&self) -> usize {
        self.bytes[self.pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |offset| self.pos + offset)
    }

    /// Places a scalar; what the tree refuses (a null key, say) the full parser reports.
    fn scalar(&mut self, value: Scalar<'a>, at: Location) -> Read<()> {
        let placed = self.builder.scalar(value, at);
        placed.map_err(|_| self.unsupported("a value the full parser should report on"))
    }

    /// Before a block collection opens: whether the reader goes that deep.
    fn deeper(&self) -> Read<()> {
        if self.builder.depth() >= MAX_BLOCK_DEPTH {
            return Err(self.unsupported("block collections nested deeper than it reads"));
        }
        Ok(())
    }

    fn close(&mut self) -> Read<()> {
        let placed = self.builder.close();
        placed.map_err(|_| self.unsupported("a value the full parser should report on"))
    }

    /// Moves past the rest of the current line, which may hold only spaces and a comment, and
    /// past blank and comment lines, to the next content. Returns its column, or `None` at the
    /// end of the text.
    fn skip_to_content(&mut self) -> Read<Option<usize>> {
        let mut line_begun = self.bytes[self.line_start..self.pos]
            .iter()
            .any(|&b| b != b' ');
        loop {
            match self.peek() {
                None => return Ok(None),
                Some(b' ') => self.pos += 1,
                Some(b'\n') => {
                    self.newline();
                    line_begun = false;
                }
                // Every token stops before a space or a line break, so this is a comment.
                Some(b'#') => self.pos = self.end_of_line(),
                Some(_) if line_begun => {
                    return Err(self.unsupported("more after a value on its line"));
                }
                Some(_) => return Ok(Some(self.column())),
            }
        }
    }

    /// [`Reader::skip_to_content`] inside the document, where a document marker ends it.
    fn next_content(&mut self) -> Read<Option<usize>> {
        let next = self.skip_to_content()?;
        if next == Some(0) && self.document_marker() {
            return Err(self.unsupported("a document marker after the start"));
        }
        Ok(next)
    }

    /// `---` or `...` at the start of a line, then a blank.
    fn document_marker(&self) -> bool {
        let rest = &self.bytes[self.pos..];
        (rest.starts_with(b"---") || rest.starts_with(b"...")) && self.blank_at(self.pos + 3)
    }

    fn document(&mut self) -> Read<()> {
        let mut first = self.skip_to_content()?;
        if first == Some(0) && self.document_marker() {
            if self.bytes[self.pos] == b'.' {
                return Err(self.unsupported("a document end marker"));
            }
            self.pos += 3;
            first = self.next_content()?;
            if first.is_none() {
                return Err(self.unsupported("a document that is only a marker"));
            }
        }
        if first.is_none() {
            return Ok(());
        }
        self.node(0, Place::Root)?;
        // Whatever follows, a second document included, is for the full parser to judge.
        if self.skip_to_content()?.is_some() {
            return Err(self.unsupported("more after the document"));
        }
        Ok(())
    }

    /// The node at `pos`, at `place`, in a collection at column `parent`.
    fn node(&mut self, parent: usize, place: Place) -> Read<()> {
        let column = self.column();
        let inline = matches!(place, Place::AfterKey | Place::AfterDash);
        match self.peek() {
            Some(b'-') if self.at_entry() => {
                if inline {
                    return Err(self.unsupported("a list inside a line"));
                }
                self.block_sequence(column, false)
            }
            Some(b'|' | b'>') if inline => self.block_scalar(parent),
            Some(b'[' | b'{') if place != Place::Root => self.flow_in_block(),
            Some(b'"' | b'\'') => {
                let (text, at) = self.quoted()?;
                let key = self.key_follows()?;
                self.scalar_or_mapping(place, column, Scalar::Str(text), key, at)
            }
            Some(first) if plain_starts(first, self.bytes.get(self.pos + 1).copied()) => {
                let (text, at, key) = self.plain(parent)?;
                let value = if key {
                    self.key_scalar(text)?
                } else {
                    scalar::resolve_plain(text)
                };
                self.scalar_or_mapping(place, column, value, key, at)
            }
            _ => Err(self.unsupported("an indicator the fast reader leaves")),
        }
    }

    /// A scalar read at `place`: a value, or the first key of a mapping at `column` when a `:`
    /// followed it (`pos` after that `:`).
    fn scalar_or_mapping(
        &mut self,
        place: Place,
        column: usize,
        value: Scalar<'a>,
        key: bool,
        at: Location,
    ) -> Read<()> {
        match (key, place) {
            (true, Place::AfterKey) => Err(self.unsupported("a second key on one line")),
            (true, _) => self.block_mapping(column, value, at),
            (false, Place::Root) => Err(self.unsupported("a document that is a scalar")),
            (false, _) => self.scalar(value, at),
        }
    }

    /// A plain key of a mapping at the current line's content.
    fn plain_key(&mut self) -> Read<(Scalar<'a>, Location)> {
        let start = self.pos;
        let at = self.at(start);
        let (end, key) = self.plain_line();
        if !key {
            return Err(self.unsupported("a line without a key in a mapping"));
        }
        self.pos += 1;
        Ok((self.key_scalar(Cow::Borrowed(&self.text[start..end]))?, at))
    }

    fn key_scalar(&self, text: Cow<'a, str>) -> Read<Scalar<'a>> {
        if text == "<<" {
            return Err(self.unsupported("a merge key"));
        }
        if text.len() > MAX_KEY_LEN {
            return Err(self.unsupported("a key longer than YAML allows"));
        }
        Ok(scalar::resolve_plain(text))
    }

    /// After a quoted scalar: whether `:` and a blank follow, making it a key (then consumed).
    fn key_follows(&mut self) -> Read<bool> {
        let after = self.pos;
        self.skip_spaces();
        match self.peek() {
            Some(b':') if self.blank_at(self.pos + 1) => {
                self.pos += 1;
                Ok(true)
            }
            None | Some(b'\n') => Ok(false),
            Some(b'#') if self.pos > after => Ok(false),
            _ => Err(self.unsupported("more after a quoted scalar")),
        }
    }

    /// A block mapping at `column` whose first key has been read, with `pos` after its `:`.
    fn block_mapping(
        &mut self,
        column: usize,
        first_key: Scalar<'a>,
        key_at: Location,
    ) -> Read<()> {
        self.deeper()?;
        self.builder.open_map(key_at, 0);
        self.scalar(first_key, key_at)?;
        loop {
            self.mapping_value(column)?;
            match self.next_content()? {
                Some(next) if next == column => {
                    let (key, at) = match self.peek() {
                        Some(b'"' | b'\'') => {
                            let (key, at) = self.quoted()?;
                            if !self.key_follows()? {
                                return Err(self.unsupported("a line without a key in a mapping"));
                            }
                            (Scalar::Str(key), at)
                        }
                        Some(first)
                            if !self.at_entry()
                                && plain_starts(first, self.bytes.get(self.pos + 1).copied()) =>
                        {
                            self.plain_key()?
                        }
                        _ => return Err(self.unsupported("a line without a key in a mapping")),
                    };
                    self.scalar(key, at)?;
                }
                Some(next) if next > column => {
                    return Err(self.unsupported("a line indented deeper than its mapping"));
                }
                _ => break,
            }
        }
        self.close()
    }

    /// The value after a key's `:` (at `pos - 1`) in a mapping at `column`.
    fn mapping_value(&mut self, column: usize) -> Read<()> {
        let colon_at = self.at(self.pos - 1);
        self.skip_spaces();
        match self.peek() {
            None | Some(b'\n' | b'#') => match self.next_content()? {
                Some(next) if next > column => self.node(column, Place::OwnLine),
                Some(next) if next == column && self.at_entry() => {
                    self.block_sequence(column, true)
                }
                // Nothing: a null, which the full parser places at the `:`.
                _ => self.scalar(Scalar::Null, colon_at),
            },
            Some(_) => self.node(column, Place::AfterKey),
        }
    }

    /// A block list at `column`, `pos` at its first `-`. An indentless list (a mapping's value
    /// at the mapping's own column) starts, for the full parser, where its first item starts.
    fn block_sequence(&mut self, column: usize, indentless: bool) -> Read<()> {
        self.deeper()?;
        let mut opened = false;
        if !indentless {
            self.builder.open_seq(self.at(self.pos), 0);
            opened = true;
        }
        loop {
            self.pos += 1;
            self.skip_spaces();
            match self.peek() {
                None | Some(b'\n' | b'#') => {
                    if self.peek() == Some(b'#') {
                        self.pos = self.end_of_line();
                    }
                    // An empty item is a null placed where its line ends.
                    let end_at = self.at(self.pos);
                    if !opened {
                        self.builder.open_seq(end_at, 0);
                        opened = true;
                    }
                    match self.next_content()? {
                        Some(next) if next > column => self.node(column, Place::OwnLine)?,
                        _ => self.scalar(Scalar::Null, end_at)?,
                    }
                }
                Some(_) => {
                    if !opened {
                        self.builder.open_seq(self.at(self.pos), 0);
                        opened = true;
                    }
                    self.node(column, Place::AfterDash)?;
                }
            }
            match self.next_content()? {
                Some(next) if next == column && self.at_entry() => {}
                Some(next) if next > column => {
                    return Err(self.unsupported("a line indented deeper than its list"));
                }
                _ => break,
            }
        }
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use super::super::Readers;

    fn compare(name: &str, text: &str) -> Result<(), (&'static str, u64)> {
        match super::super::compare_readers(text) {
            Readers::Agree => Ok(()),
            Readers::FastDeclined { reason, line } => Err((reason, line)),
            Readers::Disagree { fast, full } => {
                panic!("{name}: the readers disagree:\nfast: {fast}\nfull: {full}")
            }
        }
    }

    #[test]
    fn reads_what_the_full_parser_reads() {
        let cases = [
            ("empty", ""),
            ("comments", "# a\n\n  # b\n"),
            ("marker", "---\na: 1\n"),
            ("marker and comment", "--- # c\na: 1\n"),
            (
                "scalars",
                "a: 1\nb: yes\nc: ~\nd: 0x1F\ne: 1.5\nf: text with:colon\ng: a#b\nh: x # c\n",
            ),
            ("nulls", "a:\nb:   # c\nc:\n  - \n  -\n  - # c\n  - x\n"),
            (
                "nested",
                "a:\n  b:\n    c: d\n  e: [1, two, \"3\"]\nf: {}\ng: []\n",
            ),
            (
                "indentless",
                "a:\n- x\n- k: v\n  l:\n  - y\n  m: 1\nb:\n-\n- z\nc:\n- |\n  t\n",
            ),
            ("indentless quoted", "a:\n-   \"q\"\nb:\n- [a]\n- {k: v}\n"),
            ("root list", "- a\n- b: c\n  d: e\n-\n  f: g\n"),
            (
                "quoted",
                "'a': 'it''s'\n\"b\": \"tab\\tnew\\nline \\\"q\\\" \\\\ \\u00e9 \\x41\"\n\"c\" : d\n",
            ),
            ("keys", "1: a\ntrue: b\n1.5: c\non: d\n"),
            ("repeated", "a: 1\nb: 2\na: 3\n"),
            (
                "literal",
                "a: |\n  one\n   two\n\n  three\nb: |-\n  x\n\n\nc: |+\n  y\n\n\nd: |\n\ne: x\n",
            ),
            (
                "folded",
                "a: >\n  one\n  two\n\n  three\n    more\n  four\nb: >-\n  x\n  y\nc: >+\n  z\n\n",
            ),
            (
                "block scalar in list",
                "- |\n  a\n  b\n- >-\n  c\n  d\n- k: |\n    e\n  l: f\n",
            ),
            ("block scalar at end", "a: |\n  x"),
            ("block scalar, spaces", "a: |\n  x\n    \n  y\n   \nb: 1\n"),
            (
                "block scalar with comment",
                "a: | # c\n  x\n  # not a comment\n# a comment\nb: 1\n",
            ),
            ("unicode", "a: héllo wörld\nb: [é, 'ü']\nc: \"ñ\"\n"),
            (
                "flow nested",
                "a: [[1, 2], {k: [v]}, \"x\", 'y']\nb: {a: 1, 'b': \"2\"}\n",
            ),
            (
                "deep indent",
                "a:\n        b:\n                c: 1\n        d: 2\n",
            ),
            ("root indented", "  a: 1\n  b: 2\n"),
            ("plain with dashes", "a: -1\nb: --flag=x\nc:\n- --x\n- -y\n"),
            ("trailing spaces", "a: 1   \nb: text   # c\n"),
            (
                "multi-line plain",
                "a: one\n  two  \n\n\n   three # c\nb:\n  x\n  - y\nc:\n- p\n  q\n- r\n",
            ),
            (
                "multi-line plain in a list",
                "- k: one\n    two\n  l: -x\n   -y\n",
            ),
            (
                "indentation indicator",
                "a:\n  b: |2+\n      x\n     y\n\n  c: >1-\n    z\n",
            ),
        ];
        for (name, text) in cases {
            if let Err(unsupported) = compare(name, text) {
                panic!("{name}: the fast reader gave up: {unsupported:?}");
            }
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_parser() {
        let cases = [
            ("anchor", "a: &x 1\nb: *x\n"),
            ("merge", "a: {k: v}\nb:\n  <<: {k: w}\n"),
            ("tag", "a: !!str 1\n"),
            ("key after a multi-line plain", "- a\n  b: c\n"),
            ("multi-line quoted", "a: \"one\n  two\"\n"),
            ("multi-line flow", "a: [1,\n  2]\n"),
            ("two documents", "a: 1\n---\nb: 2\n"),
            ("end marker", "a: 1\n...\n"),
            ("tab", "a:\t1\n"),
            ("crlf", "a: 1\r\n"),
            ("key on key", "a: b: c\n"),
            ("list after key", "a: - b\n"),
            ("list in list", "- - a\n"),
            ("explicit key", "? a\n: b\n"),
            ("scalar document", "just text\n"),
            ("bad indent", "a:\n    b: 1\n  c: 2\n"),
            ("unknown escape", "a: \"\\q\"\n"),
            ("null key", "~: a\n"),
            ("trailing comma", "a: [1, 2, ]\n"),
            ("only a marker", "---\n"),
            ("directive", "%YAML 1.1\n---\na: 1\n"),
            ("empty block scalar at the end", "a: |\n\n"),
        ];
        for (name, text) in cases {
            assert!(
                super::parse(text).is_err(),
                "{name}: the fast reader should leave this to the full parser"
            );
        }
    }
}
