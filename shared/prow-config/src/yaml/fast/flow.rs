//! Flow collections (`[a, b]`, `{k: v}`), read as far as the fast reader supports them.

use super::*;

impl<'a> Reader<'a> {
    /// A flow collection in a block, ending on its line.
    pub(super) fn flow_in_block(&mut self) -> Read<()> {
        self.flow_node(0)?;
        if !self.blank_at(self.pos) {
            return Err(self.unsupported("more after a flow collection"));
        }
        Ok(())
    }

    pub(super) fn flow_node(&mut self, depth: usize) -> Read<()> {
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

    pub(super) fn flow_item(&mut self, depth: usize) -> Read<()> {
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
    pub(super) fn flow_plain(&mut self, key: bool) -> Read<(Cow<'a, str>, Location)> {
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
    pub(super) fn flow_space(&mut self) -> Read<()> {
        self.skip_spaces();
        match self.peek() {
            None | Some(b'\n' | b'#') => {
                Err(self.unsupported("a flow collection over several lines"))
            }
            Some(_) => Ok(()),
        }
    }
}
