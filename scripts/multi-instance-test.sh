#!/usr/bin/env bash
# The multi-instance test: three `tiktok-business serve` processes on one PostgreSQL (its own throwaway cluster, see
# scripts/postgres.sh), one emulator and one shared key file, 10,000 account connections, three refresh cycles, two
# `keys rotate` runs under refresh load followed by a restart of every instance, SIGKILL chaos, a PostgreSQL restart
# under load, and a proxied call on every connection (Tests/multi_instance/ says how).
# Measurements: artifacts/multi-instance/summary.json (or $TIKTOK_BUSINESS_TEST_ARTIFACTS/multi-instance/).
# Usage: scripts/multi-instance-test.sh   (MI_CONNECTIONS=1000 for a quick local run)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${TIKTOK_BUSINESS_BINARY:-}" ]]; then
    swift build --product tiktok-business
    TIKTOK_BUSINESS_BINARY="$(swift build --show-bin-path)/tiktok-business"
    export TIKTOK_BUSINESS_BINARY
fi
PYTHONPATH="$PWD/Tests${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m multi_instance
