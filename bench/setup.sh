#!/usr/bin/env bash
# Install what the benchmarks need; safe to run again (does nothing when all is there).
#   - ledger-cli 3.3 and hledger 1.25 from Debian's packages `ledger` and `hledger`;
#   - the project itself into .venv (as `make install` does), if yecai is not there yet.
# Used by benchmark runs only, never by the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ledger >/dev/null 2>&1 || missing+=(ledger)
command -v hledger >/dev/null 2>&1 || missing+=(hledger)
if ((${#missing[@]})); then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
        $SUDO apt-get update
        $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
    fi
fi
ledger --version | head -n 1
hledger --version

if [ ! -x .venv/bin/yecai ]; then
    make install
fi
