//! Escaping for XML text and attribute values, in one place for every writer.
//!
//! `\r` is always written as a character reference (a literal one would be
//! normalized away by the reader), and in attributes so are tab and newline
//! (attribute-value normalization would turn them into spaces).

/// `t` with the characters XML 1.0 cannot carry at all (control
/// characters other than tab, newline and carriage return; U+FFFE, U+FFFF)
/// replaced by U+FFFD, for text that did not come from a parsed document
/// (an upstream's error message, say).
pub fn xml_chars(t: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| !super::is_xml_char(c);
    if t.chars().any(bad) {
        t.chars()
            .map(|c| if bad(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        t.into()
    }
}

/// Appends `t` escaped for element content.
pub fn text(out: &mut String, t: &str) {
    for c in t.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Appends `t` escaped for a double-quoted attribute value.
pub fn attr(out: &mut String, t: &str) {
    for c in t.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_round_trip_through_the_reader() {
        let mut t = String::new();
        super::text(&mut t, "a<b>&c\rd");
        assert_eq!(t, "a&lt;b&gt;&amp;c&#13;d");
        let mut a = String::new();
        super::attr(&mut a, "\"x\"\t\n");
        assert_eq!(a, "&quot;x&quot;&#9;&#10;");
        let doc = format!("<e a=\"{a}\">{t}</e>");
        let el = crate::xml::parse(&doc, &crate::xml::Limits::default()).unwrap();
        assert_eq!(el.text, "a<b>&c\rd");
        assert_eq!(el.attr("a"), Some("\"x\"\t\n"));
    }
}
