# Sourced by scripts/run.sh and scripts/test.sh: repository root as the
# working directory, a usable HOME, and section headers.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

section() { printf '\n===== %s =====\n' "$*"; }

# A usable HOME even when it is unset or points nowhere (caches live there).
if [ -z "${HOME:-}" ] || [ ! -d "${HOME}" ]; then
    HOME="$(getent passwd "$(id -u)" | cut -d: -f6 || true)"
    [ -n "$HOME" ] && [ -d "$HOME" ] || HOME="/tmp/soapbridge-home-$(id -u)"
    mkdir -p "$HOME"
    export HOME
fi
