#!/usr/bin/env bash
# The README's "run it" command.
#
#   scripts/run.sh [WSDL...]
#
# For now (the server is not written yet) it builds the release binary and runs
# `soapbridge inspect` on the given contracts, by default every shipped concrete
# contract: wsdl/*/*.wsdl except the *-abstract.wsdl halves they import.
# Needs no broker and no peers.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

section "bootstrap"
bash scripts/bootstrap.sh --no-broker --no-peers

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/soapbridge-target}"

section "cargo build --release"
cargo build --release --bin soapbridge
bin="$CARGO_TARGET_DIR/release/soapbridge"

contracts=("$@")
if [ ${#contracts[@]} -eq 0 ]; then
    shopt -s nullglob
    for f in wsdl/*/*.wsdl; do
        case "$f" in
            *-abstract.wsdl) ;;
            *) contracts+=("$f") ;;
        esac
    done
    shopt -u nullglob
fi
if [ ${#contracts[@]} -eq 0 ]; then
    echo "run.sh: no contracts found (wsdl/*/*.wsdl)" >&2
    exit 1
fi

failed=0
for wsdl in "${contracts[@]}"; do
    section "soapbridge inspect $wsdl"
    if ! "$bin" inspect "$wsdl"; then
        echo "run.sh: soapbridge inspect $wsdl failed" >&2
        failed=$((failed + 1))
    fi
done

section "inspected ${#contracts[@]} contract(s), $failed failed"
[ "$failed" -eq 0 ]
