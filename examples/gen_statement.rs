//! Streams a large account statement for the benchmark contract
//! (`benches/fixtures/statement.wsdl`), and checks the JSON translated from
//! one, without holding either file in memory. Used by
//! `scripts/bench-convert-1g.sh`.
//!
//! ```text
//! cargo run --release --example gen_statement -- xml SIZE [OUT]   # SIZE: bytes, or 64K, 50M, 1G
//! cargo run --release --example gen_statement -- check-json FILE  # validates, prints the entry count
//! ```
//! `xml` prints `bytes entries` on stdout when it writes to a file.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::process::ExitCode;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

#[path = "../benches/support/statement_gen.rs"]
mod statement_gen;

fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1u64 << 10),
        b'M' | b'm' => (&s[..s.len() - 1], 1 << 20),
        b'G' | b'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult)
}

/// The root object: counts the items of its `entry` array, skips the rest.
struct Root;
struct Count;

impl<'de> Visitor<'de> for Root {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the JSON object of a Statement")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "entry" {
                if entries.is_some() {
                    return Err(de::Error::custom("`entry` twice"));
                }
                entries = Some(map.next_value_seed(Count)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(entries)
    }
}

impl<'de> DeserializeSeed<'de> for Count {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Count {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut n = 0;
        // Each entry must be an object; its content is checked for syntax only.
        while let Some(e) = seq.next_element::<serde_json::Map<String, serde_json::Value>>()? {
            if !e.contains_key("bookingDate") {
                return Err(de::Error::custom(format!("entry {n} has no bookingDate")));
            }
            n += 1;
        }
        Ok(n)
    }
}

fn check_json(path: &str) -> anyhow::Result<u64> {
    let r = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut de = serde_json::Deserializer::from_reader(r);
    let entries = de.deserialize_map(Root)?;
    de.end()?;
    entries.ok_or_else(|| anyhow::anyhow!("no `entry` array"))
}

fn main() -> anyhow::Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["xml", size, rest @ ..] if rest.len() <= 1 => {
            let target = parse_size(size).ok_or_else(|| anyhow::anyhow!("bad size `{size}`"))?;
            match rest.first() {
                Some(path) => {
                    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
                    let (bytes, entries) = statement_gen::write_statement(&mut w, target)?;
                    w.flush()?;
                    println!("{bytes} {entries}");
                }
                None => {
                    let mut w = BufWriter::with_capacity(1 << 20, io::stdout().lock());
                    let (bytes, entries) = statement_gen::write_statement(&mut w, target)?;
                    w.flush()?;
                    eprintln!("{bytes} bytes, {entries} entries");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ["check-json", path] => {
            let n = check_json(path)?;
            println!("{n}");
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("usage: gen_statement xml SIZE [OUT] | gen_statement check-json FILE");
            Ok(ExitCode::from(2))
        }
    }
}
