#!/usr/bin/env bash
# Style checks over the tree: swift-format (the toolchain's `swift format`) with the repository's .swift-format
# (120 columns, 4-space indentation, ordered imports). Fails on any finding; `swift format format -i -r Sources Tests
# Fuzz/Harness Benchmarks/Benchmarks` fixes most of them.
# Usage: scripts/validate.sh
set -euo pipefail
cd "$(dirname "$0")/.."

swift format lint --strict --recursive --parallel Sources Tests Fuzz/Harness Benchmarks/Benchmarks
echo "swift-format: OK"
