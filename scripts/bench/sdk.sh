#!/usr/bin/env bash
# Our SDK against TikTok's official Python SDK (installed from PyPI in a throwaway virtual environment).
# Builds the release binaries first; prints a table and writes artifacts/bench/sdk.json. See BENCHMARKS.md.
source "$(dirname "$0")/common.sh"
need_wrk
build_release tiktok-business sdk-load
exec python3 "$ROOT/scripts/bench/bench.py" sdk
