//! Schema-driven translation between XML and JSON, both directions: the
//! design's "Translation" rules, decided once in [`shape`] and applied by the
//! streaming [`xml_to_json`] reader and the [`json_to_xml`] writer.
//!
//! ```
//! use soapbridge::codec::Codec;
//! use soapbridge::contract::{Contract, LoadOptions};
//! use soapbridge::QName;
//!
//! let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("wsdl/erp-orders/orders.wsdl");
//! let contract = Contract::load(&path, &LoadOptions::default()).unwrap();
//! let codec = Codec::new(&contract);
//! let element = QName::new("urn:example:erp:orders:v1", "GetOrder");
//! let xml = r#"<GetOrder xmlns="urn:example:erp:orders:v1"><orderId>SO-2026-000042</orderId></GetOrder>"#;
//! let json = codec.xml_to_json_string(&element, xml).unwrap();
//! assert_eq!(json, r#"{"orderId":"SO-2026-000042"}"#);
//! ```

pub mod decode;
pub mod error;
pub mod json_pull;
pub mod json_schema;
pub mod json_to_xml;
pub mod json_tree;
pub mod json_write;
pub mod matcher;
pub mod message;
pub mod pattern;
pub mod scalar;
pub mod shape;
pub mod simple;
pub mod xml_to_json;

use std::io::{BufRead, Read, Write};

pub use error::{FieldError, TranslateError};

use crate::contract::Contract;
use crate::qname::QName;
use crate::schema::{ElementId, Schema};

/// Bounds on one translation; the defaults are safe for untrusted input.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    /// Largest single text value (and undescribed XML fragment), in bytes.
    pub max_text: usize,
    pub max_attributes: usize,
    /// Stop collecting after this many contract violations.
    pub max_errors: usize,
    /// Most elements an rpc/encoded message may have once its
    /// multi-reference values are resolved (the one tree-built path).
    pub max_elements: usize,
    /// JSON -> XML reads JSON up to this size whole, so its properties may
    /// come in any order; longer JSON is streamed and must list properties
    /// in schema order (see [`json_to_xml`]). Also the most JSON the
    /// streaming writer holds for any one value.
    pub max_json: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_text: 16 * 1024 * 1024,
            max_attributes: 256,
            max_errors: 100,
            max_elements: 1_000_000,
            max_json: 64 * 1024 * 1024,
        }
    }
}

/// JSON input, as the writer takes it.
enum JsonInput<R: Read> {
    /// Small enough to read whole: properties may come in any order.
    Whole(json_tree::Json),
    /// Larger than [`Limits::max_json`]: pulled as it is written, in schema order.
    Stream(json_pull::JsonPull<std::io::BufReader<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>>),
}

/// Reads up to `max_json` bytes; JSON that ends within them is parsed whole,
/// longer JSON streams on from what was read.
fn open_json<R: Read>(mut input: R, limits: &Limits) -> Result<JsonInput<R>, TranslateError> {
    let mut head = Vec::new();
    (&mut input)
        .take(limits.max_json as u64 + 1)
        .read_to_end(&mut head)?;
    if head.len() <= limits.max_json {
        let parsed = json_tree::parse(head.as_slice()).map_err(|e| TranslateError::Json {
            line: e.line(),
            column: e.column(),
            detail: e.to_string(),
        })?;
        return Ok(JsonInput::Whole(parsed));
    }
    let rest = std::io::Cursor::new(head).chain(input);
    Ok(JsonInput::Stream(pull(
        std::io::BufReader::new(rest),
        limits,
    )))
}

fn pull<R: BufRead>(input: R, limits: &Limits) -> json_pull::JsonPull<R> {
    // An element level is an object, and an array when it repeats.
    json_pull::JsonPull::new(input, limits.max_text, limits.max_depth * 2 + 4)
}

/// Translation options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub pretty: bool,
    pub limits: Limits,
    /// JSON -> XML: pass over properties the contract does not describe
    /// instead of refusing them (for answers from upstreams, which may be
    /// newer than the contract).
    pub ignore_unknown: bool,
}

/// A translator for one contract. Compiles each type's JSON shape and
/// pattern facets once, on first use; cheap to share across threads.
pub struct Codec<'c> {
    schema: &'c Schema,
    shapes: shape::Shapes,
    patterns: simple::Patterns,
}

impl<'c> Codec<'c> {
    pub fn new(contract: &'c Contract) -> Self {
        Self::for_schema(&contract.schema)
    }

    pub fn for_schema(schema: &'c Schema) -> Self {
        Codec {
            schema,
            shapes: shape::Shapes::new(schema),
            patterns: simple::Patterns::new(schema),
        }
    }

    pub fn schema(&self) -> &'c Schema {
        self.schema
    }

    fn simple(&self) -> simple::SimpleCodec<'_> {
        simple::SimpleCodec {
            schema: self.schema,
            patterns: &self.patterns,
        }
    }

    fn translator<'s, R: BufRead, W: Write>(
        &'s self,
        input: R,
        out: json_write::JsonWriter<W>,
        opts: &'s Options,
    ) -> xml_to_json::XmlToJson<'s, R, W> {
        xml_to_json::XmlToJson::new(
            self.schema,
            &self.shapes,
            self.simple(),
            input,
            out,
            &opts.limits,
        )
    }

    pub fn element(&self, name: &QName) -> Result<ElementId, TranslateError> {
        self.schema.global_element(name).ok_or_else(|| {
            TranslateError::Unsupported(format!("element `{name}` is not declared in the contract"))
        })
    }

    /// Translates an XML document whose root is the global element `name`
    /// into JSON, streaming from `input` to `output`.
    pub fn xml_to_json<R: BufRead, W: Write>(
        &self,
        name: &QName,
        input: R,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        let root = self.element(name)?;
        let out = json_write::JsonWriter::new(output, opts.pretty);
        let input = decode::MarkupGuard::new(input, opts.limits.max_text);
        let t = self.translator(input, out, opts);
        Ok(t.document(root)?.into_inner())
    }

    /// Translates the JSON of the global element `name` into an XML document.
    /// JSON up to [`Limits::max_json`] is read whole and may list properties
    /// in any order; longer JSON is streamed as by [`Self::json_to_xml_streaming`].
    pub fn json_to_xml<R: std::io::Read, W: Write>(
        &self,
        name: &QName,
        input: R,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        let root = self.element(name)?;
        match open_json(input, &opts.limits)? {
            JsonInput::Whole(value) => self.json_value_to_xml(root, &value, output, opts),
            JsonInput::Stream(mut src) => self.writer(output, opts).document_stream(root, &mut src),
        }
    }

    /// Translates JSON of any size with memory bounded by its nesting depth
    /// and largest value. Properties must come in schema order, an element's
    /// `$type`, `$nil` and attributes before its content: the order
    /// soapbridge writes. Input out of that order is refused with a field
    /// error, never written wrongly.
    pub fn json_to_xml_streaming<R: BufRead, W: Write>(
        &self,
        name: &QName,
        input: R,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        let root = self.element(name)?;
        let mut src = pull(input, &opts.limits);
        self.writer(output, opts).document_stream(root, &mut src)
    }

    fn writer<W: Write>(&self, output: W, opts: &'c Options) -> json_to_xml::JsonToXml<'_, W> {
        let mut w = json_to_xml::JsonToXml::new(
            self.schema,
            &self.shapes,
            self.simple(),
            output,
            &opts.limits,
        );
        w.ignore_unknown = opts.ignore_unknown;
        w
    }

    /// Translates an already parsed JSON value.
    pub fn json_value_to_xml<W: Write>(
        &self,
        root: ElementId,
        value: &json_tree::Json,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        self.writer(output, opts).document(root, value)
    }

    pub fn json_to_xml_string(&self, name: &QName, json: &str) -> Result<String, TranslateError> {
        let out = self.json_to_xml(name, json.as_bytes(), Vec::new(), &Options::default())?;
        String::from_utf8(out).map_err(|e| TranslateError::Unsupported(e.to_string()))
    }

    /// Translates a SOAP envelope (the operation's input or output) into the
    /// message JSON. rpc/encoded envelopes are read whole first, to resolve
    /// multi-reference values; everything else streams.
    pub fn envelope_to_json<R: BufRead, W: Write>(
        &self,
        layout: &message::MessageLayout,
        mut input: R,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        let out = json_write::JsonWriter::new(output, opts.pretty);
        if layout.encoded {
            let mut text = String::new();
            let limit = opts.limits.max_text as u64;
            (&mut input)
                .take(limit + 1)
                .read_to_string(&mut text)
                .map_err(|e| TranslateError::Xml {
                    offset: 0,
                    detail: e.to_string(),
                })?;
            if text.len() as u64 > limit {
                return Err(TranslateError::Limit(format!(
                    "an rpc/encoded message is read whole, and this one is larger than {limit} bytes"
                )));
            }
            let xml_limits = crate::xml::Limits {
                max_depth: opts.limits.max_depth,
                max_elements: opts.limits.max_elements,
                ..crate::xml::Limits::default()
            };
            let resolved = message::resolve_multirefs(&text, &xml_limits)?;
            let mut t = self.translator(resolved.as_bytes(), out, opts);
            t.encoded = true;
            return Ok(t.envelope(layout)?.into_inner());
        }
        let input = decode::MarkupGuard::new(input, opts.limits.max_text);
        let t = self.translator(input, out, opts);
        Ok(t.envelope(layout)?.into_inner())
    }

    /// Writes a SOAP envelope for the message JSON read from `input`
    /// (whole up to [`Limits::max_json`], streamed beyond).
    pub fn json_to_envelope<R: std::io::Read, W: Write>(
        &self,
        layout: &message::MessageLayout,
        input: R,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        let mut t = self.writer(output, opts);
        t.encoded = layout.encoded;
        match open_json(input, &opts.limits)? {
            JsonInput::Whole(value) => t.envelope(layout, &value),
            JsonInput::Stream(mut src) => t.envelope_stream(layout, &mut src),
        }
    }

    /// [`Self::json_to_envelope`] for message JSON of any size, in schema
    /// order (`$headers` first), as [`Self::json_to_xml_streaming`].
    pub fn json_to_envelope_streaming<R: BufRead, W: Write>(
        &self,
        layout: &message::MessageLayout,
        input: R,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        let mut t = self.writer(output, opts);
        t.encoded = layout.encoded;
        t.envelope_stream(layout, &mut pull(input, &opts.limits))
    }

    /// The top-level property names of a message's JSON (fields of a
    /// wrapped or bare element, or part names; `$headers` when it has
    /// header parts), for checking mappings against the contract.
    pub fn message_fields(&self, layout: &message::MessageLayout) -> Option<Vec<String>> {
        let mut out: Vec<String> = match &layout.body {
            message::BodyLayout::Element(e) => {
                let shape = self
                    .shapes
                    .get(self.schema, self.schema.element(*e).type_id);
                let mut v: Vec<String> = shape.attrs.iter().map(|a| a.json.clone()).collect();
                if let shape::Body::Elements { root, .. } = &shape.body {
                    v.extend(json_to_xml::json_names(root));
                }
                v
            }
            message::BodyLayout::Parts(parts) => parts.iter().map(|(n, _)| n.clone()).collect(),
            message::BodyLayout::Rpc { parts, .. } => {
                parts.iter().map(|(n, _)| n.clone()).collect()
            }
        };
        if !layout.headers.is_empty() {
            out.push(message::HEADERS.to_string());
        }
        Some(out)
    }

    /// The JSON kind of the scalar at a dotted field path of a message's
    /// JSON, and whether the field repeats: what a REST facade needs to
    /// turn a path or query string into the right JSON value.
    pub fn field_kind(
        &self,
        layout: &message::MessageLayout,
        path: &str,
    ) -> Option<(crate::schema::builtin::JsonKind, bool)> {
        let mut segs = path.split('.');
        let first = segs.next()?;
        if first == message::HEADERS {
            // `$headers.part.field...`: a declared header part.
            let part = segs.next()?;
            let (_, e) = layout.headers.iter().find(|(n, _)| n == part)?;
            let mut cur = (self.schema.element(*e).type_id, false);
            for seg in segs {
                cur = self.child_field(cur.0, seg)?;
            }
            return self.scalar_kind(cur);
        }
        let mut cur = match &layout.body {
            message::BodyLayout::Element(e) => {
                self.child_field(self.schema.element(*e).type_id, first)?
            }
            message::BodyLayout::Parts(parts) => {
                let (_, e) = parts.iter().find(|(n, _)| n == first)?;
                (self.schema.element(*e).type_id, false)
            }
            message::BodyLayout::Rpc { parts, .. } => {
                let (_, p) = parts.iter().find(|(n, _)| n == first)?;
                match p {
                    message::RpcPart::Type(t) => (*t, false),
                    message::RpcPart::Element(e) => (self.schema.element(*e).type_id, false),
                }
            }
        };
        for seg in segs {
            cur = self.child_field(cur.0, seg)?;
        }
        self.scalar_kind(cur)
    }

    fn scalar_kind(
        &self,
        cur: (crate::schema::TypeId, bool),
    ) -> Option<(crate::schema::builtin::JsonKind, bool)> {
        let vt = simple::value_type(self.schema, cur.0).unwrap_or(cur.0);
        match self.schema.ty(vt) {
            crate::schema::TypeDef::Simple(st) => match &st.variety {
                crate::schema::Variety::Atomic(b) => Some((b.json_kind(), cur.1)),
                crate::schema::Variety::List(item) => match self.schema.ty(*item) {
                    crate::schema::TypeDef::Simple(i) => match &i.variety {
                        crate::schema::Variety::Atomic(b) => Some((b.json_kind(), true)),
                        _ => Some((crate::schema::builtin::JsonKind::String, true)),
                    },
                    _ => None,
                },
                crate::schema::Variety::Union(_) => {
                    Some((crate::schema::builtin::JsonKind::String, cur.1))
                }
            },
            crate::schema::TypeDef::Complex(_) => None,
        }
    }

    /// The type of property `name` of type `ty`'s JSON object, and whether it repeats.
    fn child_field(
        &self,
        ty: crate::schema::TypeId,
        name: &str,
    ) -> Option<(crate::schema::TypeId, bool)> {
        let shape = self.shapes.get(self.schema, ty);
        if let Some(a) = shape.attrs.iter().find(|a| a.json == name) {
            return Some((a.type_id, false));
        }
        fn find(n: &shape::Node, name: &str) -> Option<(crate::schema::ElementId, bool)> {
            match &n.kind {
                shape::NodeKind::Element(e) if e.json == name => Some((e.decl, e.array)),
                shape::NodeKind::Group {
                    children,
                    slot: shape::GroupSlot::Inline,
                    ..
                } => children.iter().find_map(|c| find(c, name)),
                _ => None,
            }
        }
        match &shape.body {
            shape::Body::Elements { root, .. } => {
                let (e, array) = find(root, name)?;
                Some((self.schema.element(e).type_id, array))
            }
            shape::Body::Simple(v) if name == shape::VALUE => Some((*v, false)),
            _ => None,
        }
    }

    /// Convenience for small documents held in memory.
    pub fn xml_to_json_string(&self, name: &QName, xml: &str) -> Result<String, TranslateError> {
        let out = self.xml_to_json(name, xml.as_bytes(), Vec::new(), &Options::default())?;
        String::from_utf8(out).map_err(|e| TranslateError::Unsupported(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
