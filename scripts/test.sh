#!/usr/bin/env bash
# The one test command: builds the package and runs every test suite, the PostgreSQL ones on a throwaway server.
# Usage: scripts/test.sh [extra `swift test` arguments, e.g. --filter VaultFlowTests]
#
# Unless TIKTOK_BUSINESS_TEST_POSTGRES_URL is already set, scripts/postgres.sh starts a PostgreSQL cluster in a
# temporary directory (installing PostgreSQL from Debian's packages when missing) and stops it on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

export TIKTOK_BUSINESS_TEST_ARTIFACTS="${TIKTOK_BUSINESS_TEST_ARTIFACTS:-$PWD/artifacts}"
mkdir -p "$TIKTOK_BUSINESS_TEST_ARTIFACTS"

if [[ -z "${TIKTOK_BUSINESS_TEST_POSTGRES_URL:-}" ]]; then
    postgres_dir="$(mktemp -d "${TMPDIR:-/tmp}/tiktok-business-pg.XXXXXX")"
    trap 'scripts/postgres.sh stop "$postgres_dir"' EXIT
    TIKTOK_BUSINESS_TEST_POSTGRES_URL="$(scripts/postgres.sh start "$postgres_dir")"
    export TIKTOK_BUSINESS_TEST_POSTGRES_URL
fi

swift build --build-tests
swift build --product tiktok-business
export TIKTOK_BUSINESS_BINARY="$(swift build --show-bin-path)/tiktok-business"
swift test --skip-build "$@"
