//! Input in any encoding a contract's peers use, streamed as UTF-8.
//!
//! The encoding is detected from the first bytes as XML prescribes (byte
//! order mark, UTF-16 without BOM, the prolog's `encoding`, then the
//! caller's hint such as a Content-Type charset). UTF-8 input passes through
//! untouched; anything else is transcoded chunk by chunk with encoding_rs,
//! so memory stays bounded. Malformed bytes are an error, never replaced.

use std::io::{self, BufRead, Read};

use encoding_rs::{Decoder, Encoding};

use crate::xml::charset;

/// A reader that yields UTF-8 whatever the input's encoding.
pub enum Utf8Reader<R: BufRead> {
    Utf8(R),
    Transcoded(Box<Transcoder<R>>),
}

pub struct Transcoder<R: BufRead> {
    inner: R,
    decoder: Decoder,
    out: Vec<u8>,
    pos: usize,
    done: bool,
}

/// Wraps `input`, detecting its encoding; `hint` is an encoding label from
/// outside the document.
pub fn reader<R: BufRead>(
    mut input: R,
    hint: Option<&str>,
) -> io::Result<io::BufReader<Utf8Reader<R>>> {
    let head = input.fill_buf()?;
    let head = &head[..head.len().min(1024)];
    let (enc, body) = charset::detect(head, hint)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let bom = head.len() - body.len();
    let r = if enc == encoding_rs::UTF_8 {
        input.consume(bom);
        Utf8Reader::Utf8(input)
    } else {
        input.consume(bom);
        Utf8Reader::Transcoded(Box::new(Transcoder {
            inner: input,
            decoder: enc.new_decoder_without_bom_handling(),
            out: Vec::new(),
            pos: 0,
            done: false,
        }))
    };
    Ok(io::BufReader::with_capacity(64 << 10, r))
}

impl<R: BufRead> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Utf8Reader::Utf8(r) => r.read(buf),
            Utf8Reader::Transcoded(t) => t.read(buf),
        }
    }
}

impl<R: BufRead> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.out.clear();
            self.pos = 0;
            let chunk = self.inner.fill_buf()?;
            let last = chunk.is_empty();
            let need = self
                .decoder
                .max_utf8_buffer_length_without_replacement(chunk.len())
                .unwrap_or(chunk.len() * 3 + 16);
            let mut s = String::with_capacity(need);
            let (result, read) = self
                .decoder
                .decode_to_string_without_replacement(chunk, &mut s, last);
            if let encoding_rs::DecoderResult::Malformed(_, _) = result {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "bytes that are not valid {}",
                        self.decoder.encoding().name()
                    ),
                ));
            }
            self.inner.consume(read);
            self.out.extend_from_slice(s.as_bytes());
            if last {
                self.done = true;
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The encoding a label names, for callers that take a charset parameter.
pub fn encoding_for(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], hint: Option<&str>) -> io::Result<String> {
        let mut s = String::new();
        reader(input, hint)?.read_to_string(&mut s)?;
        Ok(s)
    }

    #[test]
    fn utf16_latin1_and_windows_1252_stream_as_utf8() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>Grüße €</a>";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(all(&le, None).unwrap(), text);
        let l1 = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>M\xFCller</a>";
        assert!(all(l1, None).unwrap().contains("Müller"));
        assert!(
            all(b"<a>\x80</a>", Some("windows-1252"))
                .unwrap()
                .contains('€')
        );
        assert_eq!(all(b"\xEF\xBB\xBF<a/>", None).unwrap(), "<a/>");
    }

    #[test]
    fn malformed_bytes_are_an_error() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("<a>".encode_utf16().flat_map(|u| u.to_le_bytes()));
        le.extend([0x00, 0xD8, 0x41, 0x00]); // lone high surrogate
        assert!(all(&le, None).is_err());
    }
}

/// Bounds what quick-xml buffers: it reads a whole text node, comment or tag
/// before the translator sees it, so a 1 GB text node would be held whole
/// before any size check. This reader fails once a run of bytes without `<`
/// or `>` grows past `limit`, keeping memory near the limit.
///
/// It also refuses the characters XML 1.0 allows nowhere in a document (C0
/// controls but tab, LF and CR; U+FFFE and U+FFFF), which quick-xml lets
/// through: in undescribed (`$any`) content they would otherwise be copied
/// into JSON and come back as XML no parser accepts. Each byte is looked at
/// once, as it first becomes available.
pub struct MarkupGuard<R: BufRead> {
    inner: R,
    run: usize,
    limit: usize,
    /// Bytes of the inner buffer already checked for characters.
    checked: usize,
    /// Bytes checked before the current buffer (for the error's position).
    offset: u64,
    /// The last two bytes checked (U+FFFE/U+FFFF span three).
    tail: [u8; 2],
}

impl<R: BufRead> MarkupGuard<R> {
    pub fn new(inner: R, limit: usize) -> Self {
        MarkupGuard {
            inner,
            run: 0,
            limit,
            checked: 0,
            offset: 0,
            tail: [0; 2],
        }
    }
}

/// A character XML 1.0 does not allow, at a byte offset of the input (the
/// error [`MarkupGuard`] fails with, inside an `io::Error`).
#[derive(Debug, thiserror::Error)]
#[error("character U+{code:04X} is not allowed in XML 1.0")]
pub struct ForbiddenChar {
    pub code: u32,
    pub at: u64,
}

/// The code point a byte completes that XML 1.0 does not allow, if any
/// (`tail`: the two bytes before it, in UTF-8).
fn forbidden(tail: [u8; 2], b: u8) -> Option<u32> {
    match b {
        0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F => Some(u32::from(b)),
        0xBE | 0xBF if tail == [0xEF, 0xBF] => Some(0xFF00 | (u32::from(b) + 0x40)),
        _ => None,
    }
}

impl<R: BufRead> Read for MarkupGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for MarkupGuard<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.run > self.limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a text value, comment or tag longer than {} bytes",
                    self.limit
                ),
            ));
        }
        let buf = self.inner.fill_buf()?;
        if self.checked < buf.len() {
            for (i, &b) in buf[self.checked..].iter().enumerate() {
                if let Some(code) = forbidden(self.tail, b) {
                    let at = self.offset + (self.checked + i) as u64;
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        ForbiddenChar { code, at },
                    ));
                }
                self.tail = [self.tail[1], b];
            }
            self.checked = buf.len();
        }
        Ok(buf)
    }

    fn consume(&mut self, amt: usize) {
        let done = amt.min(self.checked);
        self.checked -= done;
        self.offset += done as u64;
        if let Ok(buf) = self.inner.fill_buf() {
            let seen = &buf[..amt.min(buf.len())];
            match seen.iter().rposition(|b| *b == b'<' || *b == b'>') {
                Some(p) => self.run = seen.len() - p - 1,
                None => self.run += seen.len(),
            }
        }
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod guard_tests {
    use super::*;

    #[test]
    fn long_runs_without_markup_fail_early() {
        let mut ok = String::new();
        MarkupGuard::new(&b"<a>short</a>"[..], 10)
            .read_to_string(&mut ok)
            .unwrap();
        assert_eq!(ok, "<a>short</a>");
        let long = format!("<a>{}</a>", "x".repeat(1 << 20));
        let mut reader = MarkupGuard::new(
            io::BufReader::with_capacity(4096, long.as_bytes()),
            64 << 10,
        );
        let mut sink = Vec::new();
        let err = reader.read_to_end(&mut sink).unwrap_err();
        assert!(err.to_string().contains("longer than 65536 bytes"));
        assert!(
            sink.len() < 80 << 10,
            "stopped near the limit, read {}",
            sink.len()
        );
    }

    #[test]
    fn characters_xml_forbids_are_refused_wherever_they_are() {
        let read = |bytes: &[u8], cap: usize| {
            let mut sink = Vec::new();
            MarkupGuard::new(io::BufReader::with_capacity(cap, bytes), 1 << 20)
                .read_to_end(&mut sink)
                .map(|_| sink)
        };
        // Tab, LF, CR, DEL, C1 controls and U+FFFD are XML 1.0 characters.
        let fine = "<a x=\"\t\">\r\n\u{7f}\u{85}\u{fffd}</a>".as_bytes();
        assert_eq!(read(fine, 3).unwrap(), fine);
        for (text, code, at) in [
            ("<a>x\u{0}</a>", "U+0000", 4),
            ("<a b=\"\u{1}\"/>", "U+0001", 6),
            ("<!--\u{1f}--><a/>", "U+001F", 4),
            ("<a>\u{ffff}</a>", "U+FFFF", 5),
            ("<a>\u{fffe}</a>", "U+FFFE", 5),
        ] {
            // Buffers of 1 and 2 bytes split U+FFFF's three bytes.
            for cap in [1, 2, 4096] {
                let err = read(text.as_bytes(), cap).unwrap_err();
                let f = err
                    .get_ref()
                    .unwrap()
                    .downcast_ref::<ForbiddenChar>()
                    .unwrap();
                assert!(f.to_string().contains(code), "{text:?} / {cap}: {f}");
                assert_eq!(f.at, at, "{text:?} / {cap}");
            }
        }
    }
}
