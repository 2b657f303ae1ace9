//! A small element tree with resolved names and source positions.
//!
//! Built on quick-xml's borrowing reader. DOCTYPE declarations and any entity
//! reference other than the five predefined ones and character references are
//! refused outright (quick-xml reports them as raw events and never expands
//! them, so refusing is both safe and simple). Depth, element count and
//! attribute count are bounded by [`Limits`], so a hostile document fails fast
//! instead of exhausting memory.

use std::rc::Rc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::ns;
use crate::qname::QName;

/// Hard bounds on a document. The defaults are generous for contracts
/// (real schemas nest a few dozen levels) and still stop abuse early.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    pub max_elements: usize,
    pub max_attributes: usize,
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_elements: 2_000_000,
            max_attributes: 512,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XmlErrorKind {
    #[error("malformed XML: {0}")]
    Syntax(String),
    #[error("DOCTYPE declarations are refused (DTDs and entities are not allowed)")]
    Doctype,
    #[error("entity reference `&{0};` is refused (only the predefined entities are allowed)")]
    Entity(String),
    #[error("namespace prefix `{0}` is not declared")]
    UnboundPrefix(String),
    #[error("duplicate attribute `{0}`")]
    DuplicateAttribute(String),
    #[error("an attribute is written twice on the element `{0}`")]
    RepeatedAttribute(String),
    #[error("nesting deeper than {0} levels")]
    TooDeep(usize),
    #[error("more than {0} elements")]
    TooManyElements(usize),
    #[error("more than {0} attributes on one element")]
    TooManyAttributes(usize),
    #[error("document larger than {0} bytes")]
    TooLarge(usize),
    #[error("no root element")]
    NoRoot,
    #[error("content after the root element")]
    TrailingContent,
    #[error("character U+{0:04X} is not allowed in XML 1.0")]
    Char(u32),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{kind}")]
pub struct XmlError {
    pub pos: Pos,
    pub kind: XmlErrorKind,
}

/// In-scope namespace bindings, shared by every element that declares none.
#[derive(Debug)]
pub struct Scope {
    /// (prefix, uri) declared on one element; the empty prefix is the
    /// default namespace.
    declared: Vec<(String, String)>,
    /// The enclosing element's scope. A chain, not a copy: an element that
    /// declares a namespace costs its own declarations only, whatever is in
    /// scope above it (the chain is as long as the nesting, which is bounded).
    parent: Option<Rc<Scope>>,
}

impl Scope {
    /// The namespaces declared on this element itself (not inherited).
    pub fn declared(&self) -> impl Iterator<Item = (&str, &str)> {
        self.declared.iter().map(|(p, u)| (p.as_str(), u.as_str()))
    }

    pub fn resolve_prefix(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(ns::XML);
        }
        let mut scope = Some(self);
        while let Some(s) = scope {
            if let Some((_, u)) = s.declared.iter().rev().find(|(p, _)| p == prefix) {
                return Some(u.as_str()).filter(|u| !u.is_empty() || prefix.is_empty());
            }
            scope = s.parent.as_deref();
        }
        None
    }
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: QName,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct Element {
    pub name: QName,
    pub attrs: Vec<Attribute>,
    pub children: Vec<Element>,
    /// Character data directly inside this element, concatenated.
    pub text: String,
    pub pos: Pos,
    pub scope: Rc<Scope>,
}

impl Element {
    /// An attribute in no namespace (the usual case for schema attributes).
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attr_ns("", local)
    }

    pub fn attr_ns(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name.is(ns, local))
            .map(|a| a.value.as_str())
    }

    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.name.is(ns, local)
    }

    /// Child elements in namespace `ns`.
    pub fn children_in<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name.ns == ns)
    }

    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// Resolves a QName-valued attribute value (`tns:Order`) against the
    /// bindings in scope here. An unprefixed value takes the default
    /// namespace, as XML Schema specifies for QName values.
    pub fn resolve_qname(&self, value: &str) -> Result<QName, XmlErrorKind> {
        let value = value.trim();
        match value.split_once(':') {
            Some((prefix, local)) => match self.scope.resolve_prefix(prefix) {
                Some(uri) => Ok(QName::new(uri, local)),
                None => Err(XmlErrorKind::UnboundPrefix(prefix.to_string())),
            },
            None => Ok(QName::new(
                self.scope.resolve_prefix("").unwrap_or(""),
                value,
            )),
        }
    }

    /// All text below this element (for `xs:documentation`, which may hold markup).
    pub fn deep_text(&self) -> String {
        let mut out = self.text.clone();
        for c in &self.children {
            out.push_str(&c.deep_text());
        }
        out
    }
}

/// Parses a whole document held in memory.
pub fn parse(text: &str, limits: &Limits) -> Result<Element, XmlError> {
    if text.len() > limits.max_bytes {
        return Err(XmlError {
            pos: Pos { line: 1, col: 1 },
            kind: XmlErrorKind::TooLarge(limits.max_bytes),
        });
    }
    // Characters XML 1.0 allows nowhere (quick-xml lets them through).
    if let Some((i, c)) = text.char_indices().find(|&(_, c)| !super::is_xml_char(c)) {
        let mut cursor = Cursor {
            text,
            offset: 0,
            pos: Pos { line: 1, col: 1 },
        };
        return Err(XmlError {
            pos: cursor.at(i),
            kind: XmlErrorKind::Char(u32::from(c)),
        });
    }
    Parser::new(text, limits).run()
}

/// Converts byte offsets to line/column, moving forward only (offsets from
/// the reader are monotonic), so the whole document costs one pass.
struct Cursor<'a> {
    text: &'a str,
    offset: usize,
    pos: Pos,
}

impl Cursor<'_> {
    fn at(&mut self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            // Only error positions can step back; recount from the start.
            self.offset = 0;
            self.pos = Pos { line: 1, col: 1 };
        }
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        for ch in self.text[self.offset..end].chars() {
            if ch == '\n' {
                self.pos.line += 1;
                self.pos.col = 1;
            } else {
                self.pos.col += 1;
            }
        }
        self.offset = end;
        self.pos
    }
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    cursor: Cursor<'a>,
    limits: &'a Limits,
    stack: Vec<Element>,
    elements: usize,
    root: Option<Element>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, limits: &'a Limits) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = false;
        config.expand_empty_elements = false;
        Parser {
            reader,
            cursor: Cursor {
                text,
                offset: 0,
                pos: Pos { line: 1, col: 1 },
            },
            limits,
            stack: Vec::new(),
            elements: 0,
            root: None,
        }
    }

    fn err(&mut self, offset: u64, kind: XmlErrorKind) -> XmlError {
        XmlError {
            pos: self.cursor.at(offset as usize),
            kind,
        }
    }

    fn run(mut self) -> Result<Element, XmlError> {
        loop {
            let start = self.reader.buffer_position();
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    let at = self.reader.error_position();
                    return Err(self.err(at, XmlErrorKind::Syntax(e.to_string())));
                }
            };
            match event {
                Event::Start(e) => self.open(&e, start, false)?,
                Event::Empty(e) => self.open(&e, start, true)?,
                Event::End(_) => self.close(start)?,
                Event::Text(t) => {
                    let content = t.xml10_content();
                    self.text(&content, start)?;
                }
                Event::CData(c) => {
                    let content = c.xml10_content();
                    self.text(&content, start)?;
                }
                Event::GeneralRef(r) => {
                    let resolved = if r.is_char_ref() {
                        let c = r.resolve_char_ref().ok().flatten();
                        if let Some(code) =
                            c.and_then(|c| super::forbidden_char(c.encode_utf8(&mut [0; 4])))
                        {
                            return Err(self.err(start, XmlErrorKind::Char(code)));
                        }
                        c.map(String::from)
                    } else {
                        quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                            .map(String::from)
                    };
                    match resolved {
                        Some(s) => self.text_piece(&s, start, true)?,
                        None => {
                            let name = r.xml10_content().into_owned();
                            return Err(self.err(start, XmlErrorKind::Entity(name)));
                        }
                    }
                }
                Event::DocType(_) => return Err(self.err(start, XmlErrorKind::Doctype)),
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
                Event::Eof => break,
            }
        }
        if let Some(_open) = self.stack.last() {
            let at = self.reader.buffer_position();
            return Err(self.err(
                at,
                XmlErrorKind::Syntax("unexpected end of document".into()),
            ));
        }
        match self.root.take() {
            Some(root) => Ok(root),
            None => {
                let at = self.reader.buffer_position();
                Err(self.err(at, XmlErrorKind::NoRoot))
            }
        }
    }

    fn text(&mut self, content: &str, offset: u64) -> Result<(), XmlError> {
        self.text_piece(content, offset, false)
    }

    /// `reference`: the piece came from a character or entity reference,
    /// which is always content (`&#10;` is a newline someone meant).
    fn text_piece(&mut self, content: &str, offset: u64, reference: bool) -> Result<(), XmlError> {
        match self.stack.last_mut() {
            // Indentation before an element's first text is dropped (it costs
            // memory for nothing); white space after text is kept, so
            // `&amp; &amp;` stays `& &`.
            Some(top) if !reference && top.text.is_empty() && content.trim().is_empty() => Ok(()),
            Some(top) => {
                top.text.push_str(content);
                Ok(())
            }
            None if content.trim().is_empty() => Ok(()),
            None => Err(self.err(
                offset,
                if self.root.is_some() {
                    XmlErrorKind::TrailingContent
                } else {
                    XmlErrorKind::Syntax("text before the root element".into())
                },
            )),
        }
    }

    fn open(&mut self, e: &BytesStart<'_>, offset: u64, empty: bool) -> Result<(), XmlError> {
        if self.root.is_some() {
            return Err(self.err(offset, XmlErrorKind::TrailingContent));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.err(offset, XmlErrorKind::TooDeep(self.limits.max_depth)));
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(self.err(
                offset,
                XmlErrorKind::TooManyElements(self.limits.max_elements),
            ));
        }
        let pos = self.cursor.at(offset as usize);
        let parent_scope = self.stack.last().map(|p| p.scope.clone());

        // Keys borrow from the event; values are copied once, into the tree.
        let mut raw: Vec<(&str, String)> = Vec::new();
        let mut declared: Vec<(String, String)> = Vec::new();
        for attr in e.attributes().with_checks(true) {
            let attr = attr.map_err(|err| XmlError {
                pos,
                kind: match &err {
                    quick_xml::events::attributes::AttrError::Duplicated(_, _) => {
                        XmlErrorKind::RepeatedAttribute(e.name().as_ref().to_string())
                    }
                    _ => XmlErrorKind::Syntax(err.to_string()),
                },
            })?;
            if raw.len() + declared.len() >= self.limits.max_attributes {
                return Err(XmlError {
                    pos,
                    kind: XmlErrorKind::TooManyAttributes(self.limits.max_attributes),
                });
            }
            let key: &str = attr.key.0;
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| XmlError {
                    pos,
                    kind: match err {
                        quick_xml::Error::Escape(
                            quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                        ) => XmlErrorKind::Entity(name),
                        other => XmlErrorKind::Syntax(other.to_string()),
                    },
                })?
                .into_owned();
            // A character reference may stand for a character XML forbids.
            if let Some(code) = super::forbidden_char(&value) {
                return Err(XmlError {
                    pos,
                    kind: XmlErrorKind::Char(code),
                });
            }
            if key == "xmlns" {
                declared.push((String::new(), value));
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                declared.push((prefix.to_string(), value));
            } else {
                raw.push((key, value));
            }
        }

        let scope = match (parent_scope, declared.is_empty()) {
            (Some(parent), true) => parent,
            (parent, _) => Rc::new(Scope { declared, parent }),
        };

        let name = resolve_name(&scope, e.name().0, true).map_err(|kind| XmlError { pos, kind })?;
        let mut attrs = Vec::with_capacity(raw.len());
        for (key, value) in raw {
            let name = resolve_name(&scope, key, false).map_err(|kind| XmlError { pos, kind })?;
            if attrs.iter().any(|a: &Attribute| a.name == name) {
                return Err(XmlError {
                    pos,
                    kind: XmlErrorKind::DuplicateAttribute(name.to_string()),
                });
            }
            attrs.push(Attribute { name, value });
        }

        let element = Element {
            name,
            attrs,
            children: Vec::new(),
            text: String::new(),
            pos,
            scope,
        };
        if empty {
            self.attach(element);
        } else {
            self.stack.push(element);
        }
        Ok(())
    }

    fn close(&mut self, offset: u64) -> Result<(), XmlError> {
        match self.stack.pop() {
            Some(done) => {
                self.attach(done);
                Ok(())
            }
            None => Err(self.err(offset, XmlErrorKind::Syntax("unmatched end tag".into()))),
        }
    }

    fn attach(&mut self, element: Element) {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None => self.root = Some(element),
        }
    }
}

/// Element names take the default namespace; unprefixed attributes have none.
fn resolve_name(scope: &Scope, raw: &str, is_element: bool) -> Result<QName, XmlErrorKind> {
    match raw.split_once(':') {
        Some((prefix, local)) => scope
            .resolve_prefix(prefix)
            .map(|uri| QName::new(uri, local))
            .ok_or_else(|| XmlErrorKind::UnboundPrefix(prefix.to_string())),
        None if is_element => Ok(QName::new(scope.resolve_prefix("").unwrap_or(""), raw)),
        None => Ok(QName::new("", raw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Element, XmlError> {
        parse(text, &Limits::default())
    }

    #[test]
    fn names_resolve_by_namespace_not_prefix() {
        let root = p(
            r#"<a:x xmlns:a="urn:1" xmlns="urn:d"><y b:at="v" plain="w" xmlns:b="urn:2"/></a:x>"#,
        )
        .unwrap();
        assert!(root.is("urn:1", "x"));
        let y = &root.children[0];
        assert!(y.is("urn:d", "y"));
        assert_eq!(y.attr_ns("urn:2", "at"), Some("v"));
        assert_eq!(y.attr("plain"), Some("w"));
        assert_eq!(y.resolve_qname("b:T").unwrap(), QName::new("urn:2", "T"));
        assert_eq!(y.resolve_qname("T").unwrap(), QName::new("urn:d", "T"));
        assert!(matches!(
            y.resolve_qname("zz:T"),
            Err(XmlErrorKind::UnboundPrefix(_))
        ));
    }

    #[test]
    fn positions_are_line_and_column() {
        let root = p("<a>\n  <b/>\n  <c>x</c></a>").unwrap();
        assert_eq!(root.pos, Pos { line: 1, col: 1 });
        assert_eq!(root.children[0].pos, Pos { line: 2, col: 3 });
        assert_eq!(root.children[1].pos, Pos { line: 3, col: 3 });
    }

    #[test]
    fn predefined_entities_and_char_refs_only() {
        let root = p("<a t='&lt;&#65;'>&amp;&#x42;<![CDATA[<c>]]></a>").unwrap();
        assert_eq!(root.attr("t"), Some("<A"));
        assert_eq!(root.text, "&B<c>");
        let err = p("<a>&ext;</a>").unwrap_err();
        assert_eq!(err.kind, XmlErrorKind::Entity("ext".into()));
        let err = p("<a t='&ext;'/>").unwrap_err();
        assert_eq!(err.kind, XmlErrorKind::Entity("ext".into()));
    }

    #[test]
    fn white_space_between_references_is_content() {
        let root = p("<a>\n  <b>&amp; &amp;</b><c>x&#10;</c></a>").unwrap();
        assert_eq!(
            root.text, "",
            "indentation before the first text is dropped"
        );
        assert_eq!(root.children[0].text, "& &");
        assert_eq!(root.children[1].text, "x\n");
    }

    #[test]
    fn doctype_is_refused() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
<lolz>&lol2;</lolz>"#;
        let err = p(bomb).unwrap_err();
        assert_eq!(err.kind, XmlErrorKind::Doctype);
        assert_eq!(err.pos.line, 2);
    }

    #[test]
    fn limits_hold() {
        let deep = "<a>".repeat(100_000);
        let err = p(&deep).unwrap_err();
        assert_eq!(err.kind, XmlErrorKind::TooDeep(256));
        let many = format!("<r>{}</r>", "<a/>".repeat(20));
        let limits = Limits {
            max_elements: 10,
            ..Limits::default()
        };
        assert_eq!(
            parse(&many, &limits).unwrap_err().kind,
            XmlErrorKind::TooManyElements(10)
        );
    }

    #[test]
    fn malformed_inputs_are_errors() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "text",
            "<a x='1' x='2'/>",
            "<p:a/>",
        ] {
            assert!(p(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn characters_xml_forbids_are_refused_with_their_position() {
        let e = parse("<a>\n<b>x\u{0}</b></a>", &Limits::default()).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::Char(0));
        assert_eq!(e.pos, Pos { line: 2, col: 5 });
        let e = parse("<a b='\u{ffff}'/>", &Limits::default()).unwrap_err();
        assert_eq!(e.kind, XmlErrorKind::Char(0xFFFF));
        assert!(parse("<a>\t\r\n\u{85}\u{fffd}</a>", &Limits::default()).is_ok());
        // Written as character references, in text and in attributes.
        for doc in [
            "<a>x&#1;</a>",
            "<a b='&#x1F;'/>",
            "<a xmlns:p='urn:&#xFFFE;'/>",
        ] {
            let e = parse(doc, &Limits::default()).unwrap_err();
            assert!(matches!(e.kind, XmlErrorKind::Char(_)), "{doc}: {e:?}");
        }
        assert!(parse("<a b='&#9;&#xA;'>&#xD;&#x85;</a>", &Limits::default()).is_ok());
    }
}
