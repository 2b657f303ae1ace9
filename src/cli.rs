//! Command implementations that are more than argument plumbing, kept in
//! the library so they are tested like the rest. They return `anyhow`
//! errors: this is the edge where typed errors become messages.

use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::codec::{Codec, Options, TranslateError};
use crate::contract::Contract;
use crate::qname::QName;

/// Resolves `{ns}Name` or a bare `Name` that is unique among global elements.
pub fn element_name(c: &Contract, text: &str) -> anyhow::Result<QName> {
    if text.starts_with('{') {
        let q = QName::parse_clark(text)
            .with_context(|| format!("`{text}` is not a {{namespace}}Name"))?;
        if c.schema.global_element(&q).is_none() {
            bail!("element `{q}` is not declared in the contract");
        }
        return Ok(q);
    }
    let matches: Vec<&QName> = c
        .schema
        .global_elements
        .keys()
        .filter(|q| q.local == text)
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => bail!("no global element named `{text}` in the contract"),
        many => bail!(
            "`{text}` is ambiguous: {}; give it as {{namespace}}Name",
            many.iter()
                .map(|q| q.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Counts bytes read and draws a progress line on a terminal.
struct Progress<R> {
    inner: R,
    read: u64,
    total: Option<u64>,
    shown: u64,
    started: Instant,
    visible: bool,
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.visible && (self.read - self.shown >= 4 << 20 || n == 0) {
            self.shown = self.read;
            let mib = self.read as f64 / (1 << 20) as f64;
            let rate = mib / self.started.elapsed().as_secs_f64().max(0.001);
            let line = match self.total {
                Some(t) if t > 0 => format!(
                    "\r{:5.1}%  {mib:.0}/{:.0} MiB  {rate:.0} MiB/s ",
                    100.0 * self.read as f64 / t as f64,
                    t as f64 / (1 << 20) as f64
                ),
                _ => format!("\r{mib:.0} MiB  {rate:.0} MiB/s "),
            };
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
        Ok(n)
    }
}

/// Inputs up to this size are translated to memory first, so a document
/// that breaks the contract leaves nothing on stdout; larger ones (and
/// stdin) stream, and then only the exit code tells.
const BUFFER_OUTPUT_UP_TO: u64 = 64 << 20;

/// An opened input and how to treat it.
struct Input<R = Progress<Box<dyn Read>>> {
    reader: R,
    /// A progress line is being drawn on stderr.
    visible: bool,
    /// Small enough to translate to memory before writing.
    buffer: bool,
    /// Known to be larger than that: JSON input streams in schema order.
    large: bool,
}

/// Opens FILE or stdin, with a progress line for large inputs on a terminal.
fn open(file: Option<&Path>) -> anyhow::Result<Input> {
    let (input, total): (Box<dyn Read>, Option<u64>) = match file {
        Some(f) => {
            let h =
                std::fs::File::open(f).with_context(|| format!("cannot open {}", f.display()))?;
            let len = h.metadata().ok().map(|m| m.len());
            (Box::new(h), len)
        }
        None => (Box::new(std::io::stdin().lock()), None),
    };
    let visible = std::io::stderr().is_terminal() && total.is_none_or(|t| t > 64 << 20);
    let buffer = total.is_some_and(|t| t <= BUFFER_OUTPUT_UP_TO);
    let large = total.is_some_and(|t| t > BUFFER_OUTPUT_UP_TO);
    Ok(Input {
        reader: Progress {
            inner: input,
            read: 0,
            total,
            shown: 0,
            started: Instant::now(),
            visible,
        },
        visible,
        buffer,
        large,
    })
}

/// Writes a finished document (built in memory, so a failed conversion
/// never leaves half a document on stdout).
fn write_document(out: &mut impl Write, bytes: &[u8]) -> Result<(), TranslateError> {
    out.write_all(bytes)?;
    if !bytes.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Translates one JSON input; `streaming`: in schema order, never read whole.
type FromJson<'a> =
    dyn Fn(&mut dyn std::io::BufRead, &mut dyn Write, bool) -> Result<(), TranslateError> + 'a;

/// Runs one translation to stdout. XML input is decoded from its charset.
/// With `buffer` the result is built in memory and written only when it is
/// valid; a JSON file larger than that streams (schema order), and JSON on
/// stdin is read whole up to the codec's limit and streamed beyond.
fn translate<R: Read>(
    input: Input<R>,
    to_json: bool,
    from_xml: impl Fn(&mut dyn std::io::BufRead, &mut dyn Write) -> Result<(), TranslateError>,
    from_json: &FromJson<'_>,
) -> Result<(), TranslateError> {
    let mut out = std::io::BufWriter::with_capacity(256 << 10, std::io::stdout().lock());
    let raw = BufReader::with_capacity(256 << 10, input.reader);
    let mut doc = Vec::new();
    let sink: &mut dyn Write = if input.buffer { &mut doc } else { &mut out };
    if to_json {
        let mut reader = crate::codec::decode::reader(raw, None)?;
        from_xml(&mut reader, sink)?;
    } else {
        let mut reader = raw;
        from_json(&mut reader, sink, input.large)?;
        if !input.buffer {
            out.write_all(b"\n")?;
        }
    }
    if input.buffer {
        write_document(&mut out, &doc)
    } else {
        out.flush()?;
        Ok(())
    }
}

fn report(result: Result<(), TranslateError>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(TranslateError::Invalid(errors)) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!(
                "error: the document breaks the contract ({} error{})",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::from(4))
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(4))
        }
    }
}

fn options(pretty: bool) -> Options {
    Options {
        pretty,
        ..Options::default()
    }
}

/// `soapbridge convert --element`: one document, streaming for XML input.
pub fn convert(
    c: &Contract,
    element: &QName,
    to_json: bool,
    pretty: bool,
    file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let input = open(file)?;
    let visible = input.visible;
    let codec = Codec::new(c);
    let opts = options(pretty);
    let result = translate(
        input,
        to_json,
        |reader, out| codec.xml_to_json(element, reader, out, &opts).map(|_| ()),
        &|reader, out, streaming| {
            if streaming {
                codec.json_to_xml_streaming(element, reader, out, &opts)?;
            } else {
                codec.json_to_xml(element, reader, out, &opts)?;
            }
            Ok(())
        },
    );
    if visible {
        eprintln!();
    }
    report(result)
}

/// `soapbridge convert --operation`: a whole message, SOAP envelope <-> message JSON.
pub fn convert_message(
    c: &Contract,
    operation: &str,
    port: Option<&str>,
    output: bool,
    to_json: bool,
    pretty: bool,
    file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let op =
        crate::codec::message::find_operation(c, operation, port).with_context(|| match port {
            Some(p) => format!("no SOAP operation named `{operation}` on port `{p}`"),
            None => format!("no SOAP operation named `{operation}` in the contract"),
        })?;
    let layout = crate::codec::message::layout(&op, output).map_err(|e| anyhow::anyhow!("{e}"))?;
    let input = open(file)?;
    let codec = Codec::new(c);
    let opts = options(pretty);
    let result = translate(
        input,
        to_json,
        |reader, out| {
            codec
                .envelope_to_json(&layout, reader, out, &opts)
                .map(|_| ())
        },
        &|reader, out, streaming| {
            if streaming {
                codec.json_to_envelope_streaming(&layout, reader, out, &opts)?;
            } else {
                codec.json_to_envelope(&layout, reader, out, &opts)?;
            }
            Ok(())
        },
    );
    report(result)
}
