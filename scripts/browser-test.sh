#!/usr/bin/env bash
# Browser test of the admin page and the sandbox consent flow: headless Chromium (Debian `chromium`,
# `chromium-driver`) driven by Selenium and pytest (PyPI) against `tiktok-business serve` in sandbox mode on free
# ports: an empty sandbox for the walk through the consent pages, and a second one seeded by scripts/seed-sandbox.py
# (a few hundred connections in every kind and state) for the overview, charts, search, audit trail, API keys and
# health filters. Screenshots and logs go to artifacts/browser/ (or $TIKTOK_BUSINESS_TEST_ARTIFACTS/browser/).
# Usage: scripts/browser-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

artifacts="${TIKTOK_BUSINESS_TEST_ARTIFACTS:-$PWD/artifacts}/browser"
rm -rf "$artifacts"
mkdir -p "$artifacts"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
    else
        echo "Install Debian's chromium and chromium-driver (sudo apt-get install chromium chromium-driver)." >&2
        exit 1
    fi
fi
venv=.build/browser-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium, pytest" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "selenium==4.51.0" "pytest==9.2.0"
fi

source scripts/sandbox-serve.sh
start_sandbox_serve "$artifacts/serve.log" info browser-test-key


# The seeded sandbox: the public routes' per-client limit off and a large QPS budget (hundreds of authorizations from
# this one address), and "degraded" after 5 s of failing refreshes instead of an hour.
seeded_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
seeded_sandbox_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
seeded_base="http://127.0.0.1:$seeded_port"
seeded_data="$(mktemp -d)"
seeded_key="browser-seeded-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
env -u TIKTOK_APP_ID -u TIKTOK_APP_SECRET \
    TIKTOK_BUSINESS_PORT="$seeded_port" TIKTOK_BUSINESS_SANDBOX_PORT="$seeded_sandbox_port" \
    TIKTOK_BUSINESS_PUBLIC_URL="$seeded_base" TIKTOK_BUSINESS_DATABASE_URL="sqlite://$seeded_data/connections.sqlite" \
    TIKTOK_BUSINESS_API_KEY="$seeded_key" TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS=5 \
    TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE=0 TIKTOK_RATE_LIMIT_QPS=1000 LOG_LEVEL=notice \
    "$(swift build --show-bin-path)/tiktok-business" serve >"$artifacts/serve-seeded.log" 2>&1 &
seeded_pid=$!
stop_seeded_serve() {
    kill "$seeded_pid" 2>/dev/null || true
    wait "$seeded_pid" 2>/dev/null || true
    rm -rf "$seeded_data"
}
trap 'stop_seeded_serve; stop_sandbox_serve' EXIT
for _ in $(seq 1 100); do
    if curl -fsS "$seeded_base/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$seeded_pid" 2>/dev/null; then cat "$artifacts/serve-seeded.log" >&2; exit 1; fi
    sleep 0.1
done
python3 scripts/seed-sandbox.py --url "$seeded_base" --api-key "$seeded_key" \
    --emulator-url "http://127.0.0.1:$seeded_sandbox_port" --degraded-after 5 --json "$artifacts/seed-summary.json" \
    2>&1 | tee "$artifacts/seed.log"

BASE_URL="$base" API_KEY="$api_key" ARTIFACTS="$artifacts" \
    SEEDED_BASE_URL="$seeded_base" SEEDED_API_KEY="$seeded_key" \
    SEEDED_EMULATOR_URL="http://127.0.0.1:$seeded_sandbox_port" SEED_SUMMARY="$artifacts/seed-summary.json" \
    "$venv/bin/python" -m pytest -v -p no:cacheprovider Tests/browser/test_admin.py
echo "Screenshots in $artifacts"
