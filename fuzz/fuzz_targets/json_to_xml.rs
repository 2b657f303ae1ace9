//! Arbitrary bytes as the JSON of a global element of the shipped contracts,
//! through both writers (whole and streaming). Must never panic, hang or
//! grow without bound; any `Err` is fine. When a translation succeeds, the
//! XML must translate back to JSON; when the streaming writer succeeds, the
//! tree writer must too and write the same XML (up to the `xsi` declaration
//! the streaming writer always puts on the root).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((t, pretty, json)) = common::pick(data) else {
        return;
    };
    let opts = common::options(pretty);
    let streamed = t
        .codec
        .json_to_xml_streaming(&t.element, json, Vec::new(), &opts);
    let whole = t.codec.json_to_xml(&t.element, json, Vec::new(), &opts);
    if let Ok(s) = &streamed {
        let Ok(w) = &whole else {
            panic!(
                "only the streaming writer accepted {}",
                String::from_utf8_lossy(json)
            );
        };
        let xsi = r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
        let s = String::from_utf8_lossy(s).replacen(xsi, "", 1);
        let w = String::from_utf8_lossy(w).replacen(xsi, "", 1);
        assert_eq!(
            s,
            w,
            "the writers differ on {}",
            String::from_utf8_lossy(json)
        );
    }
    if let Ok(xml) = whole {
        // The XML a successful translation wrote is valid for the contract.
        if let Err(e) = t
            .codec
            .xml_to_json(&t.element, xml.as_slice(), Vec::new(), &opts)
        {
            panic!(
                "xml_to_json refused what json_to_xml wrote: {e}\njson: {}\nxml: {}",
                String::from_utf8_lossy(json),
                String::from_utf8_lossy(&xml)
            );
        }
    }
});
