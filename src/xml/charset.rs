//! Character-set detection and decoding to UTF-8.
//!
//! Detection follows XML 1.0 Appendix F: a byte-order mark wins, then the
//! first bytes of `<?xml` tell UTF-16 without a BOM, then the prolog's
//! `encoding` pseudo-attribute, then the caller's hint (a Content-Type
//! charset), then UTF-8. Malformed bytes are an error, never replaced: a
//! silently substituted character in an IBAN is worse than a refusal.

use std::borrow::Cow;

use encoding_rs::Encoding;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CharsetError {
    #[error("unknown character encoding `{0}`")]
    Unknown(String),
    #[error("bytes at offset {offset} are not valid {encoding}")]
    Malformed {
        encoding: &'static str,
        offset: usize,
    },
}

/// Decodes `bytes` to UTF-8 text, detecting the encoding as XML prescribes.
/// `hint` is an encoding label from outside the document (HTTP Content-Type).
pub fn decode<'a>(bytes: &'a [u8], hint: Option<&str>) -> Result<Cow<'a, str>, CharsetError> {
    let (encoding, body) = detect(bytes, hint)?;
    if encoding == encoding_rs::UTF_8 {
        return std::str::from_utf8(body)
            .map(Cow::Borrowed)
            .map_err(|e| CharsetError::Malformed {
                encoding: "UTF-8",
                offset: e.valid_up_to() + (bytes.len() - body.len()),
            });
    }
    match encoding.decode_without_bom_handling_and_without_replacement(body) {
        Some(text) => Ok(text),
        None => Err(CharsetError::Malformed {
            encoding: encoding.name(),
            offset: first_malformed(encoding, body),
        }),
    }
}

/// Returns the encoding and the bytes after any byte-order mark.
pub fn detect<'a>(
    bytes: &'a [u8],
    hint: Option<&str>,
) -> Result<(&'static Encoding, &'a [u8]), CharsetError> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return Ok((enc, &bytes[bom_len..]));
    }
    match bytes {
        [0x3C, 0x00, 0x3F, 0x00, ..] => return Ok((encoding_rs::UTF_16LE, bytes)),
        [0x00, 0x3C, 0x00, 0x3F, ..] => return Ok((encoding_rs::UTF_16BE, bytes)),
        _ => {}
    }
    if let Some(label) = prolog_encoding(bytes) {
        return lookup(label).map(|e| (e, bytes));
    }
    match hint {
        Some(label) => lookup(label).map(|e| (e, bytes)),
        None => Ok((encoding_rs::UTF_8, bytes)),
    }
}

fn lookup(label: &str) -> Result<&'static Encoding, CharsetError> {
    let enc = Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| CharsetError::Unknown(label.to_string()))?;
    // A prolog that says UTF-16 in an 8-bit stream is contradictory; the bytes
    // were already checked for UTF-16 patterns above, so treat it as UTF-8
    // (the WHATWG mapping does the same).
    Ok(
        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            encoding_rs::UTF_8
        } else {
            enc
        },
    )
}

/// The `encoding="..."` of an `<?xml ...?>` prolog written in ASCII.
fn prolog_encoding(bytes: &[u8]) -> Option<&str> {
    let head = bytes.strip_prefix(b"<?xml")?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    rest.find(quote).map(|e| &rest[..e])
}

fn first_malformed(encoding: &'static Encoding, body: &[u8]) -> usize {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(body.len() * 2 + 16);
    let (_, read) = decoder.decode_to_string_without_replacement(body, &mut out, true);
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_default_and_bom() {
        assert_eq!(decode(b"<a/>", None).unwrap(), "<a/>");
        assert_eq!(decode(b"\xEF\xBB\xBF<a/>", None).unwrap(), "<a/>");
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>é</a>";
        let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(decode(&le, None).unwrap(), text);
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
        assert_eq!(decode(&be, None).unwrap(), text);
    }

    #[test]
    fn latin1_and_windows_1252_from_prolog_or_hint() {
        let bytes = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>M\xFCller</a>";
        assert!(decode(bytes, None).unwrap().contains("Müller"));
        // 0x80 is the euro sign in windows-1252.
        assert!(
            decode(b"<a>\x80</a>", Some("windows-1252"))
                .unwrap()
                .contains('€')
        );
    }

    #[test]
    fn malformed_utf8_is_an_error_with_offset() {
        let err = decode(b"<a>\xFF</a>", None).unwrap_err();
        assert_eq!(
            err,
            CharsetError::Malformed {
                encoding: "UTF-8",
                offset: 3
            }
        );
    }

    #[test]
    fn unknown_label() {
        assert!(matches!(
            decode(b"<?xml version='1.0' encoding='klingon'?><a/>", None),
            Err(CharsetError::Unknown(_))
        ));
    }
}
