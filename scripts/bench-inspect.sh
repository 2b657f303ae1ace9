#!/usr/bin/env bash
# Times `soapbridge inspect` on generated large contracts (BENCHMARKS.md, "inspect").
#   scripts/bench-inspect.sh            # 5,000 types / 2,000 operations and 20,000 / 10,000
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/soapbridge-target}"
command -v hyperfine >/dev/null || bash scripts/bootstrap.sh --no-broker --no-peers
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/soapbridge"
OUT="${TMPDIR:-/tmp}/soapbridge-bench"
mkdir -p "$OUT"
python3 scripts/gen_large_wsdl.py --types 5000 --operations 2000 -o "$OUT/large.wsdl"
python3 scripts/gen_large_wsdl.py --types 20000 --operations 10000 -o "$OUT/xl.wsdl"
ls -l "$OUT"/*.wsdl
hyperfine --warmup 2 --runs 20 \
    "$BIN inspect $OUT/large.wsdl" \
    "$BIN inspect --json $OUT/large.wsdl" \
    "$BIN inspect $OUT/xl.wsdl"
for f in large xl; do
    /usr/bin/time -f "$f.wsdl: peak RSS %M KiB, %e s" "$BIN" inspect "$OUT/$f.wsdl" >/dev/null
done
