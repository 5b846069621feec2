#!/usr/bin/env bash
# A refresh sweep of BENCH_SWEEP_CONNECTIONS (100,000) account connections due at once: SQLite, then PostgreSQL with
# one and with three instances (BENCH_SWEEP_STORES=sqlite,postgres-1,postgres-3). Seeding goes through real links and
# callbacks, so the first run takes a few minutes more than the sweeps.
# Builds the release binaries first; prints a table and writes artifacts/bench/sweep.json. See BENCHMARKS.md.
source "$(dirname "$0")/common.sh"
need_wrk
build_release tiktok-business
exec python3 "$ROOT/scripts/bench/bench.py" sweep
