#!/usr/bin/env bash
# Installs and starts what soapbridge's build and tests need, on Debian/Ubuntu.
#
#   scripts/bootstrap.sh [--no-broker] [--no-peers]
#
#   --no-broker   do not install or start RabbitMQ
#   --no-peers    do not create the interop peers (python venv with zeep, later node peers)
#
# Idempotent and fast when everything is already there: each step checks first
# (dpkg, a TCP probe of the broker, a hash of the peers' requirements) and only
# then installs. System packages go through apt-get (with sudo when not root).
#
# Environment:
#   SOAPBRIDGE_PEERS   cache folder for the peers, outside the clone
#                      (default: $HOME/.cache/soapbridge-peers)
#   SOAPBRIDGE_PYTHON  interpreter the venv is made from
#                      (default: /usr/bin/python3 when present, else python3)
#   RABBITMQ_NODE_PORT AMQP port to probe (default 5672); RABBITMQ_NODENAME etc.
#                      are passed through to rabbitmq-server / rabbitmqctl as usual.
set -euo pipefail

with_broker=1
with_peers=1
for arg in "$@"; do
    case "$arg" in
        --no-broker) with_broker=0 ;;
        --no-peers) with_peers=0 ;;
        -h | --help)
            sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "bootstrap.sh: unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[bootstrap] %s\n' "$*"; }
die() {
    printf '[bootstrap] ERROR: %s\n' "$*" >&2
    exit 1
}

# A usable HOME even when it is unset or points nowhere (CI, cron, systemd units).
if [ -z "${HOME:-}" ] || [ ! -d "${HOME}" ]; then
    HOME="$(getent passwd "$(id -u)" | cut -d: -f6 || true)"
    [ -n "$HOME" ] && [ -d "$HOME" ] || HOME="/tmp/soapbridge-home-$(id -u)"
    mkdir -p "$HOME"
    export HOME
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    SUDO=(sudo)
fi
as_root() {
    if [ ${#SUDO[@]} -gt 0 ] && ! command -v sudo >/dev/null 2>&1; then
        die "not root and sudo is not installed; run as root: $*"
    fi
    "${SUDO[@]}" "$@"
}

# ---------------------------------------------------------------------------
# 1. System packages
# ---------------------------------------------------------------------------
# Build: pkg-config + -dev headers for openssl, libxml2, xmlsec1 (the `xmlsec`
# crate), libclang-dev (bindgen panics "Unable to find libclang" without it).
# Tests and benchmarks: xmlsec1 CLI (independent signature check), hyperfine,
# openssl CLI (test CAs, certificates and JWT keys are made at test time).
packages=(pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev xmlsec1 hyperfine openssl)
if [ "$with_peers" = 1 ]; then
    # chromium: renders the REST facade's docs page headless in the tests.
    packages+=(python3 python3-venv chromium)
    # Node peers (node `soap`): Debian's nodejs/npm unless a node is already on PATH.
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        packages+=(nodejs npm)
    fi
fi
if [ "$with_broker" = 1 ]; then
    packages+=(rabbitmq-server)
fi

is_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

missing=()
for pkg in "${packages[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing[*]}"
    log "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" </dev/null
    for pkg in "${missing[@]}"; do
        is_installed "$pkg" || die "package $pkg did not install"
    done
else
    log "system packages: all ${#packages[@]} present"
fi

# ---------------------------------------------------------------------------
# 2. RabbitMQ (shared broker on 127.0.0.1:5672, guest/guest)
# ---------------------------------------------------------------------------
amqp_port="${RABBITMQ_NODE_PORT:-5672}"

amqp_port_open() {
    timeout 2 bash -c ": </dev/tcp/127.0.0.1/$amqp_port" >/dev/null 2>&1
}

# The node is up when its AMQP port accepts connections and rabbitmqctl agrees
# that the app has finished booting. `await_startup` right after a start can
# exit 69 before the node has registered with epmd, hence the polling.
broker_ready() {
    amqp_port_open || return 1
    as_root rabbitmqctl -q await_startup --timeout 5 >/dev/null 2>&1
}

ensure_broker() {
    if amqp_port_open; then
        log "RabbitMQ: answering on 127.0.0.1:$amqp_port"
        return 0
    fi
    command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] \
        || die "rabbitmq-server not found"
    if as_root rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
        log "RabbitMQ: node is running but port $amqp_port is closed; waiting for it"
    else
        local logfile="${TMPDIR:-/tmp}/soapbridge-rabbitmq-start.log"
        if [ -d /run/systemd/system ] && [ -z "${RABBITMQ_NODENAME:-}" ] \
            && command -v systemctl >/dev/null 2>&1; then
            log "RabbitMQ: not answering; systemctl start rabbitmq-server"
            as_root systemctl start rabbitmq-server >"$logfile" 2>&1 </dev/null || true
        else
            log "RabbitMQ: not answering; rabbitmq-server -detached (log: $logfile)"
            # Redirect everything: the daemonised VM must not hold our stdout open.
            as_root rabbitmq-server -detached >"$logfile" 2>&1 </dev/null || true
        fi
    fi
    local start=$SECONDS
    while ! broker_ready; do
        if [ $((SECONDS - start)) -ge 60 ]; then
            [ -f "${TMPDIR:-/tmp}/soapbridge-rabbitmq-start.log" ] \
                && tail -n 20 "${TMPDIR:-/tmp}/soapbridge-rabbitmq-start.log" >&2
            die "RabbitMQ did not answer on 127.0.0.1:$amqp_port within 60 s"
        fi
        sleep 1
    done
    log "RabbitMQ: ready after $((SECONDS - start)) s"
}

if [ "$with_broker" = 1 ]; then
    ensure_broker
fi

# ---------------------------------------------------------------------------
# 3. Interop peers, in a cache folder outside the clone
# ---------------------------------------------------------------------------
PEERS_DIR="${SOAPBRIDGE_PEERS:-$HOME/.cache/soapbridge-peers}"
VENV="$PEERS_DIR/venv"
REQUIREMENTS="$ROOT/scripts/peers/requirements.txt"

base_python() {
    if [ -n "${SOAPBRIDGE_PYTHON:-}" ]; then
        command -v "$SOAPBRIDGE_PYTHON"
    elif [ -x /usr/bin/python3 ]; then
        echo /usr/bin/python3
    else
        command -v python3
    fi
}

ensure_python_peers() {
    [ -f "$REQUIREMENTS" ] || die "missing $REQUIREMENTS"
    local py want have stamp="$VENV/.soapbridge-requirements.sha256"
    py="$(base_python)" || die "no python3 found"
    # What the venv must match: the requirements file and the interpreter it was made from.
    want="$(
        {
            sha256sum <"$REQUIREMENTS"
            echo "$py"
        } | sha256sum | cut -d' ' -f1
    )"
    have="$(cat "$stamp" 2>/dev/null || true)"
    if [ "$want" = "$have" ] && "$VENV/bin/python" -c '' >/dev/null 2>&1; then
        log "python peers: up to date ($VENV)"
        return 0
    fi
    mkdir -p "$PEERS_DIR"
    (
        # One installer at a time (two test runs started together share the cache).
        flock -w 600 9 || die "could not lock $PEERS_DIR/.lock"
        have="$(cat "$stamp" 2>/dev/null || true)"
        if [ "$want" = "$have" ] && "$VENV/bin/python" -c '' >/dev/null 2>&1; then
            exit 0
        fi
        if [ -e "$VENV" ] && ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
            log "python peers: venv is broken, recreating"
            rm -rf "$VENV"
        elif [ -e "$VENV" ] && [ "$(cat "$VENV/.soapbridge-base-python" 2>/dev/null || true)" != "$py" ]; then
            log "python peers: base interpreter changed, recreating venv"
            rm -rf "$VENV"
        fi
        if [ ! -e "$VENV" ]; then
            log "python peers: creating venv with $py ($("$py" --version 2>&1))"
            "$py" -m venv "$VENV"
            echo "$py" >"$VENV/.soapbridge-base-python"
        fi
        rm -f "$stamp"
        log "python peers: installing scripts/peers/requirements.txt"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --no-input -q \
            -r "$REQUIREMENTS" </dev/null
        "$VENV/bin/python" -c 'import zeep' || die "zeep does not import in $VENV"
        echo "$want" >"$stamp"
        log "python peers: installed ($("$VENV/bin/python" -c 'import zeep; print("zeep", zeep.__version__)'))"
    ) 9>"$PEERS_DIR/.lock"
}

# ===== Node peers (node `soap` as a second legacy SOAP client) =====
# scripts/peers/package.json + package-lock.json, installed with `npm ci`
# into $PEERS_DIR/node when the lock file's hash changes.
NODE_DIR="$PEERS_DIR/node"
ensure_node_peers() {
    command -v node >/dev/null 2>&1 || die "node is not installed"
    local lock="$ROOT/scripts/peers/package-lock.json" stamp="$NODE_DIR/.soapbridge-lock.sha256" want
    want="$(sha256sum "$lock" "$ROOT/scripts/peers/package.json" | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$NODE_DIR/node_modules/soap" ]; then
        log "node peers: up to date ($NODE_DIR)"
        return 0
    fi
    mkdir -p "$NODE_DIR"
    (
        flock 9
        cp "$ROOT/scripts/peers/package.json" "$lock" "$NODE_DIR/"
        log "node peers: npm ci in $NODE_DIR"
        npm ci --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error </dev/null
        node -e "require('$NODE_DIR/node_modules/soap')" || die "node soap does not load"
        echo "$want" >"$stamp"
        log "node peers: installed (soap $(node -p "require('$NODE_DIR/node_modules/soap/package.json').version"))"
    ) 9>"$NODE_DIR/.lock"
}
# ===== end of node peers =====

if [ "$with_peers" = 1 ]; then
    ensure_python_peers
    ensure_node_peers
fi

log "done"
