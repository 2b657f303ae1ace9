//! JSON -> XML, driven by the same shapes as the other direction.
//!
//! JSON objects are unordered, XML content is not: the writer walks the
//! content model in schema order and looks each property up, so callers may
//! send keys in any order. The JSON is read into a [`Json`] tree first
//! (duplicate keys refused, numbers exact); the XML is written as the walk
//! goes. Every namespace the element can use is declared once, on the root,
//! with stable prefixes; nothing is redeclared below it.

use std::collections::BTreeSet;
use std::io::Write;

use super::Limits;
use super::error::{FieldError, TranslateError, push_token};
use super::json_tree::Json;
use super::message::{BodyLayout, HEADERS, MessageLayout, RpcPart, envelope_ns};
use super::shape::{
    ANY, ANY_ATTRIBUTES, Body, ELEMENT, GroupSlot, MIXED, NIL, Node, NodeKind, Shapes, TYPE,
    TypeShape, VALUE,
};
use super::simple::{SimpleCodec, value_type};
use crate::ns;
use crate::qname::QName;
use crate::schema::{Compositor, Content, ElementId, Schema, Term, TypeDef, TypeId};
use crate::xml;

mod stream;

/// What an element needs from its declaration.
#[derive(Clone, Copy)]
pub(crate) struct Decl<'a> {
    pub ty: TypeId,
    pub nillable: bool,
    pub fixed: Option<&'a str>,
}

pub(crate) struct JsonToXml<'c, W: Write> {
    /// rpc/encoded: `xsi:type` on every value, SOAP-ENC arrays.
    pub encoded: bool,
    /// Properties the contract does not know are passed over, not refused
    /// (a tolerant reader of upstream answers).
    pub ignore_unknown: bool,
    schema: &'c Schema,
    shapes: &'c Shapes,
    simple: SimpleCodec<'c>,
    out: XmlOut<W>,
    errors: Vec<FieldError>,
    limits: &'c Limits,
    depth: usize,
    /// Streaming: each content model's properties in schema order, by node.
    slots: std::collections::HashMap<(usize, usize), std::rc::Rc<stream::Slots<'c>>>,
}

/// Prefixes of the namespaces declared on the root, and local declarations below.
struct XmlOut<W: Write> {
    w: W,
    root_scope: Vec<(String, String)>,
    /// Extra declarations per open element (for content outside the root scope).
    local: Vec<Vec<(String, String)>>,
    counter: usize,
    root_written: bool,
    /// Declarations the next start tag must carry (for QName values such as
    /// an `xsi:type` naming a type outside the root's namespaces).
    pending: Vec<(String, String)>,
}

impl<W: Write> XmlOut<W> {
    fn prefix(&self, ns: &str) -> Option<&str> {
        if ns == ns::XML {
            return Some("xml");
        }
        self.local
            .iter()
            .rev()
            .flatten()
            .chain(self.root_scope.iter())
            .find(|(_, u)| u == ns)
            .map(|(p, _)| p.as_str())
    }

    /// `<p:local a="v" ...>`; declares the root scope on the first element.
    fn start(
        &mut self,
        name: &QName,
        attrs: &[(QName, String)],
        empty: bool,
    ) -> std::io::Result<()> {
        let mut decls: Vec<(String, String)> = std::mem::take(&mut self.pending);
        let qualified = |ns: &str, decls: &mut Vec<(String, String)>, this: &mut Self| -> String {
            if ns.is_empty() {
                return String::new();
            }
            if let Some(p) = this
                .prefix(ns)
                .or_else(|| decls.iter().find(|(_, u)| u == ns).map(|(p, _)| p.as_str()))
            {
                return p.to_string();
            }
            let p = format!("n{}_", this.counter);
            this.counter += 1;
            decls.push((p.clone(), ns.to_string()));
            p
        };
        let ep = qualified(&name.ns, &mut decls, self);
        let mut attr_text = String::new();
        for (n, v) in attrs {
            let p = qualified(&n.ns, &mut decls, self);
            attr_text.push(' ');
            if !p.is_empty() {
                attr_text.push_str(&p);
                attr_text.push(':');
            }
            attr_text.push_str(&n.local);
            attr_text.push_str("=\"");
            crate::xml::escape::attr(&mut attr_text, v);
            attr_text.push('"');
        }
        let mut head = String::from("<");
        if !ep.is_empty() {
            head.push_str(&ep);
            head.push(':');
        }
        head.push_str(&name.local);
        if !self.root_written {
            self.root_written = true;
            for (p, u) in &self.root_scope {
                head.push_str(" xmlns:");
                head.push_str(p);
                head.push_str("=\"");
                crate::xml::escape::attr(&mut head, u);
                head.push('"');
            }
        }
        for (p, u) in &decls {
            head.push_str(" xmlns:");
            head.push_str(p);
            head.push_str("=\"");
            crate::xml::escape::attr(&mut head, u);
            head.push('"');
        }
        head.push_str(&attr_text);
        head.push_str(if empty { "/>" } else { ">" });
        self.w.write_all(head.as_bytes())?;
        if !empty {
            self.local.push(decls);
        }
        Ok(())
    }

    fn end(&mut self, name: &QName) -> std::io::Result<()> {
        let prefix = self.prefix(&name.ns).unwrap_or_default().to_string();
        self.local.pop();
        let mut s = String::from("</");
        if !prefix.is_empty() {
            s.push_str(&prefix);
            s.push(':');
        }
        s.push_str(&name.local);
        s.push('>');
        self.w.write_all(s.as_bytes())
    }

    fn text(&mut self, t: &str) -> std::io::Result<()> {
        let mut s = String::with_capacity(t.len());
        crate::xml::escape::text(&mut s, t);
        self.w.write_all(s.as_bytes())
    }
}

type Fatal = TranslateError;

/// What [`JsonToXml::head`] leaves to do.
pub(super) enum Head<'c> {
    /// The element is written (or refused, with the errors recorded).
    Done,
    /// The start tag's attributes are known; the content comes next.
    Open {
        attrs: Vec<(QName, String)>,
        shape: &'c TypeShape,
    },
}

pub(super) const NIL_HAS_NO_CONTENT: &str = "a nil element (`$nil` or null) has no content";

/// Members that belong before an element's content: its tags and attributes.
pub(super) fn is_head_key(shape: &TypeShape, key: &str) -> bool {
    matches!(key, ELEMENT | TYPE | NIL | ANY_ATTRIBUTES) || shape.attr_by_json(key).is_some()
}

impl<'c, W: Write> JsonToXml<'c, W> {
    pub fn new(
        schema: &'c Schema,
        shapes: &'c Shapes,
        simple: SimpleCodec<'c>,
        w: W,
        limits: &'c Limits,
    ) -> Self {
        JsonToXml {
            encoded: false,
            ignore_unknown: false,
            schema,
            shapes,
            simple,
            out: XmlOut {
                w,
                root_scope: Vec::new(),
                local: Vec::new(),
                counter: 0,
                root_written: false,
                pending: Vec::new(),
            },
            errors: Vec::new(),
            limits,
            depth: 0,
            slots: Default::default(),
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

    /// Writes the document for the global element `root` from `value`.
    pub fn document(mut self, root: ElementId, value: &Json) -> Result<W, Fatal> {
        self.out.root_scope = self.root_scope(root, uses_xsi(value));
        self.element(root, value, "")?;
        self.done()
    }

    /// Prefixes for every namespace reachable from the root element.
    fn root_scope(&self, root: ElementId, xsi: bool) -> Vec<(String, String)> {
        let decl = self.schema.element(root);
        let mut namespaces = BTreeSet::new();
        self.reachable_namespaces(vec![decl.type_id], &mut namespaces);
        let mut scope = Vec::new();
        if !decl.name.ns.is_empty() {
            scope.push(("tns".to_string(), decl.name.ns.clone()));
        }
        finish_scope(scope, namespaces, xsi)
    }

    /// Every namespace an element of one of `types` may use, transitively
    /// (derived types included, for `$type`).
    fn reachable_namespaces(&self, types: Vec<TypeId>, namespaces: &mut BTreeSet<String>) {
        let mut seen_types = std::collections::HashSet::new();
        let mut stack = types;
        while let Some(t) = stack.pop() {
            if !seen_types.insert(t) {
                continue;
            }
            if let Some(d) = self.schema.derived.get(&t) {
                stack.extend(d.iter().copied());
            }
            if let TypeDef::Complex(ct) = self.schema.ty(t) {
                for a in &ct.attributes {
                    namespaces.insert(a.name.ns.clone());
                }
                if let Some(a) = &ct.soap_array {
                    stack.push(a.item_type);
                }
                if let Content::Elements(p) = &ct.content {
                    let mut ps = vec![p];
                    while let Some(p) = ps.pop() {
                        match &p.term {
                            Term::Element(e) => {
                                let decl = self.schema.element(*e);
                                namespaces.insert(decl.name.ns.clone());
                                stack.push(decl.type_id);
                                for s in self.schema.substitutes.get(e).into_iter().flatten() {
                                    namespaces.insert(self.schema.element(*s).name.ns.clone());
                                    stack.push(self.schema.element(*s).type_id);
                                }
                            }
                            Term::Group(g) => ps.extend(g.particles.iter()),
                            Term::Any(_) => {}
                        }
                    }
                }
            }
            if self.encoded {
                // xsi:type names every value's type.
                if let Some(n) = self.schema.ty(t).name() {
                    namespaces.insert(n.ns.clone());
                }
            }
        }
    }

    /// Writes a whole SOAP envelope for the message JSON `value`.
    pub fn envelope(mut self, layout: &MessageLayout, value: &Json) -> Result<W, Fatal> {
        let env_ns = envelope_ns(layout.soap);
        self.out.root_scope = self.envelope_scope(layout, layout.encoded || uses_xsi(value));
        let Json::Object(members) = value else {
            if let (BodyLayout::Element(e), true) = (&layout.body, layout.headers.is_empty()) {
                // A bare scalar message.
                let e = *e;
                self.out
                    .start(&QName::new(env_ns, "Envelope"), &[], false)?;
                self.out.start(&QName::new(env_ns, "Body"), &[], false)?;
                self.element(e, value, "")?;
                self.out.end(&QName::new(env_ns, "Body"))?;
                self.out.end(&QName::new(env_ns, "Envelope"))?;
                return self.done();
            }
            let msg = format!(
                "expected a JSON object (the message), found {}",
                value.kind()
            );
            self.error("", msg)?;
            return self.done();
        };
        self.out
            .start(&QName::new(env_ns, "Envelope"), &[], false)?;
        if let Some(h) = value.get(HEADERS) {
            self.headers(layout, h)?;
        }
        self.out.start(&QName::new(env_ns, "Body"), &[], false)?;
        match &layout.body {
            BodyLayout::Element(e) => {
                let body = strip_key(value, HEADERS);
                self.element(*e, &body, "")?;
            }
            BodyLayout::Parts(parts) => {
                let mut used = vec![false; members.len()];
                mark(members, &mut used, HEADERS);
                for (name, e) in parts {
                    let mut p = String::new();
                    push_token(&mut p, name);
                    match position(members, name) {
                        Some(i) => {
                            used[i] = true;
                            self.element(*e, &members[i].1, &p)?;
                        }
                        None => self.error(&p, format!("missing required part `{name}`"))?,
                    }
                }
                self.unknown_keys(members, &used, "")?;
            }
            BodyLayout::Rpc { wrapper, parts } => {
                let mut attrs = Vec::new();
                if layout.encoded {
                    attrs.push((
                        QName::new(env_ns, "encodingStyle"),
                        ns::SOAP11_ENC.to_string(),
                    ));
                }
                self.out.start(wrapper, &attrs, false)?;
                let mut used = vec![false; members.len()];
                mark(members, &mut used, HEADERS);
                for (name, kind) in parts {
                    let mut p = String::new();
                    push_token(&mut p, name);
                    let Some(i) = position(members, name) else {
                        self.error(&p, format!("missing required part `{name}`"))?;
                        continue;
                    };
                    used[i] = true;
                    match kind {
                        RpcPart::Type(t) => {
                            let d = Decl {
                                ty: *t,
                                nillable: true,
                                fixed: None,
                            };
                            self.typed(&QName::new("", name.clone()), d, &members[i].1, &p)?;
                        }
                        RpcPart::Element(e) => self.element(*e, &members[i].1, &p)?,
                    }
                }
                self.unknown_keys(members, &used, "")?;
                self.out.end(wrapper)?;
            }
        }
        self.out.end(&QName::new(env_ns, "Body"))?;
        self.out.end(&QName::new(env_ns, "Envelope"))?;
        self.done()
    }

    /// Prefixes for the envelope and every namespace its parts may use.
    pub(super) fn envelope_scope(
        &self,
        layout: &MessageLayout,
        xsi: bool,
    ) -> Vec<(String, String)> {
        let env_ns = envelope_ns(layout.soap);
        let mut namespaces = BTreeSet::new();
        let mut types: Vec<TypeId> = layout
            .headers
            .iter()
            .map(|(_, e)| self.schema.element(*e).type_id)
            .collect();
        for (_, e) in &layout.headers {
            namespaces.insert(self.schema.element(*e).name.ns.clone());
        }
        match &layout.body {
            BodyLayout::Element(e) => {
                types.push(self.schema.element(*e).type_id);
                namespaces.insert(self.schema.element(*e).name.ns.clone());
            }
            BodyLayout::Parts(parts) => {
                for (_, e) in parts {
                    types.push(self.schema.element(*e).type_id);
                    namespaces.insert(self.schema.element(*e).name.ns.clone());
                }
            }
            BodyLayout::Rpc { wrapper, parts } => {
                namespaces.insert(wrapper.ns.clone());
                for (_, p) in parts {
                    match p {
                        RpcPart::Type(t) => types.push(*t),
                        RpcPart::Element(e) => {
                            types.push(self.schema.element(*e).type_id);
                            namespaces.insert(self.schema.element(*e).name.ns.clone());
                        }
                    }
                }
            }
        }
        self.reachable_namespaces(types, &mut namespaces);
        let mut scope = vec![("soap".to_string(), env_ns.to_string())];
        if layout.encoded {
            scope.push(("soapenc".to_string(), ns::SOAP11_ENC.to_string()));
            scope.push(("xsd".to_string(), ns::XS.to_string()));
            namespaces.remove(ns::XS);
            namespaces.remove(ns::SOAP11_ENC);
        }
        namespaces.remove(env_ns);
        finish_scope(scope, namespaces, xsi)
    }

    /// `soap:Header` with the declared header parts of `$headers`.
    pub(super) fn headers(&mut self, layout: &MessageLayout, h: &Json) -> Result<(), Fatal> {
        let env_ns = envelope_ns(layout.soap);
        let mut hp = String::new();
        push_token(&mut hp, HEADERS);
        match h {
            Json::Object(hm) => {
                let mut used = vec![false; hm.len()];
                let mut opened = false;
                for (name, e) in &layout.headers {
                    if let Some(i) = position(hm, name) {
                        used[i] = true;
                        if !opened {
                            self.out.start(&QName::new(env_ns, "Header"), &[], false)?;
                            opened = true;
                        }
                        let mut p = hp.clone();
                        push_token(&mut p, name);
                        self.element(*e, &hm[i].1, &p)?;
                    }
                }
                if opened {
                    self.out.end(&QName::new(env_ns, "Header"))?;
                }
                self.unknown_keys(hm, &used, &hp)?;
            }
            other => self.error(
                &hp,
                format!("expected a JSON object, found {}", other.kind()),
            )?,
        }
        Ok(())
    }

    fn done(mut self) -> Result<W, Fatal> {
        if self.errors.is_empty() {
            self.out.w.flush()?;
            Ok(self.out.w)
        } else {
            Err(TranslateError::Invalid(self.errors))
        }
    }

    /// One element: `value` is its JSON.
    fn element(&mut self, decl: ElementId, value: &Json, pointer: &str) -> Result<(), Fatal> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(TranslateError::Limit(format!(
                "nesting deeper than {} levels",
                self.limits.max_depth
            )));
        }
        let r = self.element_inner(decl, value, pointer);
        self.depth -= 1;
        r
    }

    fn element_inner(&mut self, decl: ElementId, value: &Json, pointer: &str) -> Result<(), Fatal> {
        let Some(decl) = self.substitute(decl, value, pointer)? else {
            return Ok(());
        };
        let e = self.schema.element(decl);
        let name = e.name.clone();
        let d = Decl {
            ty: e.type_id,
            nillable: e.nillable,
            fixed: e.fixed.as_deref(),
        };
        self.typed(&name, d, value, pointer)
    }

    /// `$element`: a substitution group member instead of the head. `None`
    /// (with the error recorded) when it names no member.
    fn substitute(
        &mut self,
        decl: ElementId,
        value: &Json,
        pointer: &str,
    ) -> Result<Option<ElementId>, Fatal> {
        let Some(Json::String(tag)) = value.get(ELEMENT) else {
            return Ok(Some(decl));
        };
        let members = self.schema.substitutes.get(&decl);
        let found = members.into_iter().flatten().copied().find(|m| {
            let n = &self.schema.element(*m).name;
            n.local == *tag || n.to_string() == *tag
        });
        if found.is_none() {
            let msg = format!(
                "`{tag}` is not an element that may stand for `{}`",
                self.schema.element(decl).name.local
            );
            let mut p = pointer.to_string();
            push_token(&mut p, ELEMENT);
            self.error(&p, msg)?;
        }
        Ok(found)
    }

    /// Writes an element named `name` of a known type from its JSON.
    pub(crate) fn typed(
        &mut self,
        name: &QName,
        d: Decl<'_>,
        value: &Json,
        pointer: &str,
    ) -> Result<(), Fatal> {
        match self.head(name, d, value, pointer)? {
            Head::Done => Ok(()),
            Head::Open { attrs, shape } => self.content(name, attrs, shape, value, pointer),
        }
    }

    /// Everything before an object's content: `$type`, nil, scalars and
    /// SOAP-ENC arrays (written whole, [`Head::Done`]), or the start tag's
    /// attributes and the shape for the content. `value` needs only the
    /// head members (`$type`, `$nil`, attributes) when the content follows.
    pub(super) fn head(
        &mut self,
        name: &QName,
        d: Decl<'_>,
        value: &Json,
        pointer: &str,
    ) -> Result<Head<'c>, Fatal> {
        let name = name.clone();
        let mut ty = d.ty;
        let mut attrs: Vec<(QName, String)> = Vec::new();
        if let Some(t) = value.get(TYPE) {
            let mut p = pointer.to_string();
            push_token(&mut p, TYPE);
            let Json::String(t) = t else {
                self.error(&p, format!("`$type` must be a string, found {}", t.kind()))?;
                return Ok(Head::Done);
            };
            let candidates = self.schema.derived.get(&ty).cloned().unwrap_or_default();
            let found = candidates.into_iter().find(|c| {
                self.schema
                    .ty(*c)
                    .name()
                    .is_some_and(|n| n.local == *t || n.to_string() == *t)
            });
            match found {
                Some(c) => {
                    let q = self
                        .schema
                        .ty(c)
                        .name()
                        .cloned()
                        .unwrap_or_else(|| QName::new("", ""));
                    let prefix = self.out.prefix(&q.ns).map(str::to_string);
                    let lexical = match prefix {
                        Some(p) if !p.is_empty() => format!("{p}:{}", q.local),
                        _ if q.ns.is_empty() => q.local.clone(),
                        _ => {
                            // Not declared on the root: declare it on this element.
                            let p = format!("n{}_", self.out.counter);
                            self.out.counter += 1;
                            self.out.pending.push((p.clone(), q.ns.clone()));
                            format!("{p}:{}", q.local)
                        }
                    };
                    attrs.push((QName::new(ns::XSI, "type"), lexical));
                    ty = c;
                }
                None => {
                    let msg = format!(
                        "`{t}` is not a type derived from `{}`",
                        self.schema.type_label(ty)
                    );
                    self.error(&p, msg)?;
                    return Ok(Head::Done);
                }
            }
        }
        if let TypeDef::Complex(ct) = self.schema.ty(ty)
            && ct.is_abstract
        {
            let msg = format!(
                "type `{}` is abstract: give `$type` with a derived type",
                self.schema.type_label(ty)
            );
            self.error(pointer, msg)?;
            return Ok(Head::Done);
        }
        let is_nil =
            matches!(value, Json::Null) || matches!(value.get(NIL), Some(Json::Bool(true)));
        if is_nil {
            if !d.nillable {
                self.error(
                    pointer,
                    format!("`{}` is not nillable: null is not allowed", name.local),
                )?;
                return Ok(Head::Done);
            }
            attrs.push((QName::new(ns::XSI, "nil"), "true".into()));
            if let Json::Object(members) = value {
                let shape = self.shapes.get(self.schema, ty);
                self.attributes(shape, value, pointer, &mut attrs)?;
                for (k, _) in members {
                    if !is_head_key(shape, k) {
                        let mut p = pointer.to_string();
                        push_token(&mut p, k);
                        self.error(&p, NIL_HAS_NO_CONTENT)?;
                    }
                }
            }
            self.out.start(&name, &attrs, true)?;
            return Ok(Head::Done);
        }
        if let Some(array) = self
            .schema
            .ty(ty)
            .as_complex()
            .and_then(|c| c.soap_array.clone())
        {
            self.soap_array(&name, ty, &array, value, pointer)?;
            return Ok(Head::Done);
        }
        if self.encoded
            && !attrs.iter().any(|(n, _)| n.ns == ns::XSI)
            && let Some(t) = self.xsi_type_value(ty)
        {
            attrs.push((QName::new(ns::XSI, "type"), t));
        }
        let shape = self.shapes.get(self.schema, ty);
        if let Some(problem) = &shape.problem {
            return Err(TranslateError::Unsupported(format!(
                "cannot translate: {problem}"
            )));
        }
        // A scalar travels bare, or inside an object when it needs a tag
        // (`$element`, `$type`) or arrives as `{"$value": ...}`.
        let wrapped =
            value.get(ELEMENT).is_some() || value.get(TYPE).is_some() || value.get(VALUE).is_some();
        if !shape.is_object() && !wrapped {
            let vt = value_type(self.schema, ty).unwrap_or(ty);
            match self.simple.json_to_xml(vt, value) {
                Ok(lex) => {
                    if let Some(f) = d.fixed
                        && self.simple.xml_to_json(vt, f).ok()
                            != self.simple.xml_to_json(vt, &lex).ok()
                    {
                        self.error(
                            pointer,
                            format!("the value must be the fixed value \"{f}\""),
                        )?;
                    }
                    self.out.start(&name, &attrs, false)?;
                    self.out.text(&lex)?;
                    self.out.end(&name)?;
                }
                Err(messages) => {
                    for m in messages {
                        self.error(pointer, m)?;
                    }
                }
            }
            return Ok(Head::Done);
        }
        let Json::Object(_) = value else {
            let msg = format!(
                "expected a JSON object for `{}` (type `{}`), found {}",
                name.local,
                self.schema.type_label(ty),
                value.kind()
            );
            self.error(pointer, msg)?;
            return Ok(Head::Done);
        };
        self.attributes(shape, value, pointer, &mut attrs)?;
        Ok(Head::Open { attrs, shape })
    }

    /// Writes an object's element from its content members, after [`Self::head`].
    fn content(
        &mut self,
        name: &QName,
        attrs: Vec<(QName, String)>,
        shape: &'c TypeShape,
        value: &Json,
        pointer: &str,
    ) -> Result<(), Fatal> {
        let Json::Object(members) = value else {
            unreachable!("head() opens objects only");
        };
        let name = name.clone();
        let mut used = vec![false; members.len()];
        mark(members, &mut used, ELEMENT);
        mark(members, &mut used, TYPE);
        for a in &shape.attrs {
            mark(members, &mut used, &a.json);
        }
        mark(members, &mut used, ANY_ATTRIBUTES);
        match &shape.body {
            Body::Empty => {
                self.unknown_keys(members, &used, pointer)?;
                self.out.start(&name, &attrs, true)?;
            }
            Body::Simple(v) => {
                let v = *v;
                mark(members, &mut used, VALUE);
                self.unknown_keys(members, &used, pointer)?;
                let mut p = pointer.to_string();
                push_token(&mut p, VALUE);
                let lex = match value.get(VALUE) {
                    Some(val) => match self.simple.json_to_xml(v, val) {
                        Ok(l) => Some(l),
                        Err(messages) => {
                            for m in messages {
                                self.error(&p, m)?;
                            }
                            None
                        }
                    },
                    None => {
                        self.error(&p, "missing required property `$value`")?;
                        None
                    }
                };
                if let Some(lex) = lex {
                    self.out.start(&name, &attrs, false)?;
                    self.out.text(&lex)?;
                    self.out.end(&name)?;
                }
            }
            Body::Elements { root, mixed } => {
                if *mixed {
                    mark(members, &mut used, MIXED);
                    self.unknown_keys(members, &used, pointer)?;
                    self.out.start(&name, &attrs, false)?;
                    self.mixed(root, value.get(MIXED), pointer)?;
                    self.out.end(&name)?;
                } else {
                    self.out.start(&name, &attrs, false)?;
                    self.node(root, members, &mut used, pointer, true)?;
                    self.unknown_keys(members, &used, pointer)?;
                    self.out.end(&name)?;
                }
            }
        }
        Ok(())
    }

    /// `prefix:Name` of a named type (built-ins as `xs` types), for `xsi:type`.
    fn xsi_type_value(&self, ty: TypeId) -> Option<String> {
        let q = self.schema.ty(ty).name()?.clone();
        let q = match crate::schema::Builtin::from_qname(&q) {
            Some(b) => b.qname(),
            None => q,
        };
        let p = self.out.prefix(&q.ns)?;
        Some(if p.is_empty() {
            q.local.clone()
        } else {
            format!("{p}:{}", q.local)
        })
    }

    /// A SOAP-ENC array from a JSON array: `soapenc:arrayType="p:T[n]"`, items named `item`.
    fn soap_array(
        &mut self,
        name: &QName,
        ty: TypeId,
        array: &crate::schema::SoapArray,
        value: &Json,
        pointer: &str,
    ) -> Result<(), Fatal> {
        let Json::Array(items) = value else {
            let msg = format!(
                "expected a JSON array (`{}` is a SOAP-ENC array), found {}",
                name.local,
                value.kind()
            );
            return self.error(pointer, msg);
        };
        let item_type = self
            .xsi_type_value(array.item_type)
            .unwrap_or_else(|| "xsd:anyType".into());
        let mut attrs = Vec::new();
        if let Some(t) = self.xsi_type_value(ty) {
            attrs.push((QName::new(ns::XSI, "type"), t));
        }
        attrs.push((
            QName::new(ns::SOAP11_ENC, "arrayType"),
            format!("{item_type}[{}]", items.len()),
        ));
        self.out.start(name, &attrs, items.is_empty())?;
        if items.is_empty() {
            return Ok(());
        }
        let item_name = QName::new("", "item");
        for (i, v) in items.iter().enumerate() {
            let mut p = pointer.to_string();
            push_token(&mut p, &i.to_string());
            let d = Decl {
                ty: array.item_type,
                nillable: true,
                fixed: None,
            };
            self.typed(&item_name, d, v, &p)?;
        }
        self.out.end(name)?;
        Ok(())
    }

    fn attributes(
        &mut self,
        shape: &TypeShape,
        value: &Json,
        pointer: &str,
        out: &mut Vec<(QName, String)>,
    ) -> Result<(), Fatal> {
        for a in &shape.attrs {
            let mut p = pointer.to_string();
            push_token(&mut p, &a.json);
            match value.get(&a.json) {
                Some(v) => match self.simple.json_to_xml(a.type_id, v) {
                    Ok(lex) => {
                        if let Some(f) = &a.fixed
                            && self.simple.xml_to_json(a.type_id, f).ok()
                                != self.simple.xml_to_json(a.type_id, &lex).ok()
                        {
                            self.error(&p, format!("the value must be the fixed value \"{f}\""))?;
                        }
                        out.push((a.name.clone(), lex));
                    }
                    Err(messages) => {
                        for m in messages {
                            self.error(&p, m)?;
                        }
                    }
                },
                None if a.required => {
                    self.error(&p, format!("missing required attribute `{}`", a.json))?
                }
                None => {}
            }
        }
        if let Some(extra) = value.get(ANY_ATTRIBUTES) {
            let mut p = pointer.to_string();
            push_token(&mut p, ANY_ATTRIBUTES);
            match (extra, &shape.any_attribute) {
                (Json::Object(m), Some(w)) => {
                    for (k, v) in m {
                        let Some(q) = QName::parse_clark(k) else {
                            self.error(&p, format!("`{k}` is not an attribute name"))?;
                            continue;
                        };
                        if !w.namespaces.allows(&q.ns) {
                            self.error(
                                &p,
                                format!(
                                    "attribute `{k}` is not allowed by the type's anyAttribute"
                                ),
                            )?;
                            continue;
                        }
                        match v {
                            Json::String(s) => out.push((q, s.clone())),
                            other => self.error(
                                &p,
                                format!("attribute `{k}` must be a string, found {}", other.kind()),
                            )?,
                        }
                    }
                }
                (_, None) => self.error(&p, "the type allows no other attributes")?,
                (other, _) => {
                    self.error(&p, format!("expected an object, found {}", other.kind()))?
                }
            }
        }
        Ok(())
    }

    fn unknown_keys(
        &mut self,
        members: &[(String, Json)],
        used: &[bool],
        pointer: &str,
    ) -> Result<(), Fatal> {
        if self.ignore_unknown {
            return Ok(());
        }
        for ((k, _), u) in members.iter().zip(used) {
            if !u {
                let mut p = pointer.to_string();
                push_token(&mut p, k);
                self.error(&p, format!("unknown property `{k}`"))?;
            }
        }
        Ok(())
    }

    /// Writes the elements of `node` from the object's members, in schema order.
    /// `required`: the enclosing occurrence exists, so minOccurs applies.
    fn node(
        &mut self,
        node: &'c Node,
        members: &[(String, Json)],
        used: &mut Vec<bool>,
        pointer: &str,
        required: bool,
    ) -> Result<(), Fatal> {
        match &node.kind {
            NodeKind::Element(e) => {
                let mut p = pointer.to_string();
                push_token(&mut p, &e.json);
                let present = position(members, &e.json);
                match present {
                    None => {
                        if required && node.min > 0 {
                            self.error(&p, format!("missing required property `{}`", e.json))?;
                        }
                    }
                    Some(i) => {
                        used[i] = true;
                        let v = &members[i].1;
                        if e.array {
                            let Json::Array(items) = v else {
                                return self.error(
                                    &p,
                                    format!(
                                        "expected a JSON array (`{}` repeats), found {}",
                                        e.json,
                                        v.kind()
                                    ),
                                );
                            };
                            self.occurrences(node, items.len(), &p, required)?;
                            for (k, item) in items.iter().enumerate() {
                                let mut ip = p.clone();
                                push_token(&mut ip, &k.to_string());
                                self.element(e.decl, item, &ip)?;
                            }
                        } else {
                            self.element(e.decl, v, &p)?;
                        }
                    }
                }
            }
            NodeKind::Any { array, wildcard } => {
                let mut p = pointer.to_string();
                push_token(&mut p, ANY);
                match position(members, ANY) {
                    None => {
                        if required && node.min > 0 {
                            self.error(&p, "missing required property `$any`")?;
                        }
                    }
                    Some(i) => {
                        used[i] = true;
                        let v = &members[i].1;
                        if *array {
                            let Json::Array(items) = v else {
                                return self.error(
                                    &p,
                                    format!("expected a JSON array, found {}", v.kind()),
                                );
                            };
                            self.occurrences(node, items.len(), &p, required)?;
                            for (k, item) in items.iter().enumerate() {
                                let mut ip = p.clone();
                                push_token(&mut ip, &k.to_string());
                                self.any_item(item, wildcard, &ip)?;
                            }
                        } else {
                            self.any_item(v, wildcard, &p)?;
                        }
                    }
                }
            }
            NodeKind::Group {
                compositor,
                children,
                slot,
            } => match slot {
                GroupSlot::Array(name) => {
                    let mut p = pointer.to_string();
                    push_token(&mut p, name);
                    match position(members, name) {
                        None => {
                            if required && node.min > 0 && !node.nullable {
                                self.error(&p, format!("missing required property `{name}`"))?;
                            }
                        }
                        Some(i) => {
                            used[i] = true;
                            let Json::Array(items) = &members[i].1 else {
                                let k = members[i].1.kind();
                                return self.error(&p, format!("expected a JSON array of objects (`{name}` repeats), found {k}"));
                            };
                            self.occurrences(node, items.len(), &p, required)?;
                            for (k, item) in items.iter().enumerate() {
                                let mut ip = p.clone();
                                push_token(&mut ip, &k.to_string());
                                let Json::Object(inner) = item else {
                                    self.error(
                                        &ip,
                                        format!("expected a JSON object, found {}", item.kind()),
                                    )?;
                                    continue;
                                };
                                let mut inner_used = vec![false; inner.len()];
                                self.group(
                                    *compositor,
                                    children,
                                    node,
                                    inner,
                                    &mut inner_used,
                                    &ip,
                                    true,
                                )?;
                                self.unknown_keys(inner, &inner_used, &ip)?;
                            }
                        }
                    }
                }
                GroupSlot::Inline => {
                    let present = has_any_key(node, members);
                    if !present && (!required || node.min == 0) {
                        return Ok(());
                    }
                    self.group(
                        *compositor,
                        children,
                        node,
                        members,
                        used,
                        pointer,
                        required,
                    )?;
                }
            },
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn group(
        &mut self,
        compositor: Compositor,
        children: &'c [Node],
        node: &'c Node,
        members: &[(String, Json)],
        used: &mut Vec<bool>,
        pointer: &str,
        required: bool,
    ) -> Result<(), Fatal> {
        match compositor {
            Compositor::Sequence | Compositor::All => {
                for c in children {
                    self.node(c, members, used, pointer, required)?;
                }
            }
            Compositor::Choice => {
                let chosen: Vec<&Node> = children
                    .iter()
                    .filter(|c| has_any_key(c, members))
                    .collect();
                match chosen.as_slice() {
                    [] => {
                        if required && node.min > 0 && !node.nullable {
                            self.error(pointer, missing_choice(children))?;
                        }
                    }
                    [one] => self.node(one, members, used, pointer, true)?,
                    many => {
                        self.error(pointer, too_many_choices(many))?;
                        for c in many {
                            mark_node(c, members, used);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn occurrences(
        &mut self,
        node: &Node,
        n: usize,
        pointer: &str,
        required: bool,
    ) -> Result<(), Fatal> {
        if required && (n as u64) < node.min as u64 {
            self.error(
                pointer,
                format!("at least {} items are required, found {n}", node.min),
            )?;
        }
        if let crate::schema::MaxOccurs::Bounded(max) = node.max
            && n as u64 > max as u64
        {
            self.error(
                pointer,
                format!("at most {max} items are allowed, found {n}"),
            )?;
        }
        Ok(())
    }

    /// An `$any` item: an XML string (undescribed content) or an object with
    /// `$element` naming a declared global element.
    fn any_item(
        &mut self,
        item: &Json,
        w: &crate::schema::Wildcard,
        pointer: &str,
    ) -> Result<(), Fatal> {
        match item {
            Json::String(xml_text) => {
                let limits = xml::Limits {
                    max_bytes: self.limits.max_text,
                    max_depth: self.limits.max_depth,
                    ..xml::Limits::default()
                };
                if xml_text.trim_start().starts_with("<?") {
                    return self.error(
                        pointer,
                        "an `$any` XML string must be an element, without an XML declaration",
                    );
                }
                match xml::parse(xml_text, &limits) {
                    Ok(el) => {
                        if !w.namespaces.allows(&el.name.ns) {
                            return self.error(
                                pointer,
                                format!("element `{}` is not allowed by the wildcard", el.name),
                            );
                        }
                        // Checked safe and self-contained (every prefix it uses
                        // is declared in it, and the writer never binds a
                        // default namespace), so it goes in verbatim: mixed
                        // text, comments and prefixes stay as they were.
                        self.out.w.write_all(xml_text.trim().as_bytes())?;
                    }
                    Err(e) => self.error(
                        pointer,
                        format!("not a well-formed XML element: {}", e.kind),
                    )?,
                }
            }
            Json::Object(_) => {
                let Some(Json::String(tag)) = item.get(ELEMENT) else {
                    return self.error(
                        pointer,
                        "an `$any` object needs `$element` with the element's {namespace}name",
                    );
                };
                let q = QName::parse_clark(tag).unwrap_or_else(|| QName::new("", tag.clone()));
                if !w.namespaces.allows(&q.ns) {
                    return self.error(
                        pointer,
                        format!("element `{tag}` is not allowed by the wildcard"),
                    );
                }
                match self.schema.global_element(&q) {
                    Some(e) => {
                        // `$element` here names the element itself, not a substitute.
                        let stripped = strip_key(item, ELEMENT);
                        self.element(e, &stripped, pointer)?;
                    }
                    None => self.error(pointer, format!("element `{tag}` is not declared in the contract; send it as an XML string"))?,
                }
            }
            other => self.error(
                pointer,
                format!(
                    "expected an XML string or an object, found {}",
                    other.kind()
                ),
            )?,
        }
        Ok(())
    }

    fn mixed(&mut self, root: &'c Node, items: Option<&Json>, pointer: &str) -> Result<(), Fatal> {
        let mut p = pointer.to_string();
        push_token(&mut p, MIXED);
        let items = match items {
            None => return Ok(()),
            Some(Json::Array(items)) => items,
            Some(other) => {
                return self.error(&p, format!("expected a JSON array, found {}", other.kind()));
            }
        };
        // Validate the element sequence against the content model.
        let mut matcher = super::matcher::Matcher::new(root, false);
        let mut sink = super::json_write::JsonWriter::new(std::io::sink(), false);
        for (k, item) in items.iter().enumerate() {
            let mut ip = p.clone();
            push_token(&mut ip, &k.to_string());
            match item {
                Json::String(t) => self.out.text(t)?,
                Json::Object(m) if m.len() == 1 => {
                    let (key, v) = &m[0];
                    let Some(leaf) = find_element(root, key) else {
                        self.error(&ip, format!("unknown element `{key}`"))?;
                        continue;
                    };
                    let decl = self.schema.element(leaf);
                    match matcher.place(&decl.name.clone(), &mut sink)? {
                        Ok(_) => {}
                        Err(mm) => self.error(&ip, mm.message)?,
                    }
                    let mut ep = ip.clone();
                    push_token(&mut ep, key);
                    self.element(leaf, v, &ep)?;
                }
                other => self.error(
                    &ip,
                    format!(
                        "expected a string or a one-property object, found {}",
                        other.kind()
                    ),
                )?,
            }
        }
        for mm in matcher.close(&mut sink)? {
            self.error(&p, mm.message)?;
        }
        Ok(())
    }
}

fn position(members: &[(String, Json)], key: &str) -> Option<usize> {
    members.iter().position(|(k, _)| k == key)
}

fn mark(members: &[(String, Json)], used: &mut [bool], key: &str) {
    if let Some(i) = position(members, key) {
        used[i] = true;
    }
}

fn mark_node(n: &Node, members: &[(String, Json)], used: &mut [bool]) {
    for name in json_names(n) {
        mark(members, used, &name);
    }
}

/// The JSON property names an inline node contributes to its object.
pub(crate) fn json_names(n: &Node) -> Vec<String> {
    match &n.kind {
        NodeKind::Element(e) => vec![e.json.clone()],
        NodeKind::Any { .. } => vec![ANY.to_string()],
        NodeKind::Group { children, slot, .. } => match slot {
            GroupSlot::Array(name) => vec![name.clone()],
            GroupSlot::Inline => children.iter().flat_map(json_names).collect(),
        },
    }
}

pub(super) fn missing_choice(children: &[Node]) -> String {
    let names: Vec<String> = children
        .iter()
        .flat_map(json_names)
        .map(|n| format!("`{n}`"))
        .collect();
    format!("missing required choice: one of {}", names.join(", "))
}

pub(super) fn too_many_choices(many: &[&Node]) -> String {
    let names: Vec<String> = many
        .iter()
        .flat_map(|c| json_names(c))
        .map(|n| format!("`{n}`"))
        .collect();
    format!("only one of {} may be given (xs:choice)", names.join(", "))
}

fn has_any_key(n: &Node, members: &[(String, Json)]) -> bool {
    json_names(n).iter().any(|k| position(members, k).is_some())
}

/// The element particle of a content model named `key` in JSON.
fn find_element(n: &Node, key: &str) -> Option<ElementId> {
    match &n.kind {
        NodeKind::Element(e) if e.json == key => Some(e.decl),
        NodeKind::Group { children, .. } => children.iter().find_map(|c| find_element(c, key)),
        _ => None,
    }
}

fn strip_key(v: &Json, key: &str) -> Json {
    match v {
        Json::Object(m) => Json::Object(m.iter().filter(|(k, _)| k != key).cloned().collect()),
        other => other.clone(),
    }
}

/// Prefixes `ns1`, `ns2`, ... for the namespaces not yet in `scope`.
fn finish_scope(
    mut scope: Vec<(String, String)>,
    mut namespaces: BTreeSet<String>,
    xsi: bool,
) -> Vec<(String, String)> {
    namespaces.remove("");
    namespaces.remove(ns::XML);
    for (_, u) in &scope {
        namespaces.remove(u);
    }
    for (i, n) in (1..).zip(namespaces) {
        scope.push((format!("ns{i}"), n));
    }
    if xsi && !scope.iter().any(|(_, u)| u == ns::XSI) {
        scope.push(("xsi".to_string(), ns::XSI.to_string()));
    }
    scope
}

/// Does the document need the `xsi:` prefix (a null or a `$type`)?
fn uses_xsi(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::Array(items) => items.iter().any(uses_xsi),
        Json::Object(m) => m.iter().any(|(k, v)| k == TYPE || k == NIL || uses_xsi(v)),
        _ => false,
    }
}

/// For tests and callers that want to check a type's shape is translatable.
pub fn translatable(schema: &Schema, shapes: &Shapes, ty: TypeId) -> Result<(), String> {
    match &shapes.get(schema, ty).problem {
        Some(p) => Err(p.clone()),
        None => Ok(()),
    }
}
