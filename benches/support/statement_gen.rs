//! Deterministic generator of account statements for the benchmark contract
//! `benches/fixtures/statement.wsdl` (namespace `urn:example:bench:statement:v1`).
//!
//! Shared by `benches/translate.rs` (documents in memory) and
//! `examples/gen_statement.rs` (a streamed file of any size). Every entry is
//! a pure function of its index, so a document depends only on its size and
//! is the same whether it is built in memory or streamed.

#![allow(dead_code)]

use std::io::{self, Write};

pub const NS: &str = "urn:example:bench:statement:v1";
pub const ROOT: &str = "Statement";

/// SplitMix64: small, fast, and good enough to vary the fields.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01 (proleptic Gregorian).
fn date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// 2026-01-01.
const START_DAY: i64 = 20_454;
/// Entries booked per day (so dates advance through a long statement).
const PER_DAY: u64 = 400;

const NAMES: &[&str] = &[
    "Muster Handels GmbH",
    "Jansen & Zonen B.V.",
    "Société Générale d'Équipement",
    "Nordlicht Energie AG",
    "Café \"Zur Post\" KG",
    "Oy Pohjoinen Ab",
    "Lindqvist Logistik AB",
    "García y Asociados S.L.",
];

const REMITTANCE: &[&str] = &[
    "Invoice 2026-{n} net 30 days",
    "Salary January <bonus included>",
    "Rent flat 3b & parking space",
    "Refund order #{n}, thank you",
    "SEPA direct debit mandate M-{n}",
    "Card settlement {n} / Kartenumsatz Grüße",
];

fn iban(rng: &mut Rng, country: &str) -> String {
    let mut s = String::with_capacity(22);
    s.push_str(country);
    s.push_str(&format!("{:02}", 10 + rng.below(89)));
    for _ in 0..18 {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    s
}

fn amount(rng: &mut Rng, max_cents: u64) -> String {
    let cents = 1 + rng.below(max_cents);
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The XML of entry `i` (0-based), appended to `out`. Roughly 650 bytes.
pub fn entry(out: &mut String, i: u64) {
    use std::fmt::Write as _;
    let mut rng = Rng::new(i);
    let day = START_DAY + (i / PER_DAY) as i64;
    let credit = rng.below(3) == 0;
    let _ = writeln!(out, "  <entry sequence=\"{}\">", i + 1);
    let _ = writeln!(out, "    <bookingDate>{}</bookingDate>", date(day));
    let _ = writeln!(
        out,
        "    <valueDate>{}</valueDate>",
        date(day + rng.below(3) as i64)
    );
    let _ = writeln!(
        out,
        "    <amount currency=\"EUR\">{}</amount>",
        amount(&mut rng, 250_000)
    );
    let _ = writeln!(
        out,
        "    <creditDebit>{}</creditDebit>",
        if credit { "CRDT" } else { "DBIT" }
    );
    let status = match rng.below(50) {
        0 => "REVERSED",
        1 | 2 => "PENDING",
        _ => "BOOKED",
    };
    let _ = writeln!(out, "    <status>{status}</status>");
    out.push_str("    <counterparty>\n      <name>");
    let name = NAMES[rng.below(NAMES.len() as u64) as usize];
    escape(out, name);
    out.push_str("</name>\n");
    let country = ["DE", "NL", "FR", "FI", "SE", "ES", "AT"][rng.below(7) as usize];
    let _ = writeln!(out, "      <iban>{}</iban>", iban(&mut rng, country));
    if rng.below(4) == 0 {
        let _ = writeln!(
            out,
            "      <bic>BANK{country}{}XXX</bic>",
            10 + rng.below(89)
        );
    }
    out.push_str("    </counterparty>\n");
    for _ in 0..rng.below(3) {
        let n = rng.below(1_000_000).to_string();
        let text = REMITTANCE[rng.below(REMITTANCE.len() as u64) as usize].replace("{n}", &n);
        out.push_str("    <remittance>");
        escape(out, &text);
        out.push_str("</remittance>\n");
    }
    let _ = writeln!(
        out,
        "    <endToEndId>E2E-{:08X}-{i}</endToEndId>",
        rng.next() as u32
    );
    let _ = writeln!(
        out,
        "    <bankReference>BR{day}{:06}</bankReference>",
        i % 1_000_000
    );
    if rng.below(8) == 0 {
        let _ = writeln!(out, "    <batchSize>{}</batchSize>", 2 + rng.below(500));
    }
    if rng.below(10) == 0 {
        let ccy = ["USD", "GBP", "CHF", "SEK"][rng.below(4) as usize];
        out.push_str("    <exchange>\n");
        let _ = writeln!(
            out,
            "      <instructedAmount currency=\"{ccy}\">{}</instructedAmount>",
            amount(&mut rng, 300_000)
        );
        let _ = writeln!(
            out,
            "      <rate>{}.{:06}</rate>",
            rng.below(2),
            rng.below(1_000_000)
        );
        let _ = writeln!(
            out,
            "      <quotedAt>{}T{:02}:{:02}:{:02}.{:03}Z</quotedAt>",
            date(day - 1),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.below(1000)
        );
        if rng.below(2) == 0 {
            let _ = writeln!(
                out,
                "      <charges currency=\"EUR\">{}</charges>",
                amount(&mut rng, 2_500)
            );
        }
        out.push_str("    </exchange>\n");
    }
    out.push_str("  </entry>\n");
}

fn header(entries_hint: u64) -> String {
    let mut rng = Rng::new(u64::MAX);
    let days = (entries_hint / PER_DAY) as i64;
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<Statement xmlns=\"{ns}\" createdAt=\"{to}T23:59:59Z\">\n",
            "  <statementId>ST-2026-{id:06}</statementId>\n",
            "  <account>{iban}</account>\n",
            "  <currency>EUR</currency>\n",
            "  <period>\n    <from>{from}</from>\n    <to>{to}</to>\n  </period>\n",
            // The balances are not the sum of the entries: nothing checks that.
            "  <openingBalance>{open}</openingBalance>\n",
            "  <closingBalance>-{close}</closingBalance>\n",
        ),
        ns = NS,
        id = rng.below(1_000_000),
        iban = iban(&mut rng, "DE"),
        from = date(START_DAY),
        to = date(START_DAY + days),
        open = amount(&mut rng, 100_000_000),
        close = amount(&mut rng, 100_000_000),
    )
}

const FOOTER: &str = "</Statement>\n";

/// Streams a statement of about `target` bytes to `out`: entries are added
/// while the document stays nearer to `target` with one more than without.
/// Returns (bytes written, entries).
pub fn write_statement<W: Write>(out: &mut W, target: u64) -> io::Result<(u64, u64)> {
    // The period's end depends on the entry count; estimate it from the size.
    let head = header(target / 650);
    out.write_all(head.as_bytes())?;
    let mut written = (head.len() + FOOTER.len()) as u64;
    let mut scratch = String::with_capacity(2048);
    let mut i = 0u64;
    loop {
        scratch.clear();
        entry(&mut scratch, i);
        let len = scratch.len() as u64;
        if written + len / 2 > target {
            break;
        }
        out.write_all(scratch.as_bytes())?;
        written += len;
        i += 1;
    }
    out.write_all(FOOTER.as_bytes())?;
    Ok((written, i))
}

/// A statement of about `target` bytes, in memory, with its entry count.
pub fn statement(target: u64) -> (Vec<u8>, u64) {
    let mut v = Vec::with_capacity(target as usize + 1024);
    let (_, n) = write_statement(&mut v, target).expect("writing to a Vec");
    (v, n)
}
