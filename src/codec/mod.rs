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
    /// Largest JSON input. JSON -> XML reads the JSON whole (objects are
    /// unordered; XML content is not), so this bounds its memory.
    pub max_json: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_text: 16 * 1024 * 1024,
            max_attributes: 256,
            max_errors: 100,
            max_json: 64 * 1024 * 1024,
        }
    }
}

/// Reads JSON input whole, refusing more than `limit` bytes.
fn read_json<R: Read>(input: R, limit: usize) -> Result<json_tree::Json, TranslateError> {
    let mut limited = input.take(limit as u64 + 1);
    let mut counted = CountingReader {
        inner: &mut limited,
        count: 0,
    };
    let parsed = json_tree::parse(&mut counted);
    if counted.count > limit as u64 {
        return Err(TranslateError::Limit(format!(
            "JSON input larger than {limit} bytes"
        )));
    }
    parsed.map_err(|e| TranslateError::Json {
        line: e.line(),
        column: e.column(),
        detail: e.to_string(),
    })
}

struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Translation options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub pretty: bool,
    pub limits: Limits,
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
    /// The JSON is read whole (objects are unordered; XML content is not), then
    /// the XML is written to `output` in schema order.
    pub fn json_to_xml<R: std::io::Read, W: Write>(
        &self,
        name: &QName,
        input: R,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        let root = self.element(name)?;
        let value = read_json(input, opts.limits.max_json)?;
        self.json_value_to_xml(root, &value, output, opts)
    }

    /// Translates an already parsed JSON value.
    pub fn json_value_to_xml<W: Write>(
        &self,
        root: ElementId,
        value: &json_tree::Json,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        let t = json_to_xml::JsonToXml::new(
            self.schema,
            &self.shapes,
            self.simple(),
            output,
            &opts.limits,
        );
        t.document(root, value)
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

    /// Writes a SOAP envelope for the message JSON read from `input`.
    pub fn json_to_envelope<R: std::io::Read, W: Write>(
        &self,
        layout: &message::MessageLayout,
        input: R,
        output: W,
        opts: &Options,
    ) -> Result<W, TranslateError> {
        let value = read_json(input, opts.limits.max_json)?;
        let mut t = json_to_xml::JsonToXml::new(
            self.schema,
            &self.shapes,
            self.simple(),
            output,
            &opts.limits,
        );
        t.encoded = layout.encoded;
        t.envelope(layout, &value)
    }

    /// Convenience for small documents held in memory.
    pub fn xml_to_json_string(&self, name: &QName, xml: &str) -> Result<String, TranslateError> {
        let out = self.xml_to_json(name, xml.as_bytes(), Vec::new(), &Options::default())?;
        String::from_utf8(out).map_err(|e| TranslateError::Unsupported(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
