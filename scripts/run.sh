#!/usr/bin/env bash
# The README's "run it" command: the bridge serving the shipped example
# contracts (wsdl/) through the shipped mappings (mappings/), with the
# example REST service they point at running beside it (--demo). No broker,
# no peers.
#
#   scripts/run.sh                     # SOAP facades on http://127.0.0.1:8080
#   scripts/run.sh --listen 0.0.0.0:8080
#
# Extra arguments go to `soapbridge serve`. Stop it with Ctrl-C (in-flight
# requests finish first).
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

section "bootstrap"
bash scripts/bootstrap.sh --no-broker --no-peers

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/soapbridge-target}"

section "cargo build --release"
cargo build --release --bin soapbridge
bin="$CARGO_TARGET_DIR/release/soapbridge"

section "soapbridge check"
"$bin" check --mappings mappings

section "soapbridge serve --demo"
cat <<'TXT'
Try it (another terminal):
  curl -s -H 'Content-Type: text/xml' --data-binary @- http://127.0.0.1:8080/soap/OrderService <<'XML'
  <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
    <GetOrder xmlns="urn:example:erp:orders:v1"><orderId>SO-2024-000123</orderId></GetOrder>
  </s:Body></s:Envelope>
  XML
  curl -s 'http://127.0.0.1:8080/soap/OrderService?wsdl'
  curl -s -H 'Content-Type: application/json' -d '{"orderId":"SO-2024-000123"}' \
       http://127.0.0.1:8080/api/OrderService/GetOrder
TXT
exec "$bin" serve --mappings mappings --demo "$@"
