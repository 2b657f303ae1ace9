//! A small streaming JSON writer: commas, escaping and optional indentation,
//! nothing else. Numbers are written verbatim (the caller has already made
//! them exact and valid), so no value passes through a float.

use std::io::{self, Write};

pub struct JsonWriter<W: Write> {
    out: W,
    /// Per open container: has it written an element yet?
    stack: Vec<bool>,
    after_key: bool,
    pretty: bool,
}

impl<W: Write> JsonWriter<W> {
    pub fn new(out: W, pretty: bool) -> Self {
        JsonWriter {
            out,
            stack: Vec::new(),
            after_key: false,
            pretty,
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    fn newline(&mut self) -> io::Result<()> {
        if self.pretty {
            self.out.write_all(b"\n")?;
            for _ in 0..self.stack.len() {
                self.out.write_all(b"  ")?;
            }
        }
        Ok(())
    }

    /// Separator before a value or key.
    fn before_item(&mut self) -> io::Result<()> {
        if self.after_key {
            self.after_key = false;
            return Ok(());
        }
        if let Some(first_done) = self.stack.last_mut() {
            if *first_done {
                self.out.write_all(b",")?;
            }
            *first_done = true;
            self.newline()?;
        }
        Ok(())
    }

    pub fn begin_object(&mut self) -> io::Result<()> {
        self.before_item()?;
        self.out.write_all(b"{")?;
        self.stack.push(false);
        Ok(())
    }

    pub fn end_object(&mut self) -> io::Result<()> {
        let had = self.stack.pop().unwrap_or(false);
        if had {
            self.newline()?;
        }
        self.out.write_all(b"}")
    }

    pub fn begin_array(&mut self) -> io::Result<()> {
        self.before_item()?;
        self.out.write_all(b"[")?;
        self.stack.push(false);
        Ok(())
    }

    pub fn end_array(&mut self) -> io::Result<()> {
        let had = self.stack.pop().unwrap_or(false);
        if had {
            self.newline()?;
        }
        self.out.write_all(b"]")
    }

    pub fn key(&mut self, key: &str) -> io::Result<()> {
        self.before_item()?;
        write_escaped(&mut self.out, key)?;
        self.out.write_all(if self.pretty { b": " } else { b":" })?;
        self.after_key = true;
        Ok(())
    }

    pub fn string(&mut self, s: &str) -> io::Result<()> {
        self.before_item()?;
        write_escaped(&mut self.out, s)
    }

    /// A number already in exact, valid JSON syntax.
    pub fn number(&mut self, n: &str) -> io::Result<()> {
        self.before_item()?;
        self.out.write_all(n.as_bytes())
    }

    pub fn bool(&mut self, b: bool) -> io::Result<()> {
        self.before_item()?;
        self.out.write_all(if b { b"true" } else { b"false" })
    }

    pub fn null(&mut self) -> io::Result<()> {
        self.before_item()?;
        self.out.write_all(b"null")
    }

    pub fn finish(&mut self) -> io::Result<()> {
        if self.pretty {
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }
}

/// Writes `s` as a JSON string literal (RFC 8259 escaping).
pub fn write_escaped<W: Write>(out: &mut W, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x08 => Some(b"\\b"),
            0x0C => Some(b"\\f"),
            0..=0x1F => None,
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        match esc {
            Some(e) => out.write_all(e)?,
            None => write!(out, "\\u{:04x}", b)?,
        }
        start = i + 1;
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_pretty() {
        let mut w = JsonWriter::new(Vec::new(), false);
        w.begin_object().unwrap();
        w.key("a").unwrap();
        w.number("1.50").unwrap();
        w.key("b\"").unwrap();
        w.begin_array().unwrap();
        w.string("x\ny\u{1}").unwrap();
        w.bool(true).unwrap();
        w.null().unwrap();
        w.end_array().unwrap();
        w.key("c").unwrap();
        w.begin_array().unwrap();
        w.end_array().unwrap();
        w.end_object().unwrap();
        assert_eq!(
            String::from_utf8(w.into_inner()).unwrap(),
            r#"{"a":1.50,"b\"":["x\ny\u0001",true,null],"c":[]}"#
        );
        let mut w = JsonWriter::new(Vec::new(), true);
        w.begin_object().unwrap();
        w.key("a").unwrap();
        w.begin_object().unwrap();
        w.end_object().unwrap();
        w.end_object().unwrap();
        assert_eq!(
            String::from_utf8(w.into_inner()).unwrap(),
            "{\n  \"a\": {}\n}"
        );
    }
}
