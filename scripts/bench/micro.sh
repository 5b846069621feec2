#!/usr/bin/env bash
# The in-process micro-benchmarks of Benchmarks/ (ordo-one's package-benchmark, release build): TokenCipher, envelope
# and model decoding, state issue/verify, accessToken(for:), SQLite reads and writes. Extra arguments go to
# `swift package benchmark`, e.g. `scripts/bench/micro.sh --target VaultBenchmarks` or `--format markdown`.
set -euo pipefail
cd "$(dirname "$0")/../../Benchmarks"
exec swift package --allow-writing-to-package-directory benchmark "$@"
