#!/usr/bin/env bash
# Browser test of the admin page and the sandbox consent flow: headless Chromium (Debian `chromium`,
# `chromium-driver`) driven by Selenium (PyPI) against `tiktok-business serve` in sandbox mode on free ports.
# Screenshots and logs go to artifacts/browser/ (or $TIKTOK_BUSINESS_TEST_ARTIFACTS/browser/).
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
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet selenium
fi

swift build --product tiktok-business
binary="$(swift build --show-bin-path)/tiktok-business"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
sandbox_port="$(free_port)"
while [ "$sandbox_port" = "$port" ]; do sandbox_port="$(free_port)"; done
data="$(mktemp -d)"
api_key="browser-test-key-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
base="http://127.0.0.1:$port"

env -u TIKTOK_APP_ID -u TIKTOK_APP_SECRET \
    TIKTOK_BUSINESS_PORT="$port" TIKTOK_BUSINESS_SANDBOX_PORT="$sandbox_port" TIKTOK_BUSINESS_PUBLIC_URL="$base" \
    TIKTOK_BUSINESS_DATABASE_URL="sqlite://$data/connections.sqlite" TIKTOK_BUSINESS_API_KEY="$api_key" \
    LOG_LEVEL=info "$binary" serve >"$artifacts/serve.log" 2>&1 &
serve_pid=$!
cleanup() {
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
    rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
    if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$serve_pid" 2>/dev/null; then cat "$artifacts/serve.log" >&2; exit 1; fi
    sleep 0.1
done

BASE_URL="$base" API_KEY="$api_key" ARTIFACTS="$artifacts" "$venv/bin/python" Tests/browser/test_admin.py
echo "Screenshots in $artifacts"
