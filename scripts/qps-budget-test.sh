#!/usr/bin/env bash
# The shared QPS budget test: three `tiktok-business serve` processes on one PostgreSQL share one app's budget of 10
# calls per second at the emulator (`--qps-limit 10`) while proxied calls are offered at 30 per second and refreshes
# run; then the same with an instance joining and one leaving (scripts/qps-budget-test.py says what is checked).
# Measurements: artifacts/qps-budget/summary.json (or $TIKTOK_BUSINESS_TEST_ARTIFACTS/qps-budget/).
# Usage: scripts/qps-budget-test.sh   (QPS_SECONDS=30 for a quicker run)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${TIKTOK_BUSINESS_BINARY:-}" ]]; then
    swift build --product tiktok-business
    TIKTOK_BUSINESS_BINARY="$(swift build --show-bin-path)/tiktok-business"
    export TIKTOK_BUSINESS_BINARY
fi
exec python3 scripts/qps-budget-test.py
