//! XML -> JSON, streaming: quick-xml events in, JSON text out, driven by
//! the schema. Memory is the depth of the document plus the largest text
//! value; the output is written as the input is read.

use std::io::{BufRead, Write};

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::Limits;
use super::error::{FieldError, TranslateError, push_token};
use super::json_write::JsonWriter;
use super::matcher::Matcher;
use super::message::{BodyLayout, HEADERS, MessageLayout, RpcPart, envelope_ns};
use super::scalar::JsonScalar;
use super::shape::{
    ANY_ATTRIBUTES, Body, ELEMENT, MIXED, NIL, Node, NodeKind, Shapes, TYPE, TypeShape, VALUE,
};
use super::simple::{SimpleCodec, SimpleJson, value_type};
use crate::ns;
use crate::qname::QName;
use crate::schema::{ElementId, ProcessContents, Schema, TypeDef, TypeId, Wildcard};

/// A start tag, resolved and owned.
pub(crate) struct Start {
    name: QName,
    /// Attributes other than namespace declarations and `xsi:*`.
    attrs: Vec<(QName, String)>,
    xsi_type: Option<Result<QName, String>>,
    nil: bool,
    /// The `xsi:*` attributes as written (kept for undescribed content).
    xsi_attrs: Vec<(QName, String)>,
    /// Namespace declarations written on this tag (kept for undescribed content).
    declared: Vec<(String, String)>,
    empty: bool,
}

pub(crate) enum Ev {
    Start(Start),
    Text(String),
    End,
}

/// What an element needs from its declaration.
#[derive(Clone, Copy)]
pub(crate) struct Decl<'a> {
    pub ty: TypeId,
    pub nillable: bool,
    pub default: Option<&'a str>,
    pub fixed: Option<&'a str>,
}

pub(crate) struct XmlToJson<'c, R: BufRead, W: Write> {
    /// rpc/encoded: xsi:type on every value, SOAP-ENC arrays, href/id.
    pub encoded: bool,
    schema: &'c Schema,
    shapes: &'c Shapes,
    simple: SimpleCodec<'c>,
    xml: NsReader<R>,
    buf: Vec<u8>,
    pub out: JsonWriter<W>,
    errors: Vec<FieldError>,
    limits: &'c Limits,
    depth: usize,
    /// Prefixes declared on the root of the undescribed element being captured.
    root_declared: Vec<String>,
    /// Deliver white-space-only text (for text values and mixed content).
    keep_blank: bool,
    /// Declarations written below the root of the element being captured.
    inner_declared: Vec<(String, String)>,
}

type Fatal = TranslateError;

impl<'c, R: BufRead, W: Write> XmlToJson<'c, R, W> {
    pub fn new(
        schema: &'c Schema,
        shapes: &'c Shapes,
        simple: SimpleCodec<'c>,
        input: R,
        out: JsonWriter<W>,
        limits: &'c Limits,
    ) -> Self {
        let mut xml = NsReader::from_reader(input);
        let config = xml.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        XmlToJson {
            encoded: false,
            schema,
            shapes,
            simple,
            xml,
            buf: Vec::new(),
            out,
            errors: Vec::new(),
            limits,
            depth: 0,
            root_declared: Vec::new(),
            keep_blank: false,
            inner_declared: Vec::new(),
        }
    }

    fn xml_error(&self, detail: impl Into<String>) -> Fatal {
        TranslateError::Xml {
            offset: self.xml.buffer_position(),
            detail: detail.into(),
        }
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) -> Result<(), Fatal> {
        if self.errors.len() >= self.limits.max_errors {
            return Err(TranslateError::Invalid(std::mem::take(&mut self.errors)));
        }
        self.errors.push(FieldError {
            pointer: pointer.to_string(),
            message: message.into(),
        });
        Ok(())
    }

    /// Next event that matters, owned. Comments and processing instructions
    /// are skipped; DTDs and unknown entities are refused.
    fn next(&mut self) -> Result<Ev, Fatal> {
        loop {
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            let (resolved, event) = match self.xml.read_resolved_event_into(&mut buf) {
                Ok((r, e)) => (resolve_owned(r), e),
                Err(quick_xml::Error::Io(io)) if io.kind() == std::io::ErrorKind::FileTooLarge => {
                    // The input guard: one text run, comment or tag too long.
                    return Err(TranslateError::Limit(io.to_string()));
                }
                Err(quick_xml::Error::Io(ref io))
                    if let Some(f) = io
                        .get_ref()
                        .and_then(|e| e.downcast_ref::<super::decode::ForbiddenChar>()) =>
                {
                    return Err(TranslateError::Xml {
                        offset: f.at,
                        detail: f.to_string(),
                    });
                }
                Err(e) => {
                    let err = TranslateError::Xml {
                        offset: self.xml.error_position(),
                        detail: e.to_string(),
                    };
                    return Err(err);
                }
            };
            let ev = match event {
                Event::Start(e) => Some(Ev::Start(self.start(&e, resolved, false)?)),
                Event::Empty(e) => Some(Ev::Start(self.start(&e, resolved, true)?)),
                Event::End(_) => Some(Ev::End),
                // White space between elements is dropped without a copy
                // unless the caller reads text (simple values, mixed content).
                Event::Text(t)
                    if !self.keep_blank && t.bytes().all(|b| b.is_ascii_whitespace()) =>
                {
                    None
                }
                Event::Text(t) => Some(Ev::Text(t.xml10_content().into_owned())),
                Event::CData(t) => Some(Ev::Text(t.xml10_content().into_owned())),
                Event::GeneralRef(r) => {
                    let resolved = if r.is_char_ref() {
                        let c = r.resolve_char_ref().ok().flatten();
                        if let Some(code) =
                            c.and_then(|c| crate::xml::forbidden_char(c.encode_utf8(&mut [0; 4])))
                        {
                            return Err(self.xml_error(format!(
                                "character U+{code:04X} is not allowed in XML 1.0"
                            )));
                        }
                        c.map(String::from)
                    } else {
                        quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                            .map(String::from)
                    };
                    match resolved {
                        Some(s) => Some(Ev::Text(s)),
                        None => {
                            let name = r.xml10_content().into_owned();
                            return Err(self.xml_error(format!(
                                "entity reference `&{name};` is refused (only the predefined entities are allowed)"
                            )));
                        }
                    }
                }
                Event::DocType(_) => {
                    return Err(self.xml_error(
                        "DOCTYPE declarations are refused (DTDs and entities are not allowed)",
                    ));
                }
                Event::Eof => return Err(self.xml_error("unexpected end of document")),
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => None,
            };
            self.buf = buf;
            if let Some(ev) = ev {
                match &ev {
                    Ev::Start(s) if !s.empty => {
                        self.depth += 1;
                        if self.depth > self.limits.max_depth {
                            return Err(TranslateError::Limit(format!(
                                "XML nesting deeper than {} levels",
                                self.limits.max_depth
                            )));
                        }
                    }
                    Ev::End => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
                return Ok(ev);
            }
        }
    }

    fn start(
        &self,
        e: &BytesStart<'_>,
        resolved: Result<String, String>,
        empty: bool,
    ) -> Result<Start, Fatal> {
        let ns = resolved
            .map_err(|p| self.xml_error(format!("namespace prefix `{p}` is not declared")))?;
        let local = e.local_name().as_ref().to_string();
        let mut attrs = Vec::new();
        let mut xsi_type = None;
        let mut nil = false;
        let mut xsi_attrs = Vec::new();
        let mut declared = Vec::new();
        for (n, a) in e.attributes().with_checks(true).enumerate() {
            if n >= self.limits.max_attributes {
                return Err(TranslateError::Limit(format!(
                    "more than {} attributes on one element",
                    self.limits.max_attributes
                )));
            }
            let a = a.map_err(|err| self.xml_error(err.to_string()))?;
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| self.xml_error(err.to_string()))?
                .into_owned();
            // A character reference may stand for a character XML forbids.
            if let Some(code) = crate::xml::forbidden_char(&value) {
                return Err(
                    self.xml_error(format!("character U+{code:04X} is not allowed in XML 1.0"))
                );
            }
            let key = a.key.0;
            // Declarations in the form the resolver gives element and
            // attribute names (unescaped, not whitespace-normalized), so a
            // URI written with a line break compares equal to itself when
            // undescribed content is written out again.
            if key == "xmlns" {
                declared.push((String::new(), namespace_uri(&a.value)));
                continue;
            }
            if let Some(p) = key.strip_prefix("xmlns:") {
                declared.push((p.to_string(), namespace_uri(&a.value)));
                continue;
            }
            let (r, l) = self.xml.resolver().resolve_attribute(a.key);
            let ans = match r {
                ResolveResult::Bound(n) => namespace_uri(n.0),
                ResolveResult::Unbound => String::new(),
                ResolveResult::Unknown(p) => {
                    return Err(self.xml_error(format!("namespace prefix `{p}` is not declared")));
                }
            };
            let name = QName::new(ans, l.as_ref());
            // SOAP processing attributes (mustUnderstand, actor/role,
            // encodingStyle) belong to the envelope, not the message; in
            // rpc/encoded bodies so do the SOAP-ENC ones (arrayType, root, ...).
            if name.ns == ns::SOAP11_ENV
                || name.ns == ns::SOAP12_ENV
                || (self.encoded && (name.ns == ns::SOAP11_ENC || name.ns == ns::SOAP12_ENC))
            {
                continue;
            }
            if name.ns == ns::XSI {
                xsi_attrs.push((name.clone(), value.clone()));
                match name.local.as_str() {
                    "type" => {
                        let (r, l) = self
                            .xml
                            .resolver()
                            .resolve(quick_xml::name::QName(value.trim()), true);
                        xsi_type = Some(match r {
                            ResolveResult::Bound(n) => {
                                Ok(QName::new(namespace_uri(n.0), l.as_ref()))
                            }
                            ResolveResult::Unbound => Ok(QName::new("", l.as_ref())),
                            ResolveResult::Unknown(p) => Err(format!(
                                "xsi:type `{}` uses the undeclared prefix `{p}`",
                                value.trim()
                            )),
                        });
                    }
                    "nil" => nil = matches!(value.trim(), "true" | "1"),
                    // schemaLocation hints are ignored: the contract is the schema.
                    _ => {}
                }
                continue;
            }
            attrs.push((name, value));
        }
        Ok(Start {
            name: QName::new(ns, local),
            attrs,
            xsi_type,
            nil,
            xsi_attrs,
            declared,
            empty,
        })
    }

    /// Skips the rest of an element whose start was just read.
    fn skip(&mut self, start: &Start) -> Result<(), Fatal> {
        if start.empty {
            return Ok(());
        }
        let mut level = 1;
        while level > 0 {
            match self.next()? {
                Ev::Start(s) if !s.empty => level += 1,
                Ev::End => level -= 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// Translates a whole document whose root must be `root`.
    pub fn document(mut self, root: ElementId) -> Result<JsonWriter<W>, Fatal> {
        let start = self.root_start()?;
        let decl = self.schema.element(root);
        let accepts: Vec<ElementId> = std::iter::once(root)
            .chain(
                self.schema
                    .substitutes
                    .get(&root)
                    .into_iter()
                    .flatten()
                    .copied(),
            )
            .collect();
        match accepts
            .iter()
            .find(|e| self.schema.element(**e).name == start.name)
        {
            Some(&e) => {
                let tag = (e != root).then(|| self.schema.element(e).name.local.clone());
                self.element(start, e, tag, "")?;
            }
            None => {
                let msg = format!(
                    "the root element is `{}`, expected `{}`",
                    start.name, decl.name
                );
                self.error("", msg)?;
                self.skip(&start)?;
            }
        }
        self.finish()
    }

    /// Translates a SOAP envelope into the message JSON of `layout`.
    pub fn envelope(mut self, layout: &MessageLayout) -> Result<JsonWriter<W>, Fatal> {
        let env_ns = envelope_ns(layout.soap);
        let env = self.root_start()?;
        if !env.name.is(env_ns, "Envelope") {
            return Err(TranslateError::Unsupported(format!(
                "expected a SOAP {} Envelope (`{{{env_ns}}}Envelope`), found `{}`",
                layout.soap.as_str(),
                env.name
            )));
        }
        if env.empty {
            return Err(self.xml_error("the Envelope has no Body"));
        }
        // The message JSON is one object, unless it is the bare content of a
        // single element that is not an object.
        let object = match &layout.body {
            BodyLayout::Element(e) => {
                let ty = self.schema.element(*e).type_id;
                self.shapes.get(self.schema, ty).is_object() || !layout.headers.is_empty()
            }
            _ => true,
        };
        if object {
            self.out.begin_object()?;
        }
        let mut body_done = false;
        loop {
            match self.next()? {
                Ev::Start(s) if s.name.is(env_ns, "Header") && !body_done => {
                    self.headers(&s, layout)?
                }
                Ev::Start(s) if s.name.is(env_ns, "Body") && !body_done => {
                    self.body(&s, layout, object)?;
                    body_done = true;
                }
                Ev::Start(s) => {
                    let msg = format!("unexpected `{}` in the Envelope", s.name);
                    self.error("", msg)?;
                    self.skip(&s)?;
                }
                Ev::Text(t) if t.trim().is_empty() => {}
                Ev::Text(_) => self.error("", "text is not allowed in the Envelope")?,
                Ev::End => break,
            }
        }
        if !body_done {
            self.error("", "the Envelope has no Body")?;
        }
        if object {
            self.out.end_object()?;
        }
        self.finish()
    }

    fn root_start(&mut self) -> Result<Start, Fatal> {
        loop {
            match self.next()? {
                Ev::Start(s) => return Ok(s),
                Ev::Text(t) if t.trim().is_empty() => continue,
                Ev::Text(_) => return Err(self.xml_error("text before the root element")),
                Ev::End => return Err(self.xml_error("unexpected end tag")),
            }
        }
    }

    /// After the root: only comments, PIs and white space may follow.
    fn finish(mut self) -> Result<JsonWriter<W>, Fatal> {
        loop {
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            match self.xml.read_event_into(&mut buf) {
                Ok(Event::Eof) => break,
                Ok(Event::Comment(_) | Event::PI(_)) => {}
                Ok(Event::Text(t)) if t.xml10_content().trim().is_empty() => {}
                Ok(_) => return Err(self.xml_error("content after the root element")),
                Err(e) => return Err(self.xml_error(e.to_string())),
            }
            self.buf = buf;
        }
        if self.errors.is_empty() {
            self.out.finish()?;
            Ok(self.out)
        } else {
            Err(TranslateError::Invalid(self.errors))
        }
    }

    /// Declared header parts go to `$headers`; other header blocks belong to
    /// other stages (WS-Addressing, WS-Security) and are passed over here.
    fn headers(&mut self, header: &Start, layout: &MessageLayout) -> Result<(), Fatal> {
        if header.empty {
            return Ok(());
        }
        let mut open = false;
        loop {
            match self.next()? {
                Ev::Start(s) => {
                    let part = layout
                        .headers
                        .iter()
                        .find(|(_, e)| self.schema.element(*e).name == s.name)
                        .map(|(n, e)| (n.clone(), *e));
                    match part {
                        Some((name, e)) => {
                            if !open {
                                self.out.key(HEADERS)?;
                                self.out.begin_object()?;
                                open = true;
                            }
                            let mut p = String::new();
                            push_token(&mut p, HEADERS);
                            push_token(&mut p, &name);
                            self.out.key(&name)?;
                            self.element(s, e, None, &p)?;
                        }
                        None => self.skip(&s)?,
                    }
                }
                Ev::Text(_) => {}
                Ev::End => break,
            }
        }
        if open {
            self.out.end_object()?;
        }
        Ok(())
    }

    fn body(&mut self, body: &Start, layout: &MessageLayout, object: bool) -> Result<(), Fatal> {
        let mut children = Vec::new();
        if !body.empty {
            loop {
                match self.next()? {
                    Ev::Start(s) => {
                        children.push(s.name.clone());
                        self.body_child(s, layout, object, children.len() - 1)?;
                    }
                    Ev::Text(t) if t.trim().is_empty() => {}
                    Ev::Text(_) => self.error("", "text is not allowed in the Body")?,
                    Ev::End => break,
                }
            }
        }
        // What the layout requires and did not get.
        match &layout.body {
            BodyLayout::Element(e) if children.is_empty() => {
                let msg = format!(
                    "the Body is empty: expected `{}`",
                    self.schema.element(*e).name.local
                );
                self.error("", msg)?;
            }
            BodyLayout::Parts(parts) => {
                for (name, e) in parts {
                    if !children.contains(&self.schema.element(*e).name) {
                        let mut p = String::new();
                        push_token(&mut p, name);
                        self.error(&p, format!("missing part `{name}`"))?;
                    }
                }
            }
            BodyLayout::Rpc { wrapper, .. } if children.is_empty() => {
                self.error(
                    "",
                    format!("the Body is empty: expected `{}`", wrapper.local),
                )?;
            }
            _ => {}
        }
        Ok(())
    }

    fn body_child(
        &mut self,
        s: Start,
        layout: &MessageLayout,
        object: bool,
        index: usize,
    ) -> Result<(), Fatal> {
        match &layout.body {
            BodyLayout::Element(e) => {
                let decl = self.schema.element(*e);
                if index > 0 || s.name != decl.name {
                    let msg = format!(
                        "unexpected element `{}` in the Body: expected `{}`",
                        s.name.local, decl.name.local
                    );
                    self.error("", msg)?;
                    return self.skip(&s);
                }
                let d = Decl {
                    ty: decl.type_id,
                    nillable: decl.nillable,
                    default: decl.default.as_deref(),
                    fixed: decl.fixed.as_deref(),
                };
                self.typed(s, d, None, "", object)
            }
            BodyLayout::Parts(parts) => match parts
                .iter()
                .find(|(_, e)| self.schema.element(*e).name == s.name)
            {
                Some((name, e)) => {
                    let (name, e) = (name.clone(), *e);
                    let mut p = String::new();
                    push_token(&mut p, &name);
                    self.out.key(&name)?;
                    self.element(s, e, None, &p)
                }
                None => {
                    let msg = format!("unexpected element `{}` in the Body", s.name.local);
                    self.error("", msg)?;
                    self.skip(&s)
                }
            },
            BodyLayout::Rpc { wrapper, parts } => {
                if index > 0 || s.name != *wrapper {
                    // rpc/encoded multi-reference values were resolved before;
                    // anything else here is out of place.
                    let msg = format!(
                        "unexpected element `{}` in the Body: expected `{}`",
                        s.name.local, wrapper.local
                    );
                    self.error("", msg)?;
                    return self.skip(&s);
                }
                self.rpc_parts(&s, parts)
            }
        }
    }

    /// The accessors of an rpc wrapper: one per part, named by the part
    /// (unqualified), typed by the part's type.
    fn rpc_parts(&mut self, wrapper: &Start, parts: &[(String, RpcPart)]) -> Result<(), Fatal> {
        let mut seen = vec![false; parts.len()];
        if !wrapper.empty {
            loop {
                match self.next()? {
                    Ev::Start(s) => {
                        let found = parts.iter().position(|(name, kind)| match kind {
                            RpcPart::Type(_) => s.name.local == *name,
                            RpcPart::Element(e) => self.schema.element(*e).name == s.name,
                        });
                        match found {
                            Some(i) if !seen[i] => {
                                seen[i] = true;
                                let (name, kind) = parts[i].clone();
                                let mut p = String::new();
                                push_token(&mut p, &name);
                                self.out.key(&name)?;
                                match kind {
                                    RpcPart::Type(t) => {
                                        let d = Decl {
                                            ty: t,
                                            nillable: true,
                                            default: None,
                                            fixed: None,
                                        };
                                        self.typed(s, d, None, &p, false)?;
                                    }
                                    RpcPart::Element(e) => self.element(s, e, None, &p)?,
                                }
                            }
                            _ => {
                                let msg = format!("unexpected accessor `{}`", s.name.local);
                                self.error("", msg)?;
                                self.skip(&s)?;
                            }
                        }
                    }
                    Ev::Text(t) if t.trim().is_empty() => {}
                    Ev::Text(_) => self.error("", "text is not allowed in an rpc wrapper")?,
                    Ev::End => break,
                }
            }
        }
        for (i, (name, _)) in parts.iter().enumerate() {
            if !seen[i] {
                let mut p = String::new();
                push_token(&mut p, name);
                self.error(&p, format!("missing part `{name}`"))?;
            }
        }
        Ok(())
    }

    /// Writes the JSON of one element at the writer's current position.
    /// `tag` is set when the element is a substitution member (`$element`).
    fn element(
        &mut self,
        start: Start,
        decl: ElementId,
        tag: Option<String>,
        pointer: &str,
    ) -> Result<(), Fatal> {
        let d = self.schema.element(decl);
        let info = Decl {
            ty: d.type_id,
            nillable: d.nillable,
            default: d.default.as_deref(),
            fixed: d.fixed.as_deref(),
        };
        self.typed(start, info, tag, pointer, false)
    }

    /// Writes the JSON of an element of a known type. With `into_open`, the
    /// element's properties go into the JSON object the caller has opened
    /// (a wrapper element whose content is the message JSON, after `$headers`).
    pub(crate) fn typed(
        &mut self,
        start: Start,
        d: Decl<'_>,
        tag: Option<String>,
        pointer: &str,
        into_open: bool,
    ) -> Result<(), Fatal> {
        let mut ty = d.ty;
        let mut type_tag = None;
        match &start.xsi_type {
            Some(Ok(q)) => match self.schema.global_type(q) {
                // rpc/encoded puts xsi:type on every value, naming the
                // declared type or a SOAP-ENC twin of it: only a complex type
                // derived from a complex declared type changes anything.
                Some(t) if self.encoded && !self.polymorphic(t, ty) => {}
                Some(t) if self.schema.derives_from(t, ty) => {
                    if t != ty {
                        type_tag = Some(self.type_tag(d.ty, t));
                    }
                    ty = t;
                }
                Some(_) => {
                    let msg = format!(
                        "xsi:type `{}` is not derived from the declared type `{}`",
                        q.local,
                        self.schema.type_label(ty)
                    );
                    self.error(pointer, msg)?;
                }
                None => {
                    let msg = format!("xsi:type `{q}` is not a type of the contract");
                    self.error(pointer, msg)?;
                }
            },
            Some(Err(msg)) => {
                let msg = msg.clone();
                self.error(pointer, msg)?;
            }
            None => {}
        }
        if let TypeDef::Complex(ct) = self.schema.ty(ty)
            && ct.is_abstract
        {
            let msg = format!(
                "type `{}` is abstract: an xsi:type naming a derived type is required",
                self.schema.type_label(ty)
            );
            self.error(pointer, msg)?;
        }
        if start.nil {
            return self.nil(start, ty, d.nillable, tag, type_tag, pointer);
        }
        let shape = self.shapes.get(self.schema, ty);
        if let Some(problem) = &shape.problem {
            return Err(TranslateError::Unsupported(format!(
                "cannot translate: {problem}"
            )));
        }
        if let Some(array) = self
            .schema
            .ty(ty)
            .as_complex()
            .and_then(|c| c.soap_array.as_ref())
        {
            let item = array.item_type;
            return self.soap_array(&start, item, pointer);
        }
        let wrap = tag.is_some() || type_tag.is_some();
        if into_open && (!shape.is_object() || wrap) {
            return Err(TranslateError::Unsupported(format!(
                "the message JSON of `{}` is not an object",
                start.name.local
            )));
        }
        if !shape.is_object() && !wrap {
            // A scalar (or list): the element's text is the value.
            if !start.attrs.is_empty() {
                self.unknown_attributes(&start, shape, pointer)?;
            }
            let text = self.text_only(&start, pointer)?;
            let text = text
                .or_else(|| d.default.map(str::to_string))
                .unwrap_or_default();
            return self.simple_value(
                value_type(self.schema, ty).unwrap_or(ty),
                &text,
                d.fixed,
                pointer,
            );
        }
        if !into_open {
            self.out.begin_object()?;
        }
        if let Some(t) = &tag {
            self.out.key(ELEMENT)?;
            self.out.string(t)?;
        }
        if let Some(t) = &type_tag {
            self.out.key(TYPE)?;
            self.out.string(t)?;
        }
        self.attributes(&start, shape, pointer)?;
        match &shape.body {
            Body::Empty => {
                self.empty_content(&start, pointer)?;
            }
            Body::Simple(v) => {
                let v = *v;
                let text = self.text_only(&start, pointer)?;
                let text = text
                    .or_else(|| d.default.map(str::to_string))
                    .unwrap_or_default();
                let mut p = pointer.to_string();
                push_token(&mut p, VALUE);
                self.out.key(VALUE)?;
                self.simple_value(v, &text, d.fixed, &p)?;
            }
            Body::Elements { root, mixed } => {
                if start.empty {
                    let mut m = Matcher::new(root, !*mixed);
                    if *mixed {
                        self.out.key(MIXED)?;
                        self.out.begin_array()?;
                        self.out.end_array()?;
                    }
                    let missing = m.close(&mut self.out)?;
                    for mm in missing {
                        let p = join(pointer, &mm.path);
                        self.error(&p, mm.message)?;
                    }
                } else {
                    self.children(root, *mixed, pointer)?;
                }
            }
        }
        if !into_open {
            self.out.end_object()?;
        }
        Ok(())
    }

    /// rpc/encoded: does `xsi:type` name a complex (non-array) type derived
    /// from the complex declared type, i.e. real polymorphism?
    fn polymorphic(&self, t: TypeId, declared: TypeId) -> bool {
        let derived_complex = self
            .schema
            .ty(t)
            .as_complex()
            .is_some_and(|c| c.soap_array.is_none());
        let declared_complex = self.schema.ty(declared).as_complex().is_some();
        derived_complex && declared_complex && self.schema.derives_from(t, declared)
    }

    /// A SOAP-ENC array: every child element (whatever its name) is an item
    /// of the array's item type; JSON is a plain array.
    fn soap_array(&mut self, start: &Start, item: TypeId, pointer: &str) -> Result<(), Fatal> {
        self.out.begin_array()?;
        if !start.empty {
            let mut i = 0usize;
            loop {
                match self.next()? {
                    Ev::Start(s) => {
                        let mut p = pointer.to_string();
                        push_token(&mut p, &i.to_string());
                        i += 1;
                        let d = Decl {
                            ty: item,
                            nillable: true,
                            default: None,
                            fixed: None,
                        };
                        self.typed(s, d, None, &p, false)?;
                    }
                    Ev::Text(t) if t.trim().is_empty() => {}
                    Ev::Text(_) => {
                        self.error(pointer, "text is not allowed in a SOAP-ENC array")?
                    }
                    Ev::End => break,
                }
            }
        }
        self.out.end_array()?;
        Ok(())
    }

    /// `$type` value: the derived type's local name, or Clark notation when
    /// another candidate shares the local name.
    fn type_tag(&self, declared: TypeId, actual: TypeId) -> String {
        let Some(name) = self.schema.ty(actual).name() else {
            return String::new();
        };
        let candidates = self
            .schema
            .derived
            .get(&declared)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let ambiguous = candidates.iter().filter(|c| **c != actual).any(|c| {
            self.schema
                .ty(*c)
                .name()
                .is_some_and(|n| n.local == name.local)
        });
        if ambiguous {
            name.to_string()
        } else {
            name.local.clone()
        }
    }

    fn nil(
        &mut self,
        start: Start,
        ty: TypeId,
        nillable: bool,
        tag: Option<String>,
        type_tag: Option<String>,
        pointer: &str,
    ) -> Result<(), Fatal> {
        if !nillable {
            self.error(
                pointer,
                "xsi:nil is not allowed: the element is not nillable",
            )?;
        }
        // A nil element has no content.
        if !start.empty {
            loop {
                match self.next()? {
                    Ev::End => break,
                    Ev::Text(t) if t.trim().is_empty() => {}
                    Ev::Text(_) => {
                        self.error(pointer, "a nil element must be empty")?;
                    }
                    Ev::Start(s) => {
                        self.error(pointer, "a nil element must be empty")?;
                        self.skip(&s)?;
                    }
                }
            }
        }
        if start.attrs.is_empty() && tag.is_none() && type_tag.is_none() {
            self.out.null()?;
            return Ok(());
        }
        self.out.begin_object()?;
        if let Some(t) = tag {
            self.out.key(ELEMENT)?;
            self.out.string(&t)?;
        }
        if let Some(t) = type_tag {
            self.out.key(TYPE)?;
            self.out.string(&t)?;
        }
        self.out.key(NIL)?;
        self.out.bool(true)?;
        // Attributes of a nil element are still typed and checked.
        let shape = self.shapes.get(self.schema, ty);
        self.attributes(&start, shape, pointer)?;
        self.out.end_object()?;
        Ok(())
    }

    fn unknown_attributes(
        &mut self,
        start: &Start,
        shape: &TypeShape,
        pointer: &str,
    ) -> Result<(), Fatal> {
        for (name, _) in &start.attrs {
            if shape.attrs.iter().all(|a| a.name != *name) {
                let msg = format!("unknown attribute `{}`", name.local);
                self.error(pointer, msg)?;
            }
        }
        Ok(())
    }

    /// Attributes in the schema's order (so the JSON does not depend on the
    /// order a sender happened to write them in), then undeclared ones.
    fn attributes(
        &mut self,
        start: &Start,
        shape: &'c TypeShape,
        pointer: &str,
    ) -> Result<(), Fatal> {
        for a in &shape.attrs {
            if let Some((_, value)) = start.attrs.iter().find(|(n, _)| *n == a.name) {
                let mut p = pointer.to_string();
                push_token(&mut p, &a.json);
                self.out.key(&a.json)?;
                self.simple_value(a.type_id, value, a.fixed.as_deref(), &p)?;
            }
        }
        let mut extra: Vec<(String, String)> = Vec::new();
        for (name, value) in &start.attrs {
            if shape.attrs.iter().any(|a| a.name == *name) {
                continue;
            }
            match &shape.any_attribute {
                Some(w) if w.namespaces.allows(&name.ns) => {
                    extra.push((name.to_string(), value.clone()))
                }
                _ => {
                    let msg = format!("unknown attribute `{}`", name.local);
                    self.error(pointer, msg)?;
                }
            }
        }
        for a in shape.attrs.iter().filter(|a| a.required) {
            if !start.attrs.iter().any(|(n, _)| *n == a.name) {
                let mut p = pointer.to_string();
                push_token(&mut p, &a.json);
                self.error(&p, format!("missing required attribute `{}`", a.name.local))?;
            }
        }
        if !extra.is_empty() {
            self.out.key(ANY_ATTRIBUTES)?;
            self.out.begin_object()?;
            for (k, v) in extra {
                self.out.key(&k)?;
                self.out.string(&v)?;
            }
            self.out.end_object()?;
        }
        Ok(())
    }

    /// Reads the text of an element that may hold no child elements.
    /// `None` when the element is empty.
    fn text_only(&mut self, start: &Start, pointer: &str) -> Result<Option<String>, Fatal> {
        let saved = std::mem::replace(&mut self.keep_blank, true);
        let r = self.text_only_inner(start, pointer);
        self.keep_blank = saved;
        r
    }

    fn text_only_inner(&mut self, start: &Start, pointer: &str) -> Result<Option<String>, Fatal> {
        if start.empty {
            return Ok(None);
        }
        let mut text = String::new();
        let mut any = false;
        loop {
            match self.next()? {
                Ev::Text(t) => {
                    any = true;
                    if text.len() + t.len() > self.limits.max_text {
                        return Err(TranslateError::Limit(format!(
                            "text value longer than {} bytes",
                            self.limits.max_text
                        )));
                    }
                    // The usual single piece is taken as is, not copied.
                    if text.is_empty() {
                        text = t;
                    } else {
                        text.push_str(&t);
                    }
                }
                Ev::Start(s) => {
                    let msg = format!(
                        "unexpected element `{}`: this element holds only text",
                        s.name.local
                    );
                    self.error(pointer, msg)?;
                    self.skip(&s)?;
                }
                Ev::End => break,
            }
        }
        Ok(any.then_some(text))
    }

    fn empty_content(&mut self, start: &Start, pointer: &str) -> Result<(), Fatal> {
        if start.empty {
            return Ok(());
        }
        loop {
            match self.next()? {
                Ev::Text(t) if t.trim().is_empty() => {}
                Ev::Text(_) => {
                    self.error(pointer, "text is not allowed: the element's type is empty")?
                }
                Ev::Start(s) => {
                    let msg = format!(
                        "unexpected element `{}`: the element's type is empty",
                        s.name.local
                    );
                    self.error(pointer, msg)?;
                    self.skip(&s)?;
                }
                Ev::End => return Ok(()),
            }
        }
    }

    fn simple_value(
        &mut self,
        ty: TypeId,
        raw: &str,
        fixed: Option<&str>,
        pointer: &str,
    ) -> Result<(), Fatal> {
        match self.simple.xml_to_json(ty, raw) {
            Ok(v) => {
                if let Some(f) = fixed
                    && let Ok(fv) = self.simple.xml_to_json(ty, f)
                    && fv != v
                {
                    self.error(
                        pointer,
                        format!("the value must be the fixed value \"{f}\""),
                    )?;
                }
                write_simple(&mut self.out, &v)?;
            }
            Err(messages) => {
                for m in messages {
                    self.error(pointer, m)?;
                }
                // Keep the JSON well-formed: the raw text stands in.
                self.out.string(raw)?;
            }
        }
        Ok(())
    }

    fn children(&mut self, root: &'c Node, mixed: bool, pointer: &str) -> Result<(), Fatal> {
        let saved = std::mem::replace(&mut self.keep_blank, mixed);
        let r = self.children_inner(root, mixed, pointer);
        self.keep_blank = saved;
        r
    }

    fn children_inner(&mut self, root: &'c Node, mixed: bool, pointer: &str) -> Result<(), Fatal> {
        let mut m = Matcher::new(root, !mixed);
        if mixed {
            self.out.key(MIXED)?;
            self.out.begin_array()?;
        }
        let mut mixed_index = 0usize;
        // Mixed text arrives in pieces (around entity and character
        // references); it is one JSON string per run of text.
        let mut text = String::new();
        loop {
            let ev = self.next()?;
            if mixed && !text.is_empty() && !matches!(ev, Ev::Text(_)) {
                self.out.string(&text)?;
                text.clear();
                mixed_index += 1;
            }
            match ev {
                Ev::Start(s) => {
                    let placed = m.place(&s.name, &mut self.out)?;
                    match placed {
                        Ok(p) => {
                            let child_pointer = if mixed {
                                let mut cp = pointer.to_string();
                                push_token(&mut cp, MIXED);
                                push_token(&mut cp, &mixed_index.to_string());
                                push_token(&mut cp, &s.name.local);
                                mixed_index += 1;
                                self.out.begin_object()?;
                                self.out.key(&s.name.local)?;
                                cp
                            } else {
                                m.pointer(pointer, &p)
                            };
                            self.place_child(s, p.node, &child_pointer)?;
                            if mixed {
                                self.out.end_object()?;
                            }
                        }
                        Err(mm) => {
                            let p = join(pointer, &mm.path);
                            self.error(&p, mm.message)?;
                            self.skip(&s)?;
                        }
                    }
                }
                Ev::Text(t) => {
                    if mixed {
                        if text.len() + t.len() > self.limits.max_text {
                            return Err(TranslateError::Limit(format!(
                                "text value longer than {} bytes",
                                self.limits.max_text
                            )));
                        }
                        text.push_str(&t);
                    } else if !t.trim().is_empty() {
                        let short: String = t.trim().chars().take(40).collect();
                        self.error(
                            pointer,
                            format!("text \"{short}\" is not allowed here (element content only)"),
                        )?;
                    }
                }
                Ev::End => break,
            }
        }
        let missing = m.close(&mut self.out)?;
        for mm in missing {
            let p = join(pointer, &mm.path);
            self.error(&p, mm.message)?;
        }
        if mixed {
            self.out.end_array()?;
        }
        Ok(())
    }

    /// Translates a child placed at `node`.
    fn place_child(&mut self, s: Start, node: &'c Node, pointer: &str) -> Result<(), Fatal> {
        match &node.kind {
            NodeKind::Element(e) => {
                let found = e
                    .accepts
                    .iter()
                    .copied()
                    .find(|a| self.schema.element(*a).name == s.name);
                match found {
                    Some(a) => {
                        let tag = (a != e.decl).then(|| self.schema.element(a).name.local.clone());
                        self.element(s, a, tag, pointer)
                    }
                    None => {
                        self.skip(&s)?;
                        self.error(pointer, "internal: element placed but not accepted")
                    }
                }
            }
            NodeKind::Any { wildcard, .. } => self.any(s, wildcard, pointer),
            NodeKind::Group { .. } => self.error(pointer, "internal: a group is not a leaf"),
        }
    }

    /// An element matched by `xs:any`: typed when the contract declares it
    /// (and processing is not `skip`), else kept as an XML string.
    fn any(&mut self, s: Start, w: &Wildcard, pointer: &str) -> Result<(), Fatal> {
        let known = match w.process {
            ProcessContents::Skip => None,
            _ => self.schema.global_element(&s.name),
        };
        match known {
            Some(e) => {
                let tag = Some(s.name.to_string());
                self.element(s, e, tag, pointer)
            }
            None if w.process == ProcessContents::Strict => {
                let msg = format!(
                    "element `{}` is not declared in the contract (processContents=strict)",
                    s.name
                );
                self.skip(&s)?;
                self.error(pointer, msg)?;
                self.out.null()?;
                Ok(())
            }
            None => {
                let xml = self.capture(s)?;
                self.out.string(&xml).map_err(TranslateError::Io)
            }
        }
    }

    /// Re-serializes an undescribed element so the string stands alone and
    /// round-trips: the namespaces its names use, the declarations written
    /// inside it, and any outer binding whose prefix appears in its content
    /// (QName values such as `err:Code` or `xsi:type="p:T"`) are declared on
    /// its root; `xsi:*` attributes are kept.
    fn capture(&mut self, s: Start) -> Result<String, Fatal> {
        let saved = std::mem::replace(&mut self.keep_blank, true);
        let r = self.capture_inner(s);
        self.keep_blank = saved;
        r
    }

    fn capture_inner(&mut self, s: Start) -> Result<String, Fatal> {
        let mut out = String::new();
        let mut emitted: Vec<Vec<(String, String)>> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let outer = self.scope_now();
        let root_name_end = self.capture_tag(&mut out, &s, &mut emitted, &mut names);
        while !names.is_empty() {
            if out.len() > self.limits.max_text {
                return Err(TranslateError::Limit(format!(
                    "undescribed element larger than {} bytes",
                    self.limits.max_text
                )));
            }
            match self.next()? {
                Ev::Start(c) => {
                    self.capture_tag(&mut out, &c, &mut emitted, &mut names);
                }
                Ev::Text(t) => crate::xml::escape::text(&mut out, &t),
                Ev::End => {
                    let n = names.pop().unwrap_or_default();
                    emitted.pop();
                    out.push_str("</");
                    out.push_str(&n);
                    out.push('>');
                }
            }
        }
        // Outer bindings the content mentions by prefix (QName values).
        let mut extra = String::new();
        let declared_on_root: Vec<String> = self.root_declared.drain(..).collect();
        for (p, u) in outer.iter().rev() {
            if p.is_empty()
                || declared_on_root.contains(p)
                || extra.contains(&format!(" xmlns:{p}="))
            {
                continue;
            }
            // A prefix the content declares itself (with the same URI) is
            // covered where it is used.
            if self.inner_declared.iter().any(|(q, _)| q == p) {
                continue;
            }
            if mentions_prefix(&out, p) {
                extra.push_str(" xmlns:");
                extra.push_str(p);
                extra.push_str("=\"");
                crate::xml::escape::attr(&mut extra, u);
                extra.push('"');
            }
        }
        out.insert_str(root_name_end, &extra);
        Ok(out)
    }

    /// The namespace bindings in scope now, as (prefix, uri); `""` is the default.
    fn scope_now(&self) -> Vec<(String, String)> {
        self.xml
            .resolver()
            .bindings()
            .map(|(p, n)| {
                let p = match p {
                    quick_xml::name::PrefixDeclaration::Default => String::new(),
                    quick_xml::name::PrefixDeclaration::Named(p) => p.to_string(),
                };
                // The resolver holds the URI as written; declarations are
                // compared unescaped (`urn:a&amp;b` is `urn:a&b`).
                (p, namespace_uri(n.0))
            })
            .collect()
    }

    /// Writes one start tag of undescribed content; returns the byte offset
    /// just after the element name (where root declarations may be added).
    fn capture_tag(
        &mut self,
        out: &mut String,
        s: &Start,
        emitted: &mut Vec<Vec<(String, String)>>,
        names: &mut Vec<String>,
    ) -> usize {
        let scope = self.scope_now();
        let is_root = emitted.is_empty() && names.is_empty();
        let mut decls: Vec<(String, String)> = s.declared.clone();
        let effective = |emitted: &Vec<Vec<(String, String)>>,
                         decls: &[(String, String)],
                         p: &str|
         -> Option<String> {
            decls
                .iter()
                .rev()
                .chain(emitted.iter().rev().flat_map(|v| v.iter().rev()))
                .find(|(q, _)| q == p)
                .map(|(_, u)| u.clone())
        };
        let mut counter = 0usize;
        let mut qualify = |q: &QName, element: bool, decls: &mut Vec<(String, String)>| -> String {
            if q.ns.is_empty() {
                if element && effective(emitted, decls, "").is_some_and(|u| !u.is_empty()) {
                    decls.push((String::new(), String::new()));
                }
                return q.local.clone();
            }
            if q.ns == ns::XML {
                return format!("xml:{}", q.local);
            }
            // A prefix already declared in the string, else the source's binding.
            let known = decls
                .iter()
                .rev()
                .chain(emitted.iter().rev().flat_map(|v| v.iter().rev()))
                .find(|(p, u)| *u == q.ns && (element || !p.is_empty()))
                .map(|(p, _)| p.clone())
                .filter(|p| effective(emitted, decls, p).as_deref() == Some(q.ns.as_str()));
            let p = match known {
                Some(p) => p,
                None => {
                    let from_scope = scope
                        .iter()
                        .rev()
                        .find(|(p, u)| *u == q.ns && (element || !p.is_empty()))
                        .map(|(p, _)| p.clone());
                    let p = match from_scope {
                        Some(p) => p,
                        None => loop {
                            let p = format!("ns{counter}");
                            counter += 1;
                            if !scope.iter().any(|(x, _)| *x == p) {
                                break p;
                            }
                        },
                    };
                    decls.push((p.clone(), q.ns.clone()));
                    p
                }
            };
            if p.is_empty() {
                q.local.clone()
            } else {
                format!("{p}:{}", q.local)
            }
        };
        let name = qualify(&s.name, true, &mut decls);
        let mut attr_text = String::new();
        for (n, v) in s.attrs.iter().chain(s.xsi_attrs.iter()) {
            let an = qualify(n, false, &mut decls);
            attr_text.push(' ');
            attr_text.push_str(&an);
            attr_text.push_str("=\"");
            crate::xml::escape::attr(&mut attr_text, v);
            attr_text.push('"');
        }
        out.push('<');
        out.push_str(&name);
        let name_end = out.len();
        if is_root {
            self.root_declared = decls.iter().map(|(p, _)| p.clone()).collect();
            self.inner_declared.clear();
        } else {
            self.inner_declared.extend(decls.iter().cloned());
        }
        for (p, u) in &decls {
            if p.is_empty() {
                out.push_str(" xmlns=\"");
            } else {
                out.push_str(" xmlns:");
                out.push_str(p);
                out.push_str("=\"");
            }
            crate::xml::escape::attr(out, u);
            out.push('"');
        }
        out.push_str(&attr_text);
        if s.empty {
            out.push_str("/>");
        } else {
            out.push('>');
            emitted.push(decls);
            names.push(name);
        }
        name_end
    }
}

/// Does `text` use `prefix:` as a QName prefix (not inside another word,
/// such as the `p:` of `http:`)?
fn mentions_prefix(text: &str, prefix: &str) -> bool {
    let needle = format!("{prefix}:");
    let is_name = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    text.match_indices(&needle).any(|(i, _)| {
        let before_ok = text[..i].chars().next_back().is_none_or(|c| !is_name(c));
        let after_ok = text[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_');
        before_ok && after_ok
    })
}

/// A namespace URI as declared: the resolver keeps it as written, so
/// `urn:a&amp;b` is unescaped here (rare, so the common case does not copy twice).
fn namespace_uri(raw: &str) -> String {
    if raw.contains('&') {
        quick_xml::escape::unescape(raw)
            .map(|u| u.into_owned())
            .unwrap_or_else(|_| raw.to_string())
    } else {
        raw.to_string()
    }
}

fn resolve_owned(r: ResolveResult<'_>) -> Result<String, String> {
    match r {
        ResolveResult::Bound(n) => Ok(namespace_uri(n.0)),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(p) => Err(p),
    }
}

fn join(base: &str, tokens: &[String]) -> String {
    let mut p = base.to_string();
    for t in tokens {
        push_token(&mut p, t);
    }
    p
}

pub(crate) fn write_simple<W: Write>(
    out: &mut JsonWriter<W>,
    v: &SimpleJson<'_>,
) -> std::io::Result<()> {
    match v {
        SimpleJson::Scalar(s) => write_scalar(out, s),
        SimpleJson::List(items) => {
            out.begin_array()?;
            for s in items {
                write_scalar(out, s)?;
            }
            out.end_array()
        }
    }
}

fn write_scalar<W: Write>(out: &mut JsonWriter<W>, s: &JsonScalar<'_>) -> std::io::Result<()> {
    match s {
        JsonScalar::Number(n) => out.number(n),
        JsonScalar::Bool(b) => out.bool(*b),
        JsonScalar::String(t) => out.string(t),
    }
}
