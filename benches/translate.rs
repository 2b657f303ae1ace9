//! Translation throughput on the benchmark contract
//! (`benches/fixtures/statement.wsdl`, a bank account statement).
//!
//! ```text
//! cargo bench --bench translate
//! ```
//! Groups, each over a ~1 KB, ~100 KB and ~50 MB statement generated in
//! memory (deterministic, `benches/support/statement_gen.rs`):
//! - `baseline_nsreader`: quick-xml's `NsReader` reading the XML and
//!   resolving namespaces, nothing else: the ceiling for `xml_to_json`;
//! - `xml_to_json`: `Codec::xml_to_json`, XML bytes per second;
//! - `json_to_xml`: `Codec::json_to_xml` on the JSON that `xml_to_json`
//!   made, JSON bytes per second (read whole: these documents are within
//!   `Limits::max_json`);
//! - `json_to_xml_streaming`: `Codec::json_to_xml_streaming` on the same
//!   JSON, what JSON beyond `max_json` goes through.
//!
//! Under `cargo test --all-targets` each benchmark runs once, on a 1 MB
//! "large" document.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use quick_xml::events::Event;
use quick_xml::reader::NsReader;
use soapbridge::QName;
use soapbridge::codec::{Codec, Options};
use soapbridge::contract::{Contract, LoadOptions};

#[path = "support/statement_gen.rs"]
mod statement_gen;

struct Doc {
    name: &'static str,
    xml: Vec<u8>,
    json: Vec<u8>,
}

fn contract() -> Contract {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/statement.wsdl");
    Contract::load(&path, &LoadOptions::default()).expect("the benchmark contract loads")
}

fn docs(codec: &Codec<'_>, element: &QName) -> Vec<Doc> {
    // `cargo test --all-targets` runs each benchmark once, unoptimized and
    // without `--bench`: a 1 MB "large" document is enough to check it works.
    let benching = std::env::args().any(|a| a == "--bench");
    let large = if benching { 50 << 20 } else { 1 << 20 };
    [
        ("small", 1u64 << 10),
        ("medium", 100 << 10),
        ("large", large),
    ]
    .into_iter()
    .map(|(name, size)| {
        let (xml, entries) = statement_gen::statement(size);
        let json = codec
            .xml_to_json(element, &xml[..], Vec::new(), &Options::default())
            .expect("the generated statement translates");
        // The round trip must hold, or the json_to_xml figures mean nothing.
        codec
            .json_to_xml(element, &json[..], Vec::new(), &Options::default())
            .expect("the translated JSON translates back");
        eprintln!(
            "{name}: {} bytes of XML, {} bytes of JSON, {entries} entries",
            xml.len(),
            json.len()
        );
        Doc { name, xml, json }
    })
    .collect()
}

/// Small and medium documents: criterion's defaults. The large one: ten
/// samples of one iteration each.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, doc: &Doc) {
    if doc.name == "large" {
        group.sample_size(10);
        group.sampling_mode(SamplingMode::Flat);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(8));
    } else {
        group.sample_size(100);
        group.sampling_mode(SamplingMode::Auto);
        group.warm_up_time(Duration::from_secs(2));
        group.measurement_time(Duration::from_secs(5));
    }
}

/// Reads every event and resolves its namespace, as the translator's reader does.
fn scan(xml: &[u8], buf: &mut Vec<u8>) -> usize {
    let mut reader = NsReader::from_reader(xml);
    let mut events = 0usize;
    loop {
        buf.clear();
        match reader.read_resolved_event_into(buf) {
            Ok((_, Event::Eof)) => break,
            Ok((ns, event)) => {
                black_box((&ns, &event));
                events += 1;
            }
            Err(e) => panic!("the generated XML is well-formed: {e}"),
        }
    }
    events
}

fn translate(c: &mut Criterion) {
    let contract = contract();
    let codec = Codec::new(&contract);
    let element = QName::new(statement_gen::NS, statement_gen::ROOT);
    let docs = docs(&codec, &element);
    let opts = Options::default();

    let mut group = c.benchmark_group("baseline_nsreader");
    let mut buf = Vec::with_capacity(4096);
    for doc in &docs {
        configure(&mut group, doc);
        group.throughput(Throughput::Bytes(doc.xml.len() as u64));
        group.bench_function(doc.name, |b| b.iter(|| scan(black_box(&doc.xml), &mut buf)));
    }
    group.finish();

    let mut group = c.benchmark_group("xml_to_json");
    for doc in &docs {
        configure(&mut group, doc);
        group.throughput(Throughput::Bytes(doc.xml.len() as u64));
        let mut out = Vec::with_capacity(doc.json.len());
        group.bench_function(doc.name, |b| {
            b.iter(|| {
                out.clear();
                codec
                    .xml_to_json(&element, black_box(&doc.xml[..]), &mut out, &opts)
                    .expect("translates");
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("json_to_xml");
    for doc in &docs {
        configure(&mut group, doc);
        group.throughput(Throughput::Bytes(doc.json.len() as u64));
        let mut out = Vec::with_capacity(doc.xml.len());
        group.bench_function(doc.name, |b| {
            b.iter(|| {
                out.clear();
                codec
                    .json_to_xml(&element, black_box(&doc.json[..]), &mut out, &opts)
                    .expect("translates");
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("json_to_xml_streaming");
    for doc in &docs {
        configure(&mut group, doc);
        group.throughput(Throughput::Bytes(doc.json.len() as u64));
        let mut out = Vec::with_capacity(doc.xml.len());
        group.bench_function(doc.name, |b| {
            b.iter(|| {
                out.clear();
                codec
                    .json_to_xml_streaming(&element, black_box(&doc.json[..]), &mut out, &opts)
                    .expect("translates");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, translate);
criterion_main!(benches);
