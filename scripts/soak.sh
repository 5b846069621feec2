#!/usr/bin/env bash
# The soak with faults (issue 13, section 6), outside CI: the emulator injects 10% mixed faults (HTTP 500, non-JSON
# 504 pages, 50002, 40100, latency, dropped connections) for 10 minutes while `tiktok-business serve` refreshes 500
# account connections continuously (short token lifetime, refresh-token rotation) and proxies a steady trickle of
# calls; then it checks that no connection was wrongly marked, every refresh was done in the end with no token lapsed,
# and serve's memory stayed flat. scripts/soak.py says how; SECURITY.md ("Soak with faults") has the results.
# Measurements: artifacts/soak/summary.json (or $TIKTOK_BUSINESS_TEST_ARTIFACTS/soak/), logs beside it.
# Usage: scripts/soak.sh [--postgres]   (SOAK_SECONDS=120 SOAK_ACCOUNTS=100 SOAK_WARMUP=30 for a quick run)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${TIKTOK_BUSINESS_BINARY:-}" ]]; then
    swift build --product tiktok-business
    TIKTOK_BUSINESS_BINARY="$(swift build --show-bin-path)/tiktok-business"
    export TIKTOK_BUSINESS_BINARY
fi
exec python3 scripts/soak.py "$@"
