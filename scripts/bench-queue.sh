#!/usr/bin/env bash
# RabbitMQ throughput (BENCHMARKS.md, "Queues"), in one run:
#   1. one-way SOAP calls published through soapbridge with confirms (wrk
#      against the SOAP facade of a `publish` route: each answer waits for
#      the broker's confirm);
#   2. a plain lapin publisher with confirms, pipelined and one at a time
#      (examples/amqp_bench.rs);
#   3. end to end: N messages waiting in a queue, consumed by soapbridge and
#      delivered to the example REST service (serve --demo), until the queue
#      is drained.
#   scripts/bench-queue.sh [N] [DURATION]        # default 20000 messages, 10 s of wrk
# Needs the broker on 127.0.0.1:5672 (scripts/bootstrap.sh) and wrk. Its
# queues are named sbbench.* and deleted at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-20000}"
DURATION="${2:-10}"
AMQP="${SOAPBRIDGE_AMQP:-amqp://guest:guest@127.0.0.1:5672/%2f}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/soapbridge-target}"
command -v wrk >/dev/null || { echo "bench-queue.sh: wrk is needed (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet --bin soapbridge --example amqp_bench
BIN="$CARGO_TARGET_DIR/release/soapbridge"
AB="$CARGO_TARGET_DIR/release/examples/amqp_bench"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/soapbridge-bench-queue.XXXXXX")"
TAG="$$.$(date +%s)"
Q_PUB="sbbench.pub.$TAG"; Q_PLAIN="sbbench.plain.$TAG"; Q_E2E="sbbench.e2e.$TAG"
pids=()
cleanup() {
    # Stopped for good before the queues go, or a consumer would re-declare them.
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    "$AB" delete "$AMQP" "$Q_PUB" "$Q_PLAIN" "$Q_E2E" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" convert wsdl/bank-payments/payments.wsdl --element NotifyPaymentEvent --to json \
    wsdl/bank-payments/samples/NotifyPaymentEvent.xml > "$WORK/event.json"
body=$(sed '1{/^<?xml/d}' wsdl/bank-payments/samples/NotifyPaymentEvent.xml | tr -d '\n')
envelope="<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body>$body</e:Body></e:Envelope>"

wait_up() { for _ in $(seq 1 100); do curl -fs "http://$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

# 1. Through soapbridge: publish only (nobody consumes this queue here).
mkdir -p "$WORK/pub"
cat > "$WORK/pub/payments.yaml" <<YAML
contract: $ROOT/wsdl/bank-payments/payments.wsdl
upstream:
  base_url: http://127.0.0.1:1
operations:
  NotifyPaymentEvent:
    publish:
      queue: $Q_PUB
YAML
SOAPBRIDGE_LOG=warn "$BIN" serve --mappings "$WORK/pub" --listen 127.0.0.1:18581 --amqp "$AMQP" >"$WORK/pub.log" 2>&1 &
pids+=($!)
wait_up 127.0.0.1:18581
cat > "$WORK/soap.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/soap+xml"
wrk.body = '$envelope'
LUA
curl -fs -o /dev/null -w '%{http_code}' -H 'Content-Type: application/soap+xml' --data-binary "$envelope" \
    http://127.0.0.1:18581/soap/PaymentService | grep -q 202 || { echo "the publish route does not answer 202" >&2; exit 1; }
wrk -t2 -c16 -d"${DURATION}s" --latency -s "$WORK/soap.lua" http://127.0.0.1:18581/soap/PaymentService > "$WORK/wrk.txt"
through=$(sed -n 's/Requests\/sec:[[:space:]]*//p' "$WORK/wrk.txt")
p50=$(awk '$1=="50%"{print $2}' "$WORK/wrk.txt"); p99=$(awk '$1=="99%"{print $2}' "$WORK/wrk.txt")
non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: //p' "$WORK/wrk.txt"); non2xx=${non2xx:-0}

# 2. Plain lapin with confirms.
"$AB" publish "$AMQP" "$Q_PLAIN" "$N" "$WORK/event.json" > "$WORK/plain.txt"

# 3. End to end: fill, then let soapbridge deliver to the example REST service.
"$AB" fill "$AMQP" "$Q_E2E" "$N" "$WORK/event.json" > /dev/null
mkdir -p "$WORK/e2e"
cat > "$WORK/e2e/payments.yaml" <<YAML
contract: $ROOT/wsdl/bank-payments/payments.wsdl
upstream:
  base_url: http://127.0.0.1:18591/bank
operations:
  NotifyPaymentEvent:
    method: POST
    path: /payment-events
    queue:
      name: $Q_E2E
      prefetch: 64
YAML
SOAPBRIDGE_LOG=warn "$BIN" serve --mappings "$WORK/e2e" --listen 127.0.0.1:18582 --amqp "$AMQP" \
    --demo --demo-listen 127.0.0.1:18591 >"$WORK/e2e.log" 2>&1 &
pids+=($!)
drained=$("$AB" drain "$AMQP" "$Q_E2E" 600 | awk '{print $2}')

echo "$(nproc) CPUs shared by the broker, soapbridge, wrk and the example service; $N messages of $(stat -c %s "$WORK/event.json") bytes"
echo
echo "| path | messages/s | notes |"
echo "|---|---|---|"
echo "| one-way SOAP call published through soapbridge, confirmed (wrk -t2 -c16 -d${DURATION}s) | ${through%.*} | p50 $p50, p99 $p99, non-2xx $non2xx |"
echo "| plain lapin publisher, confirms pipelined | $(awk '/plain_pipelined/{print $2}' "$WORK/plain.txt") | one connection |"
echo "| plain lapin publisher, each confirm awaited | $(awk '/plain_sequential/{print $2}' "$WORK/plain.txt") | the same wait a SOAP caller has |"
python3 -c "import sys; n=int(sys.argv[1]); s=float(sys.argv[2]); print(f'| queue -> soapbridge -> REST service, end to end | {n/s:.0f} | {n} messages drained in {s:.1f} s, prefetch 64 |')" "$N" "$drained"
