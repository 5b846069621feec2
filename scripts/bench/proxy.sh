#!/usr/bin/env bash
# The proxy and the drop-in endpoint against a bare relay hop and the emulator direct, for a small and a ~1 MB answer
# (wrk).
# Builds the release binaries first; prints a table and writes artifacts/bench/proxy.json. See BENCHMARKS.md.
source "$(dirname "$0")/common.sh"
need_wrk
build_release tiktok-business relay
exec python3 "$ROOT/scripts/bench/bench.py" proxy
