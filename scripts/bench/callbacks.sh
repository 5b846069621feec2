#!/usr/bin/env bash
# Completed authorizations per second: state check, code exchange, sealed insert, event (wrk walks the callbacks).
# Builds the release binaries first; prints a table and writes artifacts/bench/callbacks.json. See BENCHMARKS.md.
source "$(dirname "$0")/common.sh"
need_wrk
build_release tiktok-business
exec python3 "$ROOT/scripts/bench/bench.py" callbacks
