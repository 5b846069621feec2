#!/usr/bin/env bash
# The one test command: builds the package, runs the browser and schemathesis checks against a live sandbox service
# and the multi-instance test on PostgreSQL, and runs every Swift test suite, the PostgreSQL ones on a throwaway
# server.
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

# The live checks of running services, unless only some Swift tests were asked for: the admin page and consent flow
# in headless Chromium, schemathesis against /openapi.json, the multi-instance and shared QPS budget tests, and
# reporting clients against the emulator. Set
# TIKTOK_BUSINESS_SKIP_LIVE=1 to skip them locally; CI always runs them.
if [[ $# -eq 0 ]]; then
    # Style (swift-format lint) and the Grafana dashboard and alert rules, which must use only metrics and labels the
    # service exports (a few seconds each).
    scripts/validate.sh
    scripts/check-ops.sh
fi
if [[ $# -eq 0 && ( -n "${CI:-}" || -z "${TIKTOK_BUSINESS_SKIP_LIVE:-}" ) ]]; then
    scripts/browser-test.sh
    scripts/schemathesis.sh
    # Three instances on one PostgreSQL, SIGKILLs and a database restart (its own cluster). CI runs it with 500
    # connections, 30 s refresh cycles and 4 kills (about 5 minutes); scripts/multi-instance-test.sh alone runs the
    # full 10,000 with 60 s cycles and 12 kills (about 15 minutes on 2 cores).
    MI_CONNECTIONS="${MI_CONNECTIONS:-500}" MI_ACCESS_TOKEN_LIFETIME="${MI_ACCESS_TOKEN_LIFETIME:-45}" \
        MI_KILLS="${MI_KILLS:-4}" scripts/multi-instance-test.sh
    # One app's QPS budget shared by three instances (then with one joining and one leaving): two 40 s phases in CI,
    # 60 s alone.
    QPS_SECONDS="${QPS_SECONDS:-40}" scripts/qps-budget-test.sh
    # Reporting clients against the emulator: TikTok's official Python SDK, and Airbyte's TikTok Marketing source on
    # the advertiser and campaign streams and reports (daily, hourly, lifetime, audience). The full read of every
    # stream, ad level included, is `scripts/peers/airbyte.sh` alone (about 25 minutes: the source handles some 200
    # records a second).
    scripts/peers/official-sdk.sh
    # Existing TikTok clients through the vault's drop-in endpoint (the official SDK and Airbyte with only host and
    # token changed; refusals; a scan for leaked secrets). The 60 s wait for a proxy token to expire is left to
    # runs of the script alone.
    DROP_IN_EXPIRY="${DROP_IN_EXPIRY:-0}" scripts/peers/drop-in.sh
    AIRBYTE_STREAMS="${AIRBYTE_STREAMS:-advertisers,campaigns,ad_groups,ads,advertisers_reports_daily,advertisers_reports_hourly,advertisers_reports_lifetime,campaigns_reports_daily,campaigns_reports_lifetime,ad_groups_reports_daily,ads_reports_daily,ads_reports_lifetime,advertisers_audience_reports_daily,advertisers_audience_reports_by_country_daily,advertisers_audience_reports_by_platform_daily,advertisers_audience_reports_lifetime,campaigns_audience_reports_by_platform_daily}" \
        scripts/peers/airbyte.sh
fi

if [[ $# -gt 0 ]]; then
    swift test --skip-build "$@"
else
    # Two runs: the tests that load the machine for a long while (Tests/load-tests.txt) after all the others, so that
    # their load cannot starve the timers of tests that measure how long something took. Each line must still name a
    # test: a renamed one would otherwise slip back into the first run unnoticed.
    load_tests="$(grep -v '^#' Tests/load-tests.txt | grep -v '^$' | paste -sd '|')"
    listed="$(swift test list --skip-build 2>/dev/null)"
    while IFS= read -r pattern; do
        grep -qE "$pattern" <<<"$listed" || { echo "Tests/load-tests.txt: '$pattern' matches no test" >&2; exit 1; }
    done < <(grep -v '^#' Tests/load-tests.txt | grep -v '^$')
    # At most 8 tests at a time in the first run: started all at once, some 300 tests starve each other's timers
    # for the first seconds on two cores (Swift Testing's own setting; the load tests keep full parallelism).
    SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=8 swift test --skip-build --skip "$load_tests"
    swift test --skip-build --filter "$load_tests"
fi

# The benchmarks package (Benchmarks/, ordo-one's package-benchmark) builds in debug so that it cannot rot; sharing
# this package's build folder, it compiles little more than its own targets. Its release runs (scripts/bench/) stay
# out of CI.
# SwiftPM keeps one build plan per build folder and would take the benchmarks' plan for this package's next build:
# dropping it makes the next `swift build` here plan again.
if [[ $# -eq 0 ]]; then
    swift build --package-path Benchmarks --scratch-path .build
    rm -f .build/debug.yaml .build/debug/description.json
    # The libFuzzer targets (Fuzz/, README.md "Fuzzing"), two at a time from the corpus in Fuzz/Corpus/: a crash fails
    # the run, with the input in artifacts/fuzz/. Last, because their build leaves this package's modules compiled
    # with the sanitizer. CI gives each 20 s (FUZZ_SECONDS) to stay near its 20 minutes; `scripts/fuzz.sh all 60`
    # or longer locally.
    scripts/fuzz.sh all "${FUZZ_SECONDS:-20}"
fi
