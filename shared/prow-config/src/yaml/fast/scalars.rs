//! Scalars in block context: plain, single- and double-quoted, and literal or folded block
//! scalars with their chomping and indentation indicators.

use super::*;

impl<'a> Reader<'a> {
    /// A plain scalar in a block, from `pos`: its text, location, and whether `:` and a blank
    /// end it (it is a key; `pos` is then after the `:`). A scalar that is not a key goes on
    /// over the lines indented deeper than `parent`, the column of the collection it is in,
    /// folded as go-yaml folds them.
    pub(super) fn plain(&mut self, parent: usize) -> Read<(Cow<'a, str>, Location, bool)> {
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
    pub(super) fn plain_line(&mut self) -> (usize, bool) {
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
    pub(super) fn quoted(&mut self) -> Read<(Cow<'a, str>, Location)> {
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
    pub(super) fn block_scalar(&mut self, parent: usize) -> Read<()> {
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
}

pub(super) fn finish<'a>(owned: Option<String>, rest: &'a str) -> Cow<'a, str> {
    match owned {
        Some(mut text) => {
            text.push_str(rest);
            Cow::Owned(text)
        }
        None => Cow::Borrowed(rest),
    }
}

pub(super) fn push_breaks(text: &mut String, breaks: usize) {
    text.extend(std::iter::repeat_n('\n', breaks));
}

/// Whether a plain scalar may start with `first` (followed by `next`), as YAML's block context
/// allows; the rarer starts (`?x`, `:x`) are left to the full parser.
pub(super) fn plain_starts(first: u8, next: Option<u8>) -> bool {
    match first {
        b'-' => !matches!(next, None | Some(b' ' | b'\n')),
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' => false,
        _ => true,
    }
}

/// A double-quoted scalar's escape after the backslash, as go-yaml decodes it: the character and
/// how many bytes the escape takes. `None` for what the fast reader leaves to the full parser.
pub(super) fn escape(after: &[u8]) -> Option<(char, usize)> {
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

pub(super) fn hex(after: &[u8], digits: usize) -> Option<(char, usize)> {
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
pub(super) fn printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fefe}' | '\u{ff00}'..='\u{fffd}' | '\u{10000}'..)
}
