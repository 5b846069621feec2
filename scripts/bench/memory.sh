#!/usr/bin/env bash
# serve's resident memory: idle, and sampled across BENCH_MEMORY_SECONDS (600) of proxy load.
# Builds the release binaries first; prints a table and writes artifacts/bench/memory.json. See BENCHMARKS.md.
source "$(dirname "$0")/common.sh"
need_wrk
build_release tiktok-business
exec python3 "$ROOT/scripts/bench/bench.py" memory
