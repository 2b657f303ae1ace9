#!/usr/bin/env bash
# Load test of the SOAP facade (BENCHMARKS.md, "SOAP facade"): wrk against
#   1. the example REST service directly (GET /erp/orders/{id}),
#   2. the same call through nginx as a plain reverse proxy,
#   3. the SOAP GetOrder call through soapbridge (validate, translate,
#      call that same REST service, translate back),
#   4. the JSON GetOrder call through the REST facade, whose SOAP backend is
#      the bridge's own SOAP facade (so both facades, then the REST service),
# one after the other in the same run, each for DURATION seconds with
# CONNECTIONS connections, and prints requests/s and p50/p99 latency.
#   scripts/bench-serve.sh [DURATION] [CONNECTIONS]     # default 15 s, 32
# Needs wrk and nginx (installed with apt when missing). Everything listens
# on loopback and is stopped at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${1:-15}"
CONNECTIONS="${2:-32}"
THREADS=2
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/soapbridge-target}"

SUDO=()
[ "$(id -u)" -ne 0 ] && SUDO=(sudo)
for tool in wrk nginx; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tool" </dev/null
    fi
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

cargo build --release --quiet --bin soapbridge
BIN="$CARGO_TARGET_DIR/release/soapbridge"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/soapbridge-bench-serve.XXXXXX")"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

BRIDGE=127.0.0.1:18180
DEMO=127.0.0.1:18190
PROXY=127.0.0.1:18181

ORDERS_API_URL="http://$DEMO/erp" PAYMENTS_API_URL="http://$DEMO/bank" \
    ORDERS_SOAP_URL="http://$BRIDGE/soap/OrderService" PAYMENTS_SOAP_URL="http://$BRIDGE/soap/PaymentService" \
    SOAPBRIDGE_LOG=warn \
    "$BIN" serve --mappings mappings --listen "$BRIDGE" --demo --demo-listen "$DEMO" \
    >"$WORK/serve.log" 2>&1 &
pids+=($!)

cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    upstream demo { server $DEMO; keepalive 64; }
    server {
        listen $PROXY;
        location / {
            proxy_pass http://demo;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
CONF
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf"

for i in $(seq 1 100); do
    curl -fs "http://$BRIDGE/healthz" >/dev/null 2>&1 && curl -fs "http://$PROXY/erp/orders/SO-2024-000123" >/dev/null 2>&1 && break
    sleep 0.1
done

cat >"$WORK/soap.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["SOAPAction"] = "urn:example:erp:orders:v1/GetOrder"
wrk.body = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetOrder xmlns="urn:example:erp:orders:v1"><orderId>SO-2024-000123</orderId></GetOrder></s:Body></s:Envelope>'
LUA

# The SOAP call must work before it is measured.
curl -fs -H 'Content-Type: text/xml' --data-binary \
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetOrder xmlns="urn:example:erp:orders:v1"><orderId>SO-2024-000123</orderId></GetOrder></s:Body></s:Envelope>' \
    "http://$BRIDGE/soap/OrderService" | grep -q "<ns1:orderId>SO-2024-000123</ns1:orderId>" \
    || { echo "the SOAP call through the bridge does not answer correctly" >&2; exit 1; }

run() { # label, url, [script]
    local label="$1" url="$2" script="${3:-}"
    local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency)
    [ -n "$script" ] && args+=(-s "$script")
    wrk "${args[@]}" "$url" >"$WORK/$label.txt"
    python3 - "$label" "$WORK/$label.txt" <<'PY'
import re, sys
label, text = sys.argv[1], open(sys.argv[2]).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
def pct(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", text, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"| {label} | {float(rps):,.0f} | {pct(50):.2f} ms | {pct(99):.2f} ms | {errors.group(1) if errors else 0} |")
PY
}

echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) CPUs shared by wrk, the upstream, nginx and soapbridge"
echo
echo "| path | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
run "REST service directly (GET)" "http://$DEMO/erp/orders/SO-2024-000123"
run "through nginx (GET)" "http://$PROXY/erp/orders/SO-2024-000123"
run "SOAP GetOrder through soapbridge" "http://$BRIDGE/soap/OrderService" "$WORK/soap.lua"
run "JSON GetOrder (GET orders by id) through the REST facade, then the SOAP facade" "http://$BRIDGE/api/OrderService/orders/SO-2024-000123"
