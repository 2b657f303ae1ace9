#!/usr/bin/env bash
# THE test command: every test, including those that need the RabbitMQ broker
# and the interop peers (zeep, ...). CI runs exactly this (via .ci/run).
#
#   scripts/test.sh [extra cargo test arguments, e.g. a test name filter]
#
# Steps: scripts/bootstrap.sh (system packages, broker, peers), then
#   cargo test --all-targets --features interop
#   cargo test --doc
#
# Environment:
#   CARGO_TARGET_DIR   default $HOME/.cache/soapbridge-target (outside the clone,
#                      so fresh clones rebuild incrementally)
#   SOAPBRIDGE_PEERS   peers cache folder (default $HOME/.cache/soapbridge-peers)
# Exported for the tests:
#   SOAPBRIDGE_PEERS_PYTHON  the peers venv's python (has zeep)
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

section "bootstrap"
start=$SECONDS
bash scripts/bootstrap.sh
echo "bootstrap took $((SECONDS - start)) s"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/soapbridge-target}"
export SOAPBRIDGE_PEERS="${SOAPBRIDGE_PEERS:-$HOME/.cache/soapbridge-peers}"
export SOAPBRIDGE_PEERS_PYTHON="$SOAPBRIDGE_PEERS/venv/bin/python"
export SOAPBRIDGE_PEERS_NODE_MODULES="$SOAPBRIDGE_PEERS/node/node_modules"
[ -x "$SOAPBRIDGE_PEERS_PYTHON" ] || {
    echo "test.sh: $SOAPBRIDGE_PEERS_PYTHON is missing after bootstrap" >&2
    exit 1
}
echo "CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
echo "SOAPBRIDGE_PEERS_PYTHON=$SOAPBRIDGE_PEERS_PYTHON"
echo "SOAPBRIDGE_PEERS_NODE_MODULES=$SOAPBRIDGE_PEERS_NODE_MODULES"

# The `interop` feature gates the tests that need the peers (zeep, jsonschema);
# CI always runs them.
features=(--features interop)

section "cargo test --all-targets ${features[*]}"
start=$SECONDS
cargo test --all-targets "${features[@]}" "$@"
echo "cargo test --all-targets took $((SECONDS - start)) s"

section "cargo test --doc"
start=$SECONDS
cargo test --doc "${features[@]}" "$@"
echo "cargo test --doc took $((SECONDS - start)) s"

section "all tests passed"
