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
use std::borrow::Cow;

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

    /// A plain scalar in a block, from `pos`: its text, location, and whether `:` and a blank
    /// end it (it is a key; `pos` is then after the `:`). A scalar that is not a key goes on
    /// over the lines indented deeper than `parent`, the column of the collection it is in,
    /// folded as go-yaml folds them.
    fn plain(&mut self, parent: usize) -> Read<(Cow<'a, str>, Location, bool)> {
        let start = self.pos;
        let at = self.at(start);
        let (end, key) = self.plain_line();
        if key {
            self.pos += 1;
            return Ok((Cow::Borrowed(&self.text[start..end]), at, true));
        }
        let mut text = Cow::Borrowed(&self.text[start..end]);
        loop {
            // The scalar goes on if, after empty lines, a line deeper than `parent` has text.
            let mut next = self.pos;
            let mut breaks = 0usize;
            let mut line_start = self.line_start;
            loop {
                match self.bytes.get(next) {
                    Some(b' ') => next += 1,
                    Some(b'\n') => {
                        breaks += 1;
                        next += 1;
                        line_start = next;
                    }
                    _ => break,
                }
            }
            let column = next - line_start;
            let continues =
                breaks > 0 && column > parent && !matches!(self.bytes.get(next), None | Some(b'#'));
            if !continues {
                return Ok((text, at, false));
            }
            self.line += breaks as u64;
            self.line_start = line_start;
            self.pos = next;
            let line_from = self.pos;
            let (end, key) = self.plain_line();
            if key {
                return Err(self.unsupported("a key after a plain scalar over several lines"));
            }
            let joined = text.to_mut();
            if breaks == 1 {
                joined.push(' ');
            } else {
                push_breaks(joined, breaks - 1);
            }
            joined.push_str(&self.text[line_from..end]);
        }
    }

    /// The rest of a plain scalar's line from `pos`: where its text ends (trailing spaces
    /// dropped), and whether `:` and a blank end it (at that end). `pos` moves to the end of
    /// what was read: the `:`, the space before a comment, or the line break.
    fn plain_line(&mut self) -> (usize, bool) {
        let mut end = self.pos;
        let mut i = self.pos;
        let key = loop {
            match self.bytes.get(i) {
                None | Some(b'\n') => break false,
                Some(b':') if self.blank_at(i + 1) => break true,
                Some(b' ') => {
                    if self.bytes.get(i + 1) == Some(&b'#') {
                        break false;
                    }
                    i += 1;
                }
                Some(_) => {
                    i += 1;
                    end = i;
                }
            }
        };
        self.pos = i;
        (end, key)
    }

    /// A single- or double-quoted scalar that ends on its line.
    fn quoted(&mut self) -> Read<(Cow<'a, str>, Location)> {
        let at = self.at(self.pos);
        let quote = self.bytes[self.pos];
        self.pos += 1;
        let mut segment = self.pos;
        let mut owned: Option<String> = None;
        loop {
            let Some(&byte) = self.bytes.get(self.pos) else {
                return Err(self.unsupported("a quoted scalar over several lines"));
            };
            match byte {
                b'\n' => return Err(self.unsupported("a quoted scalar over several lines")),
                b'\'' if quote == b'\'' => {
                    let text = &self.text[segment..self.pos];
                    if self.bytes.get(self.pos + 1) == Some(&b'\'') {
                        let buffer = owned.get_or_insert_with(String::new);
                        buffer.push_str(text);
                        buffer.push('\'');
                        self.pos += 2;
                        segment = self.pos;
                        continue;
                    }
                    self.pos += 1;
                    return Ok((finish(owned, text), at));
                }
                b'"' if quote == b'"' => {
                    let text = &self.text[segment..self.pos];
                    self.pos += 1;
                    return Ok((finish(owned, text), at));
                }
                b'\\' if quote == b'"' => {
                    let buffer = owned.get_or_insert_with(String::new);
                    buffer.push_str(&self.text[segment..self.pos]);
                    let (decoded, len) = escape(&self.bytes[self.pos + 1..])
                        .ok_or_else(|| self.unsupported("an escape the fast reader leaves"))?;
                    buffer.push(decoded);
                    self.pos += 1 + len;
                    segment = self.pos;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// A literal (`|`) or folded (`>`) block scalar, `pos` at its indicator, in a collection at
    /// column `parent`. Its lines are read as go-yaml (libyaml) reads them.
    fn block_scalar(&mut self, parent: usize) -> Read<()> {
        let literal = self.bytes[self.pos] == b'|';
        self.pos += 1;
        // The header: a chomping indicator and an indentation indicator, in either order.
        let mut chomp = Chomp::Clip;
        let mut increment = None;
        for _ in 0..2 {
            match self.peek() {
                Some(b'-') if chomp == Chomp::Clip => chomp = Chomp::Strip,
                Some(b'+') if chomp == Chomp::Clip => chomp = Chomp::Keep,
                Some(digit @ b'1'..=b'9') if increment.is_none() => {
                    increment = Some(usize::from(digit - b'0'));
                }
                _ => break,
            }
            self.pos += 1;
        }
        let header_end = self.pos;
        self.skip_spaces();
        match self.peek() {
            Some(b'\n') => {}
            Some(b'#') if self.pos > header_end => self.pos = self.end_of_line(),
            _ => {
                return Err(self.unsupported("a block scalar header the fast reader leaves"));
            }
        }
        if self.peek().is_none() {
            return Err(self.unsupported("a block scalar at the end of the text"));
        }
        self.newline();

        // Leading empty lines; without an indentation indicator, the first line with text sets
        // the indentation.
        let given = increment.map(|increment| parent + increment);
        let mut breaks = 0usize;
        let mut widest = 0usize;
        loop {
            while self.peek() == Some(b' ') && given.is_none_or(|indent| self.column() < indent) {
                self.pos += 1;
            }
            widest = widest.max(self.column());
            if self.peek() != Some(b'\n') {
                break;
            }
            breaks += 1;
            self.newline();
        }
        if self.peek().is_none() {
            // The full parser places an empty block scalar at the end of the text on its header.
            return Err(self.unsupported("an empty block scalar at the end of the text"));
        }
        let at = self.at(self.pos);
        let indent = given.unwrap_or(widest.max(parent + 1));
        if given.is_none() && self.peek().is_some() && widest > self.column() {
            return Err(self.unsupported("an empty line indented deeper than a block scalar"));
        }

        let mut text = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        while self.peek().is_some() && self.column() == indent {
            let trailing_blank = self.peek() == Some(b' ');
            if !literal && leading_break && !leading_blank && !trailing_blank {
                // Folding: one line break between two lines of text becomes a space.
                if breaks == 0 {
                    text.push(' ');
                }
            } else if leading_break {
                text.push('\n');
            }
            leading_break = false;
            push_breaks(&mut text, breaks);
            breaks = 0;
            leading_blank = trailing_blank;
            let end = self.end_of_line();
            text.push_str(&self.text[self.pos..end]);
            self.pos = end;
            if self.peek().is_none() {
                break;
            }
            leading_break = true;
            self.newline();
            loop {
                while self.column() < indent && self.peek() == Some(b' ') {
                    self.pos += 1;
                }
                if self.peek() != Some(b'\n') {
                    break;
                }
                breaks += 1;
                self.newline();
            }
        }
        if chomp != Chomp::Strip && leading_break {
            text.push('\n');
        }
        if chomp == Chomp::Keep {
            push_breaks(&mut text, breaks);
        }
        // The line that ended the scalar is read again from its start.
        if self.peek().is_some() {
            self.pos = self.line_start;
        }
        self.scalar(Scalar::Str(Cow::Owned(text)), at)
    }

    /// A flow collection in a block, ending on its line.
    fn flow_in_block(&mut self) -> Read<()> {
        self.flow_node(0)?;
        if !self.blank_at(self.pos) {
            return Err(self.unsupported("more after a flow collection"));
        }
        Ok(())
    }

    fn flow_node(&mut self, depth: usize) -> Read<()> {
        if depth > MAX_FLOW_DEPTH {
            return Err(self.unsupported("deeply nested flow collections"));
        }
        let open = self.bytes[self.pos];
        let close = if open == b'[' { b']' } else { b'}' };
        let at = self.at(self.pos);
        self.pos += 1;
        if open == b'[' {
            self.builder.open_seq(at, 0);
        } else {
            self.builder.open_map(at, 0);
        }
        self.flow_space()?;
        if self.peek() == Some(close) {
            self.pos += 1;
            return self.close();
        }
        loop {
            if open == b'{' {
                match self.peek() {
                    Some(b'"' | b'\'') => {
                        let (key, key_at) = self.quoted()?;
                        self.scalar(Scalar::Str(key), key_at)?;
                    }
                    _ => {
                        let (key, key_at) = self.flow_plain(true)?;
                        let key = self.key_scalar(key)?;
                        self.scalar(key, key_at)?;
                    }
                }
                self.flow_space()?;
                if !(self.peek() == Some(b':') && self.blank_at(self.pos + 1)) {
                    return Err(self.unsupported("a flow mapping entry without `: `"));
                }
                self.pos += 1;
                self.flow_space()?;
            }
            self.flow_item(depth)?;
            self.flow_space()?;
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.flow_space()?;
                    if self.peek() == Some(close) {
                        return Err(self.unsupported("a trailing comma in a flow collection"));
                    }
                }
                Some(byte) if byte == close => {
                    self.pos += 1;
                    return self.close();
                }
                _ => return Err(self.unsupported("a flow collection the fast reader leaves")),
            }
        }
    }

    fn flow_item(&mut self, depth: usize) -> Read<()> {
        match self.peek() {
            Some(b'[' | b'{') => self.flow_node(depth + 1),
            Some(b'"' | b'\'') => {
                let (value, at) = self.quoted()?;
                self.scalar(Scalar::Str(value), at)
            }
            _ => {
                let (text, at) = self.flow_plain(false)?;
                self.scalar(scalar::resolve_plain(text), at)
            }
        }
    }

    /// A plain scalar in a flow collection: up to `,`, a bracket or a brace, or for a `key`,
    /// `: `.
    fn flow_plain(&mut self, key: bool) -> Read<(Cow<'a, str>, Location)> {
        let start = self.pos;
        let next = self.bytes.get(start + 1).copied();
        let first = self
            .peek()
            .ok_or_else(|| self.unsupported("a flow collection at the end"))?;
        if !plain_starts(first, next)
            || matches!(next, Some(b',' | b'[' | b']' | b'{' | b'}')) && first == b'-'
        {
            return Err(self.unsupported("an indicator in a flow collection"));
        }
        let at = self.at(start);
        let mut end = start;
        loop {
            match self.peek() {
                None | Some(b'\n' | b',' | b'[' | b']' | b'{' | b'}') => break,
                Some(b':') if key && self.blank_at(self.pos + 1) => break,
                Some(b':' | b'#' | b'?') => {
                    return Err(self.unsupported("a flow scalar the fast reader leaves"));
                }
                Some(b' ') => self.pos += 1,
                Some(_) => {
                    self.pos += 1;
                    end = self.pos;
                }
            }
        }
        Ok((Cow::Borrowed(&self.text[start..end]), at))
    }

    /// Spaces inside a flow collection, which must go on on this line.
    fn flow_space(&mut self) -> Read<()> {
        self.skip_spaces();
        match self.peek() {
            None | Some(b'\n' | b'#') => {
                Err(self.unsupported("a flow collection over several lines"))
            }
            Some(_) => Ok(()),
        }
    }
}

fn finish<'a>(owned: Option<String>, rest: &'a str) -> Cow<'a, str> {
    match owned {
        Some(mut text) => {
            text.push_str(rest);
            Cow::Owned(text)
        }
        None => Cow::Borrowed(rest),
    }
}

fn push_breaks(text: &mut String, breaks: usize) {
    text.extend(std::iter::repeat_n('\n', breaks));
}

/// Whether a plain scalar may start with `first` (followed by `next`), as YAML's block context
/// allows; the rarer starts (`?x`, `:x`) are left to the full parser.
fn plain_starts(first: u8, next: Option<u8>) -> bool {
    match first {
        b'-' => !matches!(next, None | Some(b' ' | b'\n')),
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' => false,
        _ => true,
    }
}

/// A double-quoted scalar's escape after the backslash, as go-yaml decodes it: the character and
/// how many bytes the escape takes. `None` for what the fast reader leaves to the full parser.
fn escape(after: &[u8]) -> Option<(char, usize)> {
    let simple = match after.first()? {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0b',
        b'f' => '\x0c',
        b'r' => '\r',
        b'e' => '\x1b',
        b' ' => ' ',
        b'"' => '"',
        b'\'' => '\'',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' => return hex(after, 2),
        b'u' => return hex(after, 4),
        b'U' => return hex(after, 8),
        _ => return None,
    };
    Some((simple, 1))
}

fn hex(after: &[u8], digits: usize) -> Option<(char, usize)> {
    let code = after.get(1..=digits)?;
    let code = std::str::from_utf8(code).ok()?;
    if !code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let value = u32::from_str_radix(code, 16).ok()?;
    Some((char::from_u32(value)?, 1 + digits))
}

/// YAML's printable characters (outside ASCII, which is checked byte by byte), without the
/// ones go-yaml reads as line breaks (NEL, LS, PS) and the byte order mark.
fn printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fefe}' | '\u{ff00}'..='\u{fffd}' | '\u{10000}'..)
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
