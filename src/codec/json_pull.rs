//! A pull reader for JSON: one token at a time, so JSON -> XML can stream a
//! document of any size. Strings and numbers are bounded by
//! [`Limits::max_text`](super::Limits), nesting by `max_depth`, and every
//! value it materializes by a byte budget; numbers keep their exact text.
//!
//! serde_json has no pull API (its `StreamDeserializer` yields whole values),
//! and the streaming crates we looked at read a string whole without a bound,
//! so this small reader is ours.

use std::io::BufRead;

use super::error::TranslateError;
use super::json_tree::Json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

pub(crate) struct JsonPull<R: BufRead> {
    r: R,
    line: usize,
    column: usize,
    offset: u64,
    /// Open containers; `true` while the next member or item is the first.
    stack: Vec<bool>,
    max_text: usize,
    max_depth: usize,
}

type Res<T> = Result<T, TranslateError>;

impl<R: BufRead> JsonPull<R> {
    pub fn new(r: R, max_text: usize, max_depth: usize) -> Self {
        JsonPull {
            r,
            line: 1,
            column: 1,
            offset: 0,
            stack: Vec::new(),
            max_text,
            max_depth,
        }
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// A second member named `key` in one object: refused, as the tree
    /// parser refuses it, so no value can be smuggled past validation.
    pub fn duplicate(&self, key: &str) -> TranslateError {
        self.error(format!("duplicate key `{key}`"))
    }

    fn error(&self, detail: impl Into<String>) -> TranslateError {
        TranslateError::Json {
            line: self.line,
            column: self.column,
            detail: detail.into(),
        }
    }

    fn peek_byte(&mut self) -> Res<Option<u8>> {
        let buf = self.r.fill_buf()?;
        Ok(buf.first().copied())
    }

    fn bump(&mut self, b: u8) {
        self.r.consume(1);
        self.offset += 1;
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if b & 0xC0 != 0x80 {
            // Columns count characters, not UTF-8 continuation bytes.
            self.column += 1;
        }
    }

    fn next_byte(&mut self) -> Res<u8> {
        match self.peek_byte()? {
            Some(b) => {
                self.bump(b);
                Ok(b)
            }
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn skip_ws(&mut self) -> Res<Option<u8>> {
        loop {
            match self.peek_byte()? {
                Some(b @ (b' ' | b'\t' | b'\n' | b'\r')) => self.bump(b),
                other => return Ok(other),
            }
        }
    }

    fn expect(&mut self, want: u8) -> Res<()> {
        match self.skip_ws()? {
            Some(b) if b == want => {
                self.bump(b);
                Ok(())
            }
            Some(b) => Err(self.error(format!(
                "expected `{}`, found `{}`",
                want as char,
                printable(b)
            ))),
            None => Err(self.error(format!("expected `{}`, found the end", want as char))),
        }
    }

    /// The kind of the next value, without consuming it.
    pub fn peek(&mut self) -> Res<Kind> {
        match self.skip_ws()? {
            Some(b'{') => Ok(Kind::Object),
            Some(b'[') => Ok(Kind::Array),
            Some(b'"') => Ok(Kind::String),
            Some(b't' | b'f') => Ok(Kind::Bool),
            Some(b'n') => Ok(Kind::Null),
            Some(b'-' | b'0'..=b'9') => Ok(Kind::Number),
            Some(b) => Err(self.error(format!("expected a value, found `{}`", printable(b)))),
            None => Err(self.error("expected a value, found the end")),
        }
    }

    fn open(&mut self, b: u8) -> Res<()> {
        if self.stack.len() >= self.max_depth {
            return Err(TranslateError::Limit(format!(
                "JSON nested deeper than {} levels",
                self.max_depth
            )));
        }
        self.expect(b)?;
        self.stack.push(true);
        Ok(())
    }

    pub fn begin_object(&mut self) -> Res<()> {
        self.open(b'{')
    }

    pub fn begin_array(&mut self) -> Res<()> {
        self.open(b'[')
    }

    /// Moves past `,` or the closing bracket; `false` at the end of the container.
    fn more(&mut self, close: u8) -> Res<bool> {
        let first = *self.stack.last().expect("inside a container");
        match self.skip_ws()? {
            Some(b) if b == close => {
                self.bump(b);
                self.stack.pop();
                Ok(false)
            }
            Some(b',') if !first => {
                self.bump(b',');
                Ok(true)
            }
            _ if first => {
                if let Some(top) = self.stack.last_mut() {
                    *top = false;
                }
                Ok(true)
            }
            Some(b) => Err(self.error(format!(
                "expected `,` or `{}`, found `{}`",
                close as char,
                printable(b)
            ))),
            None => Err(self.error("unexpected end of input")),
        }
    }

    /// The next member's name, or `None` after the object's closing brace.
    pub fn next_key(&mut self) -> Res<Option<String>> {
        if !self.more(b'}')? {
            return Ok(None);
        }
        if self.skip_ws()? != Some(b'"') {
            return Err(self.error("expected a property name in double quotes"));
        }
        let key = self.string()?;
        self.expect(b':')?;
        Ok(Some(key))
    }

    /// `true` when the array has another item (positioned at it).
    pub fn next_item(&mut self) -> Res<bool> {
        self.more(b']')
    }

    fn string(&mut self) -> Res<String> {
        self.next_byte()?; // the opening quote
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            // Copy the run up to the next quote, backslash or control byte at once.
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Err(self.error("unterminated string"));
            }
            let run = buf
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(buf.len());
            if bytes.len() + run > self.max_text {
                return Err(TranslateError::Limit(format!(
                    "a JSON string longer than {} bytes",
                    self.max_text
                )));
            }
            bytes.extend_from_slice(&buf[..run]);
            for i in 0..run {
                let b = bytes[bytes.len() - run + i];
                if b & 0xC0 != 0x80 {
                    self.column += 1;
                }
            }
            self.r.consume(run);
            self.offset += run as u64;
            if run > 0 {
                continue;
            }
            match self.next_byte()? {
                b'"' => break,
                b'\\' => self.escape(&mut bytes)?,
                _ => return Err(self.error("a control character in a string must be escaped")),
            }
        }
        String::from_utf8(bytes).map_err(|_| self.error("a string is not valid UTF-8"))
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Res<()> {
        let c = match self.next_byte()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if self.next_byte()? != b'\\' || self.next_byte()? != b'u' {
                        return Err(self.error("a lone surrogate in a \\u escape"));
                    }
                    let lo = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(self.error("a lone surrogate in a \\u escape"));
                    }
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                char::from_u32(code)
                    .ok_or_else(|| self.error("a lone surrogate in a \\u escape"))?
            }
            b => return Err(self.error(format!("invalid escape `\\{}`", printable(b)))),
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        Ok(())
    }

    fn hex4(&mut self) -> Res<u32> {
        let mut v = 0;
        for _ in 0..4 {
            let b = self.next_byte()?;
            let d = (b as char)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// Moves one byte of a number into `s`.
    fn take(&mut self, s: &mut String) -> Res<()> {
        if s.len() >= self.max_text {
            return Err(TranslateError::Limit(format!(
                "a JSON number longer than {} bytes",
                self.max_text
            )));
        }
        let b = self.next_byte()?;
        s.push(b as char);
        Ok(())
    }

    fn digits(&mut self, s: &mut String) -> Res<usize> {
        let mut n = 0;
        while let Some(b'0'..=b'9') = self.peek_byte()? {
            self.take(s)?;
            n += 1;
        }
        Ok(n)
    }

    /// A number's exact text, checked against the JSON grammar.
    fn number(&mut self) -> Res<String> {
        let mut s = String::new();
        if self.peek_byte()? == Some(b'-') {
            self.take(&mut s)?;
        }
        match self.peek_byte()? {
            Some(b'0') => self.take(&mut s)?,
            Some(b'1'..=b'9') => {
                self.digits(&mut s)?;
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek_byte()? == Some(b'.') {
            self.take(&mut s)?;
            if self.digits(&mut s)? == 0 {
                return Err(self.error("invalid number: digits must follow `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek_byte()? {
            self.take(&mut s)?;
            if let Some(b'+' | b'-') = self.peek_byte()? {
                self.take(&mut s)?;
            }
            if self.digits(&mut s)? == 0 {
                return Err(self.error("invalid number: digits must follow the exponent"));
            }
        }
        if let Some(b'0'..=b'9') = self.peek_byte()? {
            return Err(self.error("invalid number: a leading zero"));
        }
        Ok(s)
    }

    fn literal(&mut self, word: &str) -> Res<()> {
        for want in word.bytes() {
            if self.next_byte()? != want {
                return Err(self.error(format!("expected `{word}`")));
            }
        }
        Ok(())
    }

    /// Reads the next value whole. `budget` bounds the bytes it may span, so
    /// a value kept in memory cannot grow without limit.
    pub fn value(&mut self, budget: u64) -> Res<Json> {
        let start = self.offset;
        let v = self.value_within(start, budget)?;
        self.within(start, budget)?;
        Ok(v)
    }

    fn within(&self, start: u64, budget: u64) -> Res<()> {
        if self.offset - start > budget {
            return Err(TranslateError::Limit(format!(
                "a JSON value kept in memory spans more than {budget} bytes"
            )));
        }
        Ok(())
    }

    fn value_within(&mut self, start: u64, budget: u64) -> Res<Json> {
        self.within(start, budget)?;
        Ok(match self.peek()? {
            Kind::Null => {
                self.literal("null")?;
                Json::Null
            }
            Kind::Bool => {
                if self.skip_ws()? == Some(b't') {
                    self.literal("true")?;
                    Json::Bool(true)
                } else {
                    self.literal("false")?;
                    Json::Bool(false)
                }
            }
            Kind::Number => Json::Number(self.number()?),
            Kind::String => Json::String(self.string()?),
            Kind::Array => {
                self.begin_array()?;
                let mut items = Vec::new();
                while self.next_item()? {
                    items.push(self.value_within(start, budget)?);
                }
                Json::Array(items)
            }
            Kind::Object => {
                self.begin_object()?;
                let mut members: Vec<(String, Json)> = Vec::new();
                while let Some(k) = self.next_key()? {
                    if members.iter().any(|(m, _)| *m == k) {
                        return Err(self.duplicate(&k));
                    }
                    let v = self.value_within(start, budget)?;
                    members.push((k, v));
                }
                Json::Object(members)
            }
        })
    }

    /// After the top-level value: nothing but whitespace may follow.
    pub fn finish(&mut self) -> Res<()> {
        match self.skip_ws()? {
            None => Ok(()),
            Some(b) => Err(self.error(format!(
                "trailing characters after the JSON value: `{}`",
                printable(b)
            ))),
        }
    }
}

fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        (b as char).to_string()
    } else {
        format!("\\x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Res<Json> {
        let mut p = JsonPull::new(s.as_bytes(), 64, 8);
        let v = p.value(u64::MAX)?;
        p.finish()?;
        Ok(v)
    }

    #[test]
    fn reads_what_the_tree_parser_reads() {
        for s in [
            r#"{"a":[1,-0.5e+10,"x\u00e9\ud83d\ude00\n",true,false,null],"b":{}}"#,
            " [ ] ",
            r#""""#,
            "0",
            r#"{"n":12345678901234567890123456789.000}"#,
        ] {
            let tree = super::super::json_tree::parse(s.as_bytes()).unwrap();
            assert_eq!(read(s).unwrap(), tree, "{s}");
        }
    }

    #[test]
    fn refuses_what_json_refuses() {
        for s in [
            "{",
            "[1,]",
            "[,1]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "1e",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"a\nb\"",
            "tru",
            "{} x",
            "{a:1}",
            "\"\u{1}\"",
            r#"{"a":1,"a":2}"#,
            "",
            "[1 2]",
        ] {
            assert!(read(s).is_err(), "{s:?} was accepted");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let long = format!("\"{}\"", "x".repeat(65));
        assert!(matches!(read(&long), Err(TranslateError::Limit(_))));
        let deep = "[".repeat(9) + &"]".repeat(9);
        assert!(matches!(read(&deep), Err(TranslateError::Limit(_))));
        let mut p = JsonPull::new(r#"[1,2,3,4,5,6,7,8,9]"#.as_bytes(), 64, 8);
        assert!(matches!(p.value(8), Err(TranslateError::Limit(_))));
    }

    #[test]
    fn errors_carry_positions() {
        match read("{\n  \"a\": tru }") {
            Err(TranslateError::Json { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pulls_tokens_one_by_one() {
        let mut p = JsonPull::new(r#"{"k":[{"x":1},2]}"#.as_bytes(), 64, 8);
        p.begin_object().unwrap();
        assert_eq!(p.next_key().unwrap().as_deref(), Some("k"));
        assert_eq!(p.peek().unwrap(), Kind::Array);
        p.begin_array().unwrap();
        assert!(p.next_item().unwrap());
        assert_eq!(p.value(100).unwrap(), read(r#"{"x":1}"#).unwrap());
        assert!(p.next_item().unwrap());
        assert_eq!(p.value(100).unwrap(), Json::Number("2".into()));
        assert!(!p.next_item().unwrap());
        assert_eq!(p.next_key().unwrap(), None);
        p.finish().unwrap();
    }
}
