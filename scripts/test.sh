#!/usr/bin/env bash
# The one test command: builds the package and runs every test suite.
# Usage: scripts/test.sh [extra `swift test` arguments, e.g. --filter VaultFlowTests]
set -euo pipefail
cd "$(dirname "$0")/.."

export TIKTOK_BUSINESS_TEST_ARTIFACTS="${TIKTOK_BUSINESS_TEST_ARTIFACTS:-$PWD/artifacts}"
mkdir -p "$TIKTOK_BUSINESS_TEST_ARTIFACTS"

swift build --build-tests
swift build --product tiktok-business
export TIKTOK_BUSINESS_BINARY="$(swift build --show-bin-path)/tiktok-business"
swift test --skip-build "$@"
