#!/usr/bin/env bash
# Writes seed inputs for the fuzz targets from the shipped samples:
#   corpus/xml_to_json/   selector byte + a sample document (root = a global element)
#   corpus/json_to_xml/   selector byte + its JSON (made with `soapbridge convert`)
#   corpus/contract_load/ the shipped WSDL and XSD files
# The selector byte picks the element as fuzz_targets/common.rs does: the
# shipped global elements sorted by `{namespace}local`, index = byte >> 1.
# Usage: fuzz/make-seeds.sh [path/to/soapbridge]   (default: cargo run --release)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [ $# -ge 1 ]; then sb=("$1"); else sb=(cargo run --quiet --release --manifest-path "$root/Cargo.toml" --); fi
mkdir -p "$here/corpus/xml_to_json" "$here/corpus/json_to_xml" "$here/corpus/contract_load"

python3 - "$root" <<'PY' > "$here/corpus/.index"
import re, sys, glob, os
root = sys.argv[1]
elements = []
for wsdl, ns_files in [("erp-orders", ["orders.xsd", "inventory.xsd"]), ("bank-payments", ["payments.xsd", "common.xsd"])]:
    for f in ns_files:
        text = open(os.path.join(root, "wsdl", wsdl, "xsd", f)).read()
        tns = re.search(r'targetNamespace="([^"]+)"', text).group(1)
        # Global elements: <xs:element name=...> directly under xs:schema (two-space indent).
        for m in re.finditer(r'^  <xs:element name="([^"]+)"', text, re.M):
            elements.append((wsdl, "{%s}%s" % (tns, m.group(1))))
elements.sort(key=lambda e: e[1])
for i, (wsdl, clark) in enumerate(elements):
    print(i, wsdl, clark)
PY

while read -r idx contract clark; do
  local_name="${clark#*\}}"
  wsdl="$(ls "$root/wsdl/$contract"/*.wsdl | head -1)"
  for sample in "$root/wsdl/$contract/samples/$local_name".xml "$root/wsdl/$contract/samples/$local_name"-*.xml; do
    [ -f "$sample" ] || continue
    name="$(basename "$sample" .xml)"
    byte=$(printf '\\%03o' $((idx * 2)))
    { printf "$byte"; cat "$sample"; } > "$here/corpus/xml_to_json/$name"
    if json="$("${sb[@]}" convert "$wsdl" --element "$clark" --to json "$sample" 2>/dev/null)"; then
      { printf "$byte"; printf '%s' "$json"; } > "$here/corpus/json_to_xml/$name"
    fi
  done
done < "$here/corpus/.index"

for f in "$root"/wsdl/*/*.wsdl "$root"/wsdl/*/xsd/*.xsd; do
  cp "$f" "$here/corpus/contract_load/$(basename "$f")"
done
# wsse_verify signs its own request at start-up: the seeds are edits of it
# (odd first byte, then where (u16 LE), how much to cut, what to insert):
# none, one byte cut at offset 320, and a second Body inserted at offset 64.
mkdir -p "$here/corpus/wsse_verify"
printf '\001\000\000\000' > "$here/corpus/wsse_verify/unchanged"
printf '\001\100\001\001' > "$here/corpus/wsse_verify/cut-one"
printf '\001\100\000\000<s:Body><m:x xmlns:m="urn:example:m"/></s:Body>' > "$here/corpus/wsse_verify/second-body"
echo "seeds: $(ls "$here/corpus/xml_to_json" | wc -l) xml, $(ls "$here/corpus/json_to_xml" | wc -l) json, $(ls "$here/corpus/contract_load" | wc -l) contracts, $(ls "$here/corpus/wsse_verify" | wc -l) wsse"
