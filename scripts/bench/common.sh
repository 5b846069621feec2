#!/usr/bin/env bash
# Sourced by the scripts in scripts/bench/: installs what a benchmark needs from Debian's packages (wrk, PostgreSQL
# through scripts/postgres.sh) and builds the release binaries in the benchmarks package (Benchmarks/), whose folder
# it exports as BENCH_BIN. Release builds take about 15 minutes the first time on 2 cores; later ones reuse them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

need_wrk() {
    if ! command -v wrk >/dev/null; then
        echo "Installing wrk from Debian's packages" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >/dev/null
    fi
}

# build_release PRODUCT...: builds each product of the benchmarks package in release.
build_release() {
    for product in "$@"; do
        echo "Building $product (release)" >&2
        swift build -c release --package-path "$ROOT/Benchmarks" --product "$product" >&2
    done
    BENCH_BIN="$(swift build -c release --package-path "$ROOT/Benchmarks" --show-bin-path)"
    export BENCH_BIN
}
